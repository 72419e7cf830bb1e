#!/usr/bin/env bash
# Network tools against the standard tools on this machine, in the same run: a /20 ICMP sweep beside
# fping and a 1–65535 TCP connect scan of one loopback host beside nmap (-sT).
#   bench/tools/run.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh
swift build -c release --product tools-bench >/dev/null
.build/release/tools-bench "$@"
