-- 0130: the provider-wide credential check joins the Inform statement.
--
-- cwmp_session_open_as  binds the transaction to the provider and, for a CPE that signed in with the
--                       provider-wide credential (p_shared), first checks what the ACS used to read in a
--                       tenant transaction of its own before the Inform: a device with an active
--                       credential of its own is refused ('own', nothing written); `held` says whether
--                       the device waits for an operator's approval (a registered device: not approved;
--                       an unknown one: the provider requires approval). Then it does what
--                       cwmp_inform_as (0007) does, in the same transaction. A session of a registered
--                       device thus opens in one round trip instead of five (BEGIN, set_config, SELECT,
--                       COMMIT and the Inform statement).
--
-- Runs with the caller's rights (row-level security applies).

CREATE FUNCTION cwmp_session_open_as(
    p_provider uuid, p_oui text, p_serial text, p_manufacturer text, p_product_class text, p_software text,
    p_hardware text, p_management_ip inet, p_bound_device uuid, p_token text, p_now timestamptz,
    p_lease_until timestamptz, p_bootstrap boolean, p_root text, p_version text, p_request_url text, p_remote_ip inet,
    p_parameter_key text, p_events text[], p_command_keys text[], p_retry_count integer,
    p_paths text[], p_values text[], p_types text[], p_shared boolean)
RETURNS TABLE (outcome text, device_id uuid, discovered boolean, queued boolean, held boolean)
LANGUAGE plpgsql SECURITY INVOKER AS $$
#variable_conflict use_column
DECLARE
    device uuid;
    own boolean := false;
    waiting boolean := false;
BEGIN
    PERFORM set_config('app.provider_id', p_provider::text, true);
    IF p_shared THEN
        SELECT d.id,
               EXISTS (SELECT 1 FROM cwmp_credentials k WHERE k.device_id = d.id AND k.state = 'active'),
               NOT coalesce(c.approved, true)
        INTO device, own, waiting
        FROM devices d
        LEFT JOIN cwmp_devices c ON c.provider_id = d.provider_id AND c.device_id = d.id
        WHERE d.provider_id = p_provider AND d.oui = p_oui AND d.serial_number = p_serial;
        IF device IS NULL THEN
            own := false;
            waiting := coalesce((SELECT r.require_approval FROM cwmp_registration_policies r
                                 WHERE r.provider_id = p_provider), false);
        END IF;
        IF own THEN
            RETURN QUERY SELECT 'own'::text, device, false, false, waiting;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT i.outcome, i.device_id, i.discovered, i.queued, waiting
    FROM cwmp_inform_as(p_provider, p_oui, p_serial, p_manufacturer, p_product_class, p_software, p_hardware,
                        p_management_ip, p_bound_device, p_token, p_now, p_lease_until, p_bootstrap, p_root, p_version,
                        p_request_url, p_remote_ip, p_parameter_key, p_events, p_command_keys, p_retry_count,
                        p_paths, p_values, p_types) AS i;
END;
$$;

REVOKE ALL ON FUNCTION cwmp_session_open_as FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cwmp_session_open_as TO octoisp_app, octoisp_global;
