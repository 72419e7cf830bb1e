-- A person's own dashboard preferences, kept on the server so they follow the person to any browser:
-- theme, density, time zone for dates, the POP a POP filter starts with, and the progress through each
-- module's set-up checklist. The language stays in users.locale (e-mails follow it too).
--
-- The row belongs to the user row: a provider's user has provider_id set and lives under the provider's
-- policy like the user; a Global Admin (provider_id NULL, like their user row) is reached on the global
-- path only. One row per user, made on the first change.
CREATE TABLE user_preferences (
    user_id        uuid NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    provider_id    uuid REFERENCES providers (id) ON DELETE CASCADE,
    theme          text NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
    density        text NOT NULL DEFAULT 'comfortable' CHECK (density IN ('comfortable', 'compact')),
    -- An IANA zone name (checked against the zone database by the API); NULL: the dashboard's default.
    time_zone      text CHECK (length(time_zone) BETWEEN 1 AND 64),
    default_pop_id uuid REFERENCES pops (id) ON DELETE SET NULL,
    -- {"module": ["step", ...]}: the steps a person ticked; bounded by the API.
    help_progress  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(help_progress) = 'object'),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- A provider's user keeps preferences in their own provider, naming one of its POPs.
    FOREIGN KEY (provider_id, user_id) REFERENCES users (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (provider_id, default_pop_id) REFERENCES pops (provider_id, id) ON DELETE SET NULL (default_pop_id)
);
CREATE INDEX user_preferences_provider ON user_preferences (provider_id);

ALTER TABLE user_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_preferences FORCE ROW LEVEL SECURITY;
CREATE POLICY user_preferences_tenant ON user_preferences USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON user_preferences TO octoisp_app, octoisp_global;
