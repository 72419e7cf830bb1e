/// A SOAP envelope carrying one CWMP message, with the session's `cwmp:ID` and namespace version.
public struct Envelope<Message: Sendable & Hashable>: Sendable, Hashable {
    /// The namespace version the envelope uses.
    public var version: CWMPVersion
    /// The `cwmp:ID` header, when present (devices may omit the Header entirely).
    public var id: String?
    /// The message in the Body.
    public var message: Message

    /// Creates an envelope.
    public init(version: CWMPVersion, id: String?, message: Message) {
        self.version = version
        self.id = id
        self.message = message
    }
}
