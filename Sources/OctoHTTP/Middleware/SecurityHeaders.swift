import HTTPTypes
import Hummingbird

/// The headers every answer of the API port carries, set at the edge so errors and unmatched paths
/// get them too. A header an inner responder already set (the dashboard's own
/// Content-Security-Policy, a download's Cache-Control) is kept.
enum SecurityHeaders {
    /// API answers are data, never a document: nothing may load, run or frame them.
    static let contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    /// One year, subdomains included.
    static let strictTransportSecurity = "max-age=31536000; includeSubDomains"

    /// Adds the headers; `secure` when the request arrived over TLS (directly or at a trusted proxy),
    /// which alone earns `Strict-Transport-Security`.
    static func apply(to headers: inout HTTPFields, secure: Bool) {
        func setIfAbsent(_ name: String, _ value: String) {
            let field = HTTPField.Name(name)!
            if headers[field] == nil { headers[field] = value }
        }
        setIfAbsent("X-Content-Type-Options", "nosniff")
        setIfAbsent("Referrer-Policy", "no-referrer")
        setIfAbsent("X-Frame-Options", "DENY")
        setIfAbsent("Content-Security-Policy", contentSecurityPolicy)
        setIfAbsent("Cross-Origin-Resource-Policy", "same-origin")
        if secure { setIfAbsent("Strict-Transport-Security", strictTransportSecurity) }
    }
}
