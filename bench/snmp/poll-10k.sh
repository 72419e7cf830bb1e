#!/usr/bin/env bash
# (b) One client polls sysUpTime.0 + ifXTable from N devices at 127.1.x.y (default 10,000), all
# answered by one snmpd bound to 0.0.0.0:PORT. Prints the full cycle time. Measured, not asserted.
#
#   bench/snmp/poll-10k.sh [DEVICES] [CONCURRENCY]
#
# OCTOISP=path selects the binary (default: a release build of this package).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
devices="${1:-10000}"
concurrency="${2:-200}"
work="$(mktemp -d)"
cleanup() {
    if [[ -f "$work/snmpd.pid" ]]; then
        local pid; pid="$(cat "$work/snmpd.pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$work"
}
trap cleanup EXIT
binary="$(octoisp_binary)"
start_loopback_snmpd "$work"
port="$snmpd_port"
echo "snmpd on 0.0.0.0:$port; polling $devices devices from 127.1.0.1 (concurrency $concurrency)"
if [[ -x /usr/bin/time ]]; then timer=(/usr/bin/time -f "client CPU: %U s user, %S s system, max RSS %M KiB"); else timer=(); fi
"${timer[@]}" \
    "$binary" snmp poll --first 127.1.0.1 --count "$devices" --port "$port" --concurrency "$concurrency" -c public
