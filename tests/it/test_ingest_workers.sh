#!/bin/sh
# Two ingest workers on one SQLite file share the readings through an MQTT v5
# shared subscription ($share/<ingest_share>/...): every reading is stored once,
# both workers stored readings of both gateways, the acks (computed from the
# database) reach the publishers, whose spools then empty, and the daily and
# hourly roll-ups equal those one worker makes of the same readings.
. tests/it/lib.sh

D=$IT_TMP
cp "$PVMON_ROOT/config/fleet.json" "$D/fleet.json"
N=3000
# a week of readings: one round of the devices every 10 minutes, across days and hours
TS0=1561939200000
DEVS_A=st-xipo:inv01:inverter,st-xipo:inv02:inverter,st-xipo:inv03:inverter
DEVS_B=st-xipo:inv04:inverter,st-xipo:inv05:inverter,st-xipo:inv06:inverter,st-xipo:meter:meter

# central FILE CLIENT_ID DATABASE EXTRA: a central file on the current broker.
central() {
	cat >"$1" <<EOF
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT, "keepalive_s": 5 },
  "client_id": "$2",
  "database": "$3",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "batch": { "rows": 100, "ms": 20 },
  $4
  "alerts": { "enabled": false },
  "log": { "target": "stderr", "level": "info" }
}
EOF
}
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
		--ts "$TS0" --step-ms 600000 --ack --replay-ms 3000 --timeout-s 120
}
# stored LOG: the readings a worker's closing log line says it stored.
stored() { sed -n 's/.*stopped: \([0-9]*\) readings stored.*/\1/p' "$1"; }

out=$("$PVMON_BIN/pvmon-allocator" ingest -c "$D/x.json" --worker 'w/1' 2>&1)
check "a worker id that is no id is refused (exit 2)" [ $? -eq 2 ]
check "... with what was expected" \
	[ "$out" = 'pvmon-allocator ingest: --worker: expected an id of 1-47 characters from A-Z a-z 0-9 _ . -, got "w/1"' ]

# --- the reference: one worker, its own broker and database
start_broker
central "$D/single.json" ingest-single single.db ""
bg single "$PVMON_BIN/pvmon-allocator" ingest -c "$D/single.json"
SINGLE_PID=$LAST_PID
wait_log "$D/single.log" "connected to" || fail "the single worker connects"
t0=$(date +%s%N)
publish gw-a "$DEVS_A"
PA=$LAST_PID
publish gw-b "$DEVS_B"
PB=$LAST_PID
wait "$PA"
ra=$?
wait "$PB"
rb=$?
t1=$(date +%s%N)
check "one worker: every reading is acknowledged" [ "$ra$rb" = 00 ]
stop "$SINGLE_PID"
stop "$BROKER_PID"
echo "# one worker: $((2 * N)) readings acknowledged in $(((t1 - t0) / 1000000)) ms"

# --- two workers of the share group "pvmon" on one database, a fresh broker
start_broker
central "$D/shared.json" ingest-w shared.db '"ingest_share": "pvmon",'
bg w1 "$PVMON_BIN/pvmon-allocator" ingest -c "$D/shared.json" --worker 1
W1=$LAST_PID
bg w2 "$PVMON_BIN/pvmon-allocator" ingest -c "$D/shared.json" --worker 2
W2=$LAST_PID
wait_log "$D/w1.log" "connected to" || fail "worker 1 connects"
wait_log "$D/w2.log" "connected to" || fail "worker 2 connects"
check "worker 1 says it is one of the share group" grep -q 'share group "pvmon"' "$D/w1.log"
check "the workers take distinct client ids" grep -q '"ingest-w-2"' "$D/w2.log"
t0=$(date +%s%N)
publish gw-a "$DEVS_A"
PA=$LAST_PID
publish gw-b "$DEVS_B"
PB=$LAST_PID
wait "$PA"
ra=$?
wait "$PB"
rb=$?
t1=$(date +%s%N)
check "two workers: every reading is acknowledged (the publishers' spools are empty)" \
	[ "$ra$rb" = 00 ]
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
# an older ack retained last (two workers' acks may reach the broker out of order): a
# worker that published a higher one publishes it again
mosquitto_pub -p "$BROKER_PORT" -q 1 -r -t pvmon/v1/gw-a/ack -m '{"v":1,"seq":17}'
check "a stale retained ack is replaced by the workers' last one" retained_ack_is gw-a "$N"
stop "$W1"
stop "$W2"
s1=$(stored "$D/w1.log")
s2=$(stored "$D/w2.log")
echo "# worker 1 stored ${s1:-?}, worker 2 stored ${s2:-?}"
echo "# $(grep 'stopped:' "$D/w1.log" | sed 's/.*stopped: //')"
echo "# $(grep 'stopped:' "$D/w2.log" | sed 's/.*stopped: //')"
check "both workers stored a share" [ "${s1:-0}" -gt 0 ] && [ "${s2:-0}" -gt 0 ]
check "the shares add up to every reading, none twice" [ $((${s1:-0} + ${s2:-0})) -eq $((2 * N)) ]
# each worker keeps its own counters row (its client id), none shared
check "ingest_stats holds one row per worker, under its client id" \
	[ "$(sqlite3 "$D/shared.db" "SELECT worker, stored FROM ingest_stats ORDER BY worker" | tr '\n' ' ')" = "ingest-w-1|${s1:-0} ingest-w-2|${s2:-0} " ]

q() { sqlite3 "$D/shared.db" "ATTACH '$D/single.db' AS ref; $1"; }
check "every reading is stored once" \
	[ "$(q "SELECT count(*), count(DISTINCT gw || '/' || seq) FROM readings_named")" = "$((2 * N))|$((2 * N))" ]
check "no seq is missing" \
	[ "$(q "SELECT gw, min(seq), max(seq) FROM readings_named GROUP BY gw ORDER BY gw" | tr '\n' ' ')" = "gw-a|1|$N gw-b|1|$N " ]
check "the database acknowledges every seq, none lost" \
	[ "$(q "SELECT gw, acked_seq, max_seq, lost_seqs FROM gateways ORDER BY gw" | tr '\n' ' ')" = "gw-a|$N|$N|0 gw-b|$N|$N|0 " ]
# the roll-ups: the same rows, column by column, as the single worker's
nd=$(q "SELECT count(*) FROM daily")
nh=$(q "SELECT count(*) FROM hourly")
echo "# roll-ups: $nd daily rows, $nh hourly rows"
check "the readings span days and hours" [ "$nd" -ge 14 ] && [ "$nh" -ge 300 ]
check "the reference has as many roll-up rows" \
	[ "$(q "SELECT (SELECT count(*) FROM ref.daily), (SELECT count(*) FROM ref.hourly)")" = "$nd|$nh" ]
check "the daily roll-ups equal the single worker's" \
	[ "$(q "SELECT count(*) FROM (SELECT * FROM daily EXCEPT SELECT * FROM ref.daily)")" = 0 ]
check "the hourly roll-ups equal the single worker's" \
	[ "$(q "SELECT count(*) FROM (SELECT * FROM hourly EXCEPT SELECT * FROM ref.hourly)")" = 0 ]
check "the energy adds up to the counters' rise" \
	[ "$(q "SELECT sum(delta_wh) FROM daily")" = "$(q "SELECT sum(mx - mn) FROM (SELECT max(energy_wh) mx, min(energy_wh) mn FROM readings_named GROUP BY station, device)")" ]
it_end
