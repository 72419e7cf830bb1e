import Foundation

/// A single `Range: bytes=…` request resolved against a file size (RFC 9110 §14.1.2).
enum ByteRange: Equatable {
    /// No usable Range header (absent, not `bytes`, several ranges): send the whole file.
    case whole
    /// These bytes (inclusive bounds).
    case partial(ClosedRange<Int>)
    /// No byte of the file is in the range: 416.
    case unsatisfiable

    /// Resolves `header` for a file of `size` bytes.
    static func resolve(_ header: String?, size: Int) -> ByteRange {
        guard let header, header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // Suffix range: the last N bytes.
            guard let count = Int(last) else { return .whole }
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - count)...(size - 1))
        }
        guard let start = Int(first), start >= 0 else { return .whole }
        let end: Int
        if last.isEmpty {
            end = size - 1
        } else {
            guard let value = Int(last), value >= start else { return .whole }
            end = min(value, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .partial(start...end)
    }
}
