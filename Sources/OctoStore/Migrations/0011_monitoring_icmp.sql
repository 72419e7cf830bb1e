-- ICMP echo for network monitoring: reachability and latency of SNMP devices, and what a discovery
-- sweep learned from ICMP. Both tables already carry provider_id with RLS enabled, forced and the
-- tenant policy (0008); this migration only adds columns and widens one check.

-- `snmp_failing`: the device answers ICMP echo but no SNMP request (up, but not pollable).
ALTER TABLE snmp_devices DROP CONSTRAINT snmp_devices_reachability_check;
ALTER TABLE snmp_devices ADD CONSTRAINT snmp_devices_reachability_check
    CHECK (reachability IN ('up', 'snmp_failing', 'down', 'unknown'));

-- The last ICMP measurement (poll or discovery): mean round trip of the replies (NULL when none came
-- back) and the share of probes lost, in percent.
ALTER TABLE snmp_devices
    ADD COLUMN icmp_rtt_ms       double precision CHECK (icmp_rtt_ms IS NULL OR icmp_rtt_ms >= 0),
    ADD COLUMN icmp_loss_percent real CHECK (icmp_loss_percent IS NULL OR icmp_loss_percent BETWEEN 0 AND 100),
    ADD COLUMN icmp_checked_at   timestamptz;

-- The last sweep's use of ICMP (`used`, `off`, or why it was unavailable) and the addresses that
-- answered ICMP echo but no SNMP credential: live hosts a NOC engineer should look at, not devices.
ALTER TABLE snmp_discovery_ranges
    ADD COLUMN last_icmp      text,
    ADD COLUMN last_icmp_only inet[] NOT NULL DEFAULT '{}';
