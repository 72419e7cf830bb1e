import OctoCore
import PostgresNIO

/// Maps PostgreSQL errors into domain errors, naming the offending field when the server says which;
/// a lost connection becomes ``OctoError/Code/unavailable`` (retryable, not saved).
enum StoreError {
    /// Translates constraint violations; other errors pass through.
    static func translate(_ error: any Error) -> any Error {
        if let psql = error as? PSQLError, psql.serverInfo?[.sqlState] == "25006" {
            return OctoError(.unavailable, "the database server accepts no writes (a standby, or read-only work); nothing was saved, try again")
        }
        if isConnectionFailure(error) {
            // Never acknowledged: the commit may not have happened, so the caller must not report success.
            return OctoError(.unavailable, "the database connection was lost (\(DatabaseURL.describe(error))); nothing was confirmed, try again")
        }
        guard let psql = error as? PSQLError, let server = psql.serverInfo,
              let state = server[.sqlState] else { return error }
        let constraint = server[.constraintName] ?? ""
        let message = server[.message] ?? "constraint violated"
        switch state {
        case "23505": // unique_violation
            return OctoError(.conflict, "already exists (\(constraint))", field: field(of: constraint))
        case "23503" where message.hasPrefix("update or delete"): // still referenced
            return OctoError(.conflict, "still in use by other records")
        case "23503": // foreign_key_violation
            let field = field(of: constraint)
            return OctoError(.invalidInput, "\(field ?? "reference") does not point to an existing record", field: field)
        case "23514", "23502", "22P02", "22001", "22007", "22008": // check, not null, bad text, too long, bad date
            return OctoError(.invalidInput, message, field: field(of: constraint))
        case "42501": // insufficient_privilege (also audit immutability, RLS WITH CHECK)
            return OctoError(.forbidden, message)
        default:
            return error
        }
    }

    /// Guesses the column from a constraint name such as `devices_provider_id_pop_id_fkey`.
    private static func field(of constraint: String) -> String? {
        for column in ["customer_id", "pop_id", "role_id", "group_id", "device_id", "user_id", "slug", "email",
                       "name", "serial_number", "key", "status", "kind", "locale", "prefix"]
        where constraint.contains(column) {
            return column
        }
        return nil
    }
}
