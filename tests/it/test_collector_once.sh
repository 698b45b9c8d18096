#!/bin/sh
# pvmon-collector --once as a technician commissioning a station uses it, against
# pvmon-sim and mosquitto: one line per device, "answered" with the values to
# compare with the device's display, or "NOT ANSWERED" naming the bus path or
# host:port and the unit, and why; a non-zero exit whenever a device did not
# answer (wrong unit, refused port, missing serial device, gateway exception,
# wrong profile) or the broker did not confirm (down, or silent), never silently.
. tests/it/lib.sh
. tests/it/collector.sh

inv() { printf '{ "id": "%s", "unit": %s, "profile": "huawei-sun2000", "capacity_w": 50000, "energy_wh": %s%s }' "$1" "$2" "$3" "$4"; }
cat >"$IT_TMP/sim.json" <<EOC
{
  "profiles": "$PVMON_ROOT/config/profiles",
  "stations": [ { "id": "st1", "port": 0, "inverters": [
    $(inv inv01 1 123456780 ''),
    $(inv inv02 2 2000000 ', "faults": [ { "type": "exception", "code": 11 } ]'),
    $(inv inv03 3 3000000 '')
  ], "meter": { "id": "meter", "unit": 10, "profile": "chint-dtsu666", "energy_wh": 250000000, "import_wh": 1500000 } } ]
}
EOC
start_broker
start_sim -c "$IT_TMP/sim.json" --speed 0 --start 2019-06-21T12:30:00+08:00
P=$(sim_port st1)
wait_port "$P" || fail "st1 listens"

dev() { echo "{ \"id\": \"$1\", \"station\": \"st1\", \"unit\": $2, \"profile\": \"$3\", \"kind\": \"$4\" }"; }
tcp() { echo "[ { \"id\": \"a\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $1, \"timeout_ms\": 300, \"devices\": [ $2 ] } ]"; }
# once NAME BUSES [ARGS...]: runs --once on a config NAME with BUSES; sets RC and OUT (stdout + stderr)
once() {
	n=$1
	b=$2
	shift 2
	collector_conf "$IT_TMP/$n.json" "gw-$n" 1000 "" "$b"
	timeout -k 5 60 "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/$n.json" --once "$@" >"$IT_TMP/$n.out" 2>&1
	RC=$?
	OUT=$(cat "$IT_TMP/$n.out")
	echo "# $n: exit $RC"
	sed 's/^/#   /' "$IT_TMP/$n.out"
}
has() { echo "$OUT" | grep -q -- "$1"; }

# 1. everything answers: exit 0, and the values the technician compares with the display
once good "$(tcp "$P" "$(dev inv01 1 huawei-sun2000 inverter), $(dev meter 10 chint-dtsu666 meter)")"
check "all devices answered: --once exits 0" [ "$RC" -eq 0 ]
check "the inverter's line: answered, where, its power, counter and state" \
	has "^answered  *st1/inv01 (tcp 127.0.0.1:$P unit 1): power $(sim_val st1 inv01 power_w) W, energy $(sim_val st1 inv01 energy_wh) Wh ([0-9.]* kWh), state $(sim_val st1 inv01 state)"
check "the meter's line: its export and import counters" \
	has "^answered  *st1/meter (tcp 127.0.0.1:$P unit 10): power $(sim_val st1 meter power_w) W, export $(sim_val st1 meter energy_wh) Wh .*import $(sim_val st1 meter import_wh) Wh"
check "a meter without a state register shows no state" sh -c "! echo '$OUT' | grep 'st1/meter' | grep -q state"
check "the summary says every device answered and the broker confirmed" has "2 of 2 devices answered.*confirmed"

# 2. a wrong unit id: silence from unit 7
once unit "$(tcp "$P" "$(dev inv01 1 huawei-sun2000 inverter), $(dev inv07 7 huawei-sun2000 inverter)")"
check "a wrong unit id: --once exits 3 (a device did not answer)" [ "$RC" -eq 3 ]
check "... the device's line names host:port and unit, and says no reply" \
	has "^NOT ANSWERED  *st1/inv07 (tcp 127.0.0.1:$P unit 7): no reply"
check "... and suggests checking the unit id" sh -c "echo '$OUT' | grep 'st1/inv07' | grep -q 'unit id'"
check "... the device that answered still has its line" has "^answered  *st1/inv01"
check "... the summary counts the one that did not" has "1 of 2 devices answered"
check "... and nothing promises a retry that a single round never makes" sh -c "! echo '$OUT' | grep -q retrying"

# 3. a refused port: nothing listens there
FREE=$(free_port)
once refused "$(tcp "$FREE" "$(dev inv01 1 huawei-sun2000 inverter), $(dev inv03 3 huawei-sun2000 inverter)")"
check "a refused port: --once exits 3 (a device did not answer)" [ "$RC" -eq 3 ]
check "... each device's line names host:port and unit, and says refused" \
	sh -c "echo '$OUT' | grep -q '^NOT ANSWERED  *st1/inv01 (tcp 127.0.0.1:$FREE unit 1): .*refused' &&
	       echo '$OUT' | grep -q '^NOT ANSWERED  *st1/inv03 (tcp 127.0.0.1:$FREE unit 3): .*refused'"

# 4. a missing serial device
once serial "[ { \"id\": \"rs485\", \"type\": \"rtu\", \"device\": \"$IT_TMP/ttyNOSUCH\", \"baud\": 9600,
  \"parity\": \"N\", \"data_bits\": 8, \"stop_bits\": 1, \"timeout_ms\": 300,
  \"devices\": [ $(dev inv01 1 huawei-sun2000 inverter) ] } ]"
check "a missing serial device: --once exits 3 (a device did not answer)" [ "$RC" -eq 3 ]
check "... the line names the device path and unit, and says it does not exist" \
	has "^NOT ANSWERED  *st1/inv01 (rtu $IT_TMP/ttyNOSUCH unit 1): .*no such"

# 5. a gateway exception (a TCP-to-RTU gateway whose slave did not answer: exception 11)
once gateway "$(tcp "$P" "$(dev inv02 2 huawei-sun2000 inverter)")"
check "a gateway exception: --once exits 3 (a device did not answer)" [ "$RC" -eq 3 ]
check "... the line names the gateway's exception" \
	has "^NOT ANSWERED  *st1/inv02 (tcp 127.0.0.1:$P unit 2): .*gateway.*exception 11"

# 6. a wrong profile: an inverter's map on another inverter, a meter's map on an inverter
once profile "$(tcp "$P" "$(dev inv01 1 sungrow-sg inverter), $(dev inv03 3 chint-dtsu666 meter)")"
check "a wrong profile: --once exits 3 (a device did not answer)" [ "$RC" -eq 3 ]
check "... illegal data address on every block, with a hint to check the profile" \
	has "^NOT ANSWERED  *st1/inv01 (tcp 127.0.0.1:$P unit 1): illegal data address on every request.*check.*profile \"sungrow-sg\""
check "... a meter's profile on an inverter gets the same hint" \
	has "^NOT ANSWERED  *st1/inv03 (tcp 127.0.0.1:$P unit 3): illegal data address on every request.*check.*profile \"chint-dtsu666\""
check "... and the broker's confirmation is not lost when no device answered (no silent wait)" \
	has "0 of 2 devices answered; the broker 127.0.0.1:$BROKER_PORT confirmed every reading"
collector_conf "$IT_TMP/kind.json" gw-kind 1000 "" "$(tcp "$P" "$(dev inv01 1 chint-dtsu666 inverter)")"
OUT=$("$PVMON_BIN/pvmon-collector" -c "$IT_TMP/kind.json" --check 2>&1)
RC=$?
echo "# kind: $OUT"
check "a meter's profile on a device of kind inverter: --check refuses it" [ "$RC" -ne 0 ]
check "... and says the profile is a meter's" has "chint-dtsu666.*meter.*inverter"

# 7. an unknown profile name lists the known ones
collector_conf "$IT_TMP/unknown.json" gw-unknown 1000 "" "$(tcp "$P" "$(dev inv01 1 huawei-sun3000 inverter)")"
OUT=$("$PVMON_BIN/pvmon-collector" -c "$IT_TMP/unknown.json" --once 2>&1)
RC=$?
echo "# unknown: $OUT"
check "an unknown profile: --once exits non-zero" [ "$RC" -ne 0 ]
check "... and lists the known profiles" has "huawei-sun3000.*known.*huawei-sun2000.*sungrow-sg"

# 8. the broker is down: a bounded wait, then say so
stop "$BROKER_PID"
once nobroker "$(tcp "$P" "$(dev inv01 1 huawei-sun2000 inverter)")" --timeout 3
check "no broker: --once exits 4 (the broker did not confirm)" [ "$RC" -eq 4 ]
check "... after a bounded wait (not killed by the test's timeout)" [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ]
check "... the device's line is printed anyway" has "^answered  *st1/inv01"
check "... and it says which broker, and that it refused" has "broker 127.0.0.1:$BROKER_PORT.*refused"
check "... and that the readings stay in the spool" has "stay in the spool"

# 9. something listens but never answers MQTT
SILENT=$(free_port)
bg silent socat -u "TCP-LISTEN:$SILENT,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null,wronly
wait_port "$SILENT" || fail "the silent listener listens"
BROKER_PORT=$SILENT
once silent "$(tcp "$P" "$(dev inv01 1 huawei-sun2000 inverter)")" --timeout 3
check "a broker that does not answer: --once exits 4 (the broker did not confirm)" [ "$RC" -eq 4 ]
check "... after a bounded wait" [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ]
check "... and it says the broker did not answer" has "broker 127.0.0.1:$SILENT.*did not answer"
it_end
