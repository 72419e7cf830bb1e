#!/usr/bin/env bash
# `make bench`: release build, a throwaway PostgreSQL, and every benchmark with its baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
work=$(mktemp -d /tmp/octoisp-bench.XXXXXX)
chmod 755 "$work"
trap 'scripts/postgres.sh stop "$work/postgres"; rm -rf "$work"' EXIT
scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
export OCTOISP_SECRET_KEY="k1:$(head -c 32 /dev/urandom | base64 -w0)" OCTOISP_JWT_SECRET="$(head -c 48 /dev/urandom | base64 -w0)"
export OCTOISP_BENCH_PORT=$(scripts/free-port.sh)
swift build -c release --product octoisp
bin=.build/release/octoisp
echo "== device list and search (API vs. SQL)"
"$bin" bench devices "$@"
for extra in bench/*.sh; do
  [ -x "$extra" ] || continue
  echo "== $extra"
  "$extra" "$work"
done
