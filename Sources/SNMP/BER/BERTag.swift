/// BER identifier octets used by SNMP.
public enum BERTag {
    /// UNIVERSAL 2.
    public static let integer: UInt8 = 0x02
    /// UNIVERSAL 4.
    public static let octetString: UInt8 = 0x04
    /// UNIVERSAL 5.
    public static let null: UInt8 = 0x05
    /// UNIVERSAL 6.
    public static let oid: UInt8 = 0x06
    /// UNIVERSAL 16, constructed.
    public static let sequence: UInt8 = 0x30
    /// APPLICATION 0.
    public static let ipAddress: UInt8 = 0x40
    /// APPLICATION 1.
    public static let counter32: UInt8 = 0x41
    /// APPLICATION 2.
    public static let gauge32: UInt8 = 0x42
    /// APPLICATION 3.
    public static let timeTicks: UInt8 = 0x43
    /// APPLICATION 4.
    public static let opaque: UInt8 = 0x44
    /// APPLICATION 6.
    public static let counter64: UInt8 = 0x46
    /// CONTEXT 0, primitive.
    public static let noSuchObject: UInt8 = 0x80
    /// CONTEXT 1, primitive.
    public static let noSuchInstance: UInt8 = 0x81
    /// CONTEXT 2, primitive.
    public static let endOfMibView: UInt8 = 0x82
}
