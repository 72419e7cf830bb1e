#!/usr/bin/env bash
# Monitoring benchmark: one poller (monitoring-bench, release build) polls BENCH_DEVICES (10,000)
# devices at 127.1.x.y, all answered by one snmpd bound to 0.0.0.0:PORT (as bench/snmp/poll-10k.sh),
# through the job queue into a throwaway PostgreSQL, and prints the full-cycle time (system +
# interfaces), the poller's CPU per varbind and per device, and the database work per device.
#
# In the same run:
# - the bare SNMP client (`octoisp snmp poll`) walks the same tables of the same devices (the baseline
#   the cycle time is divided by; goal ≤ 2×);
# - Prometheus' snmp_exporter (Debian prometheus-snmp-exporter, module if_mib: ifTable + ifXTable)
#   scrapes BENCH_EXPORTER_DEVICES (2,000) of the same devices; its CPU per device is printed beside the
#   poller's (goal: ours ≤ 0.5×, while we also store state and samples);
# - the poller runs a BENCH_LARGE_DEVICES (100,000; 0 skips) cycle at 127.1.0.1-127.2.134.160, one snmpd
#   (its CPU over that run is printed: when it is near the cycle time, snmpd is the limit).
# BUILD=debug measures a debug build; BENCH_BASELINE=path adds another build of monitoring-bench to the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/snmp/common.sh
config="${BUILD:-release}"
swift build -c "$config" --product monitoring-bench
swift build -c "$config" --product octoisp >/dev/null
bin="$(swift build -c "$config" --show-bin-path)"
work=$(mktemp -d /tmp/octoisp-pollbench.XXXXXX)
chmod 755 "$work"
cleanup() {
    if [[ -f "$work/snmpd.pid" ]]; then kill "$(cat "$work/snmpd.pid")" 2>/dev/null || true; fi
    if [[ -f "$work/exporter.pid" ]]; then kill "$(cat "$work/exporter.pid")" 2>/dev/null || true; fi
    scripts/postgres.sh stop "$work/postgres" || true
    rm -rf "$work"
}
trap cleanup EXIT
scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
start_loopback_snmpd "$work"
port="$snmpd_port"
hz="$(getconf CLK_TCK)"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
snmpd_pid="$(cat "$work/snmpd.pid")"
devices="${BENCH_DEVICES:-10000}"
concurrency="${BENCH_CONCURRENCY:-256}"

# Before/after in the same run: BENCH_BASELINE=path runs another build of monitoring-bench (an earlier
# commit, say) on the same devices and snmpd first, in a database of its own.
if [[ -n "${BENCH_BASELINE:-}" ]]; then
    BENCH_SNMP_PORT="$port" BENCH_DEVICES="$devices" "$BENCH_BASELINE" | sed 's/^/baseline build: /'
fi
before=$(ticks "$snmpd_pid")
BENCH_SNMP_PORT="$port" BENCH_DEVICES="$devices" "$bin/monitoring-bench" | tee "$work/bench.out"
after=$(ticks "$snmpd_pid")
awk -v t="$((after - before))" -v hz="$hz" 'BEGIN { printf "snmpd CPU over the run: %.1f s\n", t / hz }'

# Baseline in the same run: the bare SNMP client (`octoisp snmp poll`: one UDP socket, no job queue, no
# database, no metrics) walks the same tables (ifTable, then ifXTable, plus sysUpTime) of the same
# devices against the same snmpd, at the same concurrency as the poller's worker slots.
base_seconds=0
base_varbinds=0
for entry in 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1; do
    line=$("$bin/octoisp" snmp poll --first 127.1.0.1 --count "$devices" --port "$port" --concurrency "$concurrency" -c public --entry "$entry")
    echo "bare client, table $entry: $line"
    base_seconds=$(awk -v a="$base_seconds" -v l="$line" 'BEGIN { split(l, f, "seconds="); print a + f[2] }')
    base_varbinds=$(awk -v a="$base_varbinds" -v l="$line" 'BEGIN { split(l, f, "varbinds="); split(f[2], g, " "); print a + g[1] }')
done
cycle=$(grep -o 'full cycle [0-9.]* s' "$work/bench.out" | tail -1 | awk '{print $3}')
awk -v c="$cycle" -v b="$base_seconds" -v v="$base_varbinds" 'BEGIN {
    printf "bare client: %d varbinds in %.1f s; poller steady-state cycle %.1f s = %.2fx the bare client\n", v, b, c, c / b }'

# Peer in the same run: snmp_exporter scraping the same devices' interface tables (module if_mib).
exporter_devices="${BENCH_EXPORTER_DEVICES:-2000}"
python3 bench/monitoring/exporter.py config "$work/snmp.yml"
exporter_port="$(scripts/free-port.sh)"
prometheus-snmp-exporter --config.file="$work/snmp.yml" --web.listen-address="127.0.0.1:$exporter_port" --log.level=warn \
    >"$work/exporter.log" 2>&1 &
echo $! >"$work/exporter.pid"
exporter_pid="$(cat "$work/exporter.pid")"
for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$exporter_port/" >/dev/null 2>&1 && break
    sleep 0.2
done
before=$(ticks "$exporter_pid")
line=$(python3 bench/monitoring/exporter.py scrape "http://127.0.0.1:$exporter_port" "$port" 1 "$exporter_devices" 64)
after=$(ticks "$exporter_pid")
echo "snmp_exporter if_mib: $line"
ours=$(grep -o 'poller CPU per device [0-9.]* µs' "$work/bench.out" | tail -1 | awk '{print $5}')
awk -v t="$((after - before))" -v hz="$hz" -v n="$exporter_devices" -v ours="$ours" 'BEGIN {
    theirs = t / hz * 1e6 / n
    printf "CPU per device: poller %.0f µs (polls, stores state, samples and series) vs snmp_exporter %.0f µs (scrape only) = %.2fx\n",
        ours, theirs, ours / theirs }'
kill "$exporter_pid" 2>/dev/null || true
rm -f "$work/exporter.pid"

large="${BENCH_LARGE_DEVICES:-100000}"
if (( large > 0 )); then
    before=$(ticks "$snmpd_pid")
    started=$(date +%s.%N)
    BENCH_SNMP_PORT="$port" BENCH_DEVICES="$large" "$bin/monitoring-bench" | tee "$work/large.out"
    after=$(ticks "$snmpd_pid")
    awk -v t="$((after - before))" -v hz="$hz" -v s="$(date +%s.%N)" -v b="$started" 'BEGIN {
        printf "snmpd CPU over the %s-device run: %.1f s of %.1f s wall (one snmpd answers every device)\n", "'"$large"'", t / hz, s - b }'
    cycle=$(grep -o 'full cycle [0-9.]* s' "$work/large.out" | tail -1 | awk '{print $3}')
    awk -v c="$cycle" -v n="$large" 'BEGIN { printf "%d devices: steady-state cycle %.1f s (goal: within 300 s)\n", n, c }'
fi
