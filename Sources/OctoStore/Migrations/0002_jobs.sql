-- 0002: job queues (the PostgreSQL driver of OctoJobs).
--
-- jobs         every job not yet acknowledged: ready (maybe delayed), running under a lease, or dead.
-- job_lanes    one row per (queue, provider) that ever had a job; `served` orders providers for fair
--              dispatch in shared queues (least recently served first).
-- job_limits   per-provider concurrency and token-bucket rate limits, shared by every worker process.
-- job_schedule_firings  one row per (schedule, period) that fired: recurring jobs fire once per period.
--
-- Tenants enqueue under RLS in their own transactions; workers claim on the global path.

CREATE SEQUENCE job_seq;
CREATE SEQUENCE job_lane_served;

CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    queue        text NOT NULL CHECK (length(queue) BETWEEN 1 AND 128),
    type         text NOT NULL CHECK (length(type) BETWEEN 1 AND 128),
    payload      bytea NOT NULL,
    priority     integer NOT NULL DEFAULT 0,
    state        text NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'running', 'dead')),
    run_at       timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    dedup_key    text,
    ordering_key text,
    seq          bigint NOT NULL DEFAULT nextval('job_seq'),
    lease_token  uuid,
    lease_until  timestamptz,
    worker       text,
    last_error   text,
    history      jsonb NOT NULL DEFAULT '[]',
    created_at   timestamptz NOT NULL,
    dead_at      timestamptz
);
-- Claims: a provider's ready jobs of a queue in dispatch order.
CREATE INDEX jobs_claim ON jobs (queue, provider_id, priority DESC, run_at, seq) WHERE state = 'ready';
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_running ON jobs (provider_id) WHERE state = 'running';
-- A dedup key collapses enqueues while a job with it waits to start.
CREATE UNIQUE INDEX jobs_dedup ON jobs (provider_id, queue, dedup_key) WHERE state = 'ready' AND dedup_key IS NOT NULL;
CREATE INDEX jobs_ordering ON jobs (provider_id, ordering_key, seq) WHERE ordering_key IS NOT NULL AND state IN ('ready', 'running');
CREATE INDEX jobs_list ON jobs (provider_id, seq DESC);

CREATE TABLE job_lanes (
    queue       text NOT NULL,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    served      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, provider_id)
);

CREATE TABLE job_limits (
    provider_id     uuid PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    max_concurrency integer CHECK (max_concurrency >= 1),
    rate_per_second double precision CHECK (rate_per_second > 0),
    burst           double precision NOT NULL DEFAULT 1 CHECK (burst >= 1),
    tokens          double precision NOT NULL DEFAULT 1,
    refilled_at     timestamptz NOT NULL
);

CREATE TABLE job_schedule_firings (
    name     text NOT NULL,
    period   bigint NOT NULL,
    fired_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, period)
);

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_tenant ON jobs
    USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));

ALTER TABLE job_lanes ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_lanes FORCE ROW LEVEL SECURITY;
CREATE POLICY job_lanes_tenant ON job_lanes
    USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));

ALTER TABLE job_limits ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_limits FORCE ROW LEVEL SECURITY;
CREATE POLICY job_limits_tenant ON job_limits
    USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs, job_lanes, job_limits TO octoisp_app, octoisp_global;
GRANT SELECT, INSERT, DELETE ON job_schedule_firings TO octoisp_global;
GRANT USAGE ON SEQUENCE job_seq, job_lane_served TO octoisp_app, octoisp_global;
