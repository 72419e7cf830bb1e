import CPESimulator
import CWMP
import Foundation

/// The scale-out storms of bench/scale: the same BOOT storm through nginx against one ACS process,
/// against two, and against the bare route, alternated in each round so all three see the same box.
struct ScaleStorms {
    /// nginx in front of the bare route.
    let bare: URL
    /// nginx in front of one ACS process.
    let one: URL
    /// nginx in front of two ACS processes.
    let two: URL
    let models: [DataModel]
    let authorization: String
    let concurrency: Int
    let cpes: Int

    func storm(_ endpoint: URL, _ target: Storm.Target) -> Storm {
        Storm(endpoint: endpoint, target: target, models: models, authorization: authorization, concurrency: concurrency,
              events: [InformEvent(code: InformEvent.boot)], cpes: 0..<cpes)
    }

    /// Runs and prints every storm; returns the number of failed sessions.
    func run(rounds: Int) async -> Int {
        let header = "storm (through nginx)          sessions   seconds  sessions/s   p50 ms   p99 ms  requests  errors"
        print(header)
        print(String(repeating: "-", count: header.count))
        var errors = 0
        var rates: [String: [Double]] = [:]
        var p99: [String: [Double]] = [:]
        for round in 1...max(1, rounds) {
            for (name, endpoint, target) in [("bare route", bare, Storm.Target.bare), ("1 ACS process", one, .acs), ("2 ACS processes", two, .acs)] {
                let result = await storm(endpoint, target).run()
                line("\(name), round \(round)", result)
                errors += result.errors
                rates[name, default: []].append(result.perSecond)
                p99[name, default: []].append(result.percentile(99) * 1000)
            }
        }
        let bareRate = median(rates["bare route"] ?? [0])
        let oneRate = median(rates["1 ACS process"] ?? [0])
        let twoRate = median(rates["2 ACS processes"] ?? [0])
        print("")
        print(String(format: "median sessions/s: bare route %.0f, 1 ACS %.0f, 2 ACS %.0f; median p99: bare %.1f ms, 1 ACS %.1f ms, 2 ACS %.1f ms",
                     bareRate, oneRate, twoRate, median(p99["bare route"] ?? [0]), median(p99["1 ACS process"] ?? [0]),
                     median(p99["2 ACS processes"] ?? [0])))
        print(String(format: "ratio 2 ACS / 1 ACS: %.2f; ratio to the bare route: 1 ACS %.2f, 2 ACS %.2f; %d errors in all storms",
                     twoRate / max(oneRate, 1e-9), oneRate / max(bareRate, 1e-9), twoRate / max(bareRate, 1e-9), errors))
        print("(the ratio 2/1 is bounded by the cores: nginx, PostgreSQL, the storm client and the ACS processes share \(ProcessInfo.processInfo.activeProcessorCount) here)")
        return errors
    }
}
