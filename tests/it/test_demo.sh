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
	report-*.json report-*.html; do
	# shellcheck disable=SC2086
	check "$f written" test -s "$(ls "$D"/$f 2>/dev/null | head -1)"
done
check "the demo says where the HTML report is" grep -q "report-.*\.html" "$IT_TMP/demo.log"
# The ledger: one village's answer, in the demo's output and as files.
check "the demo answers what a village received and still owes" \
	grep -q "^本年到账 .* 元；尚欠 .* 元：" "$IT_TMP/demo.log"
check "the demo's ledger verifies" grep -q "every entry and seal checks out" "$IT_TMP/demo.log"
# shellcheck disable=SC2086
check "the village statement and the arrears are written" \
	test -s "$(ls "$D"/ledger-*.html 2>/dev/null | head -1)" -a -s "$D/arrears.json"

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
	live=$(q "SELECT count(*) FROM readings WHERE gw = '$gw'")
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
grep -q "BELOW" "$IT_TMP/demo.log" && ok "the printed report shows villages BELOW target" ||
	fail "the printed report shows no village BELOW target"

it_end
