#!/usr/bin/env bash
# `make test`: install what is missing, start throwaway servers on free loopback ports, run every
# test, tear the servers down.
set -euo pipefail
cd "$(dirname "$0")/.."
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

OCTOISP_PG_FSYNC=off scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
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
export OCTOISP_TEST_BINARY="$(swift build --show-bin-path)/octoisp"
swift test --skip-build "$@"
