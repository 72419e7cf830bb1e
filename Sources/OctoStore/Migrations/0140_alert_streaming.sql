-- 0140: streaming alert evaluation. The evaluator of a provider keeps its metric rules' windows in
-- memory and advances them with only the samples committed since it last read, found by the
-- transaction that wrote them: `metric_ingest.tx` (the writer's transaction id, set by default, so
-- inserts and COPY that name the four sample columns fill it). A reader that remembers the oldest
-- transaction still running when it read (`pg_snapshot_xmin`) and next reads `tx >= that` sees every
-- sample committed since, in-flight writers included; samples read twice are merged away.
--
-- Compaction moves samples out of `metric_ingest`; those no evaluator has read yet are copied into
-- `metric_ingest_spill` (per provider, from the evaluator's registered cursor on) by a statement
-- trigger, so a compaction between two evaluations loses nothing. A cursor not advanced for 15
-- minutes no longer keeps anything: its evaluator reads everything again (primes) when it comes back.

ALTER TABLE metric_ingest ADD COLUMN tx bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint;
CREATE INDEX metric_ingest_tx ON metric_ingest (tx);

-- Where each provider's streaming evaluator has read up to, and which evaluator instance it is.
CREATE TABLE alert_stream_cursors (
    provider_id uuid PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    tx          bigint NOT NULL,
    instance    uuid NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE alert_stream_cursors ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_stream_cursors FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_stream_cursors_tenant ON alert_stream_cursors USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE ON alert_stream_cursors TO octoisp_app, octoisp_global;

-- Compacted samples an evaluator has not read yet.
CREATE TABLE metric_ingest_spill (
    provider_id uuid NOT NULL,
    series_id   bigint NOT NULL,
    at_ms       bigint NOT NULL,
    value       double precision NOT NULL,
    tx          bigint NOT NULL
);
CREATE INDEX metric_ingest_spill_tx ON metric_ingest_spill (provider_id, tx);
ALTER TABLE metric_ingest_spill ENABLE ROW LEVEL SECURITY;
ALTER TABLE metric_ingest_spill FORCE ROW LEVEL SECURITY;
CREATE POLICY metric_ingest_spill_tenant ON metric_ingest_spill USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT ON metric_ingest_spill TO octoisp_app, octoisp_global;

-- Runs as the owner (BYPASSRLS): it sees every provider's cursor whoever deletes.
CREATE FUNCTION metric_ingest_spill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM metric_ingest_spill s WHERE NOT EXISTS (
        SELECT 1 FROM alert_stream_cursors c
        WHERE c.provider_id = s.provider_id AND s.tx >= c.tx AND c.updated_at > now() - interval '15 minutes');
    IF EXISTS (SELECT 1 FROM alert_stream_cursors WHERE updated_at > now() - interval '15 minutes') THEN
        INSERT INTO metric_ingest_spill (provider_id, series_id, at_ms, value, tx)
        SELECT g.provider_id, g.series_id, g.at_ms, g.value, g.tx
        FROM gone g JOIN alert_stream_cursors c ON c.provider_id = g.provider_id
        WHERE g.tx >= c.tx AND c.updated_at > now() - interval '15 minutes';
    END IF;
    RETURN NULL;
END
$$;
-- Only the trigger calls it (PostgreSQL checks EXECUTE when a trigger is created, not when it fires).
REVOKE ALL ON FUNCTION metric_ingest_spill() FROM PUBLIC;
CREATE TRIGGER metric_ingest_spill AFTER DELETE ON metric_ingest REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION metric_ingest_spill();
