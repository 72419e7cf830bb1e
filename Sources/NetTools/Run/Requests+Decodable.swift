// Client input (snake_case on the wire, converted by the decoder): every field but the target has a
// default, so a body names only what it changes.

extension PingRequest {
    enum Keys: String, CodingKey { case target, count, intervalMs, timeoutMs, payloadBytes }

    /// Decodes with defaults for absent fields.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(target: try c.decode(String.self, forKey: .target), count: try c.decodeIfPresent(Int.self, forKey: .count) ?? 10,
                  intervalMs: try c.decodeIfPresent(Int.self, forKey: .intervalMs) ?? 1000,
                  timeoutMs: try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? 1000,
                  payloadBytes: try c.decodeIfPresent(Int.self, forKey: .payloadBytes) ?? 56)
    }
}

extension TraceRequest {
    enum Keys: String, CodingKey { case target, `protocol`, maxHops, rounds, intervalMs, timeoutMs }

    /// Decodes with defaults for absent fields (a traceroute's: 3 probes per hop back to back).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(target: try c.decode(String.self, forKey: .target),
                  protocol: try c.decodeIfPresent(ProbeProtocol.self, forKey: .protocol) ?? .icmp,
                  maxHops: try c.decodeIfPresent(Int.self, forKey: .maxHops) ?? 30, rounds: try c.decodeIfPresent(Int.self, forKey: .rounds) ?? 3,
                  intervalMs: try c.decodeIfPresent(Int.self, forKey: .intervalMs) ?? 0,
                  timeoutMs: try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? 1000)
    }
}

extension PortScanRequest {
    enum Keys: String, CodingKey { case target, transport, ports, concurrency, ratePerSecond, timeoutMs, retries }

    /// Decodes with defaults for absent fields.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(target: try c.decode(String.self, forKey: .target), transport: try c.decodeIfPresent(Transport.self, forKey: .transport) ?? .tcp,
                  ports: try c.decodeIfPresent(String.self, forKey: .ports) ?? "1-1024",
                  concurrency: try c.decodeIfPresent(Int.self, forKey: .concurrency) ?? 512,
                  ratePerSecond: try c.decodeIfPresent(Int.self, forKey: .ratePerSecond) ?? 20_000,
                  timeoutMs: try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? 1000, retries: try c.decodeIfPresent(Int.self, forKey: .retries) ?? 1)
    }
}

extension IPScanRequest {
    enum Keys: String, CodingKey { case cidr, timeoutMs, count, reverseDNS = "reverseDns", dnsServer }

    /// Decodes with defaults for absent fields.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(cidr: try c.decode(String.self, forKey: .cidr), timeoutMs: try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? 1000,
                  count: try c.decodeIfPresent(Int.self, forKey: .count) ?? 1, reverseDNS: try c.decodeIfPresent(Bool.self, forKey: .reverseDNS) ?? true,
                  dnsServer: try c.decodeIfPresent(String.self, forKey: .dnsServer))
    }
}

extension DNSLookupRequest {
    enum Keys: String, CodingKey { case name, type, server, timeoutMs, tcp }

    /// Decodes with defaults for absent fields.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(name: try c.decode(String.self, forKey: .name), type: try c.decodeIfPresent(DNSRecordType.self, forKey: .type) ?? .a,
                  server: try c.decodeIfPresent(String.self, forKey: .server), timeoutMs: try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? 2000,
                  tcp: try c.decodeIfPresent(Bool.self, forKey: .tcp) ?? false)
    }
}

extension HTTPTestRequest {
    enum Keys: String, CodingKey { case url, method, followRedirects, maxRedirects, timeoutMs, verifyTLS = "verifyTls" }

    /// Decodes with defaults for absent fields.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(url: try c.decode(String.self, forKey: .url), method: try c.decodeIfPresent(String.self, forKey: .method) ?? "GET",
                  followRedirects: try c.decodeIfPresent(Bool.self, forKey: .followRedirects) ?? true,
                  maxRedirects: try c.decodeIfPresent(Int.self, forKey: .maxRedirects) ?? 5,
                  timeoutMs: try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? 10_000,
                  verifyTLS: try c.decodeIfPresent(Bool.self, forKey: .verifyTLS) ?? true)
    }
}
