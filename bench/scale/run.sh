#!/usr/bin/env bash
# ACS scale-out through nginx: builds `octoisp` and `acs-bench` (bench/acs) in release mode, starts a
# throwaway PostgreSQL (fsync on), two `octoisp serve --roles acs` processes and the bare Hummingbird
# route, and three nginx front ends rendered from the committed deploy/nginx/octoisp.conf (only the
# addresses substituted): one in front of the bare route, one in front of one ACS process, one in front
# of both. Then `acs-bench scale` runs the same BOOT storm through each, alternating them per round, and
# prints sessions/s, p99, the ratio 2 processes / 1 process and the ratios to the bare route.
#   bench/scale/run.sh [--cpes N] [--concurrency C] [--rounds R]
# BENCH_FAILOVER=1 then runs the Patroni failover test (FailoverTests, through scripts/test.sh: a
# streaming replica, the primary killed during an ACS storm and a metrics ingest) and prints its
# figures: time until writes and Informs are acknowledged again, acknowledged data lost (must be 0),
# and how serve stopped on SIGTERM afterwards.
# Environment: BENCH_MODELS, BENCH_LOG_LEVEL, BENCH_PG_FSYNC, OCTOISP_DB_POOL, BENCH_CONFIGURATION (as bench/acs/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
fixtures=../shared/fixtures/tr069/devices
models=${BENCH_MODELS:-"$fixtures/device-H199Z.csv $fixtures/device-9CA2F4-EC220_G5_V3-22275K2000315.csv"}
configuration=${BENCH_CONFIGURATION:-release}
nginx=${NGINX:-/usr/sbin/nginx}
[ -x "$nginx" ] || { echo "nginx not found at $nginx (scripts/setup.sh installs it)" >&2; exit 1; }
for product in octoisp acs-bench; do
  if ! log=$(swift build -c "$configuration" --product "$product" 2>&1); then echo "$log"; exit 1; fi
done
bin=$(swift build -c "$configuration" --show-bin-path)
work=$(mktemp -d /tmp/octoisp-scale.XXXXXX)
chmod 755 "$work"
pids=()
fronts=()
cleanup() {
  for front in "${fronts[@]}"; do "$nginx" -p "$front" -c "$front/nginx.conf" -s stop 2>/dev/null || true; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/postgres.sh stop "$work/postgres" || true
  rm -rf "$work"
}
trap cleanup EXIT
OCTOISP_PG_FSYNC=${BENCH_PG_FSYNC:-on} scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
"$bin/octoisp" migrate >/dev/null 2>&1
secret="k1:$(head -c 32 /dev/urandom | base64 -w0)"
jwt="$(head -c 48 /dev/urandom | base64 -w0)"
acs_ports=()
for n in 1 2; do
  port=$(scripts/free-port.sh)
  acs_ports+=("$port")
  OCTOISP_SECRET_KEY="$secret" OCTOISP_JWT_SECRET="$jwt" OCTOISP_CWMP_HOST=127.0.0.1 OCTOISP_CWMP_PORT=$port \
    OCTOISP_LOG_LEVEL=${BENCH_LOG_LEVEL:-notice} OCTOISP_CWMP_DEVICE_CREDENTIALS=off OCTOISP_TRUSTED_PROXIES=127.0.0.1/32 \
    "$bin/octoisp" serve --roles acs >"$work/acs$n.log" 2>&1 &
  pids+=($!)
done
bare_port=$(scripts/free-port.sh)
"$bin/acs-bench" bare --port "$bare_port" >"$work/bare.log" 2>&1 &
pids+=($!)

# front NAME UPSTREAM1 UPSTREAM2: deploy/nginx/octoisp.conf with its CWMP upstreams replaced (the same
# port twice is one process) and its listeners on free ports; prints the CWMP port.
front() {
  local dir="$work/nginx-$1" cwmp api
  cwmp=$(scripts/free-port.sh)
  api=$(scripts/free-port.sh)
  mkdir -p "$dir/logs"
  sed -e "s/listen 7547;/listen 127.0.0.1:$cwmp;/" -e "s/listen 80;/listen 127.0.0.1:$api;/" \
      -e "s/127\.0\.0\.1:7601/127.0.0.1:$2/" -e "s/127\.0\.0\.1:7602/127.0.0.1:$3/" deploy/nginx/octoisp.conf >"$dir/octoisp.conf"
  cat >"$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/octoisp.conf;
}
CONF
  "$nginx" -p "$dir" -c "$dir/nginx.conf" -q
  fronts+=("$dir")
  echo "$cwmp" >"$dir/cwmp-port"
}
front bare "$bare_port" "$bare_port"
front one "${acs_ports[0]}" "${acs_ports[0]}"
front two "${acs_ports[0]}" "${acs_ports[1]}"
for port in "${acs_ports[@]}" "$bare_port" $(cat "$work"/nginx-*/cwmp-port); do
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
done
model_args=()
for model in $models; do model_args+=(--model "$model"); done
echo "nginx $("$nginx" -v 2>&1 | sed 's/.*nginx\///'), $(nproc) cores; deploy/nginx/octoisp.conf in front of each target"
status=0
"$bin/acs-bench" scale --bare "http://127.0.0.1:$(cat "$work/nginx-bare/cwmp-port")/cwmp" \
  --one "http://127.0.0.1:$(cat "$work/nginx-one/cwmp-port")/cwmp" --two "http://127.0.0.1:$(cat "$work/nginx-two/cwmp-port")/cwmp" \
  "${model_args[@]}" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  for n in 1 2; do echo "== last lines of ACS $n"; tail -n 20 "$work/acs$n.log"; done
  echo "== nginx errors"; tail -n 20 "$work"/nginx-*/logs/error.log
fi
if [ "$status" -eq 0 ] && [ "${BENCH_FAILOVER:-0}" = 1 ]; then
  echo "== PostgreSQL failover (FailoverTests, debug build)"
  OCTOISP_FUZZ_RUNS=1 scripts/test.sh --filter FailoverTests >"$work/failover.log" 2>&1 || status=$?
  grep -E '^failover:|Test run with' "$work/failover.log" || tail -n 40 "$work/failover.log"
fi
exit "$status"
