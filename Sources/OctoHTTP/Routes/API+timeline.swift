import Foundation
import Hummingbird
import OctoCore
import OctoStore

extension API {
    /// `GET /devices/{id}/timeline`: everything that happened to a device, newest first, cursor-paged
    /// (permission devices.read; alert entries need alerts.read and audit entries audit.read as well).
    func addTimelineRoutes(to routes: inout RouteTable) {
        routes.get("devices/:id/timeline", query: ["kinds", "cursor", "limit"]) { request, context in
            let principal = try context.require(.devices, .read)
            let device = try context.uuid()
            let limit = try request.queryInt("limit") ?? 50
            guard (1...200).contains(limit) else { throw OctoError.invalid("limit", "limit must be within 1…200") }
            var kinds = Set(DeviceTimelineKind.allCases)
            if let list = request.query("kinds") {
                let asked = list.split(separator: ",", omittingEmptySubsequences: false).map { DeviceTimelineKind(rawValue: String($0)) }
                guard !asked.isEmpty, asked.allSatisfy({ $0 != nil }) else {
                    let names = DeviceTimelineKind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw OctoError.invalid("kinds", "kinds must be a comma-separated list of: \(names)")
                }
                kinds = Set(asked.compactMap { $0 })
            }
            if !principal.has(Permission(.alerts, .read)) { kinds.remove(.alert) }
            if !principal.has(Permission(.audit, .read)) { kinds.remove(.audit) }
            var cursor: DeviceTimelineRepository.Cursor?
            if let text = request.query("cursor") {
                guard let parsed = DeviceTimelineRepository.Cursor(text) else {
                    throw OctoError.invalid("cursor", "cursor must be the next_cursor of a previous page")
                }
                cursor = parsed
            }
            return JSONResponse(try await inTenant(request, context) { tx in
                try await tx.deviceTimeline.page(device: device, kinds: kinds, after: cursor, limit: limit)
            })
        }
    }
}
