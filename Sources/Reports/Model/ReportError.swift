import Foundation

/// Failures of report generation.
public enum ReportError: Error, CustomStringConvertible, Sendable {
    /// cairo or pango refused.
    case render(String)
    /// PostgreSQL sent data the report cannot read.
    case data(String)

    public var description: String {
        switch self {
        case .render(let message): "report rendering failed: \(message)"
        case .data(let message): "report data unreadable: \(message)"
        }
    }
}
