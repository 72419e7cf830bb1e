#!/usr/bin/env bash
# Creates OctoISP's three roles and its database in the postgres container's first start (mounted in
# /docker-entrypoint-initdb.d), as scripts/postgres.sh does for a private cluster: the owner runs
# migrations (BYPASSRLS, CREATEDB), the app role is plain (row-level security applies), the global role
# is the Global Admin path (BYPASSRLS).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_pw="$OCTOISP_OWNER_PASSWORD" -v app_pw="$OCTOISP_APP_PASSWORD" -v global_pw="$OCTOISP_GLOBAL_PASSWORD" <<'SQL'
CREATE ROLE octoisp_owner LOGIN CREATEDB BYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE octoisp_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'app_pw';
CREATE ROLE octoisp_global LOGIN NOSUPERUSER BYPASSRLS PASSWORD :'global_pw';
CREATE DATABASE octoisp OWNER octoisp_owner;
SQL
