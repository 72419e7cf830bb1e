extension SNMPValue {
    /// The value in net-snmp's style, after the `TYPE: ` prefix (strings quoted, hex for binary).
    public var displayValue: String {
        switch self {
        case .integer(let number): return String(number)
        case .octetString(let octets):
            if let text = SNMPValue.printableText(octets) {
                return "\"" + text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
            }
            return SNMPValue.hexString(octets, separator: " ")
        case .null: return ""
        case .oid(let oid): return "." + oid.description
        case .ipAddress(let a, let b, let c, let d): return "\(a).\(b).\(c).\(d)"
        case .counter32(let number), .gauge32(let number), .timeTicks(let number): return String(number)
        case .opaque(let octets): return SNMPValue.hexString(octets, separator: " ")
        case .counter64(let number): return String(number)
        case .noSuchObject: return "No Such Object available on this agent at this OID"
        case .noSuchInstance: return "No Such Instance currently exists at this OID"
        case .endOfMibView: return "No more variables left in this MIB View (It is past the end of the MIB tree)"
        }
    }

    /// The type label for text output; binary octet strings are labelled `Hex-STRING`.
    public var displayType: String {
        if case .octetString(let octets) = self, SNMPValue.printableText(octets) == nil { return "Hex-STRING" }
        return typeName
    }

    /// The octets as text when they are valid UTF-8 without control characters (tab, CR, LF allowed).
    public static func printableText(_ octets: [UInt8]) -> String? {
        var trimmed = octets[...]
        if trimmed.last == 0 { trimmed = trimmed.dropLast() }
        for byte in trimmed where byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D || byte == 0x7F {
            return nil
        }
        var text = ""
        var iterator = trimmed.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): text.unicodeScalars.append(scalar)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        return text
    }

    /// Hexadecimal octets, upper case, joined with `separator`.
    public static func hexString(_ octets: [UInt8], separator: String = "") -> String {
        let digits = Array("0123456789ABCDEF")
        var parts: [String] = []
        parts.reserveCapacity(octets.count)
        for byte in octets { parts.append(String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])) }
        return parts.joined(separator: separator)
    }

    /// The value as a JSON fragment: numbers, strings, `{"hex": …, "text": …}` for octet strings, null.
    public var jsonValue: String {
        switch self {
        case .integer(let number): return String(number)
        case .octetString(let octets), .opaque(let octets):
            var json = "{\"hex\":\"" + SNMPValue.hexString(octets).lowercased() + "\""
            if case .octetString = self, let text = SNMPValue.printableText(octets) {
                json += ",\"text\":" + jsonString(text)
            }
            return json + "}"
        case .oid(let oid): return jsonString(oid.description)
        case .ipAddress: return jsonString(displayValue)
        case .counter32(let number), .gauge32(let number), .timeTicks(let number): return String(number)
        case .counter64(let number): return String(number)
        case .null, .noSuchObject, .noSuchInstance, .endOfMibView: return "null"
        }
    }
}

extension VarBind {
    /// One line: `.OID = TYPE: value`, like net-snmp with `-On`.
    public var displayLine: String {
        var bytes: [UInt8] = []
        appendDisplayLine(to: &bytes)
        bytes.removeLast()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `{"oid": …, "type": …, "value": …}`.
    public var json: String {
        var bytes: [UInt8] = []
        appendJSON(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A JSON array of bindings.
    public static func jsonArray(_ varBinds: [VarBind]) -> String {
        "[" + varBinds.map(\.json).joined(separator: ",") + "]"
    }
}

/// Quotes `text` as a JSON string.
public func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let digits = Array("0123456789abcdef")
                out += "\\u00" + String([digits[Int(scalar.value >> 4)], digits[Int(scalar.value & 0xF)]])
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
