-- 0157: the Informs and session ends of concurrent sessions of one provider commit together.
--
-- A steady-state session cost about 1.3 ms of PostgreSQL CPU in a BOOT storm, spread over many small
-- costs: parsing and planning the call, executor start-up of the ten-odd statements inside
-- cwmp_session_open_as, plan-cache look-ups, locks, a transaction and a WAL flush, each once per
-- session. These functions do the same work for a batch of sessions with one statement per step, so
-- those costs are paid once per batch; the ACS collects the sessions that arrive while a batch is
-- being written (group commit) and answers each Inform only after the batch committed.
--
-- cwmp_session_open_batch_as  p_items is a JSON array of Informs of registered devices, each an object
--                             with the fields of cwmp_inform_item (times as seconds since 1970). Returns
--                             one row per item (`item` is its 1-based position) with what
--                             cwmp_session_open_as returns for it: 'unknown', 'own', 'bound' and 'busy'
--                             write nothing for that item; 'ok' took the lease and stored the Inform. An
--                             item must not name a device another item of the batch names, and a BOOTSTRAP
--                             Inform (which forgets the cached tree) goes through cwmp_session_open_as.
-- cwmp_session_end_batch_as   gives up the leases the pairs (device, token) hold, as cwmp_session_end_as
--                             does (without waiting for the WAL flush); returns how many were held.
--
-- Both run with the caller's rights (row-level security applies). Each row of the batch is looked up
-- through its index (a lateral subquery with LIMIT 1): the plans are cached and reused for every batch
-- size, and a join planned for a handful of rows would otherwise read all the provider's rows.

CREATE TYPE cwmp_inform_item AS (
    oui text, serial text, manufacturer text, product_class text, software text, hardware text,
    management_ip inet, bound_device uuid, token text, at double precision, lease_until double precision,
    root text, version text, request_url text, remote_ip inet, parameter_key text, events text[],
    command_keys text[], retry_count integer, paths text[], vals text[], types text[], shared boolean);

CREATE TYPE cwmp_inform_target AS (item integer, device uuid, own boolean, waiting boolean);

CREATE FUNCTION cwmp_session_open_batch_as(p_provider uuid, p_items jsonb)
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
    WHERE d.provider_id = p_provider AND d.id = t.device AND t.device = ANY (v_leased);
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

CREATE FUNCTION cwmp_session_end_batch_as(p_provider uuid, p_devices uuid[], p_tokens text[])
RETURNS integer
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    ended integer;
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    PERFORM set_config('synchronous_commit', 'off', true);
    DELETE FROM cwmp_sessions s USING unnest(p_devices, p_tokens) AS e(device, token)
    WHERE s.provider_id = p_provider AND s.device_id = e.device AND s.token = e.token;
    GET DIAGNOSTICS ended = ROW_COUNT;
    RETURN ended;
END;
$$;

REVOKE ALL ON FUNCTION cwmp_session_open_batch_as, cwmp_session_end_batch_as FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cwmp_session_open_batch_as, cwmp_session_end_batch_as TO octoisp_app, octoisp_global;
