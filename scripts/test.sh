#!/usr/bin/env bash
# `make test`: install what is missing, start throwaway servers on free loopback ports, run every
# test, tear the servers down.
set -euo pipefail
cd "$(dirname "$0")/.."
# `--web` runs only the dashboard's tests (build, unit, end-to-end) against the throwaway servers.
web_only=false
if [ "${1:-}" = "--web" ]; then web_only=true; shift; fi
source scripts/env.sh
scripts/setup.sh

work=$(mktemp -d /tmp/octoisp-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  scripts/postgres.sh stop "$work/postgres" || true
  for peer in scripts/peers/*.sh; do [ -x "$peer" ] && "$peer" stop "$work" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(scripts/free-port.sh)
OCTOISP_PG_FSYNC=off scripts/postgres.sh start "$work/postgres" "$pg_port"
source "$work/postgres/env"
# Tests drop their per-test databases WITH (FORCE); in this throwaway cluster only, the owner may end
# the app roles' lingering backends to do so.
if [ "$(id -u)" -eq 0 ]; then su_user=postgres; else su_user=$(id -un); fi
as_su() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_su /usr/lib/postgresql/15/bin/psql -h "$work/postgres/run" -p "$pg_port" -U "$su_user" -d postgres -qAt -c "GRANT pg_signal_backend TO octoisp_owner" >/dev/null
export OCTOISP_TEST_OWNER_URL=$OCTOISP_OWNER_DATABASE_URL
export OCTOISP_TEST_APP_URL=$DATABASE_URL
export OCTOISP_TEST_GLOBAL_URL=$OCTOISP_GLOBAL_DATABASE_URL
# Other test peers (SNMP agents, Redis…) start here and write their variables to $work/<name>.env.
for peer in scripts/peers/*.sh; do
  [ -x "$peer" ] || continue
  "$peer" start "$work"
done
for env in "$work"/*.env; do [ -f "$env" ] && source "$env"; done

swift build --build-tests
bin_path=$(swift build --show-bin-path)
export OCTOISP_TEST_BINARY="$bin_path/octoisp"
# The dashboard: bundle, unit tests of web/src/lib, and end-to-end stories in Chromium against the
# real server and this PostgreSQL.
web_tests() {
  echo "== dashboard (web/)"
  scripts/web-build.sh && scripts/web-test.sh unit && scripts/web-test.sh e2e
}
if $web_only; then web_tests; exit 0; fi
# Each test target runs in a process of its own, so a test that restarts a server or kills a child
# process cannot disturb another target's tests; one that hangs fails after OCTOISP_TEST_TIMEOUT.
# Arguments (e.g. `--filter ACSTests`) run one `swift test` with them instead.
limit=${OCTOISP_TEST_TIMEOUT:-20m}
run_tests() {
  local status=0 log="$work/test.log"
  timeout --kill-after=30s "$limit" swift test --skip-build "$@" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
  # What failed, kept for the summary at the end (a long run's own output scrolls it away).
  if [ "$status" -ne 0 ]; then
    { echo "-- $*: exit $status"; grep -E '✘|error:|Fatal error|did not finish|Test Case .* failed' "$log" | head -40 || true; } >>"$work/failures"
  fi
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "tests ($*) did not finish within $limit" | tee -a "$work/failures" >&2
    pkill -9 -f "$bin_path/.*PackageTests.xctest" || true
  fi
  return "$status"
}
if [ "$#" -gt 0 ]; then
  run_tests "$@"
else
  failed=()
  for target in $(ls Tests | grep 'Tests$'); do
    echo "== $target"
    run_tests --filter "^$target\\." || failed+=("$target")
  done
  web_tests || failed+=(web)
  if [ "${#failed[@]}" -gt 0 ]; then
    [ -f "$work/failures" ] && cat "$work/failures" >&2
    echo "failed: ${failed[*]}" >&2
    exit 1
  fi
fi
# Schemathesis against the served OpenAPI document: no 5xx, no answer outside its schema (not with
# arguments, which run a subset of the Swift tests only).
if [ "$#" -eq 0 ]; then
  scripts/api-fuzz.sh "$bin_path/octoisp" "$work" "${OCTOISP_API_FUZZ_EXAMPLES:-5}" || { echo "failed: api-fuzz" >&2; exit 1; }
fi
# The SNMP decoder under libFuzzer for a bounded number of inputs (longer runs: see docs/operations.md).
scripts/fuzz-snmp.sh "${OCTOISP_FUZZ_RUNS:-200000}"
