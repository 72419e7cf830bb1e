/// The context-specific tag of an SNMP PDU.
public enum PDUType: UInt8, Sendable, Hashable, CaseIterable {
    /// GetRequest-PDU.
    case get = 0xA0
    /// GetNextRequest-PDU.
    case getNext = 0xA1
    /// Response-PDU (GetResponse in SNMPv1).
    case response = 0xA2
    /// SetRequest-PDU.
    case set = 0xA3
    /// SNMPv1 Trap-PDU.
    case trapV1 = 0xA4
    /// GetBulkRequest-PDU.
    case getBulk = 0xA5
    /// InformRequest-PDU.
    case inform = 0xA6
    /// SNMPv2-Trap-PDU.
    case trapV2 = 0xA7
    /// Report-PDU.
    case report = 0xA8
}

/// The SNMP message version field.
public enum SNMPVersion: Int, Sendable, Hashable, CaseIterable {
    /// SNMPv1 (community-based).
    case v1 = 0
    /// SNMPv2c (community-based).
    case v2c = 1
    /// SNMPv3 (user-based security).
    case v3 = 3
}

/// The error-status field of a response (RFC 3416).
public enum ErrorStatus: Int, Sendable, Hashable, CaseIterable {
    /// noError(0)
    case noError = 0
    /// tooBig(1)
    case tooBig = 1
    /// noSuchName(2)
    case noSuchName = 2
    /// badValue(3)
    case badValue = 3
    /// readOnly(4)
    case readOnly = 4
    /// genErr(5)
    case genErr = 5
    /// noAccess(6)
    case noAccess = 6
    /// wrongType(7)
    case wrongType = 7
    /// wrongLength(8)
    case wrongLength = 8
    /// wrongEncoding(9)
    case wrongEncoding = 9
    /// wrongValue(10)
    case wrongValue = 10
    /// noCreation(11)
    case noCreation = 11
    /// inconsistentValue(12)
    case inconsistentValue = 12
    /// resourceUnavailable(13)
    case resourceUnavailable = 13
    /// commitFailed(14)
    case commitFailed = 14
    /// undoFailed(15)
    case undoFailed = 15
    /// authorizationError(16)
    case authorizationError = 16
    /// notWritable(17)
    case notWritable = 17
    /// inconsistentName(18)
    case inconsistentName = 18
}
