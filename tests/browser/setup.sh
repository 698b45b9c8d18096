#!/bin/sh
# Installs playwright-core from the npm registry into tests/browser/node_modules (git-ignored)
# unless it is there; `make deps` and tests/it/test_serve_browser.sh call it. The browser is
# Debian's chromium (DEB_TEST), never one downloaded by playwright.
cd "$(dirname "$0")" || exit 1
[ -f node_modules/playwright-core/package.json ] && exit 0
command -v npm >/dev/null 2>&1 || sh ../deps.sh npm || exit 1
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
