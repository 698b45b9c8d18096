#!/bin/sh
# Ingest benchmark (issue 4): publishers on loopback send valid readings from
# many gateways as fast as mosquitto takes them at QoS 1, to `pvmon-allocator
# ingest` and, side by side in the same run, to a bare libmosquitto subscriber
# that only counts (the ceiling). Reports readings stored per second, ingest's CPU
# and peak RSS, the database size per million readings, and the drain of a
# backlog queued while ingest was down (RSS must stay flat).
# WORKERS=N (default 1) runs N ingest workers of one share group on the one
# database instead (docs/scale.md); their CPU is summed. Workers start clean (the
# broker queues nothing for a group whose workers are all gone), so their backlog
# is queued while they are frozen (SIGSTOP, under the keep-alive), not stopped.
#   sh bench/ingest.sh   (DURATION, default BENCH_SECONDS or 60; GATEWAYS=200 DEVICES=10 BACKLOG_S=20)
# Run from the repository root after `make tests`.

DURATION=${DURATION:-${BENCH_SECONDS:-60}}
GATEWAYS=${GATEWAYS:-200}
DEVICES=${DEVICES:-10}
BACKLOG_S=${BACKLOG_S:-20}
WORKERS=${WORKERS:-1}
O=${O:-build}
BIN=${BIN:-bin}
PVMON_BIN=$(cd "$BIN" && pwd)
PVMON_TOOLS=$(cd "$O/tools" && pwd)
PVMON_ROOT=$(pwd)
export PVMON_BIN PVMON_TOOLS PVMON_ROOT
. tests/it/lib.sh

D=$IT_TMP
PORT=$(free_port)
cat >"$D/mosquitto.conf" <<EOC
listener $PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 100
EOC
bg mosquitto mosquitto -c "$D/mosquitto.conf"
wait_port "$PORT" || { echo "bench: mosquitto did not start"; exit 1; }

# a fleet of GATEWAYS stations st0001.. with DEVICES inverters and a meter each
{
	echo '{ "county": "bench", "townships": [ { "id": "t", "name": "t" } ],'
	echo '  "villages": [ { "id": "v", "name": "v", "township": "t" } ],'
	echo '  "tariffs": [ { "id": "p", "periods": [ { "from": "2010-01-01", "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.5580" } ] } ],'
	echo '  "stations": ['
	g=1
	while [ $g -le "$GATEWAYS" ]; do
		id=$(printf '%04d' $g)
		invs=""
		i=1
		while [ $i -le "$DEVICES" ]; do
			invs="$invs{ \"id\": \"inv$(printf '%02d' $i)\", \"capacity_kw\": 50 }"
			[ $i -lt "$DEVICES" ] && invs="$invs, "
			i=$((i + 1))
		done
		sep=","
		[ $g -eq "$GATEWAYS" ] && sep=""
		echo "    { \"id\": \"st$id\", \"name\": \"st$id\", \"gateway\": \"gw$id\", \"capacity_kw\": 500,"
		echo "      \"commissioned\": \"2018-06-28\", \"latitude\": 37.9, \"longitude\": 110.9,"
		echo "      \"meter\": { \"id\": \"meter\" }, \"inverters\": [ $invs ],"
		echo "      \"shares\": [ { \"village\": \"v\", \"weight\": 1 } ], \"tariff\": \"p\","
		echo "      \"costs\": { \"land_rent_yuan_per_year\": 0, \"insurance_yuan_per_year\": 0, \"om_yuan_per_month\": 0, \"om_yuan_per_mwh\": 0, \"om_cap_yuan_per_kw_year\": 0, \"tax_percent\": 0 } }$sep"
		g=$((g + 1))
	done
	echo '  ] }'
} >"$D/fleet.json"
cat >"$D/central.json" <<EOC
{
  "broker": { "host": "127.0.0.1", "port": $PORT, "keepalive_s": 30 },
  "client_id": "pvmon-ingest-bench",
  "database": "bench.db",
  "fleet": "fleet.json",
  "batch": { "rows": 1000, "ms": 200 },
  $([ "$WORKERS" -gt 1 ] && echo '"ingest_share": "bench",')
  "log": { "target": "stderr", "level": "info" }
}
EOC
DEVS=""
i=1
while [ $i -le "$DEVICES" ]; do
	DEVS="${DEVS}st:inv$(printf '%02d' $i):inverter,"
	i=$((i + 1))
done
DEVS="${DEVS}st:meter:meter"
TICK=$(getconf CLK_TCK)
cpu_ticks() {
	for _p in "$@"; do cat "/proc/$_p/stat"; done | awk '{ t += $14 + $15 } END { print t }'
}
hwm_kb() {
	for _p in "$@"; do cat "/proc/$_p/status"; done | awk '/VmHWM/ && $2 > m { m = $2 } END { print m }'
}
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
now_ms() { date +%s%3N; }
acked_sum() { sqlite3 "$D/bench.db" "SELECT coalesce(sum(acked_seq), 0) FROM gateways" 2>/dev/null || echo 0; }
# wait_acked N: until ingest has acknowledged N readings in total.
wait_acked() {
	while [ "$(acked_sum)" -lt "$1" ]; do sleep 0.2; done
}

echo "bench: $GATEWAYS gateways x $((DEVICES + 1)) devices, ${DURATION}s per phase, QoS 1, loopback, $WORKERS ingest worker(s)"

# 1. live, in the same run: ingest and the ceiling, a bare subscriber that only
#    counts, both subscribed to the same publishers
if [ "$WORKERS" -gt 1 ]; then
	ING=""
	w=1
	while [ $w -le "$WORKERS" ]; do
		bg "ingest-w$w" "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json" --worker $w
		ING="$ING $LAST_PID"
		while ! grep -q "connected to" "$IT_TMP/ingest-w$w.log" 2>/dev/null; do sleep 0.05; done
		w=$((w + 1))
	done
else
	bg ingest "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
	ING=$LAST_PID
	while ! grep -q "connected to" "$IT_TMP/ingest.log" 2>/dev/null; do sleep 0.05; done
fi
"$PVMON_TOOLS/subcount" -p "$PORT" -n 2000000000 -I 3 -T $((DURATION + 600)) >"$D/sub.out" 2>&1 &
SUB=$!
IT_PIDS="$IT_PIDS $SUB"
while ! grep -q subscribed "$D/sub.out"; do sleep 0.05; done
c0=$(cpu_ticks $ING)
t0=$(now_ms)
n2=$("$PVMON_TOOLS/pubreadings" -p "$PORT" -g gw -G "$GATEWAYS" -d "$DEVS" --duration-s "$DURATION" 2>/dev/null)
tp=$(now_ms)
wait_acked "$n2"
t1=$(now_ms)
c1=$(cpu_ticks $ING)
wait "$SUB"
ceiling=$(sed -n 's/.*: \([0-9]*\)\/s/\1/p' "$D/sub.out")
rate=$((n2 * 1000 / (t1 - t0)))
cpu_pct=$(((c1 - c0) * 100 * 1000 / TICK / (t1 - t0)))
echo "published: $n2 readings in $(((tp - t0) / 1000)) s: $((n2 * 1000 / (tp - t0)))/s taken by the broker"
echo "ceiling (bare subscriber): $(tail -1 "$D/sub.out")"
echo "ingest live: $n2 readings stored and acked in $(((t1 - t0) / 1000)) s: $rate/s," \
	"CPU ${cpu_pct}% of a core ($(((c1 - c0) * 1000000 / TICK / n2)) us per reading), peak RSS $(hwm_kb $ING) kB"
[ -n "$ceiling" ] && [ "$ceiling" -gt 0 ] && echo "ingest / ceiling: $((rate * 100 / ceiling))%"
if [ "$WORKERS" -gt 1 ]; then
	for p in $ING; do kill -STOP "$p"; done
	nb=$("$PVMON_TOOLS/pubreadings" -p "$PORT" -g gw -G "$GATEWAYS" -d "$DEVS" -s $((n2 / GATEWAYS + 1)) --duration-s "$BACKLOG_S" 2>/dev/null)
	c0=$(cpu_ticks $ING)
	t0=$(now_ms)
	for p in $ING; do kill -CONT "$p"; done
	wait_acked $((n2 + nb))
	t1=$(now_ms)
	c1=$(cpu_ticks $ING)
	echo "ingest backlog: $nb queued readings drained in $(((t1 - t0) / 1000)) s:" \
		"$((nb * 1000 / (t1 - t0)))/s, CPU $(((c1 - c0) / TICK)) s, peak RSS $(hwm_kb $ING) kB"
	for p in $ING; do stop "$p"; done
	sed -n 's/.*\(stopped: .*\)/ingest worker: \1/p' "$IT_TMP"/ingest-w*.log
	exit 0
fi

# 2. a backlog queued by the broker while ingest is down, then drained
stop "$ING"
nb=$("$PVMON_TOOLS/pubreadings" -p "$PORT" -g gw -G "$GATEWAYS" -d "$DEVS" -s $((n2 / GATEWAYS + 1)) --duration-s "$BACKLOG_S" 2>/dev/null)
bg ingest2 "$PVMON_BIN/pvmon-allocator" ingest -c "$D/central.json"
ING=$LAST_PID
t0=$(now_ms)
c0=0
wait_acked $((n2 + nb))
t1=$(now_ms)
c1=$(cpu_ticks "$ING")
echo "ingest backlog: $nb queued readings drained in $(((t1 - t0) / 1000)) s:" \
	"$((nb * 1000 / (t1 - t0)))/s, CPU $((c1 * 1000 / TICK / 1000)) s, peak RSS $(hwm_kb "$ING") kB"
stop "$ING"
total=$(sqlite3 "$D/bench.db" "PRAGMA wal_checkpoint(TRUNCATE); SELECT count(*) FROM readings;" | tail -1)
size=$(stat -c %s "$D/bench.db")
echo "database: $total readings in $size bytes: $((size / (total / 1000 + 1) / 1000)) MB per million readings"
