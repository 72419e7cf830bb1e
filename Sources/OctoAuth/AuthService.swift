import Crypto
import Foundation
import Logging
import OctoCore
import OctoStore

/// An access token and the refresh token that renews it.
public struct TokenPair: Codable, Sendable, Hashable {
    /// Short-lived JWT for `Authorization: Bearer`.
    public var accessToken: String
    /// Opaque, single-use token for `/auth/refresh`.
    public var refreshToken: String
    /// Always `Bearer`.
    public var tokenType: String = "Bearer"
    /// Seconds until the access token expires.
    public var expiresIn: Int
}

/// Where a request comes from, for throttling and the audit log.
public struct ClientInfo: Sendable, Hashable {
    /// Client address.
    public var ip: String?
    /// `User-Agent`.
    public var userAgent: String?
    /// Request id.
    public var requestId: String?

    /// Creates client info.
    public init(ip: String?, userAgent: String? = nil, requestId: String? = nil) {
        self.ip = ip
        self.userAgent = userAgent
        self.requestId = requestId
    }
}

/// Sign-in, token rotation, API keys and the second factor.
public struct AuthService: Sendable {
    /// Throttling and lifetimes.
    public struct Policy: Sendable {
        /// Refresh token lifetime.
        public var refreshLifetime: TimeInterval = 30 * 24 * 3600
        /// Failed sign-ins on one account from one client address before that address gets 429 for
        /// that account (the account stays open to other addresses).
        public var accountFailures = 5
        /// Failed sign-ins from one client address, any account, before it gets 429.
        public var addressFailures = 20
        /// Window in which failures count; a throttled source waits until it ends.
        public var failureWindow = 15 * 60
        /// Seconds of delay per failure beyond ``accountFailures`` on an account from all addresses
        /// together: the account is slowed for everyone, never locked.
        public var accountSlowdownStep = 0.25
        /// The longest such delay.
        public var accountSlowdownLimit = 2.0
        /// How long an e-mailed invitation's link works.
        public var invitationLifetime: TimeInterval = 72 * 3600
        /// Creates the default policy.
        public init() {}
    }

    let database: Database
    let hasher: PasswordHasher
    let tokens: AccessTokens
    let secrets: SecretBox
    let policy: Policy
    // A real bcrypt hash, checked when the account does not exist so timing does not tell.
    let decoyHash: String

    /// Creates the service.
    public init(database: Database, hasher: PasswordHasher, tokens: AccessTokens, secrets: SecretBox, policy: Policy = Policy()) {
        self.database = database
        self.hasher = hasher
        self.tokens = tokens
        self.secrets = secrets
        self.policy = policy
        self.decoyHash = hasher.hash("decoy-password-never-used")
    }

    /// Runs `body` in the scope a principal's provider implies: its tenant, or the global path.
    public func inScope<T: Sendable>(_ providerID: UUID?, _ body: (Transaction) async throws -> T) async throws -> T {
        if let providerID { return try await database.withTenant(providerID, body) }
        return try await database.withGlobal(body)
    }

    // MARK: Sign-in

    /// Checks e-mail, password and (when enabled) TOTP; issues tokens.
    ///
    /// Every attempt is counted before the password is checked, in one atomic statement, so parallel
    /// guesses all count. Counters: per client address (any account), per account from that address,
    /// and per account from everywhere. The first two answer ``OctoError/Code/throttled`` (429 with
    /// the seconds left in the window) to that source only; the third slows every attempt on the
    /// account a little but never refuses it, so whoever knows an e-mail cannot lock its owner out.
    /// A successful sign-in takes its attempt back. Counter keys are keyed hashes: the table holds
    /// no e-mail or address in clear.
    public func login(email: String, password: String, totpCode: String?, client: ClientInfo) async throws -> TokenPair {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let source = client.ip ?? "unknown"
        let keys = throttleKeys(email: email, source: source)
        let (counts, lookup) = try await database.withTenant(nil) { tx in
            (try await tx.loginThrottle.attempt(keys.all, windowSeconds: policy.failureWindow), try await tx.lookup.user(email: email))
        }
        for (key, limit) in [(keys.address, policy.addressFailures), (keys.accountFromAddress, policy.accountFailures)] {
            if let count = counts[key], count.attempts > limit {
                throw OctoError(.throttled, "too many failed sign-ins; try again later", retryAfter: count.resetsIn)
            }
        }
        if let count = counts[keys.account], count.attempts > policy.accountFailures {
            let delay = min(policy.accountSlowdownLimit, policy.accountSlowdownStep * Double(count.attempts - policy.accountFailures))
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
        guard let lookup else {
            _ = try await hasher.verify(password, hash: decoyHash)
            try await recordFailure(providerID: nil, userID: nil, email: email, client: client, reason: "unknown account")
            throw OctoError(.unauthenticated, "wrong e-mail or password")
        }
        let credentials = try await inScope(lookup.providerId) { tx in
            (try await tx.users.credentials(lookup.userId),
             try await lookup.providerId.asyncMap { try await tx.lookup.providerIsActive($0) } ?? true)
        }
        let matches: Bool
        if let user = credentials.0 { matches = try await hasher.verify(password, hash: user.passwordHash) } else { matches = false }
        guard let user = credentials.0, matches else {
            try await recordFailure(providerID: lookup.providerId, userID: lookup.userId, email: email, client: client, reason: "wrong password")
            throw OctoError(.unauthenticated, "wrong e-mail or password")
        }
        guard user.status == .active, credentials.1 else {
            try await recordFailure(providerID: lookup.providerId, userID: lookup.userId, email: email, client: client, reason: "account disabled")
            throw OctoError(.unauthenticated, "account disabled")
        }
        if user.totpEnabled {
            guard let totpCode, !totpCode.isEmpty else {
                // Password right, code still to come: this attempt is no failure.
                try await database.withTenant(nil) { tx in try await tx.loginThrottle.giveBack(keys.all) }
                throw OctoError(.totpRequired, "enter the code from your authenticator app", field: "totp_code")
            }
            let step = try user.totpSecret.flatMap { sealed in
                TOTP(secret: Base32.decode(try secrets.open(sealed, context: totpContext(user.id))) ?? []).matchingStep(totpCode, at: database.clock.now)
            }
            guard let step, try await inScope(lookup.providerId, { tx in try await tx.users.claimTOTPStep(user.id, step: step) }) else {
                try await recordFailure(providerID: lookup.providerId, userID: lookup.userId, email: email, client: client,
                                        reason: step == nil ? "wrong TOTP code" : "TOTP code reused")
                throw OctoError(.unauthenticated, "wrong authenticator code")
            }
        }
        return try await inScope(lookup.providerId) { tx in
            try await tx.loginThrottle.reset(keys.accountFromAddress)
            try await tx.loginThrottle.giveBack([keys.address, keys.account])
            try await tx.users.touchLogin(user.id)
            let pair = try await issue(userId: user.id, familyId: UUID(), in: tx, client: client)
            try await tx.audit("auth.login", by: Actor(type: .user, id: user.id, label: user.email, ip: client.ip, requestId: client.requestId),
                               target: ("user", user.id.lowercased))
            return pair
        }
    }

    /// The counters of an attempt on `email` from `source`: keyed hashes, never the text itself.
    func throttleKeys(email: String, source: String) -> ThrottleKeys {
        ThrottleKeys(address: "ip:" + secrets.digest(source, purpose: "login-throttle"),
                     accountFromAddress: "account-ip:" + secrets.digest("\(email)\n\(source)", purpose: "login-throttle"),
                     account: "account:" + secrets.digest(email, purpose: "login-throttle"))
    }

    /// The three sign-in counters of one attempt.
    struct ThrottleKeys {
        var address: String
        var accountFromAddress: String
        var account: String
        var all: [String] { [address, accountFromAddress, account] }
    }

    /// Audits a failed sign-in (it was counted before the check).
    private func recordFailure(providerID: UUID?, userID: UUID?, email: String, client: ClientInfo, reason: String) async throws {
        try await inScope(providerID) { tx in
            try await tx.audit("auth.login_failed", by: Actor(type: .user, id: userID, label: email, ip: client.ip, requestId: client.requestId),
                               target: userID.map { ("user", $0.lowercased) }, details: .object(["reason": .string(reason)]))
        }
    }

    private func issue(userId: UUID, familyId: UUID, in tx: Transaction, client: ClientInfo) async throws -> TokenPair {
        let refresh = "ort_" + RandomToken.base64URL(bytes: 32)
        try await tx.sessions.insert(userId: userId, familyId: familyId, tokenHash: RandomToken.sha256(refresh),
                                     expiresAt: database.clock.now + policy.refreshLifetime, ip: client.ip, userAgent: client.userAgent)
        let access = try await tokens.issue(userId: userId, providerId: tx.providerID)
        return TokenPair(accessToken: access, refreshToken: refresh, expiresIn: Int(tokens.lifetime))
    }

    // MARK: Refresh and logout

    /// Exchanges a refresh token for a new pair. A token used twice means it leaked: the whole family
    /// is revoked and the caller must sign in again.
    public func refresh(_ refreshToken: String, client: ClientInfo) async throws -> TokenPair {
        guard let found = try await database.withTenant(nil, { tx in try await tx.lookup.refreshToken(hash: RandomToken.sha256(refreshToken)) }) else {
            throw OctoError(.unauthenticated, "invalid refresh token")
        }
        enum Outcome: Sendable { case pair(TokenPair), reused, invalid(String) }
        let outcome: Outcome = try await inScope(found.providerId) { tx in
            guard let record = try await tx.sessions.lock(found.tokenId) else { return .invalid("invalid refresh token") }
            let actor = Actor(type: .user, id: record.userId, label: nil, ip: client.ip, requestId: client.requestId)
            if record.revokedAt != nil { return .invalid("refresh token revoked") }
            if record.rotatedAt != nil {
                let revoked = try await tx.sessions.revokeFamily(record.familyId)
                try await tx.audit("auth.refresh_reuse", by: actor, target: ("user", record.userId.lowercased),
                                   details: .object(["family_id": .string(record.familyId.lowercased), "revoked": .number(Double(revoked))]))
                return .reused
            }
            guard record.expiresAt > database.clock.now else { return .invalid("refresh token expired") }
            guard try await tx.users.principal(record.userId) != nil else { return .invalid("account disabled") }
            try await tx.sessions.markRotated(record.id)
            return .pair(try await issue(userId: record.userId, familyId: record.familyId, in: tx, client: client))
        }
        switch outcome {
        case .pair(let pair): return pair
        case .reused: throw OctoError(.unauthenticated, "refresh token was already used; all sessions of this sign-in were revoked")
        case .invalid(let message): throw OctoError(.unauthenticated, message)
        }
    }

    /// Revokes the sign-in the refresh token belongs to. Unknown tokens are ignored.
    public func logout(_ refreshToken: String, client: ClientInfo) async throws {
        guard let found = try await database.withTenant(nil, { tx in try await tx.lookup.refreshToken(hash: RandomToken.sha256(refreshToken)) }) else {
            return
        }
        try await inScope(found.providerId) { tx in
            guard let record = try await tx.sessions.lock(found.tokenId) else { return }
            try await tx.sessions.revokeFamily(record.familyId)
            try await tx.audit("auth.logout", by: Actor(type: .user, id: record.userId, label: nil, ip: client.ip, requestId: client.requestId),
                               target: ("user", record.userId.lowercased))
        }
    }

    // MARK: Principals

    /// The principal behind an access token; disabled users and suspended providers are refused.
    public func principal(accessToken: String) async throws -> Principal {
        let claims = try await tokens.verify(accessToken)
        let principal = try await inScope(claims.providerId) { tx -> Principal? in
            if let providerId = claims.providerId, try await !tx.lookup.providerIsActive(providerId) { return nil }
            return try await tx.users.principal(claims.userId)
        }
        guard let principal else { throw OctoError(.unauthenticated, "account disabled") }
        return principal
    }

    /// The principal behind an API key `oik_<prefix>_<secret>`.
    public func principal(apiKey: String) async throws -> Principal {
        let parts = apiKey.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0] == "oik" else { throw OctoError(.unauthenticated, "invalid API key") }
        guard let found = try await database.withTenant(nil, { tx in try await tx.lookup.apiKey(prefix: String(parts[1])) }) else {
            throw OctoError(.unauthenticated, "invalid API key")
        }
        let principal = try await database.withTenant(found.providerId) { tx -> Principal? in
            guard try await tx.lookup.providerIsActive(found.providerId) else { return nil }
            return try await tx.apiKeys.authenticate(found.keyId, secretHash: RandomToken.sha256(String(parts[2])))
        }
        guard let principal else { throw OctoError(.unauthenticated, "invalid API key") }
        return principal
    }

    // MARK: API keys

    /// Creates an API key in the transaction's provider; the full key is returned only here.
    public func createApiKey(_ input: ApiKeyInput, in tx: Transaction, by actor: Actor) async throws -> (key: ApiKey, secret: String) {
        let role = try await tx.roles.get(key: input.roleKey ?? PredefinedRole.viewer.key)
        guard role.key != PredefinedRole.globalAdmin.key else { throw OctoError.invalid("role_key", "API keys cannot hold global_admin") }
        let prefix = RandomToken.hex(bytes: 6)
        let secret = RandomToken.base64URL(bytes: 32)
        let key = try await tx.apiKeys.create(name: input.name, prefix: prefix, secretHash: RandomToken.sha256(secret),
                                              roleId: role.id, expiresAt: input.expiresAt, by: actor)
        return (key, "oik_\(prefix)_\(secret)")
    }

    // MARK: Users
    //
    // bcrypt (about 250 ms of CPU at cost 12) never runs while a transaction is open: it would hold a
    // pooled connection, and the row locks taken so far, for its whole length. A change is prepared
    // first (the new password checked and hashed, one's own current password verified), outside any
    // transaction, and then applied in the caller's transaction, which only confirms that the hash
    // the current password matched is still the stored one.

    /// A user creation or change made ready outside any transaction (``prepareNewUser(_:)``,
    /// ``prepareChange(of:_:by:client:)``).
    public struct PreparedUser: Sendable {
        /// What was asked.
        public let input: UserInput
        let passwordHash: String?
        let verified: VerifiedPassword?
    }

    /// A current password checked outside any transaction: the stored hash it matched.
    struct VerifiedPassword: Sendable {
        let userId: UUID
        let hash: String
    }

    /// Checks a new user's e-mail and password and hashes the password. Call it before the
    /// transaction that runs ``createUser(_:in:by:)``. An invited user (`invite_via_channel_id`) gets
    /// no password from the administrator: the hash of a random secret nobody learns stands in until
    /// the person chooses one.
    public func prepareNewUser(_ input: UserInput) async throws -> PreparedUser {
        guard let email = input.email, !email.isEmpty else { throw OctoError.invalid("email", "email is required") }
        if input.status == .invited { throw OctoError.invalid("status", "a user is invited by sending invite_via_channel_id") }
        if input.inviteViaChannelId != nil {
            guard input.password == nil else {
                throw OctoError.invalid("password", "an invited user chooses their own password: send either password or invite_via_channel_id")
            }
            return PreparedUser(input: input, passwordHash: try await hasher.hash(RandomToken.base64URL(bytes: 32)), verified: nil)
        }
        guard let password = input.password else { throw OctoError.invalid("password", "password is required") }
        try PasswordHasher.validate(password)
        return PreparedUser(input: input, passwordHash: try await hasher.hash(password), verified: nil)
    }

    /// Checks and hashes a new password, and verifies the current password when `principal` changes
    /// their own password or e-mail. Call it before the transaction that runs
    /// ``updateUser(_:_:in:by:principal:)``.
    public func prepareChange(of id: UUID, _ input: UserInput, by principal: Principal? = nil,
                              client: ClientInfo = ClientInfo(ip: nil)) async throws -> PreparedUser {
        if let password = input.password { try PasswordHasher.validate(password) }
        var verified: VerifiedPassword?
        if let principal, principal.kind == .user, id == principal.id, input.password != nil || input.email != nil {
            verified = try await verifyCurrentPassword(input.currentPassword, of: principal, client: client)
        }
        let hash = try await input.password.asyncMap { try await hasher.hash($0) }
        return PreparedUser(input: input, passwordHash: hash, verified: verified)
    }

    /// Creates a user prepared by ``prepareNewUser(_:)`` in the transaction's scope.
    public func createUser(_ user: PreparedUser, in tx: Transaction, by actor: Actor) async throws -> User {
        let input = user.input
        guard let email = input.email, !email.isEmpty else { throw OctoError.invalid("email", "email is required") }
        guard let hash = user.passwordHash else { throw OctoError.invalid("password", "password is required") }
        if input.inviteViaChannelId != nil && tx.providerID == nil {
            throw OctoError.invalid("invite_via_channel_id", "invitations are sent to a provider's users; create Global Admins with a password")
        }
        var role = try await resolveRole(input, in: tx)
        if role == nil { role = try await tx.roles.get(key: PredefinedRole.viewer.key) }
        guard let role else { throw OctoError.invalid("role_key", "unknown role") }
        return try await tx.users.create(email: email, name: input.name ?? "", passwordHash: hash, roleId: role.id,
                                         locale: input.locale ?? .ptBR, status: input.inviteViaChannelId == nil ? .active : .invited,
                                         grants: input.grants ?? [], revocations: input.revocations ?? [], by: actor)
    }

    /// Changes a user on behalf of `principal` after ``checkChange(of:_:by:in:)``.
    public func updateUser(_ id: UUID, _ change: PreparedUser, in tx: Transaction, by actor: Actor, principal: Principal) async throws -> User {
        try await checkChange(of: id, change, by: principal, in: tx)
        return try await updateUser(id, change, in: tx, by: actor)
    }

    /// Deletes a user on behalf of `principal`: only a user whose permissions `principal` holds.
    public func deleteUser(_ id: UUID, in tx: Transaction, by actor: Actor, principal: Principal) async throws {
        try await checkChange(of: id, nil, by: principal, in: tx)
        try await tx.users.delete(id, by: actor)
    }

    /// Who may change whom. Another user: only one whose effective permissions are a subset of
    /// `principal`'s (403 otherwise, nothing changes). Oneself: a new password or e-mail needs the
    /// current password (400 on `current_password`), verified by ``prepareChange(of:_:by:client:)``
    /// against the hash that must still be stored.
    public func checkChange(of id: UUID, _ change: PreparedUser?, by principal: Principal, in tx: Transaction) async throws {
        if principal.kind == .user && id == principal.id {
            guard let change, change.input.password != nil || change.input.email != nil else { return }
            guard let verified = change.verified, verified.userId == id else {
                throw OctoError.invalid("current_password", "enter your current password to change your password, e-mail or second factor")
            }
            try await confirmUnchanged(verified, in: tx)
            return
        }
        guard let target = try await tx.users.effectivePermissions(id) else { throw OctoError.notFound("user") }
        let missing = target.subtracting(principal.permissions)
        guard missing.isEmpty else {
            throw OctoError(.forbidden, "cannot change a user who holds permissions you do not: \(missing.sorted().map(\.key).joined(separator: ", "))")
        }
    }

    /// 400 on `current_password` unless `password` is `principal`'s password. Guesses count against
    /// the same sign-in counters as ``login(email:password:totpCode:client:)`` (in transactions of
    /// their own), so a stolen access token cannot be used to guess the password faster than signing
    /// in could. Runs outside the change's transaction; the change confirms the hash with
    /// ``confirmUnchanged(_:in:)``.
    private func verifyCurrentPassword(_ password: String?, of principal: Principal, client: ClientInfo) async throws -> VerifiedPassword {
        guard let password, !password.isEmpty else {
            throw OctoError.invalid("current_password", "enter your current password to change your password, e-mail or second factor")
        }
        guard let user = try await inScope(principal.providerID, { tx in try await tx.users.credentials(principal.id) }) else {
            throw OctoError.notFound("user")
        }
        let keys = throttleKeys(email: user.email.lowercased(), source: client.ip ?? "unknown")
        let counts = try await database.withTenant(nil) { tx in try await tx.loginThrottle.attempt(keys.all, windowSeconds: policy.failureWindow) }
        for (key, limit) in [(keys.address, policy.addressFailures), (keys.accountFromAddress, policy.accountFailures)] {
            if let count = counts[key], count.attempts > limit {
                throw OctoError(.throttled, "too many wrong passwords; try again later", retryAfter: count.resetsIn)
            }
        }
        guard try await hasher.verify(password, hash: user.passwordHash) else {
            throw OctoError.invalid("current_password", "current password is wrong")
        }
        try await database.withTenant(nil) { tx in try await tx.loginThrottle.giveBack(keys.all) }
        return VerifiedPassword(userId: principal.id, hash: user.passwordHash)
    }

    /// Inside the change's transaction: the password verified before it opened is still the user's.
    private func confirmUnchanged(_ verified: VerifiedPassword, in tx: Transaction) async throws {
        guard let user = try await tx.users.credentials(verified.userId) else { throw OctoError.notFound("user") }
        guard user.passwordHash == verified.hash else {
            throw OctoError.invalid("current_password", "the password changed meanwhile; enter the current password again")
        }
    }

    /// Changes a user prepared by ``prepareChange(of:_:by:client:)``; a new password ends the user's sessions.
    public func updateUser(_ id: UUID, _ change: PreparedUser, in tx: Transaction, by actor: Actor) async throws -> User {
        let role = try await resolveRole(change.input, in: tx)
        return try await tx.users.update(id, change.input, roleId: role?.id, passwordHash: change.passwordHash, by: actor)
    }

    private func resolveRole(_ input: UserInput, in tx: Transaction) async throws -> Role? {
        if let id = input.roleId {
            do { return try await tx.roles.get(id) } catch let error as OctoError where error.code == .notFound {
                throw OctoError.invalid("role_id", "unknown role")
            }
        }
        if let key = input.roleKey { return try await tx.roles.get(key: key) }
        return nil
    }

    /// Creates the first Global Admin when none exists. Returns the password when it was generated.
    /// API processes started together all try: a transaction-scoped advisory lock lets one create it
    /// and the others see it.
    public func bootstrapAdmin(email: String, password: String?) async throws -> (created: Bool, generatedPassword: String?) {
        if try await database.withGlobal({ tx in try await tx.users.globalAdminExists() }) { return (false, nil) }
        let generated = password == nil ? RandomToken.base64URL(bytes: 15) : nil
        let admin = try await prepareNewUser(UserInput(email: email, name: "Global Admin", password: password ?? generated,
                                                       roleKey: PredefinedRole.globalAdmin.key))
        return try await database.withGlobal { tx in
            try await tx.users.lockFirstAdminCreation()
            if try await tx.users.globalAdminExists() { return (false, nil) }
            _ = try await createUser(admin, in: tx, by: .system)
            return (true, generated)
        }
    }

    /// Sets a new password for the account with this e-mail (operator CLI); ends its sessions.
    public func resetPassword(email: String, newPassword: String) async throws {
        try PasswordHasher.validate(newPassword)
        guard let found = try await database.withTenant(nil, { tx in try await tx.lookup.user(email: email) }) else {
            throw OctoError.notFound("user")
        }
        let hash = try await hasher.hash(newPassword)
        _ = try await inScope(found.providerId) { tx in
            try await tx.users.update(found.userId, UserInput(), roleId: nil, passwordHash: hash, by: .system)
        }
    }

    // MARK: Second factor

    /// Starts TOTP enrolment: stores a new sealed secret (inactive) and returns it for the app.
    public func beginTOTP(for principal: Principal) async throws -> (secret: String, uri: String) {
        guard principal.kind == .user else { throw OctoError(.forbidden, "only users have a second factor") }
        let secret = Base32.encode(TOTP.generateSecret())
        try await inScope(principal.providerID) { tx in
            guard let user = try await tx.users.credentials(principal.id), !user.totpEnabled else {
                throw OctoError(.conflict, "the second factor is already enabled")
            }
            try await tx.users.setTOTP(principal.id, sealedSecret: try secrets.seal(secret, context: totpContext(principal.id)), enabled: false)
        }
        return (secret, TOTP(secret: Base32.decode(secret) ?? []).provisioningURI(account: principal.label))
    }

    /// Turns the second factor on (`enable`) or off after checking the current password and a
    /// current, not yet used code.
    public func confirmTOTP(for principal: Principal, code: String, password: String?, enable: Bool, client: ClientInfo) async throws {
        guard principal.kind == .user else { throw OctoError(.forbidden, "only users have a second factor") }
        let verified = try await verifyCurrentPassword(password, of: principal, client: client)
        try await inScope(principal.providerID) { tx in
            try await confirmUnchanged(verified, in: tx)
            guard let user = try await tx.users.credentials(principal.id), let sealed = user.totpSecret else {
                throw OctoError(.conflict, "start the second-factor set-up first")
            }
            let secret = Base32.decode(try secrets.open(sealed, context: totpContext(principal.id))) ?? []
            guard let step = TOTP(secret: secret).matchingStep(code, at: database.clock.now),
                  try await tx.users.claimTOTPStep(principal.id, step: step) else {
                throw OctoError.invalid("code", "wrong authenticator code")
            }
            try await tx.users.setTOTP(principal.id, sealedSecret: enable ? sealed : nil, enabled: enable)
            try await tx.audit(enable ? "auth.totp_enabled" : "auth.totp_disabled",
                               by: Actor(principal, ip: client.ip, requestId: client.requestId), target: ("user", principal.id.lowercased))
        }
    }

    private func totpContext(_ userId: UUID) -> String { "user:\(userId.lowercased):totp" }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// Random tokens and their hashes.
enum RandomToken {
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func base64URL(bytes count: Int) -> String {
        Data(bytes(count)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "-")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hex(bytes count: Int) -> String {
        bytes(count).map { String(format: "%02x", $0) }.joined()
    }

    static func sha256(_ text: String) -> Data {
        Data(SHA256.hash(data: Data(text.utf8)))
    }
}
