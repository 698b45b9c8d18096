#!/bin/sh
# Two ingest workers of one share group on one database, one of them SIGKILLed
# every few seconds (by PID, the two in turn) and restarted while the collector
# publishes: the other worker keeps storing, what the killed one had taken but
# not committed is replayed by the collector (it sees a new ingest session when
# the worker is back), and each reading is stored once with the ack at the last
# seq and the spool empty.
. tests/it/lib.sh
. tests/faults/lib.sh

FOR=$(fx_pick 12 90)
fx_setup 2 4 200 "" -- --speed 1 || exit 1
# both workers read the same central file: the share group, and alerts on (one
# evaluation at a time over both, each from what the other committed)
sed 's/"client_id": "ingest-faults",/&\n  "ingest_share": "pvmon",/' "$IT_TMP/central.json" >"$IT_TMP/c.json" &&
	mv "$IT_TMP/c.json" "$IT_TMP/central.json"
check "the central file names the share group" grep -q '"ingest_share": "pvmon"' "$IT_TMP/central.json"

# worker K: starts worker K (log wK-N.log), waits until it subscribed; sets WPID_K.
worker() {
	FX_NING=$((FX_NING + 1))
	bg "w$1-$FX_NING" "$PVMON_BIN/pvmon-allocator" ingest -c "$IT_TMP/central.json" --worker "$1"
	eval "WPID_$1=$LAST_PID"
	fx_wait 15 fx_log_has "$IT_TMP/w$1-$FX_NING.log" "connected to" ||
		fail "worker $1 connects (w$1-$FX_NING.log)"
}
worker 1
worker 2
fx_recorder
fx_collector
fx_wait 15 fx_at_least 10 fx_stored || fail "readings reach the database"
end=$(($(date +%s) + FOR))
kills=0
while [ "$(date +%s)" -lt "$end" ]; do
	sleep "$(fx_rand_ms 500 2500)"
	k=$((kills % 2 + 1))
	eval "pid=\$WPID_$k"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	kills=$((kills + 1))
	fx_integrity "$FX_DB" || fail "the database is intact after kill $kills"
	worker "$k"
done
echo "# $kills kills in $FOR s"
check "a worker was killed at least every 3 s" [ "$kills" -ge $((FOR / 3)) ]
# both workers, the last restarted one too, take their share for a while
n0=$(fx_stored)
fx_wait 60 fx_at_least $((n0 + 100)) fx_stored || fail "readings flow after the last restart"
# the running collector is acknowledged to its last seq without a drain
fx_catch_up 90 || fail "the running collector is acknowledged to its last seq by the two workers"
INGEST_PID=$WPID_1
fx_drain
stop "$WPID_2"
for f in "$IT_TMP"/w*.log; do
	grep -q "stopped:" "$f" && echo "# $(basename "$f"): $(sed -n 's/.*stopped: //p' "$f")"
done
check "both workers stored readings at the end" \
	[ "$(grep -l 'stopped: [1-9]' "$IT_TMP"/w*.log | sed 's/.*\/w\([12]\)-.*/\1/' | sort -u | tr -d '\n')" = 12 ]
check "no alert was stored twice" \
	[ "$(fx_sq "SELECT count(*) - count(DISTINCT rule || '/' || coalesce(gw, '') || '/' || coalesce(station, '') || '/' || coalesce(device, '') || '/' || start_ms) FROM alerts")" = 0 ]
fx_served_check
fx_report "a worker of two SIGKILLed ${kills}x in ${FOR} s" 0 "2 x 5 devices every 200 ms"
it_end
