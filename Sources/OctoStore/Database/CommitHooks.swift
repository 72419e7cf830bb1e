import Logging
import Synchronization

/// Work a transaction registered to run once it has committed (``Transaction/afterCommit(_:)``).
///
/// A rolled-back transaction runs none of it. The work runs in registration order after the commit
/// and before ``Database/withTenant(_:logger:_:)`` (or `withGlobal`) returns; a failure is logged at
/// error level and does not undo the commit, so what must not be lost has to be recoverable from the
/// committed rows (the job outbox is).
final class CommitHooks: Sendable {
    private let work = Mutex<[@Sendable (Database) async throws -> Void]>([])

    func append(_ item: @escaping @Sendable (Database) async throws -> Void) {
        work.withLock { $0.append(item) }
    }

    func run(_ database: Database, logger: Logger) async {
        let items = work.withLock { items in
            defer { items.removeAll() }
            return items
        }
        for item in items {
            do {
                try await item(database)
            } catch {
                logger.error("work after commit failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
