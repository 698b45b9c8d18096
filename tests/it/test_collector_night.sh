#!/bin/sh
# Sunset: inverters fade and then stop answering. The collector publishes them
# as asleep (availability) and sleeping (readings), not as errors, and logs no
# warning for them; the meter, which never sleeps, stays online.
. tests/it/lib.sh
. tests/it/collector.sh

start_broker
start_sim --stations 1 --inverters-per-station 2 --profile huawei-sun2000 --speed 200 \
	--start 2019-06-21T19:52:00+08:00
P=$(sim_port st001)
wait_port "$P" || fail "station listens"
dev() { echo "{ \"id\": \"$1\", \"station\": \"st001\", \"unit\": $2, \"profile\": \"$3\", \"kind\": \"$4\", \"capacity_kw\": 50 }"; }
collector_conf "$IT_TMP/c.json" gw-night 300 "" "[
 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P, \"timeout_ms\": 200, \"devices\": [
   $(dev inv01 1 huawei-sun2000 inverter), $(dev inv02 2 huawei-sun2000 inverter), $(dev meter 3 chint-dtsu666 meter) ] } ]"
start_sub sub 'pvmon/v1/gw-night/#'
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
wait_for 20 sh -c "grep -q '/inv01/availability asleep' '$IT_TMP/sub.log' && grep -q '/inv02/availability asleep' '$IT_TMP/sub.log'"
check "both inverters are announced asleep" [ $? -eq 0 ]
sleep 1
stop "$COL_PID"
check "inverters were online before sunset" grep -q '/inv01/availability online' "$IT_TMP/sub.log"
r=$(grep "^pvmon/v1/gw-night/st001/inv01/reading " "$IT_TMP/sub.log" | tail -1)
check "an asleep inverter's reading says sleeping" [ "$(echo "$r" | jstr state)" = sleeping ]
check "and carries no values" sh -c "! echo '$r' | grep -q ac_power_w"
check "the meter stays online" sh -c "! grep -q '/meter/availability \(asleep\|offline\)' '$IT_TMP/sub.log'"
check "no warning is logged for sleeping inverters" sh -c "! grep -q 'warn' '$IT_TMP/collector.log'"
it_end
