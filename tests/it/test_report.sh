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
	if "$A" report -c "$D/central.json" --month 2019-06 --lang en --format $f -o "$D/en.$f" 2>"$D/err.$f"; then
		ok "report --lang en --format $f exits 0"
	else
		fail "report --lang en --format $f: $(cat "$D/err.$f")"
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
check "html's county chart has one bar per village" \
	test "$(sed -n '/data-chart="county"/,/<\/svg>/p' "$D/r.html" | grep -o '<rect class="bar ' | wc -l)" -eq 4
check "html carries no raw hostile markup" test "$(grep -c '<script>alert' "$D/r.html")" -eq 0

# Chinese by default: statuses, headings and reasons in Chinese; English on request.
check "text is Chinese by default" grep -q '^各村（未达标在前）$' "$D/r.text"
check "text statuses are Chinese" grep -q '城庄村 *城庄镇 *未达标' "$D/r.text"
check "the Chinese reason names the inverter and says what to check" grep -q '城庄村电站：2 台逆变器中有 2 台本月长时间不响应（inv01 离线 140 小时，约 5.8 天），请检查' "$D/r.text"
check "--lang en gives the English report" grep -q '^Villages (not OK first)$' "$D/en.text"
check "no Chinese label is left in the English text" test "$(grep -c '未达标\|汇总\|原因' "$D/en.text")" -eq 0
check "json keeps English keys and adds the translated status" \
	test "$(q "SELECT json_extract(value, '\$.status') || ' ' || json_extract(value, '\$.status_text') FROM json_each(readfile('$D/r.json'), '\$.villages') WHERE json_extract(value, '\$.id') = 'chengzhuang'")" = "below 未达标"
check "json says its language" test "$(q "SELECT json_extract(readfile('$D/en.json'), '\$.lang')")" = en
sed 's/"timezone"/"lang": "en", "timezone"/' "$D/central.json" >"$D/en-central.json"
"$A" report -c "$D/en-central.json" --month 2019-06 -o "$D/en2.text"
check "central.json's lang sets the default language" cmp -s "$D/en.text" "$D/en2.text"
"$A" report -c "$D/en-central.json" --month 2019-06 --lang zh -o "$D/zh2.text"
check "--lang overrides central.json's lang" cmp -s "$D/r.text" "$D/zh2.text"
"$A" report -c "$D/central.json" --month 2019-06 --lang fr 2>"$D/e6"
check "an unknown language is refused" grep -q -- '--lang: expected zh or en, got "fr"' "$D/e6"

# The examples in docs/report.md are this fixture's output, verbatim, per language.
# doc HEADING: the first code block under "### HEADING".
doc() { sed -n "/^### $1\$/,/^### /p" docs/report.md | awk '/^```$/ { n++; next } n == 1'; }
doc text >"$D/doc.text"
check "docs/report.md shows the English text report as printed" cmp -s "$D/doc.text" "$D/en.text"
doc "text (Chinese)" >"$D/doc.zh.text"
check "docs/report.md shows the Chinese text report as printed" cmp -s "$D/doc.zh.text" "$D/r.text"
doc csv >"$D/doc.csv"
tail -c +4 "$D/en.csv" | tr -d '\r' >"$D/r.csv.lf"
check "docs/report.md shows the CSV report as printed" cmp -s "$D/doc.csv" "$D/r.csv.lf"
doc "csv, one table per section" >"$D/doc.sec.csv"
"$A" report -c "$D/central.json" --month 2019-06 --format csv --section villages | tail -c +4 | tr -d '\r' >"$D/sec.csv"
check "docs/report.md shows the Chinese villages table as printed" cmp -s "$D/doc.sec.csv" "$D/sec.csv"

# Golden files per language: the HTML and JSON of the fixture, byte for byte. A deliberate
# change of the output regenerates them with PVMON_UPDATE_GOLDEN=1 (and a look at the diff).
G=tests/it/golden
for g in r.html:report.zh.html en.html:report.en.html r.json:report.zh.json en.json:report.en.json; do
	out=${g%%:*}
	gold=$G/${g#*:}
	[ -n "$PVMON_UPDATE_GOLDEN" ] && cp "$D/$out" "$gold"
	check "the report matches its golden file $gold" cmp -s "$D/$out" "$gold"
done

# Reproducible: the same database and config give the same bytes; a time only from the flag.
"$A" report -c "$D/central.json" --month 2019-06 --format html -o "$D/r2.html"
check "html is byte-identical on a second run" cmp -s "$D/r.html" "$D/r2.html"
"$A" report -c "$D/central.json" --month 2019-06 --format json >"$D/r2.json"
check "json to stdout is byte-identical to -o" cmp -s "$D/r.json" "$D/r2.json"
"$A" report -c "$D/central.json" --month 2019-06 --generated-at "2019-07-01 09:00" >"$D/r3.text"
check "--generated-at is printed" grep -q '生成时间 2019-07-01 09:00' "$D/r3.text"

# Bad flags: a clear message and a non-zero exit, nothing written.
"$A" report -c "$D/central.json" --month 2019-13 -o "$D/bad.txt" 2>"$D/e1"
check "a bad month is refused with a message" grep -q -- '--month: expected YYYY-MM, got "2019-13"' "$D/e1"
check "nothing is written for a bad month" test ! -e "$D/bad.txt"
"$A" report -c "$D/central.json" --month 2019-06 --format pdf 2>"$D/e2"
check "an unknown format is refused" grep -q -- '--format: expected text, csv, json, html or xlsx, got "pdf"' "$D/e2"
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
# Without ledger data the report says so; it does not show zeros.
check "the text says the store has no ledger data" grep -q '^台账无数据：截至 2019-06-30 数据库中没有台账记录' "$D/r.text"
check "json: no ledger object, and a note why" \
	test "$(q "SELECT json_type($J, '\$.totals.ledger') || ' ' || json_type(json_extract($J, '\$.villages[0]'), '\$.ledger') || ' ' || (json_extract($J, '\$.ledger_note') LIKE '台账无数据%')")" = "null null 1"
check "json says the target is judged on accruals" test "$(q "SELECT json_extract($J, '\$.target_basis')")" = accrued
check "the html says so too" grep -q '<p class="meta" data-ledger="none">台账无数据' "$D/r.html"
"$A" report -c "$D/central.json" --month 2019-06 --target-basis received -o "$D/cash.txt" 2>"$D/e10"
check "judging on cash without a ledger is refused (exit $?) and writes nothing" \
	sh -c "grep -q 'target basis \"received\": the store has no ledger entries up to 2019-06-30' '$D/e10' && test ! -e '$D/cash.txt'"
"$A" report -c "$D/central.json" --month 2019-06 -o "$D/r4.text" 2>"$D/e9"
check "a month with data prints nothing on stderr" test ! -s "$D/e9"
it_end
