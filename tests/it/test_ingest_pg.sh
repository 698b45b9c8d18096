#!/bin/sh
# Ingest into PostgreSQL from a real mosquitto: readings land once each in
# their month's partition, the retained ack follows the commits, a SIGKILL in
# mid-stream loses and duplicates nothing once the publisher replays what was
# not acked, a database restart under ingest only delays the commits, and
# status reads the server read-only.
. tests/it/lib.sh
. tests/it/pg.sh

start_broker
pg_start || { it_end; exit 1; }
D=$IT_TMP
cp "$PVMON_ROOT/config/fleet.json" "$D/fleet.json"
cat >"$D/central.json" <<EOC
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "ingest-pg-test",
  "database": "$PG_URL",
  "database_password_file": "$PG_PASSFILE",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 200, "ms": 50 },
  "log": { "target": "stderr", "level": "info" }
}
EOC
# one time base for every publisher: a replay carries the very payload first sent, as
# the collector's spool does (PostgreSQL's key holds ts: docs/storage.md)
TS0=$(($(date +%s) * 1000 - 3600000))
DEVS=st-xipo:inv01:inverter,st-xipo:inv02:inverter,st-xipo:meter:meter
q() { pg_q "$1"; }

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
out=$("$PVMON_TOOLS/pubreadings" --ts "$TS0" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -n 600 --ack --replay-ms 3000 --timeout-s 30)
check "600 readings are acknowledged up to the last seq" [ "$out" = "gw-xipo 600" ]
check "each reading is stored once" [ "$(q 'SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM readings')" = "600|600|1|600" ]
check "the readings are in month partitions, not in the parent table" \
	[ "$(q 'SELECT count(*) FROM ONLY readings')" = 0 -a "$(q "SELECT count(*) FROM pg_inherits WHERE inhparent = 'readings'::regclass")" -ge 1 ]
ack=$(mosquitto_sub -p "$BROKER_PORT" -t pvmon/v1/gw-xipo/ack -C 1 -W 5)
check "the ack is retained on pvmon/v1/gw-xipo/ack" [ "$ack" = '{"v":1,"seq":600}' ]
check "the daily roll-ups count every reading" [ "$(q 'SELECT sum(n_readings) FROM daily')" = 600 ]
check "the gateway row holds the acked seq" [ "$(q "SELECT acked_seq, max_seq FROM gateways WHERE gw = 'gw-xipo'")" = "600|600" ]
check "energy rolled up equals the counter's rise per device" \
	[ "$(q "SELECT count(*) FROM (SELECT device, max(energy_wh) - min(energy_wh) AS rise FROM readings_named GROUP BY device) r JOIN (SELECT device, sum(delta_wh) AS d FROM daily GROUP BY device) d USING (device) WHERE rise = d")" = 3 ]

out=$("$PVMON_TOOLS/pubreadings" --ts "$TS0" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -n 600 --ack --timeout-s 30)
check "replayed duplicates are ignored and still acknowledged" [ "$out" = "gw-xipo 600" ]
check "no reading is stored twice" [ "$(q 'SELECT count(*) FROM readings')" = 600 ]

# SIGKILL in mid-stream; the publisher re-sends what was not acked
bg pub "$PVMON_TOOLS/pubreadings" --ts "$TS0" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -s 601 -n 3000 --rate 2000 --ack --replay-ms 1500 --timeout-s 60
PUB_PID=$LAST_PID
i=0
while [ "$(q 'SELECT count(*) FROM readings')" -lt 1200 ] && [ $i -lt 400 ]; do
	sleep 0.02
	i=$((i + 1))
done
kill -KILL "$INGEST_PID"
killed_at=$(q 'SELECT count(*) FROM readings')
check "ingest was killed in mid-stream ($killed_at stored)" [ "$killed_at" -lt 3600 ]
start_ingest 2
wait "$PUB_PID"
check "the publisher got every reading acknowledged after the restart" [ $? -eq 0 ]
check "nothing lost, nothing twice after SIGKILL" [ "$(q 'SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM readings')" = "3600|3600|1|3600" ]
check "roll-ups stayed in step with the readings" [ "$(q 'SELECT sum(n_readings) FROM daily')" = 3600 ]
check "hourly counts add up to the daily ones" [ "$(q 'SELECT sum(n) FROM hourly')" = 3600 ]

# the database restarts under ingest: the batch waits for it, then lands once
pg_stop
bg pub2 "$PVMON_TOOLS/pubreadings" --ts "$TS0" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -s 3601 -n 300 --ack --replay-ms 1500 --timeout-s 90
PUB_PID=$LAST_PID
check "ingest sees the database gone and retries" wait_log "$IT_TMP/ingest2.log" "retrying in"
check "ingest is still running" kill -0 "$INGEST_PID"
pg_resume
wait "$PUB_PID"
check "the publisher got the readings acknowledged after the database came back" [ $? -eq 0 ]
check "nothing lost, nothing twice across the database restart" [ "$(q 'SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM readings')" = "3900|3900|1|3900" ]
check "roll-ups in step after the restart" [ "$(q 'SELECT sum(n_readings) FROM daily')" = 3900 ]

status=$("$PVMON_BIN/pvmon-allocator" status -c "$D/central.json")
check "status on PostgreSQL shows the gateway's acked seq" sh -c "echo '$status' | grep -q '^gw-xipo .* 3900 '"

stop "$INGEST_PID"
check "SIGTERM stops ingest cleanly" grep -q "stopped:" "$IT_TMP/ingest2.log"
check "ingest logged no store error before the database restart" sh -c "! grep -i 'error' '$IT_TMP/ingest1.log'"
it_end
