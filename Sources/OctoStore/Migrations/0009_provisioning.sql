-- 0009: provisioning — templates with immutable versions, per-device provisioning state, bulk rollouts.
-- Every table is provider-scoped: RLS ENABLED and FORCED, a USING + WITH CHECK policy on
-- app.provider_id; composite foreign keys (provider_id, x_id) keep rows inside their tenant.

-- A template: which devices it is for (glob patterns on manufacturer, OUI, product class and
-- firmware; optionally one POP) and which of its versions is current. Higher priority wins.
CREATE TABLE provisioning_templates (
    id                  uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id         uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    match_manufacturer  text,
    match_oui           text,
    match_product_class text,
    match_firmware      text,
    pop_id              uuid,
    priority            integer NOT NULL DEFAULT 0,
    current_version     integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    archived_at         timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, name),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id)
);

-- Immutable versions. Rollback creates a new version copying an old one (source_version), so the
-- current pointer only ever moves forward and every version stays as it was applied.
CREATE TABLE provisioning_template_versions (
    provider_id    uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    template_id    uuid NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    settings       jsonb NOT NULL,
    path_overrides jsonb NOT NULL DEFAULT '{}',
    policies       jsonb NOT NULL DEFAULT '{}',
    note           text,
    source_version integer,
    created_by     text,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (provider_id, template_id, version),
    FOREIGN KEY (provider_id, template_id) REFERENCES provisioning_templates (provider_id, id) ON DELETE CASCADE
);

CREATE FUNCTION provisioning_versions_immutable() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'template versions are immutable; create a new version' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER provisioning_template_versions_immutable BEFORE UPDATE ON provisioning_template_versions
    FOR EACH ROW EXECUTE FUNCTION provisioning_versions_immutable();

-- What the ACS last wanted from a device and what came of it.
CREATE TABLE device_provisioning (
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id        uuid NOT NULL,
    template_id      uuid,
    template_version integer,
    parameter_key    text,
    desired          jsonb NOT NULL DEFAULT '[]',
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'applying', 'applied', 'fault', 'error', 'unmatched')),
    task_id          uuid,
    reason           text,
    faults           jsonb NOT NULL DEFAULT '[]',
    rejected_paths   text[] NOT NULL DEFAULT '{}',
    errors           jsonb NOT NULL DEFAULT '[]',
    overrides        jsonb NOT NULL DEFAULT '{}',
    overrides_sealed text,
    wifi_key_sealed  text,
    last_applied_at  timestamptz,
    last_checked_at  timestamptz,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, template_id) REFERENCES provisioning_templates (provider_id, id)
);
CREATE INDEX device_provisioning_task ON device_provisioning (provider_id, task_id) WHERE task_id IS NOT NULL;

-- Bulk rollouts: an action (apply or a remote action) over a set of devices, in waves. The state lives
-- here so any worker process can continue a rollout; per-device results are kept.
CREATE TABLE provisioning_rollouts (
    id                uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id       uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    target            jsonb NOT NULL,
    action            jsonb NOT NULL,
    wave_size         integer NOT NULL CHECK (wave_size BETWEEN 1 AND 10000),
    pause_seconds     integer NOT NULL CHECK (pause_seconds BETWEEN 0 AND 86400),
    failure_threshold double precision NOT NULL CHECK (failure_threshold >= 0 AND failure_threshold <= 1),
    status            text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'stopped', 'cancelled')),
    wave              integer NOT NULL DEFAULT 0,
    total             integer NOT NULL DEFAULT 0,
    next_wave_at      timestamptz,
    stop_reason       text,
    created_by        text,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    finished_at       timestamptz,
    UNIQUE (provider_id, id)
);

CREATE TABLE provisioning_rollout_devices (
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    rollout_id  uuid NOT NULL,
    device_id   uuid NOT NULL,
    position    integer NOT NULL,
    wave        integer,
    status      text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
    task_id     uuid,
    outcome     text,
    error       text,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, rollout_id, device_id),
    FOREIGN KEY (provider_id, rollout_id) REFERENCES provisioning_rollouts (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX provisioning_rollout_devices_position ON provisioning_rollout_devices (provider_id, rollout_id, status, position);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['provisioning_templates', 'provisioning_template_versions', 'device_provisioning',
                             'provisioning_rollouts', 'provisioning_rollout_devices']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON provisioning_templates, device_provisioning, provisioning_rollouts, provisioning_rollout_devices
    TO octoisp_app, octoisp_global;
-- Versions are append-only for the application roles.
GRANT SELECT, INSERT ON provisioning_template_versions TO octoisp_app, octoisp_global;
