# Shared functions for the SNMP benchmarks (sourced, not run).
bench_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The release binary to measure: $OCTOISP, or a release build of the package.
octoisp_binary() {
    if [[ -n "${OCTOISP:-}" ]]; then echo "$OCTOISP"; return; fi
    (cd "$bench_repo" && swift build -c release --product octoisp >&2)
    echo "$bench_repo/.build/release/octoisp"
}

