import Foundation
import OctoCore
import Testing

/// The table-driven text form of ids agrees with Foundation's, both ways.
@Suite struct UUIDTextTests {
    @Test func printsWhatFoundationPrintsInLowercase() {
        var ids = (0..<2_000).map { _ in UUID() }
        ids.append(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        ids.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        ids.append(UUID(uuidString: "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9")!)
        for id in ids {
            #expect(id.lowercased == id.uuidString.lowercased())
        }
    }

    @Test func parsesEitherCaseAsFoundationDoes() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(UUID(canonical: id.uuidString) == id)
            #expect(UUID(canonical: id.lowercased) == id)
            let mixed = String(id.uuidString.enumerated().map { $0.offset.isMultiple(of: 3) ? Character($0.element.lowercased()) : $0.element })
            #expect(UUID(canonical: mixed) == id)
            #expect(UUID(canonical: mixed) == UUID(uuidString: mixed))
            let bytes = Array(id.lowercased.utf8)
            #expect(bytes.withUnsafeBytes { UUID(canonicalBytes: $0) } == id)
        }
    }

    @Test func refusesWhatIsNotTheCanonicalForm() {
        let id = UUID().lowercased
        let braced = "{" + String(id.dropFirst().dropLast()) + "}"
        let underscored = String(id.prefix(8)) + "_" + String(id.dropFirst(9))
        let notHex = String(id.prefix(35)) + "g"
        let spaced = " " + String(id.dropFirst())
        let malformed: [String] = [
            "", String(id.dropLast()), id + "0", id.replacingOccurrences(of: "-", with: ""),
            braced, underscored, notHex, spaced,
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f", "0a1b2c3d4-e5f-6071-8293-a4b5c6d7e8f9",
            "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\u{0}", "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8\u{e9}",
        ]
        for text in malformed {
            #expect(UUID(canonical: text) == nil, "\(text)")
        }
    }
}
