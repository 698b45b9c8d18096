#!/bin/sh
# The link cut without closing sockets: the broker frozen with SIGSTOP, so no
# RST or FIN ever arrives and only MQTT keep-alives (5 s here) can notice. The
# collector must notice on its own, keep spooling, reconnect after SIGCONT and
# replay; ingest likewise.
. tests/it/lib.sh
. tests/faults/lib.sh

DOWN=$(fx_pick 20 60)
fx_setup 2 4 200 "" -- --speed 1 || exit 1
fx_ingest
fx_recorder
fx_collector
fx_wait 15 fx_at_least 10 fx_stored || fail "readings reach the database"
sleep 2
kill -STOP "$BROKER_PID"
t0=$(date +%s)
echo "# broker stopped at seq $(fx_taken)"
noticed=
if fx_wait "$DOWN" fx_log_has "$COL_LOG" "connection lost"; then
	noticed=$(($(date +%s) - t0))
fi
echo "# the collector noticed the dead link after ${noticed:-more than $DOWN} s (keepalive 5 s)"
check "the collector's keep-alive noticed the frozen broker within 3 keep-alive periods" \
	[ -n "$noticed" ] && [ "${noticed:-99}" -le 15 ]
ing=
if fx_wait 5 fx_log_has "$INGEST_LOG" "lost the broker connection"; then ing=1; fi
check "ingest noticed the frozen broker too" [ -n "$ing" ]
rest=$((DOWN - ($(date +%s) - t0)))
[ "$rest" -gt 0 ] && sleep "$rest"
kill -CONT "$BROKER_PID"
echo "# broker resumed at seq $(fx_taken) after $DOWN s"
fx_catch_up $((DOWN / 2 + 130)) || fail "the running collector reconnected and replayed its backlog"
fx_drain
fx_served_check
fx_report "broker frozen (SIGSTOP) ${DOWN} s" 0 "2 x 5 devices every 200 ms; keepalive 5 s"
it_end
