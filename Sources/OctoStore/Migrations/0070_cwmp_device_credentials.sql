-- Per-device CPE credentials and the provider's auto-registration policy.
--
-- A CPE that authenticates with a provider-wide credential is given its own: the ACS inserts it here as
-- 'offered', sends it by SetParameterValues on ManagementServer.Username/Password, and marks it 'active'
-- once the device accepts it (or first authenticates with it). A device with an active credential of
-- its own is refused the provider-wide one. The password is kept as hashes and, sealed with the
-- platform's secret key, so it can be shown to no one but re-sent to the device.
ALTER TABLE cwmp_credentials
    ADD COLUMN state text NOT NULL DEFAULT 'active' CHECK (state IN ('offered', 'active')),
    ADD COLUMN sealed_password text,
    ADD CONSTRAINT cwmp_credentials_offered_bound CHECK (state = 'active' OR device_id IS NOT NULL);

CREATE INDEX cwmp_credentials_device ON cwmp_credentials (provider_id, device_id) WHERE device_id IS NOT NULL;

-- Limits on devices the ACS registers on its own (a first Inform with a valid credential).
CREATE TABLE cwmp_registration_policies (
    provider_id       uuid NOT NULL PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    -- Devices registered by Inform at most (NULL: no cap).
    max_devices       integer CHECK (max_devices IS NULL OR max_devices >= 0),
    -- New devices per minute at most (NULL: no rate).
    per_minute        integer CHECK (per_minute IS NULL OR per_minute >= 0),
    -- New devices wait for an operator's approval: their Informs are stored, nothing is sent to them.
    require_approval  boolean NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE cwmp_registration_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE cwmp_registration_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY cwmp_registration_policies_tenant ON cwmp_registration_policies
    USING (provider_id = (SELECT app_provider_id())) WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON cwmp_registration_policies TO octoisp_app, octoisp_global;

-- Whether an operator approved the device (false only for devices registered while the provider
-- required approval).
ALTER TABLE cwmp_devices ADD COLUMN approved boolean NOT NULL DEFAULT true;
CREATE INDEX cwmp_devices_pending ON cwmp_devices (provider_id) WHERE NOT approved;
