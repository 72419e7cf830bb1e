#!/usr/bin/env bash
# Reports benchmark: a monthly SLA and bandwidth report (PDF + both CSVs) for 10,000 devices and
# 50,000 interfaces in a throwaway PostgreSQL (reports-bench, release build). Prints time and peak
# memory against the goal (≤ 10 s, ≤ 300 MiB) and a same-run baseline (PostgreSQL scanning the rows).
# BUILD=debug measures a debug build; BENCH_DATA_HOURS sets how much of the month has 5-minute data.
set -euo pipefail
cd "$(dirname "$0")/../.."
config="${BUILD:-release}"
swift build -c "$config" --product reports-bench
work=$(mktemp -d /tmp/octoisp-reportbench.XXXXXX)
chmod 755 "$work"
cleanup() {
    scripts/postgres.sh stop "$work/postgres" || true
    rm -rf "$work"
}
trap cleanup EXIT
scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
"$(swift build -c "$config" --show-bin-path)/reports-bench"
