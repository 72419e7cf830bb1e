-- 0025: people opt in to alert e-mails themselves. A subscription is an `email` channel the user owns
-- that sends through one of the provider's e-mail channels (`via_channel_id`: its SMTP server, read
-- when sending) to the user's own address, with the user's severity, POP and quiet hours.

ALTER TABLE notification_channels ADD COLUMN via_channel_id uuid;
ALTER TABLE notification_channels ADD CONSTRAINT notification_channels_via
    FOREIGN KEY (provider_id, via_channel_id) REFERENCES notification_channels (provider_id, id) ON DELETE CASCADE;
CREATE UNIQUE INDEX notification_channels_email_subscription ON notification_channels (owner_user_id, via_channel_id)
    WHERE via_channel_id IS NOT NULL;
