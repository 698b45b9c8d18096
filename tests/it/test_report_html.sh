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
	sh -c "grep -q 'data-count=\"4\"' '$D/dom.html' && grep -q 'data-ready=\"1\"' '$D/dom.html'"
check "the page has its Chinese title" grep -q '<title>光伏收益月报 2019-06 临县' "$D/dom.html"
check "the hostile name stays text in the DOM" grep -q '&lt;script&gt;alert(1)' "$D/dom.html"

# A desktop browser window is never narrower than about 500 px, so the phone is an iframe of
# exactly the width in a frame page; the report measures itself (its width, and how far its
# content runs past it) and the frame page copies the figures into its own DOM.
for w in 1280 390; do
	cat >"$D/frame$w.html" <<EOF
<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}
iframe{border:0;width:${w}px;height:2400px}</style></head><body>
<iframe id="f" src="report.html"></iframe><p id="m"></p><script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument.getElementById('bar-count'), m = document.getElementById('m');
  m.setAttribute('data-width', d.getAttribute('data-width'));
  m.setAttribute('data-overflow', d.getAttribute('data-overflow'));
});
</script></body></html>
EOF
	chrome /dev/null --allow-file-access-from-files --screenshot="$D/shot$w.png" \
		--window-size=$w,2400 --hide-scrollbars "file://$D/frame$w.html"
	check "a screenshot is taken at $w px" test "$(head -c 4 "$D/shot$w.png" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG'
	chrome "$D/dom$w.html" --allow-file-access-from-files --dump-dom --window-size=1400,900 \
		"file://$D/frame$w.html"
	vw=$(sed -n 's/.*<p id="m" data-width="\([0-9]*\)".*/\1/p' "$D/dom$w.html")
	ov=$(sed -n 's/.*<p id="m"[^>]*data-overflow="\(-*[0-9]*\)".*/\1/p' "$D/dom$w.html")
	check "at $w px the page is laid out $w px wide (${vw:-?})" test "${vw:-0}" -le $w -a "${vw:-0}" -ge $((w - 20))
	check "at $w px nothing runs off the side (overflow ${ov:-?} px)" test "${ov:-1}" -le 0
done

chrome /dev/null --print-to-pdf="$D/report.pdf" --no-pdf-header-footer "file://$D/report.html"
check "the page prints to PDF" test "$(head -c 5 "$D/report.pdf" 2>/dev/null)" = '%PDF-'
# A4 is 595 x 842 points.
check "the PDF pages are A4" grep -a -q 'MediaBox \[0 0 59[45][.0-9]* 84[12][.0-9]*\]' "$D/report.pdf"
pages=$(pdfinfo "$D/report.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
check "the briefing prints on a bounded number of pages (${pages:-?}, at most 5)" test "${pages:-99}" -ge 2 -a "${pages:-99}" -le 5
pdftotext -layout -f 1 -l 1 "$D/report.pdf" "$D/page1.txt"
check "page 1 is the cover: title, county figures, villages below target with reasons" \
	sh -c "grep -q '临县光伏电站收益月报 2019-06' '$D/page1.txt' && grep -q '上网电量' '$D/page1.txt' && grep -q '城庄村（城庄镇，未达标）' '$D/page1.txt' && grep -q '请检查逆变器供电' '$D/page1.txt'"
check "page 1 has the sign-off block" sh -c "grep -q '编制' '$D/page1.txt' && grep -q '审核' '$D/page1.txt' && grep -q '日期' '$D/page1.txt'"
check "page 1 has the county chart with its target line" grep -q '目标 ¥200,000.00' "$D/page1.txt"
check "page 1 says its data completeness" grep -q '数据完整率' "$D/page1.txt"
pdftotext -layout "$D/report.pdf" "$D/all.txt"
check "every page is numbered (第 N 页，共 $pages 页)" \
	test "$(grep -c "第 [0-9]* 页，共 $pages 页" "$D/all.txt")" -eq "${pages:-0}"
check "a CJK font is installed for the glyphs (fonts-noto-cjk)" sh -c "fc-list :lang=zh | grep -q ."

"$PVMON_BIN/pvmon-allocator" report -c "$D/central.json" --month 2019-06 --format html --lang en \
	--generated-at "2019-07-01 09:00" -o "$D/en.html" || fail "report --format html --lang en"
chrome /dev/null --print-to-pdf="$D/en.pdf" --no-pdf-header-footer "file://$D/en.html"
pdftotext -layout "$D/en.pdf" "$D/en.txt"
check "the English briefing numbers its pages and prints the generation time" \
	sh -c "grep -q 'page 1 of' '$D/en.txt' && grep -q '2019-07-01 09:00' '$D/en.txt' && grep -q 'Prepared by' '$D/en.txt'"


# The page logs nothing: any console line (an uncaught error shows as one) is a failure.
if grep -E 'Uncaught|:CONSOLE[:(]' "$D/chrome.log"; then
	fail "the page logged to the console"
else
	ok "no console errors"
fi
[ "$IT_FAIL" -eq 0 ] || grep -v dbus "$D/chrome.log" | tail -20
it_end
