import Foundation

/// The life of one alert: inactive → pending (for `for`) → firing → resolving (for `keep_firing_for`)
/// → resolved. Observations drive it; the clock is the observation's time. No I/O.
public struct AlertStateMachine: Sendable, Hashable {
    /// Where the alert is.
    public enum State: String, Sendable, Hashable, Codable {
        /// Nothing is wrong (no row is kept for it).
        case inactive
        /// The condition holds but not yet for `for`.
        case pending
        /// The alert fires.
        case firing
        /// The condition cleared but not yet for `keep_firing_for`.
        case resolving
        /// Over.
        case resolved
    }

    /// What an observation did.
    public enum Transition: String, Sendable, Hashable {
        /// Became pending.
        case pending
        /// Started firing (notify).
        case firing
        /// Cleared while firing; still firing until `keep_firing_for` passes.
        case resolving
        /// Breached again while resolving: firing as before, no new notification.
        case refiring
        /// Resolved after firing (notify).
        case resolved
        /// Cleared while pending: it never fired.
        case cancelled
    }

    /// Seconds the condition must hold before firing.
    public var forSeconds: TimeInterval
    /// Seconds the condition must stay clear before resolving.
    public var keepFiringForSeconds: TimeInterval
    /// The state.
    public private(set) var state: State
    /// When the current episode began (pending or firing).
    public private(set) var startedAt: Date?
    /// When it started firing.
    public private(set) var firedAt: Date?
    /// Since when the condition has been clear while firing.
    public private(set) var clearSince: Date?
    /// When it resolved.
    public private(set) var resolvedAt: Date?
    /// The last value observed.
    public private(set) var value: Double?
    /// Whether the last observation had no data.
    public private(set) var noData = false

    /// A machine with nothing wrong yet.
    public init(forSeconds: TimeInterval, keepFiringForSeconds: TimeInterval) {
        self.forSeconds = forSeconds
        self.keepFiringForSeconds = keepFiringForSeconds
        self.state = .inactive
    }

    /// A machine restored from a stored alert.
    public init(forSeconds: TimeInterval, keepFiringForSeconds: TimeInterval, state: State, startedAt: Date?, firedAt: Date?,
                clearSince: Date?, value: Double?, noData: Bool) {
        self.forSeconds = forSeconds
        self.keepFiringForSeconds = keepFiringForSeconds
        self.state = state
        self.startedAt = startedAt
        self.firedAt = firedAt
        self.clearSince = clearSince
        self.value = value
        self.noData = noData
    }

    /// Feeds one observation made at `now`; returns the transition it caused, if any.
    public mutating func observe(_ observation: Observation, at now: Date) -> Transition? {
        switch observation {
        case .noData:
            noData = true
            return nil
        case .hold(let value):
            noData = false
            self.value = value ?? self.value
            return nil
        case .breach(let value):
            noData = false
            self.value = value ?? self.value
            switch state {
            case .inactive, .resolved:
                startedAt = now
                firedAt = nil
                clearSince = nil
                resolvedAt = nil
                if forSeconds <= 0 {
                    state = .firing
                    firedAt = now
                    return .firing
                }
                state = .pending
                return .pending
            case .pending:
                guard let startedAt, now.timeIntervalSince(startedAt) >= forSeconds else { return nil }
                state = .firing
                firedAt = now
                return .firing
            case .firing:
                return nil
            case .resolving:
                state = .firing
                clearSince = nil
                return .refiring
            }
        case .clear(let value):
            noData = false
            self.value = value ?? self.value
            switch state {
            case .inactive, .resolved:
                return nil
            case .pending:
                state = .resolved
                resolvedAt = now
                return .cancelled
            case .firing:
                if keepFiringForSeconds <= 0 {
                    state = .resolved
                    resolvedAt = now
                    return .resolved
                }
                state = .resolving
                clearSince = now
                return .resolving
            case .resolving:
                guard let clearSince, now.timeIntervalSince(clearSince) >= keepFiringForSeconds else { return nil }
                state = .resolved
                resolvedAt = now
                return .resolved
            }
        }
    }
}
