-- Second-factor codes are single-use: the last time step accepted for a user. A code of that step or
-- an earlier one is refused, so a code seen over a shoulder or in a log cannot be replayed within its
-- 90-second window.
ALTER TABLE users ADD COLUMN totp_last_step bigint;
