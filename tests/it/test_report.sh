#!/bin/sh
# pvmon-allocator report end to end: a real SQLite file of roll-ups (the schema
# of docs/storage.md), a fleet with Chinese and hostile names, all four formats,
# exact sums, reproducibility and clear errors for bad flags.
. tests/it/lib.sh
. tests/it/report_fixture.sh

D=$IT_TMP
A=$PVMON_BIN/pvmon-allocator

report_fixture "$D"
check "roll-up database created" test -s "$D/pvmon.db"

for f in text csv json html; do
	if "$A" report -c "$D/central.json" --month 2019-06 --format $f -o "$D/r.$f" 2>"$D/err.$f"; then
		ok "report --format $f exits 0"
	else
		fail "report --format $f: $(cat "$D/err.$f")"
	fi
done
check "no temporary file is left behind" test ! -e "$D/r.json.tmp"

# sqlite3 reads the JSON: it must parse, and the villages get exactly what the stations distribute.
q() { sqlite3 "$D/pvmon.db" "$1"; }
J="readfile('$D/r.json')"
check "json is valid" test "$(q "SELECT json_valid($J)")" = 1
check "json schema is pvmon.report/1" test "$(q "SELECT json_extract($J, '\$.schema')")" = pvmon.report/1
vs=$(q "SELECT sum(json_extract(value, '\$.month_fen')) FROM json_each($J, '\$.villages')")
ss=$(q "SELECT sum(json_extract(value, '\$.distributable_fen')) FROM json_each($J, '\$.stations')")
check "villages' sum ($vs) equals the stations' distributable sum ($ss)" test "$vs" = "$ss" -a "$vs" -gt 0
# st-a: 30 x 1.6 MWh = 48 MWh; 1-15 June at 0.89, 16-30 at 0.80 yuan/kWh:
# 24 MWh x 89,000 + 24 MWh x 80,000 fen/MWh = 4,056,000 fen; costs 50,000 + 12,500 + 80,000.
ea=$(q "SELECT json_extract(value, '\$.energy_wh') || ' ' || json_extract(value, '\$.revenue_fen') || ' ' || json_extract(value, '\$.distributable_fen') FROM json_each($J, '\$.stations') WHERE json_extract(value, '\$.id') = 'st-a'")
check "st-a energy, revenue and distributable are exact ($ea)" test "$ea" = "48000000 4056000 3913500"
# 3,913,500 three ways: 1,304,500 each, no remainder; xipo adds a quarter of st-b.
ga=$(q "SELECT json_extract(value, '\$.month_fen') FROM json_each($J, '\$.villages') WHERE json_extract(value, '\$.id') = 'gaojiata'")
check "a third of the joint station goes to gaojiata ($ga)" test "$ga" = 1304500
# st-b: meter energy in June is 30 x 0.9 MWh (the gap is booked on the 20th), flagged incomplete.
eb=$(q "SELECT json_extract(value, '\$.energy_wh') || ' ' || json_extract(value, '\$.source') FROM json_each($J, '\$.stations') WHERE json_extract(value, '\$.id') = 'st-b'")
check "st-b settles on its meter across the gap ($eb)" test "$eb" = "27000000 meter"
# The 9 MWh of the silent days are spread over the 251 h from 9 June 19:00 to 20 June 06:00:
# 149 h before the tariff change on the 16th, so 1-15 June is 8.1 + 5.342629 MWh.
pb=$(q "SELECT group_concat(json_extract(p.value, '\$.energy_wh'), ' ') || ' ' || json_extract(s.value, '\$.revenue_fen') FROM json_each($J, '\$.stations') s, json_each(s.value, '\$.tariff_periods') p WHERE json_extract(s.value, '\$.id') = 'st-b'")
check "st-b's outage is priced by the days it happened ($pb)" test "$pb" = "13442629 13557371 2280984"
check "st-b is flagged incomplete and offline" \
	test "$(q "SELECT count(*) FROM json_each($J, '\$.stations') s, json_each(s.value, '\$.flags') f WHERE json_extract(s.value, '\$.id') = 'st-b' AND f.value IN ('incomplete', 'offline')")" = 2
ch=$(q "SELECT json_extract(value, '\$.status') FROM json_each($J, '\$.villages') WHERE json_extract(value, '\$.id') = 'chengzhuang'")
check "chengzhuang is not OK ($ch)" test "$ch" != ok
check "chengzhuang's reasons name st-b" \
	test "$(q "SELECT count(*) FROM json_each($J, '\$.villages') v, json_each(v.value, '\$.reasons') r WHERE json_extract(v.value, '\$.id') = 'chengzhuang' AND json_extract(r.value, '\$.station') = 'st-b'")" -ge 1

check "csv starts with a UTF-8 BOM" test "$(head -c 3 "$D/r.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
check "csv has the villages section" grep -q '^section,villages' "$D/r.csv"
check "text shows Chinese names" grep -q '高家塔村' "$D/r.text"
check "html escapes the hostile name" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$D/r.html"
check "html has one bar per village" test "$(grep -o '<rect class="bar ' "$D/r.html" | wc -l)" -eq 4
check "html carries no raw hostile markup" test "$(grep -c '<script>alert' "$D/r.html")" -eq 0

# The examples in docs/report.md are this fixture's output, verbatim.
sed -n '/^### text$/,/^### csv$/p' docs/report.md | sed -n '/^```$/,/^```$/p' | sed '1d;$d' >"$D/doc.text"
check "docs/report.md shows the text report as printed" cmp -s "$D/doc.text" "$D/r.text"
sed -n '/^### csv$/,/^### json$/p' docs/report.md | sed -n '/^```$/,/^```$/p' | sed '1d;$d' >"$D/doc.csv"
tail -c +4 "$D/r.csv" | tr -d '\r' >"$D/r.csv.lf"
check "docs/report.md shows the CSV report as printed" cmp -s "$D/doc.csv" "$D/r.csv.lf"

# Reproducible: the same database and config give the same bytes; a time only from the flag.
"$A" report -c "$D/central.json" --month 2019-06 --format html -o "$D/r2.html"
check "html is byte-identical on a second run" cmp -s "$D/r.html" "$D/r2.html"
"$A" report -c "$D/central.json" --month 2019-06 --format json >"$D/r2.json"
check "json to stdout is byte-identical to -o" cmp -s "$D/r.json" "$D/r2.json"
"$A" report -c "$D/central.json" --month 2019-06 --generated-at "2019-07-01 09:00" >"$D/r3.text"
check "--generated-at is printed" grep -q 'Generated at 2019-07-01 09:00' "$D/r3.text"

# Bad flags: a clear message and a non-zero exit, nothing written.
"$A" report -c "$D/central.json" --month 2019-13 -o "$D/bad.txt" 2>"$D/e1"
check "a bad month is refused with a message" grep -q -- '--month: expected YYYY-MM, got "2019-13"' "$D/e1"
check "nothing is written for a bad month" test ! -e "$D/bad.txt"
"$A" report -c "$D/central.json" --month 2019-06 --format pdf 2>"$D/e2"
check "an unknown format is refused" grep -q -- '--format: expected text, csv, json or html, got "pdf"' "$D/e2"
"$A" report -c "$D/missing.json" --month 2019-06 2>"$D/e3"
check "a missing config names the file" grep -q 'missing.json' "$D/e3"
"$A" report --month 2019-06 2>"$D/e4"
check "the config flag is required" grep -q -- '-c central.json is required' "$D/e4"
sqlite3 "$D/other.db" "CREATE TABLE t (a)"
sed 's/"pvmon.db"/"other.db"/' "$D/central.json" >"$D/other.json"
"$A" report -c "$D/other.json" --month 2019-06 2>"$D/e5"
check "a database ingest never opened is refused by name" grep -q 'other.db: schema version 0' "$D/e5"

# A month without any data is not a month in which every village earned nothing.
"$A" report -c "$D/central.json" --month 2199-01 -o "$D/future.txt" 2>"$D/e6"
check "a future month exits non-zero" [ $? -ne 0 ]
check "a future month says it has not begun" grep -q '2199-01: no data: the month has not begun yet' "$D/e6"
check "nothing is written for an empty month" test ! -e "$D/future.txt"
"$A" report -c "$D/central.json" --month 2018-01 --format json >"$D/before.json" 2>"$D/e7"
check "a month before commissioning exits non-zero" [ $? -ne 0 ]
check "it names the first commissioning day" \
	grep -q '2018-01: no data: the month is before the first station was commissioned (2018-06-28)' "$D/e7"
check "and prints no report" test ! -s "$D/before.json"
"$A" report -c "$D/central.json" --month 2199-01 --allow-empty -o "$D/future.txt" 2>"$D/e8"
check "--allow-empty writes the empty month and exits 0" [ $? -eq 0 ] && test -s "$D/future.txt"
check "--allow-empty still warns on stderr" grep -q 'warning: 2199-01: no data' "$D/e8"
"$A" report -c "$D/central.json" --month 2018-01 --allow-empty --format json >"$D/before.json" 2>/dev/null
check "the empty month's json is a valid report" test "$(q "SELECT json_valid(readfile('$D/before.json'))")" = 1
"$A" report -c "$D/central.json" --month 2019-06 -o "$D/r4.text" 2>"$D/e9"
check "a month with data prints nothing on stderr" test ! -s "$D/e9"
it_end
