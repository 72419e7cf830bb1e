import Foundation

extension DeviceCapabilities {
    /// Detects the capabilities of a device from its parameter tree (paths → nodes, objects ending in a dot).
    public static func detect(tree: [String: ParameterNode]) -> DeviceCapabilities {
        let root = tree.keys.contains { $0.hasPrefix("Device.") } ? "Device." : "InternetGatewayDevice."
        return root == "Device." ? detectTR181(tree) : detectTR098(tree)
    }

    /// The direct parameters of each instance of the table at `prefix` (`…WLANConfiguration.`):
    /// instance → name → value. Deeper paths are kept under their relative name (`Security.ModesSupported`).
    static func table(_ prefix: String, in tree: [String: ParameterNode], depth: Int = 1) -> [Int: [String: String]] {
        var rows: [Int: [String: String]] = [:]
        for (path, node) in tree where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), let instance = Int(rest[..<dot]) else { continue }
            let name = rest[rest.index(after: dot)...]
            if rows[instance] == nil { rows[instance] = [:] }
            guard !name.isEmpty, !name.hasSuffix("."), name.split(separator: ".").count <= depth else { continue }
            rows[instance]?[String(name)] = node.value
        }
        return rows
    }

    /// One band from several signals: nil with a conflict description when they disagree.
    static func combine(_ signals: [BandSignal]) -> (band: Band?, conflict: String?) {
        let bands = Set(signals.map(\.band))
        if bands.count == 1 { return (bands.first, nil) }
        if bands.isEmpty { return (nil, nil) }
        let said = signals.map { "\($0.source) says \($0.band.rawValue)" }.joined(separator: ", ")
        return (nil, "its parameters disagree (\(said))")
    }

    /// Guest or backhaul by name, interface name or vendor flag; main otherwise.
    static func role(ssid: String, parameters: [String: String]) -> Role {
        func truthy(_ value: String) -> Bool { ["true", "1", "enable", "enabled", "yes", "on"].contains(value.lowercased()) }
        let name = ssid.lowercased()
        let flags = parameters.filter { $0.key.hasPrefix("X_") && truthy($0.value) }.map { $0.key.lowercased() }
        if name.contains("backhaul") || name.contains("mesh") || flags.contains(where: { $0.contains("backhaul") || $0.hasSuffix("meshenable") })
            || (ssid.count >= 20 && ssid.allSatisfy(\.isHexDigit)) {
            return .backhaul
        }
        if ["guest", "convidado", "visitante", "visitor", "hotspot"].contains(where: name.contains) || flags.contains(where: { $0.contains("guest") }) {
            return .guest
        }
        return .main
    }

    static func truthy(_ value: String?) -> Bool { value.map { $0.lowercased() == "true" || $0 == "1" } ?? false }

    /// TR-098: every `LANDevice.1.WLANConfiguration.{i}` is an SSID that also carries its radio's
    /// settings; the band comes from its own parameters.
    static func detectTR098(_ tree: [String: ParameterNode]) -> DeviceCapabilities {
        let prefix = "InternetGatewayDevice.LANDevice.1.WLANConfiguration."
        var interfaces: [Interface] = []
        var channels: [Int: [Int]] = [:]
        for (instance, parameters) in table(prefix, in: tree).sorted(by: { $0.key < $1.key }) {
            let signals = BandSignal.signals(parameters)
            let (band, conflict) = combine(signals)
            let ssid = parameters["SSID"] ?? ""
            interfaces.append(Interface(path: "\(prefix)\(instance).", instance: instance, radio: nil, band: band,
                                        bandSources: signals.filter { $0.band == band }.map(\.source),
                                        bandProblem: conflict ?? (band == nil ? "no parameter names its band" : nil),
                                        role: role(ssid: ssid, parameters: parameters), enabled: truthy(parameters["Enable"]),
                                        ssid: ssid, variables: ["wlan": String(instance)]))
            channels[instance] = parameters["PossibleChannels"].flatMap(BandSignal.channels)
        }
        var capabilities = DeviceCapabilities(root: "InternetGatewayDevice.", radios: [], interfaces: interfaces, bands: [], unresolved: [])
        capabilities.choosePrimaries { interface in
            (channels[interface.instance], nil, nil)
        }
        return capabilities
    }

    /// TR-181: radios carry the band; an SSID's `LowerLayers` names its radio and an access point's
    /// `SSIDReference` names its SSID.
    static func detectTR181(_ tree: [String: ParameterNode]) -> DeviceCapabilities {
        let wifi = "Device.WiFi."
        func instance(of reference: String?, table: String) -> Int? {
            guard let reference else { return nil }
            for item in reference.split(separator: ",") {
                let text = item.trimmingCharacters(in: .whitespaces)
                let name = text.hasPrefix(wifi + table) ? text.dropFirst((wifi + table).count) : text.hasPrefix("WiFi." + table) ? text.dropFirst(("WiFi." + table).count) : nil
                if let name, let number = Int(name.prefix { $0 != "." }) { return number }
            }
            return nil
        }
        let radioRows = table(wifi + "Radio.", in: tree)
        var radios: [Int: Radio] = [:]
        for (number, parameters) in radioRows {
            let signals = BandSignal.signals(parameters)
            let (band, conflict) = combine(signals)
            radios[number] = Radio(path: "\(wifi)Radio.\(number).", band: band, signals: signals, conflict: conflict)
        }
        let accessPoints = table(wifi + "AccessPoint.", in: tree, depth: 2)
        var apBySSID: [Int: Int] = [:]
        for (number, parameters) in accessPoints.sorted(by: { $0.key < $1.key }) {
            if let ssid = instance(of: parameters["SSIDReference"], table: "SSID."), apBySSID[ssid] == nil { apBySSID[ssid] = number }
        }
        var interfaces: [Interface] = []
        for (number, parameters) in table(wifi + "SSID.", in: tree).sorted(by: { $0.key < $1.key }) {
            let radioNumber = instance(of: parameters["LowerLayers"], table: "Radio.")
            let radio = radioNumber.flatMap { radios[$0] }
            let ap = apBySSID[number]
            let apParameters = ap.flatMap { accessPoints[$0] } ?? [:]
            var problem: String?
            if radioNumber == nil { problem = "its LowerLayers names no radio" } else if radio == nil {
                problem = "its radio \(parameters["LowerLayers"] ?? "") is not in the tree"
            } else if radio?.band == nil { problem = radio?.conflict.map { "its radio: \($0)" } ?? "no parameter of its radio names the band" }
            var variables = ["ssid": String(number)]
            if let radioNumber { variables["radio"] = String(radioNumber) }
            if let ap { variables["ap"] = String(ap) }
            let ssid = parameters["SSID"] ?? ""
            let enabled = truthy(parameters["Enable"]) && (ap == nil || apParameters["Enable"] == nil || truthy(apParameters["Enable"]))
            interfaces.append(Interface(path: "\(wifi)SSID.\(number).", instance: number, radio: radio?.path, band: radio?.band,
                                        bandSources: radio.map { r in r.signals.filter { $0.band == r.band }.map(\.source) } ?? [],
                                        bandProblem: problem, role: role(ssid: ssid, parameters: parameters.merging(apParameters) { a, _ in a }),
                                        enabled: enabled, ssid: ssid, variables: variables))
        }
        var capabilities = DeviceCapabilities(root: "Device.", radios: radios.keys.sorted().compactMap { radios[$0] }, interfaces: interfaces,
                                              bands: [], unresolved: [])
        capabilities.choosePrimaries { interface in
            let radio = interface.variables["radio"].flatMap(Int.init).flatMap { radioRows[$0] } ?? [:]
            let ap = interface.variables["ap"].flatMap(Int.init).flatMap { accessPoints[$0] } ?? [:]
            func list(_ value: String?) -> [String]? {
                let items = (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                return items.isEmpty ? nil : items
            }
            return (radio["PossibleChannels"].flatMap(BandSignal.channels), list(radio["SupportedOperatingChannelBandwidths"]),
                    list(ap["Security.ModesSupported"]))
        }
        return capabilities
    }

    /// Per band, the main interface: the first enabled main-role SSID of that band in instance order,
    /// else its first main-role SSID. A band is unresolved when an SSID whose band is unknown could be
    /// that main interface (it comes first, or the band has no candidate at all).
    mutating func choosePrimaries(_ details: (Interface) -> (channels: [Int]?, widths: [String]?, security: [String]?)) {
        let doubtful = interfaces.filter { $0.band == nil && $0.role == .main }
        for band in Band.allCases {
            let candidates = interfaces.filter { $0.band == band && $0.role == .main }
            let chosen = candidates.first(where: \.enabled) ?? candidates.first
            let blocking = doubtful.filter { chosen == nil || $0.instance < chosen!.instance }
            if let first = blocking.first {
                let list = blocking.map { "\($0.path) (\($0.bandProblem ?? "band unknown"))" }.joined(separator: "; ")
                unresolved.append(UnresolvedBand(band: band, reason: chosen == nil
                    ? "no interface is known to be \(band.rawValue) and \(list) could be"
                    : "\(first.path) comes before \(chosen!.path) and its band is unknown: \(list)"))
                continue
            }
            guard let chosen else {
                if interfaces.contains(where: { $0.band == band }) {
                    unresolved.append(UnresolvedBand(band: band, reason: "every \(band.rawValue) network looks like a guest or mesh network"))
                }
                continue
            }
            let (channels, widths, security) = details(chosen)
            bands.append(BandCapability(band: band, interface: chosen.path, variables: chosen.variables,
                                        channels: channels.map { $0.filter { BandSignal.channel($0, belongsTo: band) } }, channelWidths: widths,
                                        securityModes: security))
        }
    }
}
