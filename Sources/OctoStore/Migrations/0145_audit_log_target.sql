-- A device's timeline reads its audit entries newest first; without this index every page scanned the
-- provider's whole audit log for the device's target id.
CREATE INDEX audit_log_target ON audit_log (provider_id, target_type, target_id, at DESC);
