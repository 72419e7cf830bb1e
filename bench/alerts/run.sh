#!/usr/bin/env bash
# Alert evaluation benchmark: builds `alerts-bench` in release mode, starts a throwaway PostgreSQL on a
# free port, runs the benchmark and tears the cluster down. Extra environment (BENCH_DEVICES,
# BENCH_CYCLES, BENCH_ALERTS_INTERVAL, BENCH_LATENCY_DEVICES) is passed through; see
# bench/alerts/Sources/main.swift.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product alerts-bench
work=$(mktemp -d /tmp/octoisp-bench.XXXXXX)
chmod 755 "$work"
trap 'scripts/postgres.sh stop "$work/postgres" || true; rm -rf "$work"' EXIT
scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
stdbuf -oL "$(swift build -c release --show-bin-path)/alerts-bench"
