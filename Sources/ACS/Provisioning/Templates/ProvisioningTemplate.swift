import Foundation

/// A provider's provisioning template: which devices it is for and which of its immutable versions is current.
public struct ProvisioningTemplate: Codable, Sendable, Hashable {
    /// Glob patterns (`*`) on what devices report; an absent criterion matches every device.
    public struct Match: Codable, Sendable, Hashable {
        /// Manufacturer pattern.
        public var manufacturer: String?
        /// OUI pattern.
        public var oui: String?
        /// Product class pattern.
        public var productClass: String?
        /// Firmware (SoftwareVersion) pattern.
        public var firmware: String?

        /// Creates a match.
        public init(manufacturer: String? = nil, oui: String? = nil, productClass: String? = nil, firmware: String? = nil) {
            self.manufacturer = manufacturer
            self.oui = oui
            self.productClass = productClass
            self.firmware = firmware
        }

        /// Whether `facts` satisfy every criterion.
        public func matches(_ facts: DeviceFacts) -> Bool {
            func ok(_ pattern: String?, _ value: String) -> Bool { pattern.map { Glob.matches($0, value) } ?? true }
            return ok(manufacturer, facts.manufacturer) && ok(oui, facts.oui) && ok(productClass, facts.productClass) && ok(firmware, facts.firmware)
        }
    }

    /// Identifier.
    public var id: UUID
    /// Unique name within the provider.
    public var name: String
    /// Which devices.
    public var match: Match
    /// Only devices of this POP, when set.
    public var popId: UUID?
    /// Higher wins when several templates match a device.
    public var priority: Int
    /// The version devices are provisioned with.
    public var currentVersion: Int
    /// When it was archived (no longer matched).
    public var archivedAt: Date?
    /// Creation time.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date
}
