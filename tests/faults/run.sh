#!/bin/sh
# The fault suite: runs each scenario (tests/faults/sc_*.sh) against the real
# programs and prints a table of what each took, stored, lost and duplicated.
# usage: sh tests/faults/run.sh [--ci] [NAME...]   (NAME matches sc_NAME.sh)
# --ci: the short versions used inside make test, two scenarios at a time
# (they mostly wait for outages to last). Ends with "N passed, N failed".
O=${O:-build}
BIN=${BIN:-bin}
[ -n "$PVMON_BIN" ] || PVMON_BIN=$(cd "$BIN" && pwd) || exit 1
[ -n "$PVMON_TOOLS" ] || PVMON_TOOLS=$(cd "$O/tools" && pwd) || exit 1
PVMON_ROOT=$(pwd)
FX_SCALE=full
JOBS=${FX_JOBS:-1}
if [ "$1" = --ci ]; then
	FX_SCALE=ci
	JOBS=${FX_JOBS:-2}
	shift
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pvmon-faults.XXXXXX")
FX_RESULTS=$WORK/results
: >"$FX_RESULTS"
export PVMON_BIN PVMON_TOOLS PVMON_ROOT FX_SCALE FX_RESULTS
if [ $# -eq 0 ]; then
	if [ "$FX_SCALE" = ci ]; then
		set -- broker collector_kill powercut sigstop ingest_kill bound workers_kill pg_workers
	else
		set -- broker sigstop collector_kill ingest_kill powercut rtu baddevices bound workers_kill pg_workers
	fi
fi

# one_scenario NAME: runs sc_NAME.sh into $WORK/NAME.out, its exit status in $WORK/NAME.rc.
one_scenario() {
	t0=$(date +%s)
	timeout -k 10 1200 sh "tests/faults/sc_$1.sh" >"$WORK/$1.out" 2>&1
	echo "$? $(($(date +%s) - t0))" >"$WORK/$1.rc"
}

# lanes: scenario k goes to lane k mod JOBS; each lane runs its share in order
lane=0
while [ $lane -lt "$JOBS" ]; do
	(
		k=0
		for name in "$@"; do
			[ $((k % JOBS)) -eq $lane ] && one_scenario "$name"
			k=$((k + 1))
		done
	) &
	lane=$((lane + 1))
done
wait

pass=0
fail=0
for name in "$@"; do
	if [ ! -f "tests/faults/sc_$name.sh" ]; then
		echo "no scenario tests/faults/sc_$name.sh"
		fail=$((fail + 1))
		continue
	fi
	set -- $(cat "$WORK/$name.rc")
	rc=$1
	p=$(grep -c '^ok ' "$WORK/$name.out")
	f=$(grep -c '^not ok ' "$WORK/$name.out")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	pass=$((pass + p))
	fail=$((fail + f))
	grep '^# ' "$WORK/$name.out"
	if [ "$f" -ne 0 ]; then
		grep -v '^ok ' "$WORK/$name.out" | grep -v '^# ' | tail -40
		grep -q "^$name	" "$FX_RESULTS" ||
			printf '%s\t%s\t-\t-\t-\t-\t-\t-\tFAIL\t%s\t%s\n' "$name" "$name" "$2" "exited with status $rc" >>"$FX_RESULTS"
	fi
	echo "$name: $p passed, $f failed ($2 s)"
done
echo
echo "| scenario | taken | stored | lost | duplicated | dropped by bound | redelivered | result | seconds |"
echo "|---|---:|---:|---:|---:|---:|---:|---|---:|"
awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$FX_RESULTS"
echo
[ -n "$FX_KEEP" ] || rm -rf "$WORK"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
