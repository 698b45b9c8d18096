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
check "the database is at the current schema version (5: the ledger, the alerts, the alarm bits, ingest's counters)" test "$(q 'PRAGMA user_version')" = 5
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
