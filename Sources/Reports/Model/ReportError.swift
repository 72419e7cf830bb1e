import Foundation

/// Failures of report generation.
public enum ReportError: Error, CustomStringConvertible, Sendable {
    /// cairo or pango refused.
    case render(String)

    public var description: String {
        switch self {
        case .render(let message): "report rendering failed: \(message)"
        }
    }
}
