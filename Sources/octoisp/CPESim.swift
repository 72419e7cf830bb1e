import ArgumentParser
import CPEReach
import CPESimulator
import CWMP
import Foundation
import Synchronization

/// `octoisp cpe-sim`: simulated CPEs replaying a real data model against an ACS.
struct CPESim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpe-sim",
        abstract: "Run simulated CPEs from a data-model CSV against a CWMP endpoint.")

    @Option(help: "The CWMP endpoint, e.g. http://127.0.0.1:7547/cwmp/acme.")
    var acs: String

    @Option(help: "How many CPEs (serial numbers get -1, -2, … after the first).")
    var count = 1

    @Option(help: "Data-model CSV (see ../shared/fixtures/tr069/devices/).")
    var model: String

    @Option(help: "CPE user name.")
    var username: String

    @Option(help: "CPE password (or OCTOISP_CPE_PASSWORD).")
    var password: String?

    @Option(help: "basic or digest.")
    var auth = "basic"

    @Option(help: "PEM file of the CA to trust for an https --acs (default: the system's roots).")
    var caFile: String?

    @Option(help: "Sessions per CPE: the first is BOOTSTRAP+BOOT, the rest PERIODIC.")
    var sessions = 1

    @Option(help: "Events of each CPE's first Inform: bootstrap (factory-fresh, the default), boot or periodic.")
    var firstEvent = "bootstrap"

    @Option(help: "CPEs running at once.")
    var concurrency = 32

    @Flag(help: "Give each CPE a Digest-protected connection-request listener on 127.2.x.y (see --cr-port) and keep it running.")
    var listen = false

    @Option(help: "Port of the connection-request listeners.")
    var crPort = 7547

    @Option(help: "User name the ACS must send to the connection-request listeners.")
    var crUsername = "acs"

    @Option(help: "Password of the connection-request listeners (or OCTOISP_CR_PASSWORD).")
    var crPassword: String?

    @Option(help: "With --listen: seconds to keep listening after the first sessions (0: until interrupted).")
    var duration = 0

    @Option(help: "With --listen: seconds between PERIODIC informs (0: none).")
    var periodic = 0

    @Flag(help: "With --listen: also answer UDP connection requests (TR-069 Annex G) on UDP --cr-port of each CPE's address.")
    var udp = false

    @Option(help: "With --udp: STUN server HOST:PORT; the CPEs enable STUN (TR-111) with STUNUsername {providerSlug}:{OUI}-{serial}.")
    var stun: String?

    @Option(help: "With --stun: seconds between STUN Binding requests (STUNMinimumKeepAlivePeriod).")
    var stunKeepAlive = 30

    @Flag(help: "With --udp: behave as behind NAT: no TCP connection-request listener, NATDetected reported true.")
    var nat = false

    @Option(help: "With --listen: XMPP server HOST:PORT; CPE i logs in as --xmpp-user-i@--xmpp-domain and answers Annex K connection requests.")
    var xmpp: String?

    @Option(help: "XMPP user name prefix of the CPEs.")
    var xmppUser = "cpe"

    @Option(help: "XMPP domain of the CPEs' accounts.")
    var xmppDomain = "localhost"

    @Option(help: "XMPP password of the CPEs' accounts (or OCTOISP_CPE_XMPP_PASSWORD).")
    var xmppPassword: String?

    @Option(help: "A parameter that the CPEs chosen by --refuse-share refuse to set (fault 9008); repeatable.")
    var refuse: [String] = []

    @Option(help: "Share (0–1) of the CPEs that refuse the --refuse parameters: those whose index modulo 100 is below share × 100.")
    var refuseShare = 0.0

    @Option(help: "JSON file keeping the credential the ACS gave each CPE (by serial number), read at start and written at the end, so later runs sign in with it.")
    var credentialsFile: String?

    /// The parameters CPE `index` refuses to set.
    func refused(_ index: Int) -> Set<String> {
        Double(index % 100) < refuseShare * 100 ? Set(refuse) : []
    }

    func run() async throws {
        guard let url = URL(string: acs), url.scheme == "http" || url.scheme == "https" else { throw ValidationError("--acs must be an http(s) URL") }
        guard let mode = CPESessionRunner.AuthMode(rawValue: auth) else { throw ValidationError("--auth must be basic or digest") }
        guard let secret = password ?? ProcessInfo.processInfo.environment["OCTOISP_CPE_PASSWORD"] else {
            throw ValidationError("give --password or OCTOISP_CPE_PASSWORD")
        }
        let firstEvents: [InformEvent]
        switch firstEvent {
        case "bootstrap": firstEvents = [InformEvent(code: InformEvent.bootstrap), InformEvent(code: InformEvent.boot)]
        case "boot": firstEvents = [InformEvent(code: InformEvent.boot)]
        case "periodic": firstEvents = [InformEvent(code: InformEvent.periodic)]
        default: throw ValidationError("--first-event must be bootstrap, boot or periodic")
        }
        guard count > 0, sessions > 0, concurrency > 0 else { throw ValidationError("--count, --sessions and --concurrency must be positive") }
        guard (0...1).contains(refuseShare) else { throw ValidationError("--refuse-share must be between 0 and 1") }
        let data = try DataModel(csv: String(contentsOfFile: model, encoding: .utf8))
        var configured = CPESessionRunner(acs: url, username: username, password: secret, mode: mode)
        if url.scheme == "https" { configured.tls = try HTTPExchange.clientContext(caFile: caFile) }
        let runner = configured
        let known = try CPECredentials.load(credentialsFile)
        print("model \(data.identity.manufacturer) \(data.identity.productClass): \(data.paths.count) paths (\(data.leafCount) parameters), root \(data.root)")
        if listen {
            guard let crSecret = crPassword ?? ProcessInfo.processInfo.environment["OCTOISP_CR_PASSWORD"] else {
                throw ValidationError("--listen needs --cr-password or OCTOISP_CR_PASSWORD")
            }
            try await runListening(data: data, runner: runner, firstEvents: firstEvents, crSecret: crSecret, known: known)
            return
        }
        let learned = CPECredentials()
        let start = Date()
        var durations: [Double] = []
        var failures: [String] = []
        try await withThrowingTaskGroup(of: ([Double], String?).self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask {
                    var cpe = SimulatedCPE(model: data, index: index, connectionRequestURL: "http://127.0.0.\(2 + index % 250):7547/cr/\(index)")
                    cpe.pendingEvents = firstEvents
                    cpe.refusedPaths = refused(index)
                    known.apply(to: &cpe)
                    var times: [Double] = []
                    defer { learned.record(cpe) }
                    do {
                        for _ in 0..<sessions { times.append(try await runner.run(&cpe).seconds) }
                        return (times, nil)
                    } catch {
                        return (times, "CPE \(index): \(error)")
                    }
                }
            }
            for _ in 0..<min(concurrency, count) { launch() }
            while let (times, failure) = try await group.next() {
                durations += times
                if let failure { failures.append(failure) }
                if next < count { launch() }
            }
        }
        try learned.save(merging: known, to: credentialsFile)
        let elapsed = Date().timeIntervalSince(start)
        durations.sort()
        func percentile(_ p: Double) -> Double { durations.isEmpty ? 0 : durations[min(durations.count - 1, Int(Double(durations.count) * p))] }
        print(String(format: "%d sessions in %.2f s (%.1f/s), p50 %.1f ms, p99 %.1f ms, %d failed CPEs",
                     durations.count, elapsed, Double(durations.count) / max(elapsed, 0.001), percentile(0.5) * 1000, percentile(0.99) * 1000, failures.count))
        for failure in failures.prefix(10) { print(failure) }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Each CPE with its connection-request listener: first sessions, then connection requests (and
    /// periodic informs) until `--duration` runs out or the process is interrupted.
    func runListening(data: DataModel, runner: CPESessionRunner, firstEvents: [InformEvent], crSecret: String, known: CPECredentials) async throws {
        if (stun != nil || nat) && !udp { throw ValidationError("--stun and --nat need --udp") }
        let stunServer = try stun.map(Self.hostPort)
        let xmppServer = try xmpp.map(Self.hostPort)
        let xmppSecret = xmppPassword ?? ProcessInfo.processInfo.environment["OCTOISP_CPE_XMPP_PASSWORD"]
        if xmppServer != nil && xmppSecret == nil { throw ValidationError("--xmpp needs --xmpp-password or OCTOISP_CPE_XMPP_PASSWORD") }
        let slug = URL(string: acs)?.lastPathComponent ?? ""
        let devices = (0..<count).map { index in
            var cpe = SimulatedCPE(model: data, index: index)
            cpe.pendingEvents = firstEvents
            cpe.refusedPaths = refused(index)
            known.apply(to: &cpe)
            if let stunServer {
                cpe.enableSTUN(server: stunServer.0, port: stunServer.1,
                               username: "\(slug):\(cpe.model.identity.oui)-\(cpe.model.identity.serialNumber)", keepAlive: max(1, stunKeepAlive))
            }
            let host = "127.2.\(index / 254).\(index % 254 + 1)"
            let endpoint = xmppServer.map { server in
                SimulatedDevice.XMPPEndpoint(account: XMPPConnection.Account(host: server.0, port: server.1, jid: "\(xmppUser)-\(index)@\(xmppDomain)",
                                                                             password: xmppSecret ?? "", resource: "cwmp"),
                                             username: crUsername, password: crSecret)
            }
            return SimulatedDevice(cpe: cpe, runner: runner,
                                   listener: nat ? nil : ConnectionRequestListener(host: host, port: crPort, username: crUsername, password: crSecret),
                                   udpListener: udp ? UDPConnectionRequestListener(host: host, port: crPort, username: crUsername, password: crSecret,
                                                                                   simulateNAT: nat) : nil,
                                   xmpp: endpoint)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (listening, ready) = AsyncStream.makeStream(of: String.self)
            for device in devices {
                group.addTask {
                    try await device.serve(periodicInterval: periodic > 0 ? .seconds(periodic) : nil) { url in ready.yield(url) }
                }
            }
            var urls = 0
            for await _ in listening {
                urls += 1
                if urls == devices.count { break }
            }
            if stunServer != nil {
                // Like a CPE that reports its UDP binding from its first Inform on: wait (up to 5 s) until STUN answered.
                let deadline = ContinuousClock.now + .seconds(5)
                for device in devices {
                    while await device.cpe.udpConnectionRequestAddress == nil, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
            }
            print("\(devices.count) CPEs listening for connection requests (127.2.x.y:\(crPort)\(udp ? ", UDP" : "")\(xmpp != nil ? ", XMPP" : ""))")
            var failed = 0
            for device in devices {
                for _ in 0..<sessions {
                    // Like a real CPE (TR-069's session retry policy), a failed session is retried
                    // after a growing pause with the same pending events.
                    for attempt in 1...3 {
                        do {
                            try await device.runSession()
                            break
                        } catch {
                            print("\(await device.cpe.model.identity.serialNumber): \(error)\(attempt < 3 ? ", retrying" : "")")
                            if attempt == 3 { failed += 1 } else { try await Task.sleep(for: .seconds(attempt)) }
                        }
                    }
                }
            }
            let learned = CPECredentials()
            for device in devices { learned.record(await device.cpe) }
            try learned.save(merging: known, to: credentialsFile)
            print("first sessions done, \(failed) failed; waiting for connection requests")
            if duration > 0 {
                try await Task.sleep(for: .seconds(duration))
                group.cancelAll()
            } else {
                try await group.next()
            }
        }
        var requests = 0
        var udpRequests = 0
        var xmppRequests = 0
        var sessionsRun = 0
        for device in devices {
            requests += await device.connectionRequests
            udpRequests += await device.udpRequests
            xmppRequests += await device.xmppRequests
            sessionsRun += await device.reports.count
        }
        print("\(sessionsRun) sessions, \(requests) connection requests answered (\(udpRequests) over UDP, \(xmppRequests) over XMPP)")
    }

    /// `HOST:PORT`.
    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw ValidationError("\(text) is not HOST:PORT")
        }
        return (String(text[..<colon]), port)
    }
}

/// The credentials the ACS gave simulated CPEs, by serial number, as kept in `--credentials-file`.
final class CPECredentials: Sendable {
    struct Entry: Codable, Sendable {
        var username: String
        var password: String
    }

    let entries: Mutex<[String: Entry]>

    init(_ entries: [String: Entry] = [:]) {
        self.entries = Mutex(entries)
    }

    /// Reads `path` (absent file: none known).
    static func load(_ path: String?) throws -> CPECredentials {
        guard let path, FileManager.default.fileExists(atPath: path) else { return CPECredentials() }
        return CPECredentials(try JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Gives `cpe` the credential known for its serial number.
    func apply(to cpe: inout SimulatedCPE) {
        guard let entry = entries.withLock({ $0[cpe.model.identity.serialNumber] }) else { return }
        cpe.acsUsername = entry.username
        cpe.acsPassword = entry.password
    }

    /// Remembers the credential `cpe` was given, if any.
    func record(_ cpe: SimulatedCPE) {
        guard let username = cpe.acsUsername, let password = cpe.acsPassword else { return }
        entries.withLock { $0[cpe.model.identity.serialNumber] = Entry(username: username, password: password) }
    }

    /// Writes these and the `known` entries to `path` (owner-only), when a path is given.
    func save(merging known: CPECredentials, to path: String?) throws {
        guard let path else { return }
        let all = known.entries.withLock { $0 }.merging(entries.withLock { $0 }) { _, new in new }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(all).write(to: URL(fileURLWithPath: path), options: .atomic)
        chmod(path, 0o600)
    }
}
