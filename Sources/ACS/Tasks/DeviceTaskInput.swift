import Foundation
import OctoCore

/// The body of `POST /api/v1/devices/{id}/tasks`: a type and the arguments that type uses. Stored,
/// once validated, as the task's arguments.
public struct DeviceTaskInput: Codable, Sendable, Hashable {
    /// One parameter to set.
    public struct ParameterValueInput: Codable, Sendable, Hashable {
        /// Full parameter name.
        public var name: String
        /// The value as text.
        public var value: String
        /// The xsd type (`xsd:string` when omitted).
        public var type: String?

        /// Creates a value.
        public init(name: String, value: String, type: String? = nil) {
            self.name = name
            self.value = value
            self.type = type
        }
    }

    /// What to do.
    public var type: DeviceTask.Kind
    /// getParameterValues: names or partial paths (ending in a dot).
    public var parameterNames: [String]?
    /// setParameterValues: the values.
    public var parameterValues: [ParameterValueInput]?
    /// setParameterValues, addObject, deleteObject: the ParameterKey (the task's command key when omitted).
    public var parameterKey: String?
    /// addObject, deleteObject: the object (ending in a dot).
    public var objectName: String?
    /// reboot, download: the CommandKey (generated when omitted).
    public var commandKey: String?
    /// refresh: the subtree (the whole tree when omitted).
    public var path: String?
    /// download: a file uploaded to the ACS (`POST /api/v1/files`).
    public var fileId: UUID?
    /// download: an external URL instead of an uploaded file.
    public var url: String?
    /// download: the TR-069 FileType, e.g. `1 Firmware Upgrade Image` (the uploaded file's type when omitted).
    public var fileType: String?
    /// download: the size in bytes (the uploaded file's size when omitted).
    public var fileSize: Int?
    /// download: the file name on the device.
    public var targetFileName: String?
    /// download: seconds the device waits before starting.
    public var delaySeconds: Int?
    /// Seconds the task may wait to be settled before it expires (the configured default when omitted).
    public var timeoutSeconds: Int?

    /// Creates an input of `type` with no arguments.
    public init(type: DeviceTask.Kind) {
        self.type = type
    }

    /// The xsd types a SetParameterValues may carry.
    public static let valueTypes: Set<String> = ["xsd:string", "xsd:int", "xsd:unsignedInt", "xsd:long", "xsd:unsignedLong",
                                                 "xsd:boolean", "xsd:dateTime", "xsd:base64", "xsd:hexBinary"]

    /// Checks the arguments of ``type``; a 400 naming the field otherwise. Returns the normalized input.
    public func validated() throws(OctoError) -> DeviceTaskInput {
        var input = self
        try Self.checkKey(parameterKey, field: "parameter_key")
        try Self.checkKey(commandKey, field: "command_key")
        if let timeout = timeoutSeconds, !(1...2_592_000).contains(timeout) {
            throw .invalid("timeout_seconds", "timeout_seconds must be between 1 and 2592000 (30 days)")
        }
        switch type {
        case .getParameterValues:
            guard let names = parameterNames, !names.isEmpty else {
                throw .invalid("parameter_names", "getParameterValues needs parameter_names: a non-empty list of parameter names")
            }
            guard names.count <= 1_000 else { throw .invalid("parameter_names", "at most 1000 parameter_names") }
            for (index, name) in names.enumerated() where !Self.isPath(name) {
                throw .invalid("parameter_names[\(index)]", "parameter_names[\(index)] is not a parameter name (Device.… or InternetGatewayDevice.…)")
            }
        case .setParameterValues:
            guard let values = parameterValues, !values.isEmpty else {
                throw .invalid("parameter_values", "setParameterValues needs parameter_values: a non-empty list of {name, value, type}")
            }
            guard values.count <= 500 else { throw .invalid("parameter_values", "at most 500 parameter_values") }
            var normalized: [ParameterValueInput] = []
            var seen = Set<String>()
            for (index, value) in values.enumerated() {
                guard Self.isPath(value.name), !value.name.hasSuffix(".") else {
                    throw .invalid("parameter_values[\(index)].name", "parameter_values[\(index)].name is not a parameter name")
                }
                guard seen.insert(value.name).inserted else {
                    throw .invalid("parameter_values[\(index)].name", "parameter_values[\(index)].name repeats \(value.name)")
                }
                let type = value.type ?? "xsd:string"
                guard Self.valueTypes.contains(type) else {
                    throw .invalid("parameter_values[\(index)].type",
                                   "parameter_values[\(index)].type must be one of: \(Self.valueTypes.sorted().joined(separator: ", "))")
                }
                guard value.value.utf8.count <= 65_535, Self.matches(value.value, type: type) else {
                    throw .invalid("parameter_values[\(index)].value", "parameter_values[\(index)].value is not a valid \(type)")
                }
                normalized.append(ParameterValueInput(name: value.name, value: value.value, type: type))
            }
            input.parameterValues = normalized
        case .addObject, .deleteObject:
            guard let name = objectName, Self.isPath(name), name.hasSuffix(".") else {
                throw .invalid("object_name", "\(type.rawValue) needs object_name: an object path ending with a dot")
            }
            if type == .deleteObject, Int(name.dropLast().split(separator: ".").last ?? "") == nil {
                throw .invalid("object_name", "deleteObject needs an instance, e.g. Device.IP.Interface.3.")
            }
        case .reboot, .factoryReset:
            break
        case .download:
            switch (fileId, url) {
            case (nil, nil), (.some, .some):
                throw .invalid("file_id", "download needs either file_id (an uploaded file) or url")
            case (nil, let url?):
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil,
                      url.utf8.count <= 1024 else {
                    throw .invalid("url", "url must be an http or https URL of at most 1024 bytes")
                }
                guard let fileType, !fileType.isEmpty else { throw .invalid("file_type", "download of a url needs file_type") }
            case (.some, nil):
                break
            }
            if let fileType, !Self.isFileType(fileType) {
                throw .invalid("file_type", "file_type must be a TR-069 FileType such as '1 Firmware Upgrade Image' or '3 Vendor Configuration File'")
            }
            if let size = fileSize, size < 0 { throw .invalid("file_size", "file_size must not be negative") }
            if let name = targetFileName, name.utf8.count > 256 { throw .invalid("target_file_name", "target_file_name is at most 256 bytes") }
            if let delay = delaySeconds, !(0...86_400).contains(delay) { throw .invalid("delay_seconds", "delay_seconds must be 0–86400") }
        case .refresh:
            if let path, !Self.isPath(path) {
                throw .invalid("path", "path is not a parameter path (Device.… or InternetGatewayDevice.…)")
            }
        }
        return input
    }

    static func checkKey(_ key: String?, field: String) throws(OctoError) {
        guard let key else { return }
        guard key.utf8.count <= 32, key.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .invalid(field, "\(field) is at most 32 printable characters")
        }
    }

    /// A TR-069 parameter path under one of the two roots.
    static func isPath(_ name: String) -> Bool {
        (name.hasPrefix("Device.") || name.hasPrefix("InternetGatewayDevice.")) && InformValidation.isParameterPath(name)
    }

    /// Whether `text` is a TR-069 FileType: `1 Firmware Upgrade Image` … `5 Ringer File`, or a vendor `X <OUI> <name>`.
    public static func isFileType(_ text: String) -> Bool {
        let known = ["1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Tone File", "5 Ringer File"]
        return known.contains(text) || (text.hasPrefix("X ") && text.utf8.count <= 64)
    }

    static func matches(_ value: String, type: String) -> Bool {
        switch type {
        case "xsd:boolean": ["0", "1", "true", "false"].contains(value)
        case "xsd:int": Int32(value) != nil
        case "xsd:unsignedInt": UInt32(value) != nil
        case "xsd:long": Int64(value) != nil
        case "xsd:unsignedLong": UInt64(value) != nil
        case "xsd:dateTime": OctoJSON.parseDate(value) != nil || value == "0001-01-01T00:00:00Z"
        case "xsd:base64": Data(base64Encoded: value) != nil
        case "xsd:hexBinary": value.utf8.count % 2 == 0 && value.utf8.allSatisfy(InformValidation.isHexDigit)
        default: true
        }
    }
}
