#!/bin/sh
# `make deps` installs what a fresh Debian machine needs: wherever it installs
# chromium (HTML screenshots, PDFs), it also installs a CJK font, or the
# report's Chinese village names render as boxes.
. tests/it/lib.sh

cmd=$(cd "$PVMON_ROOT" && make -s -n deps 2>&1)
echo "# make -n deps: $cmd"
check "make deps runs tests/deps.sh" sh -c "echo '$cmd' | grep -q 'tests/deps.sh'"
check "make deps installs chromium" sh -c "echo '$cmd' | grep -qw chromium"
check "make deps installs fonts-noto-cjk with it" sh -c "echo '$cmd' | grep -qw fonts-noto-cjk"
check "the font is installed here, so the HTML tests render Chinese" \
	sh -c "dpkg-query -W -f='\${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'"
it_end
