import Foundation

/// What one parameter of a radio or Wi-Fi interface says about its band. Pure parsing of the values
/// devices report: `OperatingFrequencyBand`, vendor band parameters (`X_HW_RFBand`, `X_TP_Band`, …),
/// `PossibleChannels`, `Channel` and `Standard`-like lists.
public struct BandSignal: Sendable, Hashable, Codable {
    /// The parameter's name (last path segment), e.g. `PossibleChannels`.
    public var source: String
    /// The band it points to.
    public var band: Band

    /// Creates a signal.
    public init(source: String, band: Band) {
        self.source = source
        self.band = band
    }

    /// The band an explicit band value names (`2.4GHz`, `5GHz`, `2.4G`, `5G`, `2.4 GHz`); nil for
    /// anything else, including dual-band lists such as `2.4GHz,5GHz`.
    public static func band(named text: String) -> Band? {
        Band(text: text.replacingOccurrences(of: " ", with: "").trimmingCharacters(in: .whitespaces))
    }

    /// The channels of a `PossibleChannels`-style value: numbers and ranges separated by commas or
    /// spaces (`1-13`, `36,40,44`, `36-64,100-140`). Invalid items are ignored; nil when none is valid.
    public static func channels(_ text: String) -> [Int]? {
        var channels: [Int] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" }) {
            let bounds = item.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high, high - low <= 200 {
                channels += Array(low...high)
            } else if bounds.count == 1, let channel = bounds[0] {
                channels.append(channel)
            }
        }
        let valid = channels.filter { $0 > 0 && $0 <= 233 }
        return valid.isEmpty ? nil : Array(Set(valid)).sorted()
    }

    /// The band every channel of `channels` belongs to (2.4 GHz: 1–14; 5 GHz: 32–177); nil when they
    /// span both or fall outside both.
    public static func band(ofChannels channels: [Int]) -> Band? {
        guard !channels.isEmpty else { return nil }
        if channels.allSatisfy({ (1...14).contains($0) }) { return .ghz2 }
        if channels.allSatisfy({ (32...177).contains($0) }) { return .ghz5 }
        return nil
    }

    /// Whether `channel` is a channel of `band` at all (independent of any device).
    public static func channel(_ channel: Int, belongsTo band: Band) -> Bool {
        switch band {
        case .ghz2: return (1...14).contains(channel)
        case .ghz5: return (32...177).contains(channel)
        }
    }

    /// The 802.11 amendments a standard value names: `11bgn` → b, g, n; `a/n/ac` → a, n, ac;
    /// `802.11ax` → ax.
    public static func standards(_ text: String) -> Set<String> {
        var result = Set<String>()
        for raw in text.lowercased().split(whereSeparator: { ",/; +|".contains($0) }) {
            var token = Substring(raw)
            if token.hasPrefix("ieee") { token = token.dropFirst(4) }
            if token.hasPrefix("802.11") { token = token.dropFirst(6) } else if token.hasPrefix("11") { token = token.dropFirst(2) }
            while !token.isEmpty {
                if let two = ["ac", "ax", "ad", "ah", "be"].first(where: { token.hasPrefix($0) }) {
                    result.insert(two)
                    token = token.dropFirst(2)
                } else if let first = token.first, "abgn".contains(first) {
                    result.insert(String(first))
                    token = token.dropFirst()
                } else {
                    break
                }
            }
        }
        return result
    }

    /// The band a set of standards implies: a/ac only on 5 GHz, b/g only on 2.4 GHz; n and ax alone, or
    /// a mix of both families, say nothing.
    public static func band(ofStandards standards: Set<String>) -> Band? {
        let five = !standards.isDisjoint(with: ["a", "ac"])
        let two = !standards.isDisjoint(with: ["b", "g"])
        if five && !two { return .ghz5 }
        if two && !five { return .ghz2 }
        return nil
    }

    /// Whether `name` (a parameter directly below a radio or WLANConfiguration) is a vendor band
    /// parameter such as `X_HW_RFBand`, `X_TP_Band` or `X_ZTE-COM_WlanBand` — not a bandwidth.
    public static func isVendorBandParameter(_ name: String) -> Bool {
        guard name.hasPrefix("X_") else { return false }
        let lower = name.lowercased()
        guard !lower.contains("width"), !lower.contains("steer"), !lower.contains("support") else { return false }
        return lower.hasSuffix("band") || lower.hasSuffix("frequencyband") || lower.hasSuffix("rfband") || lower.hasSuffix("frequency")
    }

    /// Whether `name` is a standard-like parameter (`Standard`, `OperatingStandards`, `X_HW_Standard`,
    /// `X_HW_SupportedStandards`, `X_ZTE-COM_WlanStandard`).
    public static func isStandardParameter(_ name: String) -> Bool {
        name == "Standard" || name == "OperatingStandards" || name == "SupportedStandards"
            || (name.hasPrefix("X_") && name.lowercased().hasSuffix("standard")) || (name.hasPrefix("X_") && name.lowercased().hasSuffix("standards"))
    }

    /// The signals of one object's direct parameters (`values`: name → value), in order of strength:
    /// explicit band names, the list of possible channels, standards, then the current channel.
    public static func signals(_ values: [String: String]) -> [BandSignal] {
        var signals: [BandSignal] = []
        for name in ["OperatingFrequencyBand", "SupportedFrequencyBands"] {
            if let value = values[name], let band = band(named: value) { signals.append(BandSignal(source: name, band: band)) }
        }
        for (name, value) in values.sorted(by: { $0.key < $1.key }) where isVendorBandParameter(name) {
            if let band = band(named: value) { signals.append(BandSignal(source: name, band: band)) }
        }
        if let value = values["PossibleChannels"], let channels = channels(value), let band = band(ofChannels: channels) {
            signals.append(BandSignal(source: "PossibleChannels", band: band))
        }
        for (name, value) in values.sorted(by: { $0.key < $1.key }) where isStandardParameter(name) {
            if let band = band(ofStandards: standards(value)) { signals.append(BandSignal(source: name, band: band)) }
        }
        if let value = values["Channel"], let channel = Int(value), let band = band(ofChannels: [channel]) {
            signals.append(BandSignal(source: "Channel", band: band))
        }
        return signals
    }
}
