#!/usr/bin/env bash
# Monitoring benchmark: one poller (monitoring-bench, release build) polls BENCH_DEVICES (10,000)
# devices at 127.1.x.y, all answered by one snmpd bound to 0.0.0.0:PORT (as bench/snmp/poll-10k.sh),
# through the job queue into a throwaway PostgreSQL. Prints the full-cycle time (system + interfaces)
# and the poller's CPU per varbind. Goal: a cycle within 60 s. BUILD=debug measures a debug build.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/snmp/common.sh
config="${BUILD:-release}"
swift build -c "$config" --product monitoring-bench
work=$(mktemp -d /tmp/octoisp-pollbench.XXXXXX)
chmod 755 "$work"
cleanup() {
    if [[ -f "$work/snmpd.pid" ]]; then kill "$(cat "$work/snmpd.pid")" 2>/dev/null || true; fi
    scripts/postgres.sh stop "$work/postgres" || true
    rm -rf "$work"
}
trap cleanup EXIT
scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
start_loopback_snmpd "$work"
port="$snmpd_port"
snmpd_ticks() { awk '{print $14 + $15}' "/proc/$(cat "$work/snmpd.pid")/stat"; }
before=$(snmpd_ticks)
BENCH_SNMP_PORT="$port" "$(swift build -c "$config" --show-bin-path)/monitoring-bench" | tee "$work/bench.out"
after=$(snmpd_ticks)
awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "snmpd CPU over the run: %.1f s\n", t / hz }'

# Baseline in the same run: the bare SNMP client (`octoisp snmp poll`: one UDP socket, no job queue, no
# database, no metrics) walks the same tables (ifTable, then ifXTable, plus sysUpTime) of the same
# devices against the same snmpd, at the same concurrency as the poller's worker slots.
swift build -c "$config" --product octoisp >/dev/null
octoisp="$(swift build -c "$config" --show-bin-path)/octoisp"
devices="${BENCH_DEVICES:-10000}"
concurrency="${BENCH_CONCURRENCY:-256}"
base_seconds=0
base_varbinds=0
for entry in 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1; do
    line=$("$octoisp" snmp poll --first 127.1.0.1 --count "$devices" --port "$port" --concurrency "$concurrency" -c public --entry "$entry")
    echo "bare client, table $entry: $line"
    base_seconds=$(awk -v a="$base_seconds" -v l="$line" 'BEGIN { split(l, f, "seconds="); print a + f[2] }')
    base_varbinds=$(awk -v a="$base_varbinds" -v l="$line" 'BEGIN { split(l, f, "varbinds="); split(f[2], g, " "); print a + g[1] }')
done
cycle=$(grep -o 'full cycle [0-9.]* s' "$work/bench.out" | tail -1 | awk '{print $3}')
awk -v c="$cycle" -v b="$base_seconds" -v v="$base_varbinds" 'BEGIN {
    printf "bare client: %d varbinds in %.1f s; poller steady-state cycle %.1f s = %.2fx the bare client\n", v, b, c, c / b }'
