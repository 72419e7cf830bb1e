-- 0081: secret parameter values (Wi-Fi keys, passwords) are no longer kept in clear in the parameter
-- cache, its history or settled task arguments. The application stores a marker instead (the mask,
-- with a keyed digest when a secret key is configured); this masks what earlier versions stored, by
-- the leaf-name rule of SecretParameters.leafLooksSecret (a CPE reporting its key next time stores a
-- marker again; a template's key already in place is sent once more).
CREATE FUNCTION pg_temp.secret_leaf(path text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN lower(split_part(path, '.', -1)) ~ '(index|interval|sizes|methods?|level|type|lock|enabled?|modes?|failures|protocols?|ruler|supported)$'
            THEN false
        WHEN lower(split_part(path, '.', -1)) ~ '(password|passwd|pwd|passphrase|secret|presharedkey|wpakey|wepkey|privatekey|sharedkey|radiuskey|authkey|initkey|encryptionkey|keyword|pinphrase)'
            THEN true
        WHEN lower(split_part(path, '.', -1)) IN ('key', 'prekey') THEN true
        ELSE lower(split_part(path, '.', -1)) = 'bridgekey' AND lower(path) LIKE '%wds%'
    END
$$;

UPDATE device_parameters SET value = '********' WHERE value <> '' AND value NOT LIKE '********%' AND pg_temp.secret_leaf(path);
UPDATE device_parameter_changes SET old_value = CASE WHEN old_value <> '' THEN '********' ELSE old_value END,
                                    new_value = CASE WHEN new_value <> '' THEN '********' ELSE new_value END
WHERE pg_temp.secret_leaf(path) AND (old_value NOT LIKE '********%' OR new_value NOT LIKE '********%');

UPDATE acs_tasks t SET arguments = jsonb_set(t.arguments, '{parameter_values}', (
    SELECT jsonb_agg(CASE WHEN pg_temp.secret_leaf(v ->> 'name') AND coalesce(v ->> 'value', '') <> ''
                          THEN jsonb_set(v, '{value}', '"********"') ELSE v END ORDER BY n)
    FROM jsonb_array_elements(t.arguments -> 'parameter_values') WITH ORDINALITY AS e(v, n)))
WHERE t.status IN ('done', 'fault', 'expired', 'cancelled') AND jsonb_typeof(t.arguments -> 'parameter_values') = 'array'
  AND jsonb_array_length(t.arguments -> 'parameter_values') > 0;
