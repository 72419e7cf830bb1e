/// Allocation-light text rendering used by the command line for large outputs.
extension OID {
    /// Appends the dotted form (`.1.3.6…` when `leadingDot`) as ASCII.
    public func appendDotted(to out: inout [UInt8], leadingDot: Bool) {
        for (index, arc) in arcs.enumerated() {
            if index > 0 || leadingDot { out.append(UInt8(ascii: ".")) }
            appendDecimal(UInt64(arc), to: &out)
        }
    }
}

/// Appends the decimal digits of `value`.
@inlinable
public func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
    if value < 10 {
        out.append(UInt8(truncatingIfNeeded: value) &+ 0x30)
        return
    }
    var digits: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                 UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var rest = value
    withUnsafeMutableBytes(of: &digits) { buffer in
        while rest > 0 {
            buffer[count] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
            count += 1
        }
        var index = count - 1
        while index >= 0 {
            out.append(buffer[index])
            index -= 1
        }
    }
}

/// Appends a signed decimal.
@inlinable
public func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
    if value < 0 {
        out.append(UInt8(ascii: "-"))
        appendDecimal(value.magnitude, to: &out)
    } else {
        appendDecimal(UInt64(value), to: &out)
    }
}

extension SNMPValue {
    /// Whether `octets` (less one trailing NUL) are valid UTF-8 without control characters other
    /// than tab, CR and LF; returns the length to print, or nil for binary data.
    static func printableLength(_ octets: [UInt8]) -> Int? {
        var length = octets.count
        if length > 0 && octets[length - 1] == 0 { length -= 1 }
        var ascii = true
        for index in 0..<length {
            let byte = octets[index]
            if byte < 0x20 {
                if byte != 0x09 && byte != 0x0A && byte != 0x0D { return nil }
            } else if byte == 0x7F {
                return nil
            } else if byte >= 0x80 {
                ascii = false
            }
        }
        if !ascii && String(validating: octets[0..<length], as: UTF8.self) == nil { return nil }
        return length
    }

    static func appendHex(_ octets: [UInt8], separator: UInt8?, uppercase: Bool, to out: inout [UInt8]) {
        let digits: StaticString = uppercase ? "0123456789ABCDEF" : "0123456789abcdef"
        digits.withUTF8Buffer { table in
            for (index, byte) in octets.enumerated() {
                if index > 0, let separator { out.append(separator) }
                out.append(table[Int(byte >> 4)])
                out.append(table[Int(byte & 0x0F)])
            }
        }
    }
}

extension VarBind {
    /// Appends ``displayLine`` and a newline as UTF-8 bytes.
    public func appendDisplayLine(to out: inout [UInt8]) {
        oid.appendDotted(to: &out, leadingDot: true)
        out.append(contentsOf: [0x20, 0x3D, 0x20])  // " = "
        func label(_ text: StaticString) {
            text.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [0x3A, 0x20])  // ": "
        }
        switch value {
        case .integer(let number):
            label("INTEGER"); appendDecimal(number, to: &out)
        case .octetString(let octets):
            if let length = SNMPValue.printableLength(octets) {
                label("STRING")
                out.append(0x22)
                for index in 0..<length {
                    let byte = octets[index]
                    if byte == 0x22 || byte == 0x5C { out.append(0x5C) }
                    out.append(byte)
                }
                out.append(0x22)
            } else {
                label("Hex-STRING")
                SNMPValue.appendHex(octets, separator: 0x20, uppercase: true, to: &out)
            }
        case .null:
            "NULL".utf8.forEach { out.append($0) }
        case .oid(let value):
            label("OID"); value.appendDotted(to: &out, leadingDot: true)
        case .ipAddress(let a, let b, let c, let d):
            label("IpAddress")
            appendDecimal(UInt64(a), to: &out); out.append(0x2E)
            appendDecimal(UInt64(b), to: &out); out.append(0x2E)
            appendDecimal(UInt64(c), to: &out); out.append(0x2E)
            appendDecimal(UInt64(d), to: &out)
        case .counter32(let number): label("Counter32"); appendDecimal(UInt64(number), to: &out)
        case .gauge32(let number): label("Gauge32"); appendDecimal(UInt64(number), to: &out)
        case .timeTicks(let number): label("Timeticks"); appendDecimal(UInt64(number), to: &out)
        case .opaque(let octets):
            label("Opaque"); SNMPValue.appendHex(octets, separator: 0x20, uppercase: true, to: &out)
        case .counter64(let number): label("Counter64"); appendDecimal(number, to: &out)
        case .noSuchObject, .noSuchInstance, .endOfMibView:
            out.append(contentsOf: value.displayValue.utf8)
        }
        out.append(0x0A)
    }

    /// Appends ``json`` as UTF-8 bytes.
    public func appendJSON(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"oid":""#.utf8)
        oid.appendDotted(to: &out, leadingDot: false)
        out.append(contentsOf: #"","type":""#.utf8)
        out.append(contentsOf: value.typeName.utf8)
        out.append(contentsOf: #"","value":"#.utf8)
        switch value {
        case .integer(let number): appendDecimal(number, to: &out)
        case .counter32(let number), .gauge32(let number), .timeTicks(let number):
            appendDecimal(UInt64(number), to: &out)
        case .counter64(let number): appendDecimal(number, to: &out)
        case .oid(let value):
            out.append(0x22); value.appendDotted(to: &out, leadingDot: false); out.append(0x22)
        case .octetString(let octets), .opaque(let octets):
            out.append(contentsOf: #"{"hex":""#.utf8)
            SNMPValue.appendHex(octets, separator: nil, uppercase: false, to: &out)
            out.append(0x22)
            if case .octetString = value, let text = SNMPValue.printableText(octets) {
                out.append(contentsOf: #","text":"#.utf8)
                out.append(contentsOf: jsonString(text).utf8)
            }
            out.append(0x7D)
        default:
            out.append(contentsOf: value.jsonValue.utf8)
        }
        out.append(0x7D)
    }

    /// A JSON array of bindings as UTF-8 bytes, with a trailing newline.
    public static func jsonArrayBytes(_ varBinds: [VarBind]) -> [UInt8] {
        var out: [UInt8] = [0x5B]
        out.reserveCapacity(varBinds.count * 96)
        for (index, varBind) in varBinds.enumerated() {
            if index > 0 { out.append(0x2C) }
            varBind.appendJSON(to: &out)
        }
        out.append(contentsOf: [0x5D, 0x0A])
        return out
    }
}
