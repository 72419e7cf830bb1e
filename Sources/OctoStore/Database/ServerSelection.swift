import Foundation
import Logging
import OctoCore
import PostgresNIO

extension DatabaseURL {
    /// What a server said about its session: whether it is in recovery (a standby) and whether its
    /// transactions are read-only.
    public struct SessionState: Sendable, Hashable {
        /// `pg_is_in_recovery()`.
        public var inRecovery: Bool
        /// `SHOW transaction_read_only`.
        public var readOnly: Bool
    }

    /// Asks the server on `connection` for its session state.
    static func sessionState(of connection: PostgresConnection, logger: Logger) async throws -> SessionState {
        let rows = try await connection.query("SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'", logger: logger)
        for try await (recovery, readOnly) in rows.decode((Bool, Bool).self) {
            return SessionState(inRecovery: recovery, readOnly: readOnly)
        }
        throw OctoError(.unavailable, "the database server did not say whether it is a primary")
    }

    /// Whether a server in `state` fits `target` (`prefer-standby` fits any server; the caller looks
    /// for a standby first).
    static func fits(_ state: SessionState, _ target: TargetSessionAttributes) -> Bool {
        switch target {
        case .any, .preferStandby: true
        case .readWrite: !state.readOnly
        case .readOnly: state.readOnly
        case .primary: !state.inRecovery
        case .standby: state.inRecovery
        }
    }

    /// Opens a connection to the first server, in order, whose session fits `target_session_attrs`
    /// (for `prefer-standby`: the first standby, else the first server that answers), as libpq does.
    /// Throws ``OctoError/Code/unavailable`` listing what each server said when none fits.
    public func connect(id: Int, logger: Logger) async throws -> (PostgresConnection, Endpoint, SessionState) {
        var reasons: [String] = []
        var fallback: (PostgresConnection, Endpoint, SessionState)?
        for endpoint in endpoints {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(configuration: connectionConfiguration(endpoint: endpoint), id: id, logger: logger)
            } catch {
                reasons.append("\(endpoint): \(Self.describe(error))")
                continue
            }
            if !needsServerSelection {
                return (connection, endpoint, SessionState(inRecovery: false, readOnly: false))
            }
            do {
                let state = try await Self.sessionState(of: connection, logger: logger)
                if targetSessionAttributes == .preferStandby && !state.inRecovery {
                    if fallback == nil { fallback = (connection, endpoint, state) } else { try? await connection.close() }
                    continue
                }
                if Self.fits(state, targetSessionAttributes) { 
                    if let fallback { try? await fallback.0.close() }
                    return (connection, endpoint, state)
                }
                reasons.append("\(endpoint): \(state.inRecovery ? "standby" : "primary")\(state.readOnly ? ", read-only" : "")")
            } catch {
                reasons.append("\(endpoint): \(Self.describe(error))")
            }
            try? await connection.close()
        }
        if let fallback { return fallback }
        throw OctoError(.unavailable, "no database server fits target_session_attrs=\(targetSessionAttributes.rawValue) (\(reasons.joined(separator: "; ")))")
    }

    /// The server a pool should use now (see ``connect(id:logger:)``); the probe connection is closed.
    func selectServer(logger: Logger) async throws -> (Endpoint, SessionState) {
        let (connection, endpoint, state) = try await connect(id: 0, logger: logger)
        try? await connection.close()
        return (endpoint, state)
    }

    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}

/// Whether `error` means the connection or the server went away (as opposed to a statement's own
/// failure): the work was not confirmed and may be retried, on another server after a failover.
func isConnectionFailure(_ error: any Error) -> Bool {
    if let psql = error as? PSQLError {
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed, .messageDecodingFailure,
             .unexpectedBackendMessage:
            return true
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            // connection exceptions, admin/crash shutdown, cannot connect now, a server turned read-only
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "25006"].contains(state)
        default:
            return false
        }
    }
    // The pool's own errors (its circuit breaker after failed connection attempts) are not public types.
    if String(describing: type(of: error)) == "ConnectionPoolError" { return true }
    if error is ConnectionLost { return true }
    if error is ChannelError { return true }
    if error is IOError { return true }
    return false
}
