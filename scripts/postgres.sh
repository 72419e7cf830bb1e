#!/usr/bin/env bash
# A private PostgreSQL 15 cluster on 127.0.0.1.
#
#   scripts/postgres.sh start DIR PORT   initialise (once) and start the cluster in DIR; create the roles
#                                        octoisp_owner, octoisp_app, octoisp_global and the database
#                                        octoisp; write DIR/env with the connection URLs
#   scripts/postgres.sh stop DIR         stop it
#
# The cluster's superuser is reachable only through the Unix socket in DIR.
set -euo pipefail

cmd=${1:?usage: postgres.sh start|stop DIR [PORT]}
dir=$(realpath -m "${2:?data directory}")
bin=/usr/lib/postgresql/15/bin
data="$dir/data"
sock="$dir/run"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
superuser() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

case "$cmd" in
start)
  port=${3:?port}
  mkdir -p "$dir" "$sock"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir" "$sock"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$data" -U "$(superuser)" --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c fsync=${OCTOISP_PG_FSYNC:-on} -c max_connections=300" start >/dev/null
  fi
  psql_su=("$bin/psql" -h "$sock" -p "$port" -U "$(superuser)" -d postgres -v ON_ERROR_STOP=1 -qAt)
  if [ ! -f "$dir/env" ]; then
    pw() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
    owner_pw=$(pw); app_pw=$(pw); global_pw=$(pw)
    as_pg "${psql_su[@]}" <<SQL
CREATE ROLE octoisp_owner LOGIN CREATEDB BYPASSRLS PASSWORD '$owner_pw';
CREATE ROLE octoisp_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '$app_pw';
CREATE ROLE octoisp_global LOGIN NOSUPERUSER BYPASSRLS PASSWORD '$global_pw';
CREATE DATABASE octoisp OWNER octoisp_owner;
SQL
    base="127.0.0.1:$port"
    umask 077
    cat >"$dir/env" <<ENV
export OCTOISP_OWNER_DATABASE_URL=postgres://octoisp_owner:$owner_pw@$base/octoisp
export DATABASE_URL=postgres://octoisp_app:$app_pw@$base/octoisp
export OCTOISP_GLOBAL_DATABASE_URL=postgres://octoisp_global:$global_pw@$base/octoisp
ENV
  fi
  ;;
stop)
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
  fi
  ;;
*)
  echo "usage: postgres.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
