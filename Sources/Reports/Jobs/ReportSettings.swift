import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's report settings: time zone and logo (RLS: the provider's own row, audited).
    public var reportSettings: ReportSettingsRepository { ReportSettingsRepository(tx: self) }
}

/// What the reports take from the provider: the time zone periods and schedules are computed in, and
/// the logo on the PDF cover.
public struct ReportSettings: Codable, Sendable, Hashable {
    /// The logo as stored (its bytes are served by their own route).
    public struct Logo: Codable, Sendable, Hashable {
        /// Size in bytes.
        public var bytes: Int
        /// Pixels, from the PNG header.
        public var width: Int
        /// Pixels, from the PNG header.
        public var height: Int
        /// Hex SHA-256 of the file (cache key for the dashboard).
        public var sha256: String
    }

    /// IANA time zone (`America/Sao_Paulo` unless set).
    public var timeZone: String
    /// The logo, when one is set.
    public var logo: Logo?
}

/// A change of the report settings (`PATCH /report-settings`).
public struct ReportSettingsInput: Codable, Sendable, Hashable {
    /// IANA time zone from the system's tz database.
    public var timeZone: String?

    /// Creates an input.
    public init(timeZone: String? = nil) {
        self.timeZone = timeZone
    }
}

/// Reads and changes the provider's report settings.
public struct ReportSettingsRepository: Sendable {
    let tx: Transaction

    /// The largest logo accepted, in bytes (the cover shows it a few centimetres wide).
    public static let maximumLogoBytes = 512 * 1024

    /// The directory of the system's tz database (`TZDIR` or `/usr/share/zoneinfo`).
    static var zoneDirectory: String { ProcessInfo.processInfo.environment["TZDIR"] ?? "/usr/share/zoneinfo" }

    /// Whether `name` is a zone of the system's tz database that Foundation computes with: an
    /// `Area/Location` style name (or `UTC`), a TZif file under the zone directory, and known to `TimeZone`.
    public static func isKnownTimeZone(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), !name.hasPrefix("/"), !name.hasPrefix("posix/"), !name.hasPrefix("right/"),
              name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy({ part in
                  !part.isEmpty && part != "." && part != ".." && part.utf8.allSatisfy { byte in
                      (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                          || byte == 0x5F || byte == 0x2D || byte == 0x2B
                  }
              }) else { return false }
        guard let handle = FileHandle(forReadingAtPath: "\(zoneDirectory)/\(name)") else { return false }
        defer { try? handle.close() }
        guard let magic = try? handle.read(upToCount: 4), Array(magic) == Array("TZif".utf8) else { return false }
        return TimeZone(identifier: name) != nil
    }

    /// Whether `bytes` is a whole PNG file: the signature, an IHDR chunk first and the IEND chunk last.
    public static func isPNG(_ bytes: [UInt8]) -> Bool {
        let end: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        return bytes.count >= 45 && pngSize(bytes) != nil && Array(bytes.suffix(12)) == end
    }

    /// Width and height of a PNG from its signature and IHDR chunk; `nil` when `bytes` does not start as a PNG.
    public static func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 33, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        func uint32(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        let width = uint32(16), height = uint32(20)
        guard uint32(8) == 13, width > 0, height > 0, width <= 10_000, height <= 10_000 else { return nil }
        return (width, height)
    }

    /// The settings (the logo described by PostgreSQL: size, hash and the PNG header, not its bytes).
    public func get() async throws -> ReportSettings {
        guard let row = try await tx.query("""
            SELECT time_zone, octet_length(report_logo_png) AS bytes, encode(sha256(report_logo_png), 'hex') AS sha256,
                   substring(report_logo_png FROM 1 FOR 33) AS header
            FROM providers WHERE id = \(tx.providerID)
            """).reportRows({ row in
                (try row.value("time_zone", as: String.self), try row.value("bytes", as: Int?.self), try row.value("sha256", as: String?.self),
                 try row.value("header", as: ByteBuffer?.self))
            }).first else { throw OctoError.notFound("provider") }
        var logo: ReportSettings.Logo?
        if let bytes = row.1, let hash = row.2 {
            let size = row.3.flatMap { Self.pngSize(Array($0.readableBytesView)) } ?? (0, 0)
            logo = ReportSettings.Logo(bytes: bytes, width: size.width, height: size.height, sha256: hash)
        }
        return ReportSettings(timeZone: row.0, logo: logo)
    }

    /// The logo's bytes or 404.
    public func logo() async throws -> [UInt8] {
        guard let logo = try await tx.query("SELECT report_logo_png FROM providers WHERE id = \(tx.providerID)")
            .reportRows({ try $0.value("report_logo_png", as: ByteBuffer?.self) }).first??.readableBytesView else {
            throw OctoError.notFound("report logo")
        }
        return Array(logo)
    }

    /// Changes the time zone (400 naming `time_zone` for a zone the system does not know); the enabled
    /// schedules' next firing is recomputed in the new zone. Audited.
    public func update(_ input: ReportSettingsInput, by actor: Actor) async throws -> ReportSettings {
        let before = try await get()
        guard let zone = input.timeZone else { return before }
        guard Self.isKnownTimeZone(zone) else {
            throw OctoError.invalid("time_zone", "time_zone must be a zone of the tz database, such as America/Sao_Paulo")
        }
        guard zone != before.timeZone else { return before }
        try await tx.query("UPDATE providers SET time_zone = \(zone) WHERE id = \(tx.providerID)")
        let now = tx.clock.now
        for schedule in try await tx.query("SELECT id, cadence, cron FROM report_schedules WHERE enabled").reportRows({
            (try $0.value("id", as: UUID.self), try $0.value("cadence", as: String.self), try $0.value("cron", as: String?.self))
        }) {
            guard let cadence = try? ReportCadence(cadence: schedule.1, cron: schedule.2) else { continue }
            try await tx.query("UPDATE report_schedules SET next_run_at = \(try cadence.next(after: now, timeZone: zone)) WHERE id = \(schedule.0)")
        }
        let after = try await get()
        try await tx.audit("report_settings.update", by: actor, target: ("provider", tx.providerID?.lowercased ?? ""), before: before, after: after)
        return after
    }

    /// Sets the logo: a PNG (signature and header checked) of at most ``maximumLogoBytes``. Audited
    /// (size, dimensions and hash, not the bytes).
    public func setLogo(_ bytes: [UInt8], by actor: Actor) async throws -> ReportSettings {
        guard bytes.count <= Self.maximumLogoBytes else {
            throw OctoError(.payloadTooLarge, "the logo must be at most \(Self.maximumLogoBytes / 1024) KiB")
        }
        guard Self.isPNG(bytes) else { throw OctoError.invalid("logo", "the logo must be a whole PNG image (image/png)") }
        let before = try await get()
        try await tx.query("UPDATE providers SET report_logo_png = \(ByteBuffer(bytes: bytes)) WHERE id = \(tx.providerID)")
        let after = try await get()
        try await tx.audit("report_settings.logo.set", by: actor, target: ("provider", tx.providerID?.lowercased ?? ""), before: before, after: after)
        return after
    }

    /// Removes the logo (404 when there is none). Audited.
    public func deleteLogo(by actor: Actor) async throws {
        let before = try await get()
        guard before.logo != nil else { throw OctoError.notFound("report logo") }
        try await tx.query("UPDATE providers SET report_logo_png = NULL WHERE id = \(tx.providerID)")
        let after = try await get()
        try await tx.audit("report_settings.logo.delete", by: actor, target: ("provider", tx.providerID?.lowercased ?? ""), before: before, after: after)
    }
}
