#!/usr/bin/env bash
# (a) CPU seconds per varbind: `octoisp snmp bulkwalk` and the standalone `octoisp-snmp bulkwalk` vs
# net-snmp's `snmpbulkwalk` on the same snmpd, walking its whole tree (about 9,000 varbinds).
# Measured, not asserted.
#
#   bench/snmp/bulkwalk-cpu.sh [ROUNDS] [MAX_REPETITIONS]
#
# Prints, for each tool, the median CPU time (user + system, from wait4) of a full walk, the CPU
# per varbind including process start-up, and the marginal CPU per varbind (full walk minus a
# walk of the 'system' group, divided by the varbind difference), then the ratios.
# Uses scripts/peers/snmp.sh to start snmpd on loopback; OCTOISP=path selects the binary
# (default: a release build of this package), OCTOISP_SNMP=path the standalone one. OCTOISP_BASELINE=path
# adds another build of octoisp (an earlier commit, say) to the same run, for a before/after figure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
rounds="${1:-9}"
reps="${2:-50}"
work="$(mktemp -d)"
trap '"$bench_repo/scripts/peers/snmp.sh" stop "$work"; rm -rf "$work"' EXIT
binary="$(octoisp_binary)"
standalone="$(octoisp_snmp_binary)"
"$bench_repo/scripts/peers/snmp.sh" start "$work" >/dev/null
source "$work/snmp.env"

BENCH_DIR="$here" BENCH_WORK="$work" python3 - "$binary" "$SNMP_TEST_SNMPD" "$rounds" "$reps" "${OCTOISP_BASELINE:-}" "$standalone" <<'PY'
import os, statistics, subprocess, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
from cpu import cpu_seconds

binary, agent, rounds, reps, baseline, standalone = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
tools = {
    "octoisp snmp bulkwalk": lambda root: [binary, "snmp", "bulkwalk", "-v", "2c", "-c", "public", "-Cr", reps, agent, root],
    "octoisp-snmp bulkwalk": lambda root: [standalone, "bulkwalk", "-v", "2c", "-c", "public", "-Cr", reps, agent, root],
    "net-snmp snmpbulkwalk": lambda root: ["snmpbulkwalk", "-v2c", "-cpublic", "-Cr" + reps, "-On", agent, "." + root],
}
if baseline:
    tools["octoisp (baseline build)"] = lambda root: [baseline, "snmp", "bulkwalk", "-v", "2c", "-c", "public", "-Cr", reps, agent, root]

def count(path):
    with open(path) as out:
        return sum(1 for line in out if line.startswith(".") and "No more variables" not in line)

# The agent's tables change while the machine works (processes, sockets), so each timed walk counts
# the varbinds it printed itself: every figure is per varbind of that very walk.
listing = os.path.join(os.environ["BENCH_WORK"], "walk.out")
def measured(args):
    seconds = cpu_seconds(args, listing)
    return seconds, count(listing)

results = {}
for name, command in tools.items():
    fulls = [measured(command("1")) for _ in range(rounds)]
    smalls = [measured(command("1.3.6.1.2.1.1")) for _ in range(rounds)]
    full, full_n = statistics.median(s for s, _ in fulls), statistics.median(n for _, n in fulls)
    small, small_n = statistics.median(s for s, _ in smalls), statistics.median(n for _, n in smalls)
    per = statistics.median(s / n for s, n in fulls) * 1e6
    marginal = (full - small) / (full_n - small_n) * 1e6
    results[name] = (per, marginal)
    print("%s: %d varbinds (median), median %.4f CPU s per walk, %.2f us/varbind (start-up included), "
          "%.2f us/varbind marginal" % (name, full_n, full, per, marginal))
theirs = results["net-snmp snmpbulkwalk"]
for name, label in (("octoisp snmp bulkwalk", "octoisp snmp"), ("octoisp-snmp bulkwalk", "octoisp-snmp")):
    ours = results[name]
    print("ratio %s/net-snmp: %.2fx per varbind with start-up, %.2fx marginal (goal <= 1.0x with start-up)"
          % (label, ours[0] / theirs[0], ours[1] / theirs[1]))
if baseline:
    before = results["octoisp (baseline build)"]
    print("ratio baseline build/net-snmp: %.2fx per varbind with start-up, %.2fx marginal"
          % (before[0] / theirs[0], before[1] / theirs[1]))
PY
