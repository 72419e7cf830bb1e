import CWMP
import Crypto
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import Synchronization

/// The ACS: authenticates CPEs per provider, opens sessions on Inform (registering the device), runs
/// each session's state machine and persists what it learns. Free of any HTTP framework: the edge
/// turns requests into ``CWMPRequest`` and answers with the returned ``CWMPResponse``.
public final class ACSEngine: Sendable {
    /// The cookie that names a session.
    public static let cookieName = "octoisp_cwmp"

    let database: Database
    let configuration: ACSConfiguration
    let authenticator: HTTPAuthenticator
    let decoder: CWMPDecoder
    let encoder = CWMPEncoder()
    let clock: any WallClock
    let logger: Logger
    let sessions = Mutex<[String: LiveSession]>([:])
    let slugs = Mutex<[String: (id: UUID?, at: Date)]>([:])
    let credentials: CredentialCache
    let statements: CWMPStatements
    let provisioning: ProvisioningService?

    /// Creates the engine on `database`; with `provisioning`, devices are provisioned when their
    /// first-contact (or BOOTSTRAP) discovery completes and apply tasks record their outcome.
    public init(database: Database, configuration: ACSConfiguration = ACSConfiguration(), clock: any WallClock, logger: Logger,
                provisioning: ProvisioningService? = nil) {
        self.database = database
        self.provisioning = provisioning
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.authenticator = HTTPAuthenticator(realm: configuration.realm, nonceLifetime: configuration.nonceLifetime, clock: clock)
        self.decoder = CWMPDecoder(limits: .init(maximumBytes: configuration.maximumBodyBytes))
        self.credentials = CredentialCache(lifetime: configuration.credentialCacheSeconds)
        self.statements = CWMPStatements(database: database, logger: logger)
    }

    /// Sessions live in this process.
    public var liveSessions: Int { sessions.withLock { $0.count } }

    /// Answers one request; never throws: refusals become 400/401/413/503.
    public func handle(_ request: CWMPRequest) async -> CWMPResponse {
        do {
            return try await process(request)
        } catch let error as ACSError {
            var metadata: Logger.Metadata = ["provider.slug": "\(request.providerSlug)", "reason": "\(error.context)"]
            if let remote = request.remoteAddress { metadata["client.ip"] = "\(remote)" }
            logger.notice("cwmp request refused", metadata: metadata.merging(["status": "\(error.status)"]) { $1 })
            return refusal(error)
        } catch {
            logger.error("cwmp request failed", metadata: ["provider.slug": "\(request.providerSlug)", "error": "\(String(reflecting: error))"])
            return CWMPResponse(status: 503, headers: [("Retry-After", String(configuration.retryAfterSeconds))], body: "temporarily unavailable\n")
        }
    }

    func refusal(_ error: ACSError) -> CWMPResponse {
        var headers: [(String, String)] = [("Content-Type", "text/plain; charset=utf-8")]
        switch error.code {
        case .unauthenticated:
            headers += authenticator.challenges().map { ("WWW-Authenticate", $0) }
        case .busy:
            headers.append(("Retry-After", String(configuration.retryAfterSeconds)))
        case .badRequest, .tooLarge:
            break
        }
        let reason: String = switch error.code {
        case .badRequest: "bad request: \(error.context)\n"
        case .unauthenticated: "authentication required\n"
        case .tooLarge: "request body too large\n"
        case .busy: "busy, retry later\n"
        }
        return CWMPResponse(status: error.status, headers: headers, body: reason)
    }

    func process(_ request: CWMPRequest) async throws -> CWMPResponse {
        guard request.method == "POST" else { throw ACSError(.badRequest, "CWMP uses POST") }
        guard request.body.count <= configuration.maximumBodyBytes else {
            throw ACSError(.tooLarge, "\(request.body.count) bytes exceed \(configuration.maximumBodyBytes)")
        }
        if let token = Self.sessionToken(in: request.cookies), let live = sessions.withLock({ $0[token] }) {
            guard live.slug == request.providerSlug else { throw ACSError(.unauthenticated, "session cookie of another provider") }
            return try await continueSession(live, request)
        }
        return try await openSession(request)
    }

    /// The session token among the cookies (several per header, `;`- or `,`-separated).
    public static func sessionToken(in headers: [String]) -> String? {
        for header in headers {
            for part in header.split(whereSeparator: { $0 == ";" || $0 == "," }) {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("\(cookieName)=") {
                    let value = String(pair.dropFirst(cookieName.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    if !value.isEmpty { return value }
                }
            }
        }
        return nil
    }

    func provider(slug: String) async throws -> UUID? {
        let now = clock.now
        if let cached = slugs.withLock({ $0[slug] }), now.timeIntervalSince(cached.at) < configuration.slugCacheSeconds {
            return cached.id
        }
        guard slug.utf8.count <= 63, slug.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            return nil
        }
        let id = try await database.withTenant(nil, logger: logger) { tx in try await tx.lookup.provider(slug: slug) }
        slugs.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[slug] = (id, now)
        }
        return id
    }

    func openSession(_ request: CWMPRequest) async throws -> CWMPResponse {
        guard let providerID = try await provider(slug: request.providerSlug) else {
            throw ACSError(.unauthenticated, "unknown or inactive provider slug")
        }
        guard let claim = HTTPAuthenticator.claim(from: request.authorization) else {
            throw ACSError(.unauthenticated, "no usable Authorization header")
        }
        guard let credential = try await verifiedCredential(claim, provider: providerID, request: request) else {
            throw ACSError(.unauthenticated, "wrong credentials")
        }
        guard !request.body.isEmpty else { throw ACSError(.badRequest, "a session must start with an Inform") }
        let envelope: Envelope<CPEMessage>
        do {
            envelope = try decoder.decodeCPE(request.body)
        } catch {
            throw ACSError(error.code == .tooLarge ? .tooLarge : .badRequest, error.description)
        }
        guard case .inform(let inform) = envelope.message else { throw ACSError(.badRequest, "a session must start with an Inform") }
        let identity = try InformValidation.validated(inform)
        guard liveSessions < configuration.maximumSessions else { throw ACSError(.busy, "session limit reached") }

        let token = Self.newToken()
        let leaseSeconds = configuration.session.idleTimeout + 5
        // A registered device: one statement. A new one: a tenant transaction that also audits it.
        let registration: Registration
        switch try await statements.inform(inform, identity: identity, version: envelope.version, remoteIP: request.remoteAddress,
                                           provider: providerID, boundDevice: credential.deviceID, leaseToken: token,
                                           leaseSeconds: leaseSeconds) {
        case .registered(let registered):
            registration = registered
        case .busy:
            throw ACSError(.busy, "device is in a session elsewhere")
        case .boundElsewhere:
            throw ACSError(.unauthenticated, "credential is bound to another device")
        case .unknown:
            registration = try await database.withTenant(providerID, logger: logger) { tx in
                let registration = try await tx.cwmp.register(inform, identity: identity, version: envelope.version,
                                                              remoteIP: request.remoteAddress, leaseToken: token, leaseSeconds: leaseSeconds)
                if let bound = credential.deviceID, bound != registration.deviceID {
                    throw ACSError(.unauthenticated, "credential is bound to another device")
                }
                return registration
            }
        }
        // A CPE reporting finished diagnostics that a tool run waits for is read back in this session.
        let readback: Bool
        do {
            readback = try await queueDiagnosticsReadback(inform, device: registration.deviceID, provider: providerID)
        } catch {
            // The session goes on (its lease is held); the waiting tool run times out and says so.
            logger.error("diagnostics read-back not queued", metadata: [
                "provider.id": "\(providerID.lowercased)", "device.id": "\(registration.deviceID.lowercased)", "error": "\(error)",
            ])
            readback = false
        }
        var machine = CWMPSession(configuration: configuration.session, start: clock.now)
        let action = machine.receive(.message(envelope, at: clock.now))
        if registration.needsDiscovery { machine.enqueueDiscovery(root: inform.root) }
        let live = LiveSession(token: token, providerID: providerID, slug: request.providerSlug, deviceID: registration.deviceID,
                               root: inform.root, fileBaseURL: configuration.fileBaseURL ?? "http://\(request.host ?? "127.0.0.1:7547")",
                               machine: machine, discovering: registration.needsDiscovery, hasQueuedTasks: registration.hasQueuedTasks || readback)
        sessions.withLock { $0[token] = live }
        logger.info("cwmp session opened", metadata: [
            "provider.id": "\(providerID.lowercased)", "device.id": "\(registration.deviceID.lowercased)",
            "events": "\(inform.events.map(\.code))", "created": "\(registration.created)", "discovery": "\(registration.needsDiscovery)",
        ])
        guard case .send(let reply, _) = action else { throw ACSError(.badRequest, "Inform was not accepted") }
        return xml(encoder.encode(reply), cookie: token)
    }

    func continueSession(_ live: LiveSession, _ request: CWMPRequest) async throws -> CWMPResponse {
        guard live.claim() else { throw ACSError(.busy, "a request of this session is still being handled") }
        let now = clock.now
        let input: CWMPSession.Input
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            input = .emptyPost(at: now)
        } else {
            do {
                input = .message(try decoder.decodeCPE(request.body), at: now)
            } catch {
                live.release()
                try await end(live, effects: [.ended(.protocolError)], discovering: false)
                throw ACSError(error.code == .tooLarge ? .tooLarge : .badRequest, error.description)
            }
        }
        if live.wantsTask(before: input) { await loadNextTask(live) }
        let (action, discovering) = live.receive(input)
        try await apply(action.effects, of: live, discovering: discovering)
        switch action {
        case .send(let reply, _):
            return xml(encoder.encode(reply), cookie: nil)
        case .finish:
            return CWMPResponse(status: 204)
        case .reject(let error, _):
            throw ACSError(.badRequest, error.description)
        case .none:
            return CWMPResponse(status: 204)
        }
    }

    func xml(_ body: String, cookie: String?) -> CWMPResponse {
        var headers: [(String, String)] = [("Content-Type", "text/xml; charset=\"utf-8\"")]
        if let cookie { headers.append(("Set-Cookie", "\(Self.cookieName)=\(cookie); Path=/; HttpOnly")) }
        return CWMPResponse(status: 200, headers: headers, body: body)
    }

    /// The credential `claim` names in `provider` if the claim proves its password. A credential this
    /// process read recently is reused; one the claim fails against is read again before refusing.
    func verifiedCredential(_ claim: HTTPAuthenticator.Claim, provider: UUID, request: CWMPRequest) async throws -> CWMPCredential? {
        let username = HTTPAuthenticator.username(of: claim)
        let now = clock.now
        if let cached = credentials.credential(provider: provider, username: username, now: now),
           authenticator.verify(claim, against: cached, method: request.method, requestURI: request.uri) {
            return cached
        }
        let stored = try await database.withTenant(provider, logger: logger) { tx in try await tx.cwmpCredentials.find(username: username) }
        guard let stored, authenticator.verify(claim, against: stored, method: request.method, requestURI: request.uri) else {
            credentials.forget(provider: provider, username: username)
            return nil
        }
        credentials.store(stored, now: now)
        return stored
    }

    /// Persists what a session learned, renews or releases its lease.
    func apply(_ effects: [SessionEffect], of live: LiveSession, discovering: Bool) async throws {
        var metadata: Logger.Metadata = ["provider.id": "\(live.providerID.lowercased)", "device.id": "\(live.deviceID.lowercased)"]
        if let end = Self.plainEnd(effects), !(end == .completed && discovering), !live.hasUnsettledTasks {
            // Nothing to persist but the end: give the lease up in one statement.
            try await statements.endSession(provider: live.providerID, device: live.deviceID, token: live.token)
            sessions.withLock { _ = $0.removeValue(forKey: live.token) }
            metadata["end"] = "\(end)"
            logger.info("cwmp session ended", metadata: metadata)
            return
        }
        var ended: SessionEnd?
        var pendingJob: JobRequest?
        try await database.withTenant(live.providerID, logger: logger) { tx in
            for effect in effects {
                switch effect {
                case .informed:
                    break
                case .discoveredNames(let names):
                    try await tx.cwmp.storeNames(names, device: live.deviceID)
                case .discoveredValues(let values):
                    try await tx.cwmp.storeValues(values, device: live.deviceID, secrets: provisioning?.secrets)
                case .completed(let rpc, let answer):
                    metadata["rpc"] = "\(rpc.message.methodName)"
                    logger.info("cwmp rpc completed", metadata: metadata)
                    if let (task, last) = live.answered(rpc) {
                        if last {
                            try await settle(task, answer: answer, of: live, in: tx)
                        } else {
                            try await updateCache(after: task, answer: answer, device: live.deviceID, in: tx)
                        }
                    }
                case .faulted(let rpc, let fault):
                    metadata["rpc"] = "\(rpc.message.methodName)"
                    metadata["fault"] = "\(fault.code) \(fault.string)"
                    logger.notice("cwmp rpc faulted", metadata: metadata)
                    if let task = live.abort(rpc) {
                        let (value, result) = TaskPlan.fault(fault)
                        try await tx.deviceTasks.finish(task.id, status: .fault, result: result, fault: value,
                                                        by: Actor(type: .device, id: live.deviceID, label: nil))
                        if task.type == .setParameterValues { try await provisioningSettled(task, fault: fault, of: live, in: tx) }
                        if ProvisioningService.isVerification(task), let provisioning {
                            try await provisioning.verificationSettled(task, values: nil, fault: value, in: tx,
                                                                       by: Actor(type: .device, id: live.deviceID, label: nil))
                        }
                        try await rolloutSettled(task, status: .fault, fault: value, in: tx)
                    }
                case .transferCompleted(let transfer, let autonomous):
                    metadata["command_key"] = "\(transfer.commandKey)"
                    metadata["autonomous"] = "\(autonomous)"
                    logger.info("cwmp transfer complete", metadata: metadata)
                    try await settleTransfer(transfer, autonomous: autonomous, of: live, in: tx)
                case .abandoned(let rpc):
                    metadata["rpc"] = "\(rpc.message.methodName)"
                    logger.notice("cwmp rpc abandoned", metadata: metadata)
                    if let task = live.abort(rpc) { try await tx.deviceTasks.requeue(task.id) }
                case .ended(let end):
                    ended = end
                }
            }
            if let ended {
                if ended == .completed && discovering {
                    try await tx.cwmp.markDiscovered(live.deviceID)
                    pendingJob = try await provisionDiscovered(live, in: tx)
                }
                for task in live.unsettledTasks() { try await tx.deviceTasks.requeue(task.id) }
                try await tx.cwmp.releaseLease(live.deviceID, token: live.token)
            } else {
                _ = try await tx.cwmp.renewLease(live.deviceID, token: live.token, seconds: configuration.session.idleTimeout + 5)
            }
        }
        if let pendingJob, let provisioning { try await enqueueAfterCommit(pendingJob, tasks: provisioning.tasks, metadata: metadata) }
        if let ended {
            sessions.withLock { _ = $0.removeValue(forKey: live.token) }
            metadata["end"] = "\(ended)"
            logger.info("cwmp session ended", metadata: metadata)
        }
    }

    /// The end of a session when `effects` hold nothing else to persist.
    static func plainEnd(_ effects: [SessionEffect]) -> SessionEnd? {
        guard case .ended(let end)? = effects.last else { return nil }
        for effect in effects.dropLast() {
            guard case .informed = effect else { return nil }
        }
        return end
    }

    func end(_ live: LiveSession, effects: [SessionEffect], discovering: Bool) async throws {
        try await apply(effects, of: live, discovering: discovering)
    }

    /// Closes sessions idle past their timeout (run periodically).
    public func sweep() async {
        let now = clock.now
        let candidates = sessions.withLock { Array($0.values) }
        for live in candidates where live.claim() {
            let (action, discovering) = live.receive(.tick(now))
            guard !action.effects.isEmpty else { continue }
            do {
                try await apply(action.effects, of: live, discovering: discovering)
            } catch {
                logger.error("cwmp sweep failed", metadata: ["device.id": "\(live.deviceID.lowercased)", "error": "\(error)"])
            }
        }
    }

    static func newToken() -> String {
        HTTPAuthenticator.hex(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }
}
