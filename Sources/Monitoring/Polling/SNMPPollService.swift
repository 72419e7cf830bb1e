import Foundation
import Logging
import Metrics
import OctoCore
import PostgresNIO
import OctoJobs
import OctoMetrics
import OctoStore
import SNMP

/// A device's poll plan and the credentials to try, in order.
typealias LoadedPollPlan = (plan: SNMPPollPlan, credentials: [OpenedSNMPCredential])

/// Runs the SNMP jobs: plans cycles (``SNMPCycleJob``), polls devices (``SNMPPollJob``) and sweeps
/// discovery ranges (``SNMPDiscoveryJob``) with an injected ``DevicePolling``.
public struct SNMPPollService: Sendable {
    let database: Database
    let queue: any JobQueue
    let poller: any DevicePolling
    let secrets: SecretBox
    let pipeline: MetricsIngestPipeline?
    let settings: PollSettings
    let deny: DenyListPolicy
    let clock: any WallClock
    let logger: Logger
    /// The interface state this process stored last, per device (skips unchanged interface rows).
    let interfaces = InterfaceStateCache()
    /// Combines the samples of polls that finish together into one submission to ``pipeline``.
    let sampleBatcher: PollSampleBatcher?
    /// Reads the plans and credentials of polls that start together in one transaction.
    let plans: PollCoalescer<UUID, LoadedPollPlan?>
    /// Writes the device rows of polls that finish together, unchanged but for their readings
    /// (``SNMPDeviceRepository/polledWithoutChanges(_:provider:identity:credentialId:result:collectors:durationMs:latency:interfaces:at:)``),
    /// in one statement.
    let polledStates: PollCoalescer<PolledState, Void>

    /// Creates the service. Without a pipeline samples are not stored (inventory and status still are).
    /// `deny` is checked again before every poll (`octoisp serve` and the POP agent pass
    /// `OCTOISP_OUTBOUND_DENY`'s list): a device row in a denied range, written before the API refused
    /// such addresses or straight into the database, is never sent a packet.
    public init(database: Database, queue: any JobQueue, poller: any DevicePolling, secrets: SecretBox,
                pipeline: MetricsIngestPipeline?, settings: PollSettings = PollSettings(), deny: DenyListPolicy = DenyListPolicy(deny: []),
                clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.database = database
        self.queue = queue
        self.poller = poller
        self.secrets = secrets
        self.pipeline = pipeline
        sampleBatcher = pipeline.map { PollSampleBatcher(pipeline: $0) }
        plans = PollCoalescer { provider, devices in
            try await database.withTenant(provider) { tx in try await Self.loadPlans(devices, tx: tx, secrets: secrets) }
        }
        polledStates = PollCoalescer { provider, states in
            try await database.withTenant(provider) { tx in try await tx.snmpDevices.recordPolled(states) }
            return states.map { _ in () }
        }
        self.settings = settings
        self.deny = deny
        self.clock = clock
        self.logger = logger
        // Every result exists from the start (at 0), so failure ratios are defined before the first failure.
        for result in ["ok", "timeout", "error"] { _ = Counter(label: "octoisp_snmp_polls_total", dimensions: [("result", result)]) }
        _ = Timer(label: "octoisp_snmp_poll_duration_seconds")
    }

    /// Registers the three handlers.
    public func register(in handlers: inout JobHandlers) {
        handlers.register(SNMPCycleJob.self) { job, context in
            _ = try await plan(provider: context.providerID, period: job.period)
        }
        handlers.register(SNMPPollJob.self) { job, context in
            try await poll(job, provider: context.providerID, logger: context.logger)
        }
        handlers.register(SNMPDiscoveryJob.self) { job, context in
            _ = try await discover(range: job.rangeId, provider: context.providerID, logger: context.logger)
        }
    }

    /// The schedule that fires every minute and enqueues one ``SNMPCycleJob`` per provider with
    /// enabled SNMP devices or discovery ranges.
    public func schedule(every seconds: Int64 = 60) -> RecurringSchedule {
        RecurringSchedule(name: "snmp.cycle", every: seconds) { start in
            let period = Int64(start.timeIntervalSince1970)
            let providers = try await database.withGlobal { tx in
                try await tx.query("""
                    SELECT provider_id FROM snmp_devices WHERE enabled
                    UNION SELECT provider_id FROM snmp_discovery_ranges WHERE enabled AND every_seconds IS NOT NULL
                    """).monitoringRows { try $0.column("provider_id", as: UUID.self) }
            }
            return try providers.map { provider in
                try JobRequest(SNMPCycleJob(period: period), providerID: provider, queue: SNMPQueues.shared, priority: 10,
                               maxAttempts: 3, dedupKey: "snmp.cycle:\(period)")
            }
        }
    }

    /// Enqueues the provider's due polls and discovery sweeps; returns the requests it made.
    @discardableResult
    public func plan(provider: UUID, period: Int64) async throws -> [JobRequest] {
        let now = clock.now
        let (candidates, agentPops, ranges) = try await database.withTenant(provider) { tx in
            let candidates = try await tx.snmpDevices.scheduleCandidates()
            let fresh = now.addingTimeInterval(-SNMPQueues.agentFreshness)
            let pops = Set(try await tx.query("SELECT DISTINCT pop_id FROM snmp_pop_agents WHERE last_seen_at > \(fresh)")
                .monitoringRows { try $0.column("pop_id", as: UUID.self) })
            let ranges = try await tx.snmpDiscoveryRanges.due(at: now)
            return (candidates, pops, ranges)
        }
        func queueName(_ pop: UUID?) -> String {
            if let pop, agentPops.contains(pop) { return SNMPQueues.pop(pop) }
            return SNMPQueues.shared
        }
        var requests: [JobRequest] = []
        for candidate in candidates {
            let due = candidate.intervals.due(at: now, lastRun: candidate.lastRun)
            guard !due.isEmpty else { continue }
            let collectors = CollectorKind.allCases.filter(due.contains)
            requests.append(try JobRequest(SNMPPollJob(deviceId: candidate.deviceId, collectors: collectors, period: period),
                                           providerID: provider, queue: queueName(candidate.popId), maxAttempts: 3,
                                           dedupKey: "snmp.poll:\(candidate.deviceId.lowercased):\(period)",
                                           orderingKey: candidate.deviceId.lowercased))
        }
        for range in ranges {
            requests.append(try JobRequest(SNMPDiscoveryJob(rangeId: range.id), providerID: provider, queue: queueName(range.popId),
                                           priority: -10, maxAttempts: 2, dedupKey: "snmp.discover:\(range.id.lowercased)",
                                           orderingKey: "discover:\(range.id.lowercased)"))
        }
        if !requests.isEmpty { _ = try await queue.enqueue(requests) }
        logger.debug("snmp cycle planned", metadata: ["provider.id": "\(provider.lowercased)", "jobs": "\(requests.count)"])
        return requests
    }

    /// Polls one device within ``PollSettings/pollTimeout`` and records the outcome. SNMP failures are
    /// recorded, not thrown: the next cycle tries again. Database failures throw (the job retries).
    ///
    /// With ICMP on (``PollSettings/icmp``) the device is pinged while it is polled: the round trip and
    /// loss become the `rtt` / `packetLoss` series (label `method=icmp`), and a device whose SNMP fails
    /// while echo answers is `snmp_failing` rather than `down`. When no ICMP socket may be opened, a
    /// timed SNMP GET with the credential that worked measures the round trip instead (`method=snmp`).
    public func poll(_ job: SNMPPollJob, provider: UUID, logger: Logger? = nil) async throws {
        let logger = logger ?? self.logger
        guard let (plan, credentials) = try await plans.submit(job.deviceId, provider: provider) else { return }
        if let range = deny.deniedRange(of: plan.address) {
            let error = "address denied by OCTOISP_OUTBOUND_DENY (\(plan.address) is in \(range)): not polled"
            logger.warning("snmp poll refused", metadata: ["device.id": "\(plan.deviceId.lowercased)", "error": "\(error)"])
            try await database.withTenant(provider) { tx in try await tx.snmpDevices.recordRefused(plan, error: error) }
            return
        }
        let collectors = Set(job.collectors)
        let started = ContinuousClock.now
        let deviceMetadata: Logger.Metadata = ["device.id": "\(plan.deviceId.lowercased)"]
        logger.debug("snmp poll started", metadata: deviceMetadata.merging(["at.ms": "\(Self.milliseconds(clock.now))"]) { $1 })
        defer {
            logger.debug("snmp poll finished", metadata: deviceMetadata.merging(["at.ms": "\(Self.milliseconds(clock.now))"]) { $1 })
        }
        let settings = self.settings
        let poller = self.poller
        async let echo = Self.echo(settings.icmp, address: plan.address)
        let outcome: Result<(DeviceIdentity, UUID, PollResult), any Error>
        do {
            outcome = .success(try await withAbandoningTimeout(settings.pollTimeout, timeoutError: { PollTimeoutError(limit: settings.pollTimeout) }) {
                guard !credentials.isEmpty else { throw SNMPError(.invalidArgument, "no SNMP credential for this device") }
                var lastError: any Error = SNMPError(.timeout, "no credential answered")
                for credential in credentials {
                    let target = try SNMPTarget(host: plan.address, port: plan.port, credentials: credential.credentials,
                                                timeout: settings.requestTimeout, retries: settings.retries)
                    do {
                        let identity: DeviceIdentity
                        if let known = plan.identity, plan.credentialId == credential.id { identity = known } else { identity = try await poller.identify(target) }
                        return (identity, credential.id, try await poller.poll(target, identity: identity, collectors: collectors))
                    } catch {
                        lastError = error
                    }
                }
                throw lastError
            })
        } catch {
            outcome = .failure(error)
        }
        let elapsed = ContinuousClock.now - started
        Self.recordPoll(outcome.map { _ in () }, elapsed: elapsed)
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        var latency: LatencyMeasurement?
        let icmpError: (any Error)?
        switch await echo {
        case .success(let result)?:
            latency = LatencyMeasurement(result)
            icmpError = nil
        case .failure(let error)?:
            icmpError = error
            logger.debug("icmp unavailable, latency measured over SNMP", metadata: deviceMetadata.merging(["error": "\(error)"]) { $1 })
        case nil:
            icmpError = nil
        }
        switch outcome {
        case .success(let (identity, credential, result)):
            if icmpError != nil, let opened = credentials.first(where: { $0.id == credential }),
               let target = try? SNMPTarget(host: plan.address, port: plan.port, credentials: opened.credentials,
                                            timeout: settings.requestTimeout, retries: 0) {
                let rtt = try? await poller.ping(target)
                latency = LatencyMeasurement(method: .snmp, rttMs: rtt.map(ICMPPinger.milliseconds), lossPercent: rtt == nil ? 100 : 0)
            }
            let measured = latency
            let cache = interfaces
            let samples: [MetricSample]
            if let polled = try SNMPDeviceRepository.polledWithoutChanges(plan, provider: provider, identity: identity, credentialId: credential,
                                                                          result: result, collectors: collectors, durationMs: milliseconds,
                                                                          latency: measured, interfaces: cache, at: database.clock.now) {
                try await polledStates.submit(polled.state, provider: provider)
                samples = polled.samples
            } else {
                let stored: InterfaceStateCache.Entry?
                (samples, stored) = try await database.withTenant(provider) { tx in
                    try await tx.snmpDevices.recordSuccess(plan, identity: identity, credentialId: credential, result: result,
                                                            collectors: collectors, durationMs: milliseconds, latency: measured,
                                                            interfaces: cache)
                }
                // Committed: the next poll may trust this state when the stored digest still matches.
                if let stored { interfaces.store(stored, provider: provider, device: plan.deviceId) }
            }
            if let batcher = sampleBatcher { try await batcher.submit(samples) }
        case .failure(let error):
            let timedOut = error is PollTimeoutError || (error as? SNMPError)?.code == .timeout
            if icmpError != nil { latency = LatencyMeasurement(method: .snmp, rttMs: nil, lossPercent: 100) }
            let measured = latency
            logger.info("snmp poll failed", metadata: [
                "device.id": "\(plan.deviceId.lowercased)", "error": "\(error)",
                "icmp": "\(measured.map { $0.method == .icmp ? ($0.answered ? "answers" : "silent") : "unavailable" } ?? "off")",
            ])
            let samples = try await database.withTenant(provider) { tx in
                try await tx.snmpDevices.recordFailure(plan, error: "\(error)", timedOut: timedOut, durationMs: milliseconds,
                                                        latency: measured)
            }
            if let batcher = sampleBatcher { try await batcher.submit(samples) }
        }
    }

    /// The plans of `devices` with the credentials to try, in order; `nil` for a device that is not
    /// polled (deleted or disabled meanwhile). A device's own credential is read with the others, in one
    /// statement; one that has none (or lost it) gets its candidates.
    static func loadPlans(_ devices: [UUID], tx: Transaction, secrets: SecretBox) async throws -> [LoadedPollPlan?] {
        let plans = try await tx.snmpDevices.pollPlans(devices)
        let ids = Set(plans.values.compactMap { $0.enabled ? $0.credentialId : nil })
        let opened = ids.isEmpty ? [:] : try await tx.snmpCredentials.open(Array(ids), secrets: secrets)
        var loaded: [LoadedPollPlan?] = []
        loaded.reserveCapacity(devices.count)
        for device in devices {
            guard let plan = plans[device], plan.enabled else {
                loaded.append(nil)
                continue
            }
            if let id = plan.credentialId, let credential = opened[id] {
                loaded.append((plan, [credential]))
            } else {
                loaded.append((plan, try await tx.snmpCredentials.candidates(pop: plan.popId, device: plan.deviceId, secrets: secrets)))
            }
        }
        return loaded
    }

    /// Counts a poll by result (`ok`, `timeout`, `error`) and records its duration (Prometheus:
    /// `octoisp_snmp_polls_total{result}`, `octoisp_snmp_poll_duration_seconds`).
    static func recordPoll(_ outcome: Result<Void, any Error>, elapsed: Duration) {
        let result: String = switch outcome {
        case .success: "ok"
        case .failure(let error): error is PollTimeoutError || (error as? SNMPError)?.code == .timeout ? "timeout" : "error"
        }
        Counter(label: "octoisp_snmp_polls_total", dimensions: [("result", result)]).increment()
        Timer(label: "octoisp_snmp_poll_duration_seconds").recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// Pings the device's address as `pinger` says (count, timeout, socket kinds) through the process's
    /// shared ICMP socket (``ICMPEchoMultiplexer``); `nil` when ICMP is off or the address is not IPv4.
    static func echo(_ pinger: ICMPPinger?, address: String) async -> Result<ICMPPingResult, any Error>? {
        guard let pinger, let target = IPv4Address(address) else { return nil }
        do {
            let multiplexer = try ICMPEchoMultiplexer.shared(sockets: pinger.sockets)
            return .success(await multiplexer.ping(target, count: pinger.count, timeout: pinger.timeout))
        } catch {
            return .failure(error)
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
