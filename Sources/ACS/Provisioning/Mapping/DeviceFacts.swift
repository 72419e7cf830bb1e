/// What a mapping is matched against: the identity a device reports in its Inform.
public struct DeviceFacts: Sendable, Hashable, Codable {
    /// Manufacturer.
    public var manufacturer: String
    /// OUI.
    public var oui: String
    /// ProductClass.
    public var productClass: String
    /// SoftwareVersion.
    public var firmware: String

    /// Creates facts.
    public init(manufacturer: String, oui: String, productClass: String, firmware: String) {
        self.manufacturer = manufacturer
        self.oui = oui
        self.productClass = productClass
        self.firmware = firmware
    }
}
