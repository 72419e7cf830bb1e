import CWMP

/// The XMPP connection request of TR-069 Annex K: an IQ `get` from the ACS's JID to the CPE's
/// ConnReqJabberID carrying the connection-request credentials; the CPE answers an empty `result`,
/// or an `error` (`not-authorized` for wrong credentials, `service-unavailable` when it cannot).
public struct ConnectionRequestIQ: Sendable, Hashable {
    /// The Annex K namespace.
    public static let namespace = "urn:broadband-forum-org:cwmp:xmppConnReq-1-0"

    /// IQ id.
    public var id: String
    /// Sender (the ACS's full JID).
    public var from: String?
    /// Recipient (the CPE's ConnReqJabberID).
    public var to: String
    /// Connection-request user name.
    public var username: String
    /// Connection-request password.
    public var password: String

    /// Creates a request.
    public init(id: String, from: String? = nil, to: String, username: String, password: String) {
        self.id = id
        self.from = from
        self.to = to
        self.username = username
        self.password = password
    }

    /// The stanza.
    public var xml: String {
        let sender = from.map { " from=\"\(xmlEscape($0))\"" } ?? ""
        return "<iq type=\"get\" id=\"\(xmlEscape(id))\"\(sender) to=\"\(xmlEscape(to))\">"
            + "<connectionRequest xmlns=\"\(Self.namespace)\"><username>\(xmlEscape(username))</username>"
            + "<password>\(xmlEscape(password))</password></connectionRequest></iq>"
    }

    /// Reads a request from an IQ stanza; nil when it is not one.
    public init?(_ element: XMLElement) {
        guard element.name == "iq", element.attributes["type"] == "get", let id = element.attributes["id"],
              let request = element.child("connectionRequest"),
              request.attributes["xmlns"] == Self.namespace || request.namespaceDeclaration(for: "") == Self.namespace else { return nil }
        self.init(id: id, from: element.attributes["from"], to: element.attributes["to"] ?? "",
                  username: request.child("username")?.text ?? "", password: request.child("password")?.text ?? "")
    }

    /// The CPE's `result` answer to this request.
    public func result(from cpe: String?) -> String {
        "<iq type=\"result\" id=\"\(xmlEscape(id))\"\(cpe.map { " from=\"\(xmlEscape($0))\"" } ?? "")\(from.map { " to=\"\(xmlEscape($0))\"" } ?? "")/>"
    }

    /// The CPE's `error` answer (`condition` as in RFC 6120 §8.3.3, e.g. `not-authorized`).
    public func error(from cpe: String?, condition: String, type: String = "cancel") -> String {
        "<iq type=\"error\" id=\"\(xmlEscape(id))\"\(cpe.map { " from=\"\(xmlEscape($0))\"" } ?? "")\(from.map { " to=\"\(xmlEscape($0))\"" } ?? "")>"
            + "<connectionRequest xmlns=\"\(Self.namespace)\"/><error type=\"\(xmlEscape(type))\">"
            + "<\(condition) xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error></iq>"
    }

    /// The answer to a request: nil for `result`, else the error condition (or the stanza type).
    public static func outcome(of answer: XMLElement) -> String? {
        if answer.attributes["type"] == "result" { return nil }
        let condition = answer.child("error")?.children.first { $0.name != "text" }?.name
        return condition ?? (answer.attributes["type"] ?? "unknown")
    }
}
