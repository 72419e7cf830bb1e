import Alerts
import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

/// What every report reads first: the provider, the scope's devices, and the writers to feed.
public struct ReportContext {
    /// The tenant transaction (read-only work under RLS).
    public let tx: Transaction
    /// The request.
    public let request: ReportRequest
    /// The period.
    public let period: ReportPeriod
    /// The provider's name.
    public let providerName: String
    /// The provider's logo.
    public let logoPNG: [UInt8]?
    /// The writers (one per format).
    public let writers: [any ReportWriter]
    /// Progress in percent.
    public let progress: @Sendable (Int) async throws -> Void
    /// How to generate (overlapped reads, timings).
    public var options = ReportOptions()
    /// Human name of the scope.
    public var scopeName: String = ""
    /// The devices in scope (ids), in a stable order.
    public var deviceIds: [UUID] = []

    /// The language.
    public var language: ReportLanguage { request.effectiveLanguage }
    /// A formatter for the PDF-like texts (figures).
    public var formatter: ReportFormatter { ReportFormatter(language: language, timeZone: period.timeZone) }

    /// Loads the provider and the scope's devices; 404 when the scope does not exist for this tenant.
    public static func load(tx: Transaction, request: ReportRequest, period: ReportPeriod, writers: [any ReportWriter],
                            options: ReportOptions = ReportOptions(),
                            progress: @escaping @Sendable (Int) async throws -> Void) async throws -> ReportContext {
        guard let provider = try await tx.query("SELECT name, report_logo_png FROM providers WHERE id = \(tx.providerID)")
            .reportRows({ (try $0.value("name", as: String.self), try $0.value("report_logo_png", as: ByteBuffer?.self)) }).first else {
            throw OctoError.notFound("provider")
        }
        var context = ReportContext(tx: tx, request: request, period: period, providerName: provider.0,
                                    logoPNG: provider.1.map { Array($0.readableBytesView) }, writers: writers, progress: progress)
        context.options = options
        let pt = request.effectiveLanguage == .ptBR
        let id = request.scopeId
        let name: String?
        var devices: PostgresQuery?
        switch request.effectiveScope {
        case .provider:
            name = pt ? "Todo o provedor" : "Whole provider"
            devices = "SELECT id FROM devices ORDER BY id"
        case .pop:
            name = try await tx.query("SELECT name FROM pops WHERE id = \(id)").reportRows { try $0.value("name", as: String.self) }.first
                .map { "POP \($0)" }
            devices = "SELECT id FROM devices WHERE pop_id = \(id) ORDER BY id"
        case .group:
            name = try await tx.query("SELECT name FROM device_groups WHERE id = \(id)").reportRows { try $0.value("name", as: String.self) }.first
                .map { (pt ? "Grupo " : "Group ") + $0 }
            // Static members or the devices a dynamic group's rule selects now, resolved as the device list does.
            if name != nil, let id { context.deviceIds = try await tx.deviceGroups.memberIds(id) ?? [] }
        case .customer:
            name = try await tx.query("SELECT name FROM customers WHERE id = \(id)").reportRows { try $0.value("name", as: String.self) }.first
                .map { (pt ? "Cliente " : "Customer ") + $0 }
            devices = "SELECT id FROM devices WHERE customer_id = \(id) ORDER BY id"
        case .device:
            name = try await tx.query("SELECT name FROM devices WHERE id = \(id)").reportRows { try $0.value("name", as: String.self) }.first
                .map { (pt ? "Dispositivo " : "Device ") + $0 }
            devices = "SELECT id FROM devices WHERE id = \(id)"
        }
        guard let name else { throw OctoError.notFound("\(request.effectiveScope.rawValue) \(id?.lowercased ?? "")") }
        context.scopeName = name
        if let devices { context.deviceIds = try await tx.query(devices).reportRows { try $0.value("id", as: UUID.self) } }
        return context
    }

    /// Calls every writer.
    func each(_ body: (any ReportWriter) throws -> Void) throws {
        for writer in writers { try body(writer) }
    }

    /// Starts every writer with the cover.
    func begin(titlePT: String, titleEN: String, now: Date) throws {
        let meta = ReportMeta(title: language == .ptBR ? titlePT : titleEN, provider: providerName, logoPNG: logoPNG,
                              period: period, scope: scopeName, language: language, generatedAt: now)
        try each { try $0.begin(meta) }
    }

    /// `pt` or `en`.
    func l(_ pt: String, _ en: String) -> String { language == .ptBR ? pt : en }
}

extension PostgresRowSequence {
    /// Every row mapped through `transform`.
    func reportRows<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in self { result.append(try transform(row.makeRandomAccess())) }
        return result
    }
}

extension PostgresRandomAccessRow {
    /// Decodes the named column.
    func value<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try self[name].decode(T.self)
    }
}
