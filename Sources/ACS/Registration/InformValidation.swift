import CWMP

/// What the ACS accepts from an Inform before anything reaches the database.
enum InformValidation {
    /// The identity with the OUI upper-cased, or a refusal naming the bad field.
    static func validated(_ inform: Inform) throws(ACSError) -> DeviceIdentity {
        var device = inform.device
        device.oui = device.oui.uppercased()
        guard device.oui.utf8.count == 6, device.oui.utf8.allSatisfy({ isHexDigit($0) }) else {
            throw ACSError(.badRequest, "DeviceId.OUI must be six hexadecimal digits")
        }
        guard (1...64).contains(device.serialNumber.utf8.count), device.serialNumber.unicodeScalars.allSatisfy(isPrintable) else {
            throw ACSError(.badRequest, "DeviceId.SerialNumber must be 1–64 printable characters")
        }
        guard device.productClass.utf8.count <= 64, device.productClass.unicodeScalars.allSatisfy(isPrintable) else {
            throw ACSError(.badRequest, "DeviceId.ProductClass must be at most 64 printable characters")
        }
        guard device.manufacturer.utf8.count <= 64, device.manufacturer.unicodeScalars.allSatisfy(isPrintable) else {
            throw ACSError(.badRequest, "DeviceId.Manufacturer must be at most 64 printable characters")
        }
        // A CPE that does not name its manufacturer is named by its OUI (IEEE registry, read on first need).
        device.manufacturer = device.manufacturer.trimmed
        if OUIRegistry.isPlaceholder(device.manufacturer), let registry = OUIRegistry.system {
            device.manufacturer = registry.manufacturer(oui: device.oui, reported: device.manufacturer)
        }
        guard inform.parameters.count <= 1_000, inform.events.count <= 64 else {
            throw ACSError(.badRequest, "Inform carries too many parameters or events")
        }
        for parameter in inform.parameters where !isParameterPath(parameter.name) {
            throw ACSError(.badRequest, "Inform parameter name is not a CWMP path")
        }
        guard inform.root == "Device." || inform.root == "InternetGatewayDevice." else {
            throw ACSError(.badRequest, "Inform parameters must start with Device. or InternetGatewayDevice.")
        }
        return device
    }

    /// Whether `name` looks like a CWMP parameter path (dot-separated, printable, bounded).
    static func isParameterPath(_ name: String) -> Bool {
        guard (1...1024).contains(name.utf8.count) else { return false }
        // One pass over the bytes: no control character, space or DEL (bytes of other scalars are
        // 0x80 and up), no leading dot and no empty segment.
        var previous = UInt8(ascii: ".")
        for byte in name.utf8 {
            if byte <= 0x20 || byte == 0x7F || (byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".")) { return false }
            previous = byte
        }
        return true
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x20 && scalar.value != 0x7F
    }
}
