-- Topology and routing signals the SNMP pollers read: LLDP/CDP neighbours of each device (matched to
-- the provider's known devices and their interfaces) and BGP peers. Both tables carry provider_id
-- with RLS enabled, forced and the tenant policy; rows point into the same tenant only, through
-- composite foreign keys.

CREATE TABLE snmp_neighbors (
    provider_id        uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id          uuid NOT NULL,
    protocol           text NOT NULL CHECK (protocol IN ('lldp', 'cdp')),
    -- The row index of lldpRemTable / cdpCacheTable (dotted), stable while the neighbour stays.
    item               text NOT NULL,
    local_if_index     integer,
    local_port         text,
    remote_chassis_id  text,
    remote_port_id     text,
    remote_port_descr  text,
    remote_sys_name    text,
    remote_sys_descr   text,
    remote_platform    text,
    remote_address     text,
    -- The known device the neighbour is, and its interface, when they could be matched.
    remote_device_id   uuid,
    remote_if_index    integer,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id, protocol, item),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, remote_device_id) REFERENCES devices (provider_id, id) ON DELETE SET NULL (remote_device_id)
);
CREATE INDEX snmp_neighbors_remote ON snmp_neighbors (provider_id, remote_device_id) WHERE remote_device_id IS NOT NULL;

CREATE TABLE snmp_bgp_peers (
    provider_id          uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id            uuid NOT NULL,
    peer_address         text NOT NULL,
    local_address        text,
    remote_as            bigint CHECK (remote_as IS NULL OR remote_as BETWEEN 0 AND 4294967295),
    -- bgpPeerState: 1 idle … 6 established.
    state                smallint CHECK (state IS NULL OR state BETWEEN 1 AND 6),
    admin_up             boolean,
    established_seconds  bigint,
    prefixes_received    bigint,
    source               text NOT NULL,
    -- The known device whose SNMP address is the peer's address, when there is one.
    remote_device_id     uuid,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (provider_id, device_id, peer_address),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, remote_device_id) REFERENCES devices (provider_id, id) ON DELETE SET NULL (remote_device_id)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['snmp_neighbors', 'snmp_bgp_peers']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON snmp_neighbors, snmp_bgp_peers TO octoisp_app, octoisp_global;
