#!/bin/sh
# The ledger commands on PostgreSQL: the same sequence as on a SQLite file
# (accruals, grid statements and a correction, receipts, arrears, a
# disbursement, a use and its correction, the village statement in every
# format, seals, verify), and every output byte-identical between the two.
# The database refuses to edit an entry on PostgreSQL too.
. tests/it/lib.sh
. tests/it/pg.sh

D=$IT_TMP
A=$PVMON_BIN/pvmon-allocator
pg_start || { it_end; exit 1; }
mkdir -p "$D/sq" "$D/pg"
cat >"$D/sq/central.json" <<'EOC'
{ "broker": { "host": "127.0.0.1", "port": 1883 }, "database": "pvmon.db", "fleet": "../fleet.json",
  "timezone": "Asia/Shanghai", "ledger": { "statement_tolerance_permille": 10, "basis": "statement" } }
EOC
sed -e "s|\"database\": \"pvmon.db\"|\"database\": \"$PG_URL\", \"database_password_file\": \"$PG_PASSFILE\"|" \
	"$D/sq/central.json" >"$D/pg/central.json"
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
cat >"$D/q2.csv" <<'EOC'
station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan,reference
1410230001,2019-Q2,91364,30332.85,42758.35,120.00,GS-2019-Q2-001
st-b,2019-Q2,46865,15559.18,21932.82,0,GS-2019-Q2-002
EOC
cat >"$D/q2b.csv" <<'EOC'
station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan,reference
1410230001,2019-Q2,91000,30212.00,42588.00,0,GS-2019-Q2-001-R1
st-b,2019-Q2,46865,15559.18,21932.82,0,GS-2019-Q2-002
EOC
DAILY="WITH RECURSIVE days(d) AS (SELECT CAST(17713 AS BIGINT) UNION ALL SELECT d + 1 FROM days WHERE d < 18628),
devs(station, device, kind, e) AS (VALUES ('st-a', 'meter', 1, 1000000), ('st-b', 'meter', 1, 500000))
INSERT INTO daily (station, device, day, kind, n_readings, first_ts, first_wh, last_ts, last_wh, delta_wh)
SELECT station, device, d, kind, 1440, (d * 86400 - 7200) * 1000, 1000000 + (d - 17713) * e,
       (d * 86400 + 39600) * 1000, 1000000 + (d - 17712) * e, e FROM days, devs;"
q_sq() { sqlite3 "$D/sq/pvmon.db" "$1"; }
q_pg() { pg_q "$1"; }

# step N ARGS...: runs `ledger ARGS` on both engines; output and exit status in $D/E.N
step() {
	n=$1
	shift
	for e in sq pg; do
		"$A" ledger "$@" -c "$D/$e/central.json" >"$D/$e.$n" 2>&1
		echo "exit $?" >>"$D/$e.$n"
	done
}

step 01 verify
check "the first ledger command creates the schema on PostgreSQL" \
	test "$(q_pg "SELECT value FROM pvmon_meta WHERE key = 'schema'")" = 6
q_sq "$DAILY"
q_pg "$DAILY" >/dev/null
check "both hold the same roll-ups" test "$(q_sq 'SELECT count(*), sum(delta_wh) FROM daily')" = "$(q_pg 'SELECT count(*), sum(delta_wh) FROM daily')"
step 02 accrue --from 2019-01 --to 2019-12 --date 2020-01-05
step 03 accrue --from 2019-01 --to 2019-12 --date 2020-01-06
step 04 import-statement "$D/q2.csv" --date 2019-07-20
step 05 import-statement "$D/q2.csv" --date 2019-07-21
step 06 import-statement "$D/q2b.csv" --date 2019-08-05
step 07 statements --station st-a
step 08 receive --payer grid --part coal --station st-a --period 2019-Q1 --amount 29880 --date 2019-04-20 --ref GRID-2019Q1-A
step 09 receive --payer grid --part coal --station st-a --amount 1 --date 2019-04-21 --ref GRID-2019Q1-A
step 10 arrears --as-of 2020-12-14 --format json
step 11 receive --payer fund --part subsidy --station st-a --amount 100000 --date 2020-12-15 --ref FUND-2019-1
step 12 arrears --as-of 2021-01-15
step 13 receive --payer fund --part subsidy --station st-a --amount 70820 --date 2021-03-10 --ref FUND-2019-2
step 14 disburse --station st-a --amount 20000.01 --date 2021-03-20 --ref BANK-0320
step 15 use --village xipo --category jobs --amount 5000 --date 2021-03-25 --ref PAY-03 --note "公益岗位 3月"
uid=$(q_sq "SELECT id FROM ledger_entry WHERE ref = 'PAY-03'")
check "the use has the same entry id on both ($uid)" test "$uid" = "$(q_pg "SELECT id FROM ledger_entry WHERE ref = 'PAY-03'")"
step 16 correct --entry "$uid" --amount 4800 --date 2021-03-26 --note "one post vacant"
step 17 use --village xipo --category works --amount 100000 --date 2021-03-27 --ref BIG
step 18 statement --village xipo --year 2021 --as-of 2021-03-31
step 19 statement --village xipo --year 2021 --as-of 2021-03-31 --lang en
step 20 statement --village xipo --year 2021 --as-of 2021-03-31 --format json
step 21 statement --village xipo --year 2021 --as-of 2021-03-31 --format html
step 22 seal --through 2020-12 --date 2021-01-05
step 23 receive --payer grid --part coal --station st-a --amount 1 --date 2020-12-30 --ref LATE
step 24 verify
step 25 statement --village xipo --year 2019 --as-of 2019-12-31

for f in "$D"/sq.*; do
	n=${f##*.}
	check "ledger step $n: $(head -c 60 "$f" | tr '\n' ' ') ... identical on PostgreSQL" cmp "$f" "$D/pg.$n"
done
check "the commands did real work (entries booked)" test "$(q_pg 'SELECT count(*) FROM ledger_entry')" -gt 100
check "the same entries, fen for fen, and the same hashes" \
	test "$(q_sq "SELECT count(*), sum(fen), max(hash) FROM ledger_entry")" = "$(q_pg "SELECT count(*), sum(fen), max(hash) FROM ledger_entry")"
check "verify passes on PostgreSQL" grep -q "every entry and seal checks out" "$D/pg.24"
if pg_q 'UPDATE ledger_entry SET fen = 1 WHERE id = 3' 2>"$D/upd.err"; then
	fail "PostgreSQL refuses to edit an entry"
else
	check "PostgreSQL refuses to edit an entry, saying entries are append-only" \
		grep -q "ledger entries are append-only" "$D/upd.err"
fi
if pg_q 'DELETE FROM ledger_seal' 2>"$D/del.err"; then
	fail "PostgreSQL refuses to delete a seal"
else
	check "PostgreSQL refuses to delete a seal" grep -q "ledger seals are append-only" "$D/del.err"
fi
check "the entry is unchanged after the refused edit" \
	test "$(q_pg 'SELECT fen FROM ledger_entry WHERE id = 3')" = "$(q_sq 'SELECT fen FROM ledger_entry WHERE id = 3')"
it_end
