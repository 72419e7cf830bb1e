-- CPE speed tests (TR-143 Download/Upload diagnostics) as a tool, and the one-time grant that lets
-- the CPE fetch or send its test bytes from/to the ACS file server: a random token bound to the run,
-- valid until it expires and for one transfer only. The file server records the bytes it counted.
ALTER TABLE tool_runs DROP CONSTRAINT tool_runs_tool_check;
ALTER TABLE tool_runs ADD CONSTRAINT tool_runs_tool_check
    CHECK (tool IN ('ping', 'traceroute', 'mtr', 'port_scan', 'ip_scan', 'dns', 'http', 'speedtest'));

ALTER TABLE tool_runs
    ADD COLUMN transfer_token      text CHECK (transfer_token IS NULL OR length(transfer_token) BETWEEN 32 AND 128),
    ADD COLUMN transfer_expires_at timestamptz,
    ADD COLUMN transfer_used_at    timestamptz,
    ADD COLUMN transfer_bytes      bigint CHECK (transfer_bytes IS NULL OR transfer_bytes >= 0);
