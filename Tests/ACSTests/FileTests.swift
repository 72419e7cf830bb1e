import ACS
import CPESimulator
import CWMP
import Crypto
import Foundation
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The file server and download tasks: upload through the API, fetch with Range and ETag, settle on
/// TransferComplete or expire without it.
@Suite(.serialized) struct FileTests {
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Uploads `content` and returns the file's id and its download path on the CWMP port.
    static func upload(_ harness: TaskHarness, _ content: [UInt8], name: String = "fw.bin") async throws -> (UUID, String) {
        let answer = try await harness.call(.post, "/api/v1/files?name=\(name)&type=firmware", raw: content)
        guard answer.status == .created, let id = answer.string("id").flatMap(UUID.init(uuidString:)) else {
            throw TestSetupError("upload failed: \(answer.status) \(answer.text)")
        }
        let token = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.acsFiles.find(id)?.token }
        return (id, "/cwmp-files/\(harness.provider.slug)/\(id.lowercased)/\(try #require(token))")
    }

    func get(_ harness: TaskHarness, _ path: String, _ headers: [(String, String)] = []) async throws -> HTTPExchange.Answer {
        try await HTTPExchange.get(host: "127.0.0.1", port: harness.cwmpPort, path: path, headers: headers)
    }

    @Test func filesAreServedWithRangeAndETagAndADownloadSettlesOnTransferComplete() async throws {
        try await TaskHarness.with { harness in
            let content = Self.bytes(200_000)
            let sha = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
            let (id, path) = try await Self.upload(harness, content)
            let file = try await harness.call(.get, "/api/v1/files/\(id.lowercased)")
            #expect(file.string("sha256") == sha)
            #expect(file.json?["size"] == .number(200_000))
            #expect(file.json?["token"] == nil, "the download token is never shown")

            let whole = try await get(harness, path)
            #expect(whole.status == 200)
            #expect(whole.body == content)
            #expect(whole.headers.first(name: "ETag") == "\"\(sha)\"")
            #expect(whole.headers.first(name: "Accept-Ranges") == "bytes")
            let first = try await get(harness, path, [("Range", "bytes=0-99")])
            #expect(first.status == 206)
            #expect(first.headers.first(name: "Content-Range") == "bytes 0-99/200000")
            #expect(first.body == Array(content[0..<100]))
            let tail = try await get(harness, path, [("Range", "bytes=-10")])
            #expect(tail.status == 206)
            #expect(tail.body == Array(content[199_990...]))
            let beyond = try await get(harness, path, [("Range", "bytes=200000-")])
            #expect(beyond.status == 416)
            #expect(beyond.headers.first(name: "Content-Range") == "bytes */200000")
            let cached = try await get(harness, path, [("If-None-Match", "\"\(sha)\"")])
            #expect(cached.status == 304)
            #expect(cached.body.isEmpty)
            #expect(try await get(harness, path.replacingOccurrences(of: "/acme/", with: "/other/")).status == 404)
            #expect(try await get(harness, String(path.dropLast(4)) + "0000").status == 404, "a wrong token is a missing file")

            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let task = try await harness.queue(#"{"type": "download", "file_id": "\#(id.lowercased)"}"#, device: device)
            let session = try await cpe.runSession()
            #expect(session.rpcs == ["Download"])
            let accepted = try await harness.task(task.id, device: device)
            #expect(accepted.status == .running, "status 1: waiting for TransferComplete")
            #expect(accepted.result?["status"] == .number(1))
            let fetched = await cpe.cpe.downloads
            #expect(fetched.count == 1)
            #expect(fetched.first?.bytes == 200_000, "fetched in 64 KiB Range requests")
            #expect(fetched.first?.url.hasSuffix(path) == true)

            try await cpe.runSession()
            let settled = try await harness.task(task.id, device: device)
            #expect(settled.status == .done)
            #expect(settled.result?["transfer_complete"] == .bool(true))
            let events = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT events FROM cwmp_informs ORDER BY id DESC LIMIT 1").values([String].self)
            }
            #expect(events.first == ["7 TRANSFER COMPLETE", "M Download"])
        }
    }

    @Test func aDownloadWithoutTransferCompleteExpires() async throws {
        var settings = ACSConfiguration()
        settings.transferTimeout = 600
        let configuration = settings
        try await TaskHarness.with(configuration: configuration, worker: false) { harness in
            let (id, _) = try await Self.upload(harness, Self.bytes(1_000))
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let download = try await harness.queue(#"{"type": "download", "file_id": "\#(id.lowercased)"}"#, device: device)
            try await cpe.runSession()
            #expect(try await harness.task(download.id, device: device).status == .running)
            // A task for a device that never comes back expires on its own timeout.
            let other = try await harness.queue(#"{"type": "reboot", "timeout_seconds": 300}"#, device: device)

            harness.stack.clock.advance(by: 299)
            #expect(await harness.engine.expireTasks() == 0)
            harness.stack.clock.advance(by: 2)
            #expect(await harness.engine.expireTasks() == 1)
            #expect(try await harness.task(other.id, device: device).status == .expired)
            #expect(try await harness.task(download.id, device: device).status == .running)
            harness.stack.clock.advance(by: 300)
            #expect(await harness.engine.expireTasks() == 1)
            let expired = try await harness.task(download.id, device: device)
            #expect(expired.status == .expired)
            #expect(expired.finishedAt != nil)

            // A late TransferComplete changes nothing.
            try await cpe.runSession()
            #expect(try await harness.task(download.id, device: device).status == .expired)
            let actions = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT action FROM audit_log WHERE action = 'device_task.expired'").values(String.self)
            }
            #expect(actions.count == 2)
        }
    }

    @Test func uploadsAreBoundedCheckedAndDeletable() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let tooLarge = try await harness.call(.post, "/api/v1/files?name=big.bin&type=firmware", raw: Self.bytes((4 << 20) + 1))
            #expect(tooLarge.status == .contentTooLarge)
            let empty = try await harness.call(.post, "/api/v1/files?name=empty.bin&type=firmware", raw: [])
            #expect(empty.status == .badRequest)
            let unnamed = try await harness.call(.post, "/api/v1/files?type=firmware", raw: [1, 2, 3])
            #expect(unnamed.errorField == "name")
            let untyped = try await harness.call(.post, "/api/v1/files?name=a.bin&type=movie", raw: [1, 2, 3])
            #expect(untyped.errorField == "type")
            #expect(try await harness.count("acs_files") == 0)
            let leftovers = (try? FileManager.default.subpathsOfDirectory(atPath: harness.files.directory))?.filter { !$0.hasSuffix("/") } ?? []
            #expect(leftovers.allSatisfy { !$0.contains("upload") }, "\(leftovers)")

            try await harness.stack.makeUser("viewer@acme.test", role: .viewer, provider: harness.provider.id)
            let login = try await harness.call(.post, "/api/v1/auth/login", json: #"{"email": "viewer@acme.test", "password": "correct horse battery"}"#)
            let viewer = try #require(login.string("access_token"))
            #expect(try await harness.call(.post, "/api/v1/files?name=a.bin&type=firmware", raw: [1, 2, 3], token: viewer).status == .forbidden)

            let (id, path) = try await Self.upload(harness, Self.bytes(5_000), name: "cfg.xml")
            let listed = try await harness.call(.get, "/api/v1/files", token: viewer)
            #expect(listed.json?["total"] == .number(1))
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let task = try await harness.queue(#"{"type": "download", "file_id": "\#(id.lowercased)", "file_type": "3 Vendor Configuration File"}"#, device: device)
            #expect(try await harness.call(.delete, "/api/v1/files/\(id.lowercased)").status == .noContent)
            #expect(!FileManager.default.fileExists(atPath: harness.files.path(provider: harness.provider.id, file: id)))
            #expect(try await get(harness, path).status == 404)
            let session = try await cpe.runSession()
            #expect(session.rpcs.isEmpty, "the download of a deleted file is not sent")
            let settled = try await harness.task(task.id, device: device)
            #expect(settled.status == .fault)
            #expect(settled.fault?.code == 8003)
        }
    }

    /// The bytes on disk under the provider's directory, by name.
    static func stored(_ harness: TaskHarness) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: harness.files.directory(provider: harness.provider.id))) ?? []
    }

    @Test func anUploadWhoseCommitFailsLeavesNoBytes() async throws {
        try await TaskHarness.with(worker: false) { harness in
            // A deferred check fails at COMMIT, after the bytes were moved in place.
            try await harness.stack.connect(harness.stack.ownerURL) { connection in
                try await connection.query("""
                    CREATE FUNCTION refuse_file() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'refused at commit'; END $$
                    """, logger: .init(label: "test"))
                try await connection.query("""
                    CREATE CONSTRAINT TRIGGER refuse_file AFTER INSERT ON acs_files DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION refuse_file()
                    """, logger: .init(label: "test"))
            }
            let answer = try await harness.call(.post, "/api/v1/files?name=fw.bin&type=firmware", raw: Self.bytes(3_000))
            #expect(answer.status.code >= 500, "\(answer.status)")
            #expect(try await harness.count("acs_files") == 0)
            #expect(Self.stored(harness).isEmpty, "orphan bytes: \(Self.stored(harness))")
        }
    }

    @Test func aDeleteWhoseBytesCannotBeRemovedFailsAndChangesNothing() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let (id, _) = try await Self.upload(harness, Self.bytes(2_000))
            // A non-empty directory where the bytes are set aside makes the rename fail.
            let aside = (harness.files.directory(provider: harness.provider.id) as NSString).appendingPathComponent(".delete-" + id.lowercased)
            try FileManager.default.createDirectory(atPath: aside + "/busy", withIntermediateDirectories: true)
            let answer = try await harness.call(.delete, "/api/v1/files/\(id.lowercased)")
            #expect(answer.status.code >= 500, "\(answer.status)")
            #expect(try await harness.count("acs_files") == 1, "the row stays when its bytes stay")
            #expect(FileManager.default.fileExists(atPath: harness.files.path(provider: harness.provider.id, file: id)))

            try FileManager.default.removeItem(atPath: aside)
            #expect(try await harness.call(.delete, "/api/v1/files/\(id.lowercased)").status == .noContent)
            #expect(try await harness.count("acs_files") == 0)
            #expect(Self.stored(harness).isEmpty, "\(Self.stored(harness))")
        }
    }

    /// A process that died between the rename and the unlink of a delete leaves `.delete-<id>`: the
    /// sweeper removes it when the row is gone and puts the bytes back when the delete never committed;
    /// stale `.upload-` bytes go too. Leftovers younger than the grace are left alone (an operation in flight).
    @Test func leftoversOfOperationsThatDiedAreSweptAtStart() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let provider = harness.provider.id
            let folder = harness.files.directory(provider: provider)
            let committedContent = Self.bytes(1_500), openContent = Self.bytes(1_700)
            let (committed, _) = try await Self.upload(harness, committedContent)
            let (open, _) = try await Self.upload(harness, openContent)
            func aside(_ id: UUID) -> String { (folder as NSString).appendingPathComponent(".delete-" + id.lowercased) }
            // Died after the commit: the row is gone, the bytes are set aside.
            try FileManager.default.moveItem(atPath: harness.files.path(provider: provider, file: committed), toPath: aside(committed))
            _ = try await harness.stack.database.withTenant(provider) { tx in try await tx.query("DELETE FROM acs_files WHERE id = \(committed)") }
            // Died inside the transaction: the row is still there, the bytes are set aside.
            try FileManager.default.moveItem(atPath: harness.files.path(provider: provider, file: open), toPath: aside(open))
            // Died while an upload was written.
            let upload = harness.files.uploadPath(provider: provider, file: UUID())
            try Data(Self.bytes(100)).write(to: URL(fileURLWithPath: upload))

            // Within the grace nothing is touched.
            let early = try await harness.files.sweepLeftovers(database: harness.stack.database)
            #expect(early == FileStore.LeftoverSweep())
            #expect(Set(Self.stored(harness)) == Set([".delete-" + committed.lowercased, ".delete-" + open.lowercased,
                                                      (upload as NSString).lastPathComponent]))

            // The sweeper of a starting process (grace 0 here) sweeps at once.
            var logger = Logger(label: "file-sweep-test")
            logger.logLevel = .critical
            let sweeper = FileLeftoverSweeper(files: harness.files, database: harness.stack.database, grace: .zero, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sweeper.run() }
                let until = ContinuousClock.now + .seconds(10)
                while Self.stored(harness).contains(where: { $0.hasPrefix(".") }), ContinuousClock.now < until {
                    try await Task.sleep(for: .milliseconds(50))
                }
                group.cancelAll()
            }
            #expect(Self.stored(harness) == [open.lowercased], "\(Self.stored(harness))")
            let restored = try Data(contentsOf: URL(fileURLWithPath: harness.files.path(provider: provider, file: open)))
            #expect(Array(restored) == openContent)
            #expect(try await harness.count("acs_files") == 1)
        }
    }
}
