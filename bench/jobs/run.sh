#!/usr/bin/env bash
# Job-queue throughput (enqueue → run → ack) on throwaway PostgreSQL and Redis servers.
#   bench/jobs/run.sh [--jobs N] [--driver postgres|redis|both]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
work=$(mktemp -d /tmp/octoisp-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  scripts/postgres.sh stop "$work/postgres" || true
  scripts/peers/redis.sh stop "$work" || true
  rm -rf "$work"
}
trap cleanup EXIT
OCTOISP_PG_FSYNC=off scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
scripts/peers/redis.sh start "$work"
source "$work/redis.env"
export REDIS_URL=$OCTOISP_TEST_REDIS_URL
# OCTOISP_BENCH=path measures another build of the benchmark (it migrates the database itself).
bench="${OCTOISP_BENCH:-}"
if [[ -z "$bench" ]]; then
  swift build -c release --product octoisp-bench >/dev/null
  bench=.build/release/octoisp-bench
fi
"$bench" "$@"
