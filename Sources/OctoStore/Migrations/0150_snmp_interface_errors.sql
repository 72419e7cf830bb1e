-- The series of each interface's error counters (IF-MIB ifInErrors / ifOutErrors), registered by the
-- poll that first sees the device report them, beside the octet series.
ALTER TABLE snmp_interfaces ADD COLUMN in_errors_series_id bigint, ADD COLUMN out_errors_series_id bigint;
