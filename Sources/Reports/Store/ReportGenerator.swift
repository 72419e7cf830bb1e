import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// Generates a report in one tenant transaction: reads what the request needs under RLS and feeds the
/// writers of the requested formats; returns the bytes per format.
public enum ReportGenerator {
    /// The provider's time zone (`providers.time_zone`).
    public static func timeZone(_ tx: Transaction) async throws -> String {
        try await tx.query("SELECT time_zone FROM providers WHERE id = \(tx.providerID)")
            .reportRows { try $0.value("time_zone", as: String.self) }.first ?? "America/Sao_Paulo"
    }

    /// Feeds `request` over `period` to `writers` (e.g. a ``PreviewWriter``).
    public static func generate(_ request: ReportRequest, period: ReportPeriod, tx: Transaction, writers: [any ReportWriter]) async throws {
        let context = try await ReportContext.load(tx: tx, request: request, period: period, writers: writers, progress: { _ in })
        try await run(context, kind: request.kind, now: tx.clock.now)
        for writer in writers { _ = try writer.finish() }
    }

    static func run(_ context: ReportContext, kind: ReportKind, now: Date) async throws {
        switch kind {
        case .sla: try await SLAReport.run(context, now: now)
        case .bandwidth: try await BandwidthReport.run(context, now: now)
        case .incidents: try await IncidentReport.run(context, now: now)
        case .optics: try await OpticsReport.run(context, now: now)
        }
    }

    /// Generates `request` over `period`.
    public static func generate(_ request: ReportRequest, period: ReportPeriod, tx: Transaction, options: ReportOptions = ReportOptions(),
                                progress: @escaping @Sendable (Int) async throws -> Void = { _ in }) async throws -> [ReportFormat: [UInt8]] {
        let formats = request.effectiveFormats
        let writers: [any ReportWriter] = formats.map { format in
            switch format {
            case .pdf: PDFWriter()
            case .csv: CSVWriter(dialect: .plain)
            case .csvPtBR: CSVWriter(dialect: .ptBR)
            }
        }
        let timings = options.timings
        let context = try await timings.measure("scope: provider and devices") {
            try await ReportContext.load(tx: tx, request: request, period: period, writers: writers, options: options, progress: progress)
        }
        try await run(context, kind: request.kind, now: tx.clock.now)
        var files: [ReportFormat: [UInt8]] = [:]
        for (format, writer) in zip(formats, writers) {
            files[format] = try timings.time("finish \(format.rawValue)") {
                try writer.finish()
            }
        }
        return files
    }
}
