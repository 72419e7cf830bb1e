-- Sign-in counters are keyed by keyed hashes (HMAC under the secret key) of the e-mail and the
-- client address, never the e-mail or address in clear; they count attempts in a window and no
-- longer lock an account for everyone (a throttled source waits; the account is only slowed).
DELETE FROM login_throttle;
ALTER TABLE login_throttle DROP COLUMN locked_until;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_key_hashed
    CHECK (key ~ '^(ip|account|account-ip):[0-9a-f]{64}$');
COMMENT ON TABLE login_throttle IS
    'Sign-in attempts per keyed hash of address, account, and account from address; no e-mail in clear.';
