#!/bin/sh
# The monthly report on PostgreSQL is byte-identical to the report on SQLite:
# the report fixture's year of roll-ups in a SQLite file, copied into a
# PostgreSQL server of our own with `pvmon-allocator store-copy` (which checks
# every table's rows and sums), then `report` in every format against each.
. tests/it/lib.sh
. tests/it/report_fixture.sh
. tests/it/pg.sh

D=$IT_TMP
A=$PVMON_BIN/pvmon-allocator

report_fixture "$D"
check "roll-up database created" test -s "$D/pvmon.db"
pg_start || { it_end; exit 1; }
ok "PostgreSQL started on port $PG_PORT"

if "$A" store-copy --from "$D/pvmon.db" --to "$PG_URL" --password-file "$PG_PASSFILE" \
	>"$D/copy.out" 2>"$D/copy.err"; then
	ok "store-copy into PostgreSQL exits 0"
else
	fail "store-copy: $(cat "$D/copy.err")"
fi
cat "$D/copy.out"
check "store-copy checked every table" test "$(grep -c ' ok' "$D/copy.out")" -ge 11
n=$(sqlite3 "$D/pvmon.db" "SELECT count(*) FROM daily")
check "daily's $n rows are counted on PostgreSQL" grep -q "^daily  *rows $n " "$D/copy.out"
check "a second copy into the full database is refused" \
	sh -c "! '$A' store-copy --from '$D/pvmon.db' --to '$PG_URL' --password-file '$PG_PASSFILE' 2>'$D/again.err'"
check "... naming the table that holds rows" grep -q 'already holds' "$D/again.err"

sed -e "s|\"database\": \"pvmon.db\"|\"database\": \"$PG_URL\", \"database_password_file\": \"$PG_PASSFILE\"|" \
	"$D/central.json" >"$D/central-pg.json"
check "the PostgreSQL config names the server" grep -q postgresql:// "$D/central-pg.json"

for f in text csv json html xlsx; do
	for lang in zh en; do
		"$A" report -c "$D/central.json" --month 2019-06 --lang $lang --format $f \
			-o "$D/sqlite.$lang.$f" 2>"$D/err.sqlite" || fail "report on SQLite ($f): $(cat "$D/err.sqlite")"
		"$A" report -c "$D/central-pg.json" --month 2019-06 --lang $lang --format $f \
			-o "$D/pg.$lang.$f" 2>"$D/err.pg" || fail "report on PostgreSQL ($f): $(cat "$D/err.pg")"
		check "the $lang $f report on PostgreSQL is byte-identical to SQLite's" \
			cmp "$D/sqlite.$lang.$f" "$D/pg.$lang.$f"
	done
done
check "the reports are not empty" test "$(wc -c <"$D/pg.zh.json")" -gt 1000
# a month outside the data, and the yearly view, agree too
"$A" report -c "$D/central.json" --month 2019-07 --format json -o "$D/s7.json" 2>/dev/null
"$A" report -c "$D/central-pg.json" --month 2019-07 --format json -o "$D/p7.json" 2>/dev/null
check "the July report agrees as well" cmp "$D/s7.json" "$D/p7.json"
it_end
