#!/bin/sh
# The province bench's harness (bench/scale/run.sh, docs/scale.md) on a CI-sized slice: 55
# stations (500 devices) for a few seconds, every store and up to two workers this build runs.
# Asserts the harness's figures are sane, not fast: every reading published was acknowledged
# and stored, latency was measured, the floors and the report times are there, and a store or
# worker count the build lacks is skipped with a message instead of failing.
. tests/it/lib.sh

R=$IT_TMP/results
O=${O:-build}
BIN=${BIN:-bin}
# the harness uses its own temporary folder; its table goes to bench.out. SQLite only by
# default: the PostgreSQL paths it drives are tested in test_*_pg; PVMON_BENCH_STORES="sqlite pg"
# runs the harness on both (about a minute)
O=$O BIN=$BIN STATIONS=55 COUNTIES=2 INTERVAL_S=2 NOMINAL_S=3 FLOOD_S=1 RUNS=1 REPORT_RUNS=1 \
	PVMON_BENCH_STORES="${PVMON_BENCH_STORES:-sqlite}" PVMON_BENCH_WORKERS="1 2" \
	PVMON_BENCH_RESULTS="$R" sh bench/scale/run.sh >"$IT_TMP/bench.out" 2>"$IT_TMP/bench.err"
rc=$?
check "bench/scale/run.sh exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || { cat "$IT_TMP/bench.out" "$IT_TMP/bench.err"; }
get() { sed -n "s/^$1=//p" "$R" | tail -1; }
# num VALUE: 0 when VALUE is a number > 0
num() { awk -v v="$1" 'BEGIN { exit !(v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 > 0) }'; }

check "the fleet has 500 devices" [ "$(get devices)" = 500 ]
check "the bare subscriber floor is measured" num "$(get subscriber_floor)"
check "the table has the SQLite, one worker row" grep -q '^| sqlite | 1 | [0-9]' "$IT_TMP/bench.out"

ran=0
for store in sqlite pg; do
	if [ -n "$(get "$store.skipped")" ]; then
		check "$store skipped with a message in the table" grep -q "^| $store | | skipped: ." "$IT_TMP/bench.out"
		continue
	fi
	[ -n "$(grep "^$store\." "$R")" ] || continue
	for n in 1 2; do
		k=$store.$n
		if [ -n "$(get "$k.skipped")" ]; then
			check "$k: skipped with pvmon's message" grep -q "^| $store | $n | skipped: ." "$IT_TMP/bench.out"
			continue
		fi
		ran=$((ran + 1))
		p=$(get "$k.nominal_published")
		check "$k: nominal run published readings ($p)" num "$p"
		check "$k: nominal run stored all of them ($(get "$k.nominal_stored"))" [ "$(get "$k.nominal_stored")" = "$p" ]
		check "$k: p99 latency measured ($(get "$k.p99_ms") ms)" num "$(get "$k.p99_ms")"
		check "$k: p50 <= p99" awk -v a="$(get "$k.p50_ms")" -v b="$(get "$k.p99_ms")" 'BEGIN { exit !(a + 0 <= b + 0) }'
		# at 500 devices every 2 s the fleet offers 250 readings/s
		check "$k: nominal stored rate near the offered rate ($(get "$k.nominal_rate")/s)" \
			awk -v r="$(get "$k.nominal_rate")" 'BEGIN { exit !(r > 50 && r < 400) }'
		f=$(get "$k.flood1.published")
		check "$k: flood run published readings ($f)" num "$f"
		check "$k: flood run stored all of them" [ "$(get "$k.flood1.stored")" = "$f" ]
		check "$k: stored rate measured ($(get "$k.rate")/s)" num "$(get "$k.rate")"
		check "$k: bytes per reading plausible ($(get "$k.bytes_per_reading"))" \
			awk -v b="$(get "$k.bytes_per_reading")" 'BEGIN { exit !(b >= 8 && b < 4096) }'
	done
	check "$store: insert floor measured ($(get "$store.insert_floor")/s)" num "$(get "$store.insert_floor")"
	check "$store: a month of roll-ups for every device ($(get "$store.fill_rows") rows)" \
		[ "$(get "$store.fill_rows")" = $((500 * 30)) ]
	check "$store: county report timed" num "$(get "$store.report_county_ms")"
	check "$store: province report timed" num "$(get "$store.report_province_ms")"
done
check "at least one configuration ran" [ "$ran" -ge 1 ]
it_end
