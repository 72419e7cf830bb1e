import Monitoring
import Testing

@Suite struct CollectorKindTests {
    @Test func collectorNamesAreTheAPIs() {
        #expect(CollectorKind.allCases.map(\.rawValue) == ["system", "health", "interfaces", "optics", "neighbors", "bgp", "sessions"])
        #expect(CollectorKind(rawValue: "optics") == .optics)
        #expect(CollectorKind(rawValue: "bogus") == nil)
    }
}
