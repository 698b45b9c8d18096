#!/bin/sh
# The workbook and the per-section CSV: `report --format xlsx` read back by an independent
# reader (Debian's python3-openpyxl) and compared cell by cell with `--format json` in both
# languages; `--format csv -o DIR/` and `--section NAME` give one proper table per section.
. tests/it/lib.sh
. tests/it/report_fixture.sh

D=$IT_TMP
A=$PVMON_BIN/pvmon-allocator
report_fixture "$D"
PY=/usr/bin/python3

for l in zh en; do
	"$A" report -c "$D/central.json" --month 2019-06 --lang $l --format json -o "$D/r.$l.json" ||
		fail "report --format json --lang $l"
	if "$A" report -c "$D/central.json" --month 2019-06 --lang $l --format xlsx -o "$D/r.$l.xlsx" 2>"$D/err"; then
		ok "report --format xlsx --lang $l exits 0"
	else
		fail "report --format xlsx --lang $l: $(cat "$D/err")"
	fi
	check "the $l workbook is a zip package" test "$(head -c 2 "$D/r.$l.xlsx")" = PK
	if $PY -c 'import openpyxl' 2>/dev/null; then
		if $PY tests/it/xlsx_check.py "$D/r.$l.xlsx" "$D/r.$l.json" $l >"$D/check.$l" 2>&1; then
			ok "openpyxl reads the $l workbook and every cell equals the JSON report ($(grep -c '^ok' "$D/check.$l") checks)"
		else
			fail "the $l workbook differs from the JSON report: $(grep -v '^ok' "$D/check.$l" | head -5)"
		fi
	else
		fail "python3-openpyxl is not installed (make deps installs it)"
	fi
done
# The checker can fail: the English JSON does not match the Chinese workbook's words.
if $PY tests/it/xlsx_check.py "$D/r.zh.xlsx" "$D/r.en.json" en >/dev/null 2>&1; then
	fail "the checker accepts a workbook of the other language"
else
	ok "the checker rejects a workbook of the other language"
fi
"$A" report -c "$D/central.json" --month 2019-06 --format xlsx >"$D/stdout.xlsx"
check "the workbook to a pipe is byte-identical to -o (reproducible)" cmp -s "$D/stdout.xlsx" "$D/r.zh.xlsx"

# CSV: one file per section into a directory, each with a BOM and one header row.
"$A" report -c "$D/central.json" --month 2019-06 --format csv -o "$D/csv/" || fail "csv -o DIR/"
n=$(ls "$D/csv" | wc -l)
check "csv -o DIR/ writes nine section files ($n)" test "$n" -eq 9
for s in summary villages stations shares tariffs reasons townships ledger sensors; do
	f=$D/csv/$s.csv
	check "$s.csv starts with a BOM" test "$(head -c 3 "$f" | od -An -tx1 | tr -d ' ')" = efbbbf
done
check "villages.csv has Chinese headers with units" \
	sh -c "head -1 '$D/csv/villages.csv' | grep -q '村编号,村名,乡镇,状态,本月收益（元）'"
check "villages.csv has one row per village plus its header" \
	test "$(grep -c '^[a-z]' "$D/csv/villages.csv")" -eq 4
check "villages.csv gives money as plain numbers" grep -q '^chengzhuang,城庄村,城庄镇,未达标,16732.38,' "$D/csv/villages.csv"
"$A" report -c "$D/central.json" --month 2019-06 --format csv --lang en --section townships >"$D/tw.csv"
check "--section townships --lang en is that one table in English" \
	sh -c "tail -c +4 '$D/tw.csv' | head -1 | grep -q '^Township id,Township,Villages,OK,AT RISK,BELOW,Month (yuan)'"
check "--section townships has its two townships" test "$(wc -l <"$D/tw.csv")" -eq 3
check "ledger.csv says there is no ledger data instead of zeros" \
	sh -c "tail -c +4 '$D/csv/ledger.csv' | tr -d '\r' | sed -n 2p | grep -q '^台账无数据：截至 2019-06-30 数据库中没有台账记录'"
"$A" report -c "$D/central.json" --month 2019-06 --format csv --section nope 2>"$D/e1"
check "an unknown section is refused by name" grep -q -- '--section: expected summary, villages' "$D/e1"
"$A" report -c "$D/central.json" --month 2019-06 --format json --section villages 2>"$D/e2"
check "--section needs csv" grep -q -- '--section needs --format csv' "$D/e2"
it_end
