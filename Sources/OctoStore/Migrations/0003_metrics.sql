-- Metrics store: a series registry, a small unindexed ingest table, compact raw chunks partitioned by
-- day, rollups at five resolutions and the latest value per series.
--
-- Layout of raw data: samples arrive in `metric_ingest` (one narrow row per sample, no index, so inserts
-- cost about what they cost in a plain table). The maintenance task moves them into `metric_chunks`: one row per
-- series and hour holding two arrays (millisecond offsets into the hour and values), which costs a
-- fraction of a row per sample. `metric_chunks` is range-partitioned by day; partitions are created
-- ahead and dropped on retention by SECURITY DEFINER functions, since the app roles own nothing.
--
-- Every provider-scoped table, partitions included, has RLS ENABLED and FORCED with the tenant policy.

CREATE TABLE metric_series (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id    uuid NOT NULL,
    metric       text NOT NULL CHECK (length(metric) BETWEEN 1 AND 200),
    labels       jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(labels) = 'object'),
    unit         text NOT NULL DEFAULT '' CHECK (length(unit) <= 50),
    kind         text NOT NULL CHECK (kind IN ('counter', 'gauge')),
    counter_bits smallint NOT NULL DEFAULT 64 CHECK (counter_bits IN (32, 64)),
    max_rate     double precision CHECK (max_rate IS NULL OR max_rate > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX metric_series_identity ON metric_series (provider_id, device_id, metric, labels);
CREATE INDEX metric_series_device_metric ON metric_series (device_id, metric);

-- Samples as received; emptied by the maintenance task every run.
CREATE TABLE metric_ingest (
    provider_id uuid NOT NULL,
    series_id   bigint NOT NULL,
    at_ms       bigint NOT NULL,
    value       double precision NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 100000);

-- Compact raw samples: one row per series and hour, offsets (ms after chunk_start) ascending.
CREATE TABLE metric_chunks (
    provider_id uuid NOT NULL,
    series_id   bigint NOT NULL,
    chunk_start timestamptz NOT NULL,
    offsets     integer[] NOT NULL,
    vals        double precision[] NOT NULL,
    PRIMARY KEY (series_id, chunk_start)
) PARTITION BY RANGE (chunk_start);

-- Aggregates per bucket; the partition is the resolution (bucket width in seconds).
CREATE TABLE metric_rollups (
    provider_id uuid NOT NULL,
    series_id   bigint NOT NULL,
    resolution  integer NOT NULL,
    bucket      timestamptz NOT NULL,
    min         double precision NOT NULL,
    max         double precision NOT NULL,
    sum         double precision NOT NULL,
    count       integer NOT NULL,
    last        double precision NOT NULL,
    last_at     timestamptz NOT NULL,
    PRIMARY KEY (series_id, resolution, bucket)
) PARTITION BY LIST (resolution);
CREATE TABLE metric_rollups_5m PARTITION OF metric_rollups FOR VALUES IN (300);
CREATE TABLE metric_rollups_1h PARTITION OF metric_rollups FOR VALUES IN (3600);
CREATE TABLE metric_rollups_1d PARTITION OF metric_rollups FOR VALUES IN (86400);
CREATE TABLE metric_rollups_7d PARTITION OF metric_rollups FOR VALUES IN (604800);
CREATE TABLE metric_rollups_30d PARTITION OF metric_rollups FOR VALUES IN (2592000);

-- The newest sample per series, kept by the maintenance task.
CREATE TABLE metric_latest (
    provider_id uuid NOT NULL,
    series_id   bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    value       double precision NOT NULL
);

-- Hours of raw data changed since the last rollup (platform-internal; no provider data).
CREATE TABLE metric_dirty (
    series_id bigint NOT NULL,
    hour      timestamptz NOT NULL,
    PRIMARY KEY (series_id, hour)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['metric_series', 'metric_ingest', 'metric_chunks', 'metric_rollups',
                             'metric_rollups_5m', 'metric_rollups_1h', 'metric_rollups_1d',
                             'metric_rollups_7d', 'metric_rollups_30d', 'metric_latest']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO octoisp_app, octoisp_global', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON metric_dirty TO octoisp_global;

-- Creates the raw partition for `day` (UTC) unless it exists, with RLS forced and the tenant policy.
CREATE FUNCTION metrics_create_partition(day date) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    name text := 'metric_chunks_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF metric_chunks FOR VALUES FROM (%L) TO (%L)', name,
                   day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', name);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', name);
    EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                   'WITH CHECK (provider_id = (SELECT app_provider_id()))', name || '_tenant', name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO octoisp_app, octoisp_global', name);
    RETURN true;
END $$;

-- Drops raw partitions that end at or before `cutoff`; returns how many.
CREATE FUNCTION metrics_drop_partitions(cutoff timestamptz) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'metric_chunks'::regclass AND c.relname ~ '^metric_chunks_[0-9]{8}$'
    LOOP
        IF (to_date(right(part.relname, 8), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END $$;

REVOKE ALL ON FUNCTION metrics_create_partition(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION metrics_drop_partitions(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION metrics_create_partition(date) TO octoisp_global;
GRANT EXECUTE ON FUNCTION metrics_drop_partitions(timestamptz) TO octoisp_global;
