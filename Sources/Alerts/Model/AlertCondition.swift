import OctoCore

/// What a rule watches. Conditions are values, validated when a rule is stored (``validate()``).
public enum AlertCondition: Sendable, Hashable {
    /// A metric aggregated over a window compared with a threshold; the alert clears only past `clear`
    /// (hysteresis; defaults to the threshold itself).
    case threshold(Threshold)
    /// The device's reachability: `down` fires; `snmp_failing` too when `includeSNMPFailing`.
    case reachability(includeSNMPFailing: Bool)
    /// An interface whose operational status is down while it is administratively up.
    case interfaceDown
    /// A TR-069 CPE that has not sent an Inform for `multiplier` × its periodic interval.
    case notInforming(multiplier: Double)
    /// No sample of `metric` within `windowSeconds` (its own state: never "down", never "ok").
    case noData(metric: String, windowSeconds: Int)
    /// The metric moved by `delta` or more (signed: −3 means "dropped 3") within `windowSeconds`.
    case change(metric: String, windowSeconds: Int, delta: Double)

    /// A threshold condition.
    public struct Threshold: Sendable, Hashable, Codable {
        /// The metric name (`cpu`, `temperature`, `optics.rx`, `ifUtilization`, …).
        public var metric: String
        /// Only series whose labels contain these.
        public var labels: [String: String]?
        /// How the window's samples become one value.
        public var aggregation: Aggregation
        /// Window in seconds.
        public var windowSeconds: Int
        /// `>`, `>=`, `<` or `<=`.
        public var op: Comparison
        /// The firing threshold.
        public var value: Double
        /// The clearing threshold (hysteresis); `nil` means `value`.
        public var clear: Double?

        /// Creates a threshold.
        public init(metric: String, labels: [String: String]? = nil, aggregation: Aggregation, windowSeconds: Int, op: Comparison,
                    value: Double, clear: Double? = nil) {
            self.metric = metric
            self.labels = labels
            self.aggregation = aggregation
            self.windowSeconds = windowSeconds
            self.op = op
            self.value = value
            self.clear = clear
        }

        /// What `sample` means for the alert: breach past the firing threshold, clear once no longer
        /// past the clearing threshold, hold in between (hysteresis: a value hovering at the threshold
        /// does not flap).
        public func observe(_ sample: Double) -> Observation {
            if op.holds(sample, value) { return .breach(sample) }
            if !op.holds(sample, clear ?? value) { return .clear(sample) }
            return .hold(sample)
        }
    }

    /// Aggregations of a window.
    public enum Aggregation: String, Sendable, Hashable, Codable, CaseIterable {
        case last, avg, min, max, rate, p95
    }

    /// Comparisons.
    public enum Comparison: String, Sendable, Hashable, Codable, CaseIterable {
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="

        /// Whether `lhs op rhs`.
        public func holds(_ lhs: Double, _ rhs: Double) -> Bool {
            switch self {
            case .greater: lhs > rhs
            case .greaterOrEqual: lhs >= rhs
            case .less: lhs < rhs
            case .lessOrEqual: lhs <= rhs
            }
        }
    }

    /// A 400 naming the field when the condition cannot be evaluated.
    public func validate() throws(OctoError) {
        func window(_ seconds: Int, _ field: String) throws(OctoError) {
            guard (60...86_400).contains(seconds) else { throw .invalid(field, "\(field) must be between 60 and 86400 seconds") }
        }
        func metric(_ name: String, _ field: String) throws(OctoError) {
            guard (1...200).contains(name.count) else { throw .invalid(field, "\(field) must name a metric") }
        }
        switch self {
        case .threshold(let threshold):
            try metric(threshold.metric, "condition.metric")
            try window(threshold.windowSeconds, "condition.window_seconds")
            guard threshold.value.isFinite, threshold.clear?.isFinite ?? true else { throw .invalid("condition.value", "thresholds must be finite numbers") }
            if let clear = threshold.clear, threshold.op.holds(clear, threshold.value) {
                throw .invalid("condition.clear", "the clearing threshold must lie on the good side of the firing threshold")
            }
        case .reachability, .interfaceDown:
            break
        case .notInforming(let multiplier):
            guard multiplier >= 1, multiplier <= 100 else { throw .invalid("condition.multiplier", "multiplier must be between 1 and 100") }
        case .noData(let name, let seconds):
            try metric(name, "condition.metric")
            try window(seconds, "condition.window_seconds")
        case .change(let name, let seconds, let delta):
            try metric(name, "condition.metric")
            try window(seconds, "condition.window_seconds")
            guard delta != 0, delta.isFinite else { throw .invalid("condition.delta", "delta must be a non-zero number") }
        }
    }
}

/// One evaluation of one target.
public enum Observation: Sendable, Hashable {
    /// The condition holds.
    case breach(Double?)
    /// The condition is clearly over (past the clearing threshold).
    case clear(Double?)
    /// Between the firing and the clearing threshold: nothing changes.
    case hold(Double?)
    /// No data to decide on: nothing changes, and the alert says so.
    case noData

    /// The value observed, if any.
    public var value: Double? {
        switch self {
        case .breach(let value), .clear(let value), .hold(let value): value
        case .noData: nil
        }
    }
}

extension AlertCondition: Codable {
    enum CodingKeys: String, CodingKey {
        case type, metric, labels, aggregation, windowSeconds, op, value, clear, includeSnmpFailing, multiplier, delta
    }

    /// The `type` of each case in JSON.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case threshold, reachability, interfaceDown = "interface_down", notInforming = "not_informing", noData = "no_data", change
    }

    /// The case's kind.
    public var kind: Kind {
        switch self {
        case .threshold: .threshold
        case .reachability: .reachability
        case .interfaceDown: .interfaceDown
        case .notInforming: .notInforming
        case .noData: .noData
        case .change: .change
        }
    }

    /// Decodes the flat form `{"type": "threshold", "metric": "cpu", …}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .type) {
        case .threshold:
            self = .threshold(Threshold(metric: try container.decode(String.self, forKey: .metric),
                                        labels: try container.decodeIfPresent([String: String].self, forKey: .labels),
                                        aggregation: try container.decodeIfPresent(Aggregation.self, forKey: .aggregation) ?? .avg,
                                        windowSeconds: try container.decodeIfPresent(Int.self, forKey: .windowSeconds) ?? 300,
                                        op: try container.decode(Comparison.self, forKey: .op),
                                        value: try container.decode(Double.self, forKey: .value),
                                        clear: try container.decodeIfPresent(Double.self, forKey: .clear)))
        case .reachability:
            self = .reachability(includeSNMPFailing: try container.decodeIfPresent(Bool.self, forKey: .includeSnmpFailing) ?? false)
        case .interfaceDown:
            self = .interfaceDown
        case .notInforming:
            self = .notInforming(multiplier: try container.decodeIfPresent(Double.self, forKey: .multiplier) ?? 3)
        case .noData:
            self = .noData(metric: try container.decode(String.self, forKey: .metric),
                           windowSeconds: try container.decodeIfPresent(Int.self, forKey: .windowSeconds) ?? 900)
        case .change:
            self = .change(metric: try container.decode(String.self, forKey: .metric),
                           windowSeconds: try container.decodeIfPresent(Int.self, forKey: .windowSeconds) ?? 600,
                           delta: try container.decode(Double.self, forKey: .delta))
        }
    }

    /// Encodes the flat form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .type)
        switch self {
        case .threshold(let threshold):
            try container.encode(threshold.metric, forKey: .metric)
            try container.encodeIfPresent(threshold.labels, forKey: .labels)
            try container.encode(threshold.aggregation, forKey: .aggregation)
            try container.encode(threshold.windowSeconds, forKey: .windowSeconds)
            try container.encode(threshold.op, forKey: .op)
            try container.encode(threshold.value, forKey: .value)
            try container.encodeIfPresent(threshold.clear, forKey: .clear)
        case .reachability(let snmp):
            try container.encode(snmp, forKey: .includeSnmpFailing)
        case .interfaceDown:
            break
        case .notInforming(let multiplier):
            try container.encode(multiplier, forKey: .multiplier)
        case .noData(let metric, let window):
            try container.encode(metric, forKey: .metric)
            try container.encode(window, forKey: .windowSeconds)
        case .change(let metric, let window, let delta):
            try container.encode(metric, forKey: .metric)
            try container.encode(window, forKey: .windowSeconds)
            try container.encode(delta, forKey: .delta)
        }
    }
}
