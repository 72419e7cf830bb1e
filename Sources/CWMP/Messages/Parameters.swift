/// A ParameterValueStruct: a full parameter name, its value as text and its xsd type.
public struct ParameterValue: Sendable, Hashable {
    /// Full parameter name, e.g. `Device.DeviceInfo.SoftwareVersion`.
    public var name: String
    /// The value as sent on the wire (may be empty).
    public var value: String
    /// The xsd type, e.g. `xsd:string`; `xsd:string` when the device sends none.
    public var type: String

    /// Creates a parameter value.
    public init(name: String, value: String, type: String = "xsd:string") {
        self.name = name
        self.value = value
        self.type = type
    }
}

/// A ParameterInfoStruct: a name (objects end in `.`) and whether it is writable.
public struct ParameterInfo: Sendable, Hashable {
    /// Full name; objects end with a dot.
    public var name: String
    /// Whether the CPE allows writing it.
    public var writable: Bool

    /// Creates a parameter info.
    public init(name: String, writable: Bool) {
        self.name = name
        self.writable = writable
    }

    /// Whether this names an object rather than a leaf parameter.
    public var isObject: Bool { name.hasSuffix(".") }
}

/// A ParameterAttributeStruct.
public struct ParameterAttribute: Sendable, Hashable {
    /// Full name.
    public var name: String
    /// 0 off, 1 passive, 2 active notification.
    public var notification: Int
    /// Entities allowed to write it besides the ACS (e.g. `Subscriber`).
    public var accessList: [String]

    /// Creates an attribute.
    public init(name: String, notification: Int, accessList: [String] = []) {
        self.name = name
        self.notification = notification
        self.accessList = accessList
    }
}

/// A SetParameterAttributesStruct.
public struct SetParameterAttribute: Sendable, Hashable {
    /// Full name (or partial path ending in a dot).
    public var name: String
    /// Whether ``notification`` is to be applied.
    public var notificationChange: Bool
    /// New notification setting.
    public var notification: Int
    /// Whether ``accessList`` is to be applied.
    public var accessListChange: Bool
    /// New access list.
    public var accessList: [String]

    /// Creates an attribute change.
    public init(name: String, notificationChange: Bool, notification: Int, accessListChange: Bool = false, accessList: [String] = []) {
        self.name = name
        self.notificationChange = notificationChange
        self.notification = notification
        self.accessListChange = accessListChange
        self.accessList = accessList
    }
}
