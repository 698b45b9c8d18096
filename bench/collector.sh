#!/bin/sh
# Benchmark: pvmon-collector polling SECONDS (default 60) over Modbus TCP 500
# simulated devices (50 stations x 10 inverters) every second, publishing to a
# local mosquitto. Reports the collector's CPU as % of one core (utime+stime
# from /proc), its peak RSS (VmHWM) and the readings/s a subscriber received.
# Usage: sh bench/collector.sh [SECONDS]   (after make; not part of make test)
set -e
SECS=${1:-60}
ROOT=$(pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-bench.XXXXXX")
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; sleep 0.5; rm -rf "$T"' EXIT
BP=$(build/tools/freeport)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\n' "$BP" >"$T/mq.conf"
mosquitto -c "$T/mq.conf" >"$T/mq.log" 2>&1 & PIDS="$PIDS $!"
bin/pvmon-sim --stations 50 --inverters-per-station 10 --meter-profile none --profile huawei-sun2000 \
	--start 2019-06-21T12:00:00+08:00 --ports-file "$T/ports" >"$T/sim.log" 2>&1 & PIDS="$PIDS $!"
build/tools/waitport "$BP" 10
while [ ! -s "$T/ports" ]; do sleep 0.1; done
buses=$(awk 'BEGIN { first = 1 } {
	printf "%s{ \"id\": \"%s\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": %s, \"timeout_ms\": 1000, \"devices\": [", (first ? "" : ","), $1, $4
	for (u = 1; u <= 10; u++)
		printf "%s{ \"id\": \"inv%02d\", \"station\": \"%s\", \"unit\": %d, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\" }", (u > 1 ? "," : ""), u, $1, u
	printf "] }"; first = 0 }' "$T/ports")
cat >"$T/c.json" <<EOC
{ "gateway": "gw-bench", "broker": { "host": "127.0.0.1", "port": $BP },
  "spool": { "path": "$T/spool.db" }, "poll": { "interval_ms": 1000, "health_interval_s": 60 },
  "profiles_dir": "$ROOT/config/profiles", "log": { "level": "warn" }, "buses": [ $buses ] }
EOC
build/tools/ackbot -p "$BP" -g gw-bench -n >"$T/count" & ACK=$!
PIDS="$PIDS $ACK"
bin/pvmon-collector -c "$T/c.json" 2>"$T/collector.log" & COL=$!
PIDS="$PIDS $COL"
sleep 3 # warm-up: connections, first rounds
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$COL/stat"; }
t0=$(ticks)
sleep "$SECS"
t1=$(ticks)
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$COL/status")
kill "$COL"; wait "$COL" 2>/dev/null || true
kill "$ACK"; wait "$ACK" 2>/dev/null || true
n=$(sed -n 's/ readings//p' "$T/count")
echo "collector: $SECS s, 500 devices every 1 s over TCP"
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$SECS" 'BEGIN { printf "  CPU: %.1f%% of one core\n", (b - a) / hz / s * 100 }'
echo "  peak RSS (VmHWM): $hwm kB"
awk -v n="$n" -v s="$SECS" 'BEGIN { printf "  delivered: %d readings in total, ~%.0f/s over the run\n", n, n / (s + 3) }'
