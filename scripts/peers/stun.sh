#!/usr/bin/env bash
# Debian's `stund` (package stun-server) on loopback, for the STUN interoperability test: our CPE
# simulator's Binding requests (with TR-111's CONNECTION-REQUEST-BINDING) must be answered by it.
# A classic STUN server needs two addresses and two ports: 127.0.0.1 and 127.0.0.2, two free ports.
#
#   scripts/peers/stun.sh start WORKDIR   start it, write WORKDIR/stun.env
#   scripts/peers/stun.sh stop WORKDIR    stop it
set -euo pipefail

cmd=${1:?usage: stun.sh start|stop WORKDIR}
work=$(realpath -m "${2:?work directory}")
dir="$work/stun"
here=$(cd "$(dirname "$0")/../.." && pwd)

case "$cmd" in
start)
  if [ ! -x /usr/sbin/stund ]; then echo "stund not found (scripts/setup.sh installs stun-server)" >&2; exit 1; fi
  mkdir -p "$dir"
  primary=$("$here/scripts/free-port.sh")
  secondary=$("$here/scripts/free-port.sh")
  while [ "$secondary" = "$primary" ]; do secondary=$("$here/scripts/free-port.sh"); done
  (setsid /usr/sbin/stund -h 127.0.0.1 -a 127.0.0.2 -p "$primary" -o "$secondary" >"$dir/stund.log" 2>&1 </dev/null & echo $! >"$dir/pid")
  sleep 0.3
  if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "stund did not start; see $dir/stund.log" >&2
    cat "$dir/stund.log" >&2
    exit 1
  fi
  cat >"$work/stun.env" <<ENV
export OCTOISP_TEST_STUND=127.0.0.1:$primary
export OCTOISP_TEST_STUN_CLIENT=/usr/bin/stun
ENV
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  ;;
*)
  echo "usage: stun.sh start|stop WORKDIR" >&2
  exit 2
  ;;
esac
