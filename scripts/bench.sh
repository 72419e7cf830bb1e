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
echo "== SNMP bulkwalk CPU per varbind (octoisp vs. net-snmp)"
OCTOISP="$PWD/$bin" bench/snmp/bulkwalk-cpu.sh 9 50
echo "== SNMP poll of 10,000 devices"
OCTOISP="$PWD/$bin" bench/snmp/poll-10k.sh
echo "== network tools (octoisp vs. fping and nmap)"
bench/tools/run.sh
echo "== ACS reboot storm, 100,000 CPEs (octoisp serve --roles acs vs. a bare Hummingbird route)"
bench/acs/run.sh --cpes 100000 --rounds 1
echo "== CWMP decode of the storm's Informs (octoisp's codec vs. a libxml2 scan)"
swift build -c release --product acs-bench
fixtures=../shared/fixtures/tr069/devices
.build/release/acs-bench codec --model "$fixtures/device-H199Z.csv" --model "$fixtures/device-9CA2F4-EC220_G5_V3-22275K2000315.csv"
