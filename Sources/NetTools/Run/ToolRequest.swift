/// The tools.
public enum ToolKind: String, Sendable, Hashable, Codable, CaseIterable {
    case ping, traceroute, mtr
    case portScan = "port_scan"
    case ipScan = "ip_scan"
    case dns, http
    /// A TR-143 download or upload test run by a CPE toward the platform's file server.
    case speedtest
}

/// One typed tool request.
public enum ToolRequest: Sendable, Hashable {
    case ping(PingRequest)
    case traceroute(TraceRequest)
    case mtr(TraceRequest)
    case portScan(PortScanRequest)
    case ipScan(IPScanRequest)
    case dns(DNSLookupRequest)
    case http(HTTPTestRequest)
    case speedtest(SpeedTestRequest)

    /// The tool.
    public var kind: ToolKind {
        switch self {
        case .ping: .ping
        case .traceroute: .traceroute
        case .mtr: .mtr
        case .portScan: .portScan
        case .ipScan: .ipScan
        case .dns: .dns
        case .http: .http
        case .speedtest: .speedtest
        }
    }

    /// What the run is aimed at, as the history shows it.
    public var target: String {
        switch self {
        case .ping(let request): request.target
        case .traceroute(let request), .mtr(let request): request.target
        case .portScan(let request): request.target
        case .ipScan(let request): request.cidr
        case .dns(let request): "\(request.name) \(request.type.rawValue)" + (request.server.map { " @\($0)" } ?? "")
        case .http(let request): request.url
        case .speedtest(let request): "\(request.direction.rawValue) \(request.bytes) bytes"
        }
    }

    /// The body field of the request, for error messages (`ping`, `portScan`…).
    public var field: String {
        switch self {
        case .ping: "ping"
        case .traceroute: "traceroute"
        case .mtr: "mtr"
        case .portScan: "portScan"
        case .ipScan: "ipScan"
        case .dns: "dns"
        case .http: "http"
        case .speedtest: "speedtest"
        }
    }

    /// Checks every field; the error names it as `<tool>.<field>`.
    public func validate() throws(NetToolError) {
        do {
            switch self {
            case .ping(let request): try request.validate()
            case .traceroute(let request), .mtr(let request): try request.validate()
            case .portScan(let request): try request.validate()
            case .ipScan(let request): try request.validate()
            case .dns(let request): try request.validate()
            case .http(let request): try request.validate()
            case .speedtest(let request): try request.validate()
            }
        } catch {
            var named = error
            named.field = error.field.map { "\(field).\($0)" }
            throw named
        }
    }

    /// The parameters as JSON with snake_case keys, as the API takes them (for the history).
    public func encodedParameters() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return switch self {
        case .ping(let request): Array(try encoder.encode(request))
        case .traceroute(let request), .mtr(let request): Array(try encoder.encode(request))
        case .portScan(let request): Array(try encoder.encode(request))
        case .ipScan(let request): Array(try encoder.encode(request))
        case .dns(let request): Array(try encoder.encode(request))
        case .http(let request): Array(try encoder.encode(request))
        case .speedtest(let request): Array(try encoder.encode(request))
        }
    }

    /// Decodes the parameters of `kind` stored by ``encodedParameters()``.
    public static func decode(kind: ToolKind, parameters: [UInt8]) throws -> ToolRequest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let data = Data(parameters)
        return switch kind {
        case .ping: .ping(try decoder.decode(PingRequest.self, from: data))
        case .traceroute: .traceroute(try decoder.decode(TraceRequest.self, from: data))
        case .mtr: .mtr(try decoder.decode(TraceRequest.self, from: data))
        case .portScan: .portScan(try decoder.decode(PortScanRequest.self, from: data))
        case .ipScan: .ipScan(try decoder.decode(IPScanRequest.self, from: data))
        case .dns: .dns(try decoder.decode(DNSLookupRequest.self, from: data))
        case .http: .http(try decoder.decode(HTTPTestRequest.self, from: data))
        case .speedtest: .speedtest(try decoder.decode(SpeedTestRequest.self, from: data))
        }
    }
}

import Foundation
