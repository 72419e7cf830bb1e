import CPEReach
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The ACS's XMPP sessions, one per provider account: opened at the first connection request that
/// needs one, kept open and reused, opened again when the server closed it, and closed at shutdown.
/// A connection request is the Annex K `<connectionRequest>` IQ to the CPE's ConnReqJabberID; its
/// answer (a `result`, or an `error` with its condition) is the outcome.
public actor XMPPConnector: Service {
    var connections: [XMPPConnection.Account: XMPPConnection] = [:]
    let logger: Logger

    /// Creates a connector with no session open.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// The outcome of one request.
    public enum Answer: Sendable, Hashable {
        /// The CPE answered `result`: it will open a session.
        case result
        /// The CPE (or the server, e.g. `service-unavailable` for a CPE that is offline) answered an error.
        case error(String)
    }

    /// Sends a connection request from `account` to `jid` with the CPE's connection-request credentials.
    public func connectionRequest(account: XMPPConnection.Account, to jid: String, username: String, password: String,
                                  timeout: TimeInterval) async throws -> Answer {
        let connection = try await session(account, timeout: timeout)
        let id = connection.nextID("cr")
        let request = ConnectionRequestIQ(id: id, from: connection.jid, to: jid, username: username, password: password)
        let answer = try await connection.query(request.xml, id: id, timeout: timeout)
        return ConnectionRequestIQ.outcome(of: answer).map(Answer.error) ?? .result
    }

    /// A live session for `account`, opened when there is none.
    func session(_ account: XMPPConnection.Account, timeout: TimeInterval) async throws -> XMPPConnection {
        if let open = connections[account], open.isActive { return open }
        connections[account]?.close()
        let connection = try await XMPPConnection.connect(account, timeout: timeout)
        logger.info("XMPP session open", metadata: ["jid": "\(connection.jid)"])
        connections[account] = connection
        return connection
    }

    /// Whether a session for `account` is open (for tests and health).
    public func isOpen(_ account: XMPPConnection.Account) -> Bool {
        connections[account]?.isActive ?? false
    }

    /// Closes every session.
    public func closeAll() {
        for connection in connections.values { connection.close() }
        connections = [:]
    }

    /// Waits for shutdown, then closes the sessions.
    public func run() async throws {
        try? await gracefulShutdown()
        closeAll()
    }
}
