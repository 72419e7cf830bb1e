#!/usr/bin/env bash
# A throwaway Prosody XMPP server on a free loopback port, for the XMPP connection-request tests
# (TR-069 Annex K). Its config, data and log live in WORKDIR/xmpp; accounts are made by the tests
# with $OCTOISP_TEST_PROSODYCTL register USER DOMAIN PASSWORD.
#
#   scripts/peers/xmpp.sh start WORKDIR   start it, write WORKDIR/xmpp.env
#   scripts/peers/xmpp.sh stop WORKDIR    stop it
#
# Plain c2s with SASL PLAIN is allowed here because the server listens on 127.0.0.1 only.
set -euo pipefail

cmd=${1:?usage: xmpp.sh start|stop WORKDIR}
work=$(realpath -m "${2:?work directory}")
dir="$work/xmpp"
here=$(cd "$(dirname "$0")/../.." && pwd)
domain=octoisp.test

case "$cmd" in
start)
  if ! command -v prosody >/dev/null; then echo "prosody not found (scripts/setup.sh installs it)" >&2; exit 1; fi
  mkdir -p "$dir/data" "$dir/certs"
  port=$("$here/scripts/free-port.sh")
  user=$(id -un)
  cat >"$dir/prosody.cfg.lua" <<CFG
run_as_root = true
prosody_user = "$user"
prosody_group = "$(id -gn)"
daemonize = false
data_path = "$dir/data"
certificates = "$dir/certs"
pidfile = "$dir/prosody.pid"
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "posix" }
modules_disabled = { "s2s"; "offline" }
authentication = "internal_plain"
storage = "internal"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
c2s_ports = { $port }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
log = { info = "$dir/prosody.log"; error = "$dir/prosody.err" }
VirtualHost "$domain"
CFG
  # Keep no descriptor of the caller open in the server.
  (cd "$dir" && setsid prosody --config "$dir/prosody.cfg.lua" >"$dir/stdout.log" 2>&1 </dev/null & echo $! >"$dir/pid")
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      cat >"$work/xmpp.env" <<ENV
export OCTOISP_TEST_XMPP_HOST=127.0.0.1
export OCTOISP_TEST_XMPP_PORT=$port
export OCTOISP_TEST_XMPP_DOMAIN=$domain
export OCTOISP_TEST_PROSODYCTL="prosodyctl --config $dir/prosody.cfg.lua"
ENV
      exit 0
    fi
    sleep 0.1
  done
  echo "prosody did not start; see $dir/prosody.err and $dir/stdout.log" >&2
  cat "$dir/stdout.log" "$dir/prosody.err" >&2 2>/dev/null || true
  exit 1
  ;;
stop)
  # mod_posix writes the server's own pid (the one recorded at start may be setsid's).
  pidfile="$dir/prosody.pid"
  [ -s "$pidfile" ] || pidfile="$dir/pid"
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  ;;
*)
  echo "usage: xmpp.sh start|stop WORKDIR" >&2
  exit 2
  ;;
esac
