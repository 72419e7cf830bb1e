import Foundation

/// Exponential backoff with jitter between attempts: the n-th retry waits
/// `min(cap, base × factorⁿ⁻¹)`, reduced by up to `jitter` of itself at random.
public struct RetryPolicy: Sendable, Hashable {
    /// The first delay, in seconds.
    public var base: TimeInterval
    /// The growth per attempt.
    public var factor: Double
    /// The longest delay, in seconds.
    public var cap: TimeInterval
    /// The fraction (0…1) of the delay that is randomised away.
    public var jitter: Double

    /// Creates a policy.
    public init(base: TimeInterval = 1, factor: Double = 2, cap: TimeInterval = 600, jitter: Double = 0.2) {
        self.base = base
        self.factor = factor
        self.cap = cap
        self.jitter = min(1, max(0, jitter))
    }

    /// The delay after failed attempt `attempt` (from 1); `random` is a number in 0..<1.
    public func delay(afterAttempt attempt: Int, random: Double) -> TimeInterval {
        let exponent = Double(max(0, attempt - 1))
        let raw = min(cap, base * pow(factor, exponent))
        return raw * (1 - jitter * random)
    }
}
