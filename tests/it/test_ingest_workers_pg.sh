#!/bin/sh
# test_ingest_workers on PostgreSQL: two ingest workers of one share group
# ($share/<ingest_share>/...) on one PostgreSQL database store every reading
# once, both store a share of both gateways, the acks they publish (computed
# from the database) reach the publishers, a stale retained ack is replaced,
# each worker keeps its own ingest_stats row, and the daily and hourly
# roll-ups equal those one worker makes of the same readings in a database of
# its own (and a recomputation from the raw readings).
. tests/it/lib.sh
. tests/it/pg.sh

pg_start || { it_end; exit 1; }
D=$IT_TMP
cp "$PVMON_ROOT/config/fleet.json" "$D/fleet.json"
N=2000
# ten days of readings: one round of the devices every 10 minutes, across days and hours
TS0=1561939200000
DEVS_A=st-xipo:inv01:inverter,st-xipo:inv02:inverter,st-xipo:inv03:inverter
DEVS_B=st-xipo:inv04:inverter,st-xipo:inv05:inverter,st-xipo:inv06:inverter,st-xipo:meter:meter
pg_psql "CREATE DATABASE single OWNER pvmon" || fail "a second database for the reference"

# central FILE CLIENT_ID DATABASE EXTRA: a central file on the current broker.
central() {
	cat >"$1" <<EOF
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "$2",
  "database": "postgresql://pvmon@127.0.0.1:$PG_PORT/$3",
  "database_password_file": "$PG_PASSFILE",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 100, "ms": 20 },
  $4
  "alerts": { "enabled": false },
  "log": { "target": "stderr", "level": "info" }
}
EOF
}
# qd DB SQL: rows of a query in database DB, unaligned, "|" between columns.
qd() {
	pg_as "$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres \
		-d "$1" -c "$2"
}
q() { qd pvmon "$1"; }
# wait_log FILE PATTERN: waits (up to 20 s) until a line of FILE matches.
wait_log() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 400 ] && return 1
		sleep 0.05
	done
}
# publish GW DEVS: publishes N readings of GW and replays until all are acknowledged.
publish() {
	bg "pub-$1" "$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g "$1" -d "$2" -n "$N" \
		--ts "$TS0" --step-ms 600000 --ack --replay-ms 3000 --timeout-s 60
}
# stored LOG: the readings a worker's closing log line says it stored.
stored() { sed -n 's/.*stopped: \([0-9]*\) readings stored.*/\1/p' "$1"; }
# both GW_A GW_B: publishes both gateways, waits; "00" when both were acknowledged.
both() {
	publish gw-a "$DEVS_A"
	_pa=$LAST_PID
	publish gw-b "$DEVS_B"
	_pb=$LAST_PID
	wait "$_pa"
	_ra=$?
	wait "$_pb"
	echo "$_ra$?"
}

# --- the reference: one worker, its own broker and database
start_broker
central "$D/single.json" ingest-single single ""
bg single "$PVMON_BIN/pvmon-allocator" ingest -c "$D/single.json"
SINGLE_PID=$LAST_PID
wait_log "$D/single.log" "connected to" || fail "the single worker connects"
t0=$(date +%s%N)
r=$(both)
t1=$(date +%s%N)
check "one worker: every reading is acknowledged" [ "$r" = 00 ]
stop "$SINGLE_PID"
stop "$BROKER_PID"
echo "# one worker: $((2 * N)) readings acknowledged in $(((t1 - t0) / 1000000)) ms"

# --- two workers of the share group "pvmon" on one database, a fresh broker
start_broker
central "$D/shared.json" ingest-w pvmon '"ingest_share": "pvmon",'
bg w1 "$PVMON_BIN/pvmon-allocator" ingest -c "$D/shared.json" --worker 1
W1=$LAST_PID
bg w2 "$PVMON_BIN/pvmon-allocator" ingest -c "$D/shared.json" --worker 2
W2=$LAST_PID
wait_log "$D/w1.log" "connected to" || fail "worker 1 connects"
wait_log "$D/w2.log" "connected to" || fail "worker 2 connects"
check "worker 1 says it is one of the share group" grep -q 'share group "pvmon"' "$D/w1.log"
check "the workers take distinct client ids" grep -q '"ingest-w-2"' "$D/w2.log"
t0=$(date +%s%N)
r=$(both)
t1=$(date +%s%N)
check "two workers: every reading is acknowledged (the publishers' spools are empty)" [ "$r" = 00 ]
check "the publishers saw the last seq acknowledged" \
	sh -c "[ \"\$(cat '$D/pub-gw-a.log' '$D/pub-gw-b.log' | sort | tr '\n' ' ')\" = 'gw-a $N gw-b $N ' ]"
echo "# two workers: $((2 * N)) readings acknowledged in $(((t1 - t0) / 1000000)) ms"
# retained_ack_is GW SEQ: waits (up to 20 s) until the broker's retained ack of GW is SEQ.
retained_ack_is() {
	i=0
	while [ "$(mosquitto_sub -p "$BROKER_PORT" -t "pvmon/v1/$1/ack" -C 1 -W 5)" != "{\"v\":1,\"seq\":$2}" ]; do
		i=$((i + 1))
		[ $i -gt 40 ] && return 1
		sleep 0.5
	done
}
check "the retained ack of gw-a is the last seq" retained_ack_is gw-a "$N"
check "the retained ack of gw-b is the last seq" retained_ack_is gw-b "$N"
# an older ack retained last: a worker that published a higher one publishes it again
mosquitto_pub -p "$BROKER_PORT" -q 1 -r -t pvmon/v1/gw-a/ack -m '{"v":1,"seq":17}'
check "a stale retained ack is replaced by the workers' last one" retained_ack_is gw-a "$N"
stop "$W1"
stop "$W2"
s1=$(stored "$D/w1.log")
s2=$(stored "$D/w2.log")
echo "# worker 1: $(sed -n 's/.*stopped: //p' "$D/w1.log")"
echo "# worker 2: $(sed -n 's/.*stopped: //p' "$D/w2.log")"
check "both workers stored a share" [ "${s1:-0}" -gt 0 ] && [ "${s2:-0}" -gt 0 ]
check "the shares add up to every reading, none twice" [ $((${s1:-0} + ${s2:-0})) -eq $((2 * N)) ]
check "ingest_stats holds one row per worker, under its client id" \
	[ "$(q "SELECT worker, stored FROM ingest_stats ORDER BY worker" | tr '\n' ' ')" = "ingest-w-1|${s1:-0} ingest-w-2|${s2:-0} " ]
check "every reading is stored once" \
	[ "$(q "SELECT count(*), count(DISTINCT (gw, seq)) FROM readings_named")" = "$((2 * N))|$((2 * N))" ]
check "no seq is missing" \
	[ "$(q "SELECT gw, min(seq), max(seq) FROM readings_named GROUP BY gw ORDER BY gw" | tr '\n' ' ')" = "gw-a|1|$N gw-b|1|$N " ]
check "the database acknowledges every seq, none lost" \
	[ "$(q "SELECT gw, acked_seq, max_seq, lost_seqs FROM gateways ORDER BY gw" | tr '\n' ' ')" = "gw-a|$N|$N|0 gw-b|$N|$N|0 " ]

# the roll-ups: the same rows, column by column, as the single worker's
dump() {
	qd "$1" "SELECT * FROM daily ORDER BY station, device, day" >"$D/daily.$2"
	qd "$1" "SELECT * FROM hourly ORDER BY station, device, day, hour" >"$D/hourly.$2"
}
dump pvmon shared
dump single single
nd=$(wc -l <"$D/daily.shared")
nh=$(wc -l <"$D/hourly.shared")
echo "# roll-ups: $nd daily rows, $nh hourly rows"
check "the readings span days and hours" [ "$nd" -ge 14 ] && [ "$nh" -ge 300 ]
check "the daily roll-ups equal the single worker's" cmp -s "$D/daily.shared" "$D/daily.single"
check "the hourly roll-ups equal the single worker's" cmp -s "$D/hourly.shared" "$D/hourly.single"
out=$("$PVMON_TOOLS/rollcheck" "$D/shared.json")
check "rollcheck recomputes the roll-ups from the raw readings ($out)" [ -n "$out" ]
dump pvmon recomputed
check "the roll-ups equal a recomputation from the raw readings" \
	sh -c "cmp -s '$D/daily.shared' '$D/daily.recomputed' && cmp -s '$D/hourly.shared' '$D/hourly.recomputed'"
check "the energy adds up to the counters' rise" \
	[ "$(q "SELECT sum(delta_wh) FROM daily")" = "$(q "SELECT sum(mx - mn) FROM (SELECT max(energy_wh) mx, min(energy_wh) mn FROM readings_named GROUP BY station, device) x")" ]
it_end
