import CLibCrypto

/// Thin wrappers over libcrypto for what swift-crypto does not provide:
/// SHA-224, DES-CBC and AES-CFB128.
enum LibCrypto {
    /// SHA-224 of `data`.
    static func sha224(_ data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 28)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                EVP_Digest(input.baseAddress, input.count,
                           out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length,
                           EVP_sha224(), nil)
            }
        }
        precondition(ok == 1 && length == 28, "EVP_Digest(SHA-224) failed")
        return output
    }

    /// AES in CFB128 mode. `key` must be 16, 24 or 32 octets and `iv` 16 octets.
    static func aesCFB(key: [UInt8], iv: [UInt8], input: [UInt8], encrypt: Bool) -> [UInt8]? {
        let cipher: OpaquePointer?
        switch key.count {
        case 16: cipher = EVP_aes_128_cfb128()
        case 24: cipher = EVP_aes_192_cfb128()
        case 32: cipher = EVP_aes_256_cfb128()
        default: return nil
        }
        guard iv.count == 16, let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0
        var finalWritten: Int32 = 0
        let ok = key.withUnsafeBufferPointer { keyBytes in
            iv.withUnsafeBufferPointer { ivBytes in
                input.withUnsafeBufferPointer { inBytes in
                    output.withUnsafeMutableBufferPointer { outBytes in
                        guard EVP_CipherInit_ex(context, cipher, nil, keyBytes.baseAddress, ivBytes.baseAddress,
                                                encrypt ? 1 : 0) == 1 else { return false }
                        guard EVP_CipherUpdate(context, outBytes.baseAddress, &written, inBytes.baseAddress,
                                               Int32(inBytes.count)) == 1 else { return false }
                        return EVP_CipherFinal_ex(context, outBytes.baseAddress! + Int(written), &finalWritten) == 1
                    }
                }
            }
        }
        guard ok else {
            ERR_clear_error()
            return nil
        }
        output.removeLast(output.count - Int(written + finalWritten))
        return output
    }

    /// DES in CBC mode with the low-level API (OpenSSL 3 keeps EVP DES in the legacy provider).
    /// `input` must be a multiple of 8 octets.
    static func desCBC(key: [UInt8], iv: [UInt8], input: [UInt8], encrypt: Bool) -> [UInt8]? {
        guard key.count >= 8, iv.count == 8, input.count % 8 == 0 else { return nil }
        var schedule = DES_key_schedule()
        var keyBlock: DES_cblock = (key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7])
        var ivBlock: DES_cblock = (iv[0], iv[1], iv[2], iv[3], iv[4], iv[5], iv[6], iv[7])
        _ = withUnsafeMutablePointer(to: &keyBlock) { DES_set_key_unchecked($0, &schedule) }
        var output = [UInt8](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { inBytes in
            output.withUnsafeMutableBufferPointer { outBytes in
                withUnsafeMutablePointer(to: &ivBlock) { ivPointer in
                    DES_ncbc_encrypt(inBytes.baseAddress, outBytes.baseAddress, inBytes.count, &schedule,
                                     ivPointer, encrypt ? DES_ENCRYPT : DES_DECRYPT)
                }
            }
        }
        return output
    }
}
