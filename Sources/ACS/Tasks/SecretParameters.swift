import CWMP
import Foundation
import OctoCore
import OctoStore

/// Parameters whose values are secrets (Wi-Fi keys, passwords). A task needs their real values to send
/// them to the CPE, but the audit log and the task API show them masked.
public enum SecretParameters {
    /// What a masked value reads.
    public static let mask = "********"

    /// Whether the parameter named `name` holds a secret: a path the provisioning mappings write a
    /// secret field to (``SettingsField/isSecret``, e.g. a vendor's Wi-Fi key parameter whatever its
    /// name), or a leaf that reads like one (``leafLooksSecret(_:)``).
    public static func isSecret(_ name: String) -> Bool {
        leafLooksSecret(name) || MappingSecrets.bundled.contains(name)
    }

    /// Whether the last path segment of `name` reads like a secret: `…Password`, `…Pwd`, `…Passphrase`,
    /// `…PreSharedKey`, `…WPAKey`, `…WEPKey<n>`, `…Secret`, `…PrivateKey`, `…SharedKey`, `…RadiusKey`,
    /// `…AuthKey`, `…EncryptionKey`, `…KeyWord`, `PinPhrase`, `Key`, a WDS `BridgeKey`. Counters,
    /// indexes, intervals, sizes, modes and flags about keys (`WEPKeyIndex`, `GroupKeyUpdateInterval`,
    /// `ParameterKey`, `TotalPSKFailures`) are not secrets.
    public static func leafLooksSecret(_ name: String) -> Bool {
        let leaf = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        let notSecret = ["index", "interval", "sizes", "method", "methods", "level", "type", "lock", "enable", "enabled", "mode", "modes",
                         "failures", "protocol", "protocols", "ruler", "supported"]
        if notSecret.contains(where: { leaf.hasSuffix($0) }) { return false }
        if ["password", "passwd", "pwd", "passphrase", "secret", "presharedkey", "wpakey", "wepkey", "privatekey", "sharedkey",
            "radiuskey", "authkey", "initkey", "encryptionkey", "keyword", "pinphrase"].contains(where: { leaf.contains($0) }) {
            return true
        }
        if leaf == "key" || leaf == "prekey" { return true }
        return leaf == "bridgekey" && name.lowercased().contains("wds")
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

extension SecretParameters {
    /// What is stored instead of the secret `value` of parameter `path` of `device` (parameter cache,
    /// change history, settled task arguments): the mask, followed with a secret key by `#` and a keyed
    /// digest of the value (``SecretBox/digest(_:context:)``), so the same value can be recognised
    /// later (is the key in place, did it change) without being kept. Empty values stay empty.
    public static func marker(_ value: String, path: String, device: UUID, provider: UUID?, secrets: SecretBox?) -> String {
        guard !value.isEmpty else { return value }
        guard let secrets else { return mask }
        return "\(mask)#\(secrets.digest(value, context: digestContext(path: path, device: device, provider: provider)))"
    }

    /// Whether `stored` is a marker made by ``marker(_:path:device:provider:secrets:)`` (or a bare mask).
    public static func isMarker(_ stored: String) -> Bool {
        stored == mask || stored.hasPrefix("\(mask)#")
    }

    /// Whether the marker `stored` stands for `value`: false for a bare mask (the value was dropped).
    public static func marker(_ stored: String, matches value: String, path: String, device: UUID, provider: UUID?, secrets: SecretBox?) -> Bool {
        guard let secrets, stored.hasPrefix("\(mask)#") else { return false }
        return secrets.digestMatches(String(stored.dropFirst(mask.count + 1)), value,
                                     context: digestContext(path: path, device: device, provider: provider))
    }

    /// Whether a value of xsd `type` can be a secret: text, not a number, flag or date (a WPS
    /// `X_HW_WPSKeyWord` of type unsignedInt is a setting, not a key).
    static func holdsText(_ type: String?) -> Bool {
        guard let type, !type.isEmpty else { return true }
        return !["xsd:boolean", "xsd:int", "xsd:unsignedInt", "xsd:long", "xsd:unsignedLong", "xsd:dateTime"].contains(type)
    }

    static func digestContext(path: String, device: UUID, provider: UUID?) -> String {
        "device-parameter:\(provider?.lowercased ?? "-"):\(device.lowercased):\(path)"
    }

    /// `values` as they may be stored: secret values replaced by their marker.
    public static func storable(_ values: [ParameterValue], device: UUID, provider: UUID?, secrets: SecretBox?) -> [ParameterValue] {
        values.map { value in
            guard isSecret(value.name), holdsText(value.type), !value.value.isEmpty, !isMarker(value.value) else { return value }
            var stored = value
            stored.value = marker(value.value, path: value.name, device: device, provider: provider, secrets: secrets)
            return stored
        }
    }
}

extension DeviceTaskInput {
    /// These arguments with every secret parameter value replaced by its marker: what a settled task keeps.
    public func purgingSecrets(device: UUID, provider: UUID?, secrets: SecretBox?) -> DeviceTaskInput {
        var input = self
        input.parameterValues = parameterValues?.map { value in
            guard SecretParameters.isSecret(value.name), SecretParameters.holdsText(value.type), !value.value.isEmpty,
                  !SecretParameters.isMarker(value.value) else { return value }
            var value = value
            value.value = SecretParameters.marker(value.value, path: value.name, device: device, provider: provider, secrets: secrets)
            return value
        }
        return input
    }
}
