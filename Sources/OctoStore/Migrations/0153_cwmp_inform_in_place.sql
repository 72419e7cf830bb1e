-- 0153: a steady-state Inform writes only what changed, and its rows can be updated in place.
--
-- Measured with pg_stat_statements (track = all) over a 10,000-CPE BOOT storm, per session: the UPDATE
-- of the device row took 461 µs and 1.3 KB of WAL, because only 43% of those updates were HOT: the
-- table's pages were full, so each new row version went to another page with an entry in each of the
-- table's ten indexes (the trigram index of the search text among them). The parameter upsert locked
-- each of the five values an Inform repeats unchanged: ON CONFLICT DO UPDATE ... WHERE locks the
-- conflicting row even when its WHERE then skips the update, and each lock is a WAL record (50,000 of
-- the 201,000 records the statement wrote over a first and a second storm of 10,000 CPEs).
--
-- - devices and cwmp_devices leave a fifth of each page free, so the per-Inform update of
--   last_seen_at, informs and last_inform_at stays on its page without touching an index. Existing pages
--   keep their fill until rewritten; new rows, and versions moved by a non-HOT update, get the room.
-- - cwmp_inform_as (0007) compares the Inform's values with the cached ones first and writes only the
--   new and the changed ones, as before with their history.

ALTER TABLE devices SET (fillfactor = 80);
ALTER TABLE cwmp_devices SET (fillfactor = 80);

CREATE OR REPLACE FUNCTION cwmp_inform_as(
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
        -- rows whose value and type are unchanged are neither rewritten nor locked. The lease keeps
        -- other sessions of this device out, so reading first is safe; ON CONFLICT stays as the net.
        WITH incoming AS (
            SELECT * FROM unnest(p_paths, p_values, p_types) AS t(path, value, type)
        ), changed AS (
            SELECT i.path, i.value, i.type, p.value AS old_value
            FROM incoming i LEFT JOIN device_parameters p
              ON p.provider_id = p_provider AND p.device_id = device AND p.path = i.path
            WHERE p.path IS NULL OR p.value IS DISTINCT FROM i.value OR p.type IS DISTINCT FROM i.type
        ), history AS (
            INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at)
            SELECT p_provider, device, c.path, c.old_value, c.value, p_now FROM changed c
            WHERE c.old_value IS NOT NULL AND c.old_value IS DISTINCT FROM c.value
        )
        INSERT INTO device_parameters AS p (provider_id, device_id, path, value, type, updated_at)
        SELECT p_provider, device, c.path, c.value, c.type, p_now FROM changed c
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
