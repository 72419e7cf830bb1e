import Foundation
import OctoCore

/// Naming of physical queues: a logical queue (`default`) is shared by ordinary providers; a large
/// provider's jobs go to its dedicated queue `default@<provider id>`.
public enum JobQueueName {
    /// The queue jobs go to unless told otherwise.
    public static let `default` = "default"

    /// The dedicated physical queue of a large provider.
    public static func dedicated(_ queue: String, provider: UUID) -> String {
        "\(queue)@\(provider.lowercased)"
    }

    /// The logical queue of a physical queue name.
    public static func logical(_ physical: String) -> String {
        physical.split(separator: "@", maxSplits: 1).first.map(String.init) ?? physical
    }

    /// Whether `name` is a valid logical queue name.
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }
}
