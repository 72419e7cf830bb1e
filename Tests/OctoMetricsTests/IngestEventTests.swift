import Foundation
import Testing
@testable import OctoMetrics

/// A batch split by provider: the rows stored per provider and the summary its live event carries.
@Suite struct IngestEventTests {
    @Test func aBatchIsSummedPerProviderWithDistinctSeriesAndTheNewestTime() {
        let alpha = UUID(), beta = UUID()
        func row(_ provider: UUID, _ series: Int64, _ at: Int64) -> MetricsIngestPipeline.Row {
            MetricsIngestPipeline.Row(providerID: provider, seriesID: series, atMilliseconds: at, value: 1)
        }
        // Two submissions in one batch; alpha's series 1 appears three times, beta's once.
        let parts = MetricsIngestPipeline.parts([
            (0..<5_000).map { row(alpha, Int64($0), 1_000 + Int64($0)) } + [row(alpha, 1, 9_000), row(beta, 7, 500)],
            [row(alpha, 1, 8_000)],
        ])
        #expect(parts.count == 2)
        #expect(parts[alpha]?.series.count == 5_002)
        #expect(parts[alpha]?.distinctSeries == 5_000)
        #expect(parts[alpha]?.newest == 9_000)
        #expect(parts[alpha]?.times.suffix(2) == [9_000, 8_000], "in arrival order")
        #expect(parts[beta]?.series == [7] && parts[beta]?.times == [500])
        #expect(parts[beta]?.distinctSeries == 1 && parts[beta]?.newest == 500)
    }
}
