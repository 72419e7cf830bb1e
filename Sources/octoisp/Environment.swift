import Foundation
import Logging
import OctoAuth
import OctoCore
import OctoHTTP
import OctoStore

/// Configuration read from the environment (`DATABASE_URL`, `OCTOISP_*`).
struct Environment {
    let values: [String: String]

    init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    func required(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else { throw ConfigurationError("\(name) is not set") }
        return value
    }

    func url(_ name: String) throws -> DatabaseURL {
        do {
            return try DatabaseURL(try required(name))
        } catch let error as OctoError {
            throw ConfigurationError("\(name): \(error.message)")
        }
    }

    /// The app role's URL and the global role's URL (each may list several servers, libpq style, with
    /// `target_session_attrs=read-write` to follow a failover), the optional replica for read-only work
    /// (`OCTOISP_READ_DATABASE_URL`, the app role), the pool size (`OCTOISP_DB_POOL`) and the
    /// statement timeout in seconds (`OCTOISP_DB_STATEMENT_TIMEOUT`, default 30; 0 turns it off) and the
    /// longest wait for a connection, a failover included (`OCTOISP_DB_WAIT`, seconds, default 30).
    func databaseConfiguration() throws -> Database.Configuration {
        var timeout: Duration? = .seconds(30)
        if let text = values["OCTOISP_DB_STATEMENT_TIMEOUT"] {
            guard let seconds = Double(text), seconds >= 0 else {
                throw ConfigurationError("OCTOISP_DB_STATEMENT_TIMEOUT: expected seconds (0 turns the limit off)")
            }
            timeout = seconds == 0 ? nil : .milliseconds(Int64(seconds * 1000))
        }
        var wait: Duration = .seconds(30)
        if let text = values["OCTOISP_DB_WAIT"] {
            guard let seconds = Double(text), seconds >= 1, seconds <= 600 else {
                throw ConfigurationError("OCTOISP_DB_WAIT: expected seconds from 1 to 600")
            }
            wait = .milliseconds(Int64(seconds * 1000))
        }
        let read = values["OCTOISP_READ_DATABASE_URL"].map { !$0.isEmpty } == true ? try url("OCTOISP_READ_DATABASE_URL") : nil
        return Database.Configuration(app: try url("DATABASE_URL"), global: try url("OCTOISP_GLOBAL_DATABASE_URL"),
                                      maximumConnections: values["OCTOISP_DB_POOL"].flatMap(Int.init) ?? 20, statementTimeout: timeout,
                                      read: read, failoverWait: wait)
    }

    /// How long a graceful shutdown (SIGTERM) may take before the remaining work is cancelled
    /// (`OCTOISP_SHUTDOWN_GRACE`, seconds, default 20), and how long that cancellation may take before
    /// the process ends anyway (10 s).
    func shutdownLimits() throws -> (grace: Duration, cancellation: Duration) {
        var grace: Duration = .seconds(20)
        if let text = values["OCTOISP_SHUTDOWN_GRACE"] {
            guard let seconds = Double(text), seconds >= 1, seconds <= 3600 else {
                throw ConfigurationError("OCTOISP_SHUTDOWN_GRACE: expected seconds from 1 to 3600")
            }
            grace = .milliseconds(Int64(seconds * 1000))
        }
        return (grace, .seconds(10))
    }

    func secretBox() throws -> SecretBox {
        do {
            return try SecretBox(keyring: try required("OCTOISP_SECRET_KEY"))
        } catch let error as OctoError {
            throw ConfigurationError(error.message)
        }
    }

    func accessTokens(clock: any WallClock) async throws -> AccessTokens {
        do {
            return try await AccessTokens(secret: try required("OCTOISP_JWT_SECRET"), clock: clock)
        } catch let error as OctoError {
            throw ConfigurationError(error.message)
        }
    }

    /// A listener's TLS pair (see `ListenerTLS`), its problems reported as configuration errors.
    func listenerTLS(_ read: ([String: String]) throws -> ListenerTLS?) throws -> ListenerTLS? {
        do {
            return try read(values)
        } catch let failure as ListenerTLS.Failure {
            throw ConfigurationError(failure.description)
        }
    }

        var bcryptCost: UInt8 { values["OCTOISP_BCRYPT_COST"].flatMap(UInt8.init) ?? 12 }
}

/// A configuration problem, reported to the operator as is.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
