-- 0144: cross-instance invalidation (channel octoisp_cache, see 0141) of two more in-memory caches.

-- Provider rows (slug → id, status, CWMP transport setting): the ACS caches them per slug and per
-- provider. Any change drops the provider's entries, and every cached slug, in every process: a slug may
-- move from one row to another, and a new provider's slug may be cached as unknown.
CREATE FUNCTION notify_provider_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('octoisp_cache', json_build_object(
        'cache', 'provider', 'provider', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, 'key', '*')::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER providers_cache_invalidation
    AFTER INSERT OR UPDATE OR DELETE ON providers
    FOR EACH ROW EXECUTE FUNCTION notify_provider_change();

-- Provisioning templates and their versions: each process keeps a provider's live templates with their
-- current versions; any change drops the provider's entry (NOTIFY folds the same payload sent several
-- times in one transaction into one).
CREATE FUNCTION notify_provisioning_template_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('octoisp_cache', json_build_object(
        'cache', 'provisioning_template',
        'provider', CASE WHEN TG_OP = 'DELETE' THEN OLD.provider_id ELSE NEW.provider_id END, 'key', '*')::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER provisioning_templates_cache_invalidation
    AFTER INSERT OR UPDATE OR DELETE ON provisioning_templates
    FOR EACH ROW EXECUTE FUNCTION notify_provisioning_template_change();

CREATE TRIGGER provisioning_template_versions_cache_invalidation
    AFTER INSERT OR UPDATE OR DELETE ON provisioning_template_versions
    FOR EACH ROW EXECUTE FUNCTION notify_provisioning_template_change();

-- A provider's template revision, bumped in the transaction of any change to its templates or their
-- versions. Provisioning reads it in the statement that reads the device, and uses its in-memory copy
-- of the templates only when that copy was read at the same revision: a notification that arrives late
-- (or not at all) can never make a device be planned against templates older than its transaction sees.
CREATE TABLE provisioning_template_revisions (
    provider_id  uuid PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    revision     bigint NOT NULL
);
ALTER TABLE provisioning_template_revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE provisioning_template_revisions FORCE ROW LEVEL SECURITY;
CREATE POLICY provisioning_template_revisions_tenant ON provisioning_template_revisions
    USING (provider_id = (SELECT app_provider_id())) WITH CHECK (provider_id = (SELECT app_provider_id()));
GRANT SELECT, INSERT, UPDATE ON provisioning_template_revisions TO octoisp_app, octoisp_global;

CREATE FUNCTION bump_provisioning_template_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Rows deleted with their provider leave nothing to count.
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM providers WHERE id = OLD.provider_id) THEN
        RETURN NULL;
    END IF;
    INSERT INTO provisioning_template_revisions AS r (provider_id, revision)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.provider_id ELSE NEW.provider_id END, 1)
    ON CONFLICT (provider_id) DO UPDATE SET revision = r.revision + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER provisioning_templates_revision
    AFTER INSERT OR UPDATE OR DELETE ON provisioning_templates
    FOR EACH ROW EXECUTE FUNCTION bump_provisioning_template_revision();

CREATE TRIGGER provisioning_template_versions_revision
    AFTER INSERT OR UPDATE OR DELETE ON provisioning_template_versions
    FOR EACH ROW EXECUTE FUNCTION bump_provisioning_template_revision();
