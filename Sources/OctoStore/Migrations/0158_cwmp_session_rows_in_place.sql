-- 0158: the rows a CWMP session writes are updated in place.
--
-- pg_stat_statements over a 20,000-CPE BOOT storm showed where a batch of Informs spent its time: the
-- devices UPDATE took a third of its (wall-clock) time and the lease insert and delete another fifth.
--
-- * devices: every update recomputed search_text through device_search_text, which was not inlined
--   (concat_ws is only stable, so an immutable SQL function calling it runs as a query of its own, ~8 µs
--   a row). The function now uses immutable operators only (the same text: NULL parts skipped, the
--   others separated by one space). The batch's UPDATE names its rows by key.
-- * cwmp_sessions: a session's end no longer deletes its lease row; it marks the lease released
--   (expires_at = -infinity), and the device's next session takes the same row over (the lease
--   statements already take over an expired lease). No insert, foreign-key checks or dead row per session.
--   Every reader asks for a live lease (expires_at in the future), so a released row is no lease.

CREATE OR REPLACE FUNCTION device_search_text(name text, serial text, mac text, ip inet, vendor text, model text)
    RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT lower(substr(coalesce(' ' || name, '') || coalesce(' ' || serial, '') || coalesce(' ' || mac, '')
                              || coalesce(' ' || host(ip), '') || coalesce(' ' || vendor, '') || coalesce(' ' || model, ''), 2)) $$;

-- Room for HOT updates of the lease rows on their own pages, as 0153 gave devices and cwmp_devices.
ALTER TABLE cwmp_sessions SET (fillfactor = 50);

CREATE OR REPLACE FUNCTION cwmp_session_end_as(p_provider uuid, p_device uuid, p_token text)
RETURNS boolean
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    PERFORM set_config('synchronous_commit', 'off', true);
    UPDATE cwmp_sessions s SET expires_at = '-infinity'
    WHERE s.provider_id = p_provider AND s.device_id = p_device AND s.token = p_token AND s.expires_at > '-infinity';
    RETURN FOUND;
END;
$$;

CREATE OR REPLACE FUNCTION cwmp_session_end_batch_as(p_provider uuid, p_devices uuid[], p_tokens text[])
RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    ended integer;
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    PERFORM set_config('synchronous_commit', 'off', true);
    UPDATE cwmp_sessions s SET expires_at = '-infinity'
    FROM unnest(p_devices, p_tokens) AS e(device, token)
    WHERE s.provider_id = p_provider AND s.device_id = ANY (p_devices) AND s.device_id = e.device AND s.token = e.token
      AND s.expires_at > '-infinity';
    GET DIAGNOSTICS ended = ROW_COUNT;
    RETURN ended;
END;
$$;

-- As in 0157, except that the devices UPDATE names its rows by key (= ANY): joined to the batch only, its
-- cached generic plan read all the provider's devices.
CREATE OR REPLACE FUNCTION cwmp_session_open_batch_as(p_provider uuid, p_items jsonb)
RETURNS TABLE (item integer, outcome text, device_id uuid, discovered boolean, queued boolean, held boolean)
LANGUAGE plpgsql SECURITY INVOKER AS $$
#variable_conflict use_column
DECLARE
    items cwmp_inform_item[];
    targets cwmp_inform_target[];
    v_leased uuid[];
    v_discovered uuid[];
    v_queued uuid[];
    approval boolean;
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    items := ARRAY(SELECT i FROM jsonb_populate_recordset(NULL::cwmp_inform_item, p_items) i);
    approval := coalesce((SELECT r.require_approval FROM cwmp_registration_policies r WHERE r.provider_id = p_provider), false);
    -- Which device each item names and, for the provider-wide credential, what cwmp_session_open_as checks.
    targets := ARRAY(
        SELECT ROW(i.ordinality, d.id,
                   i.shared AND d.id IS NOT NULL
                       AND EXISTS (SELECT 1 FROM cwmp_credentials k WHERE k.device_id = d.id AND k.state = 'active'),
                   i.shared AND CASE WHEN d.id IS NULL THEN approval ELSE NOT coalesce(d.approved, true) END)::cwmp_inform_target
        FROM unnest(items) WITH ORDINALITY AS i
        LEFT JOIN LATERAL (
            SELECT d.id, c.approved FROM devices d
            LEFT JOIN cwmp_devices c ON c.provider_id = d.provider_id AND c.device_id = d.id
            WHERE d.provider_id = p_provider AND d.oui = i.oui AND d.serial_number = i.serial
            LIMIT 1
        ) d ON true
        ORDER BY i.ordinality);
    -- The leases, in device order (two batches that meet on a device wait for each other in one order).
    WITH taken AS (
        INSERT INTO cwmp_sessions AS s (provider_id, device_id, token, started_at, expires_at)
        SELECT p_provider, t.device, i.token, to_timestamp(i.at), to_timestamp(i.lease_until)
        FROM unnest(items) WITH ORDINALITY AS i JOIN unnest(targets) t ON t.item = i.ordinality
        WHERE t.device IS NOT NULL AND NOT t.own AND (i.bound_device IS NULL OR i.bound_device = t.device)
        ORDER BY t.device
        ON CONFLICT (provider_id, device_id) DO UPDATE SET token = EXCLUDED.token, started_at = EXCLUDED.started_at,
            expires_at = EXCLUDED.expires_at
        WHERE s.expires_at < EXCLUDED.started_at OR s.token = EXCLUDED.token
        RETURNING s.device_id
    )
    SELECT coalesce(array_agg(taken.device_id), '{}') INTO v_leased FROM taken;
    UPDATE devices d SET vendor = i.manufacturer, product_class = i.product_class,
        firmware = coalesce(i.software, d.firmware), hardware_version = coalesce(i.hardware, d.hardware_version),
        management_ip = coalesce(i.management_ip, d.management_ip), last_seen_at = to_timestamp(i.at)
    FROM unnest(items) WITH ORDINALITY AS i JOIN unnest(targets) t ON t.item = i.ordinality
    WHERE d.provider_id = p_provider AND d.id = ANY (v_leased) AND d.id = t.device;
    WITH stored AS (
        INSERT INTO cwmp_devices AS c (provider_id, device_id, root, cwmp_version, connection_request_url, external_ip,
                                       parameter_key, last_inform_at, last_events, informs)
        SELECT p_provider, t.device, i.root, i.version, i.request_url, i.remote_ip, i.parameter_key, to_timestamp(i.at),
               coalesce(i.events, '{}'), 1
        FROM unnest(items) WITH ORDINALITY AS i JOIN unnest(targets) t ON t.item = i.ordinality
        WHERE t.device = ANY (v_leased)
        ORDER BY t.device
        ON CONFLICT (provider_id, device_id) DO UPDATE SET root = EXCLUDED.root, cwmp_version = EXCLUDED.cwmp_version,
            connection_request_url = coalesce(EXCLUDED.connection_request_url, c.connection_request_url),
            external_ip = coalesce(EXCLUDED.external_ip, c.external_ip),
            parameter_key = coalesce(EXCLUDED.parameter_key, c.parameter_key),
            last_inform_at = EXCLUDED.last_inform_at, last_events = EXCLUDED.last_events, informs = c.informs + 1
        RETURNING c.device_id, c.discovered_at
    )
    SELECT coalesce(array_agg(stored.device_id) FILTER (WHERE stored.discovered_at IS NOT NULL), '{}') INTO v_discovered FROM stored;
    -- As cwmp_inform_as (0153): only new and changed values are written, a changed one with its history.
    WITH incoming AS (
        SELECT t.device, v.path, v.value, v.type, to_timestamp(i.at) AS at
        FROM unnest(items) WITH ORDINALITY AS i JOIN unnest(targets) t ON t.item = i.ordinality
        CROSS JOIN LATERAL unnest(i.paths, i.vals, i.types) AS v(path, value, type)
        WHERE t.device = ANY (v_leased)
    ), changed AS (
        SELECT i.device, i.path, i.value, i.type, i.at, p.value AS old_value
        FROM incoming i LEFT JOIN LATERAL (
            SELECT p.path, p.value, p.type FROM device_parameters p
            WHERE p.provider_id = p_provider AND p.device_id = i.device AND p.path = i.path
            LIMIT 1
        ) p ON true
        WHERE p.path IS NULL OR p.value IS DISTINCT FROM i.value OR p.type IS DISTINCT FROM i.type
    ), history AS (
        INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at)
        SELECT p_provider, c.device, c.path, c.old_value, c.value, c.at FROM changed c
        WHERE c.old_value IS NOT NULL AND c.old_value IS DISTINCT FROM c.value
    )
    INSERT INTO device_parameters AS p (provider_id, device_id, path, value, type, updated_at)
    SELECT p_provider, c.device, c.path, c.value, c.type, c.at FROM changed c
    ORDER BY c.device, c.path
    ON CONFLICT (provider_id, device_id, path) DO UPDATE SET value = EXCLUDED.value, type = EXCLUDED.type,
        updated_at = EXCLUDED.updated_at
    WHERE p.value IS DISTINCT FROM EXCLUDED.value OR p.type IS DISTINCT FROM EXCLUDED.type;
    INSERT INTO cwmp_informs (provider_id, device_id, at, events, command_keys, retry_count, remote_ip)
    SELECT p_provider, t.device, to_timestamp(i.at), coalesce(i.events, '{}'), coalesce(i.command_keys, '{}'),
           coalesce(i.retry_count, 0), i.remote_ip
    FROM unnest(items) WITH ORDINALITY AS i JOIN unnest(targets) t ON t.item = i.ordinality
    WHERE t.device = ANY (v_leased);
    v_queued := ARRAY(SELECT DISTINCT k.device_id FROM acs_tasks k
                    WHERE k.provider_id = p_provider AND k.device_id = ANY (v_leased) AND k.status = 'queued');
    RETURN QUERY
    SELECT t.item,
           CASE WHEN t.device IS NULL THEN 'unknown'
                WHEN t.own THEN 'own'
                WHEN i.bound_device IS NOT NULL AND i.bound_device <> t.device THEN 'bound'
                WHEN t.device = ANY (v_leased) THEN 'ok'
                ELSE 'busy' END,
           t.device, t.device = ANY (v_discovered), t.device = ANY (v_queued), t.waiting
    FROM unnest(items) WITH ORDINALITY AS i JOIN unnest(targets) t ON t.item = i.ordinality
    ORDER BY t.item;
END;
$$;
