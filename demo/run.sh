#!/bin/sh
# run.sh: the demo county end to end (docs/demo.md): generate the fleet, fill its history through
# the roll-ups, run the live path (broker, simulator, collectors, ingest) for a while, print the
# monthly report and the year's ledger. Every process it starts is recorded and stopped by PID, also on Ctrl-C.
#
# usage: sh demo/run.sh [--quick] [--out DIR] [--live SECONDS]
#   --quick   CI-sized: one reading a day in the history, 20 s live (tests/it/test_demo.sh)
# Environment: O (build folder, default build), BIN (programs, default bin), run from the repo.

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
BIN=${BIN:-bin}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
OUT=$ROOT/demo-out
QUICK=0
LIVE_S=60
INTERVAL_S=21600 # history: a reading every 6 hours per device (docs/demo.md)
SEED=2018

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--out) OUT=$2; shift ;;
	--live) LIVE_S=$2; shift ;;
	*) echo "usage: sh demo/run.sh [--quick] [--out DIR] [--live SECONDS]" >&2; exit 2 ;;
	esac
	shift
done
if [ $QUICK = 1 ]; then
	INTERVAL_S=86400 # one reading a day per device, at noon
	[ "$LIVE_S" = 60 ] && LIVE_S=20
fi
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac

LOGS=$OUT/logs
PIDS=""
T_START=$(date +%s)

say() { printf 'demo: %s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
# elapsed SINCE: seconds since a `date +%s` value.
elapsed() { echo $(($(date +%s) - $1)); }

# start NAME CMD...: runs CMD in the background, logging to $LOGS/NAME.log; records its PID.
start() {
	name=$1
	shift
	"$@" >"$LOGS/$name.log" 2>&1 &
	LAST_PID=$!
	PIDS="$PIDS $LAST_PID"
	echo "$LAST_PID $name" >>"$OUT/pids.txt"
}

# stop_pid PID: SIGTERM, then SIGKILL after 5 s; waits for it.
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# stop_all: stops every recorded process, newest first (collectors before the broker).
stop_all() {
	rev=""
	for p in $PIDS; do rev="$p $rev"; done
	for p in $rev; do stop_pid "$p"; done
	PIDS=""
}

cleanup() {
	rc=$?
	if [ -n "$PIDS" ]; then
		say "stopping the processes the demo started"
		stop_all
	fi
	exit $rc
}
trap cleanup EXIT
trap 'echo; say "interrupted"; exit 130' INT TERM HUP

die() {
	echo "demo: $*" >&2
	exit 1
}

# built PROGRAM: 0 when the program exists and is not a placeholder.
built() {
	[ -x "$1" ] || return 1
	! "$1" --help 2>&1 | grep -q "not built yet"
}

# ---------------------------------------------------------------------------------------------
step "checking the tools"
for t in "$O/demo/bin/county" "$O/tools/freeport" "$O/tools/waitport" "$BIN/pvmon-sim" \
	"$BIN/pvmon-collector"; do
	[ -x "$t" ] || die "$t is missing: run \`make demo\` (it builds everything first)"
done
for t in mosquitto mosquitto_sub; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] ||
		die "$t is missing: run \`make deps\` (Debian: apt-get install mosquitto mosquitto-clients)"
done
MOSQUITTO=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)
HAVE_ALLOCATOR=0
built "$BIN/pvmon-allocator" && HAVE_ALLOCATOR=1
HAVE_HISTORY=0
[ -x "$O/demo/bin/history" ] && HAVE_HISTORY=1

# The output folder is recreated on each run; refuse to empty a folder that is not the demo's.
if [ -e "$OUT" ]; then
	[ -f "$OUT/plan.json" ] || [ -z "$(ls -A "$OUT" 2>/dev/null)" ] ||
		die "$OUT exists and is not a demo output folder; choose another with --out"
	rm -rf "$OUT"
fi
mkdir -p "$LOGS" || die "cannot create $OUT"
: >"$OUT/pids.txt"
say "output folder: $OUT"

# ---------------------------------------------------------------------------------------------
step "1. generating the county (seed $SEED)"
T=$(date +%s)
BROKER_PORT=$("$O/tools/freeport")
P1=$("$O/tools/freeport")
P2=$("$O/tools/freeport")
P4=$("$O/tools/freeport")
"$O/demo/bin/county" -o "$OUT" --seed $SEED --interval $INTERVAL_S --broker-port "$BROKER_PORT" \
	--sim-ports "$P1,$P2,$P2,$P4" --profiles "$ROOT/config/profiles" --poll-ms 2000 ||
	die "generating the county failed"
T_COUNTY=$(elapsed "$T")
say "wrote fleet.json, central.json, plan.json, sim.json and the collector files into $OUT"

# ---------------------------------------------------------------------------------------------
step "2. filling the history through the roll-ups"
T=$(date +%s)
if [ $HAVE_HISTORY = 1 ]; then
	"$O/demo/bin/history" -c "$OUT/central.json" --plan "$OUT/plan.json" ||
		die "filling the history failed"
else
	say "history: not built yet (needs allocator/store/store.h and allocator/ingest/rollup.h)"
fi
T_HISTORY=$(elapsed "$T")

# ---------------------------------------------------------------------------------------------
step "3. the live path: broker, simulator, collectors, ingest ($LIVE_S s)"
T=$(date +%s)
cat >"$OUT/mosquitto.conf" <<EOF
# the demo's broker: loopback only, nothing kept on disk
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 100000
EOF
start mosquitto "$MOSQUITTO" -c "$OUT/mosquitto.conf"
"$O/tools/waitport" "$BROKER_PORT" 10 || die "mosquitto did not start (see $LOGS/mosquitto.log)"
say "mosquitto on 127.0.0.1:$BROKER_PORT (pid $LAST_PID)"

# the simulated stations run at 60x from 10:00 today (county time), so a minute shows an hour
TODAY=$(TZ=Asia/Shanghai date +%F)
start sim "$BIN/pvmon-sim" -c "$OUT/sim.json" --speed 60 --start "${TODAY}T10:00"
SIM_PID=$LAST_PID
for p in $P1 $P2 $P4; do
	"$O/tools/waitport" "$p" 10 || die "pvmon-sim did not start (see $LOGS/sim.log)"
done
i=0
while ! ls "$OUT"/pty-* >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
say "pvmon-sim (pid $SIM_PID): 3 stations on TCP ports $P1 $P2 $P4, one on $(ls "$OUT"/pty-* 2>/dev/null)"

start readings mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t 'pvmon/v1/+/+/+/reading' -q 1
SUB_PID=$LAST_PID

if [ $HAVE_ALLOCATOR = 1 ]; then
	start ingest "$BIN/pvmon-allocator" ingest -c "$OUT/central.json"
	INGEST_PID=$LAST_PID
	# the collectors start once ingest has subscribed: QoS 1 without a persistent session
	# delivers nothing published before that (the collectors would replay it a minute later)
	i=0
	while ! grep -q "connected to" "$LOGS/ingest.log" 2>/dev/null && [ $i -lt 100 ]; do
		kill -0 "$INGEST_PID" 2>/dev/null || die "ingest stopped (see $LOGS/ingest.log)"
		sleep 0.1
		i=$((i + 1))
	done
	say "pvmon-allocator ingest (pid $INGEST_PID) stores into $OUT/pvmon.db"
	# the dashboard (docs/serve.md) on the same database, for as long as the live part runs
	SERVE_PORT=$("$O/tools/freeport")
	sed "0,/{/s//{ \"serve\": { \"listen\": \"127.0.0.1:$SERVE_PORT\", \"refresh_s\": 5 },/" \
		"$OUT/central.json" >"$OUT/central-serve.json"
	start serve "$BIN/pvmon-allocator" serve -c "$OUT/central-serve.json"
	"$O/tools/waitport" "$SERVE_PORT" 10 || die "serve did not start (see $LOGS/serve.log)"
	say "dashboard: http://127.0.0.1:$SERVE_PORT/ (pid $LAST_PID; English: ?lang=en, metrics: /metrics)"
	say "  it stops with the live part; \`pvmon-allocator serve -c $OUT/central-serve.json\` shows it again"
else
	say "ingest: not built yet (pvmon-allocator is a placeholder); readings stay in the spools"
fi

while read -r gw file; do
	start "collector-$gw" "$BIN/pvmon-collector" -c "$OUT/$file"
	say "pvmon-collector for $gw (pid $LAST_PID)"
done <"$OUT/collectors.txt"

s=0
while [ $s -lt "$LIVE_S" ]; do
	sleep 1
	s=$((s + 1))
	if [ $((s % 10)) = 0 ] || [ $s = "$LIVE_S" ]; then
		n=$(wc -l <"$LOGS/readings.log")
		say "live ${s}s: $n readings published on the broker"
	fi
	kill -0 "$SIM_PID" 2>/dev/null || die "pvmon-sim stopped (see $LOGS/sim.log)"
done
LIVE_READINGS=$(wc -l <"$LOGS/readings.log")

if [ $HAVE_ALLOCATOR = 1 ]; then
	step "pvmon-allocator status (the gateways, and the devices seen this month)"
	# exit 2 is expected: most gateways of the county are not live in the demo
	"$BIN/pvmon-allocator" status -c "$OUT/central.json" >"$LOGS/status.txt" 2>&1 ||
		[ $? -le 2 ] || die "pvmon-allocator status failed (see $LOGS/status.txt)"
	# every gateway and device of the fleet has a line: show the verdict, the summary, the
	# first problems, the live gateways and the live stations' devices
	live=$(sed -n 's/.*"station": "\([^"]*\)".*/\1/p' "$OUT"/collector-*.json | sort -u)
	gws=$(sed -n 's/.*"gateway": "\([^"]*\)".*/\1/p' "$OUT"/collector-*.json | sort -u)
	awk -v live="$live" -v gws="$gws" '
		BEGIN { n = split(live, l, "\n"); for (i = 1; i <= n; i++) show[l[i]] = 1
			n = split(gws, l, "\n"); for (i = 1; i <= n; i++) show[l[i]] = 1 }
		NF == 0 { blank++; print; next }
		!blank && /^  [A-Z]/ { if (++np <= 8) print; else more++; next }
		!blank || /^gateway  / || /^station  / || ($1 in show) { print; next }
		{ rest++ }
		END { if (more) printf "(%d more problems, %d lines of the other gateways and stations: %s)\n", more, rest, FILENAME }
	' "$LOGS/status.txt"
fi
# Stop the gateways first so ingest takes their last readings, then everything else.
for p in $PIDS; do
	grep -q "^$p collector-" "$OUT/pids.txt" && stop_pid "$p"
done
sleep 1
stop_all
T_LIVE=$(elapsed "$T")
say "live: $LIVE_READINGS readings crossed the broker; all live processes stopped"

# ---------------------------------------------------------------------------------------------
step "4. the monthly report"
T=$(date +%s)
MONTH=$(sed -n 's/^ *"to": "\([0-9]*-[0-9]*\)-[0-9]*",*$/\1/p' "$OUT/plan.json")
if [ $HAVE_ALLOCATOR = 1 ]; then
	GEN=$(date -u '+%Y-%m-%d %H:%M UTC')
	for f in text csv json html xlsx; do
		ext=$f
		[ $f = text ] && ext=txt
		"$BIN/pvmon-allocator" report -c "$OUT/central.json" --month "$MONTH" --format $f \
			--generated-at "$GEN" -o "$OUT/report-$MONTH.$ext" || die "the $f report failed"
	done
	# The English HTML beside the Chinese one, and the CSV as one table per section.
	"$BIN/pvmon-allocator" report -c "$OUT/central.json" --month "$MONTH" --format html \
		--lang en --generated-at "$GEN" -o "$OUT/report-$MONTH.en.html" ||
		die "the English html report failed"
	"$BIN/pvmon-allocator" report -c "$OUT/central.json" --month "$MONTH" --format csv \
		-o "$OUT/report-$MONTH-csv/" || die "the per-section csv failed"
	# The full text report (Chinese) lists every village and station; print its head and what
	# matters.
	awk '
		/^各村（未达标在前）$/ { sect = "v"; rule = 0 }
		/^原因$/ { sect = "r" }
		/^乡镇$/ { sect = "t" }
		/^电站$/ { sect = "s"; rule = 0 }
		/^本月份额$/ { sect = "x" }
		/^---/ { rule = 1 }
		sect == "x" { next }
		sect == "v" && / 达标 +[-0-9]/ { ok++; next }
		sect == "s" && rule && !/^---/ && NF > 0 && NF < 12 { clean++; next }
		{ print }
		END { printf "(另有 %d 个达标的村和 %d 个无异常的电站见完整报告)\n", ok, clean }
	' "$OUT/report-$MONTH.txt"
	say "the full report:"
	for ext in txt csv json html en.html xlsx; do say "  $OUT/report-$MONTH.$ext"; done
	say "  $OUT/report-$MONTH-csv/ (one CSV table per section)"
else
	say "report: not built yet (pvmon-allocator is a placeholder)"
fi
T_REPORT=$(elapsed "$T")

# ---------------------------------------------------------------------------------------------
step "5. the ledger: statements, receipts, what a village has received and is still owed"
T=$(date +%s)
if [ $HAVE_ALLOCATOR = 1 ]; then
	sh "$ROOT/demo/ledger.sh" "$OUT" "$BIN" || die "the ledger demo failed"
fi
T_LEDGER=$(elapsed "$T")

# ---------------------------------------------------------------------------------------------
step "done"
left=0
while read -r p name; do
	if kill -0 "$p" 2>/dev/null; then
		say "still running: $name (pid $p)"
		left=$((left + 1))
	fi
done <"$OUT/pids.txt"
[ $left = 0 ] || die "$left processes still running"
say "every process the demo started has stopped ($(wc -l <"$OUT/pids.txt") recorded in $OUT/pids.txt)"
say "timings: county ${T_COUNTY}s, history ${T_HISTORY}s, live ${T_LIVE}s, report ${T_REPORT}s, ledger ${T_LEDGER}s, total $(elapsed "$T_START")s"
[ $HAVE_ALLOCATOR = 1 ] && say "open $OUT/report-$MONTH.html in a browser (the Chinese briefing; print it on A4), $OUT/report-$MONTH.xlsx in a spreadsheet"
exit 0
