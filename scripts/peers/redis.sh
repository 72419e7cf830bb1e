#!/usr/bin/env bash
# A throwaway redis-server on a free loopback port, for the job-queue tests.
#
#   scripts/peers/redis.sh start WORKDIR     start it in WORKDIR/redis, write WORKDIR/redis.env
#   scripts/peers/redis.sh restart WORKDIR   stop it (SHUTDOWN, so the append-only file is complete) and
#                                            start it again on the same port with the same data
#   scripts/peers/redis.sh stop WORKDIR      stop it
#
# Persistence: appendonly with fsync on every write, no RDB snapshots, so a restart loses nothing.
set -euo pipefail

cmd=${1:?usage: redis.sh start|restart|stop WORKDIR}
work=$(realpath -m "${2:?work directory}")
dir="$work/redis"
server=${OCTOISP_REDIS_SERVER:-/usr/bin/redis-server}
here=$(cd "$(dirname "$0")/../.." && pwd)

launch() {
  local port=$1
  # Keep no descriptor of the caller (a test process restarting the server mid-run) open in the daemon.
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  "$server" --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" \
    --logfile "$dir/redis.log" --save '' --appendonly yes --appendfsync always --protected-mode yes >/dev/null
  for _ in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then return 0; fi
    sleep 0.05
  done
  echo "redis-server did not start; see $dir/redis.log" >&2
  return 1
}

halt() {
  [ -f "$dir/port" ] || return 0
  local port pid
  port=$(cat "$dir/port")
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
}

case "$cmd" in
start)
  if [ ! -x "$server" ]; then echo "redis-server not found at $server (scripts/setup.sh installs it)" >&2; exit 1; fi
  mkdir -p "$dir"
  port=$("$here/scripts/free-port.sh")
  echo "$port" >"$dir/port"
  launch "$port"
  cat >"$work/redis.env" <<ENV
export OCTOISP_TEST_REDIS_URL=redis://127.0.0.1:$port
export OCTOISP_TEST_REDIS_RESTART="$here/scripts/peers/redis.sh restart $work"
ENV
  ;;
restart)
  halt
  launch "$(cat "$dir/port")"
  ;;
stop)
  halt
  ;;
*)
  echo "usage: redis.sh start|restart|stop WORKDIR" >&2
  exit 2
  ;;
esac
