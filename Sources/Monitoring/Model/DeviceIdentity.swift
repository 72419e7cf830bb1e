/// What a device is, as fingerprinting found it: vendor, operating system, model and version, and the
/// vendor profile whose collectors and OIDs apply to it.
public struct DeviceIdentity: Hashable, Sendable, Codable {
    /// The matching vendor profile's id (`routeros`, `huawei-smartax`, … or `generic`).
    public var profile: String
    /// The vendor's name as a NOC engineer writes it (`MikroTik`, `Huawei`, `ZTE`).
    public var vendor: String
    /// The operating system or product line (`RouterOS`, `VRP`, `ZXA10`).
    public var os: String
    /// The device kind, as in `devices.kind` (`router`, `switch`, `olt`, `access_point`, `server`, `other`).
    public var kind: String
    /// The model, extracted by the profile's patterns, when the device tells it.
    public var model: String?
    /// The software version, when the device tells it.
    public var version: String?
    /// The serial number, when the profile knows where to read it.
    public var serial: String?
    /// `sysObjectID.0` in dotted numeric form, without a leading dot.
    public var sysObjectID: String
    /// `sysDescr.0` as text.
    public var sysDescr: String
    /// The IANA enterprise number of sysObjectID (`1.3.6.1.4.1.<n>…`), when it has one.
    public var enterprise: Int?
    /// Why fingerprinting decided so: the profile rule that matched (or that none did) and where the
    /// vendor name came from. For operators; not stable text.
    public var reason: String?

    /// Creates an identity.
    public init(profile: String, vendor: String, os: String, kind: String, model: String? = nil,
                version: String? = nil, serial: String? = nil, sysObjectID: String, sysDescr: String,
                enterprise: Int? = nil, reason: String? = nil) {
        self.profile = profile
        self.vendor = vendor
        self.os = os
        self.kind = kind
        self.model = model
        self.version = version
        self.serial = serial
        self.sysObjectID = sysObjectID
        self.sysDescr = sysDescr
        self.enterprise = enterprise
        self.reason = reason
    }
}
