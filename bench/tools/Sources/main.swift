// bench/tools: a /20 ICMP sweep and a 1–65535 TCP connect scan of one loopback host, each timed
// beside the same work done by the standard tool on the same machine in the same run (fping, nmap).
//   tools-bench [--runs N]
import Foundation
import NetTools
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
let runs = arguments.firstIndex(of: "--runs").flatMap { Int(arguments[$0 + 1]) } ?? 3

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Runs a program to completion, returning its stdout.
func run(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func report(_ name: String, ours: [Double], theirs: [Double], tool: String, detail: String) {
    let (a, b) = (median(ours), median(theirs))
    print(String(format: "%@: octoisp %.3f s, %@ %.3f s, ratio %.2f× (median of %d; %@)", name, a, tool, b, a / b, ours.count, detail))
}

let second = UInt8.random(in: 100...200)

// 1. A /20 ICMP sweep of loopback addresses (every address answers).
let cidr = "127.\(second).0.0/20"
var oursSweep: [Double] = []
var fpingSweep: [Double] = []
var found = (0, 0)
for _ in 0..<runs {
    let sweep = AddressSweep(IPScanRequest(cidr: cidr, timeoutMs: 1000, count: 1, reverseDNS: false))
    let start = ContinuousClock.now
    let summary = try sweep.runBlocking(cancellation: ToolCancellation()) { _ in }
    oursSweep.append(seconds(ContinuousClock.now - start))
    let fpingStart = ContinuousClock.now
    let alive = try run(["/usr/bin/fping", "-a", "-q", "-r", "0", "-i", "0", "-t", "1000", "-g", cidr])
    fpingSweep.append(seconds(ContinuousClock.now - fpingStart))
    found = (summary.hosts.count, alive.split(separator: "\n").count)
}
report("ICMP sweep \(cidr)", ours: oursSweep, theirs: fpingSweep, tool: "fping -i 0 -r 0",
       detail: "hosts answering: octoisp \(found.0), fping \(found.1)")

// 2. A 1–65535 TCP connect scan of one loopback host with a few listeners.
let host = "127.\(second).200.\(UInt8.random(in: 2...250))"
var listeners: [Int32] = []
for port in [22, 80, 443, 7547, 8080] as [UInt16] {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    inet_pton(AF_INET, host, &address.sin_addr)
    address.sin_port = port.bigEndian
    _ = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    listen(descriptor, 512)
    listeners.append(descriptor)
}
var oursScan: [Double] = []
var nmapScan: [Double] = []
var open = (0, 0)
for _ in 0..<runs {
    let scanner = PortScanner(PortScanRequest(target: host, ports: "1-65535", concurrency: 1024, ratePerSecond: 100_000, timeoutMs: 1000))
    let start = ContinuousClock.now
    let summary = try scanner.runBlocking(to: IPv4Address(host)!, cancellation: ToolCancellation()) { _ in }
    oursScan.append(seconds(ContinuousClock.now - start))
    let nmapStart = ContinuousClock.now
    let output = try run(["/usr/bin/nmap", "-n", "-Pn", "-sT", "-p", "1-65535", "-T4", "-oG", "-", host])
    nmapScan.append(seconds(ContinuousClock.now - nmapStart))
    open = (summary.open, output.components(separatedBy: "/open/").count - 1)
}
report("TCP connect scan \(host) 1-65535", ours: oursScan, theirs: nmapScan, tool: "nmap -sT -T4",
       detail: "open ports: octoisp \(open.0), nmap \(open.1)")
for descriptor in listeners { close(descriptor) }
