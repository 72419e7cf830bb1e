#!/usr/bin/env bash
# `make run`: install what is missing, build, start a private PostgreSQL under .octoisp/, migrate,
# create the first Global Admin and serve http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh

state=.octoisp
mkdir -p "$state"
chmod 755 "$state"
# Secrets generated once and kept with the local state.
if [ ! -f "$state/secrets.env" ]; then
  umask 077
  {
    echo "export OCTOISP_SECRET_KEY=k1:$(head -c 32 /dev/urandom | base64 -w0)"
    echo "export OCTOISP_JWT_SECRET=$(head -c 48 /dev/urandom | base64 -w0)"
  } >"$state/secrets.env"
fi

if [ -z "${DATABASE_URL:-}" ]; then
  scripts/postgres.sh start "$state/postgres" "${OCTOISP_PG_PORT:-54329}"
  source "$state/postgres/env"
fi
source "$state/secrets.env"

swift build -c release --product octoisp
# The dashboard served at http://127.0.0.1:8080/.
scripts/web-build.sh
exec .build/release/octoisp serve
