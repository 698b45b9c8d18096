# A PostgreSQL server of the test's own (sourced after lib.sh, POSIX sh).
# pg_start initdb's a cluster in $IT_TMP/pg, starts it on a free loopback port
# (its unix socket in the same directory), creates the role pvmon with a
# password and the database pvmon, and sets:
#   PG_URL       postgresql://pvmon@127.0.0.1:PORT/pvmon (no password in it)
#   PG_PASSFILE  the file with the role's password (central.json's database_password_file)
#   PG_PORT, PG_PID (the postmaster, from postmaster.pid)
# The server is stopped by its PID when the script exits. A cluster that
# Debian's package may have started on 5432 is never used nor touched.
# As root the server runs as the postgres system user the package created.

PG_BINDIR=""
PG_PID=""
for _d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
	[ -x "$_d/initdb" ] && { PG_BINDIR=$_d; break; }
done
[ -z "$PG_BINDIR" ] && command -v initdb >/dev/null 2>&1 && PG_BINDIR=$(dirname "$(command -v initdb)")

# pg_as CMD...: runs CMD as the server's owner (postgres when we are root).
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# pg_psql SQL: runs SQL as the cluster's superuser over the unix socket.
pg_psql() {
	pg_as "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres \
		-d "${PG_DB:-postgres}" -c "$1"
}

# pg_q SQL: runs SQL in the pvmon database and prints the rows unaligned, "|" between
# columns, as sqlite3 does.
pg_q() {
	pg_as "$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres \
		-d pvmon -c "$1"
}

# pg_start: see above; returns 1 (after a failed check) when the server did not come up.
pg_start() {
	[ -n "$PG_BINDIR" ] || { fail "no PostgreSQL server binaries (make deps installs postgresql-15)"; return 1; }
	PG_DIR=$IT_TMP/pg
	mkdir -p "$PG_DIR"
	if [ "$(id -u)" -eq 0 ]; then
		# the server's user must reach its directory: traverse, not read, on IT_TMP
		chmod 711 "$IT_TMP"
		chown postgres "$PG_DIR"
	fi
	PG_PORT=$(free_port)
	pg_as "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$IT_TMP/initdb.log" 2>&1 ||
		{ fail "initdb failed"; cat "$IT_TMP/initdb.log"; return 1; }
	pg_resume || return 1
	_pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	PG_PASSFILE=$IT_TMP/pg.password
	printf '%s\n' "$_pw" >"$PG_PASSFILE"
	chmod 600 "$PG_PASSFILE"
	pg_psql "CREATE ROLE pvmon LOGIN PASSWORD '$_pw'" &&
		pg_psql "CREATE DATABASE pvmon OWNER pvmon" ||
		{ fail "creating the pvmon role and database"; return 1; }
	PG_URL=postgresql://pvmon@127.0.0.1:$PG_PORT/pvmon
	return 0
}

# pg_resume: starts the cluster made by pg_start (again, after pg_stop) and waits until it
# accepts connections; sets PG_PID.
pg_resume() {
	# a test server: no fsync (a crash loses only the test), small and quick
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -s -o \
		"-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >"$IT_TMP/pg_ctl.log" 2>&1
	_i=0
	until pg_as "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
		_i=$((_i + 1))
		[ $_i -lt 600 ] || { fail "PostgreSQL did not start"; cat "$PG_DIR/server.log"; return 1; }
		sleep 0.05
	done
	PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
}

# pg_reset: an empty pvmon database again.
pg_reset() {
	pg_psql "DROP DATABASE IF EXISTS pvmon WITH (FORCE)" && pg_psql "CREATE DATABASE pvmon OWNER pvmon"
}

# pg_stop: a fast shutdown, then waits until the postmaster is gone.
pg_stop() {
	[ -n "$PG_PID" ] || return 0
	pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast -s stop >/dev/null 2>&1 ||
		kill -TERM "$PG_PID" 2>/dev/null
	_i=0
	while kill -0 "$PG_PID" 2>/dev/null && [ $_i -lt 1000 ]; do
		sleep 0.02
		_i=$((_i + 1))
	done
	kill -0 "$PG_PID" 2>/dev/null && kill -QUIT "$PG_PID" 2>/dev/null
	PG_PID=""
}

trap 'pg_stop; it_cleanup' EXIT
