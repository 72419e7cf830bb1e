-- 0060: reports. Reachability history for availability, the provider's time zone, the contracted SLA
-- per customer, the archive of generated reports (with their files) and the report schedules.
-- Every new table is provider-scoped: RLS ENABLED and FORCED, a USING + WITH CHECK policy on
-- app.provider_id, composite foreign keys to the hierarchy.

-- Periods of reports are days, weeks and months of the provider's clock; the logo (PNG) goes on their cover.
ALTER TABLE providers ADD COLUMN time_zone text NOT NULL DEFAULT 'America/Sao_Paulo'
    CHECK (length(time_zone) BETWEEN 1 AND 64);
ALTER TABLE providers ADD COLUMN report_logo_png bytea CHECK (report_logo_png IS NULL OR length(report_logo_png) <= 1048576);

-- The availability a customer's contract promises, in percent (e.g. 99.5); NULL: no contracted target.
ALTER TABLE customers ADD COLUMN sla_target_percent numeric(6, 3)
    CHECK (sla_target_percent IS NULL OR (sla_target_percent > 0 AND sla_target_percent <= 100));

-- Every change of an SNMP device's reachability, as the poller records it: the state holds from `at`
-- until the device's next row. Written by a trigger on snmp_devices, so every path that changes the
-- state (poll success, poll failure, ICMP-only answers, manual edits) leaves its row.
CREATE TABLE device_reachability_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_id   uuid NOT NULL,
    at          timestamptz NOT NULL,
    state       text NOT NULL CHECK (state IN ('up', 'snmp_failing', 'down', 'unknown')),
    FOREIGN KEY (provider_id, device_id) REFERENCES devices (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX device_reachability_changes_device ON device_reachability_changes (provider_id, device_id, at);

CREATE FUNCTION record_reachability_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.reachability IS DISTINCT FROM OLD.reachability THEN
        INSERT INTO device_reachability_changes (provider_id, device_id, at, state)
        VALUES (NEW.provider_id, NEW.device_id,
                CASE WHEN TG_OP = 'UPDATE' AND NEW.reachability_since IS NOT DISTINCT FROM OLD.reachability_since
                     THEN coalesce(NEW.updated_at, now()) ELSE coalesce(NEW.reachability_since, NEW.updated_at, now()) END,
                NEW.reachability);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER snmp_devices_reachability_history AFTER INSERT OR UPDATE OF reachability ON snmp_devices
    FOR EACH ROW EXECUTE FUNCTION record_reachability_change();

-- Generated reports: the request, its progress and outcome. Rows past `expires_at` are deleted by the
-- retention sweep (the files with them).
CREATE TABLE report_runs (
    id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('sla', 'bandwidth', 'incidents', 'optics')),
    request      jsonb NOT NULL CHECK (jsonb_typeof(request) = 'object'),
    period_from  timestamptz NOT NULL,
    period_to    timestamptz NOT NULL,
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress     integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    error        text,
    schedule_id  uuid,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    expires_at   timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    CHECK (period_to > period_from)
);
CREATE INDEX report_runs_recent ON report_runs (provider_id, created_at DESC, id);
CREATE INDEX report_runs_expiry ON report_runs (expires_at);

-- The files of a run: one per format.
CREATE TABLE report_files (
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    run_id       uuid NOT NULL,
    format       text NOT NULL CHECK (format IN ('pdf', 'csv', 'csv_pt_br')),
    name         text NOT NULL,
    content_type text NOT NULL,
    content      bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (provider_id, run_id, format),
    FOREIGN KEY (provider_id, run_id) REFERENCES report_runs (provider_id, id) ON DELETE CASCADE
);

-- Reports generated on a schedule and e-mailed: daily, weekly, monthly or a cron expression, in the
-- provider's time zone, each covering the previous local day, week or month (`period`). The e-mail
-- goes out through the SMTP server of one of the provider's e-mail notification channels to the
-- schedule's own recipients. `next_run_at` is when the next one is due.
CREATE TABLE report_schedules (
    id           uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    request      jsonb NOT NULL CHECK (jsonb_typeof(request) = 'object'),
    cadence      text NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly', 'cron')),
    cron         text,
    period       text NOT NULL CHECK (period IN ('day', 'week', 'month')),
    channel_id   uuid NOT NULL,
    recipients   text[] NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 50),
    enabled      boolean NOT NULL DEFAULT true,
    next_run_at  timestamptz NOT NULL,
    last_run_at  timestamptz,
    last_run_id  uuid,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, name),
    CHECK ((cadence = 'cron') = (cron IS NOT NULL)),
    FOREIGN KEY (provider_id, channel_id) REFERENCES notification_channels (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX report_schedules_due ON report_schedules (next_run_at) WHERE enabled;
ALTER TABLE report_runs ADD CONSTRAINT report_runs_schedule_fk FOREIGN KEY (provider_id, schedule_id)
    REFERENCES report_schedules (provider_id, id) ON DELETE SET NULL (schedule_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['device_reachability_changes', 'report_runs', 'report_files', 'report_schedules']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

-- Reachability history is append-only for the application (the trigger inserts as the poller).
GRANT SELECT, INSERT ON device_reachability_changes TO octoisp_app, octoisp_global;
GRANT SELECT, INSERT, UPDATE, DELETE ON report_runs, report_files, report_schedules TO octoisp_app, octoisp_global;
