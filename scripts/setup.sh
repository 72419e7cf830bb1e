#!/usr/bin/env bash
# Installs the Debian packages OctoISP needs when they are missing (only when running as root).
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
pg_bin() { ls -d /usr/lib/postgresql/15/bin 2>/dev/null; }

[ -n "$(pg_bin)" ] || need+=(postgresql-15 postgresql-client-15)
have pkg-config || need+=(pkg-config)
[ -f /usr/include/openssl/evp.h ] || need+=(libssl-dev)
have redis-server || need+=(redis-server)
have snmpd || need+=(snmpd)
have snmpget || need+=(snmp)
have snmpsimd || need+=(snmpsim)
have curl || need+=(curl)
have openssl || need+=(openssl)
# Connection requests to CPEs behind NAT: Prosody for XMPP (scripts/peers/xmpp.sh), Debian's STUN
# server and client for the STUN interoperability test (scripts/peers/stun.sh).
have prosody || need+=(prosody)
[ -x /usr/sbin/stund ] || need+=(stun-server)
[ -x /usr/bin/stun ] || need+=(stun-client)
# The notification tests' SMTP server (scripts/peers/smtp.sh) runs on Debian's python3.
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
# The dashboard (web/): React, TypeScript, esbuild and Chart.js from Debian (no npm registry), icons
# rendered by rsvg-convert, and Chromium for the end-to-end tests.
for pkg in node-react node-react-dom node-typescript node-csstype node-prop-types node-chart.js; do
  [ -d "/usr/share/nodejs/${pkg#node-}" ] || need+=("$pkg")
done
have node || need+=(nodejs)
have esbuild || need+=(esbuild)
have tsc || need+=(node-typescript)
have rsvg-convert || need+=(librsvg2-bin)
have chromium || need+=(chromium)
# Playwright (PyPI) for those tests goes into a virtual environment when the system has none.
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${need[*]} — install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  # The packages start system-wide services; OctoISP runs its own private instances instead.
  for svc in postgresql redis-server snmpd prosody; do
    (service "$svc" stop || true) >/dev/null 2>&1
  done
fi
