#!/usr/bin/env bash
# Builds the SNMP decoder fuzz target with libFuzzer and runs it.
#
#   scripts/fuzz-snmp.sh [RUNS] [extra libFuzzer flags...]
#
# RUNS defaults to 500000 inputs (about 20-60 s on two cores, build included). For a long run use e.g.
#   scripts/fuzz-snmp.sh 0 -max_total_time=3600      # 0 = unlimited runs, bounded by time
# The corpus lives in .build-fuzz/corpus (seeded with valid messages); crashes are written to
# .build-fuzz/ as crash-* files and make the script exit non-zero.
set -euo pipefail
runs="${1:-500000}"
shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/.build-fuzz"
mkdir -p "$out/corpus"
sources=(
    "$here"/Sources/SNMP/BER/*.swift
    "$here"/Sources/SNMP/PDU/*.swift
    "$here"/Sources/SNMP/USM/SNMPv3Message.swift
    "$here"/Sources/SNMP/USM/USMSecurityParameters.swift
    "$here"/Sources/SNMP/USM/SecurityLevel.swift
    "$here"/Sources/SNMP/Client/SNMPError.swift
    "$here"/bench/snmp/fuzz/FuzzDecoder.swift
)
swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name SNMPFuzz "${sources[@]}" -o "$out/fuzz-snmp"

# Seeds: a v2c GetRequest, a v1 trap and a v3 message header.
printf '\x30\x29\x02\x01\x01\x04\x06public\xa0\x1c\x02\x04\x12\x34\x56\x78\x02\x01\x00\x02\x01\x00\x30\x0e\x30\x0c\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x05\x00' >"$out/corpus/seed-get"
printf '\x30\x2f\x02\x01\x00\x04\x06public\xa4\x22\x06\x07\x2b\x06\x01\x04\x01\xbf\x08\x40\x04\x7f\x00\x00\x01\x02\x01\x06\x02\x01\x11\x43\x01\x63\x30\x00' >"$out/corpus/seed-trap"
printf '\x30\x3a\x02\x01\x03\x30\x0f\x02\x02\x4a\x69\x02\x03\x00\xff\xe3\x04\x01\x04\x02\x01\x03\x04\x10\x30\x0e\x04\x00\x02\x01\x00\x02\x01\x00\x04\x00\x04\x00\x04\x00\x30\x12\x04\x00\x04\x00\xa0\x0c\x02\x02\x37\xf0\x02\x01\x00\x02\x01\x00\x30\x00' >"$out/corpus/seed-v3"

cd "$out"
./fuzz-snmp -runs="$runs" -max_len=1500 -rss_limit_mb=2048 "$@" corpus
