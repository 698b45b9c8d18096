#!/bin/sh
# make bench-scale: the province bench (docs/scale.md, "The province bench"). A province-size
# fleet (bench/scale/fleet.sh: 5,500 stations, 50,000 devices, one gateway per station) published
# by synthetic collectors (bench/scale/pub) into 1, 2 and 4 `pvmon-allocator ingest` workers on
# SQLite and on PostgreSQL, with the floors measured in the same run: a bare subscriber on the
# same broker and publisher, and a bare batched INSERT (SQLite) / COPY (PostgreSQL) of the same
# rows. Prints one table; exits non-zero when a configuration that ran lost readings.
#
# Per store and worker count (each run on a fresh broker and a fresh database):
#   nominal  every device every INTERVAL_S (60) for NOMINAL_S (30): the fleet's rate (833/s),
#            p50/p99 poll-to-commit latency (ack time - publish time), every reading stored;
#   flood    RUNS (3) runs of FLOOD_S (5) as fast as the broker takes: readings/s stored
#            (published / first publish to last ack), the median; bytes per reading of the
#            readings table and its indexes after the last run.
# Then per store a month (MONTH, 2019-06) of daily roll-ups for all 50,000 devices
# (bench/scale/fill) and `pvmon-allocator report` for the first county and for the province
# (best of REPORT_RUNS, 2). The full matrix takes about 20 minutes on two cores; scale the run
# lengths (NOMINAL_S, FLOOD_S, RUNS), not the fleet, to shorten it.
#
# Environment (all optional):
#   PVMON_BENCH_STORES   "sqlite pg" (default): which stores to try
#   PVMON_BENCH_WORKERS  "1 2 4" (default): worker counts to try
#   PVMON_BENCH_PG       postgresql://user@host:port/db of a server where the user may CREATE
#                        DATABASE; without it the bench starts its own (Debian's postgresql-15,
#                        initdb in a temporary folder, a free loopback port) when installed
#   PVMON_BENCH_WORKERS_CONF  the central.json members that make N > 1 workers share the
#                        readings (default '"ingest_share": "pvmon"', docs/config.md); a build that
#                        does not know them skips those rows with pvmon's own message
#   PVMON_BENCH_RESULTS  a file to append "key=value" lines of every figure to
#   STATIONS COUNTIES INTERVAL_S NOMINAL_S FLOOD_S RUNS CONNS BATCH_ROWS BATCH_MS MONTH
#   REPORT_RUNS READINGS_TABLE
# Run from the repository root after `make tests`.

O=${O:-build}
BIN=${BIN:-bin}
PVMON_BIN=$(cd "$BIN" && pwd) || exit 1
PVMON_TOOLS=$(cd "$O/tools" && pwd) || exit 1
PVMON_ROOT=$(pwd)
export PVMON_BIN PVMON_TOOLS PVMON_ROOT
SCALE=$(cd "$O/bench/scale" && pwd) || exit 1
# the run's folder (lib.sh's) inside one of our own, so that nothing sweeping the test
# folders of others (pvmon-it.*) takes the databases away in the middle of a run
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-bench-scale.XXXXXX") || exit 1
TMPDIR=$BENCH_TMP
. tests/it/lib.sh
trap 'it_cleanup; rmdir "$BENCH_TMP" 2>/dev/null' EXIT

STATIONS=${STATIONS:-5500}
COUNTIES=${COUNTIES:-12}
INTERVAL_S=${INTERVAL_S:-60}
NOMINAL_S=${NOMINAL_S:-30}
FLOOD_S=${FLOOD_S:-5}
RUNS=${RUNS:-3}
CONNS=${CONNS:-4}
BATCH_ROWS=${BATCH_ROWS:-1000}
BATCH_MS=${BATCH_MS:-200}
MONTH=${MONTH:-2019-06}
REPORT_RUNS=${REPORT_RUNS:-2}
READINGS_TABLE=${READINGS_TABLE:-readings}
STORES=${PVMON_BENCH_STORES:-sqlite pg}
WORKERS=${PVMON_BENCH_WORKERS:-1 2 4}
WORKERS_CONF=${PVMON_BENCH_WORKERS_CONF:-'"ingest_share": "pvmon"'}
RESULTS=${PVMON_BENCH_RESULTS:-/dev/null}
A=$PVMON_BIN/pvmon-allocator
W=$IT_TMP
failed=0

# result KEY VALUE: one figure, kept for the table and appended to $RESULTS.
result() {
	echo "$1=$2" >>"$W/results"
	echo "$1=$2" >>"$RESULTS"
}
# get KEY: a figure recorded by result ("" when none).
get() { sed -n "s/^$1=//p" "$W/results" | tail -1; }
# kv LINE KEY: a field of pub's key=value line.
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
now_ms() { date +%s%3N; }
note() { echo "bench-scale: $*" >&2; }
# ratio A B: A / B to two places, or "-".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }

# ---- the broker: fresh per run, so no retained ack of an earlier run is seen ----
broker_up() {
	BPORT=$(free_port)
	cat >"$W/mosquitto.conf" <<EOC
listener $BPORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 100
EOC
	bg mosquitto "$(command -v mosquitto)" -c "$W/mosquitto.conf"
	BPID=$LAST_PID
	wait_port "$BPORT" || { note "mosquitto did not start"; cat "$W/mosquitto.log" >&2; exit 1; }
}
broker_down() { stop "$BPID"; }

# ---- PostgreSQL: the given server, or one of our own ----
PG_ADMIN=
PG_PID=
# pg_url DB: the admin URL with its database replaced.
pg_url() {
	case $PG_ADMIN in
	*://*/*) echo "$PG_ADMIN" | sed "s#^\([a-z]*://[^/]*\)/[^?]*#\1/$1#" ;;
	*) echo "$PG_ADMIN/$1" ;;
	esac
}
pg_start() {
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || {
		PG_SKIP="no PostgreSQL server: set PVMON_BENCH_PG or install postgresql-15"
		return 1
	}
	as=
	if [ "$(id -u)" -eq 0 ]; then
		# the server refuses to run as root: the postgres user owns its folder
		chmod 711 "$BENCH_TMP" "$W"
		as="setpriv --reuid=postgres --regid=postgres --init-groups"
	fi
	mkdir -p "$W/pg"
	[ -z "$as" ] || chown postgres "$W/pg"
	$as "$bindir/initdb" -D "$W/pg/data" -A trust -U pvmon -E UTF8 --no-instructions \
		>"$W/pg-initdb.log" 2>&1 || {
		PG_SKIP="initdb failed: $(tail -1 "$W/pg-initdb.log")"
		return 1
	}
	pgport=$(free_port)
	bg pg $as "$bindir/postgres" -D "$W/pg/data" -p "$pgport" -k "$W/pg" \
		-c listen_addresses=127.0.0.1
	PG_PID=$LAST_PID
	wait_port "$pgport" 30 || { PG_SKIP="postgres did not start: $(tail -1 "$W/pg.log")"; return 1; }
	PG_ADMIN="postgresql://pvmon@127.0.0.1:$pgport/postgres"
	i=0
	until psql "$PG_ADMIN" -qtAc 'SELECT 1' >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 150 ] || { PG_SKIP="postgres does not answer"; return 1; }
		sleep 0.2
	done
}
pg_stop() {
	[ -n "$PG_PID" ] || return 0
	kill -INT "$PG_PID" 2>/dev/null # fast shutdown
	i=0
	while kill -0 "$PG_PID" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	stop "$PG_PID"
	PG_PID=
}
# pg_setup: sets PG_ADMIN, or PG_SKIP with the reason the PostgreSQL rows are skipped.
pg_setup() {
	PG_SKIP=
	command -v psql >/dev/null || { PG_SKIP="no psql (postgresql-client)"; return 1; }
	# a build without the engine says so for any URL: no server needed to see it
	msg=$("$SCALE/fill" postgresql://127.0.0.1:1/x /dev/null "$MONTH" 2>&1)
	case $msg in *"no PostgreSQL engine"*)
		PG_SKIP="${msg#fill: }"
		return 1
		;;
	esac
	if [ -n "$PVMON_BENCH_PG" ]; then
		PG_ADMIN=$PVMON_BENCH_PG
		psql "$PG_ADMIN" -qtAc 'SELECT 1' >/dev/null 2>&1 ||
			{ PG_SKIP="PVMON_BENCH_PG does not answer"; return 1; }
	else
		pg_start || return 1
	fi
	# the store creates its schema there, and pvmon-allocator takes the URL as its database
	target=$(db_fresh pg probe) || { PG_SKIP="cannot CREATE DATABASE on $PG_ADMIN"; return 1; }
	msg=$("$SCALE/fill" "$target" /dev/null "$MONTH" 2>&1) || { PG_SKIP="${msg#fill: }"; return 1; }
	central "$W/pgcheck.json" "$target" pvmon-bench-check "$W/county.json"
	"$A" status -c "$W/pgcheck.json" >/dev/null 2>"$W/pgcheck.err"
	if [ $? -ge 3 ]; then
		PG_SKIP=$(sed -e "s#$W/##g" -e 's/^pvmon-allocator status: //' "$W/pgcheck.err" | head -1)
		return 1
	fi
}

# db_fresh STORE NAME: a new empty database; prints its target (file or URL).
db_fresh() {
	case $1 in
	sqlite)
		rm -f "$W/$2.db" "$W/$2.db-wal" "$W/$2.db-shm"
		echo "$W/$2.db"
		;;
	pg)
		name=pvmon_bench_$$_$(echo "$2" | tr -c 'a-z0-9\n' '_')
		psql "$PG_ADMIN" -qc "CREATE DATABASE $name" >/dev/null || return 1
		echo "$name" >>"$W/pg-dbs"
		pg_url "$name"
		;;
	esac
}
# db_count STORE TARGET: readings stored.
db_count() {
	case $1 in
	sqlite) sqlite3 "$2" "SELECT count(*) FROM $READINGS_TABLE" ;;
	pg) psql "$2" -qtAc "SELECT count(*) FROM $READINGS_TABLE" ;;
	esac
}
# db_bytes STORE TARGET: bytes of the readings table and its indexes (partitions included).
db_bytes() {
	case $1 in
	sqlite)
		sqlite3 "$2" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
		sqlite3 "$2" "SELECT sum(pgsize) FROM dbstat WHERE name IN
			(SELECT name FROM sqlite_master WHERE tbl_name = '$READINGS_TABLE')"
		;;
	pg) psql "$2" -qtAc "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('$READINGS_TABLE')" ;;
	esac
}
# db_floor STORE TARGET: the insert floor's rows/s for the rows of TARGET's readings.
db_floor() {
	case $1 in
	sqlite)
		out=$("$SCALE/floor_db" "$2" "$W/floor.db" "$BATCH_ROWS" "$READINGS_TABLE") || return 1
		echo "$out" | awk '{ print $6 }'
		;;
	pg)
		psql "$2" -qc "CREATE TABLE bench_floor (LIKE $READINGS_TABLE INCLUDING ALL)" >/dev/null &&
			psql "$2" -qc "\\copy (SELECT * FROM $READINGS_TABLE) TO '$W/floor.copy'" >/dev/null ||
			return 1
		n=$(wc -l <"$W/floor.copy")
		t0=$(date +%s%N)
		psql "$2" -qc "\\copy bench_floor FROM '$W/floor.copy'" >/dev/null || return 1
		t1=$(date +%s%N)
		awk -v n="$n" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f\n", n / (ns / 1e9) }'
		;;
	esac
}

# central FILE TARGET CLIENT_ID FLEET [EXTRA]: a central.json for ingest or report.
central() {
	cat >"$1" <<EOC
{
  "broker": { "host": "127.0.0.1", "port": ${BPORT:-1883}, "keepalive_s": 30 },
  "client_id": "$3",
  "database": "$2",
  "fleet": "$4",
  "expected_interval_s": $INTERVAL_S,
  "batch": { "rows": $BATCH_ROWS, "ms": $BATCH_MS },
  "log": { "target": "stderr", "level": "info" }${5:+,
  $5}
}
EOC
}
# workers_supported N: 0 when this build runs N workers; else WORKERS_SKIP says why (the
# configuration check of `pvmon-allocator status`: exit 3 when central.json is refused).
workers_supported() {
	WORKERS_SKIP=
	[ "$1" -gt 1 ] || return 0
	rm -f "$W/wcheck.db"
	"$SCALE/fill" "$W/wcheck.db" /dev/null "$MONTH" >/dev/null || return 1
	central "$W/wcheck.json" "$W/wcheck.db" pvmon-bench-check "$W/county.json" "$WORKERS_CONF"
	"$A" status -c "$W/wcheck.json" >/dev/null 2>"$W/wcheck.err"
	if [ $? -ge 3 ]; then
		WORKERS_SKIP=$(sed -e "s#$W/##g" -e 's/^pvmon-allocator status: //' "$W/wcheck.err" | head -1)
		return 1
	fi
}
# workers_up N TARGET: N ingest workers on TARGET, each connected.
workers_up() {
	WPIDS=
	i=1
	while [ $i -le "$1" ]; do
		extra=
		[ "$1" -gt 1 ] && extra=$WORKERS_CONF
		central "$W/central-$i.json" "$2" "pvmon-bench-ingest-$i" "$W/province.json" "$extra"
		rm -f "$W/ingest-$i.log"
		bg "ingest-$i" "$A" ingest -c "$W/central-$i.json"
		WPIDS="$WPIDS $LAST_PID"
		i=$((i + 1))
	done
	i=1
	for p in $WPIDS; do
		n=0
		while ! grep -q "connected to" "$W/ingest-$i.log" 2>/dev/null; do
			kill -0 "$p" 2>/dev/null && [ $n -lt 600 ] || {
				note "ingest worker $i did not connect:"
				tail -5 "$W/ingest-$i.log" >&2
				return 1
			}
			sleep 0.1
			n=$((n + 1))
		done
		i=$((i + 1))
	done
}
workers_down() { for p in $WPIDS; do stop "$p"; done; }

# one_run STORE N MODE NAME: a fresh broker, database and N workers, then pub; sets LINE to
# pub's line plus stored= (rows in the database) and LAST_TARGET; fails unless every reading
# published was acknowledged and stored.
one_run() {
	LINE=
	target=$(db_fresh "$1" "$4") || { note "$1: cannot create a database"; return 1; }
	broker_up
	workers_up "$2" "$target" || { broker_down; return 1; }
	if [ "$3" = flood ]; then
		line=$("$SCALE/pub" -p "$BPORT" -f "$W/devices.txt" -c "$CONNS" -F -d "$FLOOD_S" -w 60)
	else
		line=$("$SCALE/pub" -p "$BPORT" -f "$W/devices.txt" -c "$CONNS" -i "$INTERVAL_S" \
			-d "$NOMINAL_S" -w 60)
	fi
	workers_down
	broker_down
	stored=$(db_count "$1" "$target")
	pubd=$(kv "$line" published)
	echo "$1 x$2 $3: $line stored=$stored" >>"$W/runs.log"
	LAST_TARGET=$target
	LINE="$line stored=$stored"
	if [ -z "$pubd" ] || [ "$stored" != "$pubd" ] || [ "$(kv "$line" acked)" != "$pubd" ]; then
		note "$1 x$2 $3: published $pubd, acknowledged $(kv "$line" acked), stored $stored"
		return 1
	fi
}

# config STORE N: the nominal run and the flood runs of one store and worker count.
config() {
	key="$1.$2"
	one_run "$1" "$2" nominal "$key-nominal" || failed=1
	line=$LINE
	result "$key.nominal_published" "$(kv "$line" published)"
	result "$key.nominal_stored" "$(kv "$line" stored)"
	result "$key.nominal_offered_rate" "$(kv "$line" pub_rate)"
	result "$key.nominal_rate" "$(kv "$line" stored_rate)"
	result "$key.p50_ms" "$(kv "$line" p50_ms)"
	result "$key.p99_ms" "$(kv "$line" p99_ms)"
	: >"$W/rates"
	r=1
	while [ $r -le "$RUNS" ]; do
		one_run "$1" "$2" flood "$key-flood$r" || failed=1
		line=$LINE
		kv "$line" stored_rate >>"$W/rates"
		result "$key.flood$r.published" "$(kv "$line" published)"
		result "$key.flood$r.stored" "$(kv "$line" stored)"
		result "$key.flood$r.rate" "$(kv "$line" stored_rate)"
		result "$key.flood$r.p99_ms" "$(kv "$line" p99_ms)"
		r=$((r + 1))
	done
	result "$key.rate" "$(median <"$W/rates")"
	stored=$(db_count "$1" "$LAST_TARGET")
	bytes=$(db_bytes "$1" "$LAST_TARGET")
	result "$key.bytes_per_reading" "$(awk -v b="$bytes" -v n="$stored" 'BEGIN { if (n > 0) printf "%.1f\n", b / n }')"
	if [ "$2" -eq 1 ]; then
		f=$(db_floor "$1" "$LAST_TARGET") || { note "$1: the insert floor failed"; f=; }
		result "$1.insert_floor" "$f"
	fi
}

# report_time CONF: "wall_ms cpu_ms", the best of REPORT_RUNS runs of the month's text report.
report_time() {
	bw=
	bc=
	i=0
	while [ $i -lt "$REPORT_RUNS" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -f '%U %S' -o "$W/time" "$A" report -c "$1" --month "$MONTH" \
			--format text -o "$W/report.txt" 2>"$W/report.err" ||
			{ note "report failed: $(cat "$W/report.err")"; return 1; }
		t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000000))
		c=$(awk 'NR == 1 { printf "%d", ($1 + $2) * 1000 }' "$W/time")
		if [ -z "$bw" ] || [ "$t" -lt "$bw" ]; then bw=$t; fi
		if [ -z "$bc" ] || [ "$c" -lt "$bc" ]; then bc=$c; fi
		i=$((i + 1))
	done
	echo "$bw $bc"
}
# reports STORE: a month of roll-ups for every device, then the county's and the province's report.
reports() {
	target=$(db_fresh "$1" "$1-month") || return 1
	out=$("$SCALE/fill" "$target" "$W/devices.txt" "$MONTH") || { note "$1: fill failed"; return 1; }
	result "$1.fill_rows" "$(echo "$out" | awk '{ print $2 }')"
	result "$1.fill_s" "$(echo "$out" | awk '{ print $4 }')"
	central "$W/report-county.json" "$target" pvmon-bench-report "$W/county.json"
	central "$W/report-province.json" "$target" pvmon-bench-report "$W/province.json"
	t=$(report_time "$W/report-county.json") || return 1
	result "$1.report_county_ms" "${t% *}"
	result "$1.report_county_cpu_ms" "${t#* }"
	t=$(report_time "$W/report-province.json") || return 1
	result "$1.report_province_ms" "${t% *}"
	result "$1.report_province_cpu_ms" "${t#* }"
}

# ---- the run ----
sh bench/scale/fleet.sh "$W" "$STATIONS" "$COUNTIES" || exit 1
devices=$(wc -l <"$W/devices.txt")
gateways=$(awk '{ print $1 }' "$W/devices.txt" | uniq | wc -l)
t_start=$(date +%s)
echo "province bench: $STATIONS stations, $devices devices, $gateways gateways, $CONNS publisher connections;"
echo "  nominal: every device every ${INTERVAL_S} s for ${NOMINAL_S} s; flood: $RUNS x ${FLOOD_S} s;" \
	"batch ${BATCH_ROWS} rows / ${BATCH_MS} ms; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
result devices "$devices"

# the bare subscriber: the same publisher, flooding, into a subscriber that only counts
: >"$W/rates"
r=1
while [ $r -le "$RUNS" ]; do
	broker_up
	"$PVMON_TOOLS/subcount" -p "$BPORT" -n 2000000000 -I 3 -T $((FLOOD_S + 300)) >"$W/sub.out" 2>&1 &
	SUB=$!
	IT_PIDS="$IT_PIDS $SUB"
	n=0
	while ! grep -q subscribed "$W/sub.out" && [ $n -lt 300 ]; do sleep 0.05; n=$((n + 1)); done
	line=$("$SCALE/pub" -p "$BPORT" -f "$W/devices.txt" -c "$CONNS" -F -n -d "$FLOOD_S")
	wait "$SUB"
	broker_down
	got=$(sed -n 's/^received \([0-9]*\) .*/\1/p' "$W/sub.out")
	rate=$(sed -n 's/.*: \([0-9]*\)\/s$/\1/p' "$W/sub.out")
	echo "subscriber: $line received=$got rate=$rate" >>"$W/runs.log"
	[ "$got" = "$(kv "$line" published)" ] || note "bare subscriber: published $(kv "$line" published), received $got"
	echo "$rate" >>"$W/rates"
	r=$((r + 1))
done
result subscriber_floor "$(median <"$W/rates")"

stores_run=
for store in $STORES; do
	case $store in
	sqlite) ;;
	pg)
		if ! pg_setup; then
			note "PostgreSQL skipped: $PG_SKIP"
			result pg.skipped "$PG_SKIP"
			continue
		fi
		;;
	*) note "unknown store \"$store\" in PVMON_BENCH_STORES (sqlite, pg)"; exit 2 ;;
	esac
	stores_run="$stores_run $store"
	for n in $WORKERS; do
		if ! workers_supported "$n"; then
			note "$store with $n workers skipped: $WORKERS_SKIP"
			result "$store.$n.skipped" "$WORKERS_SKIP"
			continue
		fi
		config "$store" "$n"
	done
	reports "$store" || failed=1
	if [ "$store" = pg ]; then
		if [ -s "$W/pg-dbs" ]; then
			while read -r db; do psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done <"$W/pg-dbs"
		fi
		pg_stop
	fi
done

# ---- the table ----
sub=$(get subscriber_floor)
echo
echo "| store | workers | readings/s stored (flood) | / bare subscriber | / insert floor | at ${INTERVAL_S} s: stored/s of offered | p50 ms | p99 ms | stored / published | bytes per reading |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
for store in $stores_run; do
	fl=$(get "$store.insert_floor")
	for n in $WORKERS; do
		if [ -n "$(get "$store.$n.skipped")" ]; then
			echo "| $store | $n | skipped: $(get "$store.$n.skipped" | sed 's/ (expected one of.*//') | | | | | | | |"
			continue
		fi
		rate=$(get "$store.$n.rate")
		tot_p=$(($(get "$store.$n.nominal_published") + 0))
		tot_s=$(($(get "$store.$n.nominal_stored") + 0))
		r=1
		while [ $r -le "$RUNS" ]; do
			tot_p=$((tot_p + $(get "$store.$n.flood$r.published") + 0))
			tot_s=$((tot_s + $(get "$store.$n.flood$r.stored") + 0))
			r=$((r + 1))
		done
		echo "| $store | $n | $rate | $(ratio "$rate" "$sub") | $(ratio "$rate" "$fl") |" \
			"$(get "$store.$n.nominal_rate") of $(get "$store.$n.nominal_offered_rate") |" \
			"$(get "$store.$n.p50_ms") | $(get "$store.$n.p99_ms") | $tot_s / $tot_p |" \
			"$(get "$store.$n.bytes_per_reading") |"
	done
done
[ -n "$(get pg.skipped)" ] && echo "| pg | | skipped: $(get pg.skipped) | | | | | | | |"
echo
echo "| floor | readings/s |"
echo "| --- | ---: |"
echo "| bare subscriber (same broker and publisher) | $sub |"
for store in $stores_run; do
	case $store in
	sqlite) what="bare batched INSERT, sqlite ($BATCH_ROWS rows a transaction)" ;;
	pg) what="bare COPY, pg (one psql copy of the same rows)" ;;
	esac
	echo "| $what | $(get "$store.insert_floor") |"
done
echo
echo "| report, $MONTH, text | county ($(grep -c '"gateway"' "$W/county.json") stations), wall / CPU ms | province ($STATIONS stations), wall / CPU ms | daily rows filled |"
echo "| --- | ---: | ---: | ---: |"
for store in $stores_run; do
	echo "| $store | $(get "$store.report_county_ms") / $(get "$store.report_county_cpu_ms") |" \
		"$(get "$store.report_province_ms") / $(get "$store.report_province_cpu_ms") |" \
		"$(get "$store.fill_rows") in $(get "$store.fill_s") s |"
done
echo
echo "bench-scale: $(($(date +%s) - t_start)) s"
[ -z "$IT_KEEP" ] || echo "bench-scale: runs in $W/runs.log"
exit $failed
