-- 0086: a schedule firing is claimed, then confirmed once its jobs are enqueued. A claim left
-- unconfirmed (the scheduler died in between, or its jobs failed) can be claimed again after a lease,
-- so the period still fires. Rows from before are confirmed.
ALTER TABLE job_schedule_firings ADD COLUMN confirmed boolean NOT NULL DEFAULT true;
GRANT UPDATE (fired_at, confirmed) ON job_schedule_firings TO octoisp_global;
