#!/bin/sh
# A Modbus TCP gateway that answers with another slave's unit id: the collector
# refuses the reply (state unknown, no values), counts it in the device's health
# errors, logs it once, and a later good reply on the same line is taken again.
. tests/it/lib.sh
. tests/it/collector.sh

inv() { printf '{ "id": "inv0%s", "unit": %s, "profile": "huawei-sun2000", "capacity_w": 50000, "energy_wh": %s0000%s }' "$1" "$1" "$1" "$2"; }
cat >"$IT_TMP/sim.json" <<EOC
{
  "profiles": "$PVMON_ROOT/config/profiles",
  "stations": [ { "id": "st1", "port": 0, "inverters": [
    $(inv 1 ''),
    $(inv 2 ', "faults": [ { "type": "wrong_unit" } ]'),
    $(inv 3 ', "faults": [ { "type": "wrong_unit", "polls": 1 } ]')
  ] } ]
}
EOC
start_broker
start_sim -c "$IT_TMP/sim.json" --speed 0 --start 2019-06-21T12:00:00 --served "$IT_TMP/served"
P=$(sim_port st1)
wait_port "$P" || fail "st1 listens"
dev() { echo "{ \"id\": \"inv0$1\", \"station\": \"st1\", \"unit\": $1, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\" }"; }
collector_conf "$IT_TMP/c.json" gw-unit 300 "" "[
 { \"id\": \"a\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P, \"timeout_ms\": 500,
   \"backoff_max_ms\": 300, \"devices\": [ $(dev 1), $(dev 2), $(dev 3) ] } ]"
start_sub sub 'pvmon/v1/gw-unit/#'
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
n_of() { grep -c "^pvmon/v1/gw-unit/st1/$1/$2 " "$IT_TMP/sub.log"; }
wait_for 10 sh -c "[ \$(grep -c '^pvmon/v1/gw-unit/st1/inv02/health .*\"errors\":[1-9]' '$IT_TMP/sub.log') -ge 2 ] &&
	[ \$(grep -c '^pvmon/v1/gw-unit/st1/inv03/reading .*energy_wh' '$IT_TMP/sub.log') -ge 2 ]" ||
	fail "the collector polled every device a few times"
stop "$COL_PID"
stop "$SIM_PID" # writes the served file

wrong=$(sed -n 's/^st1 inv02 .*faulty=\([0-9]*\).*/\1/p' "$IT_TMP/served")
r2=$(grep '^pvmon/v1/gw-unit/st1/inv02/reading ' "$IT_TMP/sub.log")
echo "# inv02: the simulator sent $wrong replies with a wrong unit id; $(echo "$r2" | grep -c .) readings published"
check "the simulator did send wrong-unit replies" [ "${wrong:-0}" -ge 2 ]
check "no reading of the wrong-unit device carries a value" sh -c "! echo '$r2' | grep -q 'energy_wh\|ac_power_w'"
check "its refused polls read state unknown" sh -c "echo '$r2' | grep -q '\"state\":\"unknown\"'"
h2=$(grep '^pvmon/v1/gw-unit/st1/inv02/health ' "$IT_TMP/sub.log" | tail -1)
check "its health counts the refusals as errors, not as good polls" \
	sh -c "echo '$h2' | grep -q '\"ok\":0,' && echo '$h2' | grep -q '\"errors\":[1-9]'"
check "its health names the reason" sh -c "echo '$h2' | grep -qi 'not from requested slave'"
check "the refusal is logged once, not per poll" \
	[ "$(grep -c 'inv02.*not from requested slave' "$IT_TMP/collector.log")" -eq 1 ]
r3=$(grep '^pvmon/v1/gw-unit/st1/inv03/reading ' "$IT_TMP/sub.log")
check "a device whose first reply had a wrong unit id: that poll refused ..." \
	sh -c "echo '$r3' | head -1 | grep -q '\"state\":\"unknown\"' && ! echo '$r3' | head -1 | grep -q energy_wh"
check "... the next ones good, with its own counter" \
	sh -c "echo '$r3' | sed -n 2p | grep -q '\"energy_wh\":$(sim_val st1 inv03 energy_wh)[,}]'"
check "the healthy device on the same line has values in every reading" \
	[ "$(n_of inv01 reading)" -ge 2 ] && [ "$(grep '^pvmon/v1/gw-unit/st1/inv01/reading ' "$IT_TMP/sub.log" | grep -vc energy_wh)" -eq 0 ]
it_end
