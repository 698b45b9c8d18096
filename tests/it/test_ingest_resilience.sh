#!/bin/sh
# Ingest when its surroundings fail: a database locked by another writer stops
# the acks (nothing is lost, everything is stored once the lock goes), and a
# broker restarted without persistence is reconnected to with backoff.
. tests/it/lib.sh

start_broker
D=$IT_TMP
cp "$PVMON_ROOT/config/fleet.json" "$D/fleet.json"
cat >"$D/central.json" <<EOF2
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "ingest-resilience",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "batch": { "rows": 100, "ms": 20 }
}
EOF2
DB=$D/pvmon.db
DEVS=st-xipo:inv01:inverter,st-xipo:meter:meter
q() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
# wait_log PATTERN [N]: waits (up to 20 s) until the ingest log has N lines (default 1) matching.
wait_log() {
	i=0
	while [ "$(grep -c "$1" "$IT_TMP/ingest.log")" -lt "${2:-1}" ]; do
		i=$((i + 1))
		[ $i -gt 400 ] && return 1
		sleep 0.05
	done
}
ack() { mosquitto_sub -p "$BROKER_PORT" -t pvmon/v1/gw-xipo/ack -C 1 -W 5; }

bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
INGEST_PID=$LAST_PID
wait_log "connected to" || fail "ingest did not connect"
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -n 100 --ack --timeout-s 20)
check "readings are acknowledged before the lock" [ "$out" = "gw-xipo 100" ]

# Another writer holds the database for longer than ingest's busy timeout. It
# is fed through a FIFO so the test decides when it commits (after the checks,
# not after a guessed time), and it takes the lock with a busy timeout of its
# own, since ingest may be writing at that moment; -bail stops it if it failed.
mkfifo "$D/lock.fifo"
sqlite3 -bail "$DB" <"$D/lock.fifo" >"$D/lock.log" 2>&1 &
LOCK_PID=$!
IT_PIDS="$IT_PIDS $LOCK_PID"
exec 3>"$D/lock.fifo"
printf '%s\n' ".timeout 60000" "BEGIN EXCLUSIVE;" "DELETE FROM gateways WHERE gw = 'none';" \
	".shell touch '$D/locked'" >&3
i=0
while [ ! -e "$D/locked" ] && kill -0 "$LOCK_PID" 2>/dev/null && [ $i -lt 6000 ]; do
	sleep 0.01
	i=$((i + 1))
done
[ -e "$D/locked" ] || { fail "the outside writer did not get the lock"; cat "$D/lock.log"; }
# confirm it holds the lock: a second writer without a busy timeout is refused
check "the outside writer holds the write lock" \
	sh -c "! sqlite3 '$DB' 'BEGIN IMMEDIATE; ROLLBACK;' 2>/dev/null"
bg pub "$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -s 101 -n 300 --rate 500 --ack --replay-ms 2000 --timeout-s 60
PUB_PID=$LAST_PID
wait_log "not acknowledged" || fail "ingest did not report the locked database"
check "the ack does not move while the database is locked" [ "$(ack)" = '{"v":1,"seq":100}' ]
check "ingest says it keeps the batch" grep -q "database is locked" "$IT_TMP/ingest.log"
printf 'COMMIT;\n' >&3
exec 3>&-
wait "$LOCK_PID"
check "the outside writer committed" [ $? -eq 0 ]
wait "$PUB_PID"
check "every reading is acknowledged once the lock is gone" [ $? -eq 0 ]
check "nothing lost, nothing twice" [ "$(q 'SELECT count(*), min(seq), max(seq) FROM readings')" = "400|1|400" ]
check "ingest said it resumed" grep -q "resuming" "$IT_TMP/ingest.log"

# the broker restarts without persistence: ingest reconnects and resubscribes
stop "$BROKER_PID"
start_broker "$BROKER_PORT"
wait_log "connected to" 2 || fail "ingest did not reconnect"
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$DEVS" -s 401 -n 50 --ack --timeout-s 20)
check "readings flow again after a broker restart" [ "$out" = "gw-xipo 450" ]
check "ingest survived it all" kill -0 "$INGEST_PID"
it_end
