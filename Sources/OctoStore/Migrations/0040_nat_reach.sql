-- 0040: reaching CPEs behind NAT. UDP connection requests through STUN (TR-069 Annex G, TR-111) and
-- XMPP connection requests (TR-069 Annex K), and which path each task's connection request took.
-- Every new table is provider-scoped: RLS ENABLED and FORCED, a USING + WITH CHECK policy on
-- app.provider_id.

-- The UDP binding the STUN server learned for a device from its Binding requests with
-- CONNECTION-REQUEST-BINDING: the public address and port UDP connection requests go to.
ALTER TABLE cwmp_devices
    ADD COLUMN stun_address     inet,
    ADD COLUMN stun_port        integer CHECK (stun_port BETWEEN 1 AND 65535),
    ADD COLUMN stun_seen_at     timestamptz,
    ADD COLUMN stun_changed_at  timestamptz;

-- How a task's connection request went: the path (http, udp, xmpp or none), its outcome, how long
-- it took and when it was sent.
ALTER TABLE acs_tasks
    ADD COLUMN connection_request_path    text CHECK (connection_request_path IN ('http', 'udp', 'xmpp', 'none')),
    ADD COLUMN connection_request_outcome text,
    ADD COLUMN connection_request_ms      integer CHECK (connection_request_ms >= 0),
    ADD COLUMN connection_request_at      timestamptz;

-- The provider's account on its XMPP server, from which the ACS sends Annex K connection requests.
-- The password is sealed with SecretBox.
CREATE TABLE cwmp_xmpp_accounts (
    provider_id     uuid NOT NULL PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    host            text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port            integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    jid             text NOT NULL CHECK (length(jid) BETWEEN 3 AND 1023),
    resource        text NOT NULL CHECK (length(resource) BETWEEN 1 AND 256),
    password_sealed text NOT NULL,
    updated_at      timestamptz NOT NULL
);
ALTER TABLE cwmp_xmpp_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE cwmp_xmpp_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY cwmp_xmpp_accounts_tenant ON cwmp_xmpp_accounts USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON cwmp_xmpp_accounts TO octoisp_app, octoisp_global;
