#!/bin/sh
# Storage benchmark (issue 14): bytes per raw reading and the time to store and read them,
# schema version 4 against version 5 on the same readings in the same run
# (build/tools/storebench: a county mix of 720 stations behind a gateway each, about 4,700
# devices, every device every 60 s for HOURS hours), then the monthly report and the status of
# the county on the same data: the version 4 file read by BEFORE_BIN's pvmon-allocator (a
# build of pvmon before schema 5; skipped when unset), the same file migrated to version 5
# and the version 5 file read by this one.
#   sh bench/storage.sh   (STATIONS=720 HOURS=4 BENCH_RUNS=5 BEFORE_BIN=dir)
# Run from the repository root after `make tests`.
set -e
O=${O:-build}
BIN=${BIN:-bin}
STATIONS=${STATIONS:-720}
HOURS=${HOURS:-4}
RUNS=${BENCH_RUNS:-5}
A=$BIN/pvmon-allocator
SB=$O/tools/storebench
[ "$HOURS" -ge 1 ] && [ "$HOURS" -le 18 ] || { echo "bench/storage.sh: HOURS 1-18" >&2; exit 2; }
[ -x "$A" ] && [ -x "$SB" ] || { echo "bench/storage.sh: build first (make tests)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-bench-storage.XXXXXX")
[ -n "$KEEP" ] || trap 'rm -rf "$W"' EXIT INT TERM

echo "storage benchmark: $STATIONS stations, ${HOURS} h of readings every 60 s," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$SB" "$W" "$STATIONS" "$HOURS" "$RUNS" >"$W/sb.out"
v() { sed -n "s/^$1=//p" "$W/sb.out"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "?" }'; }
echo "  readings: $(v readings) of $(v devices) devices"
echo "  bytes per reading, file growth after a checkpoint (median of the hours / overall):"
echo "    v4: $(v v4_bytes_per_reading_median) / $(v v4_bytes_per_reading_all)"
echo "    v5: $(v v5_bytes_per_reading_median) / $(v v5_bytes_per_reading_all)" \
	"(ratio $(ratio "$(v v4_bytes_per_reading_median)" "$(v v5_bytes_per_reading_median)"))"
echo "  bytes per reading, dbstat (the readings' b-trees):" \
	"v4 $(v v4_dbstat_bytes_per_reading), v5 $(v v5_dbstat_bytes_per_reading)" \
	"(+ $(v v5_dbstat_dictionary_bytes_per_reading) of dictionaries)," \
	"v4 migrated to v5 $(v migrated_dbstat_bytes_per_reading)"
echo "  storing, CPU per reading (1000 a transaction, acks stored with each):" \
	"v4 $(v v4_store_us_per_reading) us, v5 $(v v5_store_us_per_reading) us;" \
	"gw_pending rows left: $(v v5_gw_pending_rows)"
echo "  migration 4 -> 5: $(v migrate_cpu_us_per_reading) us of CPU per reading," \
	"$(v migrate_wall_s) s; file $(v v4_file_bytes) -> $(v migrated_file_bytes) bytes (freed pages stay until VACUUM)"
echo "  reading every device's readings and its last one, CPU (median of $RUNS):" \
	"v4 $(v v4_read_all_cpu_ms) ms, v5 $(v v5_read_all_cpu_ms) ms" \
	"(ratio $(ratio "$(v v4_read_all_cpu_ms)" "$(v v5_read_all_cpu_ms)"))"

# the fleet of storebench's devices: station sNNN behind gw-sNNN, inv01..inv06 or inv05, a meter
awk -v dir="$W" -v n="$STATIONS" 'BEGIN {
	f = dir "/fleet.json"
	printf "{\"county\": \"bench\", \"townships\": [{\"id\": \"t\", \"name\": \"t\"}],\n" > f
	printf "\"villages\": [{\"id\": \"v\", \"name\": \"v\", \"township\": \"t\"}],\n" > f
	printf "\"tariffs\": [{\"id\": \"p\", \"periods\": [{\"from\": \"2010-01-01\", \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.5580\"}]}],\n" > f
	printf "\"stations\": [\n" > f
	for (s = 0; s < n; s++) {
		k = s % 19 < 10 ? 6 : 5
		printf "%s{\"id\": \"s%03d\", \"name\": \"s%03d\", \"gateway\": \"gw-s%03d\", \"capacity_kw\": 300, \"commissioned\": \"2016-06-30\", \"latitude\": 37.95, \"longitude\": 110.99, \"meter\": {\"id\": \"meter\"}, \"inverters\": [", s ? "," : "", s, s, s > f
		for (i = 1; i <= k; i++)
			printf "%s{\"id\": \"inv%02d\", \"capacity_kw\": 50}", (i > 1 ? "," : ""), i > f
		printf "], \"shares\": [{\"village\": \"v\", \"weight\": 1}], \"tariff\": \"p\"}\n" > f
	}
	printf "]}\n" > f
}'
for db in v4 v5 migrated; do
	printf '{"broker": {"host": "127.0.0.1", "port": 1883}, "database": "%s.db", "fleet": "fleet.json", "expected_interval_s": 60}\n' \
		"$db" >"$W/$db.json"
done

# med PROGRAM ARGS...: the median CPU ms (user + system) of $RUNS runs, or wall ms without /usr/bin/time
med() {
	i=0
	: >"$W/times"
	while [ $i -lt "$RUNS" ]; do
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%U %S' -o "$W/time" "$@" >"$W/out" 2>"$W/err" || [ $? -le 2 ]
			awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$W/time" >>"$W/times"
		else
			t0=$(date +%s%N)
			"$@" >"$W/out" 2>"$W/err" || [ $? -le 2 ]
			echo $((($(date +%s%N) - t0) / 1000000)) >>"$W/times"
		fi
		i=$((i + 1))
	done
	sort -n "$W/times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
unit=$([ -x /usr/bin/time ] && echo "ms CPU" || echo "ms wall")
report() { med "$1" report -c "$W/$2.json" --month 2019-06 --format text -o "$W/$2.txt"; }
at=2019-06-15T$(printf %02d $((5 + HOURS))):29
status() { med "$1" status -c "$W/$2.json" --at "$at"; }
r5=$(report "$A" v5)
rm=$(report "$A" migrated)
s5=$(status "$A" v5)
sm=$(status "$A" migrated)
cmp -s "$W/v5.txt" "$W/migrated.txt" || echo "  note: the report of the migrated file differs from the v5 file's"
if [ -n "$BEFORE_BIN" ] && [ -x "$BEFORE_BIN/pvmon-allocator" ]; then
	r4=$(report "$BEFORE_BIN/pvmon-allocator" v4)
	s4=$(status "$BEFORE_BIN/pvmon-allocator" v4)
	cmp -s "$W/v4.txt" "$W/migrated.txt" && same="identical" || same="DIFFERENT"
	echo "  report, month 2019-06, text ($unit, median of $RUNS): v4 $r4, v4 migrated $rm, v5 $r5" \
		"(ratio $(ratio "$r4" "$rm")); before and after: $same"
	echo "  status of the county ($unit, median of $RUNS): v4 $s4, v4 migrated $sm, v5 $s5" \
		"(ratio $(ratio "$s4" "$sm"))"
else
	echo "  report, month 2019-06, text ($unit, median of $RUNS): v4 migrated $rm, v5 $r5" \
		"(set BEFORE_BIN to a pvmon before schema 5 for v4)"
	echo "  status of the county ($unit, median of $RUNS): v4 migrated $sm, v5 $s5"
fi
