import Crypto
import Foundation
import Notifications
import OctoCore
import Testing

/// The worked example of RFC 8291 Section 5, with the intermediate values of its Appendix A.
enum RFC8291Example {
    static let plaintext = "When I grow up, I want to be a watermelon"
    static let asPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
    static let asPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
    static let uaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
    static let uaPublic = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    static let salt = "DGv6ra1nlYgDCS1FRnbzlw"
    static let authSecret = "BTBZMqHH6r4Tts7J_aSIgg"
    static let ecdhSecret = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
    static let ikm = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
    static let prk = "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc"
    static let cek = "oIhVW04MRdy2XN9CiKLxTg"
    static let nonce = "4h_95klXJ5E_qnoN"
    static let ciphertext = "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrdirN6GcG7sFz1y1sqLgVi1VhjVkHsUoEsbI_0LpXMuGvnzQ"
    static let body = """
        DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml\
        mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT\
        pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN
        """

    static func bytes(_ text: String) -> [UInt8] { Base64URL.decode(text)! }
}

@Suite struct WebPushEncryptionTests {
    typealias X = RFC8291Example

    @Test func keysMatchTheIntermediateValuesOfAppendixA() throws {
        let asKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: X.bytes(X.asPrivate))
        #expect(Array(asKey.publicKey.x963Representation) == X.bytes(X.asPublic))
        let shared = try asKey.sharedSecretFromKeyAgreement(with: P256.KeyAgreement.PublicKey(x963Representation: X.bytes(X.uaPublic)))
        let ecdh = shared.withUnsafeBytes { Array($0) }
        #expect(ecdh == X.bytes(X.ecdhSecret))
        let keys = WebPushEncryption.deriveKeys(ecdhSecret: ecdh, authSecret: X.bytes(X.authSecret), receiverPublic: X.bytes(X.uaPublic),
                                                senderPublic: X.bytes(X.asPublic), salt: X.bytes(X.salt))
        #expect(keys.ikm == X.bytes(X.ikm))
        #expect(keys.prk == X.bytes(X.prk))
        #expect(keys.cek == X.bytes(X.cek))
        #expect(keys.nonce == X.bytes(X.nonce))
    }

    @Test func encryptionReproducesTheExampleBodyExactly() throws {
        let body = try WebPushEncryption.encrypt(Array(X.plaintext.utf8), receiverPublicKey: X.bytes(X.uaPublic),
                                                 authSecret: X.bytes(X.authSecret),
                                                 senderKey: P256.KeyAgreement.PrivateKey(rawRepresentation: X.bytes(X.asPrivate)),
                                                 salt: X.bytes(X.salt))
        #expect(body.count == 144)
        #expect(Array(body[86...]) == X.bytes(X.ciphertext))
        #expect(body == X.bytes(X.body))
    }

    @Test func theExampleDecryptsWithTheUserAgentKey() throws {
        let receiver = try P256.KeyAgreement.PrivateKey(rawRepresentation: X.bytes(X.uaPrivate))
        let plaintext = try WebPushEncryption.decrypt(X.bytes(X.body), receiverKey: receiver, authSecret: X.bytes(X.authSecret))
        #expect(String(decoding: plaintext, as: UTF8.self) == X.plaintext)
        var tampered = X.bytes(X.body)
        tampered[100] ^= 1
        #expect(throws: WebPushEncryption.Failure.self) {
            try WebPushEncryption.decrypt(tampered, receiverKey: receiver, authSecret: X.bytes(X.authSecret))
        }
    }

    @Test func freshKeysPaddingAndTheSizeLimit() throws {
        let receiver = P256.KeyAgreement.PrivateKey()
        let auth = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let plaintext = Array("Olá, NOC".utf8)
        let first = try WebPushEncryption.encrypt(plaintext, receiverPublicKey: Array(receiver.publicKey.x963Representation),
                                                  authSecret: auth, padding: 10)
        let second = try WebPushEncryption.encrypt(plaintext, receiverPublicKey: Array(receiver.publicKey.x963Representation),
                                                   authSecret: auth)
        #expect(first.count == 86 + plaintext.count + 1 + 10 + 16)
        #expect(first[16..<20] == [0, 0, 0x10, 0])
        #expect(first[0..<16] != second[0..<16], "the salt is fresh per message")
        #expect(try WebPushEncryption.decrypt(first, receiverKey: receiver, authSecret: auth) == plaintext)
        #expect(throws: WebPushEncryption.Failure.self) {
            try WebPushEncryption.encrypt([UInt8](repeating: 65, count: 3994), receiverPublicKey: Array(receiver.publicKey.x963Representation),
                                          authSecret: auth)
        }
    }
}

@Suite struct VAPIDTests {
    @Test func tokenVerifiesWithThePublicKeyAndCarriesTheClaims() throws {
        let vapid = VAPID.generate(subject: "mailto:noc@provedor.example")
        let now = Date(timeIntervalSince1970: 1_796_475_000)
        let audience = try #require(VAPID.audience(for: URL(string: "https://push.example.net:8443/push/abc?x=1")!))
        #expect(audience == "https://push.example.net:8443")
        #expect(VAPID.audience(for: URL(string: "https://fcm.googleapis.com/fcm/send/xyz")!) == "https://fcm.googleapis.com")
        let token = try vapid.token(audience: audience, expiresAt: now.addingTimeInterval(12 * 3600), now: now)
        let claims = try #require(VAPID.verify(token: token, publicKey: vapid.publicKeyBase64URL))
        #expect(claims["aud"] as? String == audience)
        #expect(claims["sub"] as? String == "mailto:noc@provedor.example")
        #expect((claims["exp"] as? NSNumber)?.int64Value == Int64(now.timeIntervalSince1970) + 12 * 3600)
        // Another key does not verify it, nor does a changed claim.
        #expect(VAPID.verify(token: token, publicKey: VAPID.generate(subject: "mailto:x@y.z").publicKeyBase64URL) == nil)
        let parts = token.split(separator: ".").map(String.init)
        let forged = parts[0] + "." + Base64URL.encode(Array(#"{"aud":"https://evil.example","exp":1,"sub":"mailto:a@b.c"}"#.utf8)) + "." + parts[2]
        #expect(VAPID.verify(token: forged, publicKey: vapid.publicKeyBase64URL) == nil)
        let header = try vapid.authorization(audience: audience, expiresAt: now.addingTimeInterval(60), now: now)
        #expect(header.hasPrefix("vapid t=") && header.hasSuffix(", k=\(vapid.publicKeyBase64URL)"))
        #expect(Base64URL.decode(vapid.publicKeyBase64URL)?.count == 65)
    }

    @Test func expiryBeyond24HoursAndBadSubjectsAreRefused() throws {
        let vapid = VAPID.generate(subject: "mailto:noc@provedor.example")
        let now = Date(timeIntervalSince1970: 1_796_475_000)
        #expect(throws: VAPID.Failure.self) { try vapid.token(audience: "https://a.example", expiresAt: now.addingTimeInterval(24 * 3600 + 1), now: now) }
        #expect(throws: VAPID.Failure.self) { try vapid.token(audience: "https://a.example", expiresAt: now, now: now) }
        let bad = VAPID(key: vapid.key, subject: "noc@provedor.example")
        #expect(throws: VAPID.Failure.self) { try bad.token(audience: "https://a.example", expiresAt: now.addingTimeInterval(60), now: now) }
        let restored = try VAPID(base64URLPrivateKey: vapid.privateKeyBase64URL, subject: vapid.subject)
        #expect(restored.publicKeyBase64URL == vapid.publicKeyBase64URL)
    }
}

@Suite struct WebPushSenderTests {
    /// A subscription made in the test, as a browser would make it.
    struct Browser {
        let key = P256.KeyAgreement.PrivateKey()
        let auth = (0..<16).map { _ in UInt8.random(in: 0...255) }

        func subscription(_ endpoint: URL) -> WebPushSubscription {
            WebPushSubscription(endpoint: endpoint, p256dh: Base64URL.encode(key.publicKey.x963Representation), auth: Base64URL.encode(auth))
        }
    }

    @Test func pushReachesALocalPushServiceThatDecryptsIt() async throws {
        let browser = Browser()
        let vapid = VAPID.generate(subject: "mailto:noc@provedor.example")
        let message = sampleMessage()
        let clock = ManualWallClock(Date())
        try await LocalReceiver.with(answer: { request in
            // The push service checks VAPID; the browser decrypts.
            guard let authorization = request.header("Authorization"), authorization.hasPrefix("vapid t="),
                  let comma = authorization.range(of: ", k=") else { return CannedAnswer(status: 401) }
            let token = String(authorization[authorization.index(authorization.startIndex, offsetBy: 8)..<comma.lowerBound])
            guard VAPID.verify(token: token, publicKey: String(authorization[comma.upperBound...])) != nil else { return CannedAnswer(status: 403) }
            guard (try? WebPushEncryption.decrypt(request.body, receiverKey: browser.key, authSecret: browser.auth)) != nil else {
                return CannedAnswer(status: 400)
            }
            return CannedAnswer(status: 201, headers: ["Location": "/message/1"])
        }) { base, receiver in
            let endpoint = base.appendingPathComponent("push/v2/subscription-abc")
            let configuration = WebPushConfiguration(subscription: browser.subscription(endpoint), vapidPrivateKey: NotificationSecret(vapid.privateKeyBase64URL),
                                                     vapidSubject: vapid.subject, ttlSeconds: 3600)
            let receipt = try await NotificationDispatcher(clock: clock).send(message, via: .webPush(configuration))
            #expect(receipt.httpStatus == 201)
            #expect(receipt.reference == "/message/1")

            let request = try #require(receiver.requests.first)
            #expect(request.path == "/push/v2/subscription-abc")
            #expect(request.header("TTL") == "3600")
            #expect(request.header("Urgency") == "high")
            #expect(request.header("Content-Encoding") == "aes128gcm")
            #expect(request.header("Topic")?.count == 22)
            let authorization = try #require(request.header("Authorization"))
            let token = String(authorization.dropFirst(8).prefix(while: { $0 != "," }))
            let claims = try #require(VAPID.verify(token: token, publicKey: vapid.publicKeyBase64URL))
            #expect(claims["aud"] as? String == "http://127.0.0.1:\(base.port!)")
            let exp = try #require((claims["exp"] as? NSNumber)?.doubleValue)
            #expect(exp > clock.now.timeIntervalSince1970 && exp <= clock.now.timeIntervalSince1970 + 24 * 3600)

            let plaintext = try WebPushEncryption.decrypt(request.body, receiverKey: browser.key, authSecret: browser.auth)
            let payload = try OctoJSON.decoder.decode(WebPushPayload.self, from: Data(plaintext))
            #expect(payload.title == "[CRÍTICO] OLT-CENTRO fora do ar — Área São João")
            #expect(payload.body == message.body)
            #expect(payload.severity == .critical)
            #expect(payload.tag == message.alertID!.uuidString.lowercased())
            #expect(payload.url == message.url)
        }
    }

    @Test(arguments: [(410, true, false), (404, true, false), (413, false, false), (429, false, true), (503, false, true)])
    func pushServiceRefusals(status: Int, gone: Bool, retryable: Bool) async throws {
        let browser = Browser()
        let vapid = VAPID.generate(subject: "mailto:noc@provedor.example")
        try await LocalReceiver.with(answer: { _ in CannedAnswer(status: status, headers: ["Retry-After": "30"]) }) { base, _ in
            let configuration = WebPushConfiguration(subscription: browser.subscription(base.appendingPathComponent("push/x")),
                                                     vapidPrivateKey: NotificationSecret(vapid.privateKeyBase64URL), vapidSubject: vapid.subject)
            let error = await #expect(throws: DeliveryError.self) {
                try await NotificationDispatcher().send(sampleMessage(severity: .info), via: .webPush(configuration))
            }
            #expect(error?.httpStatus == status)
            #expect(error?.subscriptionGone == gone)
            #expect(error?.isRetryable == retryable)
            #expect(error?.retryAfterSeconds == 30)
        }
    }

    @Test func urgencyFollowsSeverity() {
        #expect(WebPushSender.urgency(sampleMessage(severity: .critical)) == "high")
        #expect(WebPushSender.urgency(sampleMessage(severity: .warning)) == "normal")
        #expect(WebPushSender.urgency(sampleMessage(severity: .info)) == "low")
        #expect(WebPushSender.urgency(sampleMessage(severity: .critical, status: .resolved)) == "normal")
    }
}
