#!/bin/sh
# Ingest against a real mosquitto and a real SQLite file: readings land once
# each, the retained ack follows the commits, a SIGKILL in mid-stream loses and
# duplicates nothing once the publisher replays what was not acked (as the
# collector's spool does), and SIGTERM stores the queue and exits cleanly.
. tests/it/lib.sh

start_broker
D=$IT_TMP
cp "$PVMON_ROOT/config/fleet.json" "$D/fleet.json"
cat >"$D/central.json" <<EOF
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "ingest-test",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 200, "ms": 50 },
  "log": { "target": "stderr", "level": "info" }
}
EOF
DB=$D/pvmon.db
DEVS=st-xipo:inv01:inverter,st-xipo:inv02:inverter,st-xipo:meter:meter
q() { sqlite3 "$DB" "$1"; }

# wait_log FILE PATTERN: waits (up to 10 s) until a log line matches.
wait_log() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}

start_ingest() {
	bg "ingest$1" "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
	INGEST_PID=$LAST_PID
	wait_log "$IT_TMP/ingest$1.log" "connected to" || { fail "ingest did not connect"; cat "$IT_TMP/ingest$1.log"; }
}

start_ingest 1
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -n 600 --ack --replay-ms 3000 --timeout-s 30)
check "600 readings are acknowledged up to the last seq" [ "$out" = "gw-xipo 600" ]
check "each reading is stored once" [ "$(q 'SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM readings')" = "600|600|1|600" ]
ack=$(mosquitto_sub -p "$BROKER_PORT" -t pvmon/v1/gw-xipo/ack -C 1 -W 5)
check "the ack is retained on pvmon/v1/gw-xipo/ack" [ "$ack" = '{"v":1,"seq":600}' ]
check "the daily roll-ups count every reading" [ "$(q 'SELECT sum(n_readings) FROM daily')" = 600 ]
check "the gateway row holds the acked seq" [ "$(q "SELECT acked_seq, max_seq FROM gateways WHERE gw = 'gw-xipo'")" = "600|600" ]
check "energy rolled up equals the counter's rise per device" \
	[ "$(q "SELECT count(*) FROM (SELECT device, max(energy_wh) - min(energy_wh) AS rise FROM readings_named GROUP BY device) r JOIN (SELECT device, sum(delta_wh) AS d FROM daily GROUP BY device) d USING (device) WHERE rise = d")" = 3 ]

# the same readings again (a replay after a collector restart): nothing new
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -n 600 --ack --timeout-s 30)
check "replayed duplicates are ignored and still acknowledged" [ "$out" = "gw-xipo 600" ]
check "no reading is stored twice" [ "$(q 'SELECT count(*) FROM readings')" = 600 ]

# SIGKILL in mid-stream; the publisher re-sends what was not acked
bg pub "$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -s 601 -n 4000 --rate 2000 --ack --replay-ms 1500 --timeout-s 60
PUB_PID=$LAST_PID
i=0
while [ "$(q 'SELECT count(*) FROM readings')" -lt 1500 ] && [ $i -lt 400 ]; do
	sleep 0.02
	i=$((i + 1))
done
kill -KILL "$INGEST_PID"
killed_at=$(q 'SELECT count(*) FROM readings')
check "ingest was killed in mid-stream" [ "$killed_at" -lt 4600 ]
start_ingest 2
wait "$PUB_PID"
check "the publisher got every reading acknowledged after the restart" [ $? -eq 0 ]
check "nothing lost, nothing twice after SIGKILL" [ "$(q 'SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM readings')" = "4600|4600|1|4600" ]
check "roll-ups stayed in step with the readings" [ "$(q 'SELECT sum(n_readings) FROM daily')" = 4600 ]
check "hourly counts add up to the daily ones" [ "$(q 'SELECT sum(n) FROM hourly')" = 4600 ]

# a gap the collector dropped at its spool bound: its status unblocks the ack
"$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -s 4611 -n 10 >/dev/null 2>&1
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -s 4621 -n 1 --status 4611 --ack --timeout-s 20)
check "seqs dropped by the collector stop blocking the ack" [ "$out" = "gw-xipo 4621" ]
check "the dropped seqs are counted as lost" [ "$(q "SELECT lost_seqs FROM gateways WHERE gw = 'gw-xipo'")" = 10 ]

status=$("$PVMON_BIN/pvmon-allocator" status -c "$D/central.json")
check "status shows the gateway's acked seq" sh -c "echo '$status' | grep -q '^gw-xipo .* 4621 '"
check "status lists every fleet device" [ "$(echo "$status" | grep -c '^st-')" -ge 3 ]
check "status times carry their zone's offset (the county's, +08:00)" \
	sh -c "echo '$status' | grep -q '^gw-xipo  *[a-z]*  *[0-9-]* [0-9:]*+08:00 '"
check "... in the device rows too" sh -c "echo '$status' | grep '^st-' | grep -q ' [0-9:]*+08:00 '"

stop "$INGEST_PID"
check "SIGTERM stops ingest cleanly" grep -q "stopped:" "$IT_TMP/ingest2.log"
it_end
