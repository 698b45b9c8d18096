#!/bin/sh
# An RS-485 bus of 8 slaves (7 inverters and the meter) at 9600 baud on a
# pseudo-terminal, Modbus RTU, one slave dead and one answering 300 ms late:
# the others keep their poll rate, the slow one is still read every round,
# and the dead one is backed off (asked less and less often) instead of
# costing its timeout every round.
. tests/it/lib.sh
. tests/faults/lib.sh

FOR=$(fx_pick 40 120)
IV=2000
cat >"$IT_TMP/faults.json" <<EOF2
{ "faults": [ { "station": "st001", "device": "inv03", "type": "dead" },
              { "station": "st001", "device": "inv05", "type": "slow", "delay_ms": 300 } ] }
EOF2
fx_setup 1 7 "$IV" "" ', "timeout_ms": 500, "backoff_max_ms": 16000' -- \
	--rtu --pty-dir "$IT_TMP" --faults "$IT_TMP/faults.json" --speed 1 || exit 1
fx_ingest
fx_recorder
fx_collector
fx_wait 15 fx_at_least 8 fx_stored || fail "readings reach the database"
sleep "$FOR"
fx_drain
fx_served_check

# per device: readings (one per round), readings with values, first and last poll time
sqlite3 -separator ' ' "$FX_DB" "SELECT device, count(*), sum(energy_wh IS NOT NULL), min(ts), max(ts)
	FROM readings_named WHERE gw = '$FX_GW' GROUP BY device ORDER BY device" >"$IT_TMP/per_dev"
cat "$IT_TMP/per_dev" | sed 's/^/# device readings good first_ts last_ts: /'
set -- $(grep '^inv01 ' "$IT_TMP/per_dev")
rounds=$2
span=$(($5 - $4))
echo "# $rounds rounds in $((span / 1000)) s (one every $((span / (rounds > 1 ? rounds - 1 : 1))) ms, interval $IV ms)"
check "the healthy slaves keep their poll rate (rounds >= 90% of the time / interval)" \
	[ $(((rounds - 1) * IV * 10)) -ge $((span * 9)) ]
slow_ok=1
for d in inv01 inv02 inv04 inv05 inv06 inv07 meter; do
	set -- $(grep "^$d " "$IT_TMP/per_dev")
	[ "${3:-0}" -ge $((rounds - 1)) ] || { slow_ok=0; echo "# $d: only ${3:-0} good readings of $rounds"; }
done
check "every slave but the dead one answered every round, the slow one too" [ "$slow_ok" -eq 1 ]
set -- $(grep '^inv03 ' "$IT_TMP/per_dev")
check "the dead slave has a reading every round, without values" [ "$2" -eq "$rounds" ] && [ "$3" -eq 0 ]
asked=$(sed -n 's/^st001 inv03 .*requests=\([0-9]*\).*/\1/p' "$IT_TMP/served")
echo "# the dead slave was asked $asked times in $rounds rounds"
check "the dead slave is backed off: asked in under a third of the rounds" [ "${asked:-99999}" -le $((rounds / 3)) ]
check "the collector marked the dead slave offline" fx_log_has "$COL_LOG" "st001/inv03.*offline"
check "the slow slave never timed out" [ "$(sed -n 's/^st001 inv05 .*silent=\([0-9]*\).*/\1/p' "$IT_TMP/served")" -eq 0 ]
fx_report "RTU bus: 8 slaves at 9600 baud, one dead, one slow" 0 "one pty, every $IV ms"
it_end
