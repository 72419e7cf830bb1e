/// A module of the platform that permissions are granted on.
public enum PermissionModule: String, CaseIterable, Codable, Sendable {
    case providers, pops, customers, devices, provisioning, monitoring, alerts, tools, reports, users, audit, settings
}

/// What a permission allows within its module.
public enum PermissionAction: String, CaseIterable, Codable, Sendable {
    /// See the module's data.
    case read
    /// Create, change and delete the module's data.
    case write
    /// Run actions with effects outside the database (reboots, scans, reports on demand).
    case execute
}

/// One entry of the permission catalog: a module × an action, written `module.action`.
public struct Permission: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The module the permission applies to.
    public let module: PermissionModule
    /// The action it allows.
    public let action: PermissionAction

    /// Creates a permission from its parts.
    public init(_ module: PermissionModule, _ action: PermissionAction) {
        self.module = module
        self.action = action
    }

    /// Parses `module.action`; `nil` when either part is unknown or the pair is not in the catalog.
    public init?(key: String) {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let module = PermissionModule(rawValue: String(parts[0])),
              let action = PermissionAction(rawValue: String(parts[1])) else { return nil }
        let permission = Permission(module, action)
        guard Permission.catalog.contains(permission) else { return nil }
        self = permission
    }

    /// The textual key, `module.action`, as stored in the database and sent to clients.
    public var key: String { "\(module.rawValue).\(action.rawValue)" }

    /// Same as ``key``.
    public var description: String { key }

    /// Orders by key.
    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.key < rhs.key }

    /// Encodes as its key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(key)
    }

    /// Decodes from a key, refusing anything outside the catalog.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let key = try container.decode(String.self)
        guard let permission = Permission(key: key) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown permission '\(key)'")
        }
        self = permission
    }

    /// The single permission catalog of the platform. The database table `permissions` is synchronised
    /// from this list by `octoisp migrate`.
    public static let catalog: [Permission] = {
        var all: [Permission] = []
        for module in PermissionModule.allCases {
            for action in PermissionAction.allCases where module.supports(action) {
                all.append(Permission(module, action))
            }
        }
        return all
    }()
}

extension PermissionModule {
    /// Whether the module has anything to execute; the rest only read and write.
    func supports(_ action: PermissionAction) -> Bool {
        switch (self, action) {
        case (_, .read), (_, .write): true
        case (.devices, .execute), (.provisioning, .execute), (.monitoring, .execute),
             (.tools, .execute), (.reports, .execute), (.alerts, .execute): true
        case (_, .execute): false
        }
    }
}

extension Set where Element == Permission {
    /// Every permission in the catalog.
    public static var all: Set<Permission> { Set(Permission.catalog) }

    /// All actions on the given modules.
    public static func every(_ modules: PermissionModule...) -> Set<Permission> {
        Set(Permission.catalog.filter { modules.contains($0.module) })
    }

    /// Read access to the given modules.
    public static func read(_ modules: PermissionModule...) -> Set<Permission> {
        Set(modules.map { Permission($0, .read) })
    }
}
