#!/bin/sh
# Every program answers --version with the one version the tree defines
# (include/version.h), the one the collector also reports in its status.
. tests/it/lib.sh

V=$(sed -n 's/^#define PVMON_VERSION "\(.*\)"$/\1/p' "$PVMON_ROOT/include/version.h" 2>/dev/null)
check "include/version.h defines PVMON_VERSION ($V)" [ -n "$V" ]
for p in pvmon-collector pvmon-allocator pvmon-sim; do
	out=$("$PVMON_BIN/$p" --version 2>&1)
	rc=$?
	echo "# $p --version: $out (exit $rc)"
	check "$p --version exits 0" [ "$rc" -eq 0 ]
	check "$p --version prints \"$p $V\"" [ "$out" = "$p $V" ]
done
n=$(cd "$PVMON_ROOT" && grep -rlE '#define [A-Z_]*VERSION "' collector allocator sim common include | grep -vc '^include/version.h$')
check "no other file defines a version string ($n)" [ "$n" -eq 0 ]
it_end
