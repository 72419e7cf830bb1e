-- Per-provider guard rails of the network tools: runs queued or running at once and runs created per
-- minute. A provider without a row uses the process defaults (OCTOISP_TOOLS_MAX_ACTIVE /
-- OCTOISP_TOOLS_MAX_PER_MINUTE). Only Global Admins change them (the API checks that); the row lives
-- under the provider's policy like the runs it limits.
CREATE TABLE tool_limits (
    provider_id    uuid NOT NULL PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    max_active     integer NOT NULL CHECK (max_active BETWEEN 1 AND 100),
    max_per_minute integer NOT NULL CHECK (max_per_minute BETWEEN 1 AND 1000),
    updated_at     timestamptz NOT NULL,
    updated_by     text NOT NULL
);

ALTER TABLE tool_limits ENABLE ROW LEVEL SECURITY;
ALTER TABLE tool_limits FORCE ROW LEVEL SECURITY;
CREATE POLICY tool_limits_tenant ON tool_limits USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE ON tool_limits TO octoisp_app, octoisp_global;
