#!/bin/sh
# The prompt resync after a broker restart without persistence: the collector is
# back first and replays into a broker where ingest has no session yet (the
# replay is dropped); when ingest then subscribes afresh it announces a new
# session on pvmon/ingest/online and the collector replays at once, instead of
# after its 60 s stall timer. Nothing lost, nothing stored twice.
. tests/it/lib.sh
. tests/faults/lib.sh

fx_setup 1 2 200 "" -- --speed 1 || exit 1
fx_ingest
fx_collector
fx_wait 15 fx_at_least 10 fx_stored || fail "readings reach the database"
first=$(fx_sq "SELECT count(*) FROM readings")
kill -STOP "$INGEST_PID" # ingest stays away until the collector has replayed
fx_kill_broker
sleep 1
fx_restart_broker
fx_wait 15 sh -c "[ \$(grep -c 'connected to broker' '$COL_LOG') -ge 2 ]" ||
	fail "the collector reconnects"
sleep 1 # its replay goes out to a broker where no one is subscribed for ingest
kill -CONT "$INGEST_PID"
t0=$(date +%s)
fx_catch_up 15 || fail "the collector replays as soon as ingest subscribes afresh"
echo "# acknowledged up to the last seq $(($(date +%s) - t0)) s after ingest came back"
check "well before the 60 s stall timer" [ $(($(date +%s) - t0)) -le 15 ]
check "the collector replayed because of ingest's new session" \
	fx_log_has "$COL_LOG" "ingest subscribed afresh"
check "ingest announced its session (retained)" \
	sh -c "mosquitto_sub -p $BROKER_PORT -t pvmon/ingest/online -C 1 -W 5 | grep -q '\"session\":\"[0-9]*-2\"'"
check "readings were stored before the outage" [ "$first" -ge 10 ]
fx_drain
fx_report "broker restarted, ingest back after the collector's replay" 0
it_end
