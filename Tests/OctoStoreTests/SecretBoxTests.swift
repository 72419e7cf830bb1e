import Foundation
import OctoCore
import OctoStore
import Testing

@Suite struct SecretBoxTests {
    @Test func sealsAndOpensBoundToContext() throws {
        let box = try SecretBox(keyring: SecretBox.generateKeyring())
        let sealed = try box.seal("public", context: "device:1:community")
        #expect(!sealed.contains("public"))
        #expect(try box.open(sealed, context: "device:1:community") == "public")
        #expect(throws: OctoError.self) { try box.open(sealed, context: "device:2:community") }
    }

    @Test func rotationKeepsOldSecretsReadable() throws {
        let old = SecretBox.generateKeyring(id: "k1")
        let sealed = try SecretBox(keyring: old).seal("s3cret", context: "c")
        let rotated = try SecretBox(keyring: SecretBox.generateKeyring(id: "k2") + "," + old)
        #expect(try rotated.open(sealed, context: "c") == "s3cret")
        #expect(try rotated.seal("x", context: "c").hasPrefix("v1.k2."))
    }

    @Test func tamperedCiphertextIsRefused() throws {
        let box = try SecretBox(keyring: SecretBox.generateKeyring())
        var sealed = Array(try box.seal("value", context: "c"))
        let index = sealed.count - 5
        sealed[index] = sealed[index] == "A" ? "B" : "A"
        #expect(throws: OctoError.self) { try box.open(String(sealed), context: "c") }
    }

    @Test(arguments: ["", "k1", "k1:short", "k1:" + String(repeating: "A", count: 44) + "x"])
    func badKeyringsAreRefused(keyring: String) {
        #expect(throws: OctoError.self) { try SecretBox(keyring: keyring) }
    }
}
