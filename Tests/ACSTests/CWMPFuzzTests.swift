import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// Mutated CWMP bodies built from the real Informs (and discovery answers) of every fixture model,
/// fed to the real CWMP endpoint. Seeded: `OCTOISP_CWMP_FUZZ_SEED` reproduces a run,
/// `OCTOISP_CWMP_FUZZ_CASES` sets the cases per fixture (default 30).
@Suite(.serialized) struct CWMPFuzzTests {
    static let seed = ProcessInfo.processInfo.environment["OCTOISP_CWMP_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x0C70_15B0
    static let cases = ProcessInfo.processInfo.environment["OCTOISP_CWMP_FUZZ_CASES"].flatMap { Int($0) } ?? 30

    static let tokens: [String] = [
        "<", ">", "</", "/>", "&", "&amp;", "&#0;", "&#x110000;", "&undefined;", "\"", "'", "\u{0}", "\u{FFFE}", "é", "\u{1F600}",
        "<!DOCTYPE x [<!ENTITY a 'b'>]>", "<!ENTITY e SYSTEM 'file:///etc/passwd'>", "<![CDATA[x]]>", "]]>", "<?xml version='1.0'?>",
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-9-9\"", "xmlns:soap=\"urn:nowhere\"", "<cwmp:ID soap:mustUnderstand=\"1\">x</cwmp:ID>",
        "<ParameterValueStruct><Name></Name><Value></Value></ParameterValueStruct>", "<Name>.</Name>", "<Name>..</Name>",
        "-1", "99999999999999999999999", "1e309", "NaN", "<MaxEnvelopes>0</MaxEnvelopes>", "<RetryCount>-5</RetryCount>",
        "<EventStruct><EventCode></EventCode><CommandKey></CommandKey></EventStruct>", "<Event soap-enc:arrayType=\"x[999999999]\">",
        "<DeviceId></DeviceId>", "<SerialNumber></SerialNumber>", "<OUI>ZZZZZZ</OUI>", String(repeating: "A", count: 70_000),
        String(repeating: "<a>", count: 3_000), "<cwmp:InformResponse/>", "<cwmp:GetParameterNamesResponse/>", "<soap:Fault/>",
    ]

    /// One mutation of `body`.
    static func mutate(_ body: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = body
        let rounds = Int.random(in: 1...3, using: &random)
        for _ in 0..<rounds where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<8, using: &random) {
            case 0:
                bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1:
                bytes = Array(bytes[..<at])
            case 2:
                let end = min(bytes.count, at + Int.random(in: 1...200, using: &random))
                bytes.removeSubrange(at..<end)
            case 3:
                let end = min(bytes.count, at + Int.random(in: 1...400, using: &random))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            case 4, 5:
                bytes.insert(contentsOf: Array(tokens.randomElement(using: &random)!.utf8), at: at)
            case 6:
                // Empty or swap the text between two tags.
                if let open = bytes[at...].firstIndex(of: UInt8(ascii: ">")), let close = bytes[open...].firstIndex(of: UInt8(ascii: "<")) {
                    bytes.replaceSubrange((open + 1)..<close, with: Array(tokens.randomElement(using: &random)!.utf8))
                }
            default:
                // Rename an element: change one letter after a '<'.
                if let open = bytes[at...].firstIndex(of: UInt8(ascii: "<")), open + 2 < bytes.count {
                    bytes[open + 2] = UInt8.random(in: 0x41...0x7A, using: &random)
                }
            }
        }
        return bytes
    }

    struct Counts: Equatable {
        var devices: Int
        var informs: Int
        var parameters: Int
        var sessions: Int
    }

    static func counts(_ harness: ACSHarness) async throws -> Counts {
        Counts(devices: try await harness.count("devices"), informs: try await harness.count("cwmp_informs"),
               parameters: try await harness.count("device_parameters"), sessions: try await harness.count(PostgresQueryText.heldLeases))
    }

    static func post(_ harness: ACSHarness, _ body: [UInt8], cookie: String? = nil) async throws -> RawHTTP.Answer {
        let url = harness.url()
        var headers: [(String, String)] = [("Content-Type", "text/xml")]
        if let cookie { headers.append(("Cookie", cookie)) } else { headers.append(("Authorization", RawHTTP.basic())) }
        let answer = try await HTTPExchange.post(host: "127.0.0.1", port: url.port!, path: url.path, headers: headers, body: body)
        var lowered: [String: String] = [:]
        for (name, value) in answer.headers where lowered[name.lowercased()] == nil { lowered[name.lowercased()] = value }
        return RawHTTP.Answer(status: answer.status, headers: lowered, body: String(decoding: answer.body, as: UTF8.self))
    }

    @Test func mutatedInformsAndAnswersAreRefusedCleanly() async throws {
        let files = try Fixtures.files()
        try await ACSHarness.with { harness in
            var random = SplitMix64(seed: Self.seed)
            var statuses: [Int: Int] = [:]
            for (fileIndex, file) in files.enumerated() {
                let model = try Fixtures.model(file)
                var cpe = SimulatedCPE(model: model, index: 1000 + fileIndex)
                let inform = Array(CWMPEncoder().encode(Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(cpe.inform(currentTime: "2024-01-01T00:00:00Z")))).utf8)
                let names = cpe.answer(.getParameterNames(path: model.root, nextLevel: false))
                for index in 0..<Self.cases {
                    if index % 3 == 2 {
                        // Mid-session: a valid Inform, then a mutated answer to discovery.
                        let opened = try await Self.post(harness, inform)
                        guard opened.status == 200, let cookie = opened.headers["set-cookie"]?.split(separator: ";").first.map(String.init) else {
                            Issue.record("\(file): the valid Inform was answered \(opened.status) (seed \(Self.seed), case \(index))")
                            continue
                        }
                        let turn = try await Self.post(harness, [], cookie: cookie)
                        guard turn.status == 200 else { continue }
                        let request = try CWMPDecoder().decodeACS(Array(turn.body.utf8))
                        let answer = Array(CWMPEncoder().encode(Envelope(version: request.version, id: request.id, message: names)).utf8)
                        let afterInform = try await Self.counts(harness)
                        let mutated = Self.mutate(answer, &random)
                        let reply = try await Self.post(harness, mutated, cookie: cookie)
                        statuses[reply.status, default: 0] += 1
                        if reply.status == 200 || reply.status == 204 {
                            if reply.status == 200 { try await RawHTTP.finish(harness.url(), cookie: cookie) }
                        } else {
                            #expect([400, 413].contains(reply.status), "\(file) case \(index) (seed \(Self.seed)): \(reply.status) \(reply.body.prefix(120))")
                            let now = try await Self.counts(harness)
                            #expect(now.parameters == afterInform.parameters, "\(file) case \(index): a refused answer stored parameters")
                            if reply.status == 400 {
                                #expect(now.sessions == afterInform.sessions - 1, "\(file) case \(index): the refused answer ends the session")
                            } else {
                                // Refused by the HTTP server before the ACS saw it: the session goes on.
                                try await RawHTTP.finish(harness.url(), cookie: cookie)
                            }
                        }
                        continue
                    }
                    let before = try await Self.counts(harness)
                    let mutated = Self.mutate(inform, &random)
                    let answer = try await Self.post(harness, mutated)
                    statuses[answer.status, default: 0] += 1
                    if answer.status == 200 {
                        if let cookie = answer.headers["set-cookie"]?.split(separator: ";").first { try await RawHTTP.finish(harness.url(), cookie: String(cookie)) }
                        continue
                    }
                    #expect([400, 413].contains(answer.status), "\(file) case \(index) (seed \(Self.seed)): \(answer.status) \(answer.body.prefix(120))")
                    #expect(try await Self.counts(harness) == before, "\(file) case \(index) (seed \(Self.seed)): a refused body stored something")
                }
                _ = try await harness.runner().run(&cpe)
            }
            // The process is still up and serves a clean session.
            var fresh = SimulatedCPE(model: try Fixtures.model(files[0]), index: 9_999)
            _ = try await harness.runner().run(&fresh)
            #expect(harness.engine.liveSessions == 0)
            print("CWMP fuzz: seed \(Self.seed), \(files.count) fixtures × \(Self.cases) cases, statuses \(statuses.sorted { $0.key < $1.key })")
        }
    }
}
