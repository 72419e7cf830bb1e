-- 0020: alerts, incidents, silences and maintenance windows.
-- Rules are evaluated per provider once a minute (job `alerts.evaluate`); an alert is one rule on one
-- target (a device, an interface, an ONU, a series), deduplicated by its fingerprint while active.
-- Every table is provider-scoped: RLS ENABLED and FORCED, a USING + WITH CHECK policy on
-- app.provider_id, composite foreign keys to the hierarchy.

-- An explicit parent for topology-aware suppression (an ONU's OLT, a switch's uplink router).
ALTER TABLE devices ADD COLUMN parent_device_id uuid;
ALTER TABLE devices ADD CONSTRAINT devices_parent_fk FOREIGN KEY (provider_id, parent_device_id)
    REFERENCES devices (provider_id, id) ON DELETE SET NULL (parent_device_id);
ALTER TABLE devices ADD CONSTRAINT devices_parent_not_self CHECK (parent_device_id IS NULL OR parent_device_id <> id);
CREATE INDEX devices_parent ON devices (provider_id, parent_device_id) WHERE parent_device_id IS NOT NULL;

-- A POP's uplink: when it is down, the POP's other devices are behind it.
ALTER TABLE pops ADD COLUMN uplink_device_id uuid;
ALTER TABLE pops ADD CONSTRAINT pops_uplink_fk FOREIGN KEY (provider_id, uplink_device_id)
    REFERENCES devices (provider_id, id) ON DELETE SET NULL (uplink_device_id);

CREATE TABLE alert_rules (
    id                      uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id             uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description             text,
    enabled                 boolean NOT NULL DEFAULT true,
    severity                text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    scope                   text NOT NULL CHECK (scope IN ('provider', 'pop', 'group', 'device')),
    scope_id                uuid,
    device_kinds            text[],
    include_cpe             boolean NOT NULL DEFAULT false,
    condition               jsonb NOT NULL,
    for_seconds             integer NOT NULL DEFAULT 0 CHECK (for_seconds BETWEEN 0 AND 86400),
    keep_firing_for_seconds integer NOT NULL DEFAULT 0 CHECK (keep_firing_for_seconds BETWEEN 0 AND 86400),
    labels                  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
    builtin                 text,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, name),
    CHECK ((scope = 'provider') = (scope_id IS NULL))
);

CREATE TABLE incidents (
    id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    title            text NOT NULL,
    severity         text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    device_id        uuid,
    pop_id           uuid,
    affected         integer NOT NULL DEFAULT 1,
    opened_at        timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  uuid,
    assigned_to      uuid,
    resolved_at      timestamptz,
    resolved_by      uuid,
    UNIQUE (provider_id, id),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE SET NULL (device_id),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id) ON DELETE SET NULL (pop_id)
);
CREATE INDEX incidents_open ON incidents (provider_id, opened_at DESC) WHERE status <> 'resolved';

CREATE TABLE incident_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    incident_id uuid NOT NULL,
    at          timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('opened', 'alert_joined', 'alert_resolved', 'acknowledged', 'assigned', 'note', 'resolved', 'reopened')),
    actor       text NOT NULL,
    text        text,
    FOREIGN KEY (provider_id, incident_id) REFERENCES incidents (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX incident_events_incident ON incident_events (provider_id, incident_id, id);

CREATE TABLE alerts (
    id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    rule_id          uuid NOT NULL,
    fingerprint      text NOT NULL,
    device_id        uuid,
    target           text NOT NULL,
    labels           jsonb NOT NULL DEFAULT '{}',
    severity         text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    state            text NOT NULL CHECK (state IN ('pending', 'firing', 'resolving', 'resolved')),
    value            double precision,
    summary          text NOT NULL,
    no_data          boolean NOT NULL DEFAULT false,
    started_at       timestamptz NOT NULL,
    fired_at         timestamptz,
    clear_since      timestamptz,
    resolved_at      timestamptz,
    evaluated_at     timestamptz NOT NULL,
    suppressed_by    text,
    affected         integer NOT NULL DEFAULT 0,
    incident_id      uuid,
    UNIQUE (provider_id, id),
    FOREIGN KEY (provider_id, rule_id) REFERENCES alert_rules (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, incident_id) REFERENCES incidents (provider_id, id) ON DELETE SET NULL (incident_id)
);
-- One active alert per fingerprint: the deduplication key.
CREATE UNIQUE INDEX alerts_active_fingerprint ON alerts (provider_id, fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_active ON alerts (provider_id, severity, started_at DESC) WHERE state <> 'resolved';
CREATE INDEX alerts_device ON alerts (provider_id, device_id, started_at DESC);

CREATE TABLE alert_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    alert_id    uuid NOT NULL,
    at          timestamptz NOT NULL,
    state       text NOT NULL,
    value       double precision,
    note        text,
    FOREIGN KEY (provider_id, alert_id) REFERENCES alerts (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX alert_events_alert ON alert_events (provider_id, alert_id, id);

CREATE TABLE silences (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    matchers    jsonb NOT NULL CHECK (jsonb_typeof(matchers) = 'object'),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    -- An expired silence may end when it started.
    CHECK (ends_at >= starts_at)
);

CREATE TABLE maintenance_windows (
    id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    scope            text NOT NULL CHECK (scope IN ('provider', 'pop', 'group', 'device')),
    scope_id         uuid,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    -- null: one-off; 'daily' or 'weekly': repeats the [starts_at, ends_at) span every day or week.
    recurrence       text CHECK (recurrence IS NULL OR recurrence IN ('daily', 'weekly')),
    until            timestamptz,
    reason           text,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    CHECK (ends_at > starts_at),
    CHECK ((scope = 'provider') = (scope_id IS NULL))
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['alert_rules', 'incidents', 'incident_events', 'alerts', 'alert_events', 'silences', 'maintenance_windows']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON alert_rules, silences, maintenance_windows TO octoisp_app, octoisp_global;
GRANT SELECT, INSERT, UPDATE ON alerts, incidents TO octoisp_app, octoisp_global;
-- Timelines are append-only for the application roles.
GRANT SELECT, INSERT ON alert_events, incident_events TO octoisp_app, octoisp_global;
