#!/bin/sh
# Long-run memory checks (docs/reliability.md): the collector polling 100 simulated
# devices (10 stations x 9 inverters + meter, 100 ms interval, sim clock x60) for
# POLLS polls, and ingest storing READINGS readings, each under a leak checker, with
# with CHECK=none VmRSS sampled every 0.5 s: the mean of the last 10% of samples must
# stay within RSS_TOL_PCT (default 10%) of the mean of a 10% window after the warm-up
# (collector: the 2nd tenth of the run; ingest: the 6th, as SQLite's 32 MiB page cache
# fills during the first half). Checkers inflate RSS, so RSS is judged only without one.
# usage: sh bench/leaks.sh [collector|ingest|all]   (after make; make leaks runs it)
#   POLLS (100000)  READINGS (1000000)  CHECK=lsan|valgrind|none (lsan)
#   lsan uses the asan build (make asan's build/asan/bin); valgrind the plain one.
# Prints one "ok - ..." or "not ok - ..." line per check and the figures.
WHAT=${1:-all}
POLLS=${POLLS:-100000}
READINGS=${READINGS:-1000000}
CHECK=${CHECK:-lsan}
RSS_TOL_PCT=${RSS_TOL_PCT:-10}
ROOT=$(pwd)
O=${O:-build}
TOOLS=$ROOT/$O/tools
case "$CHECK" in
lsan) PBIN=$ROOT/build/asan/bin ;;
*) PBIN=$ROOT/${BIN:-bin} ;;
esac
SIM=$ROOT/${BIN:-bin}/pvmon-sim
T=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-leaks.XXXXXX")
PIDS=""
FAILS=0
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; sleep 0.3; [ -n "$KEEP" ] || rm -rf "$T"' EXIT
trap 'exit 143' INT TERM
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }

# run NAME CMD...: starts CMD under the chosen checker; sets PID.
run() {
	name=$1
	shift
	case "$CHECK" in
	lsan) ASAN_OPTIONS=detect_leaks=1:halt_on_error=0 LSAN_OPTIONS=exitcode=23 "$@" >"$T/$name.log" 2>&1 & ;;
	valgrind) valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=23 --log-file="$T/$name.vg" "$@" >"$T/$name.log" 2>&1 & ;;
	*) "$@" >"$T/$name.log" 2>&1 & ;;
	esac
	PID=$!
	PIDS="$PIDS $PID"
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# verdict NAME PID WARMUP_PCT: stops PID with SIGTERM, then judges its exit and leaks
# (under a checker) or its RSS (without one).
verdict() {
	kill -TERM "$2"
	wait "$2"
	rc=$?
	if [ "$CHECK" = none ]; then
		[ "$rc" -eq 0 ] && ok "$1 exits cleanly on SIGTERM" || bad "$1 exit status $rc"
	elif [ "$rc" -eq 0 ]; then ok "$1 exits cleanly on SIGTERM with no leak ($CHECK)"; else
		bad "$1 exit status $rc ($CHECK)"
		grep -A12 'LeakSanitizer\|definitely lost\|ERROR' "$T/$1.log" "$T/$1.vg" 2>/dev/null | head -30
	fi
	[ "$CHECK" = valgrind ] && grep -h 'definitely lost\|indirectly lost\|ERROR SUMMARY' "$T/$1.vg" | sed 's/^==[0-9]*== /  # /'
	if [ "$CHECK" != none ]; then
		echo "  # $1 VmRSS under $CHECK: $(head -1 "$T/$1.rss") to $(tail -1 "$T/$1.rss") kB (not judged)"
		return
	fi
	if [ "$(wc -l <"$T/$1.rss")" -lt 20 ]; then
		echo "  # $1 VmRSS: $(head -1 "$T/$1.rss") to $(tail -1 "$T/$1.rss") kB; too few samples to judge flatness"
		return
	fi
	awk -v tol="$RSS_TOL_PCT" -v name="$1" -v warm="$3" '{ v[NR] = $1 } END {
		n = NR; k = int(n / 10); if (k < 1) k = 1; w = int(n * warm / 100)
		for (i = w + 1; i <= w + k; i++) a += v[i]
		for (i = n - k + 1; i <= n; i++) b += v[i]
		a /= k; b /= k
		printf "  # %s VmRSS: %d samples, after %d%% warm-up %.0f kB, last 10%% %.0f kB (%+.1f%%), peak %d kB\n", name, n, warm, a, b, (b - a) / a * 100, max(v, n)
		exit !(n >= 4 && b <= a * (1 + tol / 100))
	} function max(v, n,   i, m) { for (i = 1; i <= n; i++) if (v[i] > m) m = v[i]; return m }' "$T/$1.rss"
	if [ $? -eq 0 ]; then ok "$1 RSS is flat within $RSS_TOL_PCT%"; else bad "$1 RSS grew more than $RSS_TOL_PCT%"; fi
}

BP=$("$TOOLS/freeport")
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\n' "$BP" >"$T/mq.conf"
mosquitto -c "$T/mq.conf" >"$T/mq.log" 2>&1 &
PIDS="$PIDS $!"
"$TOOLS/waitport" "$BP" 10 || { bad "mosquitto did not start"; exit 1; }

if [ "$WHAT" = all ] || [ "$WHAT" = collector ]; then
	"$SIM" --stations 10 --inverters-per-station 9 --profile huawei-sun2000,sungrow-sg,sunspec \
		--meter-profile chint-dtsu666,acrel-adw300 --speed 60 --start 2019-06-21T05:00:00+08:00 \
		--ports-file "$T/ports" >"$T/sim.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$T/ports" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	buses=$(awk 'BEGIN { first = 1; split("huawei-sun2000 sungrow-sg sunspec", p, " ")
		split("chint-dtsu666 acrel-adw300", m, " ") } {
		printf "%s{ \"id\": \"%s\", \"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": %s, \"timeout_ms\": 1000, \"devices\": [", (first ? "" : ","), $1, $4
		for (u = 1; u <= 9; u++)
			printf "{ \"id\": \"inv%02d\", \"station\": \"%s\", \"unit\": %d, \"profile\": \"%s\", \"kind\": \"inverter\" },", u, $1, u, p[(u - 1) % 3 + 1]
		printf "{ \"id\": \"meter\", \"station\": \"%s\", \"unit\": 10, \"profile\": \"%s\", \"kind\": \"meter\" }] }", $1, m[(NR - 1) % 2 + 1]
		first = 0 }' "$T/ports")
	cat >"$T/c.json" <<EOC
{ "gateway": "gw-leaks", "broker": { "host": "127.0.0.1", "port": $BP },
  "spool": { "path": "$T/spool.db" }, "poll": { "interval_ms": 100, "health_interval_s": 5 },
  "profiles_dir": "$ROOT/config/profiles", "log": { "level": "warn" }, "buses": [ $buses ] }
EOC
	"$TOOLS/ackbot" -p "$BP" -g gw-leaks -o /dev/null -a /dev/null >"$T/ackbot.log" 2>&1 &
	PIDS="$PIDS $!"
	run collector "$PBIN/pvmon-collector" -c "$T/c.json"
	COL=$PID
	t0=$(date +%s)
	n=0
	: >"$T/collector.rss"
	while [ "$n" -lt "$POLLS" ] && kill -0 "$COL" 2>/dev/null; do
		sleep 0.5
		rss "$COL" >>"$T/collector.rss"
		n=$(sqlite3 "$T/spool.db" "SELECT value - 1 FROM meta WHERE key = 'next_seq'" 2>/dev/null || echo 0)
		n=${n:-0}
	done
	secs=$(($(date +%s) - t0))
	echo "  # collector: $n polls of 100 devices in $secs s"
	[ "$n" -ge "$POLLS" ] && ok "collector made $n polls" || bad "collector made only $n of $POLLS polls"
	verdict collector "$COL" 10
fi

if [ "$WHAT" = all ] || [ "$WHAT" = ingest ]; then
	cp "$ROOT/config/fleet.json" "$T/fleet.json"
	cat >"$T/central.json" <<EOC
{ "broker": { "host": "127.0.0.1", "port": $BP, "keepalive_s": 30 }, "client_id": "ingest-leaks",
  "database": "pvmon.db", "fleet": "fleet.json", "batch": { "rows": 1000, "ms": 200 },
  "log": { "target": "stderr", "level": "info" } }
EOC
	run ingest "$PBIN/pvmon-allocator" ingest -c "$T/central.json"
	ING=$PID
	# readings published before ingest subscribed would only come back by replay
	i=0
	while ! grep -q "connected to" "$T/ingest.log" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
	: >"$T/ingest.rss"
	(while kill -0 "$ING" 2>/dev/null; do rss "$ING" >>"$T/ingest.rss"; sleep 0.5; done) &
	SAMPLER=$!
	t0=$(date +%s)
	# timestamps 1 ms apart from a day ago: all inside what the validator accepts; replays
	# only after a minute (nothing is lost here: early replays under asan flood ingest)
	ts0=$(($(date +%s) * 1000 - 86400000))
	out=$("$TOOLS/pubreadings" -p "$BP" -g gw-xipo -n "$READINGS" --ts "$ts0" --step-ms 1 \
		--ack --replay-ms 60000 \
		--timeout-s 36000 -d st-xipo:inv01:inverter,st-xipo:inv02:inverter,st-xipo:meter:meter 2>"$T/pub.log")
	secs=$(($(date +%s) - t0))
	echo "  # ingest: $out acknowledged in $secs s"
	stored=$(sqlite3 "$T/pvmon.db" 'SELECT count(*) FROM readings' 2>/dev/null)
	[ "$out" = "gw-xipo $READINGS" ] && [ "$stored" = "$READINGS" ] &&
		ok "ingest stored and acknowledged $READINGS readings" ||
		bad "ingest acknowledged \"$out\" and stored ${stored:-0}, expected $READINGS"
	kill "$SAMPLER" 2>/dev/null
	verdict ingest "$ING" 50
fi
echo "leaks: $FAILS failed"
[ "$FAILS" -eq 0 ]
