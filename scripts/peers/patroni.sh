#!/usr/bin/env bash
# A PostgreSQL 15 pair managed by Patroni with etcd as its store, all on loopback, for the failover and
# read-replica tests.
#
#   scripts/peers/patroni.sh start WORKDIR    start etcd and two Patroni nodes in WORKDIR/patroni; wait
#                                             for a leader and a synchronous streaming replica; create
#                                             the platform's roles and database; write WORKDIR/patroni.env
#   scripts/peers/patroni.sh stop WORKDIR     stop both nodes and etcd
#
# Replication is synchronous (`synchronous_mode: true`): a commit is acknowledged only once the replica
# has it, so promoting the replica loses nothing acknowledged. `primary_start_timeout: 0` makes
# Patroni fail over as soon as the primary's PostgreSQL is gone instead of first trying to restart it.
set -euo pipefail

cmd=${1:?usage: patroni.sh start|stop WORKDIR}
work=$(realpath -m "${2:?work directory}")
dir="$work/patroni"
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=/usr/lib/postgresql/15/bin

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_user() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }
free_port() { "$here/scripts/free-port.sh"; }

# Detached: the daemons keep none of the caller's descriptors (a test runner waiting on a pipe).
detach() {
  local log=$1; shift
  setsid "$@" </dev/null >>"$log" 2>&1 &
  echo $!
}

stop_all() {
  [ -d "$dir" ] || return 0
  local pidfile pid
  for pidfile in "$dir"/node*/patroni.pid "$dir"/etcd.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pidfile in "$dir"/node*/patroni.pid "$dir"/etcd.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  # PostgreSQL outlives a killed Patroni: stop what is left of either cluster.
  local data
  for data in "$dir"/node*/data; do
    if [ -f "$data/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  done
}

node_config() {
  local name=$1 pg_port=$2 api_port=$3 node="$dir/$1"
  cat <<YAML
scope: octoisp
name: $name
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$api_port
  connect_address: 127.0.0.1:$api_port
etcd3:
  hosts: 127.0.0.1:$etcd_port
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 300
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth-local: trust
    - auth-host: scram-sha-256
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$pg_port
  connect_address: 127.0.0.1:$pg_port
  data_dir: $node/data
  bin_dir: $bin
  pgpass: $node/pgpass
  basebackup:
    - checkpoint: fast
  authentication:
    superuser:
      username: $(pg_user)
      password: $su_pw
    replication:
      username: replicator
      password: $repl_pw
    rewind:
      username: $(pg_user)
      password: $su_pw
  parameters:
    unix_socket_directories: $node/run
    # A test peer: processes are killed, never the machine, so fsync adds nothing but time.
    fsync: "${OCTOISP_PG_FSYNC:-off}"
YAML
}

# The leader's name and the replica's sync state, from Patroni's REST API of either node.
cluster_state() {
  curl -fsS "http://127.0.0.1:$1/cluster" 2>/dev/null || true
}

case "$cmd" in
start)
  for tool in patroni etcd curl; do
    command -v "$tool" >/dev/null || { echo "$tool not found (scripts/setup.sh installs patroni and etcd-server)" >&2; exit 1; }
  done
  stop_all
  rm -rf "$dir"
  mkdir -p "$dir/etcd"
  pw() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
  su_pw=$(pw); repl_pw=$(pw)
  etcd_port=$(free_port); etcd_peer=$(free_port)
  detach "$dir/etcd.log" etcd --name octoisp-test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "octoisp-test=http://127.0.0.1:$etcd_peer" >"$dir/etcd.pid"
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q true && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q true || { echo "etcd did not start; see $dir/etcd.log" >&2; exit 1; }
  ports=()
  apis=()
  for name in node1 node2; do
    node="$dir/$name"
    mkdir -p "$node/run"
    pg_port=$(free_port); api_port=$(free_port)
    ports+=("$pg_port"); apis+=("$api_port")
    node_config "$name" "$pg_port" "$api_port" >"$node/patroni.yml"
    chmod 700 "$node"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$node"; chmod 755 "$dir"; fi
    if [ "$(id -u)" -eq 0 ]; then
      detach "$node/patroni.log" setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$node" patroni "$node/patroni.yml" >"$node/patroni.pid"
    else
      detach "$node/patroni.log" patroni "$node/patroni.yml" >"$node/patroni.pid"
    fi
    if [ "$name" = node1 ]; then
      # node1 bootstraps the cluster: wait until it leads before node2 clones it.
      for _ in $(seq 1 600); do
        curl -fsS "http://127.0.0.1:$api_port/primary" >/dev/null 2>&1 && break
        sleep 0.1
      done
      curl -fsS "http://127.0.0.1:$api_port/primary" >/dev/null 2>&1 || { echo "node1 did not become the leader; see $node/patroni.log" >&2; exit 1; }
    fi
  done
  # The platform's roles and database, created on the leader the way scripts/postgres.sh does.
  owner_pw=$(pw); app_pw=$(pw); global_pw=$(pw)
  as_pg "$bin/psql" -h "$dir/node1/run" -p "${ports[0]}" -U "$(pg_user)" -d postgres -v ON_ERROR_STOP=1 -qAt <<SQL
CREATE ROLE octoisp_owner LOGIN CREATEDB BYPASSRLS PASSWORD '$owner_pw';
CREATE ROLE octoisp_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '$app_pw';
CREATE ROLE octoisp_global LOGIN NOSUPERUSER BYPASSRLS PASSWORD '$global_pw';
CREATE DATABASE octoisp OWNER octoisp_owner;
GRANT pg_signal_backend TO octoisp_owner;
SQL
  # Wait for node2 to stream synchronously.
  ok=false
  for _ in $(seq 1 900); do
    if cluster_state "${apis[0]}" | python3 -c '
import json, sys
members = json.load(sys.stdin)["members"]
sys.exit(0 if any(m["role"] == "sync_standby" and m["state"] in ("streaming", "running") for m in members) else 1)
' 2>/dev/null; then ok=true; break; fi
    sleep 0.1
  done
  $ok || { echo "no synchronous replica; see $dir/node2/patroni.log" >&2; cluster_state "${apis[0]}" >&2; exit 1; }
  hosts="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}"
  umask 077
  cat >"$work/patroni.env" <<ENV
export OCTOISP_TEST_PATRONI_OWNER_URL='postgres://octoisp_owner:$owner_pw@$hosts/octoisp?target_session_attrs=read-write'
export OCTOISP_TEST_PATRONI_APP_URL='postgres://octoisp_app:$app_pw@$hosts/octoisp?target_session_attrs=read-write'
export OCTOISP_TEST_PATRONI_GLOBAL_URL='postgres://octoisp_global:$global_pw@$hosts/octoisp?target_session_attrs=read-write'
export OCTOISP_TEST_PATRONI_READ_URL='postgres://octoisp_app:$app_pw@$hosts/octoisp?target_session_attrs=prefer-standby'
export OCTOISP_TEST_PATRONI_APIS='127.0.0.1:${apis[0]},127.0.0.1:${apis[1]}'
export OCTOISP_TEST_PATRONI_DIR='$dir'
ENV
  ;;
stop)
  stop_all
  ;;
*)
  echo "usage: patroni.sh start|stop WORKDIR" >&2
  exit 2
  ;;
esac
