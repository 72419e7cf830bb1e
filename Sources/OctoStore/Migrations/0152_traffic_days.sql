-- Traffic days: what the bandwidth report needs of one device's interfaces over one local day of the
-- provider, kept so that a month is read as 30 rows per device instead of 8,640 5-minute rollup rows
-- per counter series (a month of 100,000 series is 864 million rollup rows).
--
-- A row holds, for the day's 5-minute slots, the device's summed inbound and outbound rates (the
-- aggregates' percentile is of the sum), and per counter series the day's intervals, bits, seconds,
-- peak and its highest rates (the head), from which the period's nearest-rank 95th percentile is
-- exact or, when a day's head is too short to tell, read again from the rollups. Binary layouts are
-- `TrafficDay`'s (Sources/Reports/Compute/TrafficDay.swift). A row is of one time zone: a provider
-- that changes its zone gets new days.
CREATE TABLE traffic_days (
    provider_id uuid NOT NULL,
    device_id   uuid NOT NULL,
    day_start   timestamptz NOT NULL,
    day_end     timestamptz NOT NULL CHECK (day_end > day_start),
    time_zone   text NOT NULL,
    sums        bytea NOT NULL,
    series      bytea NOT NULL,
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (device_id, day_start),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
-- A device of five interfaces makes a row of about 7.6 KB. Kept inline up to a page (no TOAST lookups
-- when a month is read); larger rows (devices with many ports) go out of line, uncompressed: float
-- arrays do not compress.
ALTER TABLE traffic_days SET (toast_tuple_target = 8160);
ALTER TABLE traffic_days ALTER COLUMN sums SET STORAGE EXTERNAL;
ALTER TABLE traffic_days ALTER COLUMN series SET STORAGE EXTERNAL;
CREATE INDEX traffic_days_expiry ON traffic_days (day_end);

-- Hours of counter series whose 5-minute rollups changed since their traffic days were computed;
-- written by the metrics maintenance with each rollup, consumed by the traffic-day refresh.
CREATE TABLE metric_rate_changes (
    provider_id uuid NOT NULL,
    series_id   bigint NOT NULL,
    hour        timestamptz NOT NULL,
    PRIMARY KEY (series_id, hour)
);
CREATE INDEX metric_rate_changes_provider ON metric_rate_changes (provider_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['traffic_days', 'metric_rate_changes']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO octoisp_app, octoisp_global', t);
    END LOOP;
END $$;

-- Rollups written before this migration: their days are computed by the first refresh.
INSERT INTO metric_rate_changes (provider_id, series_id, hour)
SELECT DISTINCT s.provider_id, r.series_id, date_trunc('hour', r.bucket)
FROM metric_rollups_5m r JOIN metric_series s ON s.id = r.series_id AND s.kind = 'counter';
