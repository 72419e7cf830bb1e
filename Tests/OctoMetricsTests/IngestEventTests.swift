import Foundation
import Testing
@testable import OctoMetrics

/// The per-provider summary a batch's live event carries.
@Suite struct IngestEventTests {
    @Test func aBatchIsSummedPerProviderWithDistinctSeriesAndTheNewestTime() {
        let alpha = UUID(), beta = UUID()
        func row(_ provider: UUID, _ series: Int64, _ at: Int64) -> MetricsIngestPipeline.Row {
            MetricsIngestPipeline.Row(providerID: provider, seriesID: series, atMilliseconds: at, value: 1)
        }
        // Two submissions in one batch; alpha's series 1 appears three times, beta's once.
        let tallies = MetricsIngestPipeline.tallies([
            (0..<5_000).map { row(alpha, Int64($0), 1_000 + Int64($0)) } + [row(alpha, 1, 9_000), row(beta, 7, 500)],
            [row(alpha, 1, 8_000)],
        ])
        #expect(tallies.count == 2)
        #expect(tallies[alpha]?.samples == 5_002)
        #expect(tallies[alpha]?.series.count == 5_000)
        #expect(tallies[alpha]?.newest == 9_000)
        #expect(tallies[beta]?.samples == 1)
        #expect(tallies[beta]?.series == [7])
        #expect(tallies[beta]?.newest == 500)
    }
}
