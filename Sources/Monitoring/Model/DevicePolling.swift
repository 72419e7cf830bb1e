import SNMP

/// Reads devices over SNMP: who they are and what they measure. The implementation
/// (`SNMPDevicePoller`) uses the vendor profiles; tests of the scheduling side may use a fake.
public protocol DevicePolling: Sendable {
    /// Fingerprints the agent at `target` (sysObjectID, sysDescr, probe OIDs) against the vendor profiles.
    /// Throws the SNMP error when the agent does not answer.
    func identify(_ target: SNMPTarget) async throws -> DeviceIdentity

    /// Runs the requested collectors of `identity`'s profile against `target`.
    func poll(_ target: SNMPTarget, identity: DeviceIdentity, collectors: Set<CollectorKind>) async throws -> PollResult

    /// Times one small request to `target` (the latency fallback when ICMP cannot be used).
    /// Throws the SNMP error when the agent does not answer.
    func ping(_ target: SNMPTarget) async throws -> Duration
}
