#!/bin/sh
# Benchmark of `pvmon-allocator status`: a county at the top of the planned scale (720
# stations, each behind its own gateway, about 4,700 devices) with 29.5 days of this month's
# hourly and daily roll-ups and the last ten minutes of raw readings, judged as of
# 2019-06-30 12:00. status reads a few indexed ranges per device, so its time grows with the
# devices, not with the readings. Run from the repository root after `make`; BENCH_RUNS sets
# the runs per measurement (best is reported).
set -e
BIN=${BIN:-bin}
A=$BIN/pvmon-allocator
RUNS=${BENCH_RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-bench-status.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
[ -x "$A" ] || { echo "bench/status.sh: $A not built (run make)" >&2; exit 1; }

# The fleet: station i, gateway gw-i, village i mod 447 in township (i mod 447) mod 23;
# 380 stations with 6 inverters, 340 with 5, each with a meter.
awk -v dir="$W" 'BEGIN {
	f = dir "/fleet.json"; d = dir "/devices.csv"
	printf "{\n\"county\": \"临县\",\n\"townships\": [\n" > f
	for (t = 0; t < 23; t++)
		printf "%s{\"id\": \"t%02d\", \"name\": \"乡镇%02d\"}\n", t ? "," : "", t, t > f
	printf "],\n\"villages\": [\n" > f
	for (v = 0; v < 447; v++)
		printf "%s{\"id\": \"v%03d\", \"name\": \"村庄%03d村\", \"township\": \"t%02d\"}\n",
			v ? "," : "", v, v, v % 23 > f
	printf "],\n\"tariffs\": [{\"id\": \"t\", \"periods\": [{\"from\": \"2018-01-01\", \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.5580\"}]}],\n\"stations\": [\n" > f
	for (s = 0; s < 720; s++) {
		n = s < 380 ? 6 : 5
		printf "%s{\"id\": \"s%03d\", \"name\": \"光伏电站%03d\", \"gateway\": \"gw-s%03d\", \"capacity_kw\": 300, \"commissioned\": \"2016-06-30\", \"latitude\": 37.95, \"longitude\": 110.99, \"meter\": {\"id\": \"meter\"}, \"inverters\": [",
			s ? "," : "", s, s, s > f
		for (i = 1; i <= n; i++)
			printf "%s{\"id\": \"inv%02d\", \"capacity_kw\": %.3f}", (i > 1 ? "," : ""), i, 300 / n > f
		printf "], \"shares\": [{\"village\": \"v%03d\", \"weight\": 1}], \"tariff\": \"t\"}\n", s % 447 > f
		printf "s%03d,meter,1,gw-s%03d\n", s, s > d
		for (i = 1; i <= n; i++)
			printf "s%03d,inv%02d,0,gw-s%03d\n", s, i, s > d
	}
	printf "]\n}\n" > f
}'

# June 2019 (days 18048..18077) up to the 30th 12:00 +08:00 (UTC ms 1561867200000): hourly rows
# of 60 readings, daily rows, ten raw readings a device, a gateways row per gateway.
NOW=1561867200000
sed -n '/^```sql/,/^```/p' docs/storage.md | sed '1d;$d' >"$W/gen.sql"
ver=$(sed -n 's/^## Tables (schema version \([0-9]*\)).*/\1/p' docs/storage.md)
cat >>"$W/gen.sql" <<EOS
PRAGMA user_version = ${ver:-1};
CREATE TEMP TABLE devs (station TEXT, device TEXT, kind INTEGER, gw TEXT);
.import --csv $W/devices.csv devs
WITH RECURSIVE hours(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM hours WHERE k < 29 * 24 + 11)
INSERT INTO hourly (station, device, day, hour, wh, n)
SELECT station, device, 18048 + k / 24, k % 24, 1000, 60 FROM devs, hours
ORDER BY station, device, k;
INSERT INTO daily (station, device, day, kind, n_readings)
SELECT station, device, day, (SELECT kind FROM devs d WHERE d.station = h.station
       AND d.device = h.device), sum(n) FROM hourly h GROUP BY station, device, day;
INSERT INTO gw_ids (gw) SELECT DISTINCT gw FROM devs ORDER BY gw;
INSERT INTO devices (station, device) SELECT station, device FROM devs ORDER BY station, device;
WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < 10)
INSERT INTO readings (dev, ts, gw, seq, kind, state, energy_wh)
SELECT d.id, $NOW - (10 - k) * 60000, g.id,
       row_number() OVER (PARTITION BY v.gw ORDER BY v.device, k), v.kind, 1, 1000000 + k
FROM devs AS v JOIN devices AS d ON d.station = v.station AND d.device = v.device
JOIN gw_ids AS g ON g.gw = v.gw, r ORDER BY 1, 2, 3, 4;
INSERT INTO gateways (gw, acked_seq, max_seq, last_ms, status, version, backlog)
SELECT gw, max(seq), max(seq), max(ts), 'online', '0.1.0', 0 FROM readings_named GROUP BY gw;
EOS
t0=$(date +%s)
sqlite3 "$W/pvmon.db" <"$W/gen.sql"
t1=$(date +%s)
printf '{"broker": {"host": "127.0.0.1", "port": 1883}, "database": "pvmon.db", "fleet": "fleet.json", "expected_interval_s": 60}\n' >"$W/central.json"

# best ARGS...: the best of $RUNS runs of status: "wall ms / CPU ms" (CPU = user + system).
best() {
	bw=
	bc=
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		rc=0
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%U %S' -o "$W/time" "$A" status -c "$W/central.json" \
				--at 2019-06-30T12:00 "$@" >"$W/out" || rc=$?
			c=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$W/time")
		else
			"$A" status -c "$W/central.json" --at 2019-06-30T12:00 "$@" >"$W/out" || rc=$?
			c=
		fi
		[ "$rc" -le 2 ] || { echo "bench/status.sh: status failed ($rc)" >&2; exit 1; }
		t1=$(date +%s%N)
		t=$(((t1 - t0) / 1000000))
		if [ -z "$bw" ] || [ "$t" -lt "$bw" ]; then bw=$t; fi
		if [ -n "$c" ] && { [ -z "$bc" ] || [ "$c" -lt "$bc" ]; }; then bc=$c; fi
		i=$((i + 1))
	done
	echo "${bw} ms wall / ${bc:-?} ms CPU"
}

devs=$(wc -l <"$W/devices.csv")
rows=$(sqlite3 "$W/pvmon.db" "SELECT count(*) FROM hourly")
echo "status benchmark: 720 gateways, $devs devices, $rows hourly rows this month (generated in $((t1 - t0)) s)"
echo "best of $RUNS runs (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores):"
echo "  text, whole county: $(best)"
grep -q '^summary: gateways 720 (720 online.*; devices '"$devs"' ('"$devs"' ok' "$W/out" ||
	{ echo "bench/status.sh: unexpected summary: $(grep '^summary' "$W/out")" >&2; exit 1; }
echo "  json, whole county: $(best --json)"
echo "  --problems: $(best --problems)"
echo "  --township t05: $(best --township t05)"
