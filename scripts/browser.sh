#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright; never a downloaded browser.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages for the browser tests: ${need[*]}" >&2
  if [ "$(id -u)" != 0 ]; then echo "missing ${need[*]} and not root: apt-get install ${need[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v chromium >/dev/null || { echo "chromium could not be installed; browser tests cannot run" >&2; exit 1; }
