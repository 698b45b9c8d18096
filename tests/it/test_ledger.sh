#!/bin/sh
# pvmon-allocator ledger end to end on a real SQLite file: hand-computed
# accruals for a quarter, a station out of the subsidy catalogue for three
# months, grid statements 0.4 % and 3 % off the meter, a corrected statement,
# a late subsidy paid a year later in two instalments, malformed statements,
# the village statement in every format, seals and a tampered byte.
. tests/it/lib.sh

D=$IT_TMP
A=$PVMON_BIN/pvmon-allocator
L() { "$A" ledger "$@" -c "$D/central.json"; }
q() { sqlite3 "$D/pvmon.db" "$1"; }

cat >"$D/central.json" <<'EOC'
{ "broker": { "host": "127.0.0.1", "port": 1883 }, "database": "pvmon.db", "fleet": "fleet.json",
  "timezone": "Asia/Shanghai", "ledger": { "statement_tolerance_permille": 10, "basis": "statement" } }
EOC
# st-a: 1,000 kWh a day, three villages 1:1:1, metering point 1410230001 on the statements.
# st-b: 500 kWh a day, one village, in the subsidy catalogue only from 2019-04-01.
cat >"$D/fleet.json" <<'EOC'
{
  "county": "临县",
  "townships": [ { "id": "linquan", "name": "临泉镇" }, { "id": "chengzhuang", "name": "城庄镇" } ],
  "villages": [
    { "id": "xipo", "name": "西坡村", "township": "linquan" },
    { "id": "gaojiata", "name": "高家塔村", "township": "linquan" },
    { "id": "nangou", "name": "南沟村", "township": "linquan" },
    { "id": "chengzhuang", "name": "城庄村", "township": "chengzhuang" }
  ],
  "tariffs": [ { "id": "t", "periods": [ { "from": "2018-01-01", "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.4680" } ] } ],
  "stations": [
    { "id": "st-a", "name": "联村电站", "capacity_kw": 300, "commissioned": "2018-06-28",
      "latitude": 37.96, "longitude": 110.99, "meter": { "id": "meter" }, "inverters": [],
      "shares": [ { "village": "xipo", "weight": 1 }, { "village": "gaojiata", "weight": 1 }, { "village": "nangou", "weight": 1 } ],
      "tariff": "t",
      "settlement": { "metering_point": "1410230001",
                      "coal": { "payer": "grid", "cycle": "quarterly", "account": "county-special" },
                      "subsidy": { "payer": "fund", "cycle": "yearly" } } },
    { "id": "st-b", "name": "城庄村电站", "capacity_kw": 150, "commissioned": "2018-06-28",
      "latitude": 37.89, "longitude": 111.06, "meter": { "id": "meter" }, "inverters": [],
      "shares": [ { "village": "chengzhuang", "weight": 1 } ], "tariff": "t",
      "settlement": { "catalogue": [ { "from": "2019-04-01" } ] } }
  ]
}
EOC
check "the first ledger command creates and migrates the database" L verify
check "the database is at the current schema version (6: the ledger, the alerts, the alarm bits, compact readings, ingest's counters)" test "$(q 'PRAGMA user_version')" = 6
# Daily roll-ups 2018-07-01 .. 2021-01-01, good readings at 06:00 and 19:00 local.
q "WITH RECURSIVE days(d) AS (SELECT 17713 UNION ALL SELECT d + 1 FROM days WHERE d < 18628),
devs(station, device, kind, e) AS (VALUES ('st-a', 'meter', 1, 1000000), ('st-b', 'meter', 1, 500000))
INSERT INTO daily (station, device, day, kind, n_readings, first_ts, first_wh, last_ts, last_wh, delta_wh)
SELECT station, device, d, kind, 1440, (d * 86400 - 7200) * 1000, 1000000 + (d - 17713) * e,
       (d * 86400 + 39600) * 1000, 1000000 + (d - 17712) * e, e FROM days, devs;"

# --- a quarter of accruals, by hand ---
L accrue --from 2019-01 --to 2019-12 --date 2020-01-05 >"$D/acc1" 2>&1
check "a year of accruals is booked" grep -q "entries booked" "$D/acc1"
s() { q "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE kind = 'accrual' AND $1"; }
# January: 31,000 kWh x 0.332 = 10,292.00 yuan; February 28,000 kWh: 9,296.00
check "st-a's Q1 coal part is 10,292 + 9,296 + 10,292 yuan" \
	test "$(s "station = 'st-a' AND village = '' AND part = 'coal' AND period BETWEEN 24228 AND 24230")" = 2988000
check "st-a's Q1 subsidy part is 90,000 kWh x 0.468 = 42,120 yuan" \
	test "$(s "station = 'st-a' AND village = '' AND part = 'subsidy' AND period BETWEEN 24228 AND 24230")" = 4212000
# 1,029,200 / 3 = 343,066.67: the two fen left go to the smallest ids of equal remainders
jan=$(q "SELECT group_concat(village || '=' || fen, ' ') FROM (SELECT village, fen FROM ledger_entry WHERE kind = 'accrual' AND station = 'st-a' AND part = 'coal' AND period = 24228 AND village <> '' ORDER BY village)")
check "January's coal part splits 343,067 / 343,067 / 343,066 ($jan)" \
	test "$jan" = "gaojiata=343067 nangou=343067 xipo=343066"
check "xipo's Q1 coal part is 995,998 fen" \
	test "$(s "village = 'xipo' AND part = 'coal' AND period BETWEEN 24228 AND 24230")" = 995998
L accrue --from 2019-01 --to 2019-12 --date 2020-01-06 >"$D/acc2" 2>&1
check "accruing again books nothing ($(cat "$D/acc2"))" grep -q "^ledger accrue: 0 entries booked" "$D/acc2"

# --- out of the catalogue January to March ---
check "st-b's subsidy of January to March is pending catalogue: 7,254 + 6,552 + 7,254 yuan" \
	test "$(s "station = 'st-b' AND village = '' AND part = 'pending'")" = 2106000
check "st-b has no payable subsidy before April" \
	test "$(s "station = 'st-b' AND village = '' AND part = 'subsidy' AND period < 24231")" = 0
check "st-b's April subsidy is payable: 15,000 kWh x 0.468" \
	test "$(s "station = 'st-b' AND village = '' AND part = 'subsidy' AND period = 24231")" = 702000
if L receive --payer fund --part subsidy --station st-b --period 2019-Q1 --amount 100 \
	--date 2020-05-01 --ref F-EARLY 2>"$D/e1"; then
	fail "a subsidy receipt for months out of the catalogue is refused"
else
	ok "a subsidy receipt for months out of the catalogue is refused ($(cat "$D/e1"))"
fi

# --- grid statements: 0.4 % and 3 % off the meter ---
cat >"$D/q2.csv" <<'EOF'
station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan,reference
1410230001,2019-Q2,91364,30332.85,42758.35,120.00,GS-2019-Q2-001
st-b,2019-Q2,46865,15559.18,21932.82,0,GS-2019-Q2-002
EOF
L import-statement "$D/q2.csv" --date 2019-07-20 >"$D/imp1" 2>&1
check "a statement 0.4 % above the meter agrees, with both figures" \
	grep -q "row 2: st-a 2019-Q2: statement 91,364 kWh, meter 91,000 kWh (+0.4 %): agrees" "$D/imp1"
check "a statement 3 % above the meter is flagged, with both figures" \
	grep -q "row 3: st-b 2019-Q2: statement 46,865 kWh, meter 45,500 kWh (+3.0 %): DIFFERS by more than 1.0 %" "$D/imp1"
check "the statement is now st-a's Q2 basis: coal 30,332.85 less 120.00 deductions" \
	test "$(s "station = 'st-a' AND village = '' AND part = 'coal' AND period BETWEEN 24231 AND 24233")" = 3021285
check "and its villages hold all of it" \
	test "$(s "station = 'st-a' AND village <> '' AND part = 'coal' AND period BETWEEN 24231 AND 24233")" = 3021285
check "st-b's Q2 subsidy follows its statement" \
	test "$(s "station = 'st-b' AND village = '' AND part IN ('subsidy', 'pending') AND period BETWEEN 24231 AND 24233")" = 2193282
n1=$(q "SELECT count(*) FROM ledger_entry")
L import-statement "$D/q2.csv" --date 2019-07-21 >"$D/imp2" 2>&1
check "importing the same statement twice changes nothing" grep -q "imported before: nothing changed" "$D/imp2"
check "not one entry was added by the second import" test "$(q "SELECT count(*) FROM ledger_entry")" = "$n1"
# the same rows in another file: recognised row by row
cp "$D/q2.csv" "$D/q2-copy.csv"
echo "# a copy saved again" >>"$D/q2-copy.csv"
L import-statement "$D/q2-copy.csv" --date 2019-07-21 >"$D/imp3" 2>&1
check "the same rows in another file change nothing either" grep -q "nothing changed" "$D/imp3"
check "and add no statement rows" test "$(q "SELECT count(*) FROM ledger_statement")" = 2

# --- a corrected statement supersedes, with a trail ---
cat >"$D/q2b.csv" <<'EOF'
station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan,reference
1410230001,2019-Q2,91000,30212.00,42588.00,0,GS-2019-Q2-001-R1
st-b,2019-Q2,46865,15559.18,21932.82,0,GS-2019-Q2-002
EOF
L import-statement "$D/q2b.csv" --date 2019-08-05 >"$D/imp4" 2>&1
check "the corrected row supersedes the first" grep -q "row 2: st-a 2019-Q2: .*agrees; supersedes statement row 1" "$D/imp4"
check "the unchanged row is not imported again" test "$(grep -c 'row 3' "$D/imp4")" = 0
L statements --station st-a >"$D/trail"
check "the trail shows the first row superseded by the correction" grep -q "statement row 1: st-a 2019-Q2: .*SUPERSEDED by row 3" "$D/trail"
check "and the correction as current" grep -q "statement row 3: .*supersedes row 1; current" "$D/trail"
check "st-a's Q2 coal accrual follows the correction" \
	test "$(s "station = 'st-a' AND village = '' AND part = 'coal' AND period BETWEEN 24231 AND 24233")" = 3021200
check "the change is booked as corrections referencing the entries they correct" \
	test "$(q "SELECT count(*) FROM ledger_entry WHERE kind = 'accrual' AND village = '' AND corrects IS NOT NULL AND day = '2019-08-05'")" -ge 3
check "no accrual entry was edited: first ones still carry the meter's figures" \
	test "$(q "SELECT fen FROM ledger_entry WHERE kind = 'accrual' AND station = 'st-a' AND village = '' AND part = 'coal' AND period = 24231 AND corrects IS NULL")" = 996000

# --- malformed statements: rejected by file, row and column; nothing imported ---
ns=$(q "SELECT count(*) FROM ledger_statement"); ne=$(q "SELECT count(*) FROM ledger_entry")
bad() { # bad NAME EXPECTED-MESSAGE-PART: the file $D/NAME is refused with that message
	if L import-statement "$D/$1" >"$D/out.$1" 2>"$D/err.$1"; then
		fail "$1 is refused"
	elif grep -qF "$2" "$D/err.$1"; then
		ok "$1 is refused: $(cat "$D/err.$1")"
	else
		fail "$1: expected \"$2\", got: $(cat "$D/err.$1")"
	fi
}
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\nst-a,2019-Q3,92000,30544.00,43056.00,0\nst-b,2019-Q3,46000,1.234,21528.00,0\n' >"$D/b1.csv"
bad b1.csv "b1.csv: row 3, column 4 (coal_yuan): expected yuan >= 0 with at most 2 decimal places, got \"1.234\""
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\nst-zz,2019-Q3,1,1,1,0\n' >"$D/b2.csv"
bad b2.csv "b2.csv: row 2, column 1 (station): expected a station id or metering point of the fleet, got \"st-zz\""
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\nst-a,2019-13,1,1,1,0\n' >"$D/b3.csv"
bad b3.csv "b3.csv: row 2, column 2 (period): expected a period YYYY-MM, YYYY-Qn or YYYY, got \"2019-13\""
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan\nst-a,2019-Q3,1,1,1\n' >"$D/b4.csv"
bad b4.csv "b4.csv: row 1: expected a column \"deductions_yuan\" in the header, got none"
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\nst-a,2019-Q3,1,1,1,0\nst-b,2019-Q3,1,1\n' >"$D/b5.csv"
bad b5.csv "b5.csv: row 3: expected 6 fields as in the header, got 4"
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\nst-a,2019-Q3,1,1,1,0\nst-a,2019-08,1,1,1,0\n' >"$D/b6.csv"
bad b6.csv "b6.csv: row 3, column 2 (period): expected one row per station and period, got \"2019-08\" overlapping row 2"
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\nst-a,2019-Q3,"92000,1,1,0\n' >"$D/b7.csv"
bad b7.csv "b7.csv: row 2: expected comma-separated fields (a quoted field is not closed"
printf 'station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\nst-a,2019-Q3,-5,1,1,0\n' >"$D/b8.csv"
bad b8.csv "b8.csv: row 2, column 3 (settled_kwh): expected kWh >= 0 with at most 3 decimal places, got \"-5\""
check "nothing of a refused file was imported" \
	test "$(q "SELECT count(*) FROM ledger_statement")/$(q "SELECT count(*) FROM ledger_entry")" = "$ns/$ne"
check "a valid row before a bad one was not imported either" \
	test "$(q "SELECT count(*) FROM ledger_statement WHERE period = '2019-Q3'")" = 0

# --- receipts: coal by period, a late subsidy in two instalments ---
check "the grid pays st-a's Q1 coal part for that period" \
	L receive --payer grid --part coal --station st-a --period 2019-Q1 --amount 29880 --date 2019-04-20 --ref GRID-2019Q1-A
check "st-a's Q1 coal part is no longer outstanding" \
	test "$(q "SELECT sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen END) FROM ledger_entry WHERE station = 'st-a' AND village = '' AND part = 'coal' AND period BETWEEN 24228 AND 24230")" = 0
if L receive --payer grid --part coal --station st-a --period 2019-Q1 --amount 1 --date 2019-04-21 --ref GRID-X 2>"$D/e2"; then
	fail "paying more than a period's outstanding is refused"
else
	ok "paying more than a period's outstanding is refused"
fi
if L receive --payer grid --part coal --station st-a --amount 1 --date 2019-04-21 --ref GRID-2019Q1-A 2>"$D/e3"; then
	fail "the same payer reference twice is refused"
else
	check "the same payer reference twice is refused" grep -q "was recorded before" "$D/e3"
fi
# As of 2020-12-14, a year after it fell due, st-a's 2019 subsidy (170,820 yuan) is unpaid.
L arrears --as-of 2020-12-14 --format json >"$D/arr1.json"
J="readfile('$D/arr1.json')"
a1=$(q "SELECT json_extract(value, '\$.outstanding_fen') || ' ' || json_extract(value, '\$.outstanding_by_age_fen.overdue_0_1y') || ' ' || json_extract(value, '\$.owed_since') FROM json_each($J, '\$.arrears') WHERE json_extract(value, '\$.station') = 'st-a' AND json_extract(value, '\$.part') = 'subsidy'")
check "st-a's 2019 subsidy is 170,820 yuan overdue less than a year, since 2019-01 ($a1)" test "$a1" = "17082000 17082000 2019-01"
check "the first instalment is recorded" \
	L receive --payer fund --part subsidy --station st-a --amount 100000 --date 2020-12-15 --ref FUND-2019-1
L arrears --as-of 2021-01-15 --format json >"$D/arr2.json"
J="readfile('$D/arr2.json')"
a2=$(q "SELECT json_extract(value, '\$.outstanding_fen') || ' ' || json_extract(value, '\$.outstanding_by_age_fen.overdue_1_2y') || ' ' || json_extract(value, '\$.owed_since') FROM json_each($J, '\$.arrears') WHERE json_extract(value, '\$.station') = 'st-a' AND json_extract(value, '\$.part') = 'subsidy'")
# first in, first out: January to July 2019 are 99,216 yuan, then 784 of August's 14,508 yuan
check "70,820 yuan remain, now 1-2 years overdue, owed since 2019-08 ($a2)" test "$a2" = "7082000 7082000 2019-08"
check "the second instalment is recorded" \
	L receive --payer fund --part subsidy --station st-a --amount 70820 --date 2021-03-10 --ref FUND-2019-2
check "st-a's 2019 subsidy is paid in full" \
	test "$(q "SELECT sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen END) FROM ledger_entry WHERE station = 'st-a' AND village = '' AND part = 'subsidy' AND period BETWEEN 24228 AND 24239")" = 0
check "every village got exactly its accrued share of it" \
	test "$(q "SELECT count(*) FROM (SELECT village, sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen END) o FROM ledger_entry WHERE station = 'st-a' AND village <> '' AND part = 'subsidy' GROUP BY village HAVING o <> 0)")" = 0

# --- the village side: disbursement by share, use, a correction ---
check "a disbursement by st-a's shares is recorded" \
	L disburse --station st-a --amount 20000.01 --date 2021-03-20 --ref BANK-0320
check "it adds up to the fen: 6,666.67 + 6,666.67 + 6,666.67" \
	test "$(q "SELECT sum(fen) || ' ' || max(fen) || ' ' || min(fen) FROM ledger_entry WHERE ref = 'BANK-0320'")" = "2000001 666667 666667"
check "xipo records wages of public-welfare jobs" \
	L use --village xipo --category jobs --amount 5000 --date 2021-03-25 --ref PAY-03 --note "公益岗位 3月"
uid=$(q "SELECT id FROM ledger_entry WHERE ref = 'PAY-03'")
check "a use is corrected by a new entry" L correct --entry "$uid" --amount 4800 --date 2021-03-26 --note "one post vacant"
check "the correction references the entry it corrects" \
	test "$(q "SELECT fen FROM ledger_entry WHERE corrects = $uid")" = -20000
if L use --village xipo --category works --amount 100000 --date 2021-03-27 --ref BIG 2>"$D/e4"; then
	fail "spending more than the village account holds is refused"
else
	ok "spending more than the village account holds is refused"
fi

# --- the answer for one village, in every format ---
L statement --village xipo --year 2021 --as-of 2021-03-31 >"$D/st.txt"
check "the statement is in Chinese by default" grep -q "西坡村  村级光伏扶贫电站收益公示" "$D/st.txt"
check "it answers what came in this year and what is still owed, by whom, since when" \
	grep -q "^本年到账 .* 元；尚欠 .* 元：电网公司 / 燃煤标杆电价部分（电网结算） .*(最早欠款月份 2019-04)" "$D/st.txt"
check "it shows the use of the money" grep -q "本年使用: 公益岗位 *4,800.00" "$D/st.txt"
L statement --village xipo --year 2021 --as-of 2021-03-31 --lang en >"$D/st.en"
check "English on request" grep -q "Received this year" "$D/st.en"
L statement --village xipo --year 2021 --as-of 2021-03-31 --format html -o "$D/st.html"
check "html is one print-ready page" grep -q "@page { size: A4" "$D/st.html"
L statement --village xipo --year 2021 --as-of 2021-03-31 --format json -o "$D/st.json"
J="readfile('$D/st.json')"
check "json is valid" test "$(q "SELECT json_valid($J)")" = 1
# xipo's part of the 2021 instalment (70,820 yuan) is a third, within a fen
x=$(q "SELECT json_extract(value, '\$.received_year_fen') FROM json_each($J, '\$.income') WHERE json_extract(value, '\$.part') = 'subsidy'")
check "xipo received a third of the 2021 instalment ($x fen)" test "$x" -ge 2360666 -a "$x" -le 2360668
check "json: received + outstanding = accrued" \
	test "$(q "SELECT json_extract($J, '\$.received_fen') + json_extract($J, '\$.outstanding_fen') - json_extract($J, '\$.accrued_fen')")" = 0
# the same statement as a workbook, read back by openpyxl and compared with the JSON
for l in zh en; do
	L statement --village xipo --year 2021 --as-of 2021-03-31 --format json --lang $l -o "$D/st.$l.json"
	if L statement --village xipo --year 2021 --as-of 2021-03-31 --format xlsx --lang $l -o "$D/st.$l.xlsx" 2>"$D/xe"; then
		ok "statement --format xlsx --lang $l exits 0"
	else
		fail "statement --format xlsx --lang $l: $(cat "$D/xe")"
	fi
	check "the $l workbook is a zip package" test "$(head -c 2 "$D/st.$l.xlsx")" = PK
	if /usr/bin/python3 tests/it/ledger_xlsx_check.py "$D/st.$l.xlsx" "$D/st.$l.json" $l >"$D/xc.$l" 2>&1; then
		ok "openpyxl reads the $l statement workbook and it equals the JSON ($(grep -c '^ok' "$D/xc.$l") checks)"
	else
		fail "the $l statement workbook differs from the JSON: $(grep -v '^ok' "$D/xc.$l" | head -5)"
	fi
done
L statement --village xipo --year 2021 --as-of 2021-03-31 --format xlsx -o "$D/st2.xlsx"
check "the workbook is reproducible byte for byte" cmp -s "$D/st.zh.xlsx" "$D/st2.xlsx"
L arrears --format xlsx -o "$D/arr.xlsx" 2>"$D/xe2"
check "arrears in xlsx is refused by name" grep -q -- "--format: expected text, html or json, got \"xlsx\"" "$D/xe2"

# --- seals and a tampered byte ---
check "2019 and 2020 are sealed" L seal --through 2020-12 --date 2021-01-05
if L receive --payer grid --part coal --station st-a --amount 1 --date 2020-12-30 --ref LATE 2>"$D/e5"; then
	fail "an entry dated in a sealed month is refused"
else
	check "an entry dated in a sealed month is refused" grep -q "2020-12-30 is in a sealed month" "$D/e5"
fi
if sqlite3 "$D/pvmon.db" "UPDATE ledger_entry SET fen = 1 WHERE id = 3" 2>/dev/null; then
	fail "the database refuses to edit an entry"
else
	ok "the database refuses to edit an entry"
fi
L verify >"$D/v1"
check "verify finds every entry and seal intact" grep -q "every entry and seal checks out" "$D/v1"
L statement --village xipo --year 2019 --as-of 2019-12-31 >"$D/st19.txt"
seal=$(q "SELECT hash FROM ledger_seal WHERE month = '2019-03'")
check "the published statement carries the month's seal" grep -q "2019-03  $seal" "$D/st19.txt"
cp "$D/pvmon.db" "$D/tampered.db"
sed 's/pvmon.db/tampered.db/' "$D/central.json" >"$D/tampered.json"
# one byte: 343067 becomes 343167 in entry 3 (gaojiata's January coal part)
sqlite3 "$D/tampered.db" "DROP TRIGGER ledger_entry_no_update; UPDATE ledger_entry SET fen = 343167 WHERE id = 3"
if "$A" ledger verify -c "$D/tampered.json" >"$D/v2"; then
	fail "verify fails on a tampered ledger"
else
	ok "verify fails on a tampered ledger"
fi
check "it names the month and the entry ($(head -1 "$D/v2"))" \
	grep -q "^month 2019-01, entry 3 (accrual st-a gaojiata): its content no longer matches its hash" "$D/v2"
check "and the month's seal" grep -q "^month 2019-01: its seal does not match its entries" "$D/v2"
# a deleted entry is seen through the seal's count
cp "$D/pvmon.db" "$D/deleted.db"
sed 's/pvmon.db/deleted.db/' "$D/central.json" >"$D/deleted.json"
sqlite3 "$D/deleted.db" "DROP TRIGGER ledger_entry_no_delete; DELETE FROM ledger_entry WHERE id = (SELECT max(id) FROM ledger_entry WHERE month = '2019-06')"
"$A" ledger verify -c "$D/deleted.json" >"$D/v3"
check "a deleted entry is seen in its month ($(head -1 "$D/v3"))" grep -q "^month 2019-06: .* entries were sealed, .* are there now" "$D/v3"

# --- reversing a receipt recorded in error ---
rid=$(q "SELECT id FROM ledger_receipt WHERE ref = 'FUND-2019-2'")
n0=$(q "SELECT count(*) FROM ledger_entry WHERE grp = $rid")
h0=$(q "SELECT group_concat(hash) FROM ledger_entry WHERE grp = $rid")
L reverse --receipt "$rid" --date 2021-04-02 --note "booked twice" >"$D/rv1" 2>&1
check "the second instalment is reversed ($(cat "$D/rv1"))" grep -q "^ledger reverse: receipt $rid reversed: $n0 entries booked" "$D/rv1"
check "each entry of the receipt has one reversing entry that references it, of the opposite amount" \
	test "$(q "SELECT count(*) FROM ledger_entry o JOIN ledger_entry r ON r.corrects = o.id AND r.fen = -o.fen AND r.kind = 'receipt' AND r.day = '2021-04-02' WHERE o.grp = $rid AND o.corrects IS NULL")" = "$n0"
check "the receipt's entries net to zero" test "$(q "SELECT sum(fen) FROM ledger_entry WHERE grp = $rid")" = 0
check "the original entries are unchanged" test "$(q "SELECT group_concat(hash) FROM ledger_entry WHERE grp = $rid AND corrects IS NULL")" = "$h0"
check "the reversing villages' entries hang under the reversing station entry" \
	test "$(q "SELECT count(*) FROM ledger_entry r JOIN ledger_entry p ON p.id = r.parent WHERE r.grp = $rid AND r.corrects IS NOT NULL AND r.village <> '' AND p.corrects IS NOT NULL AND p.village = ''")" = "$(q "SELECT count(*) FROM ledger_entry WHERE grp = $rid AND corrects IS NOT NULL AND village <> ''")"
L arrears --as-of 2021-04-10 --format json >"$D/arr3.json"
J="readfile('$D/arr3.json')"
a3=$(q "SELECT json_extract(value, '\$.outstanding_fen') || ' ' || json_extract(value, '\$.owed_since') FROM json_each($J, '\$.arrears') WHERE json_extract(value, '\$.station') = 'st-a' AND json_extract(value, '\$.part') = 'subsidy'")
check "the arrears come back: 70,820 yuan owed since 2019-08 ($a3)" test "$a3" = "7082000 2019-08"
if L reverse --receipt "$rid" --date 2021-04-03 2>"$D/rv2"; then
	fail "reversing a receipt twice is refused"
else
	check "reversing a receipt twice is refused ($(cat "$D/rv2"))" grep -q "receipt $rid (payer \"fund\" reference \"FUND-2019-2\") was reversed before: nothing recorded" "$D/rv2"
fi
if L reverse --receipt 999 --date 2021-04-03 2>"$D/rv3"; then
	fail "reversing an unknown receipt is refused"
else
	check "reversing an unknown receipt names it" grep -q -- "--receipt: no receipt 999 was recorded" "$D/rv3"
fi
if L reverse --receipt "$(q "SELECT id FROM ledger_receipt WHERE ref = 'FUND-2019-1'")" --date 2020-12-31 2>"$D/rv4"; then
	fail "a reversal dated in a sealed month is refused"
else
	check "a reversal dated in a sealed month is refused" grep -q "2020-12-31 is in a sealed month" "$D/rv4"
fi
"$A" ledger reverse -c "$D/central.json" --receipt x1 2>"$D/rv5"
check "a receipt id that is not a number is a usage error" grep -q -- "--receipt: expected a receipt id" "$D/rv5"
# first in, first out again: the rest of August 2019 (14,508 - 784 yuan) is the oldest money owed
L receive --payer fund --part subsidy --station st-a --amount 13724 --date 2021-04-12 --ref FUND-2019-2b >"$D/rv6"
check "receive prints the receipt's id" grep -q "^ledger receive: receipt [0-9]* recorded$" "$D/rv6"
L arrears --as-of 2021-04-15 --format json >"$D/arr4.json"
J="readfile('$D/arr4.json')"
a4=$(q "SELECT json_extract(value, '\$.outstanding_fen') || ' ' || json_extract(value, '\$.owed_since') FROM json_each($J, '\$.arrears') WHERE json_extract(value, '\$.station') = 'st-a' AND json_extract(value, '\$.part') = 'subsidy'")
check "a new receipt clears the reopened months first: 57,096 yuan owed since 2019-09 ($a4)" test "$a4" = "5709600 2019-09"
check "the villages' outstanding still adds up to the station's" \
	test "$(q "SELECT sum(CASE WHEN village = '' THEN 1 ELSE -1 END * CASE kind WHEN 'accrual' THEN fen ELSE -fen END) FROM ledger_entry WHERE station = 'st-a' AND part = 'subsidy' AND kind IN ('accrual', 'receipt')")" = 0
# a receipt already paid out to the village cannot be taken back from it
L receive --payer grid --part coal --station st-b --amount 1000 --date 2021-04-13 --ref GRID-B-ERR >/dev/null
bid=$(q "SELECT id FROM ledger_receipt WHERE ref = 'GRID-B-ERR'")
held=$(q "SELECT sum(CASE kind WHEN 'receipt' THEN fen ELSE -fen END) FROM ledger_entry WHERE village = 'chengzhuang' AND kind IN ('receipt', 'disbursement')")
L disburse --village chengzhuang --amount "$((held / 100)).$(printf %02d $((held % 100)))" --date 2021-04-14 --ref BANK-CZ
if L reverse --receipt "$bid" --date 2021-04-15 2>"$D/rv7"; then
	fail "a reversal that would leave a village paid more than it received is refused"
else
	check "a reversal that would leave a village paid more than it received is refused" \
		grep -q "village \"chengzhuang\" has been paid .* yuan, more than the .* yuan it would have received without it" "$D/rv7"
fi
check "months up to April 2021 are sealed after the reversal" L seal --through 2021-04 --date 2021-05-02
L verify >"$D/v4"
check "verify still finds every entry and seal intact after the reversal" grep -q "every entry and seal checks out" "$D/v4"

# --- the monthly report: accrued vs received, and the target on cash ---
# April 2019 as the ledger knew it on 30 April: st-a accrued 30,000 kWh x 0.80 = 24,000 yuan
# (8,000 a village), st-b 15,000 kWh x 0.80 = 12,000; the grid's Q1 coal payment for st-a
# (29,880 yuan) arrived on 20 April. chengzhuang is owed st-b's coal of January to April
# (5,146 + 4,648 + 5,146 + 4,980) and April's subsidy (7,020): 26,940 yuan; its subsidy of
# January to March (0.468 x 45,000 kWh = 21,060 yuan) is pending the catalogue.
"$A" report -c "$D/central.json" --month 2019-04 --format json -o "$D/rep.json" 2>"$D/rep.err"
check "the report of a month with a ledger is written ($(cat "$D/rep.err"))" test -s "$D/rep.json"
J="readfile('$D/rep.json')"
vj() { q "SELECT json_extract(value, '\$.ledger.$2') FROM json_each($J, '\$.villages') WHERE json_extract(value, '\$.id') = '$1'"; }
check "xipo accrued 8,000 yuan for April ($(vj xipo accrued_month_fen))" test "$(vj xipo accrued_month_fen)" = 800000
check "the county received 29,880 yuan in April ($(q "SELECT json_extract($J, '\$.totals.ledger.received_month_fen')"))" \
	test "$(q "SELECT json_extract($J, '\$.totals.ledger.received_month_fen')")" = 2988000
check "xipo's April receipt is its entries of the month ($(vj xipo received_month_fen))" \
	test "$(vj xipo received_month_fen)" = "$(q "SELECT sum(fen) FROM ledger_entry WHERE village = 'xipo' AND kind = 'receipt' AND day BETWEEN '2019-04-01' AND '2019-04-30'")"
check "chengzhuang is owed 26,940 yuan with 21,060 pending the catalogue" \
	test "$(vj chengzhuang outstanding_fen)/$(vj chengzhuang pending_fen)" = 2694000/2106000
check "the totals are the villages' sums" \
	test "$(q "SELECT sum(json_extract(value, '\$.ledger.accrued_ytd_fen')) || ' ' || sum(json_extract(value, '\$.ledger.outstanding_fen')) FROM json_each($J, '\$.villages')")" = \
	"$(q "SELECT json_extract($J, '\$.totals.ledger.accrued_ytd_fen') || ' ' || json_extract($J, '\$.totals.ledger.outstanding_fen')")"
check "for every village, accrued this year - received this year = outstanding + pending (the ledger began in January)" \
	test "$(q "SELECT count(*) FROM json_each($J, '\$.villages') WHERE json_extract(value, '\$.ledger.accrued_ytd_fen') - json_extract(value, '\$.ledger.received_ytd_fen') <> json_extract(value, '\$.ledger.outstanding_fen') + json_extract(value, '\$.ledger.pending_fen')")" = 0
check "the report says the target is judged on accruals by default" test "$(q "SELECT json_extract($J, '\$.target_basis')")" = accrued
check "and the ledger it read is kept since 2019-01" test "$(q "SELECT json_extract($J, '\$.ledger_from')")" = 2019-01
"$A" report -c "$D/central.json" --month 2019-04 -o "$D/rep.txt"
check "the text report has the ledger section in Chinese" grep -q "^应计与实际到账（台账）$" "$D/rep.txt"
check "with xipo's row: accrued and received for the month and the year, outstanding" \
	grep -q "^xipo  *西坡村  *8,000.00  *9,959.98  *31,999.98  *9,959.98  *22,040.00  *0.00$" "$D/rep.txt"
check "and the county's total row" grep -q "^合计  *36,000.00  *29,880.00  *144,000.00  *29,880.00  *93,060.00  *21,060.00$" "$D/rep.txt"
"$A" report -c "$D/central.json" --month 2019-04 --format csv --lang en -o "$D/rep.csv"
check "the csv report has the ledger section with the total" \
	sh -c "tr -d '\r' <'$D/rep.csv' | grep -q '^total,36000.00,29880.00,144000.00,29880.00,93060.00,21060.00$'"
"$A" report -c "$D/central.json" --month 2019-04 --format html -o "$D/rep.html"
check "the html report has the ledger table" grep -q '<table class="ledger cards">' "$D/rep.html"
"$A" report -c "$D/central.json" --month 2019-04 --format xlsx -o "$D/rep.xlsx"
check "the workbook's ledger sheet has xipo's figures as numbers" /usr/bin/python3 -c "
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1])['应计与到账']
row = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == 'xipo'][0]
sys.exit(0 if [round(x * 100) for x in row[3:9]] == [800000, 995998, 3199998, 995998, 2204000, 0] else 1)" "$D/rep.xlsx"
"$A" report -c "$D/central.json" --month 2019-04 --format json --lang zh -o "$D/rep.zh.json"
if /usr/bin/python3 tests/it/xlsx_check.py "$D/rep.xlsx" "$D/rep.zh.json" zh >"$D/rep.xc" 2>&1; then
	ok "openpyxl: the whole workbook with a ledger equals the JSON report ($(grep -c '^ok' "$D/rep.xc") checks)"
else
	fail "the workbook with a ledger differs from the JSON report: $(grep -v '^ok' "$D/rep.xc" | head -5)"
fi
"$A" report -c "$D/central.json" --month 2019-04 --format csv --section ledger >"$D/rep.sec.csv"
check "--section ledger is the ledger table with Chinese heads" \
	sh -c "tail -c +4 '$D/rep.sec.csv' | head -1 | grep -q '^村编号,村名,乡镇,本月应计（元）,本月到账（元）'"
# the same month judged on cash: the villages' money is what arrived
"$A" report -c "$D/central.json" --month 2019-04 --target-basis received --format json -o "$D/cash.json"
J="readfile('$D/cash.json')"
check "--target-basis received is said in the report" test "$(q "SELECT json_extract($J, '\$.target_basis')")" = received
check "xipo's month and YTD are its receipts" \
	test "$(q "SELECT json_extract(value, '\$.month_fen') || ' ' || json_extract(value, '\$.ytd_fen') FROM json_each($J, '\$.villages') WHERE json_extract(value, '\$.id') = 'xipo'")" = "995998 995998"
check "chengzhuang, which received nothing, is not OK" \
	test "$(q "SELECT json_extract(value, '\$.status') FROM json_each($J, '\$.villages') WHERE json_extract(value, '\$.id') = 'chengzhuang'")" != ok
check "its first reason is the cash basis" \
	test "$(q "SELECT json_extract(value, '\$.reasons[0].kind') || ' ' || json_extract(value, '\$.reasons[0].aux') FROM json_each($J, '\$.villages') WHERE json_extract(value, '\$.id') = 'chengzhuang'")" = "cash 2694000"
"$A" report -c "$D/central.json" --month 2019-04 --target-basis received -o "$D/cash.txt"
check "the Chinese reason says it is judged on money received and what is still owed" \
	grep -q "按实际到账判断：预计全年到账 ¥0.00，目标 ¥200,000.00；台账中尚有 ¥26,940.00 应收未到账" "$D/cash.txt"
check "the summary says the basis" grep -q "^目标判断依据  *实际到账$" "$D/cash.txt"
sed 's/"timezone"/"target_basis": "received", "timezone"/' "$D/central.json" >"$D/cash-central.json"
"$A" report -c "$D/cash-central.json" --month 2019-04 --format json -o "$D/cash2.json"
check "central.json's target_basis gives the same report as the flag" cmp -s "$D/cash.json" "$D/cash2.json"
"$A" report -c "$D/cash-central.json" --month 2019-04 --target-basis accrued --format json -o "$D/acc2.json"
check "--target-basis overrides central.json" cmp -s "$D/rep.json" "$D/acc2.json"
"$A" report -c "$D/central.json" --month 2019-04 --target-basis cash 2>"$D/cash.err"
check "an unknown basis is a usage error (exit $?)" grep -q -- '--target-basis: expected accrued or received, got "cash"' "$D/cash.err"
"$A" report -c "$D/central.json" --month 2018-12 --target-basis received -o "$D/cash0.txt" 2>"$D/cash0.err"
check "on cash, a month before the ledger is refused, not shown as zeros" \
	sh -c "grep -q 'no ledger entries up to 2018-12-31' '$D/cash0.err' && test ! -e '$D/cash0.txt'"

# --- usage errors ---
"$A" ledger receive -c "$D/central.json" --payer grid --part coal --amount 1.001 --date 2021-01-01 --ref X 2>"$D/u1"
check "an amount with three decimals is a usage error" grep -q -- "--amount: expected yuan >= 0 with at most 2 decimal places, got \"1.001\"" "$D/u1"
"$A" ledger statement -c "$D/central.json" --village nowhere --year 2021 2>"$D/u2"
check "an unknown village is named" grep -q "expected a village of .*fleet.json, got \"nowhere\"" "$D/u2"

mkdir "$D/empty"
sed 's/"database": "pvmon.db"/"database": "none.db"/' "$D/central.json" >"$D/empty/central.json"
cp "$D/fleet.json" "$D/empty/"
"$A" ledger frob -c "$D/empty/central.json" 2>"$D/u3"
rc=$?
check "an unknown verb is a usage error (exit $rc) that creates no database" \
	test $rc = 2 -a ! -e "$D/empty/none.db"

it_end
