import Foundation
import PostgresNIO

extension Transaction {
    /// Streams rows into `table` with `COPY … FROM STDIN` (text format) inside this transaction.
    ///
    /// `table` and `columns` are inserted into the statement as given: pass constants only, never input.
    /// COPY FROM is refused on tables under row-level security, so this is for the global path.
    public func copyFrom(table: String, columns: [String], _ writeData: (PostgresCopyFromWriter) async throws -> Void) async throws {
        try await connection.copyFrom(table: table, columns: columns, format: .text(.init()), logger: logger, writeData: writeData)
    }
}
