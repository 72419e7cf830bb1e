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
# Registries the fingerprinter reads at start: IANA enterprise numbers (vendor from sysObjectID) and
# IEEE OUIs (CPE manufacturer from the TR-069 OUI).
[ -f /usr/share/wireshark/enterprises.tsv ] || need+=(libwireshark-data)
[ -f /usr/share/ieee-data/oui.csv ] || need+=(ieee-data)
have curl || need+=(curl)
# PostgreSQL failover for the failover and read-replica tests (scripts/peers/patroni.sh): Patroni with
# etcd as its store.
have patroni || need+=(patroni)
have etcd || need+=(etcd-server)
have openssl || need+=(openssl)
# Connection requests to CPEs behind NAT: Prosody for XMPP (scripts/peers/xmpp.sh), Debian's STUN
# server and client for the STUN interoperability test (scripts/peers/stun.sh).
have prosody || need+=(prosody)
[ -x /usr/sbin/stund ] || need+=(stun-server)
[ -x /usr/bin/stun ] || need+=(stun-client)
# Network tools: namespaces and veth pairs for the path tests (iproute2) with loss injected by nftables,
# dnsmasq and nginx as the DNS and HTTPS peers (nginx also fronts the processes of ScaleOutTests and
# bench/scale with deploy/nginx), fping and nmap as the baselines of bench/tools.
have ip || need+=(iproute2)
have nft || need+=(nftables)
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
[ -x /usr/sbin/nginx ] || need+=(nginx)
have fping || need+=(fping)
have nmap || need+=(nmap)
# Prometheus' snmp_exporter, the peer of bench/monitoring (module if_mib on the same devices).
have prometheus-snmp-exporter || need+=(prometheus-snmp-exporter)
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
# Reports: PDFs rendered with cairo and pango (loaded on first use by the CPangoCairo target; the
# headers, which the report tests compare its declarations with, come with the -dev packages), DejaVu
# fonts embedded, and poppler-utils (pdftotext, pdftoppm) for the report tests.
pkg-config --exists pangocairo 2>/dev/null || need+=(libcairo2-dev libpango1.0-dev)
have pdftotext || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# The provider's report time zone is checked against the system's tz database.
[ -f /usr/share/zoneinfo/America/Sao_Paulo ] || need+=(tzdata)
# The operator's kit (Tests/OpsTests): Prometheus and promtool check and evaluate deploy/prometheus and
# the Grafana dashboards' queries, docker-compose validates deploy/docker-compose.yml, systemd-analyze
# verifies deploy/systemd, readelf lists the libraries the Dockerfile's runtime stage must install.
have prometheus || need+=(prometheus)
have promtool || need+=(prometheus)
have docker-compose || need+=(docker-compose)
have systemd-analyze || need+=(systemd)
have readelf || need+=(binutils)
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
  for svc in postgresql redis-server snmpd nginx dnsmasq prosody prometheus prometheus-node-exporter prometheus-snmp-exporter; do
    (service "$svc" stop || true) >/dev/null 2>&1
  done
fi
