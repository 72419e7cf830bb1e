import Foundation
import Hummingbird
import NetTools

/// Which client a request comes from. The peer's address, unless the peer is a proxy the operator
/// trusts (`OCTOISP_TRUSTED_PROXIES`): then `X-Forwarded-For` is read from the right, skipping trusted
/// hops, and the first untrusted address is the client (the only one no client can forge). The
/// same trust decides whether `X-Forwarded-Proto: https` marks the request as having arrived over TLS.
enum ClientAddress {
    /// `context` with ``APIContext/clientIP`` and ``APIContext/forwardedHTTPS`` resolved.
    static func resolve(_ request: Request, _ context: APIContext, trusted: [IPNetwork]) -> APIContext {
        guard !trusted.isEmpty, let peer = context.clientIP, isTrusted(peer, trusted) else { return context }
        var context = context
        let forwarded = request.headers[values: .init("X-Forwarded-For")!].joined(separator: ",")
        context.clientIP = client(peer: peer, forwardedFor: forwarded, trusted: trusted)
        if let proto = request.headers[.init("X-Forwarded-Proto")!]?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces) {
            context.forwardedHTTPS = proto.lowercased() == "https"
        }
        return context
    }

    /// The rightmost address of `forwardedFor` not inside `trusted` (the peer, itself trusted, is the
    /// last hop); when every hop is trusted, the leftmost. A malformed entry stops the walk: what lies
    /// to its left cannot be trusted, so the last good address is the client.
    static func client(peer: String, forwardedFor: String, trusted: [IPNetwork]) -> String {
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var client = peer
        for hop in hops.reversed() {
            guard IPNetwork.bytes(of: hop) != nil else { return client }
            client = hop
            if !isTrusted(hop, trusted) { return hop }
        }
        return client
    }

    static func isTrusted(_ address: String, _ trusted: [IPNetwork]) -> Bool {
        guard let bytes = IPNetwork.bytes(of: address) else { return false }
        return trusted.contains { $0.contains(bytes) }
    }
}
