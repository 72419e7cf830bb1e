#!/usr/bin/env bash
# Schemathesis against the served OpenAPI document: a real `octoisp serve --roles api` on the
# throwaway PostgreSQL of `make test`, a provider admin's token, a bounded number of generated
# requests per operation. Fails on any 5xx and on any answer that breaks its documented schema.
#
#   scripts/api-fuzz.sh BINARY WORKDIR [EXAMPLES]
# Needs DATABASE_URL, OCTOISP_OWNER_DATABASE_URL and OCTOISP_GLOBAL_DATABASE_URL (scripts/test.sh sets them).
set -euo pipefail
binary=${1:?octoisp binary}
work=${2:?work directory}
examples=${3:-${OCTOISP_API_FUZZ_EXAMPLES:-20}}
here=$(cd "$(dirname "$0")/.." && pwd)

if ! python3 -c 'import schemathesis' 2>/dev/null; then
  python3 -m pip install -q 'schemathesis>=4,<5' >/dev/null
fi
st_cmd=(python3 -m schemathesis.cli)

port=$("$here/scripts/free-port.sh")
cwmp=$("$here/scripts/free-port.sh")
admin_password="fuzz-admin-$(date +%s)-pass"
log="$work/api-fuzz-server.log"
OCTOISP_HTTP_PORT=$port OCTOISP_CWMP_PORT=$cwmp OCTOISP_ADMIN_EMAIL=root@fuzz.test OCTOISP_ADMIN_PASSWORD=$admin_password \
  OCTOISP_JWT_SECRET=${OCTOISP_JWT_SECRET:-fuzz-jwt-secret-that-is-long-enough-0123456789} OCTOISP_SECRET_KEY="k1:$(head -c 32 /dev/urandom | base64 -w0)" \
  OCTOISP_RATE_LIMIT_IP=1000000 OCTOISP_RATE_LIMIT_CREDENTIAL=1000000 \
  "$binary" serve --roles api >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
api="http://127.0.0.1:$port/api/v1"
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { echo "the API did not start; see $log" >&2; tail -20 "$log" >&2; exit 1; }

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() { curl -sf -X POST "$api/auth/login" -H 'Content-Type: application/json' -d "{\"email\": \"$1\", \"password\": \"$2\"}" | json "['access_token']"; }
# The first Global Admin is created once the pools run, a moment after the server answers /ready
# (signing in before would count as failed attempts).
for _ in $(seq 1 100); do
  grep -q 'created the first Global Admin' "$log" && break
  sleep 0.1
done
grep -q 'created the first Global Admin' "$log" || { echo "the first Global Admin was not created; see $log" >&2; tail -20 "$log" >&2; exit 1; }
root=$(login root@fuzz.test "$admin_password")
provider=$(curl -sf -X POST "$api/providers" -H "Authorization: Bearer $root" -H 'Content-Type: application/json' \
  -d "{\"slug\": \"fuzz-$RANDOM\", \"name\": \"Fuzz\"}" | json "['id']")
curl -sf -X POST "$api/users" -H "Authorization: Bearer $root" -H "X-Provider-Id: $provider" -H 'Content-Type: application/json' \
  -d '{"email": "admin@fuzz.test", "password": "correct horse battery", "role_key": "provider_admin"}' >/dev/null
token=$(login admin@fuzz.test "correct horse battery")

echo "schemathesis: $examples examples per operation against $api/openapi.json"
"${st_cmd[@]}" run "$api/openapi.json" --url "http://127.0.0.1:$port" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$examples" --seed "${OCTOISP_API_FUZZ_SEED:-20261205}" --header "Authorization: Bearer $token" \
  --exclude-path-regex '/auth/(logout|totp|refresh)' --exclude-path-regex '/ws$' \
  --no-color
