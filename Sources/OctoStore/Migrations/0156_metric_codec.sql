-- Raw chunks and rollups stored as encoded columns (`MetricCodec`, Sources/OctoMetrics/MetricCodec.swift).
--
-- A raw chunk held two arrays: 12 bytes per sample before the row. A rollup was a row per bucket of
-- about 148 bytes with its index entry, so at one poll a minute the 5-minute rollups alone cost about
-- 30 bytes per raw sample. Now:
--   * `metric_chunks` keeps one row per series and hour, its samples in `samples` (time offsets as
--     differences of differences, values as whole-number differences or XOR of the previous value);
--   * `metric_rollup_periods` replaces `metric_rollups`: one row per series, resolution and period
--     (5 minutes: 6 hours of 72 buckets; 1 hour: a day of 24; 1 day: 30 days; 7 days: 26 weeks;
--     30 days: 360 days), every period aligned to the buckets' origin (2000-01-03 UTC), so a bucket
--     never straddles two periods.
-- No index on the period start alone: with one, the planner read a time range of every series and
-- filtered the few asked for. Retention, the only reader by time alone, scans the table once a day.
-- Rows are small enough to stay inline (`toast_tuple_target` at a page, `STORAGE MAIN`): a chart reads
-- them without TOAST look-ups.
--
-- Rows written before this migration are converted here in the codec's plain layout (8-byte big-endian
-- columns, written with `int8send` and `float8send`); the maintenance task writes the compact layout the
-- next time it rewrites them.

ALTER TABLE metric_chunks ADD COLUMN points integer, ADD COLUMN samples bytea;
UPDATE metric_chunks SET points = cardinality(offsets),
    samples = '\x01'::bytea || int4send(cardinality(offsets))
        || '\x00'::bytea || coalesce((SELECT string_agg(int8send(o::bigint), ''::bytea ORDER BY i)
                                      FROM unnest(offsets) WITH ORDINALITY AS u(o, i)), ''::bytea)
        || '\x00'::bytea || coalesce((SELECT string_agg(float8send(v), ''::bytea ORDER BY i)
                                      FROM unnest(vals) WITH ORDINALITY AS u(v, i)), ''::bytea);
ALTER TABLE metric_chunks ALTER COLUMN points SET NOT NULL, ALTER COLUMN samples SET NOT NULL,
    DROP COLUMN offsets, DROP COLUMN vals;
ALTER TABLE metric_chunks ALTER COLUMN samples SET STORAGE MAIN;
ALTER TABLE metric_chunks ADD CONSTRAINT metric_chunks_points CHECK (points >= 1);

-- Seconds a period of `resolution` spans (see `MetricRollupPeriods.periodSeconds`).
CREATE FUNCTION metric_rollup_period(resolution integer) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE resolution WHEN 300 THEN 21600 WHEN 3600 THEN 86400 WHEN 86400 THEN 2592000
                           WHEN 604800 THEN 15724800 WHEN 2592000 THEN 31104000 END
$$;

CREATE TABLE metric_rollup_periods (
    provider_id  uuid NOT NULL,
    series_id    bigint NOT NULL,
    resolution   integer NOT NULL CHECK (metric_rollup_period(resolution) IS NOT NULL),
    period_start timestamptz NOT NULL,
    buckets      bytea NOT NULL,
    PRIMARY KEY (series_id, resolution, period_start)
) WITH (toast_tuple_target = 8160);
ALTER TABLE metric_rollup_periods ALTER COLUMN buckets SET STORAGE MAIN;
ALTER TABLE metric_rollup_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE metric_rollup_periods FORCE ROW LEVEL SECURITY;
CREATE POLICY metric_rollup_periods_tenant ON metric_rollup_periods USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollup_periods TO octoisp_app, octoisp_global;

INSERT INTO metric_rollup_periods (provider_id, series_id, resolution, period_start, buckets)
SELECT provider_id, series_id, resolution, period_start,
       '\x01'::bytea || int4send(count(*)::integer)
       || '\x00'::bytea || string_agg(int8send((extract(epoch FROM bucket - period_start) / resolution)::bigint), ''::bytea ORDER BY bucket)
       || '\x00'::bytea || string_agg(int8send(count::bigint), ''::bytea ORDER BY bucket)
       || '\x00'::bytea || string_agg(int8send((extract(epoch FROM last_at - bucket) * 1000)::bigint), ''::bytea ORDER BY bucket)
       || '\x00'::bytea || string_agg(float8send(min), ''::bytea ORDER BY bucket)
       || '\x00'::bytea || string_agg(float8send(max), ''::bytea ORDER BY bucket)
       || '\x00'::bytea || string_agg(float8send(sum), ''::bytea ORDER BY bucket)
       || '\x00'::bytea || string_agg(float8send(last), ''::bytea ORDER BY bucket)
FROM (SELECT r.*, date_bin(metric_rollup_period(r.resolution) * interval '1 second', r.bucket, timestamptz '2000-01-03 00:00:00+00') AS period_start
      FROM metric_rollups r) AS r
GROUP BY provider_id, series_id, resolution, period_start;
DROP TABLE metric_rollups;
