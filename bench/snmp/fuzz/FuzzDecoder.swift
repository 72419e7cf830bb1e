// libFuzzer entry point for the SNMP decoders. Built by scripts/fuzz-snmp.sh together with the
// codec sources (BER, PDU and the SNMPv3 message structure), which have no I/O.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSNMPDecoders(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    if let message = try? CommunityMessage.decode(bytes) {
        // Whatever decodes must re-encode and decode to the same value.
        let again = try? CommunityMessage.decode(message.encoded())
        precondition(again == message, "community message does not round-trip")
    }
    if let message = try? SNMPv3Message.decode(bytes) {
        _ = message.security.encoded()
    }
    var reader = BERReader(bytes)
    while !reader.isAtEnd {
        guard (try? reader.readValue()) != nil else { break }
    }
    _ = try? CommunityMessage.peekVersion(bytes)
    return 0
}
