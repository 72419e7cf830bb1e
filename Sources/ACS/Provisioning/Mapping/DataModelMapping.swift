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
        /// Abstract value → device value; a value not listed skips this entry.
        public var values: [String: String]?
        /// When the path is absent from a device's tree, the field is skipped and reported instead of failing.
        public var optional: Bool?
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
    /// Band → instance variables; `null` means the device has no such band.
    public var bands: [String: [String: String]?]?
    /// Abstract field → entries.
    public var fields: [String: [Entry]]?
    /// Fields this data model (or device) cannot set.
    public var unsupported: [String]?

    /// Creates a mapping (mapping files are normally decoded).
    public init(id: String, version: Int, description: String? = nil, root: String? = nil, extends: String? = nil, priority: Int? = nil,
                match: Match? = nil, bands: [String: [String: String]?]? = nil, fields: [String: [Entry]]? = nil, unsupported: [String]? = nil) {
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
