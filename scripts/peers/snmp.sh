#!/usr/bin/env bash
# Starts or stops throwaway SNMP peers on loopback for the SNMP test suite.
#
#   scripts/peers/snmp.sh start DIR   # start snmpd + snmpsimd under DIR, write DIR/snmp.env
#   scripts/peers/snmp.sh stop DIR    # stop them
#
# DIR/snmp.env holds `export VAR=...` lines to source before `swift test`.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [[ -z "$cmd" || -z "$dir" ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 64
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
fixtures="${SNMP_FIXTURES_DIR:-$repo/../shared/fixtures/snmp/librenms}"
# More real-device recordings (families a profile-only fingerprinter misses), served beside them.
more_fixtures="${SNMP_FIXTURES_MORE_DIR:-$repo/../shared/fixtures/snmp/librenms-more}"
# Synthetic recordings the project authors (optics tables, moving counters), served next to the fixtures.
synthetic="$repo/Tests/MonitoringTests/Recordings"

AUTH_PROTOCOLS=(MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512)
PRIV_PROTOCOLS=(DES AES AES-192 AES-256 AES-192-C AES-256-C)
AUTH_PASS="authpass-octo1"
PRIV_PASS="privpass-octo1"

user_name() { # auth priv -> user name
    local a="${1//-/}" p="${2//-/}"
    echo "u_${a,,}_${p,,}"
}

free_udp_port() {
    python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

ensure_packages() {
    if command -v snmpd >/dev/null && command -v snmpget >/dev/null && command -v snmpsimd >/dev/null; then
        return
    fi
    if [[ "$(id -u)" == 0 ]]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq snmpd snmp snmpsim >/dev/null
    else
        echo "snmpd, snmp and snmpsim are required (apt-get install snmpd snmp snmpsim)" >&2
        exit 1
    fi
}

wait_udp() { # host port community -> waits until an SNMP GET answers
    local host="$1" port="$2" community="$3" oid="${4:-1.3.6.1.2.1.1.1.0}"
    for _ in $(seq 1 100); do
        if snmpget -v2c -c "$community" -t 0.3 -r 0 -On "$host:$port" "$oid" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    echo "peer on $host:$port did not answer" >&2
    return 1
}

start() {
    ensure_packages
    mkdir -p "$dir/persist" "$dir/snmpsim-cache"
    dir="$(cd "$dir" && pwd)"
    local snmpd_port snmpsim_port
    snmpd_port="$(free_udp_port)"
    snmpsim_port="$(free_udp_port)"
    while [[ "$snmpsim_port" == "$snmpd_port" ]]; do snmpsim_port="$(free_udp_port)"; done

    {
        echo "agentAddress udp:127.0.0.1:$snmpd_port"
        echo "rocommunity public 127.0.0.1"
        echo "rwcommunity private 127.0.0.1"
        echo "sysDescr OctoISP test agent"
        echo "sysName octo-test"
        echo "createUser u_noauth"
        echo "rwuser u_noauth noauth"
        for a in "${AUTH_PROTOCOLS[@]}"; do
            local authonly="u_${a//-/}_none"; authonly="${authonly,,}"
            echo "createUser $authonly $a $AUTH_PASS"
            echo "rwuser $authonly auth"
            for p in "${PRIV_PROTOCOLS[@]}"; do
                local u; u="$(user_name "$a" "$p")"
                echo "createUser $u $a $AUTH_PASS $p $PRIV_PASS"
                echo "rwuser $u priv"
            done
        done
    } >"$dir/snmpd.conf"

    SNMP_PERSISTENT_DIR="$dir/persist" MIBS="" snmpd -C -c "$dir/snmpd.conf" -Lf "$dir/snmpd.log" \
        -p "$dir/snmpd.pid" -M /dev/null -I -smux
    wait_udp 127.0.0.1 "$snmpd_port" public

    local user_args=()
    if [[ "$(id -u)" == 0 ]]; then user_args=(--process-user=nobody --process-group=nogroup); fi
    # snmpsimd drops privileges when started as root: let it reach its cache and log.
    chmod a+rx "$dir"
    chmod 777 "$dir/snmpsim-cache"
    local data_dirs=(--data-dir="$fixtures" --data-dir="$synthetic")
    if [[ -d "$more_fixtures" ]]; then data_dirs+=(--data-dir="$more_fixtures"); fi
    snmpsimd "${data_dirs[@]}" --cache-dir="$dir/snmpsim-cache" \
        --agent-udpv4-endpoint="127.0.0.1:$snmpsim_port" --v2c-arch \
        --logging-method=file:"$dir/snmpsim.log" --pid-file="$dir/snmpsimd.pid" "${user_args[@]}" \
        >"$dir/snmpsimd.out" 2>&1 &
    echo $! >"$dir/snmpsimd.launcher.pid"
    wait_udp 127.0.0.1 "$snmpsim_port" linux

    cat >"$dir/snmp.env" <<ENV
export SNMP_TEST_SNMPD=127.0.0.1:$snmpd_port
export SNMP_TEST_SNMPSIM=127.0.0.1:$snmpsim_port
export SNMP_TEST_FIXTURES=$fixtures
export SNMP_TEST_FIXTURES_MORE=$more_fixtures
export SNMP_TEST_AUTH_PASS=$AUTH_PASS
export SNMP_TEST_PRIV_PASS=$PRIV_PASS
ENV
    echo "snmpd on 127.0.0.1:$snmpd_port, snmpsimd on 127.0.0.1:$snmpsim_port; env in $dir/snmp.env"
}

stop_pidfile() {
    local file="$1"
    [[ -f "$file" ]] || return 0
    local pid; pid="$(cat "$file")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

stop() {
    stop_pidfile "$dir/snmpd.pid"
    stop_pidfile "$dir/snmpsimd.launcher.pid"
    stop_pidfile "$dir/snmpsimd.pid"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
