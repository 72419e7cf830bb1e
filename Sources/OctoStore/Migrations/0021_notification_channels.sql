-- 0021: where alerts are delivered. A channel is an e-mail server and recipients, a webhook, a
-- Telegram chat or a Web Push subscription, routed by severity and POP; its secrets (SMTP password,
-- webhook key, bot token, VAPID key) are sealed with SecretBox, the rest is kept redacted in
-- `settings`. Every delivery attempt is logged per alert.

CREATE TABLE notification_channels (
    id             uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id    uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind           text NOT NULL CHECK (kind IN ('email', 'webhook', 'telegram', 'webpush')),
    enabled        boolean NOT NULL DEFAULT true,
    min_severity   text NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('info', 'warning', 'critical')),
    pop_id         uuid,
    language       text NOT NULL DEFAULT 'pt-BR' CHECK (language IN ('pt-BR', 'en')),
    settings       jsonb NOT NULL,
    secrets_sealed text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    UNIQUE (provider_id, id),
    UNIQUE (provider_id, name),
    FOREIGN KEY (provider_id, pop_id) REFERENCES pops (provider_id, id) ON DELETE CASCADE
);

CREATE TABLE notification_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    alert_id    uuid,
    channel_id  uuid NOT NULL,
    status      text NOT NULL CHECK (status IN ('firing', 'resolved', 'test')),
    outcome     text NOT NULL CHECK (outcome IN ('sent', 'retrying', 'failed')),
    attempt     integer NOT NULL,
    detail      text,
    at          timestamptz NOT NULL,
    FOREIGN KEY (provider_id, alert_id) REFERENCES alerts (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, channel_id) REFERENCES notification_channels (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_deliveries_alert ON notification_deliveries (provider_id, alert_id, id);
CREATE INDEX notification_deliveries_channel ON notification_deliveries (provider_id, channel_id, id DESC);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['notification_channels', 'notification_deliveries']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (provider_id = (SELECT app_provider_id())) '
                       'WITH CHECK (provider_id = (SELECT app_provider_id()))', t || '_tenant', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON notification_channels TO octoisp_app, octoisp_global;
-- The delivery log is append-only for the application roles.
GRANT SELECT, INSERT ON notification_deliveries TO octoisp_app, octoisp_global;
