-- 0087: the job outbox. With a job queue outside PostgreSQL (Redis), a job enqueued inside a tenant or
-- global transaction is written here in that transaction and pushed to the queue after the commit, so
-- a rolled-back change leaves no job. A row still here a while after its commit (the process died
-- between commit and push, or the push failed) is pushed by the outbox sweeper; the queue refuses a
-- second push of the same job id, so a row pushed twice runs once.

CREATE TABLE job_outbox (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    queue        text NOT NULL CHECK (length(queue) BETWEEN 1 AND 128),
    type         text NOT NULL CHECK (length(type) BETWEEN 1 AND 128),
    payload      bytea NOT NULL,
    priority     integer NOT NULL,
    run_at       timestamptz,
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    dedup_key    text,
    ordering_key text,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- The sweeper: oldest rows first.
CREATE INDEX job_outbox_age ON job_outbox (created_at);

ALTER TABLE job_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY job_outbox_tenant ON job_outbox
    USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));

GRANT SELECT, INSERT, DELETE ON job_outbox TO octoisp_app;
-- UPDATE only for the sweeper's SELECT … FOR UPDATE SKIP LOCKED; no row is ever updated.
GRANT SELECT, INSERT, UPDATE, DELETE ON job_outbox TO octoisp_global;
