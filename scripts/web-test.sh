#!/usr/bin/env bash
# Dashboard tests. `unit`: web/tests/unit/*.test.ts bundled by esbuild for Node and run with
# `node --test`. `e2e`: the stories in web/tests/e2e in real Chromium (Playwright from PyPI driving
# Debian's /usr/bin/chromium) against the real `octoisp serve` and the PostgreSQL that
# scripts/test.sh started (OCTOISP_TEST_* URLs). Without an argument: both.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs

unit() {
  local out=web/.cache/unit
  rm -rf "$out" && mkdir -p "$out"
  local files=(web/tests/unit/*.test.ts)
  esbuild "${files[@]}" --bundle --platform=node --format=esm --target=node18 --outdir="$out" \
    --out-extension:.js=.mjs --define:process.env.NODE_ENV=\"production\" --log-level=warning
  timeout 120 node --test "$out"/*.test.mjs
}

e2e() {
  for var in OCTOISP_TEST_OWNER_URL OCTOISP_TEST_APP_URL OCTOISP_TEST_GLOBAL_URL OCTOISP_TEST_BINARY; do
    if [ -z "${!var:-}" ]; then
      echo "web e2e: $var is not set — run through scripts/test.sh, which starts PostgreSQL and builds octoisp" >&2
      exit 1
    fi
  done
  [ -f web/dist/index.html ] || { echo "web e2e: web/dist is not built (scripts/web-build.sh)" >&2; exit 1; }
  # Playwright from PyPI (its own browsers are never downloaded): the system's when installed,
  # otherwise in a virtual environment under web/.cache (Debian's Python refuses global pip installs).
  local python=python3
  # The push story's loopback push service verifies VAPID and decrypts with `cryptography`.
  if ! python3 -c "import playwright, cryptography" 2>/dev/null; then
    local venv=web/.cache/venv
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -c "import playwright, cryptography" 2>/dev/null || "$venv/bin/python" -m pip install -q playwright cryptography
    python=$venv/bin/python
  fi
  [ -x /usr/bin/chromium ] || { echo "web e2e: /usr/bin/chromium is missing (scripts/setup.sh installs it)" >&2; exit 1; }
  # OCTOISP_WEB_STORIES narrows the run to one story file while working on it (default: all of them).
  "$python" -m unittest discover -s web/tests/e2e -p "${OCTOISP_WEB_STORIES:-test_*.py}" -v
}

case "${1:-all}" in
  unit) unit ;;
  e2e) e2e ;;
  all) unit; e2e ;;
  *) echo "usage: $0 [unit|e2e]" >&2; exit 2 ;;
esac
