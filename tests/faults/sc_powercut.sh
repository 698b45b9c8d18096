#!/bin/sh
# A gateway "power cut": the collector SIGKILLed in the middle of a burst of
# spool writes (30 devices every 100 ms, while ingest's acks delete a backlog
# in large chunks). After each cut the spool is reopened and checked (SQLite
# integrity check), its next seq is above every seq it holds, and the restarted
# collector continues the numbering: no seq is ever given to two readings.
. tests/it/lib.sh
. tests/faults/lib.sh

CUTS=$(fx_pick 4 12)
fx_setup 3 9 100 "" -- --speed 1 || exit 1
fx_ingest
fx_recorder
fx_collector
fx_wait 15 fx_at_least 50 fx_stored || fail "readings reach the database"
bad=0
back=0
cut=0
while [ $cut -lt "$CUTS" ]; do
	cut=$((cut + 1))
	# ingest away for a moment: a backlog builds up, then its ack deletes it while polls insert
	stop "$INGEST_PID"
	sleep "$(fx_rand_ms 500 1500)"
	fx_ingest
	sleep "$(fx_rand_ms 0 400)"
	kill -KILL "$COL_PID"
	wait "$COL_PID" 2>/dev/null
	ok_now=$(sqlite3 "$FX_SPOOL" 'PRAGMA integrity_check')
	[ "$ok_now" = ok ] || { bad=$((bad + 1)); echo "# cut $cut: integrity_check says: $ok_now"; }
	next=$(fx_spool_q "SELECT value FROM meta WHERE key = 'next_seq'")
	set -- $(fx_spool_q "SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM spool" | tr '|' ' ')
	echo "# cut $cut: spool holds $1 readings (seq $2-$3), next seq $next"
	[ "$3" -lt "$next" ] || back=$((back + 1))
	fx_collector
	fx_wait 10 fx_at_least $((next + 30)) fx_taken || fail "cut $cut: the collector resumed numbering after $next"
done
check "PRAGMA integrity_check said ok after each of $CUTS cuts" [ "$bad" -eq 0 ]
check "after each cut the next seq was above every spooled seq" [ "$back" -eq 0 ]
fx_catch_up 30 || fail "the last collector caught up"
fx_drain
fx_report "power cut: SIGKILL mid-burst ${CUTS}x" 0 "3 x 10 devices every 100 ms"
it_end
