# Shared helpers for the integration scripts (sourced, POSIX sh).
# Every service a script starts is recorded by PID and stopped by that PID on exit.
# Scripts count checks with ok/fail and finish with it_end ("N passed, N failed").

IT_PASS=0
IT_FAIL=0
IT_PIDS=""
IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-it.XXXXXX")
# pubreadings' first poll time (an hour ago), fixed for the whole script: publishing a seq
# again then publishes the same reading, as a collector's replay does.
: "${PVMON_TS0_MS:=$(($(date +%s) * 1000 - 3600000))}"
export PVMON_TS0_MS

# ok DESC / fail DESC: record one check.
ok() { IT_PASS=$((IT_PASS + 1)); echo "ok - $*"; }
fail() { IT_FAIL=$((IT_FAIL + 1)); echo "not ok - $*"; }
# check DESC CMD...: runs CMD, a check that passes when it exits 0.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# bg NAME CMD...: starts CMD in the background, logging to $IT_TMP/NAME.log; sets LAST_PID.
bg() {
	name=$1
	shift
	"$@" >"$IT_TMP/$name.log" 2>&1 &
	LAST_PID=$!
	IT_PIDS="$IT_PIDS $LAST_PID"
}

# stop PID: SIGTERM, then SIGKILL after 5 s; waits for it.
stop() {
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 250 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

it_cleanup() {
	for p in $IT_PIDS; do stop "$p"; done
	IT_PIDS=""
	[ -n "$IT_KEEP" ] || rm -rf "$IT_TMP"
}
trap it_cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PVMON_TOOLS/freeport"; }
wait_port() { "$PVMON_TOOLS/waitport" "$1" "${2:-10}"; }

# start_broker: mosquitto on a free loopback port, no persistence; sets BROKER_PORT, BROKER_PID.
start_broker() {
	BROKER_PORT=${1:-$(free_port)}
	cat >"$IT_TMP/mosquitto.conf" <<EOC
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 100
EOC
	bg mosquitto mosquitto -c "$IT_TMP/mosquitto.conf"
	BROKER_PID=$LAST_PID
	wait_port "$BROKER_PORT" || { fail "mosquitto did not start"; cat "$IT_TMP/mosquitto.log"; }
}

it_end() {
	echo "$IT_PASS passed, $IT_FAIL failed"
	[ "$IT_FAIL" -eq 0 ]
}

# start_sim ARGS...: starts pvmon-sim (its log in $IT_TMP/sim.log), waits until it
# wrote $IT_TMP/sim.ports ("<station> tcp <host> <port>" or "<station> rtu <pty>")
# and its dump $IT_TMP/sim.dump; sets SIM_PID. Pass --served FILE etc. in ARGS.
start_sim() {
	rm -f "$IT_TMP/sim.ports"
	bg sim "$PVMON_BIN/pvmon-sim" --ports-file "$IT_TMP/sim.ports" --dump "$IT_TMP/sim.dump" "$@"
	SIM_PID=$LAST_PID
	_i=0
	while [ ! -s "$IT_TMP/sim.ports" ] && [ $_i -lt 1000 ] && kill -0 "$SIM_PID" 2>/dev/null; do
		sleep 0.02
		_i=$((_i + 1))
	done
	[ -s "$IT_TMP/sim.ports" ] || { fail "pvmon-sim did not start"; cat "$IT_TMP/sim.log"; return 1; }
}
# sim_port STATION / sim_pty STATION: where pvmon-sim serves a station.
sim_port() { awk -v s="$1" '$1 == s && $2 == "tcp" { print $4 }' "$IT_TMP/sim.ports"; }
sim_pty() { awk -v s="$1" '$1 == s && $2 == "rtu" { print $3 }' "$IT_TMP/sim.ports"; }
# sim_val STATION DEVICE KEY: a value pvmon-sim dumped (power_w, energy_wh, state...).
sim_val() {
	awk -v s="$1" -v d="$2" -v k="$3" '$1 == s && $2 == d { for (i = 3; i <= NF; i++) {
		n = index($i, "="); if (substr($i, 1, n - 1) == k) print substr($i, n + 1) } }' \
		"$IT_TMP/sim.dump"
}
