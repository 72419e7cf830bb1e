/// The SNMPv3 security level carried in msgFlags.
public enum SecurityLevel: String, Sendable, Hashable, CaseIterable {
    /// No authentication, no privacy.
    case noAuthNoPriv
    /// Authentication without privacy.
    case authNoPriv
    /// Authentication and privacy.
    case authPriv

    /// Parses net-snmp's names for `-l`, case-insensitively.
    public init?(name: String) {
        switch name.lowercased() {
        case "noauthnopriv", "noauth", "1": self = .noAuthNoPriv
        case "authnopriv", "auth", "2": self = .authNoPriv
        case "authpriv", "priv", "3": self = .authPriv
        default: return nil
        }
    }
}
