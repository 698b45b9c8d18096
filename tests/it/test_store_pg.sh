#!/bin/sh
# The store's unit tests on PostgreSQL: a server of our own (pg.sh), then
# test_store_pg against it with the role's password file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"

if pg_start; then
	ok "PostgreSQL started on port $PG_PORT"
	PVMON_TEST_PG=$PG_URL PVMON_TEST_PG_PASSWORD_FILE=$PG_PASSFILE \
		"$PVMON_TOOLS/../tests/test_store_pg" >"$IT_TMP/unit.log" 2>&1
	rc=$?
	cat "$IT_TMP/unit.log"
	n=$(grep -c '^ok ' "$IT_TMP/unit.log")
	check "test_store_pg ran its cases on PostgreSQL ($n passed)" [ "$rc" -eq 0 -a "$n" -ge 10 ]
	_pid=$PG_PID
	pg_stop
	check "the server stopped by its PID" sh -c "! kill -0 $_pid 2>/dev/null"
fi
it_end
