#!/bin/sh
# Ingest SIGKILLed every few seconds and restarted: what it had received but
# not committed was never acknowledged, so the collector keeps it and replays
# it when the ack stalls or it reconnects; each reading is stored once.
. tests/it/lib.sh
. tests/faults/lib.sh

FOR=$(fx_pick 12 60)
fx_setup 2 4 200 "" -- --speed 1 || exit 1
fx_ingest
fx_recorder
fx_collector
fx_wait 15 fx_at_least 10 fx_stored || fail "readings reach the database"
end=$(($(date +%s) + FOR))
kills=0
while [ "$(date +%s)" -lt "$end" ]; do
	sleep "$(fx_rand_ms 1000 4000)"
	kill -KILL "$INGEST_PID"
	wait "$INGEST_PID" 2>/dev/null
	kills=$((kills + 1))
	fx_integrity "$FX_DB" || fail "the database is intact after kill $kills"
	fx_ingest
done
echo "# $kills kills in $FOR s"
check "ingest was killed at least every 4 s" [ "$kills" -ge $((FOR / 4)) ]
# a reading ingest took from the broker but had not committed is replayed after
# the collector's stall timer (60 s), or at the next reconnect: the drain reconnects
fx_drain
fx_served_check
fx_report "ingest SIGKILLed ${kills}x in ${FOR} s" 0 "2 x 5 devices every 200 ms"
it_end
