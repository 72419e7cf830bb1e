-- 0022: notifications are paced per channel and group of alerts, as Alertmanager's routes are:
-- group wait, group interval, repeat interval, and quiet hours. A channel's pacing is a JSON object
-- (NULL: the defaults); what each channel last told each group is kept here, so the timers hold across
-- processes and restarts.

ALTER TABLE notification_channels ADD COLUMN pacing jsonb;

CREATE TABLE notification_groups (
    provider_id     uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    channel_id      uuid NOT NULL,
    group_key       text NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    last_sent_at    timestamptz,
    notified_firing uuid[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (provider_id, channel_id, group_key),
    FOREIGN KEY (provider_id, channel_id) REFERENCES notification_channels (provider_id, id) ON DELETE CASCADE
);

ALTER TABLE notification_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY notification_groups_tenant ON notification_groups USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON notification_groups TO octoisp_app, octoisp_global;

-- Each delivery says which group it told and why (initial, change, repeat).
ALTER TABLE notification_deliveries ADD COLUMN group_key text;
ALTER TABLE notification_deliveries ADD COLUMN reason text CHECK (reason IN ('initial', 'change', 'repeat'));
