#!/bin/sh
# Runs every unit test program, then every integration script, and ends with
# the line "N passed, N failed". Select a subset with T=pattern (matched against names);
# UNIT_ONLY=1 runs the unit test programs only. Each program's line gives its wall time, and the
# last line the whole run's, to keep make test within its ten minutes.
O=${O:-build}
BIN=${BIN:-bin}
PVMON_BIN=$(cd "$BIN" && pwd) || exit 1
PVMON_TOOLS=$(cd "$O/tools" && pwd) || exit 1
PVMON_ROOT=$(pwd)
export PVMON_BIN PVMON_TOOLS PVMON_ROOT
pass=0
fail=0
failed_names=""
run_t0=$(date +%s)

# tally NAME RC OUTPUT-FILE: adds the counts from the closing line of one test program.
tally() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$3" | tail -1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "  $1 exited with status $2"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed_names="$failed_names $1"
		grep -v '^ok ' "$3" | tail -40
	fi
	echo "$1: $p passed, $f failed ($(($(date +%s) - t0)) s)"
}

tmp=$(mktemp)
for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case "$name" in *.o|*.d) continue ;; esac
	[ -n "$T" ] && ! echo "$name" | grep -q -- "$T" && continue
	t0=$(date +%s)
	"$t" >"$tmp" 2>&1
	tally "$name" $? "$tmp"
done
for s in tests/it/test_*.sh; do
	[ -f "$s" ] || continue
	[ -n "$UNIT_ONLY" ] && break
	name=$(basename "$s" .sh)
	[ -n "$T" ] && ! echo "$name" | grep -q -- "$T" && continue
	t0=$(date +%s)
	timeout -k 10 600 sh "$s" >"$tmp" 2>&1
	tally "$name" $? "$tmp"
done
rm -f "$tmp"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed in $(($(date +%s) - run_t0)) s"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
