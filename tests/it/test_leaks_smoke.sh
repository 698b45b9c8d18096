#!/bin/sh
# A CI-sized slice of `make leaks` (bench/leaks.sh): the collector polling 100
# simulated devices 2,000 times and ingest storing 10,000 readings, each under
# valgrind (LeakSanitizer in the asan build), exiting cleanly with no leak.
. tests/it/lib.sh

cd "$PVMON_ROOT" || exit 1
case "$PVMON_BIN" in
*asan*) check=lsan ;;
*)
	check=valgrind
	if ! make --no-print-directory -s deps-leaks >"$IT_TMP/deps.log" 2>&1 || ! command -v valgrind >/dev/null; then
		cat "$IT_TMP/deps.log"
		echo "ok - leak smoke skipped: valgrind cannot be installed here"
		it_end
		exit
	fi
	;;
esac
POLLS=${LEAKS_POLLS:-2000} READINGS=${LEAKS_READINGS:-10000} CHECK=$check O=$O BIN=$BIN \
	sh bench/leaks.sh all >"$IT_TMP/leaks.out" 2>&1
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$IT_TMP/leaks.out"
it_end
