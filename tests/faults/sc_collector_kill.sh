#!/bin/sh
# The collector SIGKILLed every few seconds and restarted at once (a watchdog
# or systemd would): each start resumes the seq numbering from the spool, the
# unacknowledged readings are replayed, and nothing is lost or numbered twice.
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
reused=0
while [ "$(date +%s)" -lt "$end" ]; do
	sleep "$(fx_rand_ms 1000 4000)"
	kill -KILL "$COL_PID"
	wait "$COL_PID" 2>/dev/null
	kills=$((kills + 1))
	next=$(fx_spool_q "SELECT value FROM meta WHERE key = 'next_seq'")
	top=$(fx_spool_q "SELECT coalesce(max(seq), 0) FROM spool")
	[ "$top" -lt "$next" ] || reused=$((reused + 1))
	fx_integrity "$FX_SPOOL" || fail "the spool is intact after kill $kills"
	fx_collector
done
echo "# $kills kills in $FOR s"
check "the spool's next seq stayed above every spooled seq at each kill" [ "$reused" -eq 0 ]
check "the collector was killed at least every 4 s" [ "$kills" -ge $((FOR / 4)) ]
fx_catch_up 30 || fail "the last collector caught up"
fx_drain
fx_report "collector SIGKILLed ${kills}x in ${FOR} s" 0 "2 x 5 devices every 200 ms"
it_end
