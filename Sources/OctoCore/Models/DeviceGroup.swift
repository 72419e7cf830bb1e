import Foundation

/// A named set of a provider's devices: chosen one by one (`static`) or every device matching a
/// filter (`dynamic`), so rollouts, reports and screens can act on "all Acme ONTs of POP Centro".
public struct DeviceGroup: Codable, Sendable, Hashable {
    /// How membership is decided.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Devices added and removed by hand.
        case `static`
        /// Every device matching ``DeviceGroup/filter``, evaluated when read.
        case dynamic
    }
    /// Identifier.
    public var id: UUID
    /// Owning provider.
    public var providerId: UUID
    /// Display name, unique per provider.
    public var name: String
    /// Free text.
    public var description: String?
    /// Static or dynamic.
    public var kind: Kind
    /// The membership rule of a dynamic group.
    public var filter: DeviceGroupFilter?
    /// How many devices are members now.
    public var deviceCount: Int
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date

    /// Creates a group value.
    public init(id: UUID, providerId: UUID, name: String, description: String?, kind: Kind, filter: DeviceGroupFilter?, deviceCount: Int,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.providerId = providerId
        self.name = name
        self.description = description
        self.kind = kind
        self.filter = filter
        self.deviceCount = deviceCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The rule of a dynamic group: every given field must match (at least one is required).
public struct DeviceGroupFilter: Codable, Sendable, Hashable {
    /// Vendor (exact, case-insensitive).
    public var vendor: String?
    /// Model (exact, case-insensitive).
    public var model: String?
    /// POP.
    public var popId: UUID?
    /// State.
    public var status: Device.Status?
    /// Kind.
    public var kind: Device.Kind?
    /// A tag the device carries.
    public var tag: String?

    /// Creates a filter.
    public init(vendor: String? = nil, model: String? = nil, popId: UUID? = nil, status: Device.Status? = nil, kind: Device.Kind? = nil,
                tag: String? = nil) {
        self.vendor = vendor
        self.model = model
        self.popId = popId
        self.status = status
        self.kind = kind
        self.tag = tag
    }

    /// Whether no field is set.
    public var isEmpty: Bool { vendor == nil && model == nil && popId == nil && status == nil && kind == nil && tag == nil }
}

/// Fields of a group for create (name required; kind `static` unless told; a dynamic group needs its
/// filter) and update (absent fields stay; `description: null` clears). The kind never changes.
public struct DeviceGroupInput: Codable, Sendable {
    /// Display name.
    public var name: String?
    /// Free text.
    public var description: Nullable<String>?
    /// Static or dynamic (create only).
    public var kind: DeviceGroup.Kind?
    /// The rule of a dynamic group.
    public var filter: DeviceGroupFilter?
    /// Initial members of a static group (create only).
    public var deviceIds: [UUID]?

    /// Creates the input.
    public init(name: String? = nil, description: Nullable<String>? = nil, kind: DeviceGroup.Kind? = nil, filter: DeviceGroupFilter? = nil,
                deviceIds: [UUID]? = nil) {
        self.name = name
        self.description = description
        self.kind = kind
        self.filter = filter
        self.deviceIds = deviceIds
    }
}

/// `POST /device-groups/{id}/members`: devices to add to and remove from a static group.
public struct DeviceGroupMembersInput: Codable, Sendable {
    /// Devices to add (already members are kept).
    public var add: [UUID]?
    /// Devices to remove (non-members are ignored).
    public var remove: [UUID]?

    /// Creates the input.
    public init(add: [UUID]? = nil, remove: [UUID]? = nil) {
        self.add = add
        self.remove = remove
    }
}

/// Device tags: short labels (`fiber`, `vip`, `bairro:centro`) set on a device and matched by
/// `GET /devices?tag=` and dynamic groups.
public enum DeviceTags {
    /// The most tags one device carries.
    public static let maximum = 32

    /// Checks and normalises tags (trimmed, deduplicated, sorted); 400 naming `tags` otherwise.
    public static func validate(_ tags: [String]) throws(OctoError) -> [String] {
        var out = Set<String>()
        for tag in tags {
            let trimmed = tag.trimmingCharacters(in: .whitespaces)
            guard (1...64).contains(trimmed.count), !trimmed.contains(where: { $0.isWhitespace || $0 == "," }) else {
                throw .invalid("tags", "a tag has 1 to 64 characters, without spaces or commas")
            }
            out.insert(trimmed)
        }
        guard out.count <= maximum else { throw .invalid("tags", "a device carries at most \(maximum) tags") }
        return out.sorted()
    }
}
