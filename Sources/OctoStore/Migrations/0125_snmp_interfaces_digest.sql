-- The digest of a device's stored interface rows (FNV-1a over what a poll writes of each interface,
-- counters and times excluded), written by the poll that stored them. A poll whose readings have the
-- same digest, and whose process remembers the interfaces' series, writes no interface row.
ALTER TABLE snmp_devices ADD COLUMN interfaces_digest bigint;
