import NIOCore
import Synchronization

extension SNMPClient {
    /// The engine state known for an agent, if any.
    public func engineState(for address: SocketAddress) -> USMEngineState? {
        engines.withLock { $0[address] }
    }

    func sendUSM(_ pdu: PDU, user: USMUser, level: SecurityLevel, contextName: String,
                 target: SNMPTarget) async throws -> PDU {
        guard level != .authNoPriv || user.auth != nil, level != .authPriv || user.priv != nil else {
            throw SNMPError(.invalidArgument, "security level \(level.rawValue) needs matching credentials")
        }
        let clock = ContinuousClock()
        var state = engines.withLock { $0[target.address] } ?? USMEngineState()
        var action = state.start()
        var rounds = 0
        let noKeys = LocalizedKeys(auth: nil, priv: nil)
        while true {
            rounds += 1
            guard rounds <= 4 else {
                throw SNMPError(state.isDiscovered ? .notInTimeWindow : .unknownEngineID, "\(target.address)")
            }
            let id = allocateID()
            let datagram: [UInt8]
            switch action {
            case .discover:
                datagram = try USMCodec.encode(
                    pdu: PDU(type: .get, requestID: id, varBinds: []), messageID: id, user: USMUser(name: ""),
                    level: .noAuthNoPriv, keys: noKeys,
                    engine: USMCodec.EngineParameters(engineID: [], boots: 0, time: 0))
            case .send:
                let engine = state.outgoing(now: clock.now)
                let keys = configuration.keyCache.keys(for: user, engineID: engine.engineID)
                var request = pdu
                request.requestID = id
                datagram = try USMCodec.encode(pdu: request, messageID: id, user: user, level: level, keys: keys,
                                               engine: engine, contextName: contextName)
            case .deliver:
                throw SNMPError(.malformedResponse, "unexpected state")
            case .fail(let error):
                throw error
            }
            let reply = try await exchange(id: id, datagram: datagram, target: target)
            let message: SNMPv3Message
            do {
                message = try SNMPv3Message.decode(reply)
            } catch {
                throw SNMPError(.malformedResponse, "\(target.address): \(error)")
            }
            let keys = message.flags.contains(.auth)
                ? configuration.keyCache.keys(for: user, engineID: message.security.engineID) : noKeys
            let scoped = try USMCodec.open(message, bytes: reply, user: user, keys: keys)
            let incoming = USMEngineState.Incoming(
                pduType: scoped.pdu.type, firstOID: scoped.pdu.varBinds.first?.oid,
                engineID: message.security.engineID, boots: message.security.engineBoots,
                time: message.security.engineTime, authenticated: message.flags.contains(.auth))
            action = state.receive(incoming, now: clock.now)
            let snapshot = state
            engines.withLock { $0[target.address] = snapshot }
            if action == .deliver {
                guard scoped.pdu.type == .response, scoped.pdu.requestID == id else {
                    throw SNMPError(.malformedResponse, "\(target.address): not a response to request \(id)")
                }
                if level != .noAuthNoPriv && !message.flags.contains(.auth) {
                    throw SNMPError(.authenticationFailure, "\(target.address): unauthenticated response")
                }
                return scoped.pdu
            }
        }
    }
}
