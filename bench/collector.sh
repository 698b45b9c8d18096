#!/bin/sh
# Benchmark of issue 3: pvmon-collector against a floor (bench/floor.c: the same Modbus reads
# and QoS 1 publishes with no decoding, JSON or spool) on the same pvmon-sim, mosquitto and
# subscriber (tests/tools/ackbot, acking as ingest would), 500 Huawei devices over Modbus TCP
# (50 stations x 10 inverters, one bus thread each). Four phases of SECONDS each, in the order
# collector, floor, floor, collector (so a drift in the shared machine's load hits both):
#   paced:    every device every 1 s: CPU (% of one core, /proc utime+stime), ms of CPU per
#             reading delivered, readings/s delivered, peak RSS (VmHWM)
#   flat out: collector at the smallest interval its config allows (interval_ms 100), floor
#             with no pause between rounds: readings/s delivered
# Each figure is the median of 10 s windows. Prints a table and the targets of issue 3.
# Usage: sh bench/collector.sh [SECONDS]   (default $BENCH_SECONDS or 60; after make tests)
# Env: O, BIN (build dirs, as make), BENCH_WARMUP (s before measuring, default 3),
#      BENCH_RESULTS (file to append "key value" lines to, for scripts).
set -e
SECS=${1:-${BENCH_SECONDS:-60}}
WARM=${BENCH_WARMUP:-3}
O=${O:-build}
BIN=${BIN:-bin}
ROOT=$(pwd)
FAST_MS=100 # the smallest poll.interval_ms the collector's config accepts (docs/config.md)
case $SECS in '' | *[!0-9]* | 0)
	echo "usage: sh bench/collector.sh [SECONDS]" >&2
	exit 2
	;;
esac
WIN=10
[ "$SECS" -ge "$WIN" ] || WIN=$SECS
NWIN=$((SECS / WIN))
for f in "$BIN/pvmon-collector" "$BIN/pvmon-sim" "$O/bench/floor" "$O/tools/ackbot" \
	"$O/tools/freeport" "$O/tools/waitport"; do
	[ -x "$f" ] || {
		echo "bench/collector.sh: $f is missing: run make tests (or make bench)" >&2
		exit 1
	}
done

T=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-bench.XXXXXX")
PIDS=""
# stop PID: SIGTERM, then SIGKILL after 5 s
stop() {
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 250 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	for p in $PIDS; do stop "$p"; done
	[ -n "$BENCH_KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BP=$("$O/tools/freeport")
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\n' \
	"$BP" >"$T/mq.conf"
mosquitto -c "$T/mq.conf" >"$T/mq.log" 2>&1 &
PIDS="$PIDS $!"
"$BIN/pvmon-sim" --stations 50 --inverters-per-station 10 --meter-profile none \
	--profile huawei-sun2000 --start 2019-06-21T12:00:00+08:00 --ports-file "$T/ports" \
	--log-level warn >"$T/sim.log" 2>&1 &
SIM=$!
PIDS="$PIDS $SIM"
"$O/tools/waitport" "$BP" 10
i=0
while [ ! -s "$T/ports" ]; do
	kill -0 "$SIM" 2>/dev/null && [ $i -lt 300 ] || {
		echo "bench/collector.sh: pvmon-sim did not start:" >&2
		cat "$T/sim.log" >&2
		exit 1
	}
	sleep 0.1
	i=$((i + 1))
done
DEVICES=$(awk '$2 == "tcp" { n += 10 } END { print n + 0 }' "$T/ports")

# config INTERVAL_MS SPOOL: a collector.json polling every station of the sim
config() {
	buses=$(awk 'BEGIN { first = 1 } $2 == "tcp" {
		printf "%s{ \"id\": \"%s\", \"type\": \"tcp\", \"host\": \"%s\", \"port\": %s, \"timeout_ms\": 1000, \"devices\": [", (first ? "" : ","), $1, $3, $4
		for (u = 1; u <= 10; u++)
			printf "%s{ \"id\": \"inv%02d\", \"station\": \"%s\", \"unit\": %d, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\" }", (u > 1 ? "," : ""), u, $1, u
		printf "] }"; first = 0 }' "$T/ports")
	cat <<EOC
{ "gateway": "gw-bench", "broker": { "host": "127.0.0.1", "port": $BP },
  "spool": { "path": "$2" }, "poll": { "interval_ms": $1, "health_interval_s": 60 },
  "profiles_dir": "$ROOT/config/profiles", "log": { "level": "warn" }, "buses": [ $buses ] }
EOC
}

hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
lines() { wc -l <"$1" | tr -d ' '; }

# phase NAME GATEWAY CMD...: runs CMD under a fresh subscriber for WARM + SECS seconds,
# sampling its CPU ticks and the readings delivered every WIN seconds into $T/NAME.win
# ("dt_cs dticks dreadings" per window) and its peak RSS into $T/NAME.hwm
phase() {
	name=$1 gw=$2
	shift 2
	: >"$T/$name.seq"
	"$O/tools/ackbot" -p "$BP" -g "$gw" -o "$T/$name.seq" -a "$T/$name.ack" &
	ack=$!
	PIDS="$PIDS $ack"
	i=0
	while [ ! -s "$T/$name.seq.ready" ]; do
		[ $i -lt 200 ] || {
			echo "bench/collector.sh: the subscriber did not subscribe" >&2
			exit 1
		}
		sleep 0.05
		i=$((i + 1))
	done
	"$@" >"$T/$name.out" 2>"$T/$name.log" &
	pid=$!
	PIDS="$PIDS $pid"
	sleep "$WARM"
	kill -0 "$pid" 2>/dev/null || {
		echo "bench/collector.sh: $name exited early:" >&2
		cat "$T/$name.log" >&2
		exit 1
	}
	: >"$T/$name.win"
	t0=$(uptime_cs) c0=$(ticks "$pid") n0=$(lines "$T/$name.seq")
	w=0
	while [ $w -lt "$NWIN" ]; do
		sleep "$WIN"
		t1=$(uptime_cs) c1=$(ticks "$pid") n1=$(lines "$T/$name.seq")
		echo "$((t1 - t0)) $((c1 - c0)) $((n1 - n0))" >>"$T/$name.win"
		t0=$t1 c0=$c1 n0=$n1
		w=$((w + 1))
	done
	awk '/VmHWM/ { print $2 }' "/proc/$pid/status" >"$T/$name.hwm"
	stop "$pid"
	stop "$ack"
	printf '%s: ' "$name" >&2
	{ tr '\n' ' ' <"$T/$name.out"; grep -c -E 'warn|error' "$T/$name.log" || true; } |
		awk '{ print $0 " warnings/errors in its log" }' >&2
}

config 1000 "$T/paced.db" >"$T/paced.json"
config "$FAST_MS" "$T/fast.db" >"$T/fast.json"
echo "collector benchmark: $DEVICES devices, 4 phases of ${WARM} s warm-up + $NWIN x ${WIN} s ..." >&2
phase col_paced gw-bench "$BIN/pvmon-collector" -c "$T/paced.json"
phase floor_paced gw-floor "$O/bench/floor" -p "$BP" -s "$T/ports" -u 10 -i 1000
phase floor_fast gw-floor "$O/bench/floor" -p "$BP" -s "$T/ports" -u 10 -i 0
phase col_fast gw-bench "$BIN/pvmon-collector" -c "$T/fast.json"

# med NAME COLUMN-EXPR: the median over NAME's windows of an awk expression of dt (s), cpu (s), n
med() {
	awk -v hz="$hz" '{ dt = $1 / 100; cpu = $2 / hz; n = $3; v[NR] = '"$2"' }
	END { for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
	      printf "%.6g\n", NR == 0 ? 0 : (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }' "$T/$1.win"
}
for p in col_paced floor_paced floor_fast col_fast; do
	eval "${p}_cpu=\$(med $p 'cpu / dt * 100')"
	eval "${p}_rate=\$(med $p 'n / dt')"
	eval "${p}_ms=\$(med $p '(n > 0 ? cpu * 1000 / n : 0)')"
	eval "${p}_mb=\$(awk '{ printf \"%.1f\", \$1 / 1024 }' \"\$T/$p.hwm\")"
done

awk -v secs="$SECS" -v win="$WIN" -v nwin="$NWIN" -v dev="$DEVICES" -v fast="$FAST_MS" \
	-v cpu_c="$col_paced_cpu" -v cpu_f="$floor_paced_cpu" \
	-v ms_c="$col_paced_ms" -v ms_f="$floor_paced_ms" \
	-v rate_c="$col_paced_rate" -v rate_f="$floor_paced_rate" \
	-v mb_c="$col_paced_mb" -v mb_f="$floor_paced_mb" \
	-v fcpu_c="$col_fast_cpu" -v fcpu_f="$floor_fast_cpu" \
	-v fms_c="$col_fast_ms" -v fms_f="$floor_fast_ms" \
	-v frate_c="$col_fast_rate" -v frate_f="$floor_fast_rate" \
	-v fmb_c="$col_fast_mb" -v fmb_f="$floor_fast_mb" '
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
function verdict(ok) { return ok ? "met" : "MISSED" }
BEGIN {
	r_cpu = cpu_f > 0 ? cpu_c / cpu_f : 99; r_rate = frate_f > 0 ? frate_c / frate_f : 0
	printf "\npvmon-collector vs floor: %d Huawei SUN2000 over Modbus TCP (pvmon-sim), mosquitto, QoS 1\n", dev
	printf "median of %d x %d s windows per phase; CPU = utime+stime of the process, %% of one core\n\n", nwin, win
	printf "%-36s %11s %11s %8s  %s\n", "paced: every device every 1 s", "collector", "floor", "ratio", "target"
	printf "%-36s %11.1f %11.1f %8s  %s\n", "  CPU, % of one core", cpu_c, cpu_f, ratio(cpu_c, cpu_f), "ratio <= 2"
	printf "%-36s %11.4f %11.4f %8s\n", "  CPU per reading delivered, ms", ms_c, ms_f, ratio(ms_c, ms_f)
	printf "%-36s %11.0f %11.0f %8s  %s\n", "  readings/s delivered", rate_c, rate_f, ratio(rate_c, rate_f), dev " expected"
	printf "%-36s %11.1f %11.1f %8s  %s\n", "  peak RSS (VmHWM), MB", mb_c, mb_f, "", "collector <= 10"
	printf "%-36s %11s %11s %8s  %s\n", "flat out: interval " fast " ms / no pause", "collector", "floor", "ratio", "target"
	printf "%-36s %11.0f %11.0f %8s  %s\n", "  readings/s delivered", frate_c, frate_f, ratio(frate_c, frate_f), "ratio >= 0.5"
	printf "%-36s %11.1f %11.1f %8s\n", "  CPU, % of one core", fcpu_c, fcpu_f, ratio(fcpu_c, fcpu_f)
	printf "%-36s %11.4f %11.4f %8s\n", "  CPU per reading delivered, ms", fms_c, fms_f, ratio(fms_c, fms_f)
	printf "%-36s %11.1f %11.1f\n", "  peak RSS (VmHWM), MB", fmb_c, fmb_f
	ceil = dev * 1000 / fast
	printf "  (the collector polls at most every %d ms: %d devices give at most %d readings/s;\n", fast, dev, ceil
	printf "   it reached %.0f%% of that ceiling, which no CPU saving can raise)\n", frate_c / ceil * 100
	printf "\ntargets (issue 3): CPU <= 2x floor: %s (%.2f); peak RSS <= 10 MB: %s (%.1f MB); flat out >= 0.5x floor: %s (%.2f)\n",
		verdict(r_cpu <= 2), r_cpu, verdict(mb_c <= 10 && fmb_c <= 10), (mb_c > fmb_c ? mb_c : fmb_c), verdict(r_rate >= 0.5), r_rate
	printf "the machine is shared and noisy: absolute figures vary from run to run; the ratios to the\nfloor, measured in the same run on the same simulator, broker and subscriber, are what count\n"
}'
if [ -n "$BENCH_RESULTS" ]; then
	for p in col_paced floor_paced floor_fast col_fast; do
		for k in cpu rate ms mb; do
			eval "echo collector.$p.$k \$${p}_$k"
		done
	done >>"$BENCH_RESULTS"
fi
