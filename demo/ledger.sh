#!/bin/sh
# ledger.sh: the demo county's money for the year (docs/ledger.md, docs/demo.md): books the
# accruals of the history's twelve months, writes and imports the grid company's quarterly
# statements (most within 0.3 % of the meter, one station in 23 3 % above it), records the
# grid's coal payments (the last quarter only 90 % paid) and one subsidy instalment that
# covers part of the first quarter only (the rest still owed), pays the showcase village out
# and records its use, seals the closed months, verifies, and prints that village's answer.
#
# usage: sh demo/ledger.sh OUT BIN   (OUT holds central.json, fleet.json, plan.json, pvmon.db)
set -u
OUT=$1
BIN=$2
A="$BIN/pvmon-allocator"
L() { "$A" ledger "$@" -c "$OUT/central.json"; }
q() { sqlite3 "$OUT/pvmon.db" "$1"; }
say() { printf 'demo: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

FROM=$(sed -n 's/^ *"from": "\([0-9]*-[0-9]*\)-[0-9]*",*$/\1/p' "$OUT/plan.json" | head -1)
TO=$(sed -n 's/^ *"to": "\([0-9]*-[0-9]*\)-[0-9]*",*$/\1/p' "$OUT/plan.json" | head -1)
TODAY=$(TZ=Asia/Shanghai date +%Y-%m-%d)
[ -n "$FROM" ] && [ -n "$TO" ] || die "cannot read the history window from $OUT/plan.json"

L accrue --from "$FROM" --to "$TO" --date "$TODAY" || die "ledger accrue failed"

# The statements: every complete calendar quarter of the window, written by the "grid company"
# from the meter's energy with a small deviation (one station in 23: +3 %).
# month index and local day number of a YYYY-MM
mi() { echo $((${1%-*} * 12 + ${1#*-} - 1)); }
m0=$(mi "$FROM")
m1=$(mi "$TO")
quarters=""
m=$(((m0 + 2) / 3 * 3))
while [ $((m + 2)) -le "$m1" ]; do
	quarters="$quarters $m"
	m=$((m + 3))
done
csv=$OUT/grid-statements.csv
echo "station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan,reference" >"$csv"
for m in $quarters; do
	y=$((m / 12))
	qn=$((m % 12 / 3 + 1))
	d0=$(q "SELECT CAST(julianday(printf('%04d-%02d-01', $y, $((m % 12 + 1)))) - 2440587.5 AS INTEGER)")
	d1=$(q "SELECT CAST(julianday(date(printf('%04d-%02d-01', $y, $((m % 12 + 1))), '+3 months')) - 2440587.5 AS INTEGER) - 1")
	q "WITH st AS (SELECT station, row_number() OVER (ORDER BY station) AS k FROM
	     (SELECT DISTINCT station FROM ledger_entry WHERE kind = 'accrual')),
	   e AS (SELECT station, sum(delta_wh) AS wh FROM daily WHERE device = 'meter'
	     AND day BETWEEN $d0 AND $d1 GROUP BY station),
	   a AS (SELECT station, sum(CASE part WHEN 'coal' THEN fen ELSE 0 END) AS coal,
	     sum(CASE WHEN part IN ('subsidy', 'pending') THEN fen ELSE 0 END) AS sub
	     FROM ledger_entry WHERE kind = 'accrual' AND village = '' AND period BETWEEN $m AND $((m + 2))
	     GROUP BY station),
	   x AS (SELECT st.station, e.wh, a.coal, a.sub,
	     CASE WHEN st.k % 23 = 0 THEN 1030 ELSE 997 + (st.k * 7 + $qn) % 7 END AS dev
	     FROM st JOIN e USING (station) JOIN a USING (station))
	 SELECT printf('%s,%04d-Q%d,%d.%03d,%d.%02d,%d.%02d,0,GS-%04dQ%d-%s', station, $y, $qn,
	   wh * dev / 1000 / 1000, wh * dev / 1000 % 1000, coal * dev / 1000 / 100, coal * dev / 1000 % 100,
	   sub * dev / 1000 / 100, sub * dev / 1000 % 100, $y, $qn, station) FROM x ORDER BY station" >>"$csv"
done
L import-statement "$csv" --date "$TODAY" >"$OUT/statement-import.txt" || die "importing $csv failed"
say "grid statements: $(($(wc -l <"$csv") - 1)) rows imported; $(grep -c DIFFERS "$OUT/statement-import.txt") differ from the meter by more than the tolerance, e.g.:"
grep DIFFERS "$OUT/statement-import.txt" | head -2 | sed 's/^/  /'

# The grid pays each settled quarter's coal part 25 days after it ends, the last one only 90 %;
# the fund pays one subsidy instalment covering part of the first quarter.
owed() { q "SELECT coalesce(sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen END), 0) FROM ledger_entry WHERE village = '' AND part = '$1' AND period BETWEEN $2 AND $3"; }
yuan() { echo "$(($1 / 100)).$(printf '%02d' $(($1 % 100)))"; }
last_q=""
for m in $quarters; do last_q=$m; done
for m in $quarters; do
	y=$((m / 12))
	qn=$((m % 12 / 3 + 1))
	fen=$(owed coal $m $((m + 2)))
	[ "$m" = "$last_q" ] && fen=$((fen * 9 / 10))
	pay=$(q "SELECT date(printf('%04d-%02d-01', $y, $((m % 12 + 1))), '+3 months', '+24 days')")
	L receive --payer grid --part coal --period "$y-Q$qn" --amount "$(yuan "$fen")" \
		--date "$pay" --ref "GRID-$y-Q$qn" >/dev/null || die "recording the grid's payment failed"
done
first_q=${quarters%% *}
first_q=${first_q:-$m0}
sub=$(($(owed subsidy $first_q $((first_q + 2))) * 2 / 3))
L receive --payer fund --part subsidy --amount "$(yuan "$sub")" --date "$TODAY" --ref "FUND-$TODAY" >/dev/null ||
	die "recording the fund's instalment failed"

# The showcase village: a village of the fifth station (out of the subsidy catalogue for most of
# the year). The county pays it what has come in; it pays its public-welfare jobs and works.
V=$(q "SELECT json_extract(readfile('$OUT/fleet.json'), '\$.stations[4].shares[0].village')")
got=$(q "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE village = '$V' AND kind = 'receipt'")
if [ "$got" -gt 0 ]; then
	L disburse --village "$V" --amount "$(yuan "$got")" --date "$TODAY" --ref "BANK-$TODAY-$V" ||
		die "the disbursement failed"
	L use --village "$V" --category jobs --amount "$(yuan $((got * 8 / 10)))" --date "$TODAY" \
		--ref "JOBS-$TODAY" --note "公益岗位工资" || die "recording the use failed"
	L use --village "$V" --category works --amount "$(yuan $((got / 10)))" --date "$TODAY" \
		--ref "WORKS-$TODAY" --note "村内道路维修" || die "recording the use failed"
fi
# Seal every closed month, check the chain.
last_closed=$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-01) -1 day" +%Y-%m)
L seal --through "$last_closed" --date "$TODAY" >/dev/null || die "sealing failed"
L verify | sed 's/^/demo: /'

YEAR=${TODAY%%-*}
for f in text html json xlsx; do
	ext=$f
	[ $f = text ] && ext=txt
	L statement --village "$V" --year "$YEAR" --format $f -o "$OUT/ledger-$V-$YEAR.$ext" ||
		die "the village statement failed"
done
L arrears --format text -o "$OUT/arrears.txt" || die "the arrears summary failed"
L arrears --format json -o "$OUT/arrears.json" || die "the arrears summary failed"
say "what has village $V received this year, what is still owed, by whom and since when:"
sed -n '1,/^一、/p' "$OUT/ledger-$V-$YEAR.txt" | sed '$d'
sed -n '/^二、/,/^三、/p' "$OUT/ledger-$V-$YEAR.txt" | sed '$d'
say "the county's arrears: $(tail -1 "$OUT/arrears.txt" | sed 's/  */ /g')"
say "the village statement: $OUT/ledger-$V-$YEAR.{txt,html,json,xlsx}; the county's arrears: $OUT/arrears.{txt,json}"

# The monthly report of the history's last month again, now that the ledger holds the year: what
# was accrued and what actually arrived, per village and for the county, and the target on cash.
"$A" report -c "$OUT/central.json" --month "$TO" -o "$OUT/ledger-report-$TO.txt" ||
	die "the report with the ledger failed"
"$A" report -c "$OUT/central.json" --month "$TO" --target-basis received --format json \
	-o "$OUT/ledger-report-$TO-cash.json" || die "the report on cash failed"
say "the monthly report $TO, accrued vs received (yuan: month accrued, received; year accrued, received; outstanding; pending):"
grep -E '^(合计|Total) ' "$OUT/ledger-report-$TO.txt" | sed 's/  */ /g; s/^/  /'
say "judged on money received: $(q "SELECT json_extract(readfile('$OUT/ledger-report-$TO-cash.json'), '\$.totals.villages_ok') || ' of ' || json_extract(readfile('$OUT/ledger-report-$TO-cash.json'), '\$.totals.villages')") villages on course ($OUT/ledger-report-$TO-cash.json)"
