#!/bin/sh
# The HTML report in a real browser: Debian's chromium, headless, with no network
# and a throw-away profile, loads the page, runs its inline script (which counts
# the chart's bars), takes a screenshot and prints it to A4 PDF, with no console error.
. tests/it/lib.sh
. tests/it/report_fixture.sh

D=$IT_TMP
report_fixture "$D"
"$PVMON_BIN/pvmon-allocator" report -c "$D/central.json" --month 2019-06 --format html \
	-o "$D/report.html" || fail "report --format html"

CHROME=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROME" ]; then
	fail "chromium is not installed (make deps installs it)"
	it_end
	exit 1
fi

# chrome OUT ARGS...: one headless run with a fresh profile and no network, stdout to OUT,
# logs to $D/chrome.log. A browser start can fail on a machine under heavy load, so a run
# that exits non-zero or writes nothing is tried once more and its status logged.
chrome() {
	out=$1
	shift
	for try in 1 2; do
		prof=$(mktemp -d "$D/profile.XXXXXX")
		HOME=$D XDG_CONFIG_HOME=$D/xdg XDG_CACHE_HOME=$D/xdg timeout -k 5 90 "$CHROME" \
			--headless --no-sandbox --disable-gpu --disable-background-networking \
			--disable-component-update --disable-sync --no-first-run --disable-extensions \
			--host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$prof" \
			--enable-logging=stderr --v=0 "$@" >"$out" 2>>"$D/chrome.log"
		rc=$?
		echo "chromium run $try: exit $rc" >>"$D/chrome.log"
		[ $rc -eq 0 ] && { [ "$out" = /dev/null ] || [ -s "$out" ]; } && return 0
		echo "chromium run $try failed (exit $rc), $*"
	done
	return 1
}

chrome "$D/dom.html" --dump-dom "file://$D/report.html"
check "chromium dumps the DOM" test -s "$D/dom.html"
check "the inline script ran and counted one bar per village" \
	grep -q 'data-count="4" data-ready="1"' "$D/dom.html"
check "the page has its Chinese title" grep -q '<title>光伏收益月报 2019-06 临县' "$D/dom.html"
check "the hostile name stays text in the DOM" grep -q '&lt;script&gt;alert(1)' "$D/dom.html"

chrome /dev/null --screenshot="$D/shot.png" --window-size=1240,1754 --hide-scrollbars \
	"file://$D/report.html"
check "a screenshot is taken" test "$(head -c 4 "$D/shot.png" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG'

chrome /dev/null --print-to-pdf="$D/report.pdf" --no-pdf-header-footer "file://$D/report.html"
check "the page prints to PDF" test "$(head -c 5 "$D/report.pdf" 2>/dev/null)" = '%PDF-'
# A4 is 595 x 842 points.
check "the PDF pages are A4" grep -a -q 'MediaBox \[0 0 59[45][.0-9]* 84[12][.0-9]*\]' "$D/report.pdf"

# The page logs nothing: any console line (an uncaught error shows as one) is a failure.
if grep -E 'Uncaught|:CONSOLE[:(]' "$D/chrome.log"; then
	fail "the page logged to the console"
else
	ok "no console errors"
fi
[ "$IT_FAIL" -eq 0 ] || grep -v dbus "$D/chrome.log" | tail -20
it_end
