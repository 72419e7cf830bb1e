import Crypto
import Foundation

/// The parameters a device should hold, with the ParameterKey that names them: a short hash of the
/// whole desired configuration, so a device reporting that key with an unchanged tree costs nothing.
public struct DesiredState: Sendable, Hashable, Codable {
    /// Every parameter the desired state sets, sorted by path.
    public var parameters: [ParameterChange]
    /// The hash of ``parameters`` (16 hex digits, within the 32 characters TR-069 allows).
    public var parameterKey: String

    /// The desired state of `parameters`.
    public init(_ parameters: [ParameterChange]) {
        self.parameters = parameters.sorted()
        self.parameterKey = Self.key(of: self.parameters)
    }

    /// `sha256` over `path\ttype\tvalue\n` lines in path order, first 8 bytes in hex.
    public static func key(of parameters: [ParameterChange]) -> String {
        var text = ""
        for parameter in parameters.sorted() { text += "\(parameter.path)\t\(parameter.type)\t\(parameter.value)\n" }
        return SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The parameters whose value in `tree` differs (booleans compared as booleans, so `1` equals `true`).
    public func diff(against tree: [String: ParameterNode]) -> [ParameterChange] {
        parameters.compactMap { parameter in
            let current = tree[parameter.path]?.value
            var change = parameter
            change.current = current
            guard let current else { return change }
            return Self.same(current, parameter.value, type: parameter.type) ? nil : change
        }
    }

    /// Whether two values of `type` are equal.
    public static func same(_ lhs: String, _ rhs: String, type: String) -> Bool {
        if type == "xsd:boolean" {
            func flag(_ text: String) -> String { ["1", "true"].contains(text.lowercased()) ? "true" : "false" }
            return flag(lhs) == flag(rhs)
        }
        return lhs == rhs
    }
}
