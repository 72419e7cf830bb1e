-- 0080: rollout actions keep no Wi-Fi key in clear. `action` holds the action with its secret fields
-- masked (what the API and the audit log show); `action_sealed` holds the whole action sealed with
-- the secret key (SecretBox, bound to provider and rollout), opened only to start a wave.
ALTER TABLE provisioning_rollouts ADD COLUMN action_sealed text CHECK (action_sealed IS NULL OR length(action_sealed) <= 16384);

-- Rollouts that are over need no key any more: mask what earlier versions stored in clear. A running
-- rollout keeps its key until it ends (the application cannot seal here).
UPDATE provisioning_rollouts SET action = jsonb_set(action, '{key}', '"********"')
WHERE status <> 'running' AND action ? 'key' AND jsonb_typeof(action -> 'key') = 'string';
