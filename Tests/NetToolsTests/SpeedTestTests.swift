import Foundation
import NetTools
import Testing

/// The TR-143 arithmetic of the speed test: times with microseconds, the throughput from BOMTime to
/// EOMTime, and the request's bounds.
@Suite struct SpeedTestTests {
    @Test(arguments: [
        ("2026-12-05T22:01:05.123456Z", 1_796_508_065.123456),
        ("2026-12-05T22:01:05Z", 1_796_508_065.0),
        ("2026-12-05T19:01:05.5-03:00", 1_796_508_065.5),
    ])
    func tr143TimesKeepTheirMicroseconds(text: String, seconds: Double) throws {
        let date = try #require(TR143Time.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    @Test(arguments: ["", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z", "yesterday", "2026-12-05T22:01:05.Z"])
    func unknownOrMalformedTimesAreNotTimes(text: String) {
        #expect(TR143Time.parse(text) == nil)
    }

    @Test func formattedTimesParseBackToTheMicrosecond() throws {
        let date = Date(timeIntervalSince1970: 1_796_508_065.000_042)
        let text = TR143Time.format(date)
        #expect(text == "2026-12-05T22:01:05.000042Z")
        #expect(abs(try #require(TR143Time.parse(text)).timeIntervalSince(date)) < 0.000_001)
    }

    @Test func throughputIsTheTestBytesOverBOMToEOM() throws {
        // 12.5 MB in 1.000250 s: 99.975 Mbit/s.
        let result = try #require(SpeedTestResult.compute(
            direction: .download, testBytes: 12_500_000, totalBytes: 12_500_310, serverBytes: 12_500_000,
            romTime: "2026-12-05T22:01:04.990000Z", bomTime: "2026-12-05T22:01:05.000000Z", eomTime: "2026-12-05T22:01:06.000250Z",
            tcpOpenRequestTime: "2026-12-05T22:01:04.980000Z", tcpOpenResponseTime: "2026-12-05T22:01:04.980750Z"))
        #expect(result.durationMs == 1000.25)
        #expect(result.throughputMbps == 99.975)
        #expect(result.connectMs == 0.75)
        #expect(result.firstByteMs == 10)
    }

    @Test func timesOutOfOrderGiveNoResult() {
        #expect(SpeedTestResult.compute(direction: .upload, testBytes: 1000, totalBytes: nil, serverBytes: nil, romTime: "",
                                        bomTime: "2026-12-05T22:01:06Z", eomTime: "2026-12-05T22:01:05Z",
                                        tcpOpenRequestTime: nil, tcpOpenResponseTime: nil) == nil)
        #expect(SpeedTestResult.compute(direction: .upload, testBytes: 1000, totalBytes: nil, serverBytes: nil, romTime: "",
                                        bomTime: "0001-01-01T00:00:00Z", eomTime: "2026-12-05T22:01:05Z",
                                        tcpOpenRequestTime: nil, tcpOpenResponseTime: nil) == nil)
    }

    @Test(arguments: [(65_535, false), (65_536, true), (100_000_000, true), (100_000_001, false)])
    func theTestSizeIsBounded(bytes: Int, valid: Bool) {
        let request = ToolRequest.speedtest(SpeedTestRequest(direction: .upload, bytes: bytes))
        do {
            try request.validate()
            #expect(valid)
        } catch {
            #expect(!valid)
            #expect(error.field == "speedtest.bytes")
        }
    }
}
