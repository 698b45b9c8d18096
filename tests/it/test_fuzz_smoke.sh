#!/bin/sh
# A CI-sized slice of `make fuzz`: builds the libFuzzer targets (installing
# clang when missing), replays every seed corpus (the crashes found so far
# among them), then fuzzes each target for FUZZ_SMOKE_SECONDS (default 4).
. tests/it/lib.sh

secs=${FUZZ_SMOKE_SECONDS:-4}
cd "$PVMON_ROOT" || exit 1
if ! make --no-print-directory -s deps-fuzz >"$IT_TMP/deps.log" 2>&1 || ! command -v clang >/dev/null; then
	cat "$IT_TMP/deps.log"
	echo "ok - fuzz smoke skipped: clang and libFuzzer cannot be installed here"
	it_end
	exit
fi
if make --no-print-directory -s fuzz-build >"$IT_TMP/build.log" 2>&1; then
	ok "the fuzz targets build with clang -fsanitize=fuzzer,address,undefined"
else
	fail "the fuzz targets build"
	tail -20 "$IT_TMP/build.log"
	it_end
	exit
fi
n=$(ls build/fuzz/fuzz_* 2>/dev/null | wc -l)
check "six fuzz targets are built (found $n)" [ "$n" -ge 6 ]

# replay: every committed seed and past crash once, no mutation
if FUZZ_REPLAY=1 FUZZ_WORK="$IT_TMP/replay" sh tests/fuzz/run.sh >"$IT_TMP/replay.out" 2>&1; then
	ok "every seed and past crash input replays cleanly"
else
	fail "replaying the seed corpora"
	cat "$IT_TMP/replay.out"
fi
# a short mutation run per target
FUZZ_SECONDS=$secs FUZZ_WORK="$IT_TMP/run" sh tests/fuzz/run.sh >"$IT_TMP/run.out" 2>&1
while read -r t execs _ _ cov _ _ res; do
	case "$res" in
	ok) ok "fuzz_$t: $execs runs in ${secs} s, no crash (cov $cov)" ;;
	*) fail "fuzz_$t: $res"
	   cat "$IT_TMP/run/logs/$t.log" | grep -E 'ERROR|runtime error|invariant|SUMMARY' | head -10 ;;
	esac
done <"$IT_TMP/run.out"
it_end
