-- 0024: alert evaluation is incremental between full passes. Each provider's evaluator remembers when
-- it last ran and when it last read every series, so the next run reads only the series that received
-- samples since (plus open alerts and silent series), and a full pass runs every few minutes.

CREATE TABLE alert_evaluations (
    provider_id  uuid PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    evaluated_at timestamptz NOT NULL,
    full_at      timestamptz NOT NULL
);

ALTER TABLE alert_evaluations ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_evaluations FORCE ROW LEVEL SECURITY;
CREATE POLICY alert_evaluations_tenant ON alert_evaluations USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE ON alert_evaluations TO octoisp_app, octoisp_global;
