#!/usr/bin/env bash
# The dashboard's 50,000-device list budget (see bench/web-list/drive.py): a throwaway PostgreSQL, the
# real `octoisp serve --roles api` serving the built bundle, Chromium driven by Playwright (from PyPI,
# on Debian's /usr/bin/chromium, as the dashboard stories). Prints p50/p95 of Home's first render and
# of the device list's interactions on a 50,000-device provider beside the same on a 100-device
# provider and the bare API call, in the same run.
#
# BUILD=release (default) or debug; BENCH_RUNS (30), BENCH_DEVICES (50,000), BENCH_BASELINE_DEVICES (100);
# BENCH_SHOTS=DIR saves screenshots of each provider's list there (pt-BR light, English dark, desktop and
# 360 px phone) before measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
config="${BUILD:-release}"
swift build -c "$config" --product octoisp >/dev/null
export OCTOISP_TEST_BINARY="$(swift build -c "$config" --show-bin-path)/octoisp"
[ -f web/dist/index.html ] || scripts/web-build.sh
work=$(mktemp -d /tmp/octoisp-weblist.XXXXXX)
chmod 755 "$work"
cleanup() {
  scripts/postgres.sh stop "$work/postgres" || true
  rm -rf "$work"
}
trap cleanup EXIT
pg_port=$(scripts/free-port.sh)
OCTOISP_PG_FSYNC=off scripts/postgres.sh start "$work/postgres" "$pg_port"
source "$work/postgres/env"
if [ "$(id -u)" -eq 0 ]; then su_user=postgres; else su_user=$(id -un); fi
as_su() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_su /usr/lib/postgresql/15/bin/psql -h "$work/postgres/run" -p "$pg_port" -U "$su_user" -d postgres -qAt \
  -c "GRANT pg_signal_backend TO octoisp_owner" >/dev/null
export OCTOISP_TEST_OWNER_URL=$OCTOISP_OWNER_DATABASE_URL
export OCTOISP_TEST_APP_URL=$DATABASE_URL
export OCTOISP_TEST_GLOBAL_URL=$OCTOISP_GLOBAL_DATABASE_URL
# Playwright as scripts/web-test.sh finds it: the system's, or the venv under web/.cache.
python=python3
if ! python3 -c "import playwright" 2>/dev/null; then
  venv=web/.cache/venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -c "import playwright" 2>/dev/null || "$venv/bin/python" -m pip install -q playwright
  python=$venv/bin/python
fi
"$python" bench/web-list/drive.py
