import Foundation
import OctoCore
import PostgresNIO

/// A PostgreSQL connection URL in libpq's form: `postgres://user:password@host:port/database?sslmode=disable`,
/// or with several hosts, `postgres://user:password@10.0.0.1:5432,10.0.0.2:5432/database?target_session_attrs=read-write`.
///
/// With several hosts (or a `target_session_attrs` other than `any`), the pools connect to the first
/// host, in order, whose session fits `target_session_attrs` and move to another when it stops fitting
/// (see ``Database``): this is how the platform follows a failover of a Patroni-managed pair.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// One server of the URL.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// Host name or address.
        public var host: String
        /// TCP port.
        public var port: Int

        /// Creates an endpoint.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port` (`[v6]:port` for an IPv6 address).
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Which server of the list a session may use (libpq's `target_session_attrs`).
    public enum TargetSessionAttributes: String, Sendable, Hashable, CaseIterable {
        /// Any server that answers.
        case any
        /// A server that accepts writes (`transaction_read_only` is off).
        case readWrite = "read-write"
        /// A server that does not accept writes.
        case readOnly = "read-only"
        /// A server not in recovery (the primary).
        case primary
        /// A server in recovery (a standby).
        case standby
        /// A standby if one answers, else any server.
        case preferStandby = "prefer-standby"
    }

    /// The servers, in the order they are tried; never empty.
    public var endpoints: [Endpoint]
    /// Role to connect as.
    public var username: String
    /// Password, if any.
    public var password: String?
    /// Database name.
    public var database: String
    /// Whether to require TLS (`sslmode=require`); loopback defaults to plain TCP.
    public var requireTLS: Bool
    /// Which server to use (`target_session_attrs`, default `any`).
    public var targetSessionAttributes: TargetSessionAttributes
    /// How long to wait for one server to accept a connection (`connect_timeout`, seconds; default 10).
    public var connectTimeout: Duration

    /// The first server's host.
    public var host: String { endpoints[0].host }
    /// The first server's port.
    public var port: Int { endpoints[0].port }

    /// Whether the pools must find the fitting server among several, or check the one, before use.
    public var needsServerSelection: Bool { endpoints.count > 1 || targetSessionAttributes != .any }

    /// Parses a URL; throws ``OctoError/Code/invalidInput`` naming what is wrong.
    public init(_ string: String) throws(OctoError) {
        guard let schemeEnd = string.range(of: "://") else { throw .invalid("database_url", "not a postgres:// URL") }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else { throw .invalid("database_url", "not a postgres:// URL") }
        var rest = Substring(string[schemeEnd.upperBound...])
        if rest.contains("#") { throw .invalid("database_url", "a fragment (#) is not allowed") }
        var queryText: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { throw .invalid("database_url", "missing user") }
        let userInfo = rest[..<at]
        let hostList = rest[rest.index(after: at)...]
        let user: Substring
        var password: Substring?
        if let colon = userInfo.firstIndex(of: ":") {
            user = userInfo[..<colon]
            password = userInfo[userInfo.index(after: colon)...]
        } else {
            user = userInfo
        }
        guard !user.isEmpty else { throw .invalid("database_url", "missing user") }
        guard !hostList.isEmpty else { throw .invalid("database_url", "missing host") }
        var endpoints: [Endpoint] = []
        for (index, item) in hostList.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            endpoints.append(try Self.endpoint(item, position: index + 1))
        }
        guard Set(endpoints).count == endpoints.count else { throw .invalid("database_url", "a host is listed twice") }
        let database = String(path).removingPercentEncoding ?? String(path)
        guard !database.isEmpty, !database.contains("/") else { throw .invalid("database_url", "missing database name") }

        var requireTLS = false
        var target = TargetSessionAttributes.any
        var connectTimeout: Duration = .seconds(10)
        for pair in queryText.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            switch name {
            case "sslmode":
                guard ["disable", "allow", "prefer", "require"].contains(value) else {
                    throw .invalid("database_url", "sslmode must be disable, allow, prefer or require (got '\(value)')")
                }
                requireTLS = value == "require"
            case "target_session_attrs":
                guard let parsed = TargetSessionAttributes(rawValue: value) else {
                    let allowed = TargetSessionAttributes.allCases.map(\.rawValue).joined(separator: ", ")
                    throw .invalid("database_url", "target_session_attrs must be one of \(allowed) (got '\(value)')")
                }
                target = parsed
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 1, seconds <= 3600 else {
                    throw .invalid("database_url", "connect_timeout must be whole seconds from 1 to 3600 (got '\(value)')")
                }
                connectTimeout = .seconds(seconds)
            case "application_name":
                break
            default:
                throw .invalid("database_url", "unknown parameter '\(name)' (known: sslmode, target_session_attrs, connect_timeout, application_name)")
            }
        }
        self.endpoints = endpoints
        self.username = String(user).removingPercentEncoding ?? String(user)
        self.password = password.map { String($0).removingPercentEncoding ?? String($0) }
        self.database = database
        self.requireTLS = requireTLS
        self.targetSessionAttributes = target
        self.connectTimeout = connectTimeout
    }

    /// One `host[:port]` of the host list (`[v6]:port` for IPv6).
    private static func endpoint(_ item: Substring, position: Int) throws(OctoError) -> Endpoint {
        guard !item.isEmpty else { throw .invalid("database_url", "host \(position) of the list is empty") }
        var host: Substring
        var portText: Substring?
        if item.hasPrefix("[") {
            guard let close = item.firstIndex(of: "]") else { throw .invalid("database_url", "host \(position): unclosed '[' of an IPv6 address") }
            host = item[item.index(after: item.startIndex)..<close]
            let after = item[item.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalid("database_url", "host \(position): expected ':port' after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = item.lastIndex(of: ":") {
            host = item[..<colon]
            portText = item[item.index(after: colon)...]
        } else {
            host = item
        }
        guard !host.isEmpty else { throw .invalid("database_url", "host \(position) of the list is empty") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:%".contains($0) }) else {
            throw .invalid("database_url", "host \(position): '\(host)' is not a host name or address")
        }
        var port = 5432
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                throw .invalid("database_url", "host \(position): port must be a number from 1 to 65535 (got '\(portText)')")
            }
            port = parsed
        }
        host = Substring(String(host).removingPercentEncoding ?? String(host))
        return Endpoint(host: String(host), port: port)
    }

    /// The same servers and role, another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The same role and database on one server of the list, choosing no other.
    public func only(_ endpoint: Endpoint) -> DatabaseURL {
        var copy = self
        copy.endpoints = [endpoint]
        copy.targetSessionAttributes = .any
        return copy
    }

    /// The full URL, password included, for handing to another process.
    public var connectionString: String {
        func encode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
        var text = "postgres://" + encode(username)
        if let password { text += ":" + encode(password) }
        text += "@" + endpoints.map(\.description).joined(separator: ",") + "/" + encode(database)
        var query: [String] = []
        if requireTLS { query.append("sslmode=require") }
        if targetSessionAttributes != .any { query.append("target_session_attrs=\(targetSessionAttributes.rawValue)") }
        if connectTimeout != .seconds(10) { query.append("connect_timeout=\(connectTimeout.components.seconds)") }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    /// The URL without its password.
    public var description: String {
        var text = "postgres://\(username)@\(endpoints.map(\.description).joined(separator: ","))/\(database)"
        if targetSessionAttributes != .any { text += "?target_session_attrs=\(targetSessionAttributes.rawValue)" }
        return text
    }

    /// A PostgresNIO client configuration for one server of this URL (the first by default); every
    /// connection starts with `statement_timeout` set to `statementTimeout` (whole milliseconds) when one is given.
    public func clientConfiguration(maximumConnections: Int = 20, statementTimeout: Duration? = nil, endpoint: Endpoint? = nil) -> PostgresClient.Configuration {
        let endpoint = endpoint ?? endpoints[0]
        var configuration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: username, password: password, database: database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = connectTimeout
        if let statementTimeout {
            let milliseconds = statementTimeout.components.seconds * 1000 + statementTimeout.components.attoseconds / 1_000_000_000_000_000
            configuration.options.additionalStartupParameters.append(("statement_timeout", "\(max(1, milliseconds))"))
        }
        return configuration
    }

    /// A single-connection configuration for one server (the first by default); migrations and
    /// `LISTEN` use ``connect(logger:id:)``, which picks the fitting server.
    public func connectionConfiguration(endpoint: Endpoint? = nil) -> PostgresConnection.Configuration {
        let endpoint = endpoint ?? endpoints[0]
        var configuration = PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: username, password: password, database: database,
            tls: requireTLS ? .require(try! .init(configuration: .makeClientConfiguration())) : .disable
        )
        configuration.options.connectTimeout = .nanoseconds(connectTimeout.components.seconds * 1_000_000_000 + connectTimeout.components.attoseconds / 1_000_000_000)
        return configuration
    }
}
