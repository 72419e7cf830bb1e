import Foundation

/// The power window an optical reading must fall in, per scope. The defaults are GPON class B+
/// (ITU-T G.984.2): an ONU receives between −27 and −8 dBm; an OLT PON port transmits 1.5 to 5 dBm
/// and receives between −28 and −8 dBm.
public struct OpticalThresholds: Sendable, Hashable, Codable {
    /// Lowest acceptable received power.
    public var rxMin: Double
    /// Highest acceptable received power.
    public var rxMax: Double

    /// Creates a window.
    public init(rxMin: Double, rxMax: Double) {
        self.rxMin = rxMin
        self.rxMax = rxMax
    }

    /// ONUs.
    public static let onu = OpticalThresholds(rxMin: -27, rxMax: -8)
    /// OLT PON ports.
    public static let oltPort = OpticalThresholds(rxMin: -28, rxMax: -8)
}
