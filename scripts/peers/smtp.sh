#!/usr/bin/env bash
# A throwaway SMTP server (aiosmtpd) on free loopback ports, for the notification tests.
#
#   scripts/peers/smtp.sh start WORKDIR   start it in WORKDIR/smtp, write WORKDIR/smtp.env
#   scripts/peers/smtp.sh stop WORKDIR    stop it
#
# It makes a self-signed certificate (CN localhost, SAN localhost and 127.0.0.1) with openssl (the
# notification tests also serve HTTPS with it: OCTOISP_TEST_SMTP_CERT/_KEY),
# serves STARTTLS with it and requires AUTH on one port, and offers neither on another; received
# messages land in the maildir WORKDIR/smtp/maildir (see scripts/peers/smtp_server.py).
set -euo pipefail

cmd=${1:?usage: smtp.sh start|stop WORKDIR}
work=$(realpath -m "${2:?work directory}")
dir="$work/smtp"
here=$(cd "$(dirname "$0")/../.." && pwd)
# Debian's interpreter, where python3-aiosmtpd lives (a python3 earlier on PATH may not have it).
python=${OCTOISP_SMTP_PYTHON:-/usr/bin/python3}
user=octoisp-test
password="s3nha-de-teste-$(date +%s)"

start() {
  if ! "$python" -c 'import aiosmtpd' 2>/dev/null; then
    echo "aiosmtpd is missing for $python (scripts/setup.sh installs python3-aiosmtpd)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
  local tls_port plain_port
  tls_port=$("$here/scripts/free-port.sh")
  plain_port=$("$here/scripts/free-port.sh")
  while [ "$plain_port" = "$tls_port" ]; do plain_port=$("$here/scripts/free-port.sh"); done
  rm -f "$dir/ready"
  # No descriptor of the caller stays open in the daemon.
  setsid "$python" "$here/scripts/peers/smtp_server.py" "$dir" "$tls_port" "$plain_port" "$user" "$password" \
    </dev/null >"$dir/server.log" 2>&1 &
  echo $! >"$dir/server.pid"
  for _ in $(seq 1 200); do
    if [ -f "$dir/ready" ]; then break; fi
    if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      echo "the SMTP server exited; see $dir/server.log" >&2
      cat "$dir/server.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  [ -f "$dir/ready" ] || { echo "the SMTP server did not start; see $dir/server.log" >&2; exit 1; }
  cat >"$work/smtp.env" <<ENV
export OCTOISP_TEST_SMTP_HOST=127.0.0.1
export OCTOISP_TEST_SMTP_PORT=$tls_port
export OCTOISP_TEST_SMTP_PLAIN_PORT=$plain_port
export OCTOISP_TEST_SMTP_CERT=$dir/cert.pem
export OCTOISP_TEST_SMTP_KEY=$dir/key.pem
export OCTOISP_TEST_SMTP_MAILDIR=$dir/maildir
export OCTOISP_TEST_SMTP_DECODED=$dir/decoded
export OCTOISP_TEST_SMTP_USER=$user
export OCTOISP_TEST_SMTP_PASSWORD=$password
ENV
}

stop() {
  [ -f "$dir/server.pid" ] || return 0
  local pid
  pid=$(cat "$dir/server.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/server.pid"
}

case "$cmd" in
start) start ;;
stop) stop ;;
*) echo "usage: smtp.sh start|stop WORKDIR" >&2; exit 2 ;;
esac
