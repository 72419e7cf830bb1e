import Hummingbird
import NIOCore

/// The request context of the CWMP endpoint: Hummingbird's storage and the peer's address.
public struct CWMPContext: RequestContext {
    /// Hummingbird's storage.
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address.
    public var clientIP: String?

    /// Creates the context for a new request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress
    }
}
