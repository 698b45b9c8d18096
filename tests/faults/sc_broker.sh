#!/bin/sh
# The broker killed during a stream of readings and restarted without
# persistence (its queues and retained messages are gone): the collectors'
# spools hold the readings, replay them on reconnect, and ingest stores each
# exactly once. Full: ~13,000 readings from 60 devices, 3 minutes down.
. tests/it/lib.sh
. tests/faults/lib.sh

NST=$(fx_pick 3 6)
NINV=$(fx_pick 4 9)
IV=$(fx_pick 200 1000)
BEFORE=$(fx_pick 4 20)
DOWN=$(fx_pick 15 180)
AFTER=$(fx_pick 3 20)

fx_setup "$NST" "$NINV" "$IV" "" -- --speed 1 || exit 1
fx_ingest
fx_recorder
fx_collector
fx_wait 15 fx_at_least 20 fx_stored || fail "readings reach the database"
sleep "$BEFORE"
fx_kill_broker
echo "# broker killed at seq $(fx_taken)"
sleep "$DOWN"
at_restart=$(fx_taken)
echo "# broker restarted at seq $at_restart after $DOWN s"
fx_restart_broker
check "the collector's spool held the outage's readings" \
	[ "$(fx_spool_q 'SELECT count(*) FROM spool')" -ge $((DOWN * 1000 / IV * (NST * (NINV + 1)) / 2)) ]
# whichever of ingest and the collector reconnects last, the ack catches up within the
# reconnect backoffs (each capped at 60 s, at most the outage) + the replay: when ingest is
# back after the collector's replay, its new session on pvmon/ingest/online makes the
# collector replay again at once (before, the 60 s stall timer did, up to a minute late)
CATCH=$(((DOWN < 60 ? DOWN : 60) + 25))
t_restart=$(date +%s)
fx_catch_up "$CATCH" || fail "the running collector replayed its backlog and ingest acknowledged it within $CATCH s"
echo "# recovery: acknowledged up to the restart's seq $(($(date +%s) - t_restart)) s after the broker restart"
check "the collector logged the replay" fx_wait 5 fx_log_has "$COL_LOG" "replay done"
sleep "$AFTER"
fx_drain
fx_served_check
fx_report "broker killed ${DOWN} s, restarted without persistence" 0 "$NST x $((NINV + 1)) devices every $IV ms"
it_end
