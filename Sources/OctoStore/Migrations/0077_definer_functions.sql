-- SECURITY DEFINER functions run with the owner's rights, so each pins its search path (a role that
-- can create objects in some schema on the path must not be able to shadow a table or operator the
-- function uses; pg_temp last) and only the roles that call it may execute it.
ALTER FUNCTION device_search_ids(text) SET search_path = public, pg_temp;
ALTER FUNCTION auth_find_user(text) SET search_path = public, pg_temp;
ALTER FUNCTION auth_find_refresh_token(bytea) SET search_path = public, pg_temp;
ALTER FUNCTION auth_find_api_key(text) SET search_path = public, pg_temp;
ALTER FUNCTION provider_id_for_slug(text) SET search_path = public, pg_temp;

REVOKE ALL ON FUNCTION device_search_ids(text), auth_find_user(text), auth_find_refresh_token(bytea),
    auth_find_api_key(text), provider_id_for_slug(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION device_search_ids(text), auth_find_user(text), auth_find_refresh_token(bytea),
    auth_find_api_key(text), provider_id_for_slug(text) TO octoisp_app, octoisp_global;

-- Providers are created, changed and suspended on the Global Admin's path only. A tenant transaction
-- reads its own provider row and nothing more: no UPDATE or DELETE, so a flaw in a tenant route
-- cannot rename, suspend or drop a provider.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON providers FROM octoisp_app;
