import Foundation
import NetTools
import OctoCore

/// The history as CSV (RFC 4180): one line per run, newest first.
public enum ToolRunCSV {
    /// The columns.
    public static let header = ["id", "created_at", "tool", "origin", "pop_id", "device_id", "customer_id", "target", "status",
                                "summary", "error", "requested_by", "executed_by", "started_at", "finished_at"]

    /// The document.
    public static func render(_ runs: [ToolRun]) -> String {
        let formatter = ISO8601DateFormatter()
        var lines = [header.joined(separator: ",")]
        for run in runs {
            let fields = [run.id.lowercased, formatter.string(from: run.createdAt), run.tool.rawValue, run.origin.rawValue,
                          run.popId?.lowercased ?? "", run.deviceId?.lowercased ?? "", run.customerId?.lowercased ?? "", run.target,
                          run.status.rawValue, run.summary ?? "", run.error ?? "", run.requestedBy, run.executedBy ?? "",
                          run.startedAt.map { formatter.string(from: $0) } ?? "", run.finishedAt.map { formatter.string(from: $0) } ?? ""]
            lines.append(fields.map(escape).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Quotes a field when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@` is
    /// prefixed with `'` so a spreadsheet does not read it as a formula.
    static func escape(_ field: String) -> String {
        var value = field
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
