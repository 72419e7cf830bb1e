import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO
import ServiceLifecycle

extension FileStore {
    /// What a sweep of leftover bytes did.
    public struct LeftoverSweep: Sendable, Hashable {
        /// Bytes set aside by a delete whose row is gone, removed.
        public var removed = 0
        /// Bytes set aside by a delete that never committed (the row is still there), put back.
        public var restored = 0
        /// Bytes of uploads that never reached their row, removed.
        public var uploads = 0
        /// Nothing done.
        public init() {}
    }

    /// Clears what a process that died mid-operation left in the providers' directories: a delete sets
    /// the bytes aside as `.delete-<id>` inside its transaction and removes them after the commit, an
    /// upload writes `.upload-<id>` before its row commits. Only entries whose inode changed more than
    /// `grace` ago are looked at (a rename sets the change time; an operation in flight is far younger
    /// than its statement timeout). A `.delete-` whose row still exists belongs to a delete that never
    /// committed: its bytes go back in place; otherwise they are removed, as are stale `.upload-` bytes.
    public func sweepLeftovers(database: Database, grace: Duration = .seconds(300), now: Date = Date()) async throws -> LeftoverSweep {
        var sweep = LeftoverSweep()
        let manager = FileManager.default
        guard let providers = try? manager.contentsOfDirectory(atPath: directory) else { return sweep }
        for name in providers {
            guard let provider = UUID(uuidString: name) else { continue }
            let folder = directory(provider: provider)
            for entry in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] {
                let isDelete = entry.hasPrefix(".delete-"), isUpload = entry.hasPrefix(".upload-")
                guard isDelete || isUpload, let id = UUID(uuidString: String(entry.dropFirst(8))) else { continue }
                let leftover = (folder as NSString).appendingPathComponent(entry)
                guard let changed = Self.changeTime(leftover), now.timeIntervalSince(changed) > Self.seconds(grace) else { continue }
                if isUpload {
                    try Self.remove(leftover)
                    sweep.uploads += 1
                    continue
                }
                let exists = try await database.withTenant(provider) { tx in
                    try await tx.query("SELECT 1 AS one FROM acs_files WHERE id = \(id)").acsFirst { _ in true } ?? false
                }
                let target = path(provider: provider, file: id)
                if exists && !manager.fileExists(atPath: target) {
                    try manager.moveItem(atPath: leftover, toPath: target)
                    sweep.restored += 1
                } else {
                    try Self.remove(leftover)
                    sweep.removed += 1
                }
            }
        }
        return sweep
    }

    /// When the inode at `path` last changed (a rename sets it), or `nil` when it cannot be read.
    static func changeTime(_ path: String) -> Date? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Sweeps leftover file bytes (``FileStore/sweepLeftovers(database:grace:now:)``) at start and then
/// every `interval`, until shutdown; a failed round is logged at error level and tried again.
public struct FileLeftoverSweeper: Service {
    let files: FileStore
    let database: Database
    let interval: Duration
    let grace: Duration
    let logger: Logger

    /// Creates the sweeper; leftovers younger than `grace` are left to the operation that made them.
    public init(files: FileStore, database: Database, interval: Duration = .seconds(600), grace: Duration = .seconds(300), logger: Logger) {
        self.files = files
        self.database = database
        self.interval = interval
        self.grace = grace
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval, logger: logger, failure: "leftover file bytes not swept") {
            let sweep = try await files.sweepLeftovers(database: database, grace: grace)
            if sweep != FileStore.LeftoverSweep() {
                logger.notice("leftover file bytes swept", metadata: [
                    "removed": "\(sweep.removed)", "restored": "\(sweep.restored)", "uploads": "\(sweep.uploads)",
                ])
            }
        }
    }
}
