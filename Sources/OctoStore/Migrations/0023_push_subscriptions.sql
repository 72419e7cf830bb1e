-- 0023: Web Push for people. Each provider has one VAPID key pair (the private key sealed with
-- SecretBox), made on first use; a browser's push subscription is a `webpush` notification channel
-- owned by the user who subscribed, routed and paced like any channel (severity, POP, quiet hours).

CREATE TABLE push_vapid_keys (
    provider_id        uuid NOT NULL PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    public_key         text NOT NULL,
    private_key_sealed text NOT NULL,
    created_at         timestamptz NOT NULL
);
ALTER TABLE push_vapid_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_vapid_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY push_vapid_keys_tenant ON push_vapid_keys USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT ON push_vapid_keys TO octoisp_app, octoisp_global;

ALTER TABLE notification_channels ADD COLUMN owner_user_id uuid REFERENCES users (id) ON DELETE CASCADE;
-- One channel per browser subscription.
CREATE UNIQUE INDEX notification_channels_push_endpoint ON notification_channels (provider_id, (settings -> 'settings' -> 'subscription' ->> 'endpoint'))
    WHERE kind = 'webpush' AND owner_user_id IS NOT NULL;
