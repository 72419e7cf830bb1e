import Foundation
import OctoCore
import PostgresNIO

/// A PostgreSQL connection URL: `postgres://user:password@host:port/database?sslmode=disable`.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Role to connect as.
    public var username: String
    /// Password, if any.
    public var password: String?
    /// Database name.
    public var database: String
    /// Whether to require TLS (`sslmode=require`); loopback defaults to plain TCP.
    public var requireTLS: Bool

    /// Parses a URL; throws ``OctoError/Code/invalidInput`` naming what is wrong.
    public init(_ string: String) throws(OctoError) {
        guard let components = URLComponents(string: string),
              components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw .invalid("database_url", "not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalid("database_url", "missing host") }
        guard let user = components.user, !user.isEmpty else { throw .invalid("database_url", "missing user") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty else { throw .invalid("database_url", "missing database name") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.requireTLS = components.queryItems?.first { $0.name == "sslmode" }?.value == "require"
    }

    /// The same server and role, another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The full URL, password included, for handing to another process.
    public var connectionString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if requireTLS { components.queryItems = [URLQueryItem(name: "sslmode", value: "require")] }
        return components.string ?? description
    }

    /// The URL without its password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// A PostgresNIO client configuration for this URL; every connection starts with `statement_timeout`
    /// set to `statementTimeout` (whole milliseconds) when one is given.
    public func clientConfiguration(maximumConnections: Int = 20, statementTimeout: Duration? = nil) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        if let statementTimeout {
            let milliseconds = statementTimeout.components.seconds * 1000 + statementTimeout.components.attoseconds / 1_000_000_000_000_000
            configuration.options.additionalStartupParameters.append(("statement_timeout", "\(max(1, milliseconds))"))
        }
        return configuration
    }

    /// A single-connection configuration (migrations, LISTEN).
    public func connectionConfiguration() -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: requireTLS ? .require(try! .init(configuration: .makeClientConfiguration())) : .disable
        )
    }
}
