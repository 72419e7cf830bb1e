import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The cached TR-069 parameter tree of the provider's devices and its change history, as the API shows them.
    public var deviceParameters: DeviceParameterRepository { DeviceParameterRepository(tx: self) }
}

/// One node of a device's cached parameter tree. Secret values (``SecretParameters``) read masked.
public struct DeviceParameter: Codable, Sendable, Hashable {
    /// Full path (`Device.WiFi.SSID.1.SSID`; objects end with a dot).
    public var name: String
    /// The value the CPE last reported (`nil` for objects and not yet read values).
    public var value: String?
    /// The xsd type (`xsd:string`, `xsd:unsignedInt`…), when known.
    public var type: String?
    /// Whether the CPE reports it writable, when known.
    public var writable: Bool?
    /// Whether this is an object (a branch) rather than a parameter.
    public var object: Bool
    /// When the cache last changed it.
    public var updatedAt: Date
}

/// A change of a cached value (not the first discovery). Secret values read masked.
public struct DeviceParameterChange: Codable, Sendable, Hashable {
    /// Full path.
    public var name: String
    /// The value before.
    public var oldValue: String?
    /// The value after.
    public var newValue: String?
    /// When the change was seen.
    public var changedAt: Date
}

/// Filters of a parameter listing.
public struct DeviceParameterFilter: Sendable, Hashable {
    /// Only paths starting with this (`Device.WiFi.`).
    public var prefix: String?
    /// Only paths containing this text, case-insensitively (`ssid`).
    public var query: String?
    /// Only writable (or read-only) parameters.
    public var writable: Bool?

    /// Creates a filter.
    public init(prefix: String? = nil, query: String? = nil, writable: Bool? = nil) {
        self.prefix = prefix
        self.query = query
        self.writable = writable
    }
}

/// Reads of the parameter cache (`device_parameters`) and its history (`device_parameter_changes`),
/// under the tenant policy. The ACS writes both (``CWMPRepository``).
public struct DeviceParameterRepository: Sendable {
    let tx: Transaction

    static func masked(_ name: String, _ value: String?) -> String? {
        guard let value, !value.isEmpty, SecretParameters.isSecret(name) else { return value }
        return SecretParameters.mask
    }

    static func likePattern(_ text: String) -> String {
        var out = "%"
        for character in text.lowercased() {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "%"
    }

    /// A page of the device's tree in path order. The device must exist for the tenant (404 otherwise).
    public func list(device: UUID, _ filter: DeviceParameterFilter, page: PageRequest) async throws -> Page<DeviceParameter> {
        _ = try await tx.devices.get(device)
        let pattern = filter.query.flatMap { $0.isEmpty ? nil : Self.likePattern($0) }
        let condition: PostgresQuery = """
            device_id = \(device)
            AND (\(filter.prefix)::text IS NULL OR starts_with(path, \(filter.prefix)))
            AND (\(pattern)::text IS NULL OR lower(path) LIKE \(pattern))
            AND (\(filter.writable)::boolean IS NULL OR writable = \(filter.writable))
            """
        let items = try await tx.query(PostgresQuery(unsafeSQL: """
            SELECT path, value, type, writable, is_object, updated_at FROM device_parameters
            WHERE \(condition.sql) ORDER BY path LIMIT \(page.limit) OFFSET \(page.offset)
            """, binds: condition.binds)).acsRows { row in
                let name: String = try row.acsColumn("path")
                return DeviceParameter(name: name, value: Self.masked(name, try row.acsColumn("value")), type: try row.acsColumn("type"),
                                       writable: try row.acsColumn("writable"), object: try row.acsColumn("is_object"),
                                       updatedAt: try row.acsColumn("updated_at"))
            }
        let total = try await tx.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 AS n FROM device_parameters WHERE \(condition.sql)",
                                                     binds: condition.binds)).acsFirst { try $0.acsColumn("n", as: Int64.self) } ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }

    /// A page of the device's value changes, newest first: of one parameter (`name`) or of a branch (`prefix`).
    public func history(device: UUID, name: String?, prefix: String?, page: PageRequest) async throws -> Page<DeviceParameterChange> {
        _ = try await tx.devices.get(device)
        let condition: PostgresQuery = """
            device_id = \(device)
            AND (\(name)::text IS NULL OR path = \(name))
            AND (\(prefix)::text IS NULL OR starts_with(path, \(prefix)))
            """
        let items = try await tx.query(PostgresQuery(unsafeSQL: """
            SELECT path, old_value, new_value, changed_at FROM device_parameter_changes
            WHERE \(condition.sql) ORDER BY changed_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """, binds: condition.binds)).acsRows { row in
                let name: String = try row.acsColumn("path")
                return DeviceParameterChange(name: name, oldValue: Self.masked(name, try row.acsColumn("old_value")),
                                             newValue: Self.masked(name, try row.acsColumn("new_value")), changedAt: try row.acsColumn("changed_at"))
            }
        let total = try await tx.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 AS n FROM device_parameter_changes WHERE \(condition.sql)",
                                                     binds: condition.binds)).acsFirst { try $0.acsColumn("n", as: Int64.self) } ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }
}
