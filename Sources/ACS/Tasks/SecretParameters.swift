import OctoCore

/// Parameters whose values are secrets (Wi-Fi keys, passwords). A task needs their real values to send
/// them to the CPE, but the audit log and the task API show them masked.
public enum SecretParameters {
    /// What a masked value reads.
    public static let mask = "********"

    /// Whether the parameter named `name` holds a secret, judged by its last path segment
    /// (`…KeyPassphrase`, `…PreSharedKey`, `…Password`, `…WEPKey`, vendor `X_…_Password` and the like).
    public static func isSecret(_ name: String) -> Bool {
        let leaf = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return ["password", "passphrase", "presharedkey", "wepkey", "secret"].contains { leaf.contains($0) }
    }

    /// `json` with the `value` of every `{"name": <secret>, "value": …}` object masked, at any depth.
    public static func masking(_ json: JSONValue) -> JSONValue {
        switch json {
        case .array(let items):
            return .array(items.map(masking))
        case .object(var object):
            if case .string(let name)? = object["name"], isSecret(name), let value = object["value"], value != .null {
                object["value"] = .string(mask)
                return .object(object)
            }
            return .object(object.mapValues(masking))
        default:
            return json
        }
    }
}

extension DeviceTask {
    /// This task with the values of secret parameters masked in its arguments and result: what the
    /// audit log and the API carry.
    public func maskingSecrets() -> DeviceTask {
        var task = self
        if let values = task.arguments.parameterValues {
            task.arguments.parameterValues = values.map { value in
                var value = value
                if SecretParameters.isSecret(value.name) { value.value = SecretParameters.mask }
                return value
            }
        }
        task.result = task.result.map(SecretParameters.masking)
        return task
    }
}
