#!/bin/sh
# make bench: runs every bench/*.sh but this one, the collector's first; exits non-zero when
# any failed. Each prints its own table; none is part of make test (they take minutes).
# Usage: sh bench/run.sh   (after make tests; BENCH_SECONDS sets each phase's length, default 60)
set -e
cd "$(dirname "$0")/.."
failed=0
for s in bench/collector.sh bench/*.sh; do
	case $s in bench/run.sh) continue ;; esac
	[ -f "$s" ] || continue
	case " $done " in *" $s "*) continue ;; esac
	done="$done $s"
	echo "== $s"
	sh "$s" || { echo "== $s failed" >&2; failed=1; }
done
exit $failed
