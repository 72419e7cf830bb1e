/// USM privacy protocols: CBC-DES (RFC 3414), CFB128-AES-128 (RFC 3826) and the AES-192/256
/// variants net-snmp offers, with either key-extension scheme.
public enum PrivProtocol: String, Sendable, Hashable, CaseIterable {
    /// usmDESPrivProtocol.
    case des = "DES"
    /// usmAesCfb128Protocol.
    case aes128 = "AES"
    /// AES-192, key extended per draft-blumenthal-aes-usm-04 (net-snmp `AES-192`).
    case aes192 = "AES-192"
    /// AES-256, key extended per draft-blumenthal-aes-usm-04 (net-snmp `AES-256`).
    case aes256 = "AES-256"
    /// AES-192, key extended per draft-reeder-snmpv3-usm-3desede (net-snmp `AES-192-C`).
    case aes192C = "AES-192-C"
    /// AES-256, key extended per draft-reeder-snmpv3-usm-3desede (net-snmp `AES-256-C`).
    case aes256C = "AES-256-C"

    /// Parses a net-snmp style name (`DES`, `AES`, `AES-128`, `AES-256`, `AES256C`, …), case-insensitively.
    public init?(name: String) {
        switch String(name.uppercased().filter { $0 != "-" }) {
        case "DES": self = .des
        case "AES", "AES128": self = .aes128
        case "AES192": self = .aes192
        case "AES256": self = .aes256
        case "AES192C": self = .aes192C
        case "AES256C": self = .aes256C
        default: return nil
        }
    }

    /// Length of the cipher key in octets.
    public var keyLength: Int {
        switch self {
        case .des: return 8
        case .aes128: return 16
        case .aes192, .aes192C: return 24
        case .aes256, .aes256C: return 32
        }
    }

    /// How much localized key material the protocol consumes (DES also takes its pre-IV from it).
    public var keyMaterialLength: Int {
        self == .des ? 16 : keyLength
    }

    /// Whether the key is extended with the Reeder scheme rather than Blumenthal's.
    public var usesReederKeyExtension: Bool {
        self == .aes192C || self == .aes256C
    }

    /// Derives the localized privacy key from the privacy password's Ku, extending it when the
    /// authentication hash is shorter than the cipher needs.
    public func localizedKey(ku: [UInt8], auth: AuthProtocol, engineID: [UInt8]) -> [UInt8] {
        var kul = auth.localize(key: ku, engineID: engineID)
        let need = keyMaterialLength
        if kul.count < need && self != .des {
            if usesReederKeyExtension {
                while kul.count < need {
                    let nextKu = auth.passwordToKey(kul)
                    let nextKul = auth.localize(key: nextKu, engineID: engineID)
                    kul += nextKul.prefix(need - kul.count)
                }
            } else {
                while kul.count < need {
                    let digest = auth.hash(kul)
                    kul += digest.prefix(need - kul.count)
                }
            }
        }
        return Array(kul.prefix(need))
    }
}
