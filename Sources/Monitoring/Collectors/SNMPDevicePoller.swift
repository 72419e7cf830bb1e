import Foundation
import SNMP

/// Identifies and polls devices over SNMP with the vendor profiles: the ``DevicePolling`` the polling
/// jobs use. Collectors run one after another; one that fails leaves its error in
/// ``PollResult/errors`` and the others still run.
public struct SNMPDevicePoller: DevicePolling {
    /// The client every request goes through.
    public let client: SNMPClient
    /// The profiles and the matching logic.
    public let fingerprinter: Fingerprinter
    /// How walks fetch rows.
    public var walkMethod: SNMPClient.WalkMethod

    /// Creates a poller over `catalog`.
    public init(client: SNMPClient, catalog: ProfileCatalog, walkMethod: SNMPClient.WalkMethod = .getBulk(maxRepetitions: 25)) {
        self.client = client
        self.fingerprinter = Fingerprinter(catalog: catalog)
        self.walkMethod = walkMethod
    }

    /// Reads sysObjectID and sysDescr, checks the probe subtrees of the candidate profiles with GETNEXT,
    /// then reads the winning profile's model/version/serial OIDs.
    public func identify(_ target: SNMPTarget) async throws -> DeviceIdentity {
        let system = try await client.get([.sysDescr, .sysObjectID], from: target)
        var sysDescr = ""
        var sysObjectID: OID?
        for varBind in system {
            switch (varBind.oid, varBind.value) {
            case (.sysDescr, .octetString(let octets)): sysDescr = Self.text(octets)
            case (.sysObjectID, .oid(let oid)): sysObjectID = oid
            default: break
            }
        }
        let probes = fingerprinter.probes(sysObjectID: sysObjectID, sysDescr: sysDescr)
        var present: Set<OID> = []
        var counter = VarbindCounter()
        // All probes in one GETNEXT; `lenient` asks one at a time when an SNMPv1 agent answers noSuchName
        // past the end of its MIB. The answers come back in request order.
        if !probes.isEmpty {
            let answers = try await lenient(probes, target, &counter, next: true)
            for probe in probes where answers.contains(where: { !$0.value.isException && $0.oid.hasPrefix(probe) }) {
                present.insert(probe)
            }
        }
        let match = fingerprinter.match(sysObjectID: sysObjectID, sysDescr: sysDescr, present: present)
        var values: [OID: String] = [:]
        let extraction = fingerprinter.extractionOIDs(profile: match.profile.id)
        if !extraction.isEmpty {
            for varBind in try await lenient(extraction, target, &counter) {
                if let text = Self.displayText(varBind.value) { values[varBind.oid] = text }
            }
        }
        var implemented: [Int] = []
        if fingerprinter.needsImplementedEnterprises(match, sysObjectID: sysObjectID) {
            implemented = try await implementedEnterprises(target, &counter)
        }
        return fingerprinter.identity(match, sysObjectID: sysObjectID, sysDescr: sysDescr, values: values,
                                      implemented: implemented)
    }

    static let enterprises: OID = [1, 3, 6, 1, 4, 1]

    /// The enterprise subtrees the agent implements, in order, up to the first that is no generic
    /// agent's: GETNEXT from `1.3.6.1.4.1`, then from the enterprise after each one found (at most six
    /// requests).
    func implementedEnterprises(_ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [Int] {
        var found: [Int] = []
        var next = Self.enterprises
        for _ in 0..<6 {
            guard let varBind = try await lenient([next], target, &counter, next: true).first,
                  !varBind.value.isException, let number = VendorRegistry.enterprise(of: varBind.oid),
                  varBind.oid.hasPrefix(Self.enterprises) else { break }
            found.append(number)
            if !fingerprinter.catalog.vendors.isGenericAgent(number) { break }
            next = Self.enterprises.appending(UInt32(clamping: number + 1))
        }
        return found
    }

    /// Runs the requested collectors that `identity`'s profile lists (`system`, `neighbors` and `bgp`
    /// always apply: their MIBs are standard; `sessions` applies when the profile names sources). Throws
    /// the SNMP error only when the agent answered nothing at all (unreachable, wrong community).
    public func poll(_ target: SNMPTarget, identity: DeviceIdentity, collectors: Set<CollectorKind>) async throws -> PollResult {
        let profile = fingerprinter.catalog.profile(identity.profile)
            ?? fingerprinter.catalog.profile(VendorProfile.genericID)!
        var applicable = Set(profile.collectors).union([.system, .neighbors, .bgp])
        if !(profile.sessions ?? []).isEmpty { applicable.insert(.sessions) }
        var result = PollResult()
        var counter = VarbindCounter()
        var transportErrors: [SNMPError] = []
        let started = ContinuousClock.now
        for kind in CollectorKind.allCases where collectors.contains(kind) && applicable.contains(kind) {
            do {
                switch kind {
                case .system: result.system = try await collectSystem(target, &counter)
                case .health: result.health = try await collectHealth(target, profile: profile, &counter)
                case .interfaces: result.interfaces = try await collectInterfaces(target, &counter)
                case .optics: result.optics = try await collectOptics(target, profile: profile, &counter)
                case .neighbors: result.neighbors = try await collectNeighbors(target, &counter)
                case .bgp: result.bgpPeers = try await collectBGP(target, vendor: identity.vendor, &counter)
                case .sessions: result.sessions = try await collectSessions(target, profile: profile, &counter)
                }
            } catch {
                result.errors[kind] = "\(error)"
                if let snmp = error as? SNMPError { transportErrors.append(snmp) }
            }
        }
        result.varbinds = counter.count
        if counter.count > 0 { result.pollSeconds = (ContinuousClock.now - started).seconds }
        if let first = transportErrors.first, counter.count == 0, transportErrors.count == result.errors.count {
            throw first
        }
        return result
    }

    /// Measures reachability and latency: one GET of sysUpTime, timed. Throws the SNMP error when the
    /// agent does not answer.
    public func ping(_ target: SNMPTarget) async throws -> Duration {
        let started = ContinuousClock.now
        _ = try await client.get([.sysUpTime], from: target)
        return ContinuousClock.now - started
    }

    // MARK: - Requests that count what they receive

    func get(_ oids: [OID], _ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [VarBind] {
        let varBinds = try await client.get(oids, from: target)
        counter.count += varBinds.count
        return varBinds
    }

    /// GET (or GETNEXT) that tolerates SNMPv1's noSuchName: on an agent error it asks again one OID at
    /// a time and leaves out the OIDs the agent refuses.
    func lenient(_ oids: [OID], _ target: SNMPTarget, _ counter: inout VarbindCounter, next: Bool = false)
        async throws -> [VarBind] {
        func request(_ oids: [OID]) async throws -> [VarBind] {
            let varBinds = next ? try await client.getNext(oids, from: target) : try await client.get(oids, from: target)
            counter.count += varBinds.count
            return varBinds
        }
        do {
            return try await request(oids)
        } catch let error as SNMPError where error.code == .agentError {
            guard oids.count > 1 else { return [] }
            var varBinds: [VarBind] = []
            for oid in oids {
                do {
                    varBinds += try await request([oid])
                } catch let error as SNMPError where error.code == .agentError {
                    continue
                }
            }
            return varBinds
        }
    }

    func walk(_ root: OID, _ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [VarBind] {
        let varBinds = try await client.walk(root, on: target, method: walkMethod)
        counter.count += varBinds.count
        return varBinds.filter { !$0.value.isException }
    }

    /// Walks `column` into values by row index (the suffix after the column).
    func column(_ column: OID, _ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [OID: SNMPValue] {
        var values: [OID: SNMPValue] = [:]
        for varBind in try await walk(column, target, &counter) {
            if let index = varBind.oid.suffix(after: column), index.count > 0 { values[index] = varBind.value }
        }
        return values
    }

    /// ``column(_:_:_:)`` for an optional OID text from a profile (validated when the profile loaded).
    func column(_ text: String?, _ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> [OID: SNMPValue] {
        guard let text, let oid = OID(text) else { return [:] }
        return try await column(oid, target, &counter)
    }

    func table(_ entry: OID, _ target: SNMPTarget, _ counter: inout VarbindCounter) async throws -> SNMPTable {
        var table = SNMPTable(entry: entry)
        for varBind in try await walk(entry, target, &counter) { table.insert(varBind) }
        return table
    }

    // MARK: - Values

    static func text(_ octets: [UInt8]) -> String {
        String(decoding: octets, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\0"))
    }

    static func displayText(_ value: SNMPValue) -> String? {
        switch value {
        case .octetString(let octets):
            let text = SNMPValue.printableText(octets) ?? SNMPValue.hexString(octets)
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .integer(let number): return String(number)
        case .counter32(let n), .gauge32(let n), .timeTicks(let n): return String(n)
        case .counter64(let n): return String(n)
        case .oid(let oid): return oid.description
        default: return nil
        }
    }

    static func number(_ value: SNMPValue?) -> Double? {
        switch value {
        case .integer(let n): return Double(n)
        case .counter32(let n), .gauge32(let n), .timeTicks(let n): return Double(n)
        case .counter64(let n): return Double(n)
        case .octetString(let octets):
            return Double(String(decoding: octets, as: UTF8.self).trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    static func unsigned(_ value: SNMPValue?) -> UInt64? {
        switch value {
        case .integer(let n): return n >= 0 ? UInt64(n) : nil
        case .counter32(let n), .gauge32(let n), .timeTicks(let n): return UInt64(n)
        case .counter64(let n): return n
        default: return nil
        }
    }
}

/// Counts the varbinds one poll receives.
struct VarbindCounter {
    var count = 0
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
