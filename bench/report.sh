#!/bin/sh
# Benchmark of `pvmon-allocator report`: a county-year of daily roll-ups (720 stations,
# 447 villages in 23 townships, about 4,700 devices) generated straight into a database
# in the schema of docs/storage.md, then the time of one monthly report in each format.
# Then the same year with twice the readings (every 30 s instead of 60 s), and the same
# county with three years of history: the report reads the roll-ups of its twelve-month
# window only, so neither should change its time much. Run from the repository root
# after `make`; BENCH_RUNS sets the runs per measurement (best is reported).
set -e
BIN=${BIN:-bin}
A=$BIN/pvmon-allocator
RUNS=${BENCH_RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
[ -x "$A" ] || { echo "bench/report.sh: $A not built (run make)" >&2; exit 1; }

# The fleet: station i belongs to village i mod 447; every fourth station is a joint
# station of three villages (40/35/25). 380 stations have 6 inverters, 340 have 5.
awk -v dir="$W" 'BEGIN {
	f = dir "/fleet.json"; d = dir "/devices.csv"
	printf "{\n\"county\": \"临县\",\n\"townships\": [\n" > f
	for (t = 0; t < 23; t++)
		printf "%s{\"id\": \"t%02d\", \"name\": \"乡镇%02d\"}\n", t ? "," : "", t, t > f
	printf "],\n\"villages\": [\n" > f
	for (v = 0; v < 447; v++)
		printf "%s{\"id\": \"v%03d\", \"name\": \"村庄%03d村\", \"township\": \"t%02d\"}\n",
			v ? "," : "", v, v, v % 23 > f
	printf "],\n\"tariffs\": [{\"id\": \"t\", \"periods\": [" > f
	printf "{\"from\": \"2018-01-01\", \"to\": \"2019-06-30\", \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.5580\"}," > f
	printf "{\"from\": \"2019-07-01\", \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.4680\"}]}],\n" > f
	printf "\"stations\": [\n" > f
	for (s = 0; s < 720; s++) {
		n = s < 380 ? 6 : 5; cap = (s % 7 == 0) ? 500 : 300
		printf "%s{\"id\": \"s%03d\", \"name\": \"光伏电站%03d\", \"capacity_kw\": %d, \"commissioned\": \"2016-06-30\", \"latitude\": 37.95, \"longitude\": 110.99, \"meter\": {\"id\": \"meter\"}, \"inverters\": [",
			s ? "," : "", s, s, cap > f
		for (i = 1; i <= n; i++)
			printf "%s{\"id\": \"inv%02d\", \"capacity_kw\": %.3f}", (i > 1 ? "," : ""), i, cap / n > f
		v = s % 447
		if (s % 4 == 0)
			printf "], \"shares\": [{\"village\": \"v%03d\", \"weight\": 40}, {\"village\": \"v%03d\", \"weight\": 35}, {\"village\": \"v%03d\", \"weight\": 25}],",
				v, (v + 1) % 447, (v + 2) % 447 > f
		else
			printf "], \"shares\": [{\"village\": \"v%03d\", \"weight\": 1}],", v > f
		printf " \"tariff\": \"t\", \"costs\": {\"land_rent_yuan_per_year\": 6000, \"insurance_yuan_per_year\": 1500, \"om_yuan_per_month\": 800, \"om_cap_yuan_per_kw_year\": 30}}\n" > f
		# devices.csv: station, device, kind, Wh per day (a sunny-day base)
		e = cap * 3300 + (s % 11) * 40000
		printf "s%03d,meter,1,%d\n", s, e > d
		for (i = 1; i <= n; i++)
			printf "s%03d,inv%02d,0,%d\n", s, i, int(e * 1.01 / n) > d
	}
	printf "]\n}\n" > f
}'

# gen DB FIRST_DAY LAST_DAY READINGS_PER_DAY: the schema and the roll-ups of those days.
gen() {
	sed -n '/^```sql/,/^```/p' docs/storage.md | sed '1d;$d' >"$W/gen.sql"
	ver=$(sed -n 's/^## Tables (schema version \([0-9]*\)).*/\1/p' docs/storage.md)
	cat >>"$W/gen.sql" <<EOS
PRAGMA user_version = ${ver:-1};
CREATE TEMP TABLE devs (station TEXT, device TEXT, kind INTEGER, e INTEGER);
.import --csv $W/devices.csv devs
WITH RECURSIVE days(d) AS (SELECT $2 UNION ALL SELECT d + 1 FROM days WHERE d < $3)
INSERT INTO daily (station, device, day, kind, n_readings, first_ts, first_wh, last_ts, last_wh,
                   delta_wh, offline_s)
SELECT station, device, d, kind, $4, (d * 86400 - 7200) * 1000,
       1000000 + (d - $2) * e, (d * 86400 + 39600) * 1000,
       1000000 + (d - $2) * e + e * (60 + ((d * 7 + rowid) % 41)) / 100,
       e * (60 + ((d * 7 + rowid) % 41)) / 100, CASE WHEN (d + rowid) % 97 = 0 THEN 36000 ELSE 0 END
FROM devs, days ORDER BY station, device, d;
EOS
	sqlite3 "$1" <"$W/gen.sql"
}

# central CONF DB INTERVAL
central() {
	printf '{"broker": {"host": "127.0.0.1", "port": 1883}, "database": "%s", "fleet": "fleet.json", "expected_interval_s": %s}\n' \
		"$2" "$3" >"$1"
}

# best CONF FORMAT: the best of $RUNS runs of one report: "wall ms / CPU ms" (CPU = user +
# system, from /usr/bin/time when installed: on a busy machine wall time mostly measures the load).
best() {
	bw=
	bc=
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%U %S' -o "$W/time" "$A" report -c "$1" --month 2019-06 \
				--format "$2" -o "$W/out.$2"
			c=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$W/time")
		else
			"$A" report -c "$1" --month 2019-06 --format "$2" -o "$W/out.$2"
			c=
		fi
		t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000000))
		if [ -z "$bw" ] || [ "$t" -lt "$bw" ]; then bw=$t; fi
		if [ -n "$c" ] && { [ -z "$bc" ] || [ "$c" -lt "$bc" ]; }; then bc=$c; fi
		i=$((i + 1))
	done
	echo "${bw} ms wall / ${bc:-?} ms CPU"
}

t0=$(date +%s)
gen "$W/year60.db" 17713 18078 1440      # 2018-07-01 .. 2019-07-01, readings every 60 s
gen "$W/year30.db" 17713 18078 2880      # the same year, every 30 s
gen "$W/three.db" 16983 18078 1440       # 2016-06-30 .. 2019-07-01: three years of history
t1=$(date +%s)
central "$W/c60.json" year60.db 60
central "$W/c30.json" year30.db 30
central "$W/c3y.json" three.db 60
rows=$(sqlite3 "$W/year60.db" "SELECT count(*) FROM daily")
devs=$(wc -l <"$W/devices.csv")
echo "report benchmark: 720 stations, 447 villages, $devs devices, $rows daily rows a year (generated in $((t1 - t0)) s)"
echo "best of $RUNS runs, month 2019-06 (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores):"
for f in text csv json html; do
	echo "  $f: $(best "$W/c60.json" $f) (readings every 60 s)"
	echo "  $f: $(best "$W/c30.json" $f) (every 30 s: twice the readings)"
	echo "  $f: $(best "$W/c3y.json" $f) (three years of roll-ups in the file)"
done
echo "  output sizes: text $(wc -c <"$W/out.text"), csv $(wc -c <"$W/out.csv"), json $(wc -c <"$W/out.json"), html $(wc -c <"$W/out.html") bytes"
