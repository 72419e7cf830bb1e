import Foundation
import OctoCore

/// A small JSON Schema checker for the OpenAPI document's response schemas, strict where the contract
/// is: every property of an answer must be documented (a missing `additionalProperties` counts as
/// `false`), required properties present, types, enums, and `uuid` strings in lower case.
struct OpenAPISchema {
    let document: JSONValue

    init(_ data: Data) throws {
        document = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The schema of the JSON answer `status` of `method path`.
    func responseSchema(_ method: String, _ path: String, status: Int) -> JSONValue? {
        guard let operation = document["paths"]?[path]?[method], let responses = operation["responses"] else { return nil }
        var response = responses[String(status)]
        if let reference = response?["$ref"]?.stringValue { response = resolve(reference) }
        return response?["content"]?["application/json"]?["schema"]
    }

    func resolve(_ reference: String) -> JSONValue? {
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    /// Every way `value` breaks `schema`, as `path: problem`.
    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        if let reference = schema["$ref"]?.stringValue {
            guard let target = resolve(reference) else { return ["\(path): unresolvable \(reference)"] }
            return problems(value, target, at: path)
        }
        for key in ["anyOf", "oneOf"] {
            if case .array(let options)? = schema[key] {
                if options.contains(where: { problems(value, $0, at: path).isEmpty }) { return [] }
                return ["\(path): matches none of \(key)"]
            }
        }
        if case .array(let all)? = schema["allOf"] {
            return all.flatMap { problems(value, $0, at: path) }
        }
        var found: [String] = []
        let types: [String]
        switch schema["type"] {
        case .string(let type)?: types = [type]
        case .array(let list)?: types = list.compactMap(\.stringValue)
        default: types = []
        }
        if !types.isEmpty && !types.contains(where: { Self.matches(value, type: $0) }) {
            return ["\(path): \(Self.describe(value)) is not \(types.joined(separator: "|"))"]
        }
        if case .array(let options)? = schema["enum"], !options.contains(value) {
            found.append("\(path): \(Self.describe(value)) not in enum")
        }
        if case .string(let text) = value, let format = schema["format"]?.stringValue {
            if format == "uuid" && (UUID(uuidString: text) == nil || text != text.lowercased()) { found.append("\(path): '\(text)' is not a lower-case uuid") }
            if format == "date-time" && OctoJSON.parseDate(text) == nil { found.append("\(path): '\(text)' is not a date-time") }
        }
        switch value {
        case .object(let object):
            let properties: [String: JSONValue]
            if case .object(let declared)? = schema["properties"] { properties = declared } else { properties = [:] }
            if case .array(let required)? = schema["required"] {
                for case .string(let key) in required where object[key] == nil { found.append("\(path): missing required '\(key)'") }
            }
            for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                if let declared = properties[key] {
                    found += problems(child, declared, at: "\(path).\(key)")
                } else {
                    switch schema["additionalProperties"] {
                    case .bool(true)?: break
                    case .object? : found += problems(child, schema["additionalProperties"]!, at: "\(path).\(key)")
                    default:
                        // Free-form objects (no properties declared at all) accept anything.
                        if schema["properties"] != nil || schema["additionalProperties"] == .bool(false) {
                            found.append("\(path): undocumented property '\(key)'")
                        }
                    }
                }
            }
        case .array(let items):
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
            }
        default:
            break
        }
        return found
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "'\(value.prefix(40))'"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue {
    subscript(_ key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }
}
