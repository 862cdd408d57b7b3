#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright; never a downloaded browser.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  echo "Installing Debian's chromium for the browser tests" >&2
  if [ "$(id -u)" != 0 ]; then echo "chromium is missing and we are not root: apt-get install chromium" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
command -v chromium >/dev/null || { echo "chromium could not be installed; browser tests cannot run" >&2; exit 1; }
