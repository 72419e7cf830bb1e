import Logging
import PostgresNIO

extension Database {
    /// Runs one statement on the global path outside an explicit transaction (it commits on its own),
    /// returning its rows. For platform work that needs neither a tenant nor a multi-statement
    /// transaction, such as acknowledging a job.
    public func globalStatement(_ query: PostgresQuery, logger: Logger? = nil) async throws -> [PostgresRow] {
        let logger = logger ?? self.logger
        do {
            return try await globalClient.query(query, logger: logger)
        } catch {
            throw StoreError.translate(error)
        }
    }
}

extension Database {
    /// Runs one statement as the app role (`octoisp_app`) in a transaction of its own, outside any
    /// tenant transaction: row-level security shows nothing unless the statement binds itself to a
    /// tenant first (as the `job_enqueue_as` function does). One round trip.
    public func appStatement(_ query: PostgresQuery, logger: Logger? = nil) async throws -> [PostgresRow] {
        let logger = logger ?? self.logger
        do {
            return try await appClient.query(query, logger: logger)
        } catch {
            throw StoreError.translate(error)
        }
    }
}
