import Foundation
import NIOCore
import Testing
@testable import SNMP

/// Compares the client with net-snmp's own tools on the same snmpd (see scripts/snmp-peers.sh).
@Suite("net-snmp snmpd interop", .serialized)
struct SNMPDInteropTests {
    static let system: OID = [1, 3, 6, 1, 2, 1, 1]
    static let ifTable: OID = [1, 3, 6, 1, 2, 1, 2, 2]

    @Test func getMatchesSnmpget() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let oids: [OID] = [.sysDescr, .sysObjectID, .sysUpTime, .sysName, [1, 3, 6, 1, 2, 1, 1, 99, 0]]
        let ours = try await client.get(oids, from: try Peers.target(agent, .v2c(community: "public")))
        let theirs = try await parseNetSNMP(runTool(["snmpget", "-v2c", "-c", "public", "-On", "-Oe", "-Ox", agent]
            + oids.map(\.description)))
        expectMatches(ours, theirs)
        #expect(ours[4].value == .noSuchObject)
    }

    @Test(arguments: [SNMPClient.WalkMethod.getNext, .getBulk(maxRepetitions: 7), .getBulk(maxRepetitions: 60)])
    func walkMatchesSnmpwalk(method: SNMPClient.WalkMethod) async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let target = try Peers.target(agent, .v2c(community: "public"))
        for root in [Self.system, Self.ifTable, OID([1, 3, 6, 1, 6, 3])] {
            let ours = try await client.walk(root, on: target, method: method)
            let theirs = try await parseNetSNMP(runTool(["snmpwalk", "-v2c", "-c", "public", "-On", "-Oe", "-Ox", agent,
                                                   root.description])).filter { !$0.value.isException }
            #expect(!ours.isEmpty)
            expectMatches(ours, theirs)
        }
    }

    @Test func v1WalkMatchesSnmpwalk() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let ours = try await client.walk(Self.system, on: try Peers.target(agent, .v1(community: "public")))
        let theirs = try await parseNetSNMP(runTool(["snmpwalk", "-v1", "-c", "public", "-On", "-Oe", "-Ox", agent,
                                               Self.system.description]))
        expectMatches(ours, theirs)
    }

    @Test func setThenReadBackMatchesSnmpget() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let target = try Peers.target(agent, .v2c(community: "private"))
        let text = "noc-\(UInt32.random(in: 0...UInt32.max))@octoisp.test"
        let result = try await client.set([VarBind(.sysContact, .octetString(Array(text.utf8)))], on: target)
        #expect(result == [VarBind(.sysContact, .octetString(Array(text.utf8)))])
        let theirs = try await parseNetSNMP(runTool(["snmpget", "-v2c", "-c", "public", "-On", "-Ox", agent,
                                               OID.sysContact.description]))
        #expect(theirs == [VarBind(.sysContact, .octetString(Array(text.utf8)))])
        // net-snmp's snmpset and our get agree too.
        _ = try await runTool(["snmpset", "-v2c", "-c", "private", agent, OID.sysLocation.description, "s", "rack 7"])
        let ours = try await client.get([.sysLocation], from: try Peers.target(agent, .v2c(community: "public")))
        #expect(ours == [VarBind(.sysLocation, .octetString(Array("rack 7".utf8)))])
    }

    @Test func setOnReadOnlyCommunityFails() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        await #expect(throws: SNMPError.self) {
            _ = try await client.set([VarBind(.sysContact, .octetString([0x61]))],
                                     on: try Peers.target(agent, .v2c(community: "public")))
        }
    }

    @Test func tableGroupsRowsOfAWalk() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let target = try Peers.target(agent, .v2c(community: "public"))
        let entry: OID = [1, 3, 6, 1, 2, 1, 2, 2, 1]
        let table = try await client.table(entry, on: target)
        let walked = try await client.walk(entry, on: target)
        #expect(table.rows.count >= 1)
        #expect(table.columns.contains(1) && table.columns.contains(2))
        for row in table.rows {
            #expect(row.cells[1] == .integer(Int64(row.index.arcs[0])))
        }
        #expect(table.rows.reduce(0) { $0 + $1.cells.count } == walked.count)
    }

    @Test(arguments: AuthProtocol.allCases, [PrivProtocol?.none] + PrivProtocol.allCases.map(Optional.some))
    func v3GetMatchesSnmpget(auth: AuthProtocol, priv: PrivProtocol?) async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let name = Peers.userName(auth, priv)
        let user = USMUser(name: name, auth: .init(auth, Peers.authPassword),
                           priv: priv.map { .init($0, Peers.privPassword) })
        let target = try Peers.target(agent, .v3(user: user, level: user.securityLevel, contextName: ""))
        let ours = try await client.get([.sysDescr, .sysName], from: target)
        var arguments = ["snmpget", "-v3", "-u", name, "-l", user.securityLevel.rawValue, "-a", auth.rawValue,
                         "-A", Peers.authPassword]
        if let priv { arguments += ["-x", priv.rawValue, "-X", Peers.privPassword] }
        let theirs = try await parseNetSNMP(runTool(arguments + ["-On", "-Ox", agent, OID.sysDescr.description,
                                                           OID.sysName.description]))
        expectMatches(ours, theirs)
        let walked = try await client.walk(Self.system, on: target)
        #expect(walked.count > 5)
        let state = try #require(client.engineState(for: target.address))
        #expect(state.isDiscovered && state.isSynchronized)
    }

    @Test func v3NoAuthAndSet() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        let noAuth = try Peers.target(agent, .v3(user: USMUser(name: "u_noauth"), level: .noAuthNoPriv, contextName: ""))
        #expect(try await client.get([.sysName], from: noAuth) == [VarBind(.sysName, .octetString(Array("octo-test".utf8)))])
        let user = USMUser(name: "u_sha256_aes", auth: .init(.sha256, Peers.authPassword),
                           priv: .init(.aes128, Peers.privPassword))
        let target = try Peers.target(agent, .v3(user: user, level: .authPriv, contextName: ""))
        let value = SNMPValue.octetString(Array("set over v3".utf8))
        #expect(try await client.set([VarBind(.sysLocation, value)], on: target) == [VarBind(.sysLocation, value)])
    }

    @Test func v3ErrorsAreReported() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        func code(_ user: USMUser, _ level: SecurityLevel) async throws -> SNMPError.Code? {
            do {
                _ = try await client.get([.sysName], from: try Peers.target(agent, .v3(user: user, level: level,
                                                                                        contextName: "")))
                return nil
            } catch let error as SNMPError {
                return error.code
            }
        }
        #expect(try await code(USMUser(name: "nobody-here", auth: .init(.sha1, "whatever-pass")), .authNoPriv)
            == .unknownUser)
        #expect(try await code(USMUser(name: "u_sha_none", auth: .init(.sha1, "wrong-password")), .authNoPriv)
            == .authenticationFailure)
        #expect(try await code(USMUser(name: "u_md5_none", auth: .init(.sha1, Peers.authPassword)), .authNoPriv)
            == .authenticationFailure)
        let wrongPriv = try await code(USMUser(name: "u_sha_aes", auth: .init(.sha1, Peers.authPassword),
                                               priv: .init(.aes128, "wrong-privpass")), .authPriv)
        #expect(wrongPriv == .decryptionError || wrongPriv == .timeout)
    }

    @Test func timeoutOnSilentPort() async throws {
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        // A bound socket that never answers.
        let silent = try await SNMPClient.start(configuration: .init(bindHost: "127.0.0.1"))
        defer { Task { await silent.close() } }
        let address = try #require(silent.localAddress)
        let target = SNMPTarget(address: address, credentials: .v2c(community: "public"), timeout: .milliseconds(100),
                                retries: 1)
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await client.get([.sysName], from: target)
            Issue.record("expected a timeout")
        } catch let error as SNMPError {
            #expect(error.code == .timeout)
        }
        #expect(clock.now - started >= .milliseconds(190))
    }

    @Test func thousandsOfConcurrentRequestsOnOneSocket() async throws {
        let agent = try Peers.snmpd()
        let client = try await SNMPClient.start(configuration: .init(maxConcurrentRequestsPerTarget: 64))
        defer { Task { await client.close() } }
        let target = try Peers.target(agent, .v2c(community: "public"))
        let count = 3000
        let results = try await withThrowingTaskGroup(of: [VarBind].self) { group in
            for _ in 0..<count {
                group.addTask { try await client.get([.sysName], from: target) }
            }
            var all: [[VarBind]] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == count)
        #expect(results.allSatisfy { $0 == [VarBind(.sysName, .octetString(Array("octo-test".utf8)))] })
    }

    @Test func closeFailsOutstandingAndRunReturns() async throws {
        let silent = try await SNMPClient.start(configuration: .init(bindHost: "127.0.0.1"))
        let client = try await SNMPClient.start()
        let address = try #require(silent.localAddress)
        let target = SNMPTarget(address: address, credentials: .v2c(community: "public"), timeout: .seconds(30),
                                retries: 0)
        async let running: Void = client.run()
        let pending = Task { try await client.get([.sysName], from: target) }
        try await Task.sleep(for: .milliseconds(100))
        await client.close()
        await #expect(throws: SNMPError.self) { _ = try await pending.value }
        try await running
        await silent.close()
    }
}
