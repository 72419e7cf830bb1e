-- 0005: TR-069 device tasks, connection-request credentials and the file server's metadata.
-- Every table is provider-scoped: RLS ENABLED and FORCED, a USING + WITH CHECK policy on
-- app.provider_id; tasks and per-device credentials have composite foreign keys to devices.

-- Tasks an operator queued for a device. They run in the device's CWMP sessions in `seq` order;
-- a job (ordering key = device id) asks the device for a session through a connection request.
CREATE TABLE acs_tasks (
    id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id    uuid NOT NULL,
    seq          bigserial NOT NULL,
    type         text NOT NULL CHECK (type IN ('getParameterValues', 'setParameterValues', 'addObject', 'deleteObject',
                                               'reboot', 'factoryReset', 'download', 'refresh')),
    arguments    jsonb NOT NULL DEFAULT '{}',
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'fault', 'expired', 'cancelled')),
    command_key  text NOT NULL CHECK (length(command_key) BETWEEN 1 AND 32),
    result       jsonb,
    fault_code   integer,
    fault_string text,
    attempts     integer NOT NULL DEFAULT 0,
    created_by   text,
    created_at   timestamptz NOT NULL,
    started_at   timestamptz,
    finished_at  timestamptz,
    expires_at   timestamptz NOT NULL,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX acs_tasks_device ON acs_tasks (provider_id, device_id, seq);
CREATE INDEX acs_tasks_open ON acs_tasks (expires_at) WHERE status IN ('queued', 'running');

-- What the ACS answers a device's connection-request challenge with: one default per provider
-- (device_id NULL) and optional per-device overrides. The password is sealed with SecretBox.
CREATE TABLE cwmp_connection_request_credentials (
    id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id     uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id       uuid,
    username        text NOT NULL CHECK (length(username) BETWEEN 1 AND 256),
    password_sealed text NOT NULL,
    updated_at      timestamptz NOT NULL,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX cwmp_cr_credentials_default ON cwmp_connection_request_credentials (provider_id) WHERE device_id IS NULL;
CREATE UNIQUE INDEX cwmp_cr_credentials_device ON cwmp_connection_request_credentials (provider_id, device_id)
    WHERE device_id IS NOT NULL;

-- Per-device rate limit of connection requests, shared by every process.
ALTER TABLE cwmp_devices ADD COLUMN last_connection_request_at timestamptz;

-- Files CPEs download (firmware, configuration). The bytes live on disk under the configured
-- directory; this row holds what the API lists and what the file server checks.
CREATE TABLE acs_files (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    file_type   text NOT NULL,
    size        bigint NOT NULL CHECK (size >= 0),
    sha256      text NOT NULL CHECK (length(sha256) = 64),
    token       text NOT NULL CHECK (length(token) >= 32),
    created_by  text,
    created_at  timestamptz NOT NULL,
    UNIQUE (provider_id, id)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['acs_tasks', 'cwmp_connection_request_credentials', 'acs_files']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON acs_tasks, cwmp_connection_request_credentials, acs_files TO octoisp_app, octoisp_global;
GRANT USAGE ON SEQUENCE acs_tasks_seq_seq TO octoisp_app, octoisp_global;
