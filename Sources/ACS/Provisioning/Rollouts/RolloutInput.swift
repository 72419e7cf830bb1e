/// The body of `POST /api/v1/provisioning/rollouts`.
public struct RolloutInput: Codable, Sendable, Hashable {
    /// Name.
    public var name: String
    /// Which devices.
    public var target: Rollout.Target
    /// What to do.
    public var action: DeviceAction
    /// Devices per wave (default 50).
    public var waveSize: Int?
    /// Pause between waves in seconds (default 0).
    public var pauseSeconds: Int?
    /// Failure rate (0–1) that stops the rollout (default 0.1).
    public var failureThreshold: Double?

    /// Creates an input.
    public init(name: String, target: Rollout.Target, action: DeviceAction, waveSize: Int? = nil, pauseSeconds: Int? = nil,
                failureThreshold: Double? = nil) {
        self.name = name
        self.target = target
        self.action = action
        self.waveSize = waveSize
        self.pauseSeconds = pauseSeconds
        self.failureThreshold = failureThreshold
    }
}
