#!/bin/sh
# Collector benchmark (issues 3 and 10): pvmon-collector against a floor (bench/floor.c: the same
# Modbus read and a QoS 1 publish per device, with no decoding, JSON or spool) on the same
# pvmon-sim, mosquitto and subscriber (tests/tools/ackbot, acking as ingest would), with
# $DEVICES Huawei SUN2000 inverters (default 200) polled every 1 s in two layouts:
#   endpoints: one Modbus TCP endpoint (sim station, port) per device: a bus thread each
#   shared:    10 devices per endpoint (units 1-10): a bus thread per 10 devices
# and, in the shared layout, flat out: the collector at the smallest interval its config allows
# (100 ms), the floor with no pause between rounds.
# Paced phases run in the order collector, floor, floor, collector, SECONDS/2 each, so a drift in
# the shared machine's load hits both; flat out runs floor, collector, SECONDS/2 each. Per 10 s
# window: CPU (% of one core, /proc utime+stime), ms of CPU per reading delivered, readings/s
# delivered; each figure is the median of the windows of both runs, peak RSS (VmHWM) the larger.
# Prints a table per layout with the ratios and the targets.
# Usage: sh bench/collector.sh [SECONDS]   (default $BENCH_SECONDS or 60; after make tests)
# Env: O, BIN (build dirs, as make), DEVICES (default 200, a multiple of 10), BENCH_WARMUP (s
#      before measuring, default 3), BENCH_LAYOUTS ("endpoints shared"), BENCH_KEEP (keep temp
#      dir), BENCH_RESULTS (file to append "key value" lines to), COLLECTOR (binary to measure,
#      default $BIN/pvmon-collector: to compare another build against the same floor),
#      PROFILES (the collector's profiles_dir, default config/profiles: the simulator always
#      serves this tree's profiles).
set -e
SECS=${1:-${BENCH_SECONDS:-60}}
WARM=${BENCH_WARMUP:-3}
DEVICES=${DEVICES:-200}
LAYOUTS=${BENCH_LAYOUTS:-endpoints shared}
O=${O:-build}
BIN=${BIN:-bin}
COLLECTOR=${COLLECTOR:-$BIN/pvmon-collector}
ROOT=$(pwd)
PROFILES=${PROFILES:-$ROOT/config/profiles}
FAST_MS=100 # the smallest poll.interval_ms the collector's config accepts (docs/config.md)
case $SECS in '' | *[!0-9]* | 0 | 1)
	echo "usage: sh bench/collector.sh [SECONDS >= 2]" >&2
	exit 2
	;;
esac
case $DEVICES in '' | *[!0-9]* | 0)
	echo "bench/collector.sh: DEVICES: expected a multiple of 10, got \"$DEVICES\"" >&2
	exit 2
	;;
esac
[ $((DEVICES % 10)) -eq 0 ] || {
	echo "bench/collector.sh: DEVICES: expected a multiple of 10, got $DEVICES" >&2
	exit 2
}
HALF=$((SECS / 2))
WIN=10
[ "$HALF" -ge "$WIN" ] || WIN=$HALF
NWIN=$((HALF / WIN))
for f in "$COLLECTOR" "$BIN/pvmon-sim" "$O/bench/floor" "$O/tools/ackbot" \
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
"$O/tools/waitport" "$BP" 10

# start_sim STATIONS UNITS: pvmon-sim serving STATIONS endpoints of UNITS inverters; sets SIM
start_sim() {
	rm -f "$T/ports"
	"$BIN/pvmon-sim" --stations "$1" --inverters-per-station "$2" --meter-profile none \
		--profile huawei-sun2000 --profiles "$ROOT/config/profiles" \
		--start 2019-06-21T12:00:00+08:00 --ports-file "$T/ports" \
		--log-level warn >"$T/sim.log" 2>&1 &
	SIM=$!
	PIDS="$PIDS $SIM"
	i=0
	while [ ! -s "$T/ports" ]; do
		kill -0 "$SIM" 2>/dev/null && [ $i -lt 600 ] || {
			echo "bench/collector.sh: pvmon-sim did not start:" >&2
			cat "$T/sim.log" >&2
			exit 1
		}
		sleep 0.1
		i=$((i + 1))
	done
}

# config UNITS INTERVAL_MS SPOOL: a collector.json polling every station of the sim, a bus each
config() {
	buses=$(awk -v units="$1" 'BEGIN { first = 1 } $2 == "tcp" {
		printf "%s{ \"id\": \"%s\", \"type\": \"tcp\", \"host\": \"%s\", \"port\": %s, \"timeout_ms\": 1000, \"devices\": [", (first ? "" : ","), $1, $3, $4
		for (u = 1; u <= units; u++)
			printf "%s{ \"id\": \"inv%02d\", \"station\": \"%s\", \"unit\": %d, \"profile\": \"huawei-sun2000\", \"kind\": \"inverter\" }", (u > 1 ? "," : ""), u, $1, u
		printf "] }"; first = 0 }' "$T/ports")
	cat <<EOC
{ "gateway": "gw-bench", "broker": { "host": "127.0.0.1", "port": $BP },
  "spool": { "path": "$3" }, "poll": { "interval_ms": $2, "health_interval_s": 60 },
  "profiles_dir": "$PROFILES", "log": { "level": "warn" }, "buses": [ $buses ] }
EOC
}

hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
lines() { wc -l <"$1" | tr -d ' '; }

# phase NAME GATEWAY CMD...: runs CMD under a fresh subscriber for WARM + SECS/2 seconds,
# appending its CPU ticks and the readings delivered per WIN seconds to $T/NAME.win
# ("dt_cs dticks dreadings" per window) and its peak RSS (kB) to $T/NAME.hwm
phase() {
	name=$1 gw=$2
	shift 2
	: >"$T/$name.seq"
	rm -f "$T/$name.seq.ready"
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
	t0=$(uptime_cs) c0=$(ticks "$pid") n0=$(lines "$T/$name.seq")
	w=0
	while [ $w -lt "$NWIN" ]; do
		sleep "$WIN"
		t1=$(uptime_cs) c1=$(ticks "$pid") n1=$(lines "$T/$name.seq")
		echo "$((t1 - t0)) $((c1 - c0)) $((n1 - n0))" >>"$T/$name.win"
		t0=$t1 c0=$c1 n0=$n1
		w=$((w + 1))
	done
	awk '/VmHWM/ { print $2 }' "/proc/$pid/status" >>"$T/$name.hwm"
	stop "$pid"
	stop "$ack"
	printf '  %s: ' "$name" >&2
	{ tr '\n' ' ' <"$T/$name.out"; grep -c -E 'warn|error' "$T/$name.log" || true; } |
		awk '{ print $0 " warnings/errors in its log" }' >&2
}

# med NAME EXPR: the median over NAME's windows of an awk expression of dt (s), cpu (s), n
med() {
	awk -v hz="$hz" '{ dt = $1 / 100; cpu = $2 / hz; n = $3; v[NR] = '"$2"' }
	END { for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
	      printf "%.6g\n", NR == 0 ? 0 : (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }' "$T/$1.win"
}
# figures NAME: sets NAME_cpu, NAME_rate, NAME_ms, NAME_mb
figures() {
	eval "${1}_cpu=\$(med $1 'cpu / dt * 100')"
	eval "${1}_rate=\$(med $1 'n / dt')"
	eval "${1}_ms=\$(med $1 '(n > 0 ? cpu * 1000 / n : 0)')"
	eval "${1}_mb=\$(awk '\$1 > m { m = \$1 } END { printf \"%.1f\", m / 1024 }' \"\$T/$1.hwm\")"
}

echo "collector benchmark: $DEVICES devices, layouts: $LAYOUTS; phases of ${WARM} s warm-up + $NWIN x ${WIN} s" >&2
RESULTS=""
for layout in $LAYOUTS; do
	case $layout in
	endpoints) stations=$DEVICES units=1 ;;
	shared) stations=$((DEVICES / 10)) units=10 ;;
	*)
		echo "bench/collector.sh: BENCH_LAYOUTS: expected endpoints or shared, got \"$layout\"" >&2
		exit 2
		;;
	esac
	echo "$layout: $stations endpoints x $units devices" >&2
	start_sim "$stations" "$units"
	config "$units" 1000 "$T/$layout-paced.db" >"$T/$layout-paced.json"
	config "$units" "$FAST_MS" "$T/$layout-fast.db" >"$T/$layout-fast.json"
	col="$COLLECTOR -c $T/$layout-paced.json"
	flo="$O/bench/floor -p $BP -s $T/ports -u $units"
	# shellcheck disable=SC2086
	{
		phase "${layout}_col" gw-bench $col
		phase "${layout}_floor" gw-floor $flo -i 1000
		phase "${layout}_floor" gw-floor $flo -i 1000
		rm -f "$T/$layout-paced.db"*
		phase "${layout}_col" gw-bench $col
	}
	figures "${layout}_col"
	figures "${layout}_floor"
	if [ "$layout" = shared ]; then
		# shellcheck disable=SC2086
		{
			phase shared_ffast gw-floor $flo -i 0
			phase shared_cfast gw-bench "$COLLECTOR" -c "$T/$layout-fast.json"
		}
		figures shared_ffast
		figures shared_cfast
	fi
	stop "$SIM"
	RESULTS="$RESULTS $layout"
done

for layout in $RESULTS; do
	eval "cpu_c=\$${layout}_col_cpu cpu_f=\$${layout}_floor_cpu ms_c=\$${layout}_col_ms ms_f=\$${layout}_floor_ms"
	eval "rate_c=\$${layout}_col_rate rate_f=\$${layout}_floor_rate mb_c=\$${layout}_col_mb mb_f=\$${layout}_floor_mb"
	fast=""
	[ "$layout" = shared ] && fast="$shared_cfast_rate $shared_ffast_rate $shared_cfast_cpu $shared_ffast_cpu $shared_cfast_ms $shared_ffast_ms $shared_cfast_mb $shared_ffast_mb"
	echo "$layout $DEVICES $cpu_c $cpu_f $ms_c $ms_f $rate_c $rate_f $mb_c $mb_f $fast"
done | awk -v nwin="$NWIN" -v win="$WIN" -v fastms="$FAST_MS" '
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
function verdict(ok) { return ok ? "met" : "MISSED" }
{
	layout = $1; dev = $2
	what = layout == "endpoints" ? "one TCP endpoint per device" : "10 devices per TCP endpoint"
	printf "\npvmon-collector vs floor, %s: %d Huawei SUN2000 (pvmon-sim), mosquitto, QoS 1, acked\n", what, dev
	printf "median of 2 x %d windows of %d s per program; CPU = utime+stime of the process, %% of one core\n\n", nwin, win
	printf "%-36s %11s %11s %8s  %s\n", "paced: every device every 1 s", "collector", "floor", "ratio", "target"
	printf "%-36s %11.4f %11.4f %8s  %s\n", "  CPU per reading delivered, ms", $5, $6, ratio($5, $6), "ratio <= 2"
	printf "%-36s %11.1f %11.1f %8s\n", "  CPU, % of one core", $3, $4, ratio($3, $4)
	printf "%-36s %11.0f %11.0f %8s  %s\n", "  readings/s delivered", $7, $8, ratio($7, $8), dev " expected"
	printf "%-36s %11.1f %11.1f %8s  %s\n", "  peak RSS (VmHWM), MB", $9, $10, ratio($9, $10), "collector <= 8"
	r = $6 > 0 ? $5 / $6 : 99
	line = sprintf("targets (%s): CPU per reading <= 2x floor: %s (%.2f); peak RSS <= 8 MB: %s (%.1f MB)", layout, verdict(r <= 2), r, verdict($9 <= 8), $9)
	if (NF >= 18) {
		printf "%-36s %11s %11s %8s  %s\n", "flat out: interval " fastms " ms / no pause", "collector", "floor", "ratio", "target"
		printf "%-36s %11.0f %11.0f %8s  %s\n", "  readings/s delivered", $11, $12, ratio($11, $12), ">= 0.5 or 90% of ceiling"
		printf "%-36s %11.1f %11.1f %8s\n", "  CPU, % of one core", $13, $14, ratio($13, $14)
		printf "%-36s %11.4f %11.4f %8s\n", "  CPU per reading delivered, ms", $15, $16, ratio($15, $16)
		printf "%-36s %11.1f %11.1f %8s\n", "  peak RSS (VmHWM), MB", $17, $18, ratio($17, $18)
		ceil = dev * 1000 / fastms
		printf "  (at %d ms, %d devices give at most %d readings/s: the collector reached %.0f%% of that)\n", fastms, dev, ceil, $11 / ceil * 100
		# issue 3: flat out >= 0.5x the floor; the interval caps the collector first at 200 devices
		rf = $12 > 0 ? $11 / $12 : 0
		line = line sprintf("; flat out >= 0.5x floor or >= 90%% of the interval ceiling: %s (%.2f, %.0f%%)", verdict(rf >= 0.5 || $11 >= 0.9 * ceil), rf, $11 / ceil * 100)
	}
	printf "\n%s\n", line
}
END {
	printf "\nthe machine is shared and noisy: absolute figures vary from run to run; the ratios to the\nfloor, measured in the same run on the same simulator, broker and subscriber, are what count\n"
}'
if [ -n "$BENCH_RESULTS" ]; then
	for layout in $RESULTS; do
		ps="${layout}_col ${layout}_floor"
		[ "$layout" = shared ] && ps="$ps shared_cfast shared_ffast"
		for p in $ps; do
			for k in cpu rate ms mb; do
				eval "echo collector.$p.$k \$${p}_$k"
			done
		done
	done >>"$BENCH_RESULTS"
fi
