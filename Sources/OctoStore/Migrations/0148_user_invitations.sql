-- Invitations by e-mail: an administrator creates a provider's user without a password; the person
-- gets a one-time link, chooses the password and the account becomes active. Until then the user is
-- 'invited' and cannot sign in (the stored password hash is of a random secret nobody knows).
--
-- Only the SHA-256 of the link's token is stored. A new invitation replaces the user's earlier ones;
-- accepting consumes it. The row lives under the provider's policy like the user row it belongs to.
ALTER TABLE users DROP CONSTRAINT users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'disabled', 'invited'));

CREATE TABLE user_invitations (
    id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    provider_id uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    -- The address the link was sent to: a changed e-mail makes the invitation void.
    sent_to     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    FOREIGN KEY (provider_id, user_id) REFERENCES users (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX user_invitations_user ON user_invitations (user_id);

ALTER TABLE user_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY user_invitations_tenant ON user_invitations USING (provider_id = (SELECT app_provider_id()))
    WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON user_invitations TO octoisp_app, octoisp_global;

-- The pre-tenant door of the invitation page: the link's token hash → the invitation and its provider.
CREATE FUNCTION auth_find_invitation(p_hash bytea)
    RETURNS TABLE (invitation_id uuid, provider_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT i.id, i.provider_id FROM user_invitations i WHERE i.token_hash = p_hash $$;
REVOKE ALL ON FUNCTION auth_find_invitation(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_find_invitation(bytea) TO octoisp_app, octoisp_global;
