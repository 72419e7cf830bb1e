-- Samples arrive as batches. Until now the ingest pipeline inserted one row per sample into
-- `metric_ingest`, and the b-tree on its `tx` column (0140) cost about as much as the rows themselves: a
-- COPY into that table ran at half the speed of one into a plain table. A writer transaction now stores
-- each provider's part of a batch as one row of three arrays in `metric_ingest_batches`: one index
-- entry per batch, and compaction deletes a batch row instead of each of its samples.
--
-- `metric_ingest` becomes a view that unnests the batches, so every reader (charts, latest values,
-- both alert evaluators) reads samples as before, under its own row-level security
-- (`security_invoker`); a reader's `tx >= cursor` or `provider_id = …` reaches the batch rows and the
-- `tx` index. Inserting into the view still works (one batch per row, through a trigger).

CREATE TABLE metric_ingest_batches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id uuid NOT NULL,
    -- The writer's transaction, as `metric_ingest.tx` was (0140).
    tx          bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    series_ids  bigint[] NOT NULL,
    at_ms       bigint[] NOT NULL,
    vals        double precision[] NOT NULL,
    -- Kept so that compaction can choose batches up to a number of samples without reading the arrays.
    samples     integer GENERATED ALWAYS AS (cardinality(series_ids)) STORED,
    -- Compaction unnests the three arrays side by side: one dimension, one length, no NULL element.
    CHECK (array_ndims(series_ids) = 1 AND array_ndims(at_ms) = 1 AND array_ndims(vals) = 1),
    CHECK (cardinality(series_ids) = cardinality(at_ms) AND cardinality(at_ms) = cardinality(vals)),
    CHECK (array_position(series_ids, NULL) IS NULL AND array_position(at_ms, NULL) IS NULL
           AND array_position(vals, NULL) IS NULL)
);
CREATE INDEX metric_ingest_batches_tx ON metric_ingest_batches (tx);
-- A batch's arrays are written once, read by compaction within a minute and deleted: out of line,
-- uncompressed (compressing them would cost the writer more than it saves).
ALTER TABLE metric_ingest_batches ALTER COLUMN series_ids SET STORAGE EXTERNAL;
ALTER TABLE metric_ingest_batches ALTER COLUMN at_ms SET STORAGE EXTERNAL;
ALTER TABLE metric_ingest_batches ALTER COLUMN vals SET STORAGE EXTERNAL;
ALTER TABLE metric_ingest_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE metric_ingest_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY metric_ingest_batches_tenant ON metric_ingest_batches USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, DELETE ON metric_ingest_batches TO octoisp_app, octoisp_global;

-- Samples not compacted yet move over as one batch per provider and writer transaction.
INSERT INTO metric_ingest_batches (provider_id, tx, series_ids, at_ms, vals)
SELECT provider_id, tx, array_agg(series_id), array_agg(at_ms), array_agg(value)
FROM metric_ingest GROUP BY provider_id, tx;
DROP TABLE metric_ingest;

CREATE VIEW metric_ingest WITH (security_invoker = true) AS
    SELECT b.provider_id, u.series_id, u.at_ms, u.value, b.tx
    FROM metric_ingest_batches b CROSS JOIN LATERAL unnest(b.series_ids, b.at_ms, b.vals) AS u(series_id, at_ms, value);
GRANT SELECT, INSERT ON metric_ingest TO octoisp_app, octoisp_global;

-- A row inserted into the view is a batch of one, written by the inserting role (its policy applies).
CREATE FUNCTION metric_ingest_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO metric_ingest_batches (provider_id, tx, series_ids, at_ms, vals)
    VALUES (NEW.provider_id, coalesce(NEW.tx, pg_current_xact_id()::text::bigint),
            ARRAY[NEW.series_id], ARRAY[NEW.at_ms], ARRAY[NEW.value]);
    RETURN NEW;
END $$;
CREATE TRIGGER metric_ingest_insert INSTEAD OF INSERT ON metric_ingest
    FOR EACH ROW EXECUTE FUNCTION metric_ingest_insert();

-- Compacted batches an evaluator has not read yet keep their samples in `metric_ingest_spill`, as the
-- rows of the former table did (0140). Runs as the owner (BYPASSRLS): it sees every provider's cursor
-- whoever deletes.
CREATE OR REPLACE FUNCTION metric_ingest_spill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM metric_ingest_spill s WHERE NOT EXISTS (
        SELECT 1 FROM alert_stream_cursors c
        WHERE c.provider_id = s.provider_id AND s.tx >= c.tx AND c.updated_at > now() - interval '15 minutes');
    IF EXISTS (SELECT 1 FROM alert_stream_cursors WHERE updated_at > now() - interval '15 minutes') THEN
        INSERT INTO metric_ingest_spill (provider_id, series_id, at_ms, value, tx)
        SELECT g.provider_id, u.series_id, u.at_ms, u.value, g.tx
        FROM gone g JOIN alert_stream_cursors c ON c.provider_id = g.provider_id
        CROSS JOIN LATERAL unnest(g.series_ids, g.at_ms, g.vals) AS u(series_id, at_ms, value)
        WHERE g.tx >= c.tx AND c.updated_at > now() - interval '15 minutes';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION metric_ingest_spill() FROM PUBLIC;
CREATE TRIGGER metric_ingest_spill AFTER DELETE ON metric_ingest_batches REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION metric_ingest_spill();
