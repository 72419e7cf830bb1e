-- 0007: one round trip for the Inform of a registered device and one for the end of a session.
--
-- cwmp_inform_as       binds the transaction to the provider, then for a device already registered:
--                      takes its session lease (or writes nothing and answers 'busy'), updates the
--                      device and its CWMP facts, stores the Inform's parameter values (changes go to
--                      the history) and the Inform itself, and says whether the tree is discovered and
--                      tasks are queued. For an unknown device it writes nothing and answers 'unknown':
--                      the ACS then registers it in a tenant transaction of its own (with its audit
--                      record), as before.
-- cwmp_session_end_as  binds the transaction to the provider and gives the session lease up. Its commit
--                      does not wait for the WAL flush: if PostgreSQL crashed before the flush, the
--                      lease would come back and expire on its own (idle timeout + 5 s), which is
--                      what a crashed ACS process leaves behind anyway.
--
-- Both run with the caller's rights (row-level security applies) and keep the rules of 0004.

CREATE FUNCTION cwmp_inform_as(
    p_provider uuid, p_oui text, p_serial text, p_manufacturer text, p_product_class text, p_software text,
    p_hardware text, p_management_ip inet, p_bound_device uuid, p_token text, p_now timestamptz,
    p_lease_until timestamptz, p_bootstrap boolean, p_root text, p_version text, p_request_url text, p_remote_ip inet,
    p_parameter_key text, p_events text[], p_command_keys text[], p_retry_count integer,
    p_paths text[], p_values text[], p_types text[])
RETURNS TABLE (outcome text, device_id uuid, discovered boolean, queued boolean)
LANGUAGE plpgsql SECURITY INVOKER AS $$
#variable_conflict use_column
DECLARE
    device uuid;
    leased text;
    tree_at timestamptz;
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    SELECT d.id INTO device FROM devices d
    WHERE d.provider_id = p_provider AND d.oui = p_oui AND d.serial_number = p_serial;
    IF device IS NULL THEN
        RETURN QUERY SELECT 'unknown'::text, NULL::uuid, false, false;
        RETURN;
    END IF;
    IF p_bound_device IS NOT NULL AND p_bound_device <> device THEN
        RETURN QUERY SELECT 'bound'::text, device, false, false;
        RETURN;
    END IF;
    INSERT INTO cwmp_sessions AS s (provider_id, device_id, token, started_at, expires_at)
    VALUES (p_provider, device, p_token, p_now, p_lease_until)
    ON CONFLICT (provider_id, device_id) DO UPDATE SET token = EXCLUDED.token, started_at = EXCLUDED.started_at,
        expires_at = EXCLUDED.expires_at
    WHERE s.expires_at < EXCLUDED.started_at OR s.token = EXCLUDED.token
    RETURNING s.token INTO leased;
    IF leased IS NULL THEN
        RETURN QUERY SELECT 'busy'::text, device, false, false;
        RETURN;
    END IF;
    UPDATE devices d SET vendor = p_manufacturer, product_class = p_product_class,
        firmware = coalesce(p_software, d.firmware), hardware_version = coalesce(p_hardware, d.hardware_version),
        management_ip = coalesce(p_management_ip, d.management_ip), last_seen_at = p_now
    WHERE d.provider_id = p_provider AND d.id = device;
    IF p_bootstrap THEN
        -- Factory-fresh: forget the cached tree and start over.
        DELETE FROM device_parameters p WHERE p.provider_id = p_provider AND p.device_id = device;
    END IF;
    INSERT INTO cwmp_devices AS c (provider_id, device_id, root, cwmp_version, connection_request_url, external_ip,
                                   parameter_key, last_inform_at, last_events, informs)
    VALUES (p_provider, device, p_root, p_version, p_request_url, p_remote_ip, p_parameter_key, p_now, p_events, 1)
    ON CONFLICT (provider_id, device_id) DO UPDATE SET root = EXCLUDED.root, cwmp_version = EXCLUDED.cwmp_version,
        connection_request_url = coalesce(EXCLUDED.connection_request_url, c.connection_request_url),
        external_ip = coalesce(EXCLUDED.external_ip, c.external_ip),
        parameter_key = coalesce(EXCLUDED.parameter_key, c.parameter_key),
        last_inform_at = EXCLUDED.last_inform_at, last_events = EXCLUDED.last_events, informs = c.informs + 1,
        discovered_at = CASE WHEN p_bootstrap THEN NULL ELSE c.discovered_at END
    RETURNING c.discovered_at INTO tree_at;
    IF cardinality(p_paths) > 0 THEN
        -- As CWMPRepository.storeValues: a value that differs from a cached one goes to the history;
        -- rows whose value and type are unchanged are not rewritten.
        WITH incoming AS (
            SELECT * FROM unnest(p_paths, p_values, p_types) AS t(path, value, type)
        ), history AS (
            INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at)
            SELECT p_provider, device, i.path, p.value, i.value, p_now
            FROM incoming i JOIN device_parameters p
              ON p.provider_id = p_provider AND p.device_id = device AND p.path = i.path
            WHERE p.value IS NOT NULL AND p.value IS DISTINCT FROM i.value
        )
        INSERT INTO device_parameters AS p (provider_id, device_id, path, value, type, updated_at)
        SELECT p_provider, device, i.path, i.value, i.type, p_now FROM incoming i
        ON CONFLICT (provider_id, device_id, path) DO UPDATE SET value = EXCLUDED.value, type = EXCLUDED.type,
            updated_at = EXCLUDED.updated_at
        WHERE p.value IS DISTINCT FROM EXCLUDED.value OR p.type IS DISTINCT FROM EXCLUDED.type;
    END IF;
    INSERT INTO cwmp_informs (provider_id, device_id, at, events, command_keys, retry_count, remote_ip)
    VALUES (p_provider, device, p_now, p_events, p_command_keys, p_retry_count, p_remote_ip);
    RETURN QUERY SELECT 'ok'::text, device, tree_at IS NOT NULL,
        EXISTS (SELECT 1 FROM acs_tasks t WHERE t.provider_id = p_provider AND t.device_id = device AND t.status = 'queued');
END;
$$;

CREATE FUNCTION cwmp_session_end_as(p_provider uuid, p_device uuid, p_token text)
RETURNS boolean
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    PERFORM set_config('synchronous_commit', 'off', true);
    DELETE FROM cwmp_sessions s WHERE s.provider_id = p_provider AND s.device_id = p_device AND s.token = p_token;
    RETURN FOUND;
END;
$$;

REVOKE ALL ON FUNCTION cwmp_inform_as, cwmp_session_end_as FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cwmp_inform_as, cwmp_session_end_as TO octoisp_app, octoisp_global;
