import ArgumentParser
import SNMP

/// net-snmp style SNMP tools built on the SNMP module (numeric OIDs only): the subcommands of
/// `octoisp snmp` and of the standalone `octoisp-snmp`, which links nothing else and so starts faster.
public enum SNMPTools {
    /// Every tool, in the order help lists them.
    public static let commands: [any ParsableCommand.Type] = [Get.self, GetNext.self, Walk.self, BulkWalk.self, Set.self,
                                                              Table.self, Trapd.self, Poll.self]
}

/// Options shared by every request subcommand, spelled like net-snmp's.
public struct SNMPAgentOptions: ParsableArguments {
    @Option(name: .customShort("v", allowingJoined: true), help: "SNMP version: 1, 2c or 3.")
    var version: String = "2c"

    @Option(name: .customShort("c", allowingJoined: true), help: "Community string (v1/v2c).")
    var community: String = "public"

    @Option(name: .customShort("u", allowingJoined: true), help: "USM security name (v3).")
    var user: String?

    @Option(name: .customShort("l", allowingJoined: true), help: "Security level: noAuthNoPriv, authNoPriv or authPriv.")
    var level: String?

    @Option(name: .customShort("a", allowingJoined: true), help: "Authentication protocol: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512.")
    var authProtocol: String = "MD5"

    @Option(name: .customShort("A", allowingJoined: true), help: "Authentication passphrase.")
    var authPassword: String?

    @Option(name: .customShort("x", allowingJoined: true), help: "Privacy protocol: DES, AES, AES-192, AES-256, AES-192-C, AES-256-C.")
    var privProtocol: String = "DES"

    @Option(name: .customShort("X", allowingJoined: true), help: "Privacy passphrase.")
    var privPassword: String?

    @Option(name: .customShort("n", allowingJoined: true), help: "Context name (v3).")
    var contextName: String = ""

    @Option(name: .customShort("r", allowingJoined: true), help: "Retries.")
    var retries: Int = 5

    @Option(name: .customShort("t", allowingJoined: true), help: "Timeout per attempt, in seconds.")
    var timeout: Double = 1

    @Flag(name: .long, help: "Print a JSON array of {oid, type, value}.")
    var json = false

    @Argument(help: "Agent: [udp:]HOST[:PORT].")
    var agent: String

    public init() {}

    func target() throws -> SNMPTarget {
        let address = try SNMPTarget.parseAddress(agent)
        let credentials: SNMPCredentials
        switch version {
        case "1": credentials = .v1(community: community)
        case "2c", "2": credentials = .v2c(community: community)
        case "3":
            guard let user else { throw ValidationError("-v 3 requires -u USER") }
            var auth: USMUser.Credential<AuthProtocol>?
            var priv: USMUser.Credential<PrivProtocol>?
            if let authPassword {
                guard let proto = AuthProtocol(name: authProtocol) else {
                    throw ValidationError("unknown authentication protocol '\(authProtocol)'")
                }
                auth = .init(proto, authPassword)
            }
            if let privPassword {
                guard let proto = PrivProtocol(name: privProtocol) else {
                    throw ValidationError("unknown privacy protocol '\(privProtocol)'")
                }
                priv = .init(proto, privPassword)
            }
            let account = USMUser(name: user, auth: auth, priv: priv)
            let securityLevel: SecurityLevel
            if let level {
                guard let parsed = SecurityLevel(name: level) else {
                    throw ValidationError("unknown security level '\(level)'")
                }
                securityLevel = parsed
            } else {
                securityLevel = account.securityLevel
            }
            if securityLevel != .noAuthNoPriv && auth == nil { throw ValidationError("\(securityLevel) needs -A") }
            if securityLevel == .authPriv && priv == nil { throw ValidationError("authPriv needs -X") }
            credentials = .v3(user: account, level: securityLevel, contextName: contextName)
        default:
            throw ValidationError("unknown version '\(version)' (use 1, 2c or 3)")
        }
        guard timeout > 0, retries >= 0 else { throw ValidationError("-t must be positive and -r not negative") }
        return SNMPTarget(address: address, credentials: credentials,
                          timeout: .milliseconds(Int64(timeout * 1000)), retries: retries)
    }

    public static func parseOIDs(_ texts: [String]) throws -> [OID] {
        try texts.map { text in
            guard let oid = OID(text) else { throw ValidationError("'\(text)' is not a numeric OID") }
            return oid
        }
    }

    /// Runs `body` with a started client, printing SNMP errors to stderr and exiting non-zero on failure.
    public func withClient(_ body: (SNMPClient, SNMPTarget) async throws -> Void) async throws {
        let target = try target()
        let client = try await SNMPClient.start()
        do {
            try await body(client, target)
            await client.close()
        } catch let error as SNMPError {
            await client.close()
            printError("snmp: \(error)")
            throw ExitCode(error.code == .agentError ? 2 : 1)
        } catch {
            await client.close()
            throw error
        }
    }

    /// Prints a walk as it arrives, as net-snmp's tools do: the lines go out in writes of about
    /// 64 KiB, so a long walk holds neither its varbinds nor its text (the memory a whole walk took,
    /// fresh pages each time, cost more CPU than decoding it). JSON is printed at the end, as one array.
    public func printWalk(of root: OID, client: SNMPClient, target: SNMPTarget,
                          method: SNMPClient.WalkMethod) async throws {
        if json {
            output(try await client.walk(root, on: target, method: method))
            return
        }
        let flushAt = 1 << 16
        var bytes: [UInt8] = []
        bytes.reserveCapacity(flushAt + 4096)
        var printed = 0
        do {
            try await client.walk(root, on: target, method: method) { varBind in
                varBind.appendDisplayLine(to: &bytes)
                printed += 1
                if bytes.count >= flushAt {
                    writeStandardOutput(bytes)
                    bytes.removeAll(keepingCapacity: true)
                }
            }
            if printed == 0, let instance = try await client.instance(root, on: target) {
                instance.appendDisplayLine(to: &bytes)
            }
        } catch {
            writeStandardOutput(bytes)
            throw error
        }
        writeStandardOutput(bytes)
    }

    public func output(_ varBinds: [VarBind]) {
        if json {
            writeStandardOutput(VarBind.jsonArrayBytes(varBinds))
        } else {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(varBinds.count * 64)
            for varBind in varBinds { varBind.appendDisplayLine(to: &bytes) }
            writeStandardOutput(bytes)
        }
    }
}

func printError(_ text: String) {
    var standardError = StandardErrorStream()
    print(text, to: &standardError)
}

struct StandardErrorStream: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = writeToStandardError(buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }
}

/// Writes one line to standard output immediately (no stdio buffering, for long-running output).
func emitLine(_ line: String) {
    writeStandardOutput(Array((line + "\n").utf8))
}

func writeStandardOutput(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = writeToDescriptor(1, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { break }
            offset += written
        }
    }
}

#if canImport(Glibc)
import Glibc
private func writeToStandardError(_ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    Glibc.write(2, pointer, count)
}
private func writeToDescriptor(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    Glibc.write(descriptor, pointer, count)
}
#elseif canImport(Darwin)
import Darwin
private func writeToStandardError(_ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    Darwin.write(2, pointer, count)
}
private func writeToDescriptor(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    Darwin.write(descriptor, pointer, count)
}
#endif

extension SNMPTools {
    /// `snmp get AGENT OID…`
    public struct Get: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(commandName: "get", abstract: "GET one or more OIDs.")
        @OptionGroup var options: SNMPAgentOptions
        @Argument(help: "Numeric OIDs.") var oids: [String]

        public init() {}

        public func run() async throws {
            let oids = try SNMPAgentOptions.parseOIDs(oids)
            guard !oids.isEmpty else { throw ValidationError("give at least one OID") }
            try await options.withClient { client, target in
                options.output(try await client.get(oids, from: target))
            }
        }
    }

    /// `snmp getnext AGENT OID…`
    public struct GetNext: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(commandName: "getnext", abstract: "GETNEXT one or more OIDs.")
        @OptionGroup var options: SNMPAgentOptions
        @Argument(help: "Numeric OIDs.") var oids: [String]

        public init() {}

        public func run() async throws {
            let oids = try SNMPAgentOptions.parseOIDs(oids)
            guard !oids.isEmpty else { throw ValidationError("give at least one OID") }
            try await options.withClient { client, target in
                options.output(try await client.getNext(oids, from: target))
            }
        }
    }

    /// `snmp walk AGENT [OID]` with GETNEXT.
    public struct Walk: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(commandName: "walk", abstract: "Walk a subtree with GETNEXT.")
        @OptionGroup var options: SNMPAgentOptions
        @Argument(help: "Root OID (default 1.3.6.1.2.1).") var root: String = "1.3.6.1.2.1"

        public init() {}

        public func run() async throws {
            let root = try SNMPAgentOptions.parseOIDs([root])[0]
            try await options.withClient { client, target in
                try await options.printWalk(of: root, client: client, target: target, method: .getNext)
            }
        }
    }

    /// `snmp bulkwalk AGENT [OID]` with GETBULK.
    public struct BulkWalk: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(commandName: "bulkwalk",
                                                        abstract: "Walk a subtree with GETBULK.")
        @OptionGroup var options: SNMPAgentOptions
        @Option(name: .customLong("Cr", withSingleDash: true), help: "Max-repetitions.") var maxRepetitions = 10
        @Argument(help: "Root OID (default 1.3.6.1.2.1).") var root: String = "1.3.6.1.2.1"

        public init() {}

        public func run() async throws {
            let root = try SNMPAgentOptions.parseOIDs([root])[0]
            guard maxRepetitions > 0 else { throw ValidationError("-Cr must be positive") }
            try await options.withClient { client, target in
                try await options.printWalk(of: root, client: client, target: target,
                                            method: .getBulk(maxRepetitions: maxRepetitions))
            }
        }
    }

    /// `snmp set AGENT OID TYPE VALUE …`
    public struct Set: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "SET values: OID TYPE VALUE triples; TYPE is one of i u t a o s x d n c C.")
        @OptionGroup var options: SNMPAgentOptions
        @Argument(help: "OID TYPE VALUE triples.") var assignments: [String]

        public init() {}

        public func run() async throws {
            guard !assignments.isEmpty, assignments.count % 3 == 0 else {
                throw ValidationError("give OID TYPE VALUE triples")
            }
            var varBinds: [VarBind] = []
            for start in stride(from: 0, to: assignments.count, by: 3) {
                let oid = try SNMPAgentOptions.parseOIDs([assignments[start]])[0]
                varBinds.append(VarBind(oid, try Self.value(type: assignments[start + 1], text: assignments[start + 2])))
            }
            try await options.withClient { client, target in
                options.output(try await client.set(varBinds, on: target))
            }
        }

        static func value(type: String, text: String) throws -> SNMPValue {
            func number<T: FixedWidthInteger>(_: T.Type) throws -> T {
                guard let value = T(text) else { throw ValidationError("'\(text)' is not a valid \(T.self)") }
                return value
            }
            switch type {
            case "i": return .integer(Int64(try number(Int32.self)))
            case "u": return .gauge32(try number(UInt32.self))
            case "c": return .counter32(try number(UInt32.self))
            case "C": return .counter64(try number(UInt64.self))
            case "t": return .timeTicks(try number(UInt32.self))
            case "s": return .octetString(Array(text.utf8))
            case "n": return .null
            case "o":
                guard let oid = OID(text) else { throw ValidationError("'\(text)' is not a numeric OID") }
                return .oid(oid)
            case "a":
                let parts = text.split(separator: ".").compactMap { UInt8($0) }
                guard parts.count == 4 else { throw ValidationError("'\(text)' is not an IPv4 address") }
                return .ipAddress(parts[0], parts[1], parts[2], parts[3])
            case "x":
                let digits = text.filter { !$0.isWhitespace && $0 != ":" }
                guard digits.count % 2 == 0 else { throw ValidationError("odd number of hex digits") }
                var octets: [UInt8] = []
                var index = digits.startIndex
                while index < digits.endIndex {
                    let next = digits.index(index, offsetBy: 2)
                    guard let byte = UInt8(digits[index..<next], radix: 16) else {
                        throw ValidationError("'\(text)' is not hexadecimal")
                    }
                    octets.append(byte)
                    index = next
                }
                return .octetString(octets)
            case "d":
                let octets = text.split(separator: ".").compactMap { UInt8($0) }
                return .octetString(octets)
            default:
                throw ValidationError("unknown type '\(type)'")
            }
        }
    }

    /// `snmp table AGENT ENTRY-OID`
    public struct Table: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "table", abstract: "Walk a table entry (e.g. 1.3.6.1.2.1.31.1.1.1) and print rows.")
        @OptionGroup var options: SNMPAgentOptions
        @Option(name: .customLong("Cr", withSingleDash: true), help: "Max-repetitions.") var maxRepetitions = 10
        @Argument(help: "Entry OID.") var entry: String

        public init() {}

        public func run() async throws {
            let entry = try SNMPAgentOptions.parseOIDs([entry])[0]
            try await options.withClient { client, target in
                let table = try await client.table(entry, on: target,
                                                   method: .getBulk(maxRepetitions: maxRepetitions))
                if options.json {
                    let rows = table.rows.map { row in
                        let cells = table.columns.compactMap { column -> String? in
                            guard let value = row.cells[column] else { return nil }
                            return "\"\(column)\":{\"type\":" + jsonString(value.typeName) + ",\"value\":"
                                + value.jsonValue + "}"
                        }
                        return "{\"index\":" + jsonString(row.index.description) + ",\"cells\":{"
                            + cells.joined(separator: ",") + "}}"
                    }
                    print("[" + rows.joined(separator: ",") + "]")
                } else {
                    for row in table.rows {
                        print("index \(row.index)")
                        for column in table.columns {
                            guard let value = row.cells[column] else { continue }
                            print("  " + VarBind(entry.appending(column).appending(row.index), value).displayLine)
                        }
                    }
                }
            }
        }
    }

    /// `snmp trapd`: print received traps and informs.
    public struct Trapd: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "trapd", abstract: "Receive SNMPv1/v2c traps and informs (informs are acknowledged).")
        @Option(name: .long, help: "Address to bind.") var host = "0.0.0.0"
        @Option(name: .long, help: "UDP port.") var port = 162
        @Option(name: .customShort("c", allowingJoined: true), help: "Accept only this community (repeatable).") var communities: [String] = []
        @Option(name: .long, help: "Exit after this many notifications.") var count: Int?
        @Flag(name: .long, help: "Print one JSON object per notification.") var json = false

        public init() {}

        public func run() async throws {
            let receiver: SNMPTrapReceiver
            do {
                receiver = try await SNMPTrapReceiver.start(
                    host: host, port: port, communities: communities.isEmpty ? nil : Swift.Set(communities))
            } catch let error as SNMPError {
                printError("snmp: \(error)")
                throw ExitCode(1)
            }
            var received = 0
            for await event in receiver.events {
                let kind: String
                switch event.kind {
                case .trapV1: kind = "trap-v1"
                case .trapV2: kind = "trap-v2"
                case .inform: kind = "inform"
                }
                if json {
                    emitLine("{\"source\":" + jsonString("\(event.source)") + ",\"kind\":\"\(kind)\",\"community\":"
                        + jsonString(event.community) + ",\"trapOID\":"
                        + (event.trapOID.map { jsonString($0.description) } ?? "null") + ",\"varbinds\":"
                        + VarBind.jsonArray(event.varBinds) + "}")
                } else {
                    let trap = event.trapOID.map { "." + $0.description } ?? "-"
                    emitLine("\(event.source) \(kind) community=\(event.community) trap=\(trap)")
                    for varBind in event.varBinds { emitLine("  " + varBind.displayLine) }
                }
                received += 1
                if let count, received >= count { break }
            }
            await receiver.close()
        }
    }
}

extension SNMPTools {
    /// `snmp poll`: one polling cycle (sysUpTime.0 plus a table) over many devices on one socket.
    public struct Poll: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "poll",
            abstract: "Poll sysUpTime.0 and a table (default ifXTable) from many IPv4 devices once; print a summary.")
        @Option(name: .long, help: "First IPv4 address.") var first: String
        @Option(name: .long, help: "Number of consecutive addresses.") var count: Int
        @Option(name: .long, help: "UDP port of every device.") var port = 161
        @Option(name: .customShort("c", allowingJoined: true), help: "Community (v2c).") var community = "public"
        @Option(name: .long, help: "Table entry to walk.") var entry = "1.3.6.1.2.1.31.1.1.1"
        @Option(name: .customLong("Cr", withSingleDash: true), help: "Max-repetitions.") var maxRepetitions = 25
        @Option(name: .long, help: "Devices polled at the same time.") var concurrency = 200
        @Option(name: .customShort("t", allowingJoined: true), help: "Timeout per attempt, seconds.") var timeout: Double = 2
        @Option(name: .customShort("r", allowingJoined: true), help: "Retries.") var retries = 2
        @Flag(name: .long, help: "Print the summary as JSON.") var json = false

        public init() {}

        public func run() async throws {
            let parts = first.split(separator: ".").compactMap { UInt32($0) }
            guard parts.count == 4, parts.allSatisfy({ $0 < 256 }), count > 0, concurrency > 0 else {
                throw ValidationError("--first must be an IPv4 address and --count, --concurrency positive")
            }
            guard let entryOID = OID(entry) else { throw ValidationError("bad --entry OID") }
            let base = parts.reduce(UInt32(0)) { $0 << 8 | $1 }
            var targets: [SNMPTarget] = []
            targets.reserveCapacity(count)
            for offset in 0..<count {
                let address = base &+ UInt32(offset)
                let host = "\(address >> 24).\((address >> 16) & 255).\((address >> 8) & 255).\(address & 255)"
                targets.append(try SNMPTarget(host: host, port: port, credentials: .v2c(community: community),
                                              timeout: .milliseconds(Int64(timeout * 1000)), retries: retries))
            }
            let client = try await SNMPClient.start()
            let clock = ContinuousClock()
            let started = clock.now
            let repetitions = maxRepetitions
            var succeeded = 0
            var failed = 0
            var varBinds = 0
            var firstError: String?
            try await withThrowingTaskGroup(of: Result<Int, SNMPError>.self) { group in
                var next = 0
                func add() {
                    let target = targets[next]
                    next += 1
                    group.addTask {
                        do {
                            let uptime = try await client.get([.sysUpTime], from: target)
                            let table = try await client.table(entryOID, on: target,
                                                               method: .getBulk(maxRepetitions: repetitions))
                            return .success(uptime.count + table.rows.reduce(0) { $0 + $1.cells.count })
                        } catch let error as SNMPError {
                            return .failure(error)
                        }
                    }
                }
                while next < min(concurrency, targets.count) { add() }
                for try await result in group {
                    switch result {
                    case .success(let fetched):
                        succeeded += 1
                        varBinds += fetched
                    case .failure(let error):
                        failed += 1
                        if firstError == nil { firstError = "\(error)" }
                    }
                    if next < targets.count { add() }
                }
            }
            let elapsed = clock.now - started
            await client.close()
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if json {
                print("{\"devices\":\(count),\"ok\":\(succeeded),\"failed\":\(failed),\"varbinds\":\(varBinds),"
                    + "\"seconds\":\(seconds)}")
            } else {
                print("devices=\(count) ok=\(succeeded) failed=\(failed) varbinds=\(varBinds) seconds=\(seconds)")
                if let firstError { printError("first error: \(firstError)") }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
