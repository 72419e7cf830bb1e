import Foundation

/// The JSON conventions of the platform: snake_case keys, ISO 8601 UTC dates.
public enum OctoJSON {
    /// Encoder with the platform's conventions; keys sorted for stable output, UUIDs in lower case
    /// wherever they appear (``CanonicalJSONEncoder``).
    public static var encoder: JSONEncoder {
        let encoder = CanonicalJSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Decoder with the platform's conventions; dates with or without fractional seconds. Lenient: for
    /// stored JSON the platform wrote itself. Client input goes through ``StrictJSONDecoder``.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an ISO 8601 date-time")
            }
            return date
        }
        return decoder
    }

    /// ISO 8601 in UTC with milliseconds.
    public static func formatDate(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// Parses ISO 8601 with or without fractional seconds.
    public static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `value` as JSON text.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
