#!/usr/bin/env bash
# Metrics store benchmark: builds `metrics-bench` in release mode, starts a throwaway PostgreSQL on a
# free port (fsync on, as in production), runs the benchmark and tears the cluster down.
# Extra environment (BENCH_SERIES, BENCH_ROUNDS, BENCH_INTERVAL, BENCH_PRODUCERS, BENCH_CHART_SERIES,
# BENCH_CHART_DAYS, BENCH_LIVE=0) is passed through; see bench/metrics/Sources/main.swift.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product metrics-bench
work=$(mktemp -d /tmp/octoisp-bench.XXXXXX)
chmod 755 "$work"
trap 'scripts/postgres.sh stop "$work/postgres" || true; rm -rf "$work"' EXIT
scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
"$(swift build -c release --show-bin-path)/metrics-bench"
