#!/bin/sh
# Runs every fuzz target for FUZZ_SECONDS on its seed corpus (tests/fuzz/<target>/)
# plus a working corpus in build/fuzz/corpus/<target>/ that grows across runs.
# Crashes land in build/fuzz/crashes/. Ends with one line per target and a total.
# FUZZ_TARGETS=name,... picks targets; FUZZ_REPLAY=1 only replays the corpora;
# FUZZ_WORK=DIR puts the working corpora, crashes and logs elsewhere (the smoke test).
FUZZ_O=${FUZZ_O:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_WORK=${FUZZ_WORK:-$FUZZ_O}
root=$(pwd)
mkdir -p "$FUZZ_WORK/crashes" "$FUZZ_WORK/logs"
status=0
summary=""
for bin in "$FUZZ_O"/fuzz_*; do
	[ -x "$bin" ] || continue
	t=$(basename "$bin" | sed 's/^fuzz_//')
	if [ -n "$FUZZ_TARGETS" ] && ! echo ",$FUZZ_TARGETS," | grep -q ",$t,"; then
		continue
	fi
	seeds=tests/fuzz/$t
	work=$FUZZ_WORK/corpus/$t
	mkdir -p "$work"
	log=$FUZZ_WORK/logs/$t.log
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	if [ -n "$FUZZ_REPLAY" ]; then
		# every seed once, no mutation: a regression check
		PVMON_ROOT=$root "$bin" -runs=0 -print_final_stats=1 $dict "$work" "$seeds" >"$log" 2>&1
	else
		PVMON_ROOT=$root "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=1024 \
			-print_final_stats=1 -artifact_prefix="$FUZZ_WORK/crashes/$t-" $dict \
			"$work" "$seeds" >"$log" 2>&1
	fi
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -E '^#[0-9]+' "$log" | sed -n 's/.* cov: \([0-9]*\).*/\1/p' | tail -1)
	units=$(ls "$work" | wc -l)
	if [ "$rc" -eq 0 ]; then
		res=ok
	else
		res="FAILED (exit $rc, see $log)"
		status=1
		grep -E 'ERROR|runtime error|invariant broken|Test unit written' "$log" | head -5
	fi
	line=$(printf '%-16s %10s execs  cov %5s  corpus %5s  %s' "$t" "${execs:-0}" "${cov:--}" "$units" "$res")
	echo "$line"
	summary="$summary$line
"
done
[ -n "$summary" ] || { echo "fuzz: no targets in $FUZZ_O (make fuzz-build)"; exit 1; }
exit $status
