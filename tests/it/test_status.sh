#!/bin/sh
# pvmon-allocator status against a real ingest over a real broker: problems
# first, a summary, --json, --problems, the filters, gateways never connected
# and unknown ones, times with their zone, and the nagios-style exit status.
. tests/it/lib.sh

start_broker
D=$IT_TMP
A=$PVMON_BIN/pvmon-allocator
cp "$PVMON_ROOT/config/fleet.json" "$D/fleet.json"
cat >"$D/central.json" <<EOF2
{
  "broker": { "host": "127.0.0.1", "port": $BROKER_PORT },
  "client_id": "ingest-status",
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "batch": { "rows": 100, "ms": 20 },
  "expected_interval_s": 60
}
EOF2
DB=$D/pvmon.db
q() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
# until SECONDS CMD...: runs CMD until it succeeds, for at most SECONDS (a condition, not a pause).
until_ok() {
	u_end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$u_end" ] && return 1
		sleep 0.05
	done
}
st() { "$A" status -c "$D/central.json" "$@" >"$D/out" 2>"$D/err"; echo $? >"$D/rc"; }
rc() { cat "$D/rc"; }
J="readfile('$D/out')"
jq1() { q "SELECT $1 FROM (SELECT $J AS j)"; }

bg ingest "$A" ingest -c "$D/central.json"
until_ok 30 grep -q "connected to" "$IT_TMP/ingest.log" || fail "ingest did not connect"
until_ok 30 test -s "$DB" || fail "ingest did not create the database"

# Nothing has reported yet: the fleet's gateways never connected, which is critical.
st
check "before any reading the exit status is 2 (critical)" [ "$(rc)" = 2 ]
check "a fleet gateway that never connected is shown as such" \
	grep -q '^  CRITICAL gateway gw-xipo: never connected' "$D/out"
check "the gateway table says never-connected" grep -q '^gw-xipo  *never-connected ' "$D/out"
check "the first line gives the time with its zone and the verdict" \
	grep -q '^pvmon status of .* at [0-9-]* [0-9:]*+08:00 (Asia/Shanghai), month [0-9-]*: CRITICAL$' "$D/out"

# An hour of readings, one a minute, of every device of st-xipo, ending a minute ago.
XIPO=st-xipo:meter:meter
for i in 1 2 3 4 5 6; do XIPO="$XIPO,st-xipo:inv0$i:inverter"; done
now=$(date +%s)000
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-xipo -d "$XIPO" -n 420 --step-ms 60000 \
	--ts $((now - 3600000)) --ack --timeout-s 60)
check "the hour of st-xipo is acknowledged" [ "$out" = "gw-xipo 420" ]

st --station st-xipo
check "a healthy station alone exits 0" [ "$(rc)" = 0 ]
check "and has no problems" grep -q '^problems: none$' "$D/out"
check "its devices are complete although the month began before them" \
	[ "$(grep -c '^st-xipo .* ok .* 100\.0%' "$D/out")" = 7 ]
check "the summary line counts its devices" \
	grep -q '^summary: gateways 1 (1 online,.*; devices 7 (7 ok,' "$D/out"

# Judged ten minutes later, the same station is silent: critical, since when and for how long.
later=$(TZ=Asia/Shanghai date -d "@$((now / 1000 + 600))" +%Y-%m-%dT%H:%M)
st --station st-xipo --at "$later"
check "ten minutes without readings is critical" [ "$(rc)" = 2 ]
check "a silent device says since when, with the zone, and for how long" \
	grep -q '^  CRITICAL device st-xipo/meter: silent since [0-9-]* [0-9:]*+08:00 ([0-9]* min)' "$D/out"

# A payload ingest rejects is a warning for its gateway.
mosquitto_pub -p "$BROKER_PORT" -q 1 -t pvmon/v1/gw-xipo/st-xipo/meter/reading -m '{"v":1}'
until_ok 30 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' '$DB' \"SELECT count(*) FROM rejected WHERE gw = 'gw-xipo'\")\" -ge 1 ]" ||
	fail "ingest did not store the reject"
st --station st-xipo
check "a recent reject makes a warning: exit 1" [ "$(rc)" = 1 ]
check "the warning counts it" grep -q '^  WARNING  gateway gw-xipo: 1 payload rejected in the last 24 h' "$D/out"

# An unknown gateway and a gateway whose last will says offline.
out=$("$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g gw-rogue -d st-nangou:meter:meter -n 3 --ack --timeout-s 30)
check "the unknown gateway's readings are stored" [ "$out" = "gw-rogue 3" ]
mosquitto_pub -p "$BROKER_PORT" -q 1 -r -t pvmon/v1/gw-chengzhuang/status -m '{"state":"offline"}'
until_ok 30 sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' '$DB' \"SELECT status FROM gateways WHERE gw = 'gw-chengzhuang'\")\" = offline ]" ||
	fail "ingest did not store the offline status"
st
check "the whole county exits 2" [ "$(rc)" = 2 ]
check "an unknown gateway is warned about" \
	grep -q '^  WARNING  gateway gw-rogue: unknown: in the database but not in the fleet' "$D/out"
check "an offline gateway is critical" grep -q '^  CRITICAL gateway gw-chengzhuang: offline' "$D/out"
first_warn=$(grep -n '^  WARNING ' "$D/out" | head -1 | cut -d: -f1)
last_crit=$(grep -n '^  CRITICAL ' "$D/out" | tail -1 | cut -d: -f1)
check "problems come first, critical before warnings" [ "$last_crit" -lt "$first_warn" ]
check "the problems come before the tables" \
	[ "$(grep -n '^gateway  ' "$D/out" | cut -d: -f1)" -gt "$first_warn" ]
n_dev=$(q "SELECT sum(json_array_length(value, '\$.inverters') + (json_extract(value, '\$.meter') IS NOT NULL) + (json_extract(value, '\$.sensor') IS NOT NULL)) FROM json_each(readfile('$D/fleet.json'), '\$.stations')")
check "every fleet device ($n_dev) has a line" [ "$(grep -c '^st-' "$D/out")" = "$n_dev" ]

st --problems
check "--problems keeps the exit status" [ "$(rc)" = 2 ]
check "--problems prints no tables" [ "$(grep -c '^st-\|^gateway  ' "$D/out")" = 0 ]
check "--problems still prints the summary and the problems" \
	sh -c "grep -q '^summary: ' '$D/out' && grep -q '^  CRITICAL ' '$D/out'"

st --township 城庄镇
check "--township by name keeps its stations only" \
	sh -c "! grep -q '^st-xipo ' '$D/out' && grep -q '^st-chengzhuang ' '$D/out'"
check "--township hides gateways of other townships" sh -c "! grep -q 'gw-rogue\|gw-xipo' '$D/out'"
st --gateway gw-rogue
check "--gateway shows an unknown gateway alone" \
	sh -c "[ \"\$(grep -c '^gw-' '$D/out')\" = 1 ] && grep -q '^gw-rogue  *unknown ' '$D/out'"
check "an unknown gateway alone is a warning: exit 1" [ "$(rc)" = 1 ]

st --json
check "--json keeps the exit status" [ "$(rc)" = 2 ]
check "--json is valid JSON" [ "$(q "SELECT json_valid($J)")" = 1 ]
check "--json names its schema" [ "$(jq1 "json_extract(j, '\$.schema')")" = pvmon.status/1 ]
check "--json says critical and the exit status" [ "$(jq1 "json_extract(j, '\$.status') || json_extract(j, '\$.exit')")" = critical2 ]
check "--json times carry the zone" \
	sh -c "echo '$(jq1 "json_extract(j, '\$.at')")' | grep -q '^[0-9-]*T[0-9:]*+08:00$'"
check "--json lists the unknown gateway's problem" \
	[ "$(jq1 "(SELECT count(*) FROM json_each(j, '\$.problems') WHERE json_extract(value, '\$.kind') = 'gateway_unknown' AND json_extract(value, '\$.gateway') = 'gw-rogue')")" = 1 ]
check "--json's first problem is critical" [ "$(jq1 "json_extract(j, '\$.problems[0].severity')")" = critical ]
check "--json has every fleet device" \
	[ "$(jq1 "json_array_length(j, '\$.devices')")" = "$(jq1 "json_extract(j, '\$.summary.devices')")" ]
check "--json's completeness of st-xipo's meter is whole" \
	[ "$(jq1 "(SELECT json_extract(value, '\$.complete_permille') FROM json_each(j, '\$.devices') WHERE json_extract(value, '\$.station') = 'st-xipo' AND json_extract(value, '\$.device') = 'meter')")" = 1000 ]
st --json --problems
check "--json --problems lists only devices that need attention" \
	[ "$(jq1 "(SELECT count(*) FROM json_each(j, '\$.devices') WHERE json_extract(value, '\$.severity') = 'ok')")" = 0 ]

# The check itself failing is 3 (UNKNOWN), never mistaken for a verdict.
st --station st-nowhere
check "an unknown station is exit 3 with its name" \
	sh -c "[ \"\$(cat '$D/rc')\" = 3 ] && grep -q 'no station \"st-nowhere\"' '$D/err'"
st --bogus
check "a bad flag is exit 3" [ "$(rc)" = 3 ]
"$A" status -c "$D/missing.json" >/dev/null 2>"$D/err"
check "a missing config is exit 3 and names the file" [ $? = 3 ] && grep -q missing.json "$D/err"
st --at 2019-13-01T00:00
check "a bad --at is exit 3" [ "$(rc)" = 3 ]
it_end
