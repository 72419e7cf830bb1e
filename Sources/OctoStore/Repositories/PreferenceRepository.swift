import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// The signed-in person's own dashboard preferences.
    public var preferences: PreferenceRepository { PreferenceRepository(tx: self) }
}

/// A person's dashboard preferences (`GET /me/preferences`): defaults until the first change.
public struct UserPreferences: Codable, Sendable, Hashable {
    /// Colour scheme; `system` follows the operating system.
    public enum Theme: String, Codable, Sendable, CaseIterable { case light, dark, system }
    /// Spacing of lists and forms.
    public enum Density: String, Codable, Sendable, CaseIterable { case comfortable, compact }

    public var theme: Theme
    /// Interface language (the user's `locale`, which e-mails follow too).
    public var locale: User.Locale
    public var density: Density
    /// IANA zone the dashboard formats dates in; `nil`: the dashboard's default (America/Sao_Paulo).
    public var timeZone: String?
    /// The POP a POP filter starts with.
    public var defaultPopId: UUID?
    /// Per help module, the ids of the set-up steps the person ticked.
    public var helpProgress: [String: [String]]
    /// Last change; `nil` while the defaults apply.
    public var updatedAt: Date?

    /// Every field, unset ones as `null` (the dashboard reads "no zone" and "no POP" from them).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(theme, forKey: .theme)
        try container.encode(locale, forKey: .locale)
        try container.encode(density, forKey: .density)
        try container.encode(timeZone, forKey: .timeZone)
        try container.encode(defaultPopId, forKey: .defaultPopId)
        try container.encode(helpProgress, forKey: .helpProgress)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// The body of `PATCH /me/preferences`: absent fields stay; `null` clears `time_zone` or
/// `default_pop_id`; each module named in `help_progress` gets exactly the steps listed (an empty
/// list clears it), other modules stay.
public struct UserPreferencesInput: Codable, Sendable {
    public var theme: UserPreferences.Theme?
    public var locale: User.Locale?
    public var density: UserPreferences.Density?
    public var timeZone: Nullable<String>?
    public var defaultPopId: Nullable<UUID>?
    public var helpProgress: [String: [String]]?

    public init(theme: UserPreferences.Theme? = nil, locale: User.Locale? = nil, density: UserPreferences.Density? = nil,
                timeZone: Nullable<String>? = nil, defaultPopId: Nullable<UUID>? = nil, helpProgress: [String: [String]]? = nil) {
        self.theme = theme
        self.locale = locale
        self.density = density
        self.timeZone = timeZone
        self.defaultPopId = defaultPopId
        self.helpProgress = helpProgress
    }

    /// Help modules a person may keep progress for.
    public static let maxModules = 32
    /// Ticked steps per module.
    public static let maxSteps = 32
    /// Module and step ids: lower case letters, digits and hyphens.
    static func isIdentifier(_ text: String, max: Int) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first), text.unicodeScalars.count <= max else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// Whether `name` is an Area/Location zone of the zone database, or `UTC` (not an abbreviation such
    /// as `EST` or an offset such as `GMT+3`, which browsers do not all accept). Backward links such as
    /// `Asia/Calcutta`, which browsers still list, are zones too.
    public static func isZone(_ name: String) -> Bool {
        guard name.count <= 64, name == "UTC" || name.contains("/") else { return false }
        return TimeZone(identifier: name) != nil
    }

    /// Checks what needs no database; 400 naming the field.
    public func validate() throws(OctoError) {
        if case .value(let zone) = timeZone, !Self.isZone(zone) {
            throw .invalid("time_zone", "time_zone must be an IANA time zone name such as America/Sao_Paulo")
        }
        if let helpProgress {
            guard helpProgress.count <= Self.maxModules else {
                throw .invalid("help_progress", "help_progress holds at most \(Self.maxModules) modules")
            }
            for (module, steps) in helpProgress.sorted(by: { $0.key < $1.key }) {
                guard Self.isIdentifier(module, max: 32) else {
                    throw .invalid("help_progress", "help module ids are lower case letters, digits and hyphens (at most 32)")
                }
                guard steps.count <= Self.maxSteps else {
                    throw .invalid("help_progress.\(module)", "a help module holds at most \(Self.maxSteps) ticked steps")
                }
                for step in steps where !Self.isIdentifier(step, max: 64) {
                    throw .invalid("help_progress.\(module)", "step ids are lower case letters, digits and hyphens (at most 64)")
                }
            }
        }
    }
}

/// The preferences of one user, read and written in the transaction that reaches the user's row: the
/// provider's for a provider's user, the global path for a Global Admin.
public struct PreferenceRepository: Sendable {
    let tx: Transaction

    /// The user's preferences, or the defaults (with the user's locale) before the first change.
    public func get(user: UUID) async throws -> UserPreferences {
        let rows = try await tx.query("""
            SELECT u.locale, p.theme, p.density, p.time_zone, p.default_pop_id, p.help_progress::text AS help, p.updated_at
            FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id
            WHERE u.id = \(user)
            """)
        for try await row in rows {
            let random = row.makeRandomAccess()
            let help: String? = try random.get("help")
            let progress = try help.map { try JSONDecoder().decode([String: [String]].self, from: Data($0.utf8)) } ?? [:]
            return UserPreferences(
                theme: UserPreferences.Theme(rawValue: try random.get("theme", as: String?.self) ?? "") ?? .system,
                locale: User.Locale(rawValue: try random.get("locale")) ?? .ptBR,
                density: UserPreferences.Density(rawValue: try random.get("density", as: String?.self) ?? "") ?? .comfortable,
                timeZone: try random.get("time_zone"), defaultPopId: try random.get("default_pop_id"),
                helpProgress: progress, updatedAt: try random.get("updated_at"))
        }
        throw OctoError.notFound("user")
    }

    /// Applies `input` to the user's preferences and returns them; bad input changes nothing.
    public func update(user: UUID, _ input: UserPreferencesInput) async throws -> UserPreferences {
        try input.validate()
        var current = try await get(user: user)
        if case .value(let pop) = input.defaultPopId {
            // RLS leaves a provider's user only the provider's POPs.
            let visible = try await tx.query("SELECT 1 FROM pops WHERE id = \(pop)").first { _ in true } ?? false
            guard visible else { throw OctoError.invalid("default_pop_id", "default_pop_id must be a POP you can see") }
        }
        if let theme = input.theme { current.theme = theme }
        if let density = input.density { current.density = density }
        if let zone = input.timeZone { current.timeZone = zone.wrapped }
        if let pop = input.defaultPopId { current.defaultPopId = pop.wrapped }
        for (module, steps) in input.helpProgress ?? [:] {
            var seen = Set<String>()
            let unique = steps.filter { seen.insert($0).inserted }
            current.helpProgress[module] = unique.isEmpty ? nil : unique
        }
        if let locale = input.locale, locale != current.locale {
            try await tx.query("UPDATE users SET locale = \(locale.rawValue) WHERE id = \(user)")
            current.locale = locale
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let help = String(decoding: try encoder.encode(current.helpProgress), as: UTF8.self)
        let now = tx.clock.now
        try await tx.query("""
            INSERT INTO user_preferences (user_id, provider_id, theme, density, time_zone, default_pop_id, help_progress, updated_at)
            VALUES (\(user), \(tx.providerID), \(current.theme.rawValue), \(current.density.rawValue), \(current.timeZone),
                    \(current.defaultPopId), \(help)::jsonb, \(now))
            ON CONFLICT (user_id) DO UPDATE SET theme = EXCLUDED.theme, density = EXCLUDED.density, time_zone = EXCLUDED.time_zone,
                default_pop_id = EXCLUDED.default_pop_id, help_progress = EXCLUDED.help_progress, updated_at = EXCLUDED.updated_at
            """)
        current.updatedAt = now
        return current
    }
}
