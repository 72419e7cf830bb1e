import CWMP
import Crypto
import Foundation
import Logging
import Metrics
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
    /// Live sessions plus sessions being opened: taken before an Inform's first await and given back
    /// when the session ends or fails to open, so parallel Informs cannot exceed the session cap.
    let slots = Mutex<Int>(0)
    /// Provider ids by slug (`nil`: unknown or suspended), under the nil provider: a slug names its provider.
    let slugs: ProviderCache<UUID?>
    /// Whether a provider refuses Basic authentication over plain HTTP, by provider (key "").
    let transportPolicies: ProviderCache<Bool>
    let credentials: CredentialCache
    let nonces: NonceLedger
    let throttle: AuthFailureThrottle
    /// Credential rows read from the database (for tests of the throttle).
    let credentialReads = Atomic<Int>(0)
    let statements: CWMPStatements
    /// Ended sessions by end and their durations (made once: a metric looked up per session costs a lock).
    let sessionMetrics: SessionMetrics
    let provisioning: ProvisioningService?
    /// Seals the credentials handed to devices; without it no device gets a credential of its own.
    let secrets: SecretBox?

    /// Creates the engine on `database`; with `provisioning`, devices are provisioned when their
    /// first-contact (or BOOTSTRAP) discovery completes and apply tasks record their outcome.
    /// With `secrets` and ``ACSConfiguration/deviceCredentials``, CPEs that authenticate with a
    /// provider-wide credential are given one of their own.
    public init(database: Database, configuration: ACSConfiguration = ACSConfiguration(), clock: any WallClock, logger: Logger,
                provisioning: ProvisioningService? = nil, secrets: SecretBox? = nil) {
        self.database = database
        self.secrets = secrets
        self.provisioning = provisioning
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.authenticator = HTTPAuthenticator(realm: configuration.realm, nonceLifetime: configuration.nonceLifetime, clock: clock)
        self.decoder = CWMPDecoder(limits: .init(maximumBytes: configuration.maximumBodyBytes))
        self.credentials = CredentialCache(lifetime: configuration.credentialCacheSeconds, capacity: 100_000)
        self.slugs = ProviderCache(name: "cwmp_provider_slug", lifetime: configuration.slugCacheSeconds)
        self.transportPolicies = ProviderCache(name: "cwmp_provider_policy", lifetime: configuration.slugCacheSeconds)
        self.nonces = NonceLedger(lifetime: configuration.nonceLifetime)
        self.throttle = AuthFailureThrottle(perAddress: configuration.authFailuresPerAddress, perUsername: configuration.authFailuresPerUsername)
        self.statements = CWMPStatements(database: database, logger: logger, groupCommit: configuration.groupCommit)
        self.sessionMetrics = SessionMetrics()
    }

    /// Drops what another process changed (a `NOTIFY` on `octoisp_cache`, see ``EventListener``) from
    /// this process's caches: CPE credentials by provider and user name; provider slugs and settings
    /// (any change to a provider row drops every slug, since a slug may move between rows); and, through
    /// the provisioning service, the provider's templates.
    public func invalidate(_ item: CacheInvalidation) {
        if item.isEverything {
            credentials.forgetAll()
            slugs.forgetAll()
            transportPolicies.forgetAll()
        } else if item.cache == "cwmp_credential" {
            credentials.forget(provider: item.provider, username: item.key)
        } else if item.cache == "provider" {
            slugs.forgetAll()
            transportPolicies.forget(provider: item.provider)
        }
        provisioning?.invalidate(item)
    }

    /// Sessions live in this process.
    public var liveSessions: Int { sessions.withLock { $0.count } }

    /// Lets tests drop this process's sessions (as a restart would).
    func sessionsForTesting(_ body: (inout [String: LiveSession]) -> Void) {
        sessions.withLock { sessions in
            body(&sessions)
            slots.withLock { $0 = sessions.count }
        }
    }

    /// Takes a session slot if the cap allows one.
    func takeSessionSlot() -> Bool {
        slots.withLock { slots in
            guard slots < configuration.maximumSessions else { return false }
            slots += 1
            return true
        }
    }

    /// Gives a slot back.
    func giveSessionSlot() {
        slots.withLock { $0 -= 1 }
    }

    /// Forgets a live session and gives its slot back.
    func removeSession(_ token: String) {
        let removed = sessions.withLock { $0.removeValue(forKey: token) }
        if removed != nil { giveSessionSlot() }
    }

    /// Answers one request; never throws: refusals become 400/401/413/503.
    public func handle(_ request: CWMPRequest) async -> CWMPResponse {
        do {
            return try await process(request)
        } catch let error as ACSError {
            var metadata: Logger.Metadata = ["provider.slug": "\(request.providerSlug)", "reason": "\(error.context)"]
            if let remote = request.remoteAddress { metadata["client.ip"] = "\(remote)" }
            logger.notice("cwmp request refused", metadata: metadata.merging(["status": "\(error.status)"]) { $1 })
            Counter(label: "octoisp_cwmp_requests_refused_total", dimensions: [("status", String(error.status))]).increment()
            return refusal(error)
        } catch {
            logger.error("cwmp request failed", metadata: ["provider.slug": "\(request.providerSlug)", "error": "\(String(reflecting: error))"])
            Counter(label: "octoisp_cwmp_requests_refused_total", dimensions: [("status", "503")]).increment()
            return CWMPResponse(status: 503, headers: [("Retry-After", String(configuration.retryAfterSeconds))], body: "temporarily unavailable\n")
        }
    }

    func refusal(_ error: ACSError) -> CWMPResponse {
        var headers: [(String, String)] = [("Content-Type", "text/plain; charset=utf-8")]
        switch error.code {
        case .unauthenticated:
            headers += authenticator.challenges(stale: error.staleNonce).map { ("WWW-Authenticate", $0) }
        case .busy:
            headers.append(("Retry-After", String(error.retryAfter ?? configuration.retryAfterSeconds)))
        case .badRequest, .tooLarge, .refused:
            break
        }
        let reason: String = switch error.code {
        case .badRequest: "bad request: \(error.context)\n"
        case .unauthenticated: "authentication required\n"
        case .tooLarge: "request body too large\n"
        case .busy: "busy, retry later\n"
        case .refused: "refused: \(error.context)\n"
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
        let name = Array(cookieName.utf8) + [UInt8(ascii: "=")]
        for header in headers {
            for part in header.utf8.split(whereSeparator: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",") }) {
                var pair = part.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                guard pair.starts(with: name) else { continue }
                pair = pair.dropFirst(name.count)
                while let last = pair.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { pair = pair.dropLast() }
                let value = pair.drop { $0 == UInt8(ascii: "\"") }.reversed().drop { $0 == UInt8(ascii: "\"") }.reversed()
                if !value.isEmpty { return String(decoding: value, as: UTF8.self) }
            }
        }
        return nil
    }

    /// The id of the active provider `slug` names, from ``slugs`` while fresh.
    func provider(slug: String) async throws -> UUID? {
        let now = clock.now
        guard slug.utf8.count <= 63, slug.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            return nil
        }
        if let cached = slugs.value(provider: Self.noProvider, key: slug, now: now) { return cached }
        let ticket = slugs.ticket()
        let id = try await database.withTenant(nil, logger: logger) { tx in try await tx.lookup.provider(slug: slug) }
        slugs.store(id, provider: Self.noProvider, key: slug, now: now, ticket: ticket)
        return id
    }

    /// The provider of cache entries that belong to no provider (slugs).
    static let noProvider = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    func openSession(_ request: CWMPRequest) async throws -> CWMPResponse {
        guard let providerID = try await provider(slug: request.providerSlug) else {
            throw ACSError(.unauthenticated, "unknown or inactive provider slug")
        }
        guard let claim = HTTPAuthenticator.claim(from: request.authorization) else {
            throw ACSError(.unauthenticated, "no usable Authorization header")
        }
        let username = HTTPAuthenticator.username(of: claim)
        if let wait = throttle.blocked(address: request.remoteAddress, provider: providerID, username: username, now: clock.now) {
            var error = ACSError(.busy, "too many failed authentications from this address or for this user name")
            error.retryAfter = max(1, Int(wait.rounded(.up)))
            throw error
        }
        try await checkTransport(claim, provider: providerID, request: request)
        let credential: CWMPCredential
        switch try await verifiedCredential(claim, provider: providerID, request: request) {
        case .accepted(let verified):
            credential = verified
        case .stale:
            var error = ACSError(.unauthenticated, "Digest nonce expired")
            error.staleNonce = true
            throw error
        case .replayed:
            throttle.failed(address: request.remoteAddress, provider: providerID, username: username, now: clock.now)
            throw ACSError(.unauthenticated, "Digest nonce and nc used before (replay)")
        case .rejected:
            throttle.failed(address: request.remoteAddress, provider: providerID, username: username, now: clock.now)
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
        guard takeSessionSlot() else { throw ACSError(.busy, "session limit reached") }
        var opened = false
        defer { if !opened { giveSessionSlot() } }
        // A provider-wide credential: refused for a device that has its own; otherwise the device gets
        // one (unless it waits for an operator's approval: then nothing is sent to it). The check is part
        // of the Inform statement, which writes nothing for a device that has its own credential.
        let shared = credential.deviceID == nil
        let token = Self.newToken()
        let leaseSeconds = configuration.session.idleTimeout + 5
        // A registered device: one statement. A new one: a tenant transaction that also audits it.
        let informed = try await statements.inform(inform, identity: identity, version: envelope.version, remoteIP: request.remoteAddress,
                                                   provider: providerID, boundDevice: credential.deviceID, shared: shared,
                                                   leaseToken: token, leaseSeconds: leaseSeconds)
        let held = shared && informed.held
        let offer = shared && !held && configuration.deviceCredentials && secrets != nil
            ? DeviceCredentialOffer.make(oui: identity.oui, serial: identity.serialNumber) : nil
        let registration: Registration
        switch informed.outcome {
        case .ownCredential:
            throw ACSError(.unauthenticated, "device has its own credential; the provider-wide one is refused")
        case .registered(let registered):
            registration = registered
            if let offer, let secrets {
                try await database.withTenant(providerID, logger: logger) { tx in
                    try await tx.cwmpCredentials.storeOffer(offer, device: registered.deviceID, realm: configuration.realm, secrets: secrets)
                }
            } else if credential.offered, credential.deviceID == registered.deviceID {
                // The device took its credential although its answer to the SetParameterValues was lost.
                try await database.withTenant(providerID, logger: logger) { tx in
                    try await tx.cwmpCredentials.activate(device: registered.deviceID, username: credential.username,
                                                          by: Actor(type: .device, id: registered.deviceID, label: nil, ip: request.remoteAddress))
                }
                credentials.forget(provider: providerID, username: credential.username)
            }
        case .busy:
            throw ACSError(.busy, "device is in a session elsewhere")
        case .boundElsewhere:
            throw ACSError(.unauthenticated, "credential is bound to another device")
        case .unknown:
            registration = try await database.withTenant(providerID, logger: logger) { tx in
                if credential.deviceID == nil { try await tx.registrationPolicy.admitNewDevice(oui: identity.oui, serial: identity.serialNumber) }
                let registration = try await tx.cwmp.register(inform, identity: identity, version: envelope.version,
                                                              remoteIP: request.remoteAddress, leaseToken: token, leaseSeconds: leaseSeconds)
                if let bound = credential.deviceID, bound != registration.deviceID {
                    throw ACSError(.unauthenticated, "credential is bound to another device")
                }
                if held, registration.created { try await tx.registrationPolicy.holdForApproval(registration.deviceID) }
                if let offer, let secrets {
                    try await tx.cwmpCredentials.storeOffer(offer, device: registration.deviceID, realm: configuration.realm, secrets: secrets)
                }
                return registration
            }
        }
        // A CPE reporting finished diagnostics that a tool run waits for is read back in this session.
        let readback: Bool
        if held {
            readback = false
        } else {
            do {
                readback = try await queueDiagnosticsReadback(inform, device: registration.deviceID, provider: providerID)
            } catch {
                // The session goes on (its lease is held); the waiting tool run times out and says so.
                logger.error("diagnostics read-back not queued", metadata: [
                    "provider.id": "\(providerID.lowercased)", "device.id": "\(registration.deviceID.lowercased)", "error": "\(error)",
                ])
                readback = false
            }
        }
        let needsDiscovery = registration.needsDiscovery && !held
        var machine = CWMPSession(configuration: configuration.session, start: clock.now)
        let action = machine.receive(.message(envelope, at: clock.now))
        if needsDiscovery { machine.enqueueDiscovery(root: inform.root) }
        if let offer {
            let key = inform.parameter(endingWith: "ManagementServer.ParameterKey") ?? ""
            machine.enqueue(PendingRPC(offer.message(root: inform.root, parameterKey: key), purpose: .credential))
        }
        let live = LiveSession(token: token, providerID: providerID, slug: request.providerSlug, deviceID: registration.deviceID,
                               root: inform.root, fileBaseURL: configuration.fileBaseURL ?? "\(request.secure ? "https" : "http")://\(request.host ?? "127.0.0.1:7547")",
                               machine: machine, discovering: needsDiscovery, hasQueuedTasks: !held && (registration.hasQueuedTasks || readback),
                               informParameterKey: inform.parameter(endingWith: "ManagementServer.ParameterKey"), informEvents: inform.events)
        sessions.withLock { $0[token] = live }
        opened = true
        sessionMetrics.started.increment()
        logger.info("cwmp session opened", metadata: [
            "provider.id": "\(providerID.lowercased)", "device.id": "\(registration.deviceID.lowercased)",
            "events": "\(inform.events.map(\.code))", "created": "\(registration.created)", "discovery": "\(needsDiscovery)", "held": "\(held)",
        ])
        guard case .send(let reply, _) = action else { throw ACSError(.badRequest, "Inform was not accepted") }
        return xml(encoder.encode(reply), cookie: token)
    }

    func continueSession(_ live: LiveSession, _ request: CWMPRequest) async throws -> CWMPResponse {
        guard live.claim() else { throw ACSError(.busy, "a request of this session is still being handled") }
        // Held until the effects of this request are committed (or failed).
        defer { live.release() }
        let now = clock.now
        let input: CWMPSession.Input
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            input = .emptyPost(at: now)
        } else {
            do {
                input = .message(try decoder.decodeCPE(request.body), at: now)
            } catch {
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

    /// What a claim proved.
    enum Authentication {
        case accepted(CWMPCredential)
        /// A right Digest response on an expired nonce of ours.
        case stale
        /// A right Digest response whose nonce and `nc` were used before.
        case replayed
        case rejected
    }

    /// The credential `claim` names in `provider` if the claim proves its password with a nonce not
    /// used before. A credential this process read recently is reused; one the claim fails against is
    /// read again before refusing.
    func verifiedCredential(_ claim: HTTPAuthenticator.Claim, provider: UUID, request: CWMPRequest) async throws -> Authentication {
        let username = HTTPAuthenticator.username(of: claim)
        let now = clock.now
        var verified: CWMPCredential?
        var verdict = HTTPAuthenticator.Verdict.rejected
        if let cached = credentials.credential(provider: provider, username: username, now: now) {
            verdict = authenticator.check(claim, against: cached, method: request.method, requestURI: request.uri)
            if verdict != .rejected { verified = cached }
        }
        if verified == nil {
            credentialReads.add(1, ordering: .relaxed)
            let ticket = credentials.ticket()
            let stored = try await database.withTenant(provider, logger: logger) { tx in try await tx.cwmpCredentials.find(username: username) }
            if let stored {
                verdict = authenticator.check(claim, against: stored, method: request.method, requestURI: request.uri)
                if verdict != .rejected { verified = stored }
            }
            if let verified { credentials.store(verified, now: now, ticket: ticket) } else { credentials.forget(provider: provider, username: username) }
        }
        guard let verified else { return .rejected }
        guard verdict == .accepted else { return .stale }
        if case .digest(_, let parameters) = claim, let nonce = parameters["nonce"] {
            let count = parameters["qop"] != nil ? parameters["nc"].flatMap(HTTPAuthenticator.nonceCount) : nil
            guard let issued = authenticator.nonceIssued(nonce), nonces.use(nonce, count: count, issued: issued, now: now) else {
                return .replayed
            }
        }
        return .accepted(verified)
    }

    /// Persists what a session learned, renews or releases its lease.
    func apply(_ effects: [SessionEffect], of live: LiveSession, discovering: Bool) async throws {
        if let end = Self.plainEnd(effects), !(end == .completed && discovering), !live.hasUnsettledTasks {
            // Nothing to persist but the end: give the lease up in one statement.
            try await statements.endSession(provider: live.providerID, device: live.deviceID, token: live.token)
            removeSession(live.token)
            recordEnd(of: live, end)
            logger.info("cwmp session ended", metadata: live.logMetadata(["end": "\(end)"]))
            return
        }
        var metadata = live.logMetadata()
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
                    Self.recordRPC(rpc.message.methodName, outcome: "completed")
                    if rpc.purpose == .credential, case .setParameterValues(let values, _) = rpc.message, let username = values.first?.value {
                        try await tx.cwmpCredentials.activate(device: live.deviceID, username: username,
                                                              by: Actor(type: .device, id: live.deviceID, label: nil))
                    }
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
                    Self.recordRPC(rpc.message.methodName, outcome: "faulted")
                    if rpc.purpose == .credential { try await tx.cwmpCredentials.withdrawOffer(device: live.deviceID) }
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
                    Self.recordRPC(rpc.message.methodName, outcome: "abandoned")
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
            removeSession(live.token)
            recordEnd(of: live, ended)
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
        nonces.evictExpired(now: now)
        throttle.evictIdle(now: now)
        let candidates = sessions.withLock { Array($0.values) }
        for live in candidates where live.claim() {
            defer { live.release() }
            let (action, discovering) = live.receive(.tick(now))
            guard !action.effects.isEmpty else { continue }
            do {
                try await apply(action.effects, of: live, discovering: discovering)
            } catch {
                logger.error("cwmp sweep failed", metadata: ["device.id": "\(live.deviceID.lowercased)", "error": "\(error)"])
            }
        }
    }

    /// Counts a session's end by how it ended and records how long it lasted (Prometheus:
    /// `octoisp_cwmp_sessions_ended_total{end}`, `octoisp_cwmp_session_duration_seconds`).
    func recordEnd(of live: LiveSession, _ end: SessionEnd) {
        sessionMetrics.ended[end]?.increment()
        let elapsed = ContinuousClock.now - live.opened
        sessionMetrics.duration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// Counts an RPC the ACS sent by method and outcome (`completed`, `faulted`, `abandoned`).
    static func recordRPC(_ method: String, outcome: String) {
        Counter(label: "octoisp_cwmp_rpcs_total", dimensions: [("method", method), ("outcome", outcome)]).increment()
    }

    static func newToken() -> String {
        HTTPAuthenticator.hex(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }
}

/// The session metrics the engine records for every session.
struct SessionMetrics: Sendable {
    let started = Counter(label: "octoisp_cwmp_sessions_started_total")
    let ended: [SessionEnd: Counter]
    let duration: Timer

    init() {
        var ended: [SessionEnd: Counter] = [:]
        for end in [SessionEnd.completed, .idleTimeout, .protocolError] {
            ended[end] = Counter(label: "octoisp_cwmp_sessions_ended_total", dimensions: [("end", "\(end)")])
        }
        self.ended = ended
        duration = Timer(label: "octoisp_cwmp_session_duration_seconds")
    }
}
