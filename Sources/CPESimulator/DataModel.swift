import CWMP

/// A CPE's parameter tree loaded from a data-model CSV export (`Parameter,Object,…,Writable,…,Value,Value type,…`).
/// Object names end with a dot, as on the wire. Paths are kept sorted so a subtree is a contiguous range.
public struct DataModel: Sendable {
    /// One node of the tree.
    public struct Node: Sendable, Hashable {
        /// Whether the CPE allows writing it.
        public var writable: Bool
        /// The value (leaves only).
        public var value: String
        /// The xsd type (leaves only).
        public var type: String

        /// Creates a node.
        public init(writable: Bool, value: String, type: String) {
            self.writable = writable
            self.value = value
            self.type = type
        }
    }

    /// Nodes by path.
    public private(set) var nodes: [String: Node]
    /// Every path, sorted.
    public private(set) var paths: [String]
    /// `Device.` or `InternetGatewayDevice.`.
    public let root: String
    /// Who the device is.
    public var identity: DeviceIdentity

    /// Why a CSV cannot be loaded.
    public struct LoadError: Error, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    /// Parses the CSV text of a fixture.
    public init(csv text: String) throws(LoadError) {
        let rows = CSV.parse(text)
        guard let header = rows.first else { throw LoadError(description: "empty CSV") }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let parameter = column("Parameter"), let object = column("Object"), let writable = column("Writable") else {
            throw LoadError(description: "CSV lacks the Parameter, Object or Writable column")
        }
        let valueColumn = column("Value")
        let typeColumn = column("Value type")
        var nodes: [String: Node] = [:]
        var pseudo: [String: String] = [:]
        for row in rows.dropFirst() where row.count > max(parameter, object, writable) {
            let name = row[parameter]
            let value = valueColumn.flatMap { $0 < row.count ? row[$0] : nil } ?? ""
            if name.hasPrefix("DeviceID.") {
                pseudo[String(name.dropFirst(9))] = value
                continue
            }
            // Only the data model itself; exports also carry pseudo-parameters such as `Events.*`.
            guard name == "Device" || name == "InternetGatewayDevice" || name.hasPrefix("Device.")
                    || name.hasPrefix("InternetGatewayDevice.") else { continue }
            let isObject = row[object] == "true"
            let type = typeColumn.flatMap { $0 < row.count ? row[$0] : nil } ?? ""
            nodes[isObject ? name + "." : name] = Node(writable: row[writable] == "true", value: isObject ? "" : value,
                                                      type: isObject ? "" : (type.isEmpty ? "xsd:string" : type))
        }
        let root = nodes.keys.contains("Device.") || nodes.keys.contains(where: { $0.hasPrefix("Device.") }) ? "Device." : "InternetGatewayDevice."
        if nodes[root] == nil { nodes[root] = Node(writable: false, value: "", type: "") }
        // Ensure every ancestor object exists.
        for path in Array(nodes.keys) {
            var parts = path.split(separator: ".", omittingEmptySubsequences: true).dropLast()
            while !parts.isEmpty {
                let ancestor = parts.joined(separator: ".") + "."
                if nodes[ancestor] == nil { nodes[ancestor] = Node(writable: false, value: "", type: "") }
                parts = parts.dropLast()
            }
        }
        func info(_ suffix: String) -> String { nodes[root + "DeviceInfo." + suffix]?.value ?? "" }
        let identity = DeviceIdentity(manufacturer: pseudo["Manufacturer"] ?? info("Manufacturer"),
                                      oui: pseudo["OUI"] ?? info("ManufacturerOUI"),
                                      productClass: pseudo["ProductClass"] ?? info("ProductClass"),
                                      serialNumber: pseudo["SerialNumber"] ?? info("SerialNumber"))
        guard !identity.oui.isEmpty, !identity.serialNumber.isEmpty else {
            throw LoadError(description: "the model names no OUI or serial number")
        }
        self.nodes = nodes
        self.paths = nodes.keys.sorted()
        self.root = root
        self.identity = identity
    }

    /// A model holding `nodes` (objects end with a dot), e.g. a variant made from another model.
    public init(nodes: [String: Node], identity: DeviceIdentity) {
        self.nodes = nodes
        self.paths = nodes.keys.sorted()
        self.root = nodes.keys.contains { $0.hasPrefix("Device.") } ? "Device." : "InternetGatewayDevice."
        self.identity = identity
    }

    /// The leaf parameters (not objects).
    public var leafCount: Int { paths.count { !$0.hasSuffix(".") } }

    /// Paths under `prefix` (inclusive), in order.
    public func subtree(_ prefix: String) -> ArraySlice<String> {
        var low = 0
        var high = paths.count
        while low < high {
            let mid = (low + high) / 2
            if paths[mid] < prefix { low = mid + 1 } else { high = mid }
        }
        var end = low
        while end < paths.count, paths[end].hasPrefix(prefix) { end += 1 }
        return paths[low..<end]
    }

    /// Sets a value (existing leaves only).
    public mutating func set(_ path: String, value: String) {
        nodes[path]?.value = value
    }

    /// Sets `path` to `value`, creating the leaf (and keeping the sorted paths) when the model lacks it,
    /// as a CPE fills result tables such as a traceroute's `RouteHops`.
    public mutating func put(_ path: String, value: String, type: String = "xsd:string") {
        if nodes[path] == nil {
            nodes[path] = Node(writable: false, value: value, type: type)
            paths = nodes.keys.sorted()
        } else {
            nodes[path]?.value = value
        }
    }

    /// Adds an instance under the multi-instance object `path` (ending in a dot); returns its number.
    public mutating func addInstance(_ path: String) -> Int {
        let children = subtree(path).compactMap { Int($0.dropFirst(path.count).prefix { $0 != "." }) }
        let number = (children.max() ?? 0) + 1
        let name = "\(path)\(number)."
        nodes[name] = Node(writable: true, value: "", type: "")
        paths = nodes.keys.sorted()
        return number
    }

    /// Deletes the instance object `path` and everything below it.
    public mutating func delete(_ path: String) {
        for name in subtree(path) { nodes.removeValue(forKey: name) }
        paths = nodes.keys.sorted()
    }
}

/// A minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF).
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\n":
                row.append(field); field = ""
                rows.append(row); row = []
            case "\r": break
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
