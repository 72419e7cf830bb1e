-- 0008: SNMP monitoring: credentials, per-device SNMP state, interface and optics inventory,
-- discovery ranges per POP and the POP agents that poll their own POP's devices.
-- Every table is provider-scoped: RLS ENABLED and FORCED, a USING + WITH CHECK policy on
-- app.provider_id, composite foreign keys to pops and devices.

-- How to reach agents: a v2c community or a v3 user, for the whole provider (pop_id and device_id
-- NULL), one POP or one device. Secrets are sealed with SecretBox, bound to the credential's id.
-- Discovery tries a POP's credentials, then the provider's, in `priority` order.
CREATE TABLE snmp_credentials (
    id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    pop_id           uuid,
    device_id        uuid,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    version          text NOT NULL CHECK (version IN ('v2c', 'v3')),
    priority         integer NOT NULL DEFAULT 100,
    community_sealed text,
    v3_user          text CHECK (v3_user IS NULL OR length(v3_user) BETWEEN 1 AND 32),
    auth_protocol    text,
    auth_key_sealed  text,
    priv_protocol    text,
    priv_key_sealed  text,
    context_name     text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, name),
    CHECK (pop_id IS NULL OR device_id IS NULL),
    CHECK ((version = 'v2c' AND community_sealed IS NOT NULL) OR (version = 'v3' AND v3_user IS NOT NULL)),
    CHECK (priv_protocol IS NULL OR auth_protocol IS NOT NULL),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);

-- The SNMP side of a device: where its agent answers, with which credential, who it is, what is
-- polled how often, and how the last polls went.
CREATE TABLE snmp_devices (
    provider_id          uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id            uuid NOT NULL,
    address              inet NOT NULL,
    port                 integer NOT NULL DEFAULT 161 CHECK (port BETWEEN 1 AND 65535),
    credential_id        uuid,
    enabled              boolean NOT NULL DEFAULT true,
    -- Seconds per collector ({"interfaces": 60}); collectors absent use the defaults (5 min, interfaces 1 min).
    intervals            jsonb NOT NULL DEFAULT '{}',
    -- When each collector last ran, in seconds since the epoch ({"system": 1764489600}).
    collected_at         jsonb NOT NULL DEFAULT '{}',
    -- Metric series of the device-level values ({"sysUpTime": 12, "cpu/0": 13}).
    series               jsonb NOT NULL DEFAULT '{}',
    profile              text,
    vendor               text,
    os                   text,
    model                text,
    version              text,
    serial               text,
    sys_object_id        text,
    sys_descr            text,
    sys_name             text,
    sys_location         text,
    sys_contact          text,
    uptime_ticks         bigint,
    reachability         text NOT NULL DEFAULT 'unknown' CHECK (reachability IN ('up', 'down', 'unknown')),
    reachability_since   timestamptz,
    last_poll_at         timestamptz,
    last_poll_ms         integer,
    last_poll_varbinds   integer,
    last_error           text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    polls                bigint NOT NULL DEFAULT 0,
    failures             bigint NOT NULL DEFAULT 0,
    timeouts             bigint NOT NULL DEFAULT 0,
    discovered_at        timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id),
    UNIQUE (provider_id, address, port),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, credential_id) REFERENCES snmp_credentials (provider_id, id) ON DELETE SET NULL (credential_id)
);
CREATE INDEX snmp_devices_enabled ON snmp_devices (provider_id) WHERE enabled;

-- IF-MIB rows of a device, with the metric series their octet counters go to.
CREATE TABLE snmp_interfaces (
    provider_id       uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id         uuid NOT NULL,
    if_index          integer NOT NULL,
    name              text NOT NULL,
    descr             text,
    alias             text,
    type              integer,
    mac               text,
    mtu               integer,
    speed_bps         bigint,
    admin_up          boolean,
    oper_status       integer,
    last_change_at    timestamptz,
    counter_bits      smallint NOT NULL DEFAULT 32,
    in_series_id      bigint,
    out_series_id     bigint,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id, if_index),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);

-- Optical power of ONUs as their OLT reports it, and of OLT PON ports.
CREATE TABLE snmp_optics (
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id    uuid NOT NULL,
    scope        text NOT NULL CHECK (scope IN ('onu', 'olt_port')),
    item         text NOT NULL,
    label        text,
    rx_dbm       double precision,
    tx_dbm       double precision,
    rx_series_id bigint,
    tx_series_id bigint,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id, scope, item),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);

-- Address ranges swept for agents, per POP; re-run every `every_seconds` (NULL: on demand only).
CREATE TABLE snmp_discovery_ranges (
    id            uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id   uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    pop_id        uuid NOT NULL,
    cidr          cidr NOT NULL CHECK (family(cidr) = 4 AND masklen(cidr) >= 20),
    port          integer NOT NULL DEFAULT 161 CHECK (port BETWEEN 1 AND 65535),
    every_seconds integer CHECK (every_seconds IS NULL OR every_seconds >= 300),
    enabled       boolean NOT NULL DEFAULT true,
    last_run_at   timestamptz,
    last_found    integer,
    last_error    text,
    created_at    timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, pop_id, cidr, port),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id) ON DELETE CASCADE
);

-- POP agents (`octoisp agent --pop …`) alive recently: their POP's polls go to queue snmp-pop-<pop id>.
CREATE TABLE snmp_pop_agents (
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    pop_id       uuid NOT NULL,
    agent        text NOT NULL,
    last_seen_at timestamptz NOT NULL,
    PRIMARY KEY (provider_id, pop_id, agent),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id) ON DELETE CASCADE
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['snmp_credentials', 'snmp_devices', 'snmp_interfaces', 'snmp_optics',
                             'snmp_discovery_ranges', 'snmp_pop_agents']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON snmp_credentials, snmp_devices, snmp_interfaces, snmp_optics,
    snmp_discovery_ranges, snmp_pop_agents TO octoisp_app, octoisp_global;
