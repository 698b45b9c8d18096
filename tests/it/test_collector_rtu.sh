#!/bin/sh
# pvmon-collector on an RTU bus (pvmon-sim on a pseudo-terminal): several
# slaves of different profiles on one line all answer with the simulator's
# values; a dead slave is offline, backed off, and delays the others by no
# more than its own single timeout.
. tests/it/lib.sh
. tests/it/collector.sh

start_broker
echo '{"faults": [{"station": "st001", "device": "inv02", "type": "dead"}]}' >"$IT_TMP/faults.json"
start_sim --rtu --pty-dir "$IT_TMP" --stations 1 --inverters-per-station 3 \
	--profile huawei-sun2000,sungrow-sg,sunspec --meter-profile chint-dtsu666 \
	--speed 0 --start 2019-06-21T12:00:00+08:00 --faults "$IT_TMP/faults.json" --served "$IT_TMP/served"
dev() { echo "{ \"id\": \"$1\", \"station\": \"st001\", \"unit\": $2, \"profile\": \"$3\", \"kind\": \"$4\" }"; }
collector_conf "$IT_TMP/c.json" gw-rtu 500 "" "[
 { \"id\": \"rs485\", \"type\": \"rtu\", \"device\": \"$IT_TMP/st001\", \"baud\": 9600, \"parity\": \"N\",
   \"data_bits\": 8, \"stop_bits\": 1, \"timeout_ms\": 300, \"backoff_max_ms\": 4000, \"devices\": [
   $(dev inv01 1 huawei-sun2000 inverter), $(dev inv02 2 sungrow-sg inverter),
   $(dev inv03 3 sunspec inverter), $(dev meter 4 chint-dtsu666 meter) ] } ]"

start_sub sub 'pvmon/v1/gw-rtu/#'
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
wait_for 10 sh -c "[ \$(grep -c '/inv01/reading ' '$IT_TMP/sub.log') -ge 10 ]" || fail "readings flow"
stop "$COL_PID"
# a fresh dump (written to a temporary file and renamed): wait for it, not for a guessed time
rm -f "$IT_TMP/sim.dump"
kill -USR2 "$SIM_PID"
wait_for 20 test -s "$IT_TMP/sim.dump" || fail "pvmon-sim wrote its dump on SIGUSR2"

for d in inv01 inv03 meter; do
	r=$(grep "^pvmon/v1/gw-rtu/st001/$d/reading " "$IT_TMP/sub.log" | tail -1)
	check "rtu $d: power equals the simulator's" \
		awk -v a="$(echo "$r" | jnum ac_power_w)" -v b="$(sim_val st001 $d power_w)" \
		'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 10) }'
	check "rtu $d: lifetime counter equals the simulator's" \
		[ "$(echo "$r" | jnum energy_wh)" = "$(sim_val st001 $d energy_wh)" ]
done
r=$(grep "^pvmon/v1/gw-rtu/st001/inv02/reading " "$IT_TMP/sub.log" | tail -1)
check "the dead slave still yields a reading per round, state offline" [ "$(echo "$r" | jstr state)" = offline ]
check "its reading has no values (absent, never 0)" sh -c "! echo '$r' | grep -q energy_wh"
check "its availability is offline" \
	[ "$(mosquitto_sub -p "$BROKER_PORT" -t pvmon/v1/gw-rtu/st001/inv02/availability -C 1 -W 3)" = offline ]

# the gap between two readings of a live slave: the interval plus at most one timeout
gaps=$(grep "^pvmon/v1/gw-rtu/st001/inv01/reading " "$IT_TMP/sub.log" | sed 's/^[^ ]* //' | jnum ts |
	awk 'NR > 1 { print $1 - last } { last = $1 }' | sort -n)
check "a live slave is polled every round despite the dead one (max gap $(echo "$gaps" | tail -1) ms)" \
	[ "$(echo "$gaps" | tail -1)" -le $((500 + 300 + 150)) ]
rounds=$(grep -c "/inv01/reading " "$IT_TMP/sub.log")
asked=$(sed -n 's/^st001 inv02 .*requests=\([0-9]*\).*/\1/p' "$IT_TMP/served")
check "the dead slave is backed off: asked $asked times in $rounds rounds" [ "${asked:-99}" -lt $((rounds / 2)) ]
check "the offline transition is logged once, not per poll" \
	[ "$(grep -c 'st001/inv02.*offline' "$IT_TMP/collector.log")" -eq 1 ]
it_end
