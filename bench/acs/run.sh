#!/usr/bin/env bash
# ACS reboot storm: builds `octoisp` and `acs-bench` in release mode, starts a throwaway PostgreSQL
# (fsync on, as in production) on a free port, `octoisp serve --roles acs` and the bare Hummingbird
# route as processes of their own (the ACS twice on the same database: as shipped, and with one
# setting changed to show what it does: group commit off, OCTOISP_CWMP_GROUP_COMMIT=1, by default;
# with BENCH_COMPARE=caches, its in-memory caches off, OCTOISP_CACHES=0; with BENCH_COMPARE=channel-loop,
# its connections not served on their channels' event loops, OCTOISP_CWMP_CHANNEL_LOOP=0), runs the
# storms and tears everything down.
#   bench/acs/run.sh [--cpes N] [--concurrency C] [--rounds R] [--register N]
# Environment: BENCH_MODELS (data-model CSVs, space-separated; a TR-098 and a TR-181 model by default),
# BENCH_LOG_LEVEL (the ACS's OCTOISP_LOG_LEVEL, notice by default), BENCH_PG_FSYNC (on), OCTOISP_DB_POOL,
# BENCH_CONFIGURATION (release; debug for a quick check of the benchmark itself), BENCH_COMPARE
# (group-commit, caches or channel-loop: what the second ACS process turns off), BENCH_BIN (a folder with built
# `octoisp` and `acs-bench`: no build).
# The storm's CPEs all sign in with the one provider-wide credential, so the per-device credential
# (which would be handed out and then require each CPE's own) is off here.
set -euo pipefail
cd "$(dirname "$0")/../.."
fixtures=../shared/fixtures/tr069/devices
models=${BENCH_MODELS:-"$fixtures/device-H199Z.csv $fixtures/device-9CA2F4-EC220_G5_V3-22275K2000315.csv"}
configuration=${BENCH_CONFIGURATION:-release}
if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
else
  for product in octoisp acs-bench; do
    if ! log=$(swift build -c "$configuration" --product "$product" 2>&1); then echo "$log"; exit 1; fi
  done
  bin=$(swift build -c "$configuration" --show-bin-path)
fi
work=$(mktemp -d /tmp/octoisp-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/postgres.sh stop "$work/postgres" || true
  rm -rf "$work"
}
trap cleanup EXIT
OCTOISP_PG_FSYNC=${BENCH_PG_FSYNC:-on} scripts/postgres.sh start "$work/postgres" "$(scripts/free-port.sh)"
source "$work/postgres/env"
"$bin/octoisp" migrate >/dev/null 2>&1
acs_port=$(scripts/free-port.sh)
bare_port=$(scripts/free-port.sh)
other_port=$(scripts/free-port.sh)
metrics_port=$(scripts/free-port.sh)
other_metrics_port=$(scripts/free-port.sh)
secret_key="k1:$(head -c 32 /dev/urandom | base64 -w0)"
jwt_secret="$(head -c 48 /dev/urandom | base64 -w0)"
# The same ACS twice: as shipped and, for comparison, with group commit, its caches or its channel loops off.
compare=${BENCH_COMPARE:-group-commit}
case "$compare" in
  group-commit) other_label="group commit off" ;;
  caches) other_label="caches off" ;;
  channel-loop) other_label="channel loop off" ;;
  *) echo "BENCH_COMPARE is group-commit, caches or channel-loop" >&2; exit 2 ;;
esac
for variant in shipped other; do
  port=$acs_port caches=1 group_commit= channel_loop=1
  metrics=127.0.0.1:$metrics_port
  if [ "$variant" = other ]; then
    # Its own metrics endpoint too (not read): both processes pay for the same metrics.
    port=$other_port metrics=127.0.0.1:$other_metrics_port
    case "$compare" in
      caches) caches=0 ;;
      channel-loop) channel_loop=0 ;;
      *) group_commit=1 ;;
    esac
  fi
  OCTOISP_SECRET_KEY="$secret_key" OCTOISP_JWT_SECRET="$jwt_secret" OCTOISP_CACHES=$caches OCTOISP_METRICS_LISTEN=$metrics \
    OCTOISP_CWMP_GROUP_COMMIT=${group_commit:-${OCTOISP_CWMP_GROUP_COMMIT:-64}} \
    OCTOISP_CWMP_CHANNEL_LOOP=$channel_loop OCTOISP_CWMP_HOST=127.0.0.1 OCTOISP_CWMP_PORT=$port OCTOISP_LOG_LEVEL=${BENCH_LOG_LEVEL:-notice} \
    OCTOISP_CWMP_DEVICE_CREDENTIALS=off \
    "$bin/octoisp" serve --roles acs >"$work/acs-$variant.log" 2>&1 &
  pids+=($!)
done
"$bin/acs-bench" bare --port "$bare_port" >"$work/bare.log" 2>&1 &
pids+=($!)
for port in "$acs_port" "$other_port" "$bare_port"; do
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
done
model_args=()
for model in $models; do model_args+=(--model "$model"); done
status=0
"$bin/acs-bench" storm --acs "http://127.0.0.1:$acs_port/cwmp" --bare "http://127.0.0.1:$bare_port/cwmp" \
  --other "http://127.0.0.1:$other_port/cwmp" --other-label "$other_label" "${model_args[@]}" "$@" || status=$?
# The cached process's hits and misses per cache over the whole run (registration storm included).
echo "== in-memory caches of the ACS process (hits / misses over the run)"
curl -fsS "http://127.0.0.1:$metrics_port/metrics" | grep -E '^octoisp_cache_(hits|misses)_total' || echo "(metrics not read)"
if [ "$status" -ne 0 ]; then
  for variant in shipped other; do
    echo "== last lines of the ACS log ($variant)"
    tail -n 20 "$work/acs-$variant.log"
  done
fi
exit "$status"
