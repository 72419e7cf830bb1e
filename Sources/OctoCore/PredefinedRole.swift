/// The profiles every installation has. Providers may add their own roles beside them.
public enum PredefinedRole: String, CaseIterable, Codable, Sendable {
    /// Operates the platform across providers.
    case globalAdmin = "global_admin"
    /// Everything within one provider.
    case providerAdmin = "provider_admin"
    /// Network operations centre: monitors and acts on the network, no user administration.
    case noc
    /// Field technician: sees devices and customers, runs tools and device actions.
    case technician
    /// Read-only.
    case viewer

    /// The role's key as stored in `roles.key`.
    public var key: String { rawValue }

    /// The permissions the profile carries.
    public var permissions: Set<Permission> {
        switch self {
        case .globalAdmin:
            return .all
        case .providerAdmin:
            return Set.all.subtracting([Permission(.providers, .write)])
        case .noc:
            return Set.every(.pops, .customers, .devices, .provisioning, .monitoring, .alerts, .tools, .reports)
                .union(Set.read(.providers, .users, .audit, .settings))
        case .technician:
            return Set.read(.pops, .customers, .devices, .provisioning, .monitoring, .alerts, .reports)
                .union([Permission(.devices, .write), Permission(.devices, .execute),
                        Permission(.tools, .read), Permission(.tools, .execute)])
        case .viewer:
            return Set(Permission.catalog.filter {
                $0.action == .read && $0.module != .users && $0.module != .audit && $0.module != .settings
            })
        }
    }

    /// Display name in Brazilian Portuguese.
    public var namePtBR: String {
        switch self {
        case .globalAdmin: "Administrador Global"
        case .providerAdmin: "Administrador do Provedor"
        case .noc: "NOC"
        case .technician: "Técnico"
        case .viewer: "Visualizador"
        }
    }

    /// Display name in English.
    public var nameEn: String {
        switch self {
        case .globalAdmin: "Global Admin"
        case .providerAdmin: "Provider Admin"
        case .noc: "NOC"
        case .technician: "Technician"
        case .viewer: "Viewer"
        }
    }
}
