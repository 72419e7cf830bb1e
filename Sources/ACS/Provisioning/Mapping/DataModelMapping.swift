/// One mapping file (`Provisioning/Mappings/*.json`): abstract fields → parameter paths of one data model.
/// A base file names its `root`; an override `extends` a base and applies to the devices its `match`
/// selects, replacing band instances and whole field entries, and declaring fields `unsupported`.
public struct DataModelMapping: Sendable, Hashable, Decodable {
    /// One parameter an abstract field is written to.
    public struct Entry: Sendable, Hashable, Decodable {
        /// Path below the root; `{name}` is replaced by the band's instance, `*` by the first instance present.
        public var path: String
        /// The xsd type sent.
        public var type: String
        /// `not` (boolean negation), `is_auto` (channel auto → true), `channel_number` (skipped when auto).
        public var transform: Transform?
        /// Abstract value → device value, or several device values in order of preference (the first
        /// one the device lists in `allowed_by` is sent); a value not listed skips this entry.
        public var values: [String: [String]]?
        /// When the path is absent from a device's tree, the field is skipped and reported instead of failing.
        public var optional: Bool?
        /// A path (below the root, with the same placeholders) whose comma-separated value lists what the
        /// device accepts here (`WiFi.AccessPoint.{ap}.Security.ModesSupported`); a value it does not
        /// list is refused, naming the field. Ignored when the device does not report the list.
        public var allowedBy: String?

        enum CodingKeys: String, CodingKey {
            case path, type, transform, values, optional, allowedBy = "allowed_by"
        }

        /// Creates an entry.
        public init(path: String, type: String, transform: Transform? = nil, values: [String: [String]]? = nil, optional: Bool? = nil,
                    allowedBy: String? = nil) {
            self.path = path
            self.type = type
            self.transform = transform
            self.values = values
            self.optional = optional
            self.allowedBy = allowedBy
        }

        /// Decodes an entry; each `values` item is a device value or a list of them.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            type = try container.decode(String.self, forKey: .type)
            transform = try container.decodeIfPresent(Transform.self, forKey: .transform)
            optional = try container.decodeIfPresent(Bool.self, forKey: .optional)
            allowedBy = try container.decodeIfPresent(String.self, forKey: .allowedBy)
            if let raw = try container.decodeIfPresent([String: OneOrMany].self, forKey: .values) {
                values = raw.mapValues(\.items)
            }
        }

        /// A string or a list of strings.
        struct OneOrMany: Decodable {
            var items: [String]
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let one = try? container.decode(String.self) { items = [one] } else { items = try container.decode([String].self) }
            }
        }
    }

    /// What a model needs that its tree cannot tell (Flashman-style model flags).
    public struct Flags: Sendable, Hashable, Decodable {
        /// The model applies Wi-Fi changes only after a reboot: the apply queues one after them.
        public var rebootAfterWifiChange: Bool?
        /// Bands whose settings the model refuses to take over TR-069 (`["5GHz"]`): their fields are skipped.
        public var readOnlyBands: [String]?

        enum CodingKeys: String, CodingKey {
            case rebootAfterWifiChange = "reboot_after_wifi_change", readOnlyBands = "read_only_bands"
        }

        /// Creates flags.
        public init(rebootAfterWifiChange: Bool? = nil, readOnlyBands: [String]? = nil) {
            self.rebootAfterWifiChange = rebootAfterWifiChange
            self.readOnlyBands = readOnlyBands
        }
    }

    /// Value transforms.
    public enum Transform: String, Sendable, Hashable, Decodable {
        /// Boolean negation (`hidden` → `SSIDAdvertisementEnabled`).
        case not
        /// `auto` → `true`, a channel number → `false`.
        case isAuto = "is_auto"
        /// The channel number; the entry is skipped when the channel is `auto`.
        case channelNumber = "channel_number"
    }

    /// Which devices an override applies to; every listed criterion must match one of its glob patterns (`*`).
    public struct Match: Sendable, Hashable, Decodable {
        /// Manufacturer patterns.
        public var manufacturer: [String]?
        /// OUI patterns.
        public var oui: [String]?
        /// Product class patterns.
        public var productClass: [String]?
        /// Software version patterns.
        public var firmware: [String]?

        enum CodingKeys: String, CodingKey {
            case manufacturer, oui, productClass = "product_class", firmware
        }

        /// Creates a match; a nil criterion matches every device.
        public init(manufacturer: [String]? = nil, oui: [String]? = nil, productClass: [String]? = nil, firmware: [String]? = nil) {
            self.manufacturer = manufacturer
            self.oui = oui
            self.productClass = productClass
            self.firmware = firmware
        }
    }

    /// Identifier (the file name without `.json`).
    public var id: String
    /// Version of the file; part of every resolution's provenance.
    public var version: Int
    /// What the file is for.
    public var description: String?
    /// `InternetGatewayDevice.` or `Device.` (base files).
    public var root: String?
    /// The base this override extends.
    public var extends: String?
    /// Overrides apply in ascending priority; a later one wins.
    public var priority: Int?
    /// Which devices an override applies to.
    public var match: Match?
    /// Band → instance variables, only for models whose tree cannot tell (base files have none: bands
    /// are detected, see ``DeviceCapabilities``); `null` means the device has no such band. Wins over detection.
    public var bands: [String: [String: String]?]?
    /// Abstract field → entries.
    public var fields: [String: [Entry]]?
    /// Fields this data model (or device) cannot set.
    public var unsupported: [String]?
    /// Model flags.
    public var flags: Flags?

    enum CodingKeys: String, CodingKey {
        case id, version, description, root, extends, priority, match, bands, fields, unsupported, flags
    }

    /// Creates a mapping (mapping files are normally decoded).
    public init(id: String, version: Int, description: String? = nil, root: String? = nil, extends: String? = nil, priority: Int? = nil,
                match: Match? = nil, bands: [String: [String: String]?]? = nil, fields: [String: [Entry]]? = nil, unsupported: [String]? = nil,
                flags: Flags? = nil) {
        self.id = id
        self.version = version
        self.description = description
        self.root = root
        self.extends = extends
        self.priority = priority
        self.match = match
        self.bands = bands
        self.fields = fields
        self.unsupported = unsupported
        self.flags = flags
    }
}

extension DataModelMapping.Match {
    /// Whether `facts` satisfy every criterion.
    public func matches(_ facts: DeviceFacts) -> Bool {
        func any(_ patterns: [String]?, _ value: String) -> Bool {
            guard let patterns else { return true }
            return patterns.contains { Glob.matches($0, value) }
        }
        return any(manufacturer, facts.manufacturer) && any(oui, facts.oui) && any(productClass, facts.productClass)
            && any(firmware, facts.firmware)
    }
}
