-- An API key's role is a predefined role or one of the key's own provider's roles, enforced by a
-- composite foreign key like the rest of the hierarchy. Predefined roles have no provider, so roles
-- carry owner_id (their provider, or the zero id for predefined ones) and keys point at
-- (role_owner_id, role_id), where role_owner_id is the key's provider or the zero id.
ALTER TABLE roles ADD COLUMN owner_id uuid
    GENERATED ALWAYS AS (coalesce(provider_id, '00000000-0000-0000-0000-000000000000'::uuid)) STORED;
ALTER TABLE roles ADD CONSTRAINT roles_owner_id_id_key UNIQUE (owner_id, id);

ALTER TABLE api_keys ADD COLUMN role_owner_id uuid;
UPDATE api_keys k SET role_owner_id = r.owner_id FROM roles r WHERE r.id = k.role_id;
ALTER TABLE api_keys ALTER COLUMN role_owner_id SET NOT NULL;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_owner_check
    CHECK (role_owner_id = provider_id OR role_owner_id = '00000000-0000-0000-0000-000000000000'::uuid);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_owner_id_role_id_fkey FOREIGN KEY (role_owner_id, role_id) REFERENCES roles (owner_id, id);
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_id_fkey;
