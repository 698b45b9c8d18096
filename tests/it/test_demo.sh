#!/bin/sh
# The CI-sized demo (demo/run.sh --quick): the generated county, a year of history at one
# reading a day, 20 s of the live path, the report. Checks that readings flowed live from every
# gateway, that the report lists the 447 villages and explains at least one shortfall, and that
# the demo leaves no process behind.
. tests/it/lib.sh

D=$IT_TMP/demo
O_DIR=$(dirname "$PVMON_TOOLS")
t0=$(date +%s)
if O=$O_DIR BIN=$PVMON_BIN sh demo/run.sh --quick --out "$D" >"$IT_TMP/demo.log" 2>&1; then
	ok "demo/run.sh --quick exits 0 in $(($(date +%s) - t0)) s"
else
	fail "demo/run.sh --quick failed:"
	tail -30 "$IT_TMP/demo.log"
fi

for f in fleet.json central.json plan.json sim.json pvmon.db report-*.txt report-*.csv \
	report-*.json report-*.html report-*.xlsx report-*-csv/villages.csv; do
	# shellcheck disable=SC2086
	check "$f written" test -s "$(ls "$D"/$f 2>/dev/null | head -1)"
done
check "the demo says where the HTML report is" grep -q "report-.*\.html" "$IT_TMP/demo.log"
check "the demo prints the dashboard's URL" grep -q "^demo: dashboard: http://127.0.0.1:[0-9]*/" "$IT_TMP/demo.log"
check "the dashboard served during the live part" grep -q "serving .*pvmon.db on http://127.0.0.1:" "$D/logs/serve.log"
check "the dashboard is stopped with the rest" grep -q "^[0-9]* serve\$" "$D/pids.txt"
# The ledger: one village's answer, in the demo's output and as files.
check "the demo answers what a village received and still owes" \
	grep -q "^本年到账 .* 元；尚欠 .* 元：" "$IT_TMP/demo.log"
check "the demo's ledger verifies" grep -q "every entry and seal checks out" "$IT_TMP/demo.log"
check "the demo's report shows the county's accrued and received money" grep -q "^demo: the monthly report .*, accrued vs received" "$IT_TMP/demo.log"
check "with the county's total row" grep -q "^  合计 [0-9,.]* [0-9,.]*" "$IT_TMP/demo.log"
# shellcheck disable=SC2086
check "the village statement and the arrears are written" \
	test -s "$(ls "$D"/ledger-*.html 2>/dev/null | head -1)" -a -s "$D/arrears.json" -a -s "$(ls "$D"/ledger-*.xlsx 2>/dev/null | head -1)"

# Every process the demo recorded is gone.
left=""
n=0
while read -r pid name; do
	n=$((n + 1))
	kill -0 "$pid" 2>/dev/null && left="$left $name($pid)"
done <"$D/pids.txt"
check "all $n recorded processes have stopped${left:+ (left:$left)}" test -z "$left" -a "$n" -ge 6

# Ingest stored live readings from each simulated gateway (history readings carry gw "history").
q() { sqlite3 "$D/pvmon.db" "$1"; }
while read -r gw file; do
	live=$(q "SELECT count(*) FROM readings_named WHERE gw = '$gw'")
	check "ingest stored live readings from $gw ($live)" test "${live:-0}" -gt 0
done <"$D/collectors.txt"
sub=$(wc -l <"$D/logs/readings.log")
check "readings crossed the broker ($sub)" test "$sub" -gt 0

# The report: 447 villages, and at least one below target with a reason naming a station.
J="readfile('$(ls "$D"/report-*.json)')"
nv=$(q "SELECT json_array_length($J, '\$.villages')")
check "the report lists 447 villages ($nv)" test "$nv" = 447
flagged=$(q "SELECT count(*) FROM json_each($J, '\$.villages')
	WHERE json_extract(value, '\$.status') <> 'ok'
	AND json_array_length(json_extract(value, '\$.reasons')) > 0")
check "villages not OK come with reasons ($flagged)" test "${flagged:-0}" -ge 1
ns=$(q "SELECT json_extract($J, '\$.totals.stations')")
check "the report covers 310 stations ($ns)" test "$ns" = 310

# Irradiance sensors: a measured performance ratio for the stations that have one, and the
# soiled array's is the one an installation that works does not give.
P="readfile('$D/plan.json')"
soiled=$(q "SELECT json_extract(value, '\$.id') FROM json_each($P, '\$.stations')
	WHERE json_extract(value, '\$.soiling') IS NOT NULL")
nsens=$(q "SELECT json_extract($J, '\$.sensor_stations')")
check "the report has a measured performance ratio for the stations with a sensor (${nsens:-0})" \
	test "${nsens:-0}" -ge 2
spr=$(q "SELECT json_extract(value, '\$.sensor.pr_permille') FROM json_each($J, '\$.stations')
	WHERE json_extract(value, '\$.id') = '$soiled'")
check "the soiled array $soiled measures a PR below 70 % (${spr:-?} permille)" \
	test "${spr:-1000}" -ge 0 -a "${spr:-1000}" -lt 700
low=$(q "SELECT count(*) FROM json_each($J, '\$.stations') WHERE json_extract(value, '\$.sensor') IS NOT NULL
	AND json_extract(value, '\$.id') <> '$soiled'
	AND (json_extract(value, '\$.sensor.pr_permille') * 1000 / json_extract(value, '\$.availability_permille') NOT BETWEEN 700 AND 900)")
check "every other station with a sensor measures 70-90 % over the hours its inverters were up (${low:-?} outside)" \
	test "${low:-1}" = 0
why=$(q "SELECT count(*) FROM json_each($J, '\$.villages') AS v, json_each(json_extract(v.value, '\$.reasons')) AS r
	WHERE json_extract(r.value, '\$.station') = '$soiled' AND json_extract(r.value, '\$.kind') = 'low_yield'
	AND json_extract(r.value, '\$.text') LIKE '%实测性能比仅%积灰%'")
check "its villages' low-yield reason says the sun was there and to check for soiling (${why:-0})" \
	test "${why:-0}" -ge 1
lsens=$(q "SELECT count(*) FROM readings_named WHERE kind = 2 AND gw <> 'history'")
check "ingest stored live readings of a simulated irradiance sensor (${lsens:-0})" test "${lsens:-0}" -gt 0

# The running month, where the live readings follow a history kept as roll-ups: no station
# may book less than nothing (the increment across the silence is booked, then spread).
cur=$(TZ=Asia/Shanghai date +%Y-%m)
"$PVMON_BIN/pvmon-allocator" report -c "$D/central.json" --month "$cur" --format json \
	--allow-empty -o "$IT_TMP/current.json" 2>"$IT_TMP/current.err"
C="readfile('$IT_TMP/current.json')"
neg=$(q "SELECT count(*) FROM json_each($C, '\$.stations')
	WHERE json_extract(value, '\$.energy_wh') < 0 OR json_extract(value, '\$.revenue_fen') < 0")
live_wh=$(q "SELECT sum(json_extract(value, '\$.energy_wh')) FROM json_each($C, '\$.stations')")
check "the running month $cur books no negative energy or revenue (${neg:-?} stations)" \
	test "${neg:-1}" = 0
check "the running month books the live stations' energy (${live_wh:-?} Wh)" \
	test "${live_wh:-0}" -gt 0
grep -q "未达标" "$IT_TMP/demo.log" && ok "the printed (Chinese) report shows villages below target" ||
	fail "the printed report shows no village below target (未达标)"

# The Chinese briefing of the demo county prints on a few A4 pages, the cover first.
CHROME=$(command -v chromium || command -v chromium-browser)
if [ -n "$CHROME" ] && command -v pdfinfo >/dev/null; then
	H=$(ls "$D"/report-*.html | grep -v '\.en\.html' | head -1)
	prof=$(mktemp -d "$IT_TMP/profile.XXXXXX")
	HOME=$IT_TMP timeout -k 5 120 "$CHROME" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" \
		--user-data-dir="$prof" --print-to-pdf="$IT_TMP/demo.pdf" --no-pdf-header-footer \
		"file://$H" >/dev/null 2>"$IT_TMP/chrome.log"
	pages=$(pdfinfo "$IT_TMP/demo.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
	check "the 447-village briefing prints on at most 8 A4 pages (${pages:-?})" test "${pages:-99}" -le 8
	pdftotext -layout -f 1 -l 1 "$IT_TMP/demo.pdf" "$IT_TMP/demo-p1.txt" 2>/dev/null
	check "its page 1 names the villages below target with reasons and has the sign-off block" \
		sh -c "grep -q '未达标）：' '$IT_TMP/demo-p1.txt' && grep -q '请检查' '$IT_TMP/demo-p1.txt' && grep -q '审核' '$IT_TMP/demo-p1.txt' && grep -q '第 1 页' '$IT_TMP/demo-p1.txt'"
else
	fail "chromium and poppler-utils are needed to print the briefing (make deps installs them)"
fi

it_end
