#!/bin/sh
# Devices that answer badly: Modbus exceptions, short replies, replies from
# the wrong unit id (refused), random register contents, a lifetime counter that reads 0
# now and then, and an inverter replaced mid-run (its counter restarts low).
# Nothing crashes; readings carry the right state and quality flags; the
# roll-ups exclude the zeros, segment the reset and never book garbage.
. tests/it/lib.sh
. tests/faults/lib.sh

FOR=$(fx_pick 20 60)
cat >"$IT_TMP/faults.json" <<EOF2
{ "faults": [
  { "station": "st001", "device": "inv01", "type": "exception", "code": 4, "every": 3 },
  { "station": "st001", "device": "inv02", "type": "short", "every": 4 },
  { "station": "st001", "device": "inv03", "type": "wrong_unit", "every": 5 },
  { "station": "st001", "device": "inv04", "type": "garbage", "every": 7 },
  { "station": "st001", "device": "inv05", "type": "zero_counter", "every": 9 },
  { "station": "st001", "device": "inv06", "type": "counter_reset", "value_wh": 1000000, "start_s": 60 } ] }
EOF2
fx_setup 1 7 500 "" -- --faults "$IT_TMP/faults.json" --speed 10 || exit 1
fx_ingest
fx_recorder
fx_collector
fx_wait 15 fx_at_least 16 fx_stored || fail "readings reach the database"
sleep "$FOR"
check "the collector is still running" kill -0 "$COL_PID"
check "ingest is still running" kill -0 "$INGEST_PID"
fx_drain
q() { fx_sq "$1"; }
dev() { echo "gw = '$FX_GW' AND station = 'st001' AND device = '$1'"; }

# exception, short, wrong unit: some polls fail (state unknown, no values), the rest are good
for d in inv01 inv02; do
	set -- $(q "SELECT sum(state = 0 AND energy_wh IS NULL), sum(energy_wh IS NOT NULL), sum(state = 0 AND energy_wh IS NOT NULL) FROM readings_named WHERE $(dev $d)" | tr '|' ' ')
	echo "# $d: $1 polls without values (state unknown), $2 good"
	check "$d: failed polls are stored as state unknown without values, the others with values" \
		[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$3" -eq 0 ]
done
# wrong unit id: a reply carrying another unit id is refused (state unknown, no values), never
# stored as good. A poll stops at its first refused request and the fault hits one request in 5,
# so the refused polls equal the wrong-unit replies the simulator sent, exactly.
set -- $(q "SELECT count(*), sum(state = 0 AND energy_wh IS NULL), sum(energy_wh IS NOT NULL) FROM readings_named WHERE $(dev inv03)" | tr '|' ' ')
wrong=$(sed -n 's/^st001 inv03 .*faulty=\([0-9]*\).*/\1/p' "$IT_TMP/served")
echo "# inv03: $wrong replies carried a wrong unit id; $2 of $1 polls were refused, $3 good"
check "inv03: the simulator sent wrong-unit replies" [ "${wrong:-0}" -gt 0 ]
check "inv03: every wrong-unit reply was refused, none stored as good ($2 refused for $wrong)" \
	[ "$2" -eq "$wrong" ]
check "inv03: its good polls are the rest" [ "$3" -gt 0 ] && [ $(($2 + $3)) -le "$1" ]
check "inv03: replies from the wrong unit id neither crash nor stall the collector" \
	[ "$1" -eq "$(q "SELECT count(*) FROM readings_named WHERE $(dev inv07)")" ]
# the garbage device: flagged readings, and never more energy booked than a healthy twin
set -- $(q "SELECT (SELECT count(*) FROM readings_named WHERE $(dev inv04) AND quality != 0),
	(SELECT sum(delta_wh) FROM daily WHERE station = 'st001' AND device = 'inv04'),
	(SELECT sum(delta_wh) FROM daily WHERE station = 'st001' AND device = 'inv07')" | tr '|' ' ')
echo "# inv04 (garbage): $1 readings flagged; booked $2 Wh, its healthy twin inv07 $3 Wh"
check "inv04: garbage replies are flagged" [ "$1" -gt 0 ]
check "inv04: garbage never books more than a healthy inverter makes (+10%)" [ "$2" -le $(($3 * 11 / 10)) ]
# the transient zero: flagged counter_zero, excluded, the day's energy is the counter's rise
set -- $(q "SELECT (SELECT count(*) FROM readings_named WHERE $(dev inv05) AND energy_wh = 0),
	(SELECT count(*) FROM readings_named WHERE $(dev inv05) AND energy_wh = 0 AND quality & 1),
	(SELECT sum(excluded) FROM daily WHERE station = 'st001' AND device = 'inv05'),
	(SELECT sum(resets) FROM daily WHERE station = 'st001' AND device = 'inv05'),
	(SELECT sum(delta_wh) FROM daily WHERE station = 'st001' AND device = 'inv05'),
	(SELECT max(energy_wh) - min(energy_wh) FROM readings_named WHERE $(dev inv05) AND energy_wh > 0)" | tr '|' ' ')
echo "# inv05 (zero reads): $1 zeros, $2 flagged counter_zero, $3 excluded, $4 resets; booked $5 Wh, counter rose $6 Wh"
check "inv05: every zero read is flagged counter_zero" [ "$1" -gt 0 ] && [ "$1" -eq "$2" ]
check "inv05: the roll-up excludes the zeros and counts no reset" [ "$3" -ge "$1" ] && [ "$4" -eq 0 ]
check "inv05: the energy booked is the counter's rise, zeros ignored" [ "$5" -eq "$6" ]
# the replaced inverter: one backwards step, a new segment, both segments booked
set -- $(q "WITH g AS (SELECT ts, energy_wh e, lag(energy_wh) OVER (ORDER BY ts) p FROM readings_named
		WHERE $(dev inv06) AND energy_wh IS NOT NULL AND (quality & 13) = 0)
	SELECT (SELECT count(*) FROM readings_named WHERE $(dev inv06) AND quality & 2),
	(SELECT sum(resets) FROM daily WHERE station = 'st001' AND device = 'inv06'),
	(SELECT sum(delta_wh) FROM daily WHERE station = 'st001' AND device = 'inv06'),
	(SELECT sum(e - p) FROM g WHERE e >= p),
	(SELECT max(e) - min(e) FROM g)" | tr '|' ' ')
echo "# inv06 (counter reset): $1 readings flagged counter_backwards, $2 resets; booked $3 Wh = segments $4 Wh (max - min would say $5 Wh)"
check "inv06: the reset is flagged counter_backwards once" [ "$1" -eq 1 ]
check "inv06: the roll-up starts a new segment at the reset" [ "$2" -eq 1 ]
check "inv06: the energy booked is the sum of both segments' rises" [ "$3" -eq "$4" ] && [ "$3" -gt 0 ]
check "every stored reading is counted in the daily roll-ups" \
	[ "$(q "SELECT sum(n_readings) FROM daily")" -eq "$(q "SELECT count(*) FROM readings")" ]
rej=$(q "SELECT count(*) FROM rejected")
fx_report "bad devices: exception, short, wrong unit, garbage, zero, reset" 0 "$rej rejected by ingest"
it_end
