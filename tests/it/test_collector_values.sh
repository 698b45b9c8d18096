#!/bin/sh
# pvmon-collector --once against pvmon-sim with the clock frozen at a summer
# noon: every profile's published power, counters and state equal what the
# simulator serves; the status and availability messages are retained; --check
# accepts a good file and names the place of a bad one.
. tests/it/lib.sh
. tests/it/collector.sh

start_broker
start_sim -c "$PVMON_ROOT/config/sim/profiles.json" --speed 0 --start 2019-06-21T12:30:00+08:00
A=$(sim_port st-a)
B=$(sim_port st-b)
C=$(sim_port st-c)
wait_port "$A" && wait_port "$B" && wait_port "$C" || fail "stations listen"

dev() { echo "{ \"id\": \"$1\", \"station\": \"$2\", \"unit\": $3, \"profile\": \"$4\", \"kind\": \"$5\" }"; }
collector_conf "$IT_TMP/c.json" gw-it 1000 "" "[
 { \"id\": \"a\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $A, \"timeout_ms\": 500, \"devices\": [
   $(dev huawei st-a 1 huawei-sun2000 inverter), $(dev sungrow st-a 2 sungrow-sg inverter),
   $(dev sunspec103 st-a 3 sunspec inverter), $(dev sunspec113 st-a 4 sunspec inverter),
   $(dev chint st-a 10 chint-dtsu666 meter) ] },
 { \"id\": \"b\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $B, \"timeout_ms\": 500, \"devices\": [
   $(dev sunspec101 st-b 1 sunspec inverter), $(dev acrel st-b 2 acrel-adw300 meter) ] },
 { \"id\": \"c\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $C, \"timeout_ms\": 500, \"devices\": [
   $(dev huawei st-c 1 huawei-sun2000 inverter), $(dev sunspec203 st-c 2 sunspec meter) ] } ]"

out=$("$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --check 2>&1)
check "--check accepts a good file" [ $? -eq 0 ]
check "--check says what it found" sh -c "echo '$out' | grep -q '3 buses, 9 devices'"

start_sub sub 'pvmon/v1/gw-it/#'
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --once 2>"$IT_TMP/once.log"
check "--once exits 0 once the broker has every reading" [ $? -eq 0 ]
wait_for 5 sh -c "[ \$(grep -c '/reading ' '$IT_TMP/sub.log') -ge 9 ]"
check "--once publishes one reading per device" [ "$(readings sub | wc -l)" -eq 9 ]
check "seqs are 1..9, each once" [ "$(readings sub | jnum seq | sort -n | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 " ]

# compare STATION DEVICE: the published reading equals the simulator's values.
compare() {
	r=$(grep "^pvmon/v1/gw-it/$1/$2/reading " "$IT_TMP/sub.log" | head -1)
	p=$(echo "$r" | jnum ac_power_w)
	e=$(echo "$r" | jnum energy_wh)
	s=$(echo "$r" | jstr state)
	# SunSpec integer models carry power as value x 10^W_SF: the sim rounds to that step
	tol=0
	[ "$(sim_val "$1" "$2" profile)" = sunspec ] && tol=10
	check "$1/$2: power $p W is the simulator's $(sim_val "$1" "$2" power_w)" \
		awk -v a="$p" -v b="$(sim_val "$1" "$2" power_w)" -v t=$tol 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'
	check "$1/$2: lifetime counter $e Wh is the simulator's $(sim_val "$1" "$2" energy_wh)" \
		[ "$e" = "$(sim_val "$1" "$2" energy_wh)" ]
	if [ "$(sim_val "$1" "$2" kind)" = inverter ]; then
		check "$1/$2: state $s is the simulator's" [ "$s" = "$(sim_val "$1" "$2" state)" ]
	else
		check "$1/$2: import $(echo "$r" | jnum import_wh) Wh is the simulator's" \
			[ "$(echo "$r" | jnum import_wh)" = "$(sim_val "$1" "$2" import_wh)" ]
		check "$1/$2: a meter without a state register publishes no state (not unknown)" \
			sh -c "! echo '$r' | grep -q '\"state\"'"
	fi
	check "$1/$2: carries its map" [ "$(echo "$r" | jstr map)" = "$(sim_val "$1" "$2" map)" ]
	check "$1/$2: no quality flag on clean values" sh -c "! echo '$r' | grep -q quality"
}
for d in "st-a huawei" "st-a sungrow" "st-a sunspec103" "st-a sunspec113" "st-a chint" \
	"st-b sunspec101" "st-b acrel" "st-c huawei" "st-c sunspec203"; do
	compare $d
done
check "the sungrow reading has no grid frequency: absent, never 0" \
	sh -c "! grep '/st-a/sungrow/reading ' '$IT_TMP/sub.log' | grep -q grid_hz"

# retained messages: a late subscriber still sees them
st=$(mosquitto_sub -p "$BROKER_PORT" -t pvmon/v1/gw-it/status -C 1 -W 3)
check "status is retained and says offline after --once" [ "$(echo "$st" | jstr state)" = offline ]
check "status reports the backlog (no ingest acked)" [ "$(echo "$st" | jnum backlog)" = 9 ]
check "status reports spool_min_seq" [ "$(echo "$st" | jnum spool_min_seq)" = 1 ]
check "status reports nothing dropped" [ "$(echo "$st" | jnum dropped)" = 0 ]
av=$(mosquitto_sub -p "$BROKER_PORT" -t pvmon/v1/gw-it/st-b/acrel/availability -C 1 -W 3)
check "availability is retained: online" [ "$av" = online ]
h=$(grep '^pvmon/v1/gw-it/st-a/huawei/health ' "$IT_TMP/sub.log" | head -1)
check "health carries the success ratio" [ "$(echo "$h" | jnum success_ratio)" = 1.000 ]
check "health carries the last good reading time" [ -n "$(echo "$h" | jnum last_good_ts)" ]

# a second --once continues the numbering from the spool
"$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json" --once 2>>"$IT_TMP/once.log"
wait_for 5 sh -c "[ \$(grep -c '/reading ' '$IT_TMP/sub.log') -ge 27 ]"
check "a second run resends the unacked 9 and numbers on from 10" \
	[ "$(readings sub | jnum seq | sort -n | uniq | tail -1)" = 18 ]

# --check names the place of a mistake
sed 's/"sungrow-sg"/"sungrow-sx"/' "$IT_TMP/c.json" >"$IT_TMP/bad.json"
err=$("$PVMON_BIN/pvmon-collector" -c "$IT_TMP/bad.json" --check 2>&1)
check "--check fails on an unknown profile" [ $? -eq 1 ]
check "the error names the file, the device and the profile" \
	sh -c "echo '$err' | grep -q 'bad.json.*st-a/sungrow.*sungrow-sx'"
err=$("$PVMON_BIN/pvmon-collector" -c "$IT_TMP/missing.json" --check 2>&1)
check "--check fails on a missing file" [ $? -eq 1 ]
err=$("$PVMON_BIN/pvmon-collector" --bogus 2>&1)
check "an unknown flag is refused" [ $? -eq 2 ]
it_end
