import Foundation

/// File formats of a report.
public enum ReportFormat: String, Sendable, Codable, CaseIterable {
    /// PDF rendered with cairo and pango.
    case pdf
    /// RFC 4180 CSV: comma, dot decimals, ISO 8601 UTC instants, no BOM.
    case csv
    /// CSV that Excel in Brazil opens as is: `;`, decimal comma, local time, UTF-8 BOM.
    case csvPtBR = "csv_pt_br"

    /// MIME type.
    public var contentType: String {
        self == .pdf ? "application/pdf" : "text/csv; charset=utf-8"
    }

    /// File extension.
    public var fileExtension: String { self == .pdf ? "pdf" : "csv" }
}
