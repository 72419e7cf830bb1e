-- 0141: cross-instance invalidation of in-memory caches. A change to a row that some process may hold
-- in memory sends NOTIFY on channel octoisp_cache (delivered at commit, to every process listening):
-- the payload names the cache, the provider and the key, and each process drops that entry.

-- CPE credentials by (provider, user name): a changed password or a removed credential (revoked, or
-- its device deleted) is refused on the next Inform in every process.
CREATE FUNCTION notify_cwmp_credential_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('octoisp_cache', json_build_object('cache', 'cwmp_credential', 'provider', OLD.provider_id,
                                                         'key', OLD.username)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER cwmp_credentials_cache_invalidation
    AFTER UPDATE OR DELETE ON cwmp_credentials
    FOR EACH ROW EXECUTE FUNCTION notify_cwmp_credential_change();
