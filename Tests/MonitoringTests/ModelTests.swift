import Foundation
import Monitoring
import Testing

@Suite struct ModelTests {
    @Test func pollResultKeepsFailedCollectorsThroughJSON() throws {
        let result = PollResult(system: SystemInfo(name: "olt-1", uptimeTicks: 42),
                                optics: [OpticalReading(scope: .onu, index: "4194312448.5", rxDbm: -21.5)],
                                errors: [.interfaces: "timeout"], varbinds: 3)
        let decoded = try JSONDecoder().decode(PollResult.self, from: JSONEncoder().encode(result))
        #expect(decoded == result)
        #expect(decoded.errors[.interfaces] == "timeout")
    }
}
