-- 0004: TR-069 ACS: CPE credentials, CWMP state per device, the cached parameter tree with its change
-- history, Inform history and the cross-process session leases.
-- Every table is provider-scoped: RLS ENABLED and FORCED, a USING + WITH CHECK policy on
-- app.provider_id, composite foreign keys to devices.

-- Credentials CPEs authenticate with (HTTP Basic or Digest), per provider and optionally per device.
-- The password is never stored: a salted SHA-256 for Basic and the Digest HA1 for its realm.
CREATE TABLE cwmp_credentials (
    id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id   uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id     uuid,
    username      text NOT NULL CHECK (length(username) BETWEEN 1 AND 256),
    salt          bytea NOT NULL,
    password_hash bytea NOT NULL,
    digest_ha1    text NOT NULL,
    realm         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, username),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);

-- CWMP facts of a device: how to reach it and where its discovery stands.
CREATE TABLE cwmp_devices (
    provider_id            uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id              uuid NOT NULL,
    root                   text NOT NULL CHECK (root IN ('Device.', 'InternetGatewayDevice.')),
    cwmp_version           text NOT NULL,
    connection_request_url text,
    external_ip            inet,
    parameter_key          text,
    last_inform_at         timestamptz NOT NULL,
    last_events            text[] NOT NULL DEFAULT '{}',
    informs                bigint NOT NULL DEFAULT 0,
    discovered_at          timestamptz,
    PRIMARY KEY (provider_id, device_id),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);

-- The cached parameter tree. Objects end with a dot and carry no value.
CREATE TABLE device_parameters (
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id   uuid NOT NULL,
    path        text NOT NULL CHECK (length(path) BETWEEN 1 AND 1024),
    value       text,
    type        text,
    writable    boolean,
    is_object   boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id, path),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);

-- Every change of a cached value (not first discovery).
CREATE TABLE device_parameter_changes (
    id          bigserial PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id   uuid NOT NULL,
    path        text NOT NULL,
    old_value   text,
    new_value   text,
    changed_at  timestamptz NOT NULL,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX device_parameter_changes_device ON device_parameter_changes (provider_id, device_id, changed_at);

-- Inform history: when, why (events with their CommandKeys) and from where.
CREATE TABLE cwmp_informs (
    id           bigserial PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id    uuid NOT NULL,
    at           timestamptz NOT NULL,
    events       text[] NOT NULL,
    command_keys text[] NOT NULL,
    retry_count  integer NOT NULL,
    remote_ip    inet,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX cwmp_informs_device ON cwmp_informs (provider_id, device_id, at);

-- One CWMP session per device across all ACS processes: a lease row, taken on Inform only when the
-- previous holder's lease has expired, renewed on every request and deleted when the session ends.
CREATE TABLE cwmp_sessions (
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id   uuid NOT NULL,
    token       text NOT NULL,
    started_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cwmp_credentials', 'cwmp_devices', 'device_parameters', 'device_parameter_changes',
                             'cwmp_informs', 'cwmp_sessions']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON cwmp_credentials, cwmp_devices, device_parameters, device_parameter_changes,
    cwmp_informs, cwmp_sessions TO octoisp_app, octoisp_global;
GRANT USAGE ON SEQUENCE device_parameter_changes_id_seq, cwmp_informs_id_seq TO octoisp_app, octoisp_global;
