/// An RPC the ACS wants a CPE to run, and why.
public struct PendingRPC: Sendable, Hashable {
    /// Why the RPC is sent; it decides what its answer means.
    public enum Purpose: Sendable, Hashable {
        /// First-contact discovery: the parameter names below the root.
        case discoverNames
        /// First-contact discovery: one batch of values.
        case discoverValues
        /// A device task, by its identifier.
        case task(String)
        /// The device's own ACS credential (ManagementServer.Username/Password) the ACS hands out.
        case credential
    }

    /// The RPC.
    public var message: ACSMessage
    /// Why it is sent.
    public var purpose: Purpose

    /// Creates a pending RPC.
    public init(_ message: ACSMessage, purpose: Purpose) {
        self.message = message
        self.purpose = purpose
    }
}
