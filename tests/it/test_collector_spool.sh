#!/bin/sh
# A spool bound reached while nobody acks: the oldest readings are dropped, the
# loss is logged, persisted, and reported in the retained status; spool_min_seq
# tells ingest not to wait for the dropped seqs.
. tests/it/lib.sh
. tests/it/collector.sh

start_broker
# 40 inverters every 100 ms fill the smallest spool the config allows (1000 rows) in 2.5 s
start_sim --stations 1 --inverters-per-station 40 --profile huawei-sun2000 --meter-profile none \
	--speed 0 --start 2019-06-21T12:00:00+08:00
P=$(sim_port st001)
wait_port "$P" || fail "station listens"
devs=$(i=1; while [ $i -le 40 ]; do
	[ $i -gt 1 ] && printf ','
	printf '{ "id": "inv%02d", "station": "st001", "unit": %d, "profile": "huawei-sun2000", "kind": "inverter" }' $i $i
	i=$((i + 1))
done)
collector_conf "$IT_TMP/c.json" gw-full 100 ', "max_rows": 1000' "[
 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P, \"timeout_ms\": 300, \"devices\": [ $devs ] } ]"
start_sub sub 'pvmon/v1/gw-full/status'
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
wait_for 10 sh -c "grep -q '\"dropped\":[1-9]' '$IT_TMP/sub.log'"
check "the status reports dropped readings" [ $? -eq 0 ]
stop "$COL_PID"
st=$(mosquitto_sub -p "$BROKER_PORT" -t pvmon/v1/gw-full/status -C 1 -W 3)
dropped=$(echo "$st" | jnum dropped)
check "the final status reports the loss ($dropped)" [ "${dropped:-0}" -gt 0 ]
check "the backlog is at the bound" [ "$(echo "$st" | jnum backlog)" -le 1000 ]
check "spool_min_seq is past the dropped readings" [ "$(echo "$st" | jnum spool_min_seq)" -gt "$dropped" ]
check "the drop is logged" grep -q 'bound was reached.*dropped' "$IT_TMP/collector.log"
check "the count is persisted in the spool" \
	[ "$(sqlite3 "$IT_TMP/gw-full.spool" "SELECT value FROM meta WHERE key='dropped'")" = "$dropped" ]
check "the spool keeps the newest 1000" \
	[ "$(sqlite3 "$IT_TMP/gw-full.spool" 'SELECT count(*) FROM spool')" -le 1000 ]
it_end
