#!/bin/sh
# The spool bound reached during a long outage (max_rows 1000, the smallest
# allowed): the oldest readings are dropped, counted in the spool, logged,
# reported in the collector's status, stored by ingest (gateways.lost_seqs and
# dropped_total), shown by `pvmon-allocator status`, and the acks move past the
# gap instead of waiting for it forever.
. tests/it/lib.sh
. tests/faults/lib.sh

DOWN=$(fx_pick 10 60)
fx_setup 2 9 100 ', "max_rows": 1000' -- --speed 1 || exit 1
fx_ingest
fx_recorder
fx_collector
fx_wait 15 fx_at_least 20 fx_stored || fail "readings reach the database"
sleep 1
fx_kill_broker
echo "# broker killed at seq $(fx_taken)"
sleep "$DOWN"
dropped=$(fx_spool_q "SELECT value FROM meta WHERE key = 'dropped'")
echo "# after $DOWN s: seq $(fx_taken), dropped $dropped"
check "the bound dropped readings during the outage" [ "$dropped" -gt 0 ]
check "the spool stayed within max_rows" [ "$(fx_spool_q 'SELECT count(*) FROM spool')" -le 1000 ]
check "the collector logged the drop" fx_log_has "$COL_LOG" "a bound was reached"
fx_restart_broker
status=$(mosquitto_sub -p "$BROKER_PORT" -t "pvmon/v1/$FX_GW/status" -C 1 -W 60)
echo "# status after the outage: $status"
d=$(echo "$status" | sed -n 's/.*"dropped":\([0-9]*\).*/\1/p')
check "the collector's retained status reports the drop" [ "${d:-0}" -ge "$dropped" ]
fx_catch_up 130 || fail "acks are not blocked by the gap: the running collector caught up"
fx_drain
"$PVMON_BIN/pvmon-allocator" status -c "$IT_TMP/central.json" >"$IT_TMP/status.out" 2>&1
line=$(grep "^$FX_GW " "$IT_TMP/status.out")
echo "# pvmon-allocator status: $line"
set -- $line
# columns: gateway state date time+zone acked max-seq backlog dropped lost rejects version
check "pvmon-allocator status shows the dropped readings" [ "${8:-0}" -gt 0 ] && [ "${8:-0}" -eq "$(fx_spool_q "SELECT value FROM meta WHERE key = 'dropped'")" ]
check "pvmon-allocator status shows the lost seqs" [ "${9:-0}" -gt 0 ]
check "pvmon-allocator status names the lost readings as a problem" grep -q "^  WARNING  gateway $FX_GW: [0-9]* readings\? lost" "$IT_TMP/status.out"
fx_report "spool bound (max_rows 1000) during a ${DOWN} s outage" 1 "2 x 10 devices every 100 ms"
it_end
