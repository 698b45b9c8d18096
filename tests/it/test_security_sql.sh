#!/bin/sh
# SQL only through prepared statements, and names that cannot escape the report.
# Static half: tests/it/sqlcheck.awk scans allocator/, collector/ and common/ (rules
# in docs/reliability.md, reviewed sites in tests/it/sql_reviewed.txt) and must also
# catch violations planted in a copy. Live half: hostile county, station and village
# names (SQL and HTML) go through a real report in every format; the database is
# untouched and the HTML holds them only escaped.
. tests/it/lib.sh
. tests/it/report_fixture.sh

R=$PVMON_ROOT
S=$IT_TMP/src
# strip NAME...: the files without comments (gcc's preprocessor, no macro expansion).
strip() {
	for f in "$@"; do
		mkdir -p "$S/$(dirname "$f")"
		gcc -fpreprocessed -dD -E -P "$R/$f" >"$S/$f" 2>/dev/null || cp "$R/$f" "$S/$f"
	done
}
cd "$R" || exit 1
files=$(ls allocator/*.c allocator/*/*.c collector/*.c common/*.c)
strip $files
n_calls=$(cat $files | grep -c 'sqlite3_exec\|sqlite3_prepare\|db_exec\|db_prepare\|PQexec\|PQprepare\|PQsendQuery')
(cd "$S" && awk -v reviewed="$R/tests/it/sql_reviewed.txt" -f "$R/tests/it/sqlcheck.awk" $files) >"$IT_TMP/sql.out"
if [ -s "$IT_TMP/sql.out" ]; then
	fail "every SQL text is fixed ($n_calls SQL exec/prepare calls scanned)"
	cat "$IT_TMP/sql.out"
else
	ok "every SQL text is fixed ($n_calls SQL exec/prepare calls scanned)"
fi
# the reviewed list names only functions that still exist
stale=""
while read -r f fn rest; do
	case "$f" in '#'* | '') continue ;; esac
	grep -q "^[A-Za-z].*[ *]$fn(" "$R/$f" 2>/dev/null || stale="$stale $f:$fn"
done <tests/it/sql_reviewed.txt
check "every reviewed SQL site still exists${stale:+ (stale:$stale)}" [ -z "$stale" ]

# the checker must catch what it is for: SQL formatted with input, and input passed as SQL
mkdir -p "$S/planted"
cat >"$S/planted/bad.c" <<'EOC'
static int lookup(sqlite3 *db, const char *name)
{
	sqlite3_stmt *q;
	char *sql = xasprintf("SELECT * FROM readings WHERE device = '%s'", name);
	char buf[128];
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	snprintf(buf, sizeof buf, "DELETE FROM daily WHERE station = '%s'", name);
	sqlite3_prepare_v2(db, buf, -1, &q, NULL);
	db_prepare(store_db, name);
	return sqlite3_prepare_v3(db, name, -1, 0, &q, NULL);
}
EOC
(cd "$S" && awk -v reviewed="$R/tests/it/sql_reviewed.txt" -f "$R/tests/it/sqlcheck.awk" planted/bad.c) >"$IT_TMP/planted.out"
check "the checker flags SQL built by xasprintf and snprintf" \
	[ "$(grep -c 'SQL built by formatting' "$IT_TMP/planted.out")" -eq 2 ]
check "the checker flags sqlite3_exec, sqlite3_prepare and db_prepare on non-fixed text" \
	[ "$(grep -c 'not fixed text' "$IT_TMP/planted.out")" -eq 4 ]

# live: hostile names through the real report
D=$IT_TMP/report
mkdir -p "$D"
report_fixture "$D"
sed -i -e 's|"county": "临县"|"county": "</title><script>alert(\\"county\\")</script>"|' \
	-e "s|\"name\": \"联村电站\"|\"name\": \"x'); DROP TABLE daily; --\\\\\"><img src=x onerror=alert(1)>\"|" \
	-e "s|\"name\": \"西坡村\"|\"name\": \"Robert'); DELETE FROM daily;-- \\& <b>\"|" "$D/fleet.json"
check "the hostile fleet still loads (names are free text)" \
	"$PVMON_BIN/pvmon-allocator" report -c "$D/central.json" --month 2019-06 --format text -o "$D/r.txt"
before=$(sqlite3 "$D/pvmon.db" 'SELECT count(*), sum(delta_wh) FROM daily')
for fmt in text csv json html; do
	"$PVMON_BIN/pvmon-allocator" report -c "$D/central.json" --month 2019-06 --format $fmt \
		-o "$D/r.$fmt" >"$D/$fmt.log" 2>&1 || fail "report --format $fmt"
done
check "the reports leave the database as it was" \
	[ "$(sqlite3 "$D/pvmon.db" 'SELECT count(*), sum(delta_wh) FROM daily')" = "$before" ]
check "the text report shows the SQL-looking name as text" grep -q "DROP TABLE daily" "$D/r.txt"
check "the HTML report holds no live script, img or b tag from a name" \
	sh -c "! grep -q '<script>alert\|<img\|<b>' '$D/r.html'"
check "the HTML report shows them escaped" \
	sh -c "grep -q '&lt;/title&gt;&lt;script&gt;' '$D/r.html' && grep -q '&lt;img src=x' '$D/r.html' && grep -q '&amp; &lt;b&gt;' '$D/r.html'"
check "the JSON report escapes the quote in a name" grep -q 'DROP TABLE daily; --\\">' "$D/r.json"
it_end
