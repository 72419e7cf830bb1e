/// A continuous ping: ICMP echo requests to one IPv4 target, one every `intervalMs`, until `count`
/// probes were sent or the run is cancelled.
public struct PingRequest: Sendable, Hashable, Codable {
    /// An IPv4 address or a host name.
    public var target: String
    /// Probes to send (1…3600).
    public var count: Int
    /// Milliseconds between probes (200…60000).
    public var intervalMs: Int
    /// Milliseconds a probe waits for its reply (100…10000).
    public var timeoutMs: Int
    /// Payload bytes of each request (0…1472).
    public var payloadBytes: Int

    /// Creates a request.
    public init(target: String, count: Int = 10, intervalMs: Int = 1000, timeoutMs: Int = 1000, payloadBytes: Int = 56) {
        self.target = target
        self.count = count
        self.intervalMs = intervalMs
        self.timeoutMs = timeoutMs
        self.payloadBytes = payloadBytes
    }

    /// Checks the bounds; the error names the field.
    public func validate() throws(NetToolError) {
        try Bounds.check(count, 1...3600, "count")
        try Bounds.check(intervalMs, 200...60_000, "intervalMs")
        try Bounds.check(timeoutMs, 100...10_000, "timeoutMs")
        try Bounds.check(payloadBytes, 0...1472, "payloadBytes")
        try Bounds.host(target, "target")
    }
}

/// One probe of a continuous ping.
public struct PingProbe: Sendable, Hashable, Codable {
    /// 1, 2, 3…
    public var sequence: Int
    /// The round trip in milliseconds, `nil` when the reply did not come within the timeout.
    public var rttMs: Double?
    /// Milliseconds since the run started, when the probe was sent.
    public var sentAtMs: Double
}

/// Field bounds shared by the tool requests.
enum Bounds {
    static func check(_ value: Int, _ range: ClosedRange<Int>, _ field: String) throws(NetToolError) {
        guard range.contains(value) else {
            throw NetToolError(.invalidRequest, "\(field) must be between \(range.lowerBound) and \(range.upperBound)", field: field)
        }
    }

    /// An address literal or a plausible host name (RFC 1123 labels).
    static func host(_ text: String, _ field: String) throws(NetToolError) {
        guard isHost(text) else { throw NetToolError(.invalidRequest, "\(field) must be an IP address or a host name", field: field) }
    }

    static func isHost(_ text: String) -> Bool {
        if IPNetwork.bytes(of: text) != nil { return true }
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        let name = text.hasSuffix(".") ? String(text.dropLast()) : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        // A name made only of digits and dots is a malformed address, not a host name.
        if labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.hostCharacters.contains($0)) }
        }
    }
}

import Foundation

extension CharacterSet {
    static let hostCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
}
