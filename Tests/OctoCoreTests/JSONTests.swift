import Foundation
import OctoCore
import Testing

/// The strict decoder (unknown keys, types, absent vs null) and the canonical encoder (lower-case UUIDs).
@Suite struct JSONTests {
    struct Wifi: Codable, Equatable {
        var ssid: String
        var channel: Int?
    }
    struct Settings: Codable, Equatable {
        var wifi: [Wifi]?
        var labels: [String: String]?
    }
    struct Input: Codable, Equatable {
        var name: String?
        var popId: Nullable<UUID>?
        var settings: Settings?
        var extra: JSONValue?
        var at: Date?
    }

    func decode(_ text: String) throws(OctoError) -> Input {
        try StrictJSONDecoder().decode(Input.self, from: Data(text.utf8))
    }

    func field(_ text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error.field ?? "<none>"
        }
    }

    @Test func unknownKeysAreNamedWithTheirPath() {
        #expect(field(#"{"name": "x", "role": "admin"}"#) == "role")
        #expect(field(#"{"settings": {"wifi": [{"ssid": "a"}, {"ssid": "b", "sid": 1}]}}"#) == "settings.wifi[1].sid")
        #expect(field(#"{"settings": {"colour": "red"}}"#) == "settings.colour")
        #expect(field(#"{"popId": null}"#) == "popId")
        #expect(field(#"{"name": "x"}"#) == nil)
    }

    @Test func dictionariesAndFreeJSONKeepEveryKeyAsWritten() throws {
        let input = try decode(#"{"settings": {"labels": {"Device.WiFi.SSID": "x", "if_name": "y"}}, "extra": {"anyThing": [1, {"b_c": true}]}}"#)
        #expect(input.settings?.labels == ["Device.WiFi.SSID": "x", "if_name": "y"])
        #expect(input.extra == .object(["anyThing": .array([.number(1), .object(["b_c": .bool(true)])])]))
    }

    @Test func wrongTypesAreNamed() {
        #expect(field(#"{"name": 5}"#) == "name")
        #expect(field(#"{"settings": {"wifi": [{"ssid": "a", "channel": 1.5}]}}"#) == "settings.wifi[0].channel")
        #expect(field(#"{"settings": {"wifi": [{"channel": 1}]}}"#) == "settings.wifi[0].ssid")
        #expect(field(#"{"pop_id": "nope"}"#) == "pop_id")
        #expect(field(#"{"at": "yesterday"}"#) == "at")
        #expect(field(#"[1]"#) == "<none>")
        #expect(field(#"{"name": "#) == "<none>")
    }

    @Test func absentKeepsNullClearsAndIdsAcceptEitherCase() throws {
        let id = UUID()
        #expect(try decode(#"{}"#).popId == nil)
        #expect(try decode(#"{"pop_id": null}"#).popId == .null)
        // null means "clear" only where the type says so; elsewhere it is refused, not read as absent.
        #expect(field(#"{"name": null}"#) == "name")
        #expect(field(#"{"settings": {"wifi": [{"ssid": "a", "channel": null}]}}"#) == "settings.wifi[0].channel")
        #expect(try decode(#"{"pop_id": "\#(id.uuidString.uppercased())"}"#).popId == .value(id))
        #expect(try decode(#"{"pop_id": "\#(id.lowercased)"}"#).popId == .value(id))
        #expect(try decode(#"{"at": "2026-01-02T03:04:05Z"}"#).at == OctoJSON.parseDate("2026-01-02T03:04:05Z"))
    }

    @Test func theEncoderWritesLowerCaseIdsEverywhereAndKeepsItsConventions() throws {
        struct Inner: Encodable { var deviceId: UUID; var ids: [UUID] }
        struct Outer: Encodable {
            var id: UUID
            var optionalId: UUID?
            var inner: Inner
            var map: [String: UUID]
            var createdAt: Date
            var ratio: Double
            var count: Int
        }
        let a = UUID(), b = UUID()
        let date = Date(timeIntervalSince1970: 1_700_000_000.5)
        let value = Outer(id: a, optionalId: nil, inner: Inner(deviceId: b, ids: [a, b]), map: ["Device.X_Key": a], createdAt: date, ratio: 0.25, count: 3)
        let text = try OctoJSON.string(value)
        #expect(!text.contains(a.uuidString))
        #expect(!text.contains(b.uuidString))
        let expected = #"{"count":3,"created_at":"\#(OctoJSON.formatDate(date))","id":"\#(a.lowercased)","inner":{"device_id":"\#(b.lowercased)","ids":["\#(a.lowercased)","\#(b.lowercased)"]},"map":{"Device.X_Key":"\#(a.lowercased)"},"ratio":0.25}"#
        #expect(text == expected)
        // The same bytes as JSONEncoder's for a value without UUIDs.
        struct Plain: Encodable { var someKey: [String: Int]; var list: [Double]; var flag: Bool; var url: String }
        let plain = Plain(someKey: ["a_b": 1, "cD": 2], list: [1, 2.5, 1e20], flag: true, url: "http://x/y")
        let reference = JSONEncoder()
        reference.keyEncodingStrategy = .convertToSnakeCase
        reference.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try OctoJSON.encoder.encode(plain) == reference.encode(plain))
    }
}
