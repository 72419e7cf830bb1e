import Foundation

/// The request id of the API request a piece of work descends from, carried across roles: the API
/// binds it for the request's task, jobs enqueued inside take it into their payload (key
/// ``payloadKey``), and the worker binds it again while the job runs, so every log line of the
/// request, its jobs and the jobs those enqueue carry the same `request.id`.
public enum RequestTrace {
    /// The current request id, if the work descends from an API request.
    @TaskLocal public static var requestId: String?

    /// The payload key a job's request id travels under (typed payloads ignore unknown keys).
    public static let payloadKey = "$request_id"

    /// ``payloadKey`` as JSON text, encoded once: every job a worker runs is searched for it.
    static let encodedKey = (try? JSONEncoder().encode(payloadKey)) ?? Data("\"\(payloadKey)\"".utf8)

    /// `payload` (a JSON object) with `requestId` added under ``payloadKey``; unchanged when it is not
    /// a JSON object or already names one.
    public static func stamp(_ payload: Data, requestId: String) -> Data {
        guard payload.first == UInt8(ascii: "{"),
              let value = try? JSONEncoder().encode(requestId),
              payload.range(of: encodedKey) == nil else { return payload }
        var stamped = Data("{".utf8) + encodedKey + Data(":".utf8) + value
        let rest = payload.dropFirst()
        if rest.first(where: { !($0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09) }) != UInt8(ascii: "}") { stamped.append(UInt8(ascii: ",")) }
        stamped.append(contentsOf: rest)
        return stamped
    }

    /// The request id a job's payload carries, if any.
    public static func requestId(in payload: Data) -> String? {
        guard payload.first == UInt8(ascii: "{"), payload.range(of: encodedKey) != nil,
              let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any] else { return nil }
        return object[payloadKey] as? String
    }
}
