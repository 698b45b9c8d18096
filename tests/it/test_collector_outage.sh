#!/bin/sh
# Store and forward end to end: the broker stopped and restarted without
# persistence, then the collector SIGKILLed and restarted. A stand-in for
# ingest (ackbot) records every seq received and acks the contiguous ones.
# Afterwards no seq is missing, none is reused, the backlog arrives in order,
# and nothing ingest had acknowledged is ever sent again.
. tests/it/lib.sh
. tests/it/collector.sh

start_broker
BP=$BROKER_PORT
# the collector reaches the broker through a relay, so that after the broker's
# restart the test can let it in only once the stand-in for ingest listens again
RP=$(free_port)
start_relay() {
	bg relay socat TCP-LISTEN:"$RP",bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:"$BP"
	RELAY_PID=$LAST_PID
	wait_port "$RP" || fail "relay listens"
}
start_relay
start_sim --stations 1 --inverters-per-station 3 --profile huawei-sun2000 --speed 1 \
	--start 2019-06-21T12:00:00+08:00 --profiles "$PVMON_ROOT/config/profiles"
P=$(sim_port st001)
wait_port "$P" || fail "station listens"
BROKER_PORT=$RP
collector_conf "$IT_TMP/c.json" gw-out 200 "" "[
 { \"id\": \"lan\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": $P, \"timeout_ms\": 500, \"devices\": [
   { \"id\": \"inv01\", \"station\": \"st001\", \"unit\": 1, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },
   { \"id\": \"inv02\", \"station\": \"st001\", \"unit\": 2, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\", \"capacity_kw\": 50 },
   { \"id\": \"meter\", \"station\": \"st001\", \"unit\": 4, \"profile\": \"chint-dtsu666\", \"kind\": \"meter\" } ] } ]"

bg ackbot "$PVMON_TOOLS/ackbot" -p "$BP" -g gw-out -o "$IT_TMP/seqs" -a "$IT_TMP/acks"
ACK_PID=$LAST_PID
bg collector "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
count() { wc -l <"$IT_TMP/seqs" 2>/dev/null || echo 0; }
wait_for 10 sh -c "[ \$(wc -l <'$IT_TMP/seqs' 2>/dev/null || echo 0) -ge 15 ]" || fail "readings flow"
seqs() { awk '{ print $1 }' "$IT_TMP/seqs"; }

# 1. the broker goes away (no persistence) while polling goes on
# an ack sent 0.3 s before the outage has surely reached the collector
last_ack_before=$(tail -1 "$IT_TMP/acks")
sleep 0.3
kill -KILL "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
kill -KILL "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null
sleep 0.3
seen_before=$(count)
sleep 2
start_broker "$BP"
wait_for 10 sh -c "[ \$(wc -l <'$IT_TMP/seqs.ready') -ge 2 ]" || fail "the stand-in resubscribed"
start_relay
wait_for 15 awk '/connected to broker/ { c++; r = 0 } /replay done/ { r = 1 } END { exit !(c >= 2 && r) }' \
	"$IT_TMP/collector.log" ||
	fail "the backlog was replayed"
# the replay is out; wait for the subscriber to have written it (not for a guessed time)
wait_for 20 sh -c "[ \$(awk 'NR > $seen_before' '$IT_TMP/seqs' | wc -l) -ge 20 ]" ||
	echo "# fewer than 20 readings after the outage reached the subscriber"
after=$(seqs | sed -n "$((seen_before + 1)),\$p")
check "readings taken during the outage arrive afterwards" [ "$(echo "$after" | wc -l)" -ge 20 ]
check "the backlog arrives in seq order" sh -c "[ '$(echo "$after" | tr '\n' ' ')' = '$(echo "$after" | sort -n | tr '\n' ' ')' ]"
check "no reading arrives twice after the restart" [ -z "$(echo "$after" | sort -n | uniq -d)" ]
check "nothing ingest had acknowledged was sent again" \
	[ "$(echo "$after" | sort -n | head -1)" -gt "${last_ack_before:-0}" ]

# 2. the collector is SIGKILLed mid-run and restarted
kill -KILL "$COL_PID"
wait "$COL_PID" 2>/dev/null
max_before_kill=$(seqs | sort -n | tail -1)
bg collector2 "$PVMON_BIN/pvmon-collector" -c "$IT_TMP/c.json"
COL_PID=$LAST_PID
wait_for 10 sh -c "[ \$(awk '{ print \$1 }' '$IT_TMP/seqs' | sort -n | tail -1) -ge $((max_before_kill + 15)) ]" ||
	fail "readings flow after the restart"
stop "$COL_PID"
sleep 0.3
all=$(seqs | sort -n | uniq)
hi=$(echo "$all" | tail -1)
check "no seq is missing from 1 to $hi" [ "$(echo "$all" | wc -l)" -eq "$hi" ]
check "no seq was given to two different readings" \
	[ -z "$(sort -u "$IT_TMP/seqs" | awk '{ print $1 }' | uniq -d)" ]
check "the spool's next seq is above everything delivered" \
	[ "$(sqlite3 "$IT_TMP/gw-out.spool" "SELECT value FROM meta WHERE key='next_seq'")" -gt "$hi" ]
wait_for 5 sh -c "[ \$(sqlite3 '$IT_TMP/gw-out.spool' 'SELECT count(*) FROM spool') -eq 0 ]" ||
	true
check "acked readings left the spool" \
	[ "$(sqlite3 "$IT_TMP/gw-out.spool" 'SELECT count(*) FROM spool')" -le 10 ]
check "the clean stop published status offline" \
	[ "$(mosquitto_sub -p "$BP" -t pvmon/v1/gw-out/status -C 1 -W 3 | jstr state)" = offline ]
stop "$ACK_PID"
it_end
