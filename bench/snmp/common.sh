# Shared functions for the SNMP benchmarks (sourced, not run).
bench_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# A release build of PRODUCT linked as the container image links it (the Swift runtime and Foundation
# static: fewer shared objects to load at start-up), in its own build folder so the other release
# builds keep theirs.
static_release_binary() {
    (cd "$bench_repo" && swift build -c release --product "$1" --static-swift-stdlib --scratch-path .build-static >&2)
    echo "$bench_repo/.build-static/release/$1"
}

# The binaries to measure: $OCTOISP and $OCTOISP_SNMP (the standalone SNMP tools), or release builds.
octoisp_binary() { echo "${OCTOISP:-$(static_release_binary octoisp)}"; }
octoisp_snmp_binary() { echo "${OCTOISP_SNMP:-$(static_release_binary octoisp-snmp)}"; }

# Starts one snmpd under DIR answering community `public` for all of 127.0.0.0/8 on a free UDP port
# (bound to 0.0.0.0, so 127.1.x.y "devices" all reach it); waits until it answers and sets
# $snmpd_port. Stop it with `kill "$(cat DIR/snmpd.pid)"`.
start_loopback_snmpd() {
    local dir="$1"
    snmpd_port="$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    mkdir -p "$dir/persist"
    cat >"$dir/snmpd.conf" <<CONF
agentAddress udp:0.0.0.0:$snmpd_port
rocommunity public 127.0.0.0/8
CONF
    SNMP_PERSISTENT_DIR="$dir/persist" snmpd -C -c "$dir/snmpd.conf" -Lf "$dir/snmpd.log" -p "$dir/snmpd.pid" -M /dev/null -I -smux
    for _ in $(seq 1 50); do
        snmpget -v2c -c public -t 0.3 -r 0 "127.1.0.1:$snmpd_port" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "snmpd did not answer on 127.1.0.1:$snmpd_port (see $dir/snmpd.log)" >&2
    return 1
}
