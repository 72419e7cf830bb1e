-- 0010: provisioning — verification after apply, and static template secrets sealed.
-- device_provisioning and provisioning_template_versions are provider-scoped tables of 0009 (RLS
-- ENABLED and FORCED with the tenant policy there); this migration only adds columns and states.

-- After a provisioning SetParameterValues succeeds, a GetParameterValues task reads the applied paths
-- back; its outcome is `verified` or `mismatch` (the paths with expected vs read values).
ALTER TABLE device_provisioning DROP CONSTRAINT device_provisioning_status_check;
ALTER TABLE device_provisioning ADD CONSTRAINT device_provisioning_status_check
    CHECK (status IN ('pending', 'applying', 'applied', 'verified', 'mismatch', 'fault', 'error', 'unmatched'));
ALTER TABLE device_provisioning
    ADD COLUMN verify_task_id   uuid,
    ADD COLUMN mismatches       jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN unverified_paths text[] NOT NULL DEFAULT '{}',
    ADD COLUMN last_verified_at timestamptz;
CREATE INDEX device_provisioning_verify_task ON device_provisioning (provider_id, verify_task_id) WHERE verify_task_id IS NOT NULL;

-- Static secrets written into a template's settings (Wi-Fi keys, passwords) are kept only here,
-- sealed with the secret key and bound to provider, template and version; `settings` holds them masked.
-- Versions stay insert-only (the UPDATE trigger of 0009 still refuses changes).
ALTER TABLE provisioning_template_versions ADD COLUMN secrets_sealed text;
