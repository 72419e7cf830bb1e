import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO
import SNMP

extension SNMPPollService {
    /// Sweeps a discovery range: probes every host address with each candidate credential in order
    /// (sysObjectID.0 and sysDescr.0, through ``DevicePolling/identify(_:)``), at most
    /// ``PollSettings/discoveryConcurrency`` addresses at a time, then creates or updates the devices
    /// that answered under the range's POP. ICMP is not used: raw sockets need privileges a poller
    /// should not have, and an agent that does not answer SNMP cannot be polled anyway.
    @discardableResult
    public func discover(range id: UUID, provider: UUID, logger: Logger? = nil) async throws -> DiscoveryOutcome {
        let logger = logger ?? self.logger
        let (range, credentials) = try await database.withTenant(provider) { tx in
            let range = try await tx.snmpDiscoveryRanges.get(id)
            return (range, try await tx.snmpCredentials.candidates(pop: range.popId, secrets: secrets))
        }
        guard let network = IPv4Range(range.cidr) else {
            try await database.withTenant(provider) { tx in try await tx.snmpDiscoveryRanges.finish(id, found: nil, error: "invalid range") }
            return DiscoveryOutcome(probed: 0, found: 0, created: 0, updated: 0)
        }
        let hosts = network.hosts
        let settings = self.settings
        let poller = self.poller
        let port = range.port
        var found: [(IPv4Address, UUID, DeviceIdentity)] = []
        await withTaskGroup(of: (IPv4Address, UUID, DeviceIdentity)?.self) { group in
            var next = 0
            func add() {
                let host = hosts[next]
                next += 1
                group.addTask {
                    for credential in credentials {
                        guard let target = try? SNMPTarget(host: host.description, port: port, credentials: credential.credentials,
                                                           timeout: settings.discoveryTimeout, retries: 0) else { return nil }
                        if let identity = try? await poller.identify(target) { return (host, credential.id, identity) }
                    }
                    return nil
                }
            }
            while next < min(settings.discoveryConcurrency, hosts.count) { add() }
            for await result in group {
                if let result { found.append(result) }
                if next < hosts.count { add() }
            }
        }
        found.sort { $0.0 < $1.0 }
        let outcome = try await database.withTenant(provider) { tx in
            var created = 0
            for (address, credential, identity) in found {
                if try await tx.snmpDevices.recordDiscovered(address: address, port: port, pop: range.popId, credentialId: credential,
                                                             identity: identity, by: .system) {
                    created += 1
                }
            }
            try await tx.snmpDiscoveryRanges.finish(id, found: found.count,
                                                    error: credentials.isEmpty ? "no SNMP credential to try" : nil)
            return DiscoveryOutcome(probed: hosts.count, found: found.count, created: created, updated: found.count - created)
        }
        logger.info("snmp discovery finished", metadata: ["range": "\(range.cidr)", "found": "\(outcome.found)", "created": "\(outcome.created)"])
        return outcome
    }
}
