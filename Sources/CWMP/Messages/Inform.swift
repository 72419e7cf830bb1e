/// The DeviceIdStruct of an Inform.
public struct DeviceIdentity: Sendable, Hashable {
    /// Manufacturer name.
    public var manufacturer: String
    /// Organizationally unique identifier (six hex digits).
    public var oui: String
    /// Product class.
    public var productClass: String
    /// Serial number.
    public var serialNumber: String

    /// Creates an identity.
    public init(manufacturer: String, oui: String, productClass: String, serialNumber: String) {
        self.manufacturer = manufacturer
        self.oui = oui
        self.productClass = productClass
        self.serialNumber = serialNumber
    }
}

/// An EventStruct: an event code and its CommandKey.
public struct InformEvent: Sendable, Hashable {
    /// The code, normalized: standard codes upper-cased (`"1 Boot"` → `"1 BOOT"`), `M` codes in their
    /// standard spelling (`"m reboot"` → `"M Reboot"`), vendor codes as sent.
    public var code: String
    /// The CommandKey the event carries (may be empty).
    public var commandKey: String

    /// Creates an event, normalizing its code.
    public init(code: String, commandKey: String = "") {
        self.code = InformEvent.normalize(code)
        self.commandKey = commandKey
    }

    /// `0 BOOTSTRAP`.
    public static let bootstrap = "0 BOOTSTRAP"
    /// `1 BOOT`.
    public static let boot = "1 BOOT"
    /// `2 PERIODIC`.
    public static let periodic = "2 PERIODIC"
    /// `4 VALUE CHANGE`.
    public static let valueChange = "4 VALUE CHANGE"
    /// `6 CONNECTION REQUEST`.
    public static let connectionRequest = "6 CONNECTION REQUEST"
    /// `7 TRANSFER COMPLETE`.
    public static let transferComplete = "7 TRANSFER COMPLETE"
    /// `8 DIAGNOSTICS COMPLETE`.
    public static let diagnosticsComplete = "8 DIAGNOSTICS COMPLETE"
    /// `M Reboot`.
    public static let mReboot = "M Reboot"
    /// `M Download`.
    public static let mDownload = "M Download"

    static let standardM = ["M Reboot", "M ScheduleInform", "M Download", "M ScheduleDownload", "M Upload", "M ChangeDUState"]

    /// Normalizes spacing and case of an event code.
    public static func normalize(_ raw: String) -> String {
        if isNormalNumbered(raw) { return raw }
        let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        let joined = words.joined(separator: " ")
        guard let first = words.first else { return joined }
        if first.allSatisfy(\.isNumber) { return joined.uppercased() }
        if first == "M" || first == "m" {
            return standardM.first { $0.lowercased() == joined.lowercased() } ?? joined
        }
        return joined
    }

    /// Whether `raw` is a numbered code as ``normalize(_:)`` leaves it (`1 BOOT`): ASCII digits, then
    /// words of visible ASCII without lower case, one space between words.
    static func isNormalNumbered(_ raw: String) -> Bool {
        var inFirstWord = true
        var previous: UInt8 = 0x20
        for byte in raw.utf8 {
            if byte == 0x20 {
                guard previous != 0x20 else { return false }
                inFirstWord = false
            } else {
                guard byte > 0x20, byte < 0x7F, !(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) else { return false }
                if inFirstWord, !(byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) { return false }
            }
            previous = byte
        }
        return previous != 0x20
    }
}

/// The Inform RPC: how every CWMP session begins.
public struct Inform: Sendable, Hashable {
    /// Who the device is.
    public var device: DeviceIdentity
    /// Why it calls.
    public var events: [InformEvent]
    /// Envelopes the CPE accepts per HTTP response.
    public var maxEnvelopes: Int
    /// The CPE's clock, as sent (parse with ``XSD/dateTime(_:)``).
    public var currentTime: String
    /// Retries of this session so far.
    public var retryCount: Int
    /// The parameters the CPE reports (device summary and forced-inform values).
    public var parameters: [ParameterValue]

    /// Creates an Inform.
    public init(device: DeviceIdentity, events: [InformEvent], maxEnvelopes: Int = 1, currentTime: String = "", retryCount: Int = 0, parameters: [ParameterValue] = []) {
        self.device = device
        self.events = events
        self.maxEnvelopes = maxEnvelopes
        self.currentTime = currentTime
        self.retryCount = retryCount
        self.parameters = parameters
    }

    /// Whether an event with the normalized `code` is present.
    public func has(_ code: String) -> Bool { events.contains { $0.code == code } }

    /// The value of the reported parameter whose name ends with `suffix` (root-agnostic: TR-098 and TR-181).
    public func parameter(endingWith suffix: String) -> String? {
        // Bytes compared: parameter names are ASCII, and Character-wise hasSuffix costs several times more.
        let tail = suffix.utf8
        return parameters.first { $0.name.utf8.count >= tail.count && $0.name.utf8.suffix(tail.count).elementsEqual(tail) }?.value
    }

    /// The data-model root (`Device.` or `InternetGatewayDevice.`) inferred from the reported parameters.
    public var root: String {
        guard let name = parameters.first?.name else { return "InternetGatewayDevice." }
        if name.utf8.starts(with: "Device.".utf8) { return "Device." }
        if name.utf8.starts(with: "InternetGatewayDevice.".utf8) { return "InternetGatewayDevice." }
        return name.split(separator: ".").first.map { "\($0)." } ?? "InternetGatewayDevice."
    }
}

/// TransferComplete / AutonomousTransferComplete: the outcome of a Download (or Upload).
public struct TransferComplete: Sendable, Hashable {
    /// The CommandKey of the Download it settles (empty for autonomous ones).
    public var commandKey: String
    /// The fault, when the transfer failed (code 0 means success).
    public var fault: CWMPFault?
    /// When the transfer started, as sent.
    public var startTime: String
    /// When it completed, as sent.
    public var completeTime: String

    /// Creates a transfer outcome.
    public init(commandKey: String, fault: CWMPFault?, startTime: String = "", completeTime: String = "") {
        self.commandKey = commandKey
        self.fault = fault
        self.startTime = startTime
        self.completeTime = completeTime
    }
}

/// The arguments of a Download RPC.
public struct DownloadRequest: Sendable, Hashable {
    /// CommandKey echoed in TransferComplete.
    public var commandKey: String
    /// `1 Firmware Upgrade Image`, `3 Vendor Configuration File`, …
    public var fileType: String
    /// Where the CPE fetches the file.
    public var url: String
    /// Credentials for the file server.
    public var username: String
    /// Password for the file server.
    public var password: String
    /// File size in bytes (0 when unknown).
    public var fileSize: Int
    /// Target file name on the CPE.
    public var targetFileName: String
    /// Seconds to wait before starting.
    public var delaySeconds: Int

    /// Creates a Download request.
    public init(commandKey: String, fileType: String, url: String, username: String = "", password: String = "", fileSize: Int = 0, targetFileName: String = "", delaySeconds: Int = 0) {
        self.commandKey = commandKey
        self.fileType = fileType
        self.url = url
        self.username = username
        self.password = password
        self.fileSize = fileSize
        self.targetFileName = targetFileName
        self.delaySeconds = delaySeconds
    }
}
