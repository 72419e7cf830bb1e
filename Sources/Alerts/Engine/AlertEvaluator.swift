import Foundation
import Logging
import Metrics
import OctoCore
import OctoMetrics
import OctoStore
import PostgresNIO

/// Evaluates a provider's rules against what the platform knows (metric samples, reachability,
/// interface and Inform state), moves each alert through its ``AlertStateMachine``, applies silences,
/// maintenance windows and topology suppression, and opens, joins and resolves incidents — in one
/// tenant transaction, one evaluator per provider at a time (a transaction-scoped advisory lock).
public struct AlertEvaluator: Sendable {
    /// The pools.
    public let database: Database
    /// Retention (to read metrics).
    public let retention: MetricsRetention
    /// Logger.
    public let logger: Logger
    /// How metric rules are evaluated between full passes.
    public let incremental: Incremental
    /// The in-memory windows of streaming evaluation (``Incremental/streaming``).
    public let windows: StreamingWindows
    /// The providers' device lists, kept between evaluations.
    public let deviceCache: DeviceListCache

    /// Incremental evaluation: between full passes, a metric rule reads only the series that received
    /// samples since the previous evaluation (less `lateness`, for samples stamped before they reach
    /// the store), those with an open alert of the rule and, for no-data rules, those gone silent.
    public struct Incremental: Sendable, Hashable {
        /// Seconds between full passes, which also catch windows that change only because samples
        /// leave them (0: every evaluation is full).
        public var fullEvery: TimeInterval
        /// Seconds a sample may be stamped before the evaluation that first sees it.
        public var lateness: TimeInterval
        /// Threshold (all but rates), no-data and change rules keep their windows in memory
        /// (``StreamingWindows``), primed by a full pass and advanced with only the samples committed
        /// since; `fullEvery` then says how often the windows are read in full again.
        public var streaming: Bool

        /// Creates the settings.
        public init(fullEvery: TimeInterval = 300, lateness: TimeInterval = 15, streaming: Bool = true) {
            self.fullEvery = max(0, fullEvery)
            self.lateness = max(0, lateness)
            self.streaming = streaming
        }

        /// From `OCTOISP_ALERTS_FULL_EVERY`, `OCTOISP_ALERTS_LATENESS` (seconds) and `OCTOISP_ALERTS_STREAMING`
        /// (`0` or `false`: windows read from PostgreSQL each evaluation).
        public init(environment: [String: String]) {
            self.init(fullEvery: environment["OCTOISP_ALERTS_FULL_EVERY"].flatMap(TimeInterval.init) ?? 300,
                      lateness: environment["OCTOISP_ALERTS_LATENESS"].flatMap(TimeInterval.init) ?? 15,
                      streaming: !["0", "false", "no"].contains(environment["OCTOISP_ALERTS_STREAMING"]?.lowercased() ?? ""))
        }
    }

    /// Creates an evaluator.
    public init(database: Database, retention: MetricsRetention = MetricsRetention(), incremental: Incremental = Incremental(),
                windows: StreamingWindows = .shared, deviceCache: DeviceListCache = .shared, logger: Logger) {
        self.database = database
        self.deviceCache = deviceCache
        self.retention = retention
        self.incremental = incremental
        self.windows = windows
        self.logger = logger
        for result in ["ok", "skipped", "error"] { _ = Counter(label: "octoisp_alert_evaluations_total", dimensions: [("result", result)]) }
        _ = Timer(label: "octoisp_alert_evaluation_duration_seconds")
    }

    /// What one evaluation did.
    public struct Summary: Sendable, Hashable, Codable {
        /// Rules evaluated.
        public var rules = 0
        /// Targets observed.
        public var observations = 0
        /// Transitions by kind (`firing`, `resolved`, …).
        public var transitions: [String: Int] = [:]
        /// Alerts that started firing or resolved, unsuppressed: what gets notified.
        public var notify: [UUID] = []
        /// Incidents opened.
        public var incidentsOpened = 0
        /// Incidents resolved.
        public var incidentsResolved = 0
        /// Another evaluator held the provider's lock: nothing was done.
        public var skipped = false
        /// Metric rules evaluated over every series (the others read only changed and alerting ones).
        public var fullRules = 0
        /// Series that received samples since the previous evaluation (nil when none was needed).
        public var changedSeries: Int?
    }

    struct DeviceInfo {
        var id: UUID
        var name: String
        var kind: String
        var popId: UUID?
        var parent: UUID?
        var uplink: UUID?
        /// Customer equipment (`cpe`, `ont`): a rule covers it only when it asks.
        var customer: Bool

        init(id: UUID, name: String, kind: String, popId: UUID?, parent: UUID?, uplink: UUID?) {
            self.id = id
            self.name = name
            self.kind = kind
            self.popId = popId
            self.parent = parent
            self.uplink = uplink
            customer = kind == "cpe" || kind == "ont"
        }
    }

    /// The devices by id: positions in the list rather than copies of its entries.
    struct DeviceIndex {
        let devices: [DeviceInfo]
        let positions: [UUID: Int]

        init(_ devices: [DeviceInfo]) {
            self.devices = devices
            var positions: [UUID: Int] = [:]
            positions.reserveCapacity(devices.count)
            for (position, device) in devices.enumerated() { positions[device.id] = position }
            self.positions = positions
        }

        var count: Int { positions.count }

        subscript(id: UUID) -> DeviceInfo? { positions[id].map { devices[$0] } }
    }

    /// What one observation is about: a device and a target of it. With the rule's id it makes the
    /// alert's fingerprint (`<rule>|<device>|<target>`), compared without building that text.
    struct ObservedTarget: Hashable {
        enum Kind: Hashable {
            case device
            case informs
            case interface(Int32)
            case series(Int64)
        }

        var device: UUID
        var kind: Kind

        /// The alert's `target`: `device`, `informs`, `interface:<ifIndex>` or `series:<id>`.
        var text: String {
            switch kind {
            case .device: "device"
            case .informs: "informs"
            case .interface(let index): "interface:\(index)"
            case .series(let id): "series:\(id)"
            }
        }

        /// The target a stored alert's `device_id` and `target` name (nil for a text no rule writes).
        init?(device: UUID?, text: String) {
            guard let device else { return nil }
            self.device = device
            if text == "device" {
                kind = .device
            } else if text == "informs" {
                kind = .informs
            } else if text.hasPrefix("interface:"), let index = Int32(text.dropFirst(10)) {
                kind = .interface(index)
            } else if text.hasPrefix("series:"), let id = Int64(text.dropFirst(7)) {
                kind = .series(id)
            } else {
                return nil
            }
        }

        init(device: UUID, kind: Kind) {
            self.device = device
            self.kind = kind
        }

        /// The alert's fingerprint for the rule whose id reads `rule` (lowercased).
        func fingerprint(rule: String) -> String { "\(rule)|\(device.lowercased)|\(text)" }
    }

    /// One observed target of one rule. Its summary is written only when an alert is stored: most
    /// observations (healthy series without an alert) store nothing.
    struct Observed {
        var key: ObservedTarget
        var labels: [String: String]
        var observation: Observation
        var describe: () -> AlertText

        var deviceId: UUID? { key.device }
        var target: String { key.text }
        var summary: AlertText { describe() }
    }

    /// Evaluates every enabled rule of `provider` at the clock's now.
    @discardableResult
    public func evaluate(provider: UUID) async throws -> Summary {
        let started = ContinuousClock.now
        do {
            let summary = try await evaluateLocked(provider: provider)
            Self.record(summary.skipped ? "skipped" : "ok", since: started)
            for (kind, count) in summary.transitions where count > 0 {
                Counter(label: "octoisp_alert_transitions_total", dimensions: [("kind", kind)]).increment(by: count)
            }
            return summary
        } catch {
            Self.record("error", since: started)
            throw error
        }
    }

    /// Counts an evaluation by result (`ok`, `skipped`, `error`) and records its duration (Prometheus:
    /// `octoisp_alert_evaluations_total{result}`, `octoisp_alert_evaluation_duration_seconds`).
    static func record(_ result: String, since started: ContinuousClock.Instant) {
        Counter(label: "octoisp_alert_evaluations_total", dimensions: [("result", result)]).increment()
        let elapsed = ContinuousClock.now - started
        Timer(label: "octoisp_alert_evaluation_duration_seconds").recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    func evaluateLocked(provider: UUID) async throws -> Summary {
        let store = incremental.streaming ? windows : nil
        var registered: Int64?
        while true {
            // Taken out while this evaluation runs; put back only once it committed. The evaluation
            // takes them over (no other copy is left), so advancing them changes them in place.
            var held = store?.take(provider)
            let cursor = registered
            let result: (Summary, ProviderWindows?)? = try await database.withTenant(provider) { tx in
                let locked = try await tx.query("SELECT pg_try_advisory_xact_lock(hashtextextended('alerts:' || \(provider.lowercased), 0)) AS locked")
                    .alertRows { try $0.value("locked", as: Bool.self) }.first ?? false
                guard locked else { return (Summary(skipped: true), held) }
                // The window queries are estimated expensive, and compiling them with LLVM each cycle cost
                // more than running them (measured in bench/alerts): no JIT for the evaluation.
                try await tx.query("SET LOCAL jit = off")
                return try await evaluate(in: tx, held: &held, registered: cursor)
            }
            guard let result else {
                // Priming needs a cursor registered (committed) before the windows are read.
                registered = try await registerStreamCursor(provider: provider, windows: windows)
                continue
            }
            if let kept = result.1 { store?.put(provider, kept) }
            return result.0
        }
    }

    func evaluate(in tx: Transaction) async throws -> Summary {
        var held: ProviderWindows?
        return try await evaluate(in: tx, held: &held, registered: nil, streams: false)?.0 ?? Summary()
    }

    /// One evaluation; with streaming, also the windows to keep. Nil when the windows must be primed
    /// and no cursor was registered for it yet. The windows `held` are taken over when they can be
    /// advanced (moved out, so that they are changed in place rather than copied).
    func evaluate(in tx: Transaction, held: inout ProviderWindows?, registered: Int64?, streams: Bool = true) async throws -> (Summary, ProviderWindows?)? {
        let now = tx.clock.now
        var summary = Summary()
        let cursor = try await EvaluationCursor.read(in: tx)
        // The previous evaluation's time, when this one may be incremental.
        let previous: Date? = if let cursor, cursor.evaluatedAt <= now, now.timeIntervalSince(cursor.fullAt) < incremental.fullEvery {
            cursor.evaluatedAt
        } else {
            nil
        }
        var changed: ChangedSeries?
        // Alerts of rules that were disabled resolve.
        try await tx.query("""
            UPDATE alerts a SET state = 'resolved', resolved_at = \(now), evaluated_at = \(now)
            FROM alert_rules r WHERE r.id = a.rule_id AND NOT r.enabled AND a.state <> 'resolved'
            """)
        let rules = try await tx.alertRules.enabled()
        var streaming: Streaming?
        let needs = Self.streamingNeeds(rules)
        if streams, incremental.streaming, !needs.metrics.isEmpty {
            var usable = false
            if let current = held { usable = try await streamingUsable(current, instance: windows.instance, now: now, needs: needs, in: tx) }
            if usable, var advanced = held.take() {
                let previous = advanced.evaluatedAt
                try await advance(&advanced, instance: windows.instance, now: now, in: tx)
                streaming = Streaming(windows: advanced, primed: false, previous: previous)
            } else {
                guard let registered else { return nil }
                streaming = Streaming(windows: try await primeWindows(metrics: needs.metrics, span: needs.span, cursor: registered, now: now, in: tx),
                                      primed: true, previous: nil)
            }
        }
        // Read again on a full pass; otherwise kept while the provider's devices and POP uplinks are unchanged.
        let byId = try await deviceCache.index(provider: tx.providerID, reread: previous == nil, in: tx)
        let devices = byId.devices
        for rule in rules {
            summary.rules += 1
            let targets = try await self.targets(of: rule, devices: devices, in: tx)
            // A rule changed since the previous evaluation sees everything once.
            var since: Date?
            if let streaming, rule.condition.streams {
                if streaming.previous.map({ rule.updatedAt > $0 }) ?? true { summary.fullRules += 1 }
                summary.changedSeries = streaming.primed ? nil : streaming.windows.changedCount
            } else if rule.condition.readsMetrics {
                if let previous, rule.updatedAt <= previous {
                    if changed == nil {
                        changed = try await ChangedSeries.read(since: previous.addingTimeInterval(-incremental.lateness), in: tx)
                        summary.changedSeries = changed?.ids.count
                    }
                    since = previous
                } else {
                    summary.fullRules += 1
                }
            }
            let observed = try await observe(rule, targets: targets, byId: byId, now: now, changed: since == nil ? nil : changed,
                                             streaming: rule.condition.streams ? streaming : nil, in: tx)
            summary.observations += observed.count
            try await apply(rule, observed: observed, byId: byId, now: now, summary: &summary, in: tx)
        }
        try await suppressAndOpenIncidents(devices: devices, byId: byId, now: now, summary: &summary, in: tx)
        try await EvaluationCursor.write(evaluatedAt: now, full: previous == nil, in: tx)
        // Moved out of `streaming`, so that clearing and pruning change them in place.
        guard var kept = streaming.take()?.windows else { return (summary, nil) }
        kept.evaluatedAt = now
        // Kept a minute beyond the span, so the next evaluation still sees what left its windows. Only the
        // series that gained samples are pruned (the others are not walked each cycle): a series that went
        // quiet keeps the samples it had, which a summary, bounded by its window, does not read; at most it
        // is observed once more, as a full pass would observe it.
        kept.prune(before: StreamTime.milliseconds(now.addingTimeInterval(-Double(kept.span) - 60)), slots: kept.changedSlots)
        kept.clearChanged()
        return (summary, kept)
    }

    /// The devices a rule applies to (the list itself, not a copy, when the rule covers every device).
    func targets(of rule: AlertRule, devices: [DeviceInfo], in tx: Transaction) async throws -> [DeviceInfo] {
        var members: Set<UUID>?
        if rule.scope == .group, let group = rule.scopeId {
            members = Set(try await tx.query("SELECT device_id FROM device_group_members WHERE group_id = \(group)")
                .alertRows { try $0.value("device_id", as: UUID.self) })
        }
        // Customer equipment only when the rule asks, names the kind, or names the device.
        let anyKind = rule.includeCpe || rule.scope == .device || rule.scope == .group
        func applies(_ device: DeviceInfo) -> Bool {
            switch rule.scope {
            case .provider: break
            case .pop: guard device.popId == rule.scopeId else { return false }
            case .group: guard members?.contains(device.id) == true else { return false }
            case .device: guard device.id == rule.scopeId else { return false }
            }
            if let kinds = rule.deviceKinds { return kinds.contains(device.kind) }
            return anyKind || !device.customer
        }
        if rule.scope == .provider, rule.deviceKinds == nil, anyKind || !devices.contains(where: \.customer) { return devices }
        return devices.filter(applies)
    }

    /// What each target looks like now. With `changed`, a metric rule reads only the changed series,
    /// those with an open alert of the rule and, for no-data rules, the silent ones.
    func observe(_ rule: AlertRule, targets: [DeviceInfo], byId: DeviceIndex, now: Date, changed: ChangedSeries? = nil,
                 streaming: Streaming? = nil, in tx: Transaction) async throws -> [Observed] {
        guard !targets.isEmpty else { return [] }
        // When the rule covers every device, the state queries send no list of ids (50,000 of them each
        // cycle on a large provider); a row of a device added since the device list was read is left
        // for the next evaluation, as the list would have left it.
        let every = targets.count == byId.count
        let listed = every ? [] : targets.map(\.id)
        var ids: [UUID] { every ? targets.map(\.id) : listed }
        func known(_ item: Observed) -> Bool { !every || byId[item.key.device] != nil }
        func name(_ device: UUID) -> String { byId[device]?.name ?? device.lowercased }
        /// The series an incremental evaluation of a metric rule reads (nil: all of them).
        func series(silentFor metric: String? = nil, seconds: Int = 0) async throws -> [Int64]? {
            guard let changed else { return nil }
            var ids = changed.ids
            ids.formUnion(try await alertingSeries(of: rule, in: tx))
            if let metric { ids.formUnion(try await ChangedSeries.silent(metric: metric, since: now.addingTimeInterval(-Double(seconds)), in: tx)) }
            return ids.sorted()
        }
        /// Window summaries from the streaming windows, or from PostgreSQL.
        func summaries(metric: String, labels: [String: String], seconds: Int, silent: Bool, parts: SummaryParts = []) async throws -> [WindowSummary] {
            if let streaming {
                let chosen = try await streamingSeries(rule, metric: metric, seconds: seconds, labels: labels,
                                                       devices: every ? nil : Set(listed), streaming: streaming, now: now,
                                                       silent: silent, in: tx)
                let bounds = ProviderWindows.bounds(from: now.addingTimeInterval(-Double(seconds)), to: now.addingTimeInterval(0.001))
                return chosen.map { streaming.windows.stats(slot: $0, bounds: bounds, parts: parts) }
            }
            return try await windowStats(metric: metric, labels: labels, targets: ids, all: byId.count,
                                         series: try await series(silentFor: silent ? metric : nil, seconds: silent ? seconds : 0), seconds: seconds,
                                         now: now, in: tx).map(WindowSummary.init)
        }
        // State rules read only what is wrong now or has an open alert of the rule: a healthy device
        // without an alert would observe "clear" and change nothing.
        func alerting() async throws -> [UUID] {
            try await tx.query("SELECT DISTINCT device_id FROM alerts WHERE rule_id = \(rule.id) AND state <> 'resolved' AND device_id IS NOT NULL")
                .alertRows { try $0.value("device_id", as: UUID.self) }
        }
        switch rule.condition {
        case .reachability(let includeSNMPFailing):
            let open = try await alerting()
            let rows = try await tx.query("""
                SELECT device_id, reachability FROM snmp_devices
                WHERE enabled AND (\(every) OR device_id = ANY(\(listed))) AND (reachability <> 'up' OR device_id = ANY(\(open)))
                """).alertRows { row in
                let device: UUID = try row.value("device_id")
                let state: String = try row.value("reachability")
                let observation: Observation = switch state {
                case "down": .breach(0)
                case "snmp_failing": includeSNMPFailing ? .breach(0) : .clear(1)
                case "up": .clear(1)
                default: .noData
                }
                let failing = state == "snmp_failing"
                return Observed(key: ObservedTarget(device: device, kind: .device), labels: [:], observation: observation, describe: {
                    let who = name(device)
                    return failing ? AlertText(en: "\(who) answers ping but not SNMP", pt: "\(who) responde ao ping, mas não ao SNMP")
                                   : AlertText(en: "\(who) is unreachable", pt: "\(who) está inacessível")
                })
            }
            return rows.filter(known)
        case .interfaceDown:
            let open = try await alerting()
            let rows = try await tx.query("""
                SELECT device_id, if_index, name, admin_up, oper_status FROM snmp_interfaces
                WHERE (\(every) OR device_id = ANY(\(listed))) AND ((admin_up AND (oper_status IS NULL OR oper_status IN (2, 7))) OR device_id = ANY(\(open)))
                """).alertRows { row in
                let device: UUID = try row.value("device_id")
                let index = try row.value("if_index", as: Int32.self)
                let interface: String = try row.value("name")
                let adminUp = try row.value("admin_up", as: Bool?.self)
                let oper = try row.value("oper_status", as: Int32?.self)
                let observation: Observation
                if adminUp != true { observation = .clear(nil) } else if let oper { observation = oper == 2 || oper == 7 ? .breach(Double(oper)) : .clear(Double(oper)) } else { observation = .noData }
                return Observed(key: ObservedTarget(device: device, kind: .interface(index)), labels: ["interface": interface],
                                observation: observation, describe: {
                                    AlertText(en: "\(name(device)) interface \(interface) is down", pt: "\(name(device)): interface \(interface) caiu")
                                })
            }
            return rows.filter(known)
        case .notInforming(let multiplier):
            let rows = try await tx.query("""
                SELECT c.device_id, c.last_inform_at,
                       (SELECT p.value FROM device_parameters p WHERE p.device_id = c.device_id
                          AND p.path IN ('InternetGatewayDevice.ManagementServer.PeriodicInformInterval', 'Device.ManagementServer.PeriodicInformInterval')
                        LIMIT 1) AS interval
                FROM cwmp_devices c WHERE (\(every) OR c.device_id = ANY(\(listed)))
                """).alertRows { row in
                let device: UUID = try row.value("device_id")
                let last: Date = try row.value("last_inform_at")
                let interval = (try row.value("interval", as: String?.self)).flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 86_400
                let silent = now.timeIntervalSince(last)
                return Observed(key: ObservedTarget(device: device, kind: .informs), labels: [:],
                                observation: silent > multiplier * interval ? .breach(silent) : .clear(silent),
                                describe: {
                                    AlertText(en: "\(name(device)) has not informed for \(Int(silent / 60)) min",
                                              pt: "\(name(device)) não envia Inform há \(Int(silent / 60)) min")
                                })
            }
            return rows.filter(known)
        case .threshold(let threshold) where threshold.aggregation == .rate:
            // Rates need the counter logic (wraps, restarts) of the chart reader.
            let points = try await window(metric: threshold.metric, labels: threshold.labels ?? [:], devices: ids, series: try await series(),
                                          seconds: threshold.windowSeconds, now: now, in: tx)
            return points.map { series, points in
                let observation: Observation = Self.aggregate(.rate, points).map(threshold.observe) ?? .noData
                return Self.observed(threshold, series: series.id, device: series.deviceId, name: { name(series.deviceId) },
                                     labels: series.labels, observation)
            }
        case .threshold(let threshold):
            let stats = try await summaries(metric: threshold.metric, labels: threshold.labels ?? [:], seconds: threshold.windowSeconds, silent: false,
                                            parts: threshold.aggregation == .p95 ? .p95 : [])
            return stats.map { item in
                let observation: Observation = Self.aggregate(threshold.aggregation, item).map(threshold.observe) ?? .noData
                let device = item.deviceId
                return Self.observed(threshold, series: item.seriesId, device: device, name: { name(device) },
                                     labels: item.labels, observation)
            }
        case .noData(let metric, let seconds):
            let stats = try await summaries(metric: metric, labels: [:], seconds: seconds, silent: true)
            return stats.map { item in
                let device = item.deviceId
                return Observed(key: ObservedTarget(device: device, kind: .series(item.seriesId)), labels: item.labels,
                                observation: item.count == 0 ? .breach(nil) : .clear(Double(item.count)),
                                describe: {
                                    AlertText(en: "\(name(device)) sent no \(metric) for \(seconds / 60) min",
                                              pt: "\(name(device)) sem dados de \(metric) há \(seconds / 60) min")
                                })
            }
        case .change(let metric, let seconds, let delta):
            let stats = try await summaries(metric: metric, labels: [:], seconds: seconds, silent: false, parts: .minutes)
            return stats.map { item in
                let observation: Observation
                if item.minutes >= 2, let first = item.firstMinuteLast, let last = item.last {
                    let moved = last - first
                    observation = (delta < 0 ? moved <= delta : moved >= delta) ? .breach(moved) : .clear(moved)
                } else {
                    observation = .noData
                }
                let device = item.deviceId
                return Observed(key: ObservedTarget(device: device, kind: .series(item.seriesId)), labels: item.labels, observation: observation,
                                describe: {
                                    AlertText(en: "\(name(device)) \(metric) moved \(Self.format(delta)) or more in \(seconds / 60) min",
                                              pt: "\(name(device)): \(metric) variou \(Self.format(delta)) ou mais em \(seconds / 60) min")
                                })
            }
        }
    }

    /// A threshold rule's observation of one series.
    static func observed(_ threshold: AlertCondition.Threshold, series: Int64, device: UUID, name: @escaping () -> String, labels: [String: String],
                         _ observation: Observation) -> Observed {
        Observed(key: ObservedTarget(device: device, kind: .series(series)), labels: labels, observation: observation, describe: {
            let what = labels.isEmpty ? threshold.metric : "\(threshold.metric) {\(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))}"
            let condition = "\(threshold.op.rawValue) \(Self.format(threshold.value))"
            return AlertText(en: "\(name()) \(what) \(threshold.aggregation.rawValue) \(condition)",
                             pt: "\(name()) \(what) \(Self.portuguese(threshold.aggregation)) \(condition)")
        })
    }

    /// An aggregation's name in Portuguese, as summaries write it ("média" for `avg`).
    static func portuguese(_ aggregation: AlertCondition.Aggregation) -> String {
        switch aggregation {
        case .last: "último"
        case .avg: "média"
        case .min: "mín"
        case .max: "máx"
        case .rate: "taxa"
        case .p95: "p95"
        }
    }

    /// Per-series summaries of the raw samples of `metric` on the rule's targets over the last
    /// `seconds`, aggregated in PostgreSQL (every device of the provider when the targets are all of them).
    func windowStats(metric: String, labels: [String: String], targets: [UUID], all: Int, series: [Int64]?, seconds: Int, now: Date,
                     in tx: Transaction) async throws -> [MetricsReader.WindowStats] {
        if series?.isEmpty == true { return [] }
        let reader = MetricsReader(tx: tx, retention: retention, now: now)
        return try await reader.windowStats(metric: metric, labels: labels, devices: targets.count == all ? nil : targets, series: series,
                                            from: now.addingTimeInterval(-Double(seconds)), to: now.addingTimeInterval(0.001))
    }

    /// The points (one per minute) of every series of `metric` on `devices` over the last `seconds`;
    /// series without samples have no points.
    func window(metric: String, labels: [String: String], devices: [UUID], series: [Int64]?, seconds: Int, now: Date,
                in tx: Transaction) async throws -> [(MetricSeries, [MetricsReader.Point])] {
        if series?.isEmpty == true { return [] }
        let labelText = try jsonText(labels)
        let seriesIds = try await tx.query("""
            SELECT id FROM metric_series WHERE device_id = ANY(\(devices)) AND metric = \(metric) AND labels @> \(labelText)::jsonb
              AND (\(series == nil) OR id = ANY(\(series ?? []))) ORDER BY id
            """).alertRows { try $0.value("id", as: Int64.self) }
        guard !seriesIds.isEmpty else { return [] }
        let reader = MetricsReader(tx: tx, retention: retention, now: now)
        var result: [(MetricSeries, [MetricsReader.Point])] = []
        for chunk in stride(from: 0, to: seriesIds.count, by: 2_000).map({ Array(seriesIds[$0..<min($0 + 2_000, seriesIds.count)]) }) {
            let answer = try await reader.query(.init(seriesIds: chunk, from: now.addingTimeInterval(-Double(seconds)), to: now.addingTimeInterval(0.001),
                                                      step: 60, resolution: .raw))
            result += answer.series.map { ($0.series, $0.points) }
        }
        return result
    }

    /// One value of a window's summary, read from PostgreSQL or kept in memory (not for rates, which need the points).
    static func aggregate(_ aggregation: AlertCondition.Aggregation, _ stats: some WindowAggregates) -> Double? {
        guard stats.count > 0 else { return nil }
        switch aggregation {
        case .last: return stats.last
        case .avg: return stats.avg
        case .min: return stats.min
        case .max: return stats.max
        case .p95: return stats.p95
        case .rate: return nil
        }
    }

    /// One value of a window's points.
    static func aggregate(_ aggregation: AlertCondition.Aggregation, _ points: [MetricsReader.Point]) -> Double? {
        let points = points.filter { $0.count > 0 }
        guard !points.isEmpty else { return nil }
        switch aggregation {
        case .last: return points.last?.last
        case .avg: return points.reduce(0) { $0 + $1.sum } / Double(points.reduce(0) { $0 + $1.count })
        case .min: return points.map(\.min).min()
        case .max: return points.map(\.max).max()
        case .rate: return points.last(where: { $0.rate != nil })?.rate ?? nil
        case .p95:
            let values = points.map(\.avg).sorted()
            return values[max(0, Int((0.95 * Double(values.count)).rounded(.up)) - 1)]
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }

    /// Moves the rule's alerts through their state machines and stores what changed.
    func apply(_ rule: AlertRule, observed: [Observed], byId: DeviceIndex, now: Date, summary: inout Summary, in tx: Transaction) async throws {
        let active = try await tx.query("""
            SELECT id, fingerprint, device_id, target, state, started_at, fired_at, clear_since, value, no_data FROM alerts
            WHERE rule_id = \(rule.id) AND state <> 'resolved'
            """).alertRows { row in
                (id: try row.value("id", as: UUID.self), fingerprint: try row.value("fingerprint", as: String.self),
                 key: ObservedTarget(device: try row.value("device_id", as: UUID?.self), text: try row.value("target", as: String.self)),
                 machine: AlertStateMachine(forSeconds: Double(rule.forSeconds), keepFiringForSeconds: Double(rule.keepFiringForSeconds),
                                            state: AlertStateMachine.State(rawValue: try row.value("state")) ?? .pending,
                                            startedAt: try row.value("started_at"), firedAt: try row.value("fired_at"),
                                            clearSince: try row.value("clear_since"), value: try row.value("value"), noData: try row.value("no_data")))
            }
        // Stored alerts by target; one whose fingerprint is not the one its rule, device and target make
        // matches no observation and clears below, as before.
        let ruleKey = rule.id.lowercased
        var existing: [ObservedTarget: (id: UUID, machine: AlertStateMachine)] = [:]
        var unmatched: [(id: UUID, machine: AlertStateMachine)] = []
        for stored in active {
            if let key = stored.key, key.fingerprint(rule: ruleKey) == stored.fingerprint {
                existing[key] = (stored.id, stored.machine)
            } else {
                unmatched.append((stored.id, stored.machine))
            }
        }
        var seen = Set<ObservedTarget>()
        seen.reserveCapacity(observed.count)
        for item in observed where seen.insert(item.key).inserted {
            var machine = existing[item.key]?.machine
                ?? AlertStateMachine(forSeconds: Double(rule.forSeconds), keepFiringForSeconds: Double(rule.keepFiringForSeconds))
            let transition = machine.observe(item.observation, at: now)
            if let transition { summary.transitions[transition.rawValue, default: 0] += 1 }
            if let stored = existing.removeValue(forKey: item.key) {
                try await update(stored.id, machine, transition: transition, item: item, now: now, in: tx)
                if transition == .firing || transition == .resolved { summary.notify.append(stored.id) }
            } else if machine.state != .inactive, machine.state != .resolved {
                var labels = rule.labels.merging(item.labels) { _, new in new }
                labels["rule"] = rule.name
                let id = UUID()
                let text = item.summary
                try await tx.query("""
                    INSERT INTO alerts (id, provider_id, rule_id, fingerprint, device_id, target, labels, severity, state, value, summary, summary_pt, no_data,
                        started_at, fired_at, evaluated_at)
                    VALUES (\(id), (SELECT app_provider_id()), \(rule.id), \(item.key.fingerprint(rule: ruleKey)), \(item.deviceId), \(item.target),
                        \(try jsonText(labels))::jsonb, \(rule.severity.rawValue), \(machine.state.rawValue), \(machine.value), \(text.en), \(text.pt),
                        \(machine.noData), \(machine.startedAt ?? now), \(machine.firedAt), \(now))
                    """)
                try await event(id, machine.state.rawValue, value: machine.value, note: text.en, now: now, in: tx)
                if transition == .firing { summary.notify.append(id) }
                try await publish(id, state: machine.state, rule: rule, deviceId: item.deviceId, in: tx)
            }
        }
        // Targets gone from the rule's scope (device removed, series gone): their alerts clear.
        for stored in Array(existing.values) + unmatched {
            var machine = stored.machine
            let transition = machine.observe(.clear(nil), at: now)
            if let transition { summary.transitions[transition.rawValue, default: 0] += 1 }
            try await update(stored.id, machine, transition: transition, item: nil, now: now, in: tx)
            if transition == .resolved { summary.notify.append(stored.id) }
        }
    }

    func update(_ id: UUID, _ machine: AlertStateMachine, transition: AlertStateMachine.Transition?, item: Observed?, now: Date,
                in tx: Transaction) async throws {
        let text = item?.summary
        try await tx.query("""
            UPDATE alerts SET state = \(machine.state.rawValue), value = \(machine.value), no_data = \(machine.noData),
                started_at = COALESCE(\(machine.startedAt), started_at), fired_at = \(machine.firedAt), clear_since = \(machine.clearSince),
                resolved_at = \(machine.resolvedAt), evaluated_at = \(now), summary = COALESCE(\(text?.en), summary),
                summary_pt = COALESCE(\(text?.pt), summary_pt)
            WHERE id = \(id)
            """)
        if let transition {
            try await event(id, transition == .refiring ? "firing" : machine.state.rawValue, value: machine.value, note: transition.rawValue, now: now, in: tx)
            let device = try await tx.query("SELECT device_id, rule_id FROM alerts WHERE id = \(id)").alertRows {
                (try $0.value("device_id", as: UUID?.self), try $0.value("rule_id", as: UUID.self))
            }.first
            try await tx.publish(topic: "alerts", data: .object([
                "event": .string("alert"), "id": .string(id.lowercased), "state": .string(machine.state.rawValue),
                "device_id": device?.0.map { .string($0.lowercased) } ?? .null,
            ]))
        }
    }

    func publish(_ id: UUID, state: AlertStateMachine.State, rule: AlertRule, deviceId: UUID?, in tx: Transaction) async throws {
        try await tx.publish(topic: "alerts", data: .object([
            "event": .string("alert"), "id": .string(id.lowercased), "state": .string(state.rawValue), "severity": .string(rule.severity.rawValue),
            "device_id": deviceId.map { .string($0.lowercased) } ?? .null,
        ]))
    }

    func event(_ alert: UUID, _ state: String, value: Double?, note: String?, now: Date, in tx: Transaction) async throws {
        try await tx.query("""
            INSERT INTO alert_events (provider_id, alert_id, at, state, value, note)
            VALUES ((SELECT app_provider_id()), \(alert), \(now), \(state), \(value), \(note))
            """)
    }
}

/// What a threshold reads of a window's summary: its sample count and aggregates.
protocol WindowAggregates {
    var count: Int { get }
    var min: Double? { get }
    var max: Double? { get }
    var avg: Double? { get }
    var last: Double? { get }
    var p95: Double? { get }
}

extension MetricsReader.WindowStats: WindowAggregates {}
