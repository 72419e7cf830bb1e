import Foundation

/// A managed network element: CPE, ONT, router, switch, OLT…
public struct Device: Codable, Sendable, Hashable {
    /// What kind of equipment it is.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case cpe, ont, router, `switch`, olt, accessPoint = "access_point", server, other
    }
    /// Management state.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Registered by itself (CWMP Inform, discovery) and not yet assigned or seen by a poller.
        case pending
        case online, offline, disabled
    }
    /// Identifier.
    public var id: UUID
    /// Owning provider.
    public var providerId: UUID
    /// POP it hangs from.
    public var popId: UUID?
    /// Customer it serves (CPE/ONT).
    public var customerId: UUID?
    /// Display name.
    public var name: String
    /// Kind.
    public var kind: Kind
    /// Manufacturer.
    public var vendor: String?
    /// Model name.
    public var model: String?
    /// Serial number.
    public var serialNumber: String?
    /// IEEE OUI (six hex digits).
    public var oui: String?
    /// TR-069 ProductClass.
    public var productClass: String?
    /// Software version.
    public var firmware: String?
    /// Hardware version.
    public var hardwareVersion: String?
    /// MAC address.
    public var mac: String?
    /// Management address.
    public var managementIp: String?
    /// State.
    public var status: Status
    /// Last contact.
    public var lastSeenAt: Date?
    /// Free text.
    public var notes: String?
    /// Labels (``DeviceTags``), sorted.
    public var tags: [String]
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date

    /// Creates a device value.
    public init(id: UUID, providerId: UUID, popId: UUID?, customerId: UUID?, name: String, kind: Kind, vendor: String?, model: String?, serialNumber: String?, oui: String?, productClass: String?, firmware: String?, hardwareVersion: String?, mac: String?, managementIp: String?, status: Status, lastSeenAt: Date?, notes: String?, tags: [String] = [], createdAt: Date, updatedAt: Date) {
        self.tags = tags
        self.id = id
        self.providerId = providerId
        self.popId = popId
        self.customerId = customerId
        self.name = name
        self.kind = kind
        self.vendor = vendor
        self.model = model
        self.serialNumber = serialNumber
        self.oui = oui
        self.productClass = productClass
        self.firmware = firmware
        self.hardwareVersion = hardwareVersion
        self.mac = mac
        self.managementIp = managementIp
        self.status = status
        self.lastSeenAt = lastSeenAt
        self.notes = notes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Fields of a device for create (name required) and update (absent fields stay; `null` clears the
/// POP or customer).
public struct DeviceInput: Codable, Sendable {
    /// Display name.
    public var name: String?
    /// Kind.
    public var kind: Device.Kind?
    /// POP.
    public var popId: Nullable<UUID>?
    /// Customer.
    public var customerId: Nullable<UUID>?
    /// Manufacturer.
    public var vendor: Nullable<String>?
    /// Model.
    public var model: Nullable<String>?
    /// Serial number.
    public var serialNumber: Nullable<String>?
    /// OUI.
    public var oui: Nullable<String>?
    /// ProductClass.
    public var productClass: Nullable<String>?
    /// Software version.
    public var firmware: Nullable<String>?
    /// Hardware version.
    public var hardwareVersion: Nullable<String>?
    /// MAC address.
    public var mac: Nullable<String>?
    /// Management IP address.
    public var managementIp: Nullable<String>?
    /// State.
    public var status: Device.Status?
    /// Free text.
    public var notes: Nullable<String>?
    /// Tags (replace the list; `[]` removes them all).
    public var tags: [String]?

    /// Creates the input; absent fields stay unchanged on update.
    public init(name: String? = nil, kind: Device.Kind? = nil, popId: Nullable<UUID>? = nil, customerId: Nullable<UUID>? = nil, vendor: String? = nil, model: String? = nil, serialNumber: String? = nil, oui: String? = nil, productClass: String? = nil, firmware: String? = nil, hardwareVersion: String? = nil, mac: String? = nil, managementIp: String? = nil, status: Device.Status? = nil, notes: String? = nil, tags: [String]? = nil) {
        self.tags = tags
        self.name = name
        self.kind = kind
        self.popId = popId
        self.customerId = customerId
        self.vendor = vendor.map(Nullable.value)
        self.model = model.map(Nullable.value)
        self.serialNumber = serialNumber.map(Nullable.value)
        self.oui = oui.map(Nullable.value)
        self.productClass = productClass.map(Nullable.value)
        self.firmware = firmware.map(Nullable.value)
        self.hardwareVersion = hardwareVersion.map(Nullable.value)
        self.mac = mac.map(Nullable.value)
        self.managementIp = managementIp.map(Nullable.value)
        self.status = status
        self.notes = notes.map(Nullable.value)
    }
}

/// Filters of a device list.
public struct DeviceFilter: Sendable, Hashable {
    /// Text search over name, serial, MAC, IP, vendor and model.
    public var query: String?
    /// Only this state.
    public var status: Device.Status?
    /// Only this kind.
    public var kind: Device.Kind?
    /// Only this vendor (exact, case-insensitive).
    public var vendor: String?
    /// Only devices under this POP.
    public var popId: UUID?
    /// Only devices of this customer.
    public var customerId: UUID?
    /// Only members of this group (static members, or the devices its filter matches).
    public var groupId: UUID?
    /// Only this model (exact, case-insensitive).
    public var model: String?
    /// Only devices carrying this tag.
    public var tag: String?
    /// Order (``DeviceFilter/sortKeys``); by name when `nil`.
    public var sort: ListSort?

    /// The keys `sort=` accepts on device lists.
    public static let sortKeys = ["name", "status", "kind", "vendor", "model", "last_seen_at", "created_at", "updated_at"]

    /// Creates a filter; all fields optional.
    public init(query: String? = nil, status: Device.Status? = nil, kind: Device.Kind? = nil, vendor: String? = nil, popId: UUID? = nil, customerId: UUID? = nil, groupId: UUID? = nil, sort: ListSort? = nil, model: String? = nil, tag: String? = nil) {
        self.sort = sort
        self.model = model
        self.tag = tag
        self.query = query
        self.status = status
        self.kind = kind
        self.vendor = vendor
        self.popId = popId
        self.customerId = customerId
        self.groupId = groupId
    }
}
