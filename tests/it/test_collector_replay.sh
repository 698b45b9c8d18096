#!/bin/sh
# A backlog spooled before the first connect drains while live readings flow:
# 20 inverters every 200 ms spool about 100 readings a second, twice the
# configured replay_per_s of 50. A replay budget of replay_per_s alone would
# fall further behind every second; the budget on top of the live rate catches
# up, and afterwards every reading goes out as it is taken. A stand-in for
# ingest (ackbot) records every seq received and acks the contiguous ones.
. tests/it/lib.sh
. tests/it/collector.sh

start_broker
BP=$BROKER_PORT
# the collector reaches the broker through a relay started only once the backlog is there
RP=$(free_port)
start_sim --stations 2 --inverters-per-station 10 --profile huawei-sun2000 --meter-profile none \
	--speed 0 --start 2019-06-21T12:00:00+08:00
P1=$(sim_port st001)
P2=$(sim_port st002)
wait_port "$P1" || fail "station 1 listens"
wait_port "$P2" || fail "station 2 listens"
devs() {
	i=1
	while [ $i -le 10 ]; do
		[ $i -gt 1 ] && printf ','
		printf '{ "id": "inv%02d", "station": "%s", "unit": %d, "profile": "huawei-sun2000", "kind": "inverter" }' $i "$1" $i
		i=$((i + 1))
	done
}
BROKER_PORT=$RP
collector_conf "$IT_TMP/c.json" gw-rep 200 ', "replay_per_s": 50' "[
 { \"id\": \"lan1\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P1, \"timeout_ms\": 1000, \"devices\": [ $(devs st001) ] },
 { \"id\": \"lan2\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P2, \"timeout_ms\": 1000, \"devices\": [ $(devs st002) ] } ]"
BROKER_PORT=$BP

bg ackbot "$PVMON_TOOLS/ackbot" -p "$BP" -g gw-rep -o "$IT_TMP/seqs" -a "$IT_TMP/acks"
ACK_PID=$LAST_PID
wait_for 10 test -s "$IT_TMP/seqs.ready" || fail "the stand-in for ingest subscribed"
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
rows() { sqlite3 -cmd '.timeout 5000' "$IT_TMP/gw-rep.spool" 'SELECT count(*) FROM spool' 2>/dev/null || echo 0; }
wait_for 30 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' '$IT_TMP/gw-rep.spool' 'SELECT count(*) FROM spool' 2>/dev/null || echo 0) -ge 300 ]" ||
	fail "readings are spooled while the broker is out of reach"

bg relay socat TCP-LISTEN:"$RP",bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:"$BP"
wait_port "$RP" || fail "relay listens"
wait_for 90 grep -q 'readings to replay' "$IT_TMP/collector.log" || fail "the collector connected"
backlog=$(sed -n 's/.* \([0-9][0-9]*\) readings to replay.*/\1/p' "$IT_TMP/collector.log" | head -1)
check "the first connect finds a backlog of several seconds of replay ($backlog)" \
	[ "${backlog:-0}" -ge 300 ]
wait_for 90 grep -q 'replay done' "$IT_TMP/collector.log"
check "the backlog is caught up although live readings come faster than replay_per_s" [ $? -eq 0 ]
grep 'replay done' "$IT_TMP/collector.log" | head -1
check "live readings were taken during the replay" \
	[ "$(awk 'END { print NR }' "$IT_TMP/seqs")" -gt "${backlog:-0}" ]
# once caught up only the last second or so is unacknowledged (acks every 50 ms)
wait_for 30 sh -c "[ \$(sqlite3 -cmd '.timeout 5000' '$IT_TMP/gw-rep.spool' 'SELECT count(*) FROM spool' 2>/dev/null || echo 9999) -le 200 ]"
check "after the replay the spool holds about a second of readings ($(rows))" [ $? -eq 0 ]
n_before=$(awk 'END { print NR }' "$IT_TMP/seqs")
wait_for 10 sh -c "[ \$(awk 'END { print NR }' '$IT_TMP/seqs') -ge $((n_before + 100)) ]"
check "readings keep flowing live after the replay" [ $? -eq 0 ]
stop "$COL_PID"
sleep 0.3
seqs=$(awk '{ print $1 }' "$IT_TMP/seqs")
hi=$(echo "$seqs" | sort -n | tail -1)
check "every seq from 1 to $hi arrived" [ "$(echo "$seqs" | sort -n | uniq | wc -l)" -eq "$hi" ]
check "the backlog and the live readings arrived in seq order" \
	sh -c "[ '$(echo "$seqs" | uniq | tr '\n' ' ')' = '$(echo "$seqs" | sort -n | uniq | tr '\n' ' ')' ]"
check "no reading was sent twice" [ -z "$(echo "$seqs" | sort -n | uniq -d)" ]
stop "$ACK_PID"
it_end
