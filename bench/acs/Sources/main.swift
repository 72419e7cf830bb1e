// The ACS reboot storm (bench/acs): simulated CPEs send `1 BOOT` Informs as fast as the box allows;
// each CWMP session is Inform → InformResponse → empty POST → 204 on a keep-alive connection of its
// own, from the CPE's own 127.x address. The same client with the same concurrency also hits a bare
// Hummingbird route answering every POST with 204, in the same run, as the baseline.
//
//   acs-bench bare --port P
//       serve the bare route (its own process, as the ACS is)
//   acs-bench storm --acs URL --bare URL --model CSV [--model CSV…] [--cpes N] [--concurrency C]
//                   [--rounds R] [--register N] [--other URL --other-label TEXT]
//       seed N registered and discovered devices with SQL, then alternate storms against the bare
//       route and the ACS R times; with --register, first a registration storm of N new CPEs
//       (BOOTSTRAP + BOOT: registration and discovery of the whole tree through the ACS); with
//       --other, each round also storms a second ACS process on the same database that differs in one
//       setting (bench/acs/run.sh: group commit off, or in-memory caches off), named by --other-label;
//       the two ACS storms in alternating order.
//   acs-bench codec --model CSV [--model CSV…] [--informs N] [--passes P]
//       the CWMP codec alone on the storm's Informs: decode and InformResponse encode per Inform, beside
//       libxml2 scanning the same bytes (no network, no database; repeatable under callgrind)
//   acs-bench scale --bare URL --one URL --two URL --model CSV [--model CSV…] [--cpes N] [--concurrency C] [--rounds R]
//       the same seed, then per round a BOOT storm through nginx against the bare route, one ACS process
//       and two (bench/scale/run.sh starts them); prints sessions/s, p99 and the ratios.
//
// Needs DATABASE_URL, OCTOISP_GLOBAL_DATABASE_URL and OCTOISP_OWNER_DATABASE_URL (the seed analyzes the
// tables it filled, which only their owner may) of a migrated database; bench/acs/run.sh starts a
// throwaway PostgreSQL, `octoisp serve --roles acs` and the bare route.
import ACS
import CPESimulator
import CWMP
import Foundation
import Hummingbird
import Logging
import OctoCore
import OctoStore
import PostgresNIO

let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
func options(_ name: String) -> [String] { arguments.indices.filter { arguments[$0] == name && $0 + 1 < arguments.count }.map { arguments[$0 + 1] } }
let logger = { var logger = Logger(label: "acs-bench"); logger.logLevel = .error; return logger }()

switch arguments.dropFirst().first {
case "bare":
    // A trivial POST handler: reads the body (as the CWMP endpoint does) and answers 204.
    let router = Router()
    router.post("/cwmp/:slug") { request, _ -> Response in
        _ = try await request.body.collect(upTo: 2 << 20)
        return Response(status: .noContent)
    }
    let port = option("--port").flatMap(Int.init) ?? 7548
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare"), logger: logger)
    try await app.runService()
case "storm":
    try await storm()
case "scale":
    try await scale()
case "codec":
    try CodecBench(models: try loadModels(options("--model")), informs: option("--informs").flatMap(Int.init) ?? 1_000,
                   passes: option("--passes").flatMap(Int.init) ?? 20).run()
default:
    print("usage: acs-bench bare --port P | acs-bench storm --acs URL --bare URL --model CSV… [--cpes N] [--concurrency C] [--rounds R] [--register N]"
          + " | acs-bench codec --model CSV… [--informs N] [--passes P] | acs-bench scale --bare URL --one URL --two URL --model CSV… [--cpes N] [--concurrency C] [--rounds R]")
    exit(2)
}

/// The seeded provider of a run, the storm's `Authorization` value and the run's settings.
struct Seeded {
    let providerID: UUID
    let slug: String
    let authorization: String
    let models: [DataModel]
    let cpes: Int
    let concurrency: Int
    let seed: Seed
    let runner: Task<Void, any Error>
}

/// Loads the models and seeds the provider and its `--cpes` devices (shared by `storm` and `scale`).
func seeded() async throws -> Seeded {
    let models = try loadModels(options("--model"))
    guard !models.isEmpty else { throw StormConnection.Failure(description: "give at least one --model") }
    let cpes = option("--cpes").flatMap(Int.init) ?? 20_000
    let concurrency = option("--concurrency").flatMap(Int.init) ?? 128
    let environment = ProcessInfo.processInfo.environment
    let database = Database(configuration: .init(app: try DatabaseURL(environment["DATABASE_URL"] ?? ""),
                                                 global: try DatabaseURL(environment["OCTOISP_GLOBAL_DATABASE_URL"] ?? ""),
                                                 maximumConnections: 8), logger: logger)
    let runner = Task { try await database.run() }
    for model in models {
        print("model \(model.identity.manufacturer) \(model.identity.productClass) (\(model.root)): \(model.leafCount) parameters")
    }
    let password = "storm-" + UUID().lowercased.prefix(12)
    let seed = Seed(database: database, models: models)
    let (slug, providerID) = try await seed.provider(username: "cpe", password: password)
    let seeding = ContinuousClock.now
    try await seed.devices(0..<cpes, provider: providerID, owner: try DatabaseURL(environment["OCTOISP_OWNER_DATABASE_URL"] ?? ""))
    print(String(format: "seeded %d registered, discovered devices with SQL in %.1f s", cpes, Storm.seconds(ContinuousClock.now - seeding)))
    print("\(cpes) CPEs per storm, \(concurrency) sessions in flight, HTTP Basic, keep-alive within a session, one 127.x address per CPE\n")
    return Seeded(providerID: providerID, slug: slug, authorization: "Basic " + Data("cpe:\(password)".utf8).base64EncodedString(),
                  models: models, cpes: cpes, concurrency: concurrency, seed: seed, runner: runner)
}

func storm() async throws {
    guard let acs = option("--acs").flatMap(URL.init(string:)), let bare = option("--bare").flatMap(URL.init(string:)) else {
        throw StormConnection.Failure(description: "give --acs and --bare")
    }
    let run = try await seeded()
    let storms = Storms(acs: acs.appendingPathComponent(run.slug), bare: bare.appendingPathComponent(run.slug),
                        other: option("--other").flatMap(URL.init(string:))?.appendingPathComponent(run.slug),
                        otherLabel: option("--other-label") ?? "other", models: run.models,
                        authorization: run.authorization, concurrency: run.concurrency, cpes: run.cpes)
    let errors = await storms.run(rounds: option("--rounds").flatMap(Int.init) ?? 3, register: option("--register").flatMap(Int.init) ?? 0)
    let (informs, leases) = try await run.seed.leftovers(provider: run.providerID)
    print("stored Informs: \(informs); leases left: \(leases)")
    run.runner.cancel()
    if errors > 0 { exit(1) }
}

func scale() async throws {
    guard let bare = option("--bare").flatMap(URL.init(string:)), let one = option("--one").flatMap(URL.init(string:)),
          let two = option("--two").flatMap(URL.init(string:)) else {
        throw StormConnection.Failure(description: "give --bare, --one and --two")
    }
    let run = try await seeded()
    let storms = ScaleStorms(bare: bare.appendingPathComponent(run.slug), one: one.appendingPathComponent(run.slug),
                             two: two.appendingPathComponent(run.slug), models: run.models, authorization: run.authorization,
                             concurrency: run.concurrency, cpes: run.cpes)
    let errors = await storms.run(rounds: option("--rounds").flatMap(Int.init) ?? 1)
    let (informs, leases) = try await run.seed.leftovers(provider: run.providerID)
    print("stored Informs: \(informs); leases left: \(leases)")
    run.runner.cancel()
    if errors > 0 { exit(1) }
}

/// The storms of one run: an optional registration storm, then rounds of bare route and ACS storms.
struct Storms {
    let acs: URL
    let bare: URL
    /// A second ACS process that differs in one setting, if given, and what differs.
    let other: URL?
    let otherLabel: String
    let models: [DataModel]
    let authorization: String
    let concurrency: Int
    let cpes: Int

    func storm(_ target: Storm.Target, events: [InformEvent], cpes range: Range<Int>, endpoint: URL? = nil) -> Storm {
        Storm(endpoint: endpoint ?? (target == .acs ? acs : bare), target: target, models: models, authorization: authorization,
              concurrency: concurrency, events: events, cpes: range)
    }

    /// Runs and prints every storm; returns the number of failed sessions.
    func run(rounds: Int, register: Int) async -> Int {
        let header = "storm                          sessions   seconds  sessions/s   p50 ms   p99 ms  requests  errors"
        print(header)
        print(String(repeating: "-", count: header.count))
        var errors = 0
        if register > 0 {
            let result = await storm(.acs, events: [InformEvent(code: InformEvent.bootstrap), InformEvent(code: InformEvent.boot)],
                                     cpes: cpes..<(cpes + register)).run()
            line("ACS registration + discovery", result)
            errors += result.errors
        }
        let boot = [InformEvent(code: InformEvent.boot)]
        var bareRates: [Double] = []
        var acsRates: [Double] = []
        var otherRates: [Double] = []
        var fastest = Double.infinity
        for round in 1...max(1, rounds) {
            let baseline = await storm(.bare, events: boot, cpes: 0..<cpes).run()
            line("bare route, round \(round)", baseline)
            errors += baseline.errors
            bareRates.append(baseline.perSecond)
            // With a second process, odd rounds storm the one as shipped first, even rounds the other.
            let shippedFirst = round % 2 == 1
            if let other, !shippedFirst {
                let result = await storm(.acs, events: boot, cpes: 0..<cpes, endpoint: other).run()
                line("ACS \(otherLabel), round \(round)", result)
                errors += result.errors
                otherRates.append(result.perSecond)
            }
            let result = await storm(.acs, events: boot, cpes: 0..<cpes).run()
            line("ACS 1 BOOT, round \(round)" + (round == 1 ? " (1st)" : ""), result)
            errors += result.errors
            acsRates.append(result.perSecond)
            fastest = min(fastest, result.seconds)
            if let other, shippedFirst {
                let result = await storm(.acs, events: boot, cpes: 0..<cpes, endpoint: other).run()
                line("ACS \(otherLabel), round \(round)", result)
                errors += result.errors
                otherRates.append(result.perSecond)
            }
        }
        let ratios = zip(acsRates, bareRates).map { String(format: "%.2f", $0 / $1) }.joined(separator: ", ")
        print("")
        print(String(format: "median sessions/s: ACS %.0f, bare route %.0f; ratio ACS/bare %.2f", median(acsRates), median(bareRates),
                     median(acsRates) / median(bareRates)) + " (per round: " + ratios + ")")
        if !otherRates.isEmpty {
            let gains = zip(acsRates, otherRates).map { String(format: "%.2f", $0 / $1) }.joined(separator: ", ")
            print("median sessions/s with \(otherLabel): " + String(format: "%.0f; its ratio to the bare route %.2f; ", median(otherRates),
                                                                          median(otherRates) / median(bareRates))
                  + "as shipped / \(otherLabel) " + String(format: "%.2f", median(acsRates) / median(otherRates)) + " (per round: " + gains + ")")
        }
        print(String(format: "%d-CPE BOOT storm absorbed in %.1f s at best (goal: 100,000 in ≤ 90 s and ≥ 0.5× the bare route); %d errors in all storms",
                     cpes, fastest, errors))
        return errors
    }
}

/// Prints one storm's figures as a table row.
func line(_ name: String, _ result: Storm.Result) {
    print(name.padding(toLength: 30, withPad: " ", startingAt: 0)
          + String(format: " %8d  %8.1f  %10.0f  %7.1f  %7.1f  %8d  %6d", result.sessions, result.seconds, result.perSecond,
                   result.percentile(50) * 1000, result.percentile(99) * 1000, result.requests, result.errors))
    for error in result.firstErrors { print("    \(error)") }
}

/// The median of `values` (the upper one of an even count).
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// The data models of the CSV files at `paths`.
func loadModels(_ paths: [String]) throws -> [DataModel] {
    var models: [DataModel] = []
    for path in paths {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do {
            models.append(try DataModel(csv: text))
        } catch {
            throw StormConnection.Failure(description: "\(path): \(error.description)")
        }
    }
    return models
}
