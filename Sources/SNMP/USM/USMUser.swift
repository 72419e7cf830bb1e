/// A USM user as seen by the manager: name, optional authentication and optional privacy.
public struct USMUser: Sendable, Hashable {
    /// msgUserName.
    public var name: String
    /// Authentication protocol and passphrase, if any.
    public var auth: Credential<AuthProtocol>?
    /// Privacy protocol and passphrase, if any (requires ``auth``).
    public var priv: Credential<PrivProtocol>?

    /// A protocol and its passphrase.
    public struct Credential<P: Sendable & Hashable>: Sendable, Hashable {
        /// The protocol.
        public var proto: P
        /// The passphrase (RFC 3414 recommends at least eight characters).
        public var password: String

        /// Creates a credential.
        public init(_ proto: P, _ password: String) {
            self.proto = proto
            self.password = password
        }
    }

    /// Creates a user.
    public init(name: String, auth: Credential<AuthProtocol>? = nil, priv: Credential<PrivProtocol>? = nil) {
        self.name = name
        self.auth = auth
        self.priv = auth == nil ? nil : priv
    }

    /// The security level this user's credentials provide.
    public var securityLevel: SecurityLevel {
        if auth == nil { return .noAuthNoPriv }
        return priv == nil ? .authNoPriv : .authPriv
    }
}

/// Keys localized to one authoritative engine.
public struct LocalizedKeys: Sendable, Hashable {
    /// The authentication key Kul, if the user authenticates.
    public var auth: [UInt8]?
    /// The privacy key material, if the user encrypts.
    public var priv: [UInt8]?

    /// Creates a key pair.
    public init(auth: [UInt8]?, priv: [UInt8]?) {
        self.auth = auth
        self.priv = priv
    }
}
