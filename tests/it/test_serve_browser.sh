#!/bin/sh
# A real browser on the dashboard: Debian's chromium driven by playwright-core (npm, installed
# into tests/browser/node_modules by tests/browser/setup.sh) loads the overview and a station page
# from serve on a demo-like database, at 1280 and 390 px. The figures it shows equal the
# report's (report --format json) and the store's; the pages are Chinese by default, fetch
# nothing from elsewhere, raise no script error and do not overflow a phone's width.
# Screenshots: $SHOTS (default build/screenshots).
. tests/it/lib.sh
. tests/it/collector.sh

sh "$PVMON_ROOT/tests/browser/setup.sh" >"$IT_TMP/npm.log" 2>&1 || { fail "playwright-core installs"; cat "$IT_TMP/npm.log"; }
[ -x /usr/bin/chromium ] || fail "Debian's chromium is installed (make deps)"
. tests/it/serve_fixture.sh

SHOTS=${SHOTS:-$PVMON_ROOT/build/screenshots}
mkdir -p "$SHOTS"
# the live stations have raw readings: take one, with a reading per device
ST=$(sed -n 's/.*"station": "\([^"]*\)".*/\1/p' "$D"/collector-*.json | sort -u | head -1)
"$PVMON_TOOLS/pubreadings" -p "$BROKER_PORT" -g "$(grep -l "\"$ST\"" "$D"/collector-*.json | head -1 |
	xargs sed -n 's/.*"gateway": "\([^"]*\)".*/\1/p')" \
	-d "$(grep -ho "\"id\": \"[a-z0-9]*\", \"station\": \"$ST\", \"unit\": [0-9]*, \"profile\": \"[^\"]*\", \"kind\": \"[a-z]*\"" \
		"$D"/collector-*.json | sed 's/"id": "\([^"]*\)", "station": "\([^"]*\)".*"kind": "\([a-z]*\)"/\2:\1:\3/' | paste -sd, -)" \
	-n 5 --ts "$(($(date +%s) * 1000 - 60000))" --step-ms 1000 --ack --timeout-s 20 >"$IT_TMP/pub.out" 2>&1 ||
	fail "a few live readings of $ST are stored"
"$PVMON_BIN/pvmon-allocator" report -c "$D/central-serve.json" --month "$MONTH" --allow-empty --format json \
	>"$IT_TMP/report.json" 2>"$IT_TMP/report.err" || fail "the report of this month builds"

(cd "$PVMON_ROOT/tests/browser" && timeout 120 node dash.mjs "$URL" "$ST" "$SHOTS") \
	>"$IT_TMP/shown.json" 2>"$IT_TMP/browser.err" || { fail "the browser loads the pages"; cat "$IT_TMP/browser.err"; }

# q EXPR: evaluates EXPR in node with s (what the browser showed), r (the report), db (rows).
sqlite3 -json "$D/pvmon.db" "SELECT r.device, r.ac_power_w FROM readings_named r
	WHERE r.station = '$ST' AND r.ts = (SELECT max(ts) FROM readings_named WHERE station = '$ST' AND device = r.device)" \
	>"$IT_TMP/last.json"
q() { node -e "const fs = require('fs'); const s = JSON.parse(fs.readFileSync('$IT_TMP/shown.json', 'utf8'));
const r = JSON.parse(fs.readFileSync('$IT_TMP/report.json', 'utf8'));
const db = JSON.parse(fs.readFileSync('$IT_TMP/last.json', 'utf8') || '[]');
const st = r.stations.find((x) => x.id === '$ST');
process.stdout.write(String($1))"; }

for w in 1280 390; do
	check "overview at $w px: the month's energy shown is the report's" \
		[ "$(q "Number(s.overview_$w.values['k-month_wh'].v) === r.totals.energy_wh")" = true ]
	check "overview at $w px: it is shown in kWh to one decimal" \
		[ "$(q "s.overview_$w.values['k-month_wh'].text === (r.totals.energy_wh / 1000).toFixed(1).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',') + ' 千瓦时'")" = true ]
	check "overview at $w px: the stations by status add up to the fleet" \
		[ "$(q "['producing','asleep','offline','fault','no_data'].reduce((a, k) => a + Number(s.overview_$w.values['k-' + k].v), 0) === r.stations.length")" = true ]
	check "station at $w px: its month energy is the report's" \
		[ "$(q "Number(s.station_$w.values['k-month_wh'].v) === st.energy_wh")" = true ]
	check "station at $w px: its completeness is the report's" \
		[ "$(q "Number(s.station_$w.values['k-completeness'].v) === st.completeness_permille")" = true ]
	check "station at $w px: each device's power is its last stored reading's" \
		[ "$(q "db.length > 0 && db.every((d) => d.ac_power_w === null || Number(s.station_$w.values['dp-' + d.device].v) === d.ac_power_w)")" = true ]
	check "at $w px the pages are Chinese" [ "$(q "s.overview_$w.lang + s.station_$w.lang")" = zh-CNzh-CN ]
	check "at $w px ?lang=en is English" [ "$(q "s.overview_en_$w.lang === 'en' && s.overview_en_$w.text.includes('Energy today')")" = true ]
	check "at $w px nothing overflows the width" \
		[ "$(q "s.overview_$w.scrollWidth <= $w && s.station_$w.scrollWidth <= $w")" = true ]
	check "screenshots at $w px were written" [ -s "$SHOTS/overview-$w.png" ] && [ -s "$SHOTS/station-$w.png" ]
done
check "the pages fetched only from serve" [ "$(q "s.requests.every((u) => u.startsWith('$URL/'))")" = true ]
check "the pages refresh themselves through the API" [ "$(q "s.requests.some((u) => u.startsWith('$URL/api/v1/'))")" = true ]
check "no script error in the browser" [ "$(q "s.errors.length")" = 0 ]
it_end
