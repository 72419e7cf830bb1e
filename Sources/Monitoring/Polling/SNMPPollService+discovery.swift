import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO
import SNMP

extension SNMPPollService {
    /// Sweeps a discovery range. With ICMP on (``PollSettings/icmp``), one socket first pings every host
    /// address once; then the addresses are probed over SNMP with each candidate credential in order
    /// (sysObjectID.0 and sysDescr.0, through ``DevicePolling/identify(_:)``), at most
    /// ``PollSettings/discoveryConcurrency`` at a time. Every address is SNMP-probed, even one that did
    /// not answer ICMP: many devices filter echo. Agents that answered become or update devices under
    /// the range's POP, with the ICMP round trip measured; addresses that answered ICMP but no SNMP
    /// credential are reported (``DiscoveryOutcome/icmpOnly``, the range's `last_icmp_only`), not made
    /// devices: they cannot be polled until a credential works. When no ICMP socket may be opened the
    /// sweep runs with SNMP alone and says why in ``DiscoveryOutcome/icmp``. Addresses in a denied
    /// range (`deny`) are neither pinged nor probed; the range's `last_error` says how many were skipped.
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
        // The deny list is checked again when the sweep runs: a range created before a denied network was
        // added, or written straight into the database, probes none of the denied addresses.
        let deny = self.deny
        let hosts = network.hosts.filter { deny.deniedRange(of: $0.description) == nil }
        let skipped = network.hosts.count - hosts.count
        let denial = network.hosts.lazy.compactMap { deny.deniedRange(of: $0.description) }.first.map {
            "\(skipped) addresses denied by OCTOISP_OUTBOUND_DENY (\($0)) were not probed"
        }
        if hosts.isEmpty, let denial {
            logger.warning("snmp discovery refused", metadata: ["range": "\(range.cidr)", "error": "\(denial)"])
            try await database.withTenant(provider) { tx in try await tx.snmpDiscoveryRanges.finish(id, found: nil, error: denial) }
            return DiscoveryOutcome(probed: 0, found: 0, created: 0, updated: 0)
        }
        let settings = self.settings
        let poller = self.poller
        let port = range.port
        var icmp = "off"
        var echoes: [IPv4Address: ICMPPingResult]?
        if var pinger = settings.icmp {
            pinger.count = 1
            do {
                echoes = try await pinger.ping(hosts)
                icmp = "used"
            } catch {
                icmp = "unavailable: \(error)"
                logger.warning("icmp unavailable, discovery uses SNMP alone", metadata: ["range": "\(range.cidr)", "error": "\(error)"])
            }
        }
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
        let agents = Set(found.map(\.0))
        let icmpOnly = (echoes ?? [:]).filter { $0.value.reachable && !agents.contains($0.key) }.keys.sorted().map(\.description)
        let outcome = try await database.withTenant(provider) { tx in
            var created = 0
            for (address, credential, identity) in found {
                if try await tx.snmpDevices.recordDiscovered(address: address, port: port, pop: range.popId, credentialId: credential,
                                                             identity: identity, echo: echoes?[address], by: .system) {
                    created += 1
                }
            }
            try await tx.snmpDiscoveryRanges.finish(id, found: found.count,
                                                    error: credentials.isEmpty ? "no SNMP credential to try" : denial,
                                                    icmp: icmp, icmpOnly: icmpOnly)
            return DiscoveryOutcome(probed: hosts.count, found: found.count, created: created, updated: found.count - created,
                                    icmp: icmp, icmpAnswered: echoes.map { $0.values.filter(\.reachable).count }, icmpOnly: icmpOnly)
        }
        logger.info("snmp discovery finished", metadata: [
            "range": "\(range.cidr)", "found": "\(outcome.found)", "created": "\(outcome.created)", "icmp": "\(icmp)",
            "icmp.answered": "\(outcome.icmpAnswered.map(String.init) ?? "-")", "icmp.only": "\(icmpOnly.count)",
        ])
        return outcome
    }
}
