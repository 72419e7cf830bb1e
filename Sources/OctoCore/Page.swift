/// A page of a list, with the total that matches the filters.
public struct Page<Item: Sendable & Encodable>: Sendable, Encodable {
    /// The items on this page.
    public var items: [Item]
    /// How many items match in all.
    public var total: Int
    /// The page size asked for.
    public var limit: Int
    /// How many matching items precede this page.
    public var offset: Int
    /// Set by lists that stop counting past a bound: `true` when counting stopped at `total`, so more
    /// than `total` items match; `nil` (not encoded) when the list always counts every match.
    public var totalIsEstimate: Bool?

    /// Creates a page.
    public init(items: [Item], total: Int, limit: Int, offset: Int, totalIsEstimate: Bool? = nil) {
        self.items = items
        self.total = total
        self.limit = limit
        self.offset = offset
        self.totalIsEstimate = totalIsEstimate
    }

    /// The page `page` of a short collection read whole (roles, credentials, templates…), so every list
    /// answers the same shape with the same `limit`/`offset` rules.
    public init(slicing all: [Item], _ page: PageRequest) {
        self.init(items: Array(all.dropFirst(page.offset).prefix(page.limit)), total: all.count, limit: page.limit, offset: page.offset)
    }
}

/// Limit and offset of a list request, clamped to sane bounds.
public struct PageRequest: Sendable, Hashable {
    /// The largest page a client may ask for.
    public static let maxLimit = 500
    /// Items per page.
    public var limit: Int
    /// Items to skip.
    public var offset: Int

    /// Validates limit (1...500) and offset (≥ 0).
    public init(limit: Int? = nil, offset: Int? = nil) throws(OctoError) {
        let limit = limit ?? 50
        let offset = offset ?? 0
        guard (1...Self.maxLimit).contains(limit) else { throw .invalid("limit", "limit must be between 1 and \(Self.maxLimit)") }
        guard offset >= 0 else { throw .invalid("offset", "offset must not be negative") }
        self.limit = limit
        self.offset = offset
    }
}
