extension SNMPClient {
    /// How a walk fetches the next rows.
    public enum WalkMethod: Hashable, Sendable {
        /// One GETNEXT per varbind (the only choice for SNMPv1).
        case getNext
        /// GETBULK with this many repetitions to start with; halved on tooBig or timeout.
        case getBulk(maxRepetitions: Int)
    }

    /// Retrieves every instance under `root`, in order.
    ///
    /// Stops at endOfMibView, at the first OID outside the subtree, or (for SNMPv1) at noSuchName;
    /// throws ``SNMPError/Code/nonIncreasingOID`` if the agent returns an OID that does not increase.
    /// When nothing lies under `root`, `root` itself is fetched with GET, as net-snmp's snmpwalk does.
    public func walk(_ root: OID, on target: SNMPTarget, method: WalkMethod = .getBulk(maxRepetitions: 25))
        async throws -> [VarBind] {
        var results: [VarBind] = []
        try await walk(root, on: target, method: method) { results.append($0) }
        if results.isEmpty, let instance = try await instance(root, on: target) {
            results.append(instance)
        }
        return results
    }

    /// What a walk that found nothing below `root` still shows, as net-snmp's tools do: `root` itself
    /// when it is an instance (a GET of it answers a value), else nil.
    public func instance(_ root: OID, on target: SNMPTarget) async throws -> VarBind? {
        let single = try await send(PDU(type: .get, varBinds: [VarBind(root)]), to: target)
        guard single.errorStatus == 0, let first = single.varBinds.first, !first.value.isException else { return nil }
        return first
    }

    /// Walks `root`, calling `body` for each instance as pages arrive.
    public func walk(_ root: OID, on target: SNMPTarget, method: WalkMethod = .getBulk(maxRepetitions: 25),
                     _ body: (VarBind) throws -> Void) async throws {
        var current = root
        var repetitions: Int
        switch method {
        case .getNext: repetitions = 0
        case .getBulk(let maxRepetitions): repetitions = max(1, maxRepetitions)
        }
        if target.credentials.version == .v1 { repetitions = 0 }
        var shrinkBudget = 6
        while true {
            let pdu = repetitions == 0
                ? PDU(type: .getNext, varBinds: [VarBind(current)])
                : .getBulk(nonRepeaters: 0, maxRepetitions: Int32(repetitions), [current])
            let response: PDU
            do {
                response = try await send(pdu, to: target)
            } catch let error as SNMPError where error.code == .timeout && repetitions > 1 && shrinkBudget > 0 {
                repetitions = max(1, repetitions / 2)
                shrinkBudget -= 1
                continue
            }
            if response.status == .tooBig && repetitions > 1 {
                repetitions = max(1, repetitions / 2)
                continue
            }
            if response.status == .noSuchName && target.credentials.version == .v1 { return }
            guard response.errorStatus == 0 else {
                throw SNMPError(.agentError, "\(target.address) walking \(root)", errorStatus: response.errorStatus,
                                errorIndex: response.errorIndex)
            }
            guard !response.varBinds.isEmpty else { return }
            for varBind in response.varBinds {
                if varBind.value == .endOfMibView { return }
                guard varBind.oid.hasPrefix(root), varBind.oid != root else { return }
                guard current < varBind.oid else {
                    throw SNMPError(.nonIncreasingOID, "\(varBind.oid) after \(current)")
                }
                if varBind.value.isException { continue }
                try body(varBind)
                current = varBind.oid
            }
        }
    }

    /// Walks a conceptual table's entry OID (e.g. `ifXEntry`) and arranges the cells into rows.
    public func table(_ entry: OID, on target: SNMPTarget, method: WalkMethod = .getBulk(maxRepetitions: 25))
        async throws -> SNMPTable {
        var table = SNMPTable(entry: entry)
        try await walk(entry, on: target, method: method) { table.insert($0) }
        return table
    }
}
