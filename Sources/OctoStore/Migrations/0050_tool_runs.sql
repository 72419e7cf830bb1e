-- 0050: network tool runs (ping, traceroute, MTR, port and IP scans, DNS, HTTP tests) and the ranges a
-- provider may aim them at. A run records who asked, from where (the platform, a POP agent, the CPE
-- itself), the target, the parameters and the result; live output travels as realtime events.

-- Networks a provider's tools may target besides its devices' addresses and its discovery ranges.
-- `own`: the provider's address plan; `extra`: more allowed by an admin (a transit peer, a public resolver).
CREATE TABLE tool_target_ranges (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    cidr        cidr NOT NULL,
    kind        text NOT NULL DEFAULT 'own' CHECK (kind IN ('own', 'extra')),
    note        text CHECK (note IS NULL OR length(note) <= 500),
    created_at  timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, cidr)
);

CREATE TABLE tool_runs (
    id               uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id      uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    tool             text NOT NULL CHECK (tool IN ('ping', 'traceroute', 'mtr', 'port_scan', 'ip_scan', 'dns', 'http')),
    origin           text NOT NULL CHECK (origin IN ('platform', 'pop', 'cpe')),
    pop_id           uuid,
    device_id        uuid,
    customer_id      uuid,
    target           text NOT NULL CHECK (length(target) BETWEEN 1 AND 2048),
    parameters       jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    cancel_requested boolean NOT NULL DEFAULT false,
    result           jsonb,
    error            text,
    requested_by     text NOT NULL,
    requested_by_id  text,
    executed_by      text,
    task_id          uuid,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    UNIQUE (provider_id, id),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id) ON DELETE SET NULL (pop_id),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE SET NULL (device_id),
    FOREIGN KEY (provider_id, customer_id) REFERENCES customers (provider_id, id) ON DELETE SET NULL (customer_id)
);
-- A POP run names its POP and a CPE run its device when created (checked by the service); a POP or
-- device deleted later leaves the history with the reference cleared.
CREATE INDEX tool_runs_recent ON tool_runs (provider_id, created_at DESC, id);
CREATE INDEX tool_runs_device ON tool_runs (provider_id, device_id, created_at DESC) WHERE device_id IS NOT NULL;
CREATE INDEX tool_runs_pop ON tool_runs (provider_id, pop_id, created_at DESC) WHERE pop_id IS NOT NULL;
CREATE INDEX tool_runs_customer ON tool_runs (provider_id, customer_id, created_at DESC) WHERE customer_id IS NOT NULL;
CREATE INDEX tool_runs_active ON tool_runs (provider_id) WHERE status IN ('queued', 'running');

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tool_target_ranges', 'tool_runs']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON tool_target_ranges TO octoisp_app, octoisp_global;
-- History is never deleted by the application; a run's row changes only while it runs.
GRANT SELECT, INSERT, UPDATE ON tool_runs TO octoisp_app, octoisp_global;
