-- 0001: tenancy hierarchy, identity, RBAC and the audit log.
--
-- Runs as the owner role. The server connects as octoisp_app (tenant work, always under RLS) and
-- octoisp_global (the Global Admin's cross-provider path, BYPASSRLS, every action audited).
-- Every provider-scoped table: provider_id, RLS ENABLED and FORCED, a policy with USING and WITH CHECK
-- on the transaction-local setting app.provider_id.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The tenant of the current unit of work, or NULL when none was set.
CREATE FUNCTION app_provider_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.provider_id', true), '')::uuid $$;

CREATE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- Providers ------------------------------------------------------------------------------------------

CREATE TABLE providers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    document    text,
    large       boolean NOT NULL DEFAULT false,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE providers FORCE ROW LEVEL SECURITY;
-- A tenant sees (and may rename) its own provider row only; creating and deleting providers is the
-- Global Admin's path.
CREATE POLICY providers_tenant ON providers
    USING (id = (SELECT app_provider_id()))
    WITH CHECK (id = (SELECT app_provider_id()));
CREATE TRIGGER providers_touch BEFORE UPDATE ON providers FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- POPs -----------------------------------------------------------------------------------------------

CREATE TABLE pops (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    code        text,
    city        text,
    state       text,
    address     text,
    notes       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, name)
);
CREATE TRIGGER pops_touch BEFORE UPDATE ON pops FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Customers ------------------------------------------------------------------------------------------

CREATE TABLE customers (
    id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    pop_id       uuid,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    document     text,
    email        text,
    phone        text,
    plan         text,
    external_ref text,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, id),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id)
);
CREATE INDEX customers_pop ON customers (provider_id, pop_id);
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Devices --------------------------------------------------------------------------------------------

CREATE TABLE devices (
    id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    pop_id           uuid,
    customer_id      uuid,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind             text NOT NULL DEFAULT 'cpe'
                     CHECK (kind IN ('cpe', 'ont', 'router', 'switch', 'olt', 'access_point', 'server', 'other')),
    vendor           text,
    model            text,
    serial_number    text,
    oui              text,
    product_class    text,
    firmware         text,
    hardware_version text,
    mac              text,
    management_ip    inet,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'online', 'offline', 'disabled')),
    last_seen_at     timestamptz,
    notes            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, id),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id),
    FOREIGN KEY (provider_id, customer_id) REFERENCES customers (provider_id, id)
);
CREATE UNIQUE INDEX devices_identity ON devices (provider_id, oui, serial_number)
    WHERE oui IS NOT NULL AND serial_number IS NOT NULL;
CREATE INDEX devices_list ON devices (provider_id, name, id);
CREATE INDEX devices_pop ON devices (provider_id, pop_id);
CREATE INDEX devices_customer ON devices (provider_id, customer_id);
CREATE INDEX devices_status ON devices (provider_id, status);
-- Text search over the fields a NOC engineer types: name, serial, MAC, IP, vendor and model.
CREATE FUNCTION device_search_text(name text, serial text, mac text, ip inet, vendor text, model text)
    RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT lower(concat_ws(' ', name, serial, mac, host(ip), vendor, model)) $$;
CREATE INDEX devices_search ON devices
    USING gin (device_search_text(name, serial_number, mac, management_ip, vendor, model) gin_trgm_ops);
CREATE TRIGGER devices_touch BEFORE UPDATE ON devices FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Row-level security keeps non-leakproof operators such as LIKE from using an index, so a search
-- under RLS would scan all of a provider's devices. This function runs the trigram search as the
-- owner, restricted to the transaction's tenant by the same setting the policies read, and returns
-- only ids; the caller still reads the rows under RLS.
CREATE FUNCTION device_search_ids(p_pattern text) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$
SELECT d.id FROM devices d
WHERE d.provider_id = app_provider_id()
  AND device_search_text(d.name, d.serial_number, d.mac, d.management_ip, d.vendor, d.model) LIKE p_pattern
$$;

CREATE TABLE device_groups (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, name)
);

CREATE TABLE device_group_members (
    provider_id uuid NOT NULL,
    group_id    uuid NOT NULL,
    device_id   uuid NOT NULL,
    PRIMARY KEY (group_id, device_id),
    FOREIGN KEY (provider_id, group_id) REFERENCES device_groups (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX device_group_members_device ON device_group_members (provider_id, device_id);

-- RBAC -----------------------------------------------------------------------------------------------

-- The permission catalog is defined in code (OctoCore.Permission) and synchronised here by migrate.
CREATE TABLE permissions (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z_]+\.[a-z_]+$'),
    module      text NOT NULL,
    action      text NOT NULL
);

-- Predefined profiles have provider_id NULL and are visible to every tenant; a provider may add its own.
CREATE TABLE roles (
    id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id  uuid REFERENCES providers (id) ON DELETE CASCADE,
    key          text NOT NULL CHECK (key ~ '^[a-z0-9_]{2,63}$'),
    name         text NOT NULL,
    description  text,
    permissions  text[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX roles_key ON roles (coalesce(provider_id, '00000000-0000-0000-0000-000000000000'::uuid), key);
CREATE TRIGGER roles_touch BEFORE UPDATE ON roles FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE users (
    id             uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    -- NULL only for Global Admins, who belong to no provider.
    provider_id    uuid REFERENCES providers (id) ON DELETE CASCADE,
    email          text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name           text NOT NULL DEFAULT '',
    role_id        uuid NOT NULL REFERENCES roles (id),
    password_hash  text NOT NULL,
    totp_secret    text,
    totp_enabled   boolean NOT NULL DEFAULT false,
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    locale         text NOT NULL DEFAULT 'pt-BR' CHECK (locale IN ('pt-BR', 'en')),
    last_login_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, id)
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- A user's role is predefined or their own provider's; only provider-less users hold global_admin.
CREATE FUNCTION users_check_role() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
BEGIN
    SELECT provider_id, key INTO r FROM roles WHERE id = NEW.role_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % does not exist', NEW.role_id USING ERRCODE = '23503';
    END IF;
    IF r.provider_id IS NOT NULL AND r.provider_id IS DISTINCT FROM NEW.provider_id THEN
        RAISE EXCEPTION 'role belongs to another provider' USING ERRCODE = '23503';
    END IF;
    IF (r.key = 'global_admin') <> (NEW.provider_id IS NULL) THEN
        RAISE EXCEPTION 'global_admin is the role of provider-less users only' USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_role BEFORE INSERT OR UPDATE OF role_id, provider_id ON users
    FOR EACH ROW EXECUTE FUNCTION users_check_role();

CREATE TABLE user_permissions (
    provider_id    uuid NOT NULL,
    user_id        uuid NOT NULL,
    permission_key text NOT NULL REFERENCES permissions (key) ON UPDATE CASCADE ON DELETE CASCADE,
    effect         text NOT NULL CHECK (effect IN ('grant', 'revoke')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, permission_key),
    FOREIGN KEY (provider_id, user_id) REFERENCES users (provider_id, id) ON DELETE CASCADE
);

CREATE TABLE api_keys (
    id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix       text NOT NULL UNIQUE,
    secret_hash  bytea NOT NULL,
    role_id      uuid NOT NULL REFERENCES roles (id),
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    UNIQUE (provider_id, id)
);

CREATE TABLE refresh_tokens (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id uuid REFERENCES providers (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz,
    user_agent  text,
    ip          inet
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Failed-login counters shared by every process: keys 'account:<email>' and 'ip:<address>'.
CREATE TABLE login_throttle (
    key          text PRIMARY KEY,
    failures     integer NOT NULL,
    window_start timestamptz NOT NULL,
    locked_until timestamptz
);

-- Pre-tenant lookups: the only doors through which a request learns its tenant. Each returns the
-- minimum needed to continue inside a tenant transaction. They run as the owner role, which is
-- created with BYPASSRLS (see scripts/postgres.sh).
CREATE FUNCTION auth_find_user(p_email text)
    RETURNS TABLE (user_id uuid, provider_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT u.id, u.provider_id FROM users u WHERE lower(u.email) = lower(p_email) $$;

CREATE FUNCTION auth_find_refresh_token(p_hash bytea)
    RETURNS TABLE (token_id uuid, user_id uuid, provider_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT t.id, t.user_id, t.provider_id FROM refresh_tokens t WHERE t.token_hash = p_hash $$;

CREATE FUNCTION auth_find_api_key(p_prefix text)
    RETURNS TABLE (key_id uuid, provider_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT k.id, k.provider_id FROM api_keys k WHERE k.prefix = p_prefix $$;

CREATE FUNCTION provider_id_for_slug(p_slug text)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT p.id FROM providers p WHERE p.slug = p_slug AND p.status = 'active' $$;

-- Audit log ------------------------------------------------------------------------------------------

CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    -- NULL for the platform chain: actions of Global Admins outside any provider.
    provider_id  uuid REFERENCES providers (id) ON DELETE RESTRICT,
    seq          bigint NOT NULL,
    at           timestamptz NOT NULL,
    actor_type   text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system', 'device')),
    actor_id     uuid,
    actor_label  text,
    action       text NOT NULL,
    target_type  text,
    target_id    text,
    before       jsonb,
    after        jsonb,
    ip           inet,
    request_id   text,
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL
);
CREATE UNIQUE INDEX audit_log_chain ON audit_log (coalesce(provider_id, '00000000-0000-0000-0000-000000000000'::uuid), seq);
CREATE INDEX audit_log_provider_at ON audit_log (provider_id, at DESC);

-- The canonical text a row's hash covers. Timestamps in UTC with microseconds; jsonb text is
-- normalised by PostgreSQL (key order, spacing).
CREATE FUNCTION audit_canonical(a audit_log) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
SELECT concat_ws(E'\x1f',
    a.seq::text,
    coalesce(a.provider_id::text, ''),
    to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    a.actor_type,
    coalesce(a.actor_id::text, ''),
    coalesce(a.actor_label, ''),
    a.action,
    coalesce(a.target_type, ''),
    coalesce(a.target_id, ''),
    coalesce(a.before::text, ''),
    coalesce(a.after::text, ''),
    coalesce(host(a.ip), ''),
    coalesce(a.request_id, ''),
    encode(a.prev_hash, 'hex'))
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    chain uuid := coalesce(NEW.provider_id, '00000000-0000-0000-0000-000000000000'::uuid);
    last record;
BEGIN
    -- Serialise appends per chain; released at commit.
    PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || chain::text, 0));
    SELECT a.seq, a.hash INTO last FROM audit_log a
        WHERE coalesce(a.provider_id, '00000000-0000-0000-0000-000000000000'::uuid) = chain
        ORDER BY a.seq DESC LIMIT 1;
    IF FOUND THEN
        NEW.seq := last.seq + 1;
        NEW.prev_hash := last.hash;
    ELSE
        NEW.seq := 1;
        NEW.prev_hash := '\x'::bytea;
    END IF;
    NEW.at := date_trunc('microseconds', clock_timestamp());
    NEW.hash := sha256(convert_to(audit_canonical(NEW), 'UTF8'));
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_immutable() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

-- Row-level security on every provider-scoped table --------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['pops', 'customers', 'devices', 'device_groups', 'device_group_members',
                             'user_permissions', 'api_keys', 'refresh_tokens', 'users']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

-- Roles: predefined rows (provider_id NULL) are readable by every tenant and writable by none.
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
CREATE POLICY roles_read ON roles FOR SELECT
    USING (provider_id IS NULL OR provider_id = (SELECT app_provider_id()));
CREATE POLICY roles_insert ON roles FOR INSERT
    WITH CHECK (provider_id = (SELECT app_provider_id()));
CREATE POLICY roles_update ON roles FOR UPDATE
    USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
CREATE POLICY roles_delete ON roles FOR DELETE
    USING (provider_id = (SELECT app_provider_id()));

-- Audit rows: a tenant reads and appends its own chain only.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant ON audit_log
    USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));

-- Grants ---------------------------------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON providers, pops, customers, devices, device_groups,
    device_group_members, roles, users, user_permissions, api_keys, refresh_tokens TO octoisp_app, octoisp_global;
GRANT SELECT ON permissions TO octoisp_app, octoisp_global;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO octoisp_app, octoisp_global;
GRANT SELECT, INSERT ON audit_log TO octoisp_app, octoisp_global;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO octoisp_app, octoisp_global;
