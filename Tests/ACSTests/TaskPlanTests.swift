@testable import ACS
import CWMP
import Foundation
import OctoCore
@testable import OctoHTTP
import Testing

/// Pure parts of tasks and the file server: no sockets, no database.
@Suite struct TaskPlanTests {
    static func task(_ input: DeviceTaskInput, key: String = "ck") -> DeviceTask {
        DeviceTask(id: UUID(), deviceId: UUID(), type: input.type, arguments: input, status: .running, commandKey: key, result: nil,
                   fault: nil, attempts: 1, createdBy: nil, createdAt: Date(), startedAt: nil, finishedAt: nil, expiresAt: Date())
    }

    @Test func refreshIsNamesThenValuesOfTheSubtree() {
        var input = DeviceTaskInput(type: .refresh)
        #expect(TaskPlan.messages(for: Self.task(input), root: "Device.", download: nil)
                == [.getParameterNames(path: "Device.", nextLevel: false), .getParameterValues(["Device."])])
        input.path = "Device.WiFi."
        #expect(TaskPlan.messages(for: Self.task(input), root: "Device.", download: nil)
                == [.getParameterNames(path: "Device.WiFi.", nextLevel: false), .getParameterValues(["Device.WiFi."])])
    }

    @Test func keysDefaultToTheTasksCommandKey() {
        var input = DeviceTaskInput(type: .setParameterValues)
        input.parameterValues = [.init(name: "Device.X", value: "1", type: "xsd:int")]
        #expect(TaskPlan.message(for: Self.task(input), root: "Device.", download: nil)
                == .setParameterValues([ParameterValue(name: "Device.X", value: "1", type: "xsd:int")], parameterKey: "ck"))
        #expect(TaskPlan.message(for: Self.task(DeviceTaskInput(type: .reboot), key: "r1"), root: "Device.", download: nil) == .reboot(commandKey: "r1"))
    }

    @Test func onlyTheTasksOwnKeyOrMEventShowsThatItRan() {
        var set = DeviceTaskInput(type: .setParameterValues)
        set.parameterValues = [.init(name: "Device.X", value: "1", type: "xsd:int")]
        let change = Self.task(set, key: "ck")
        #expect(TaskPlan.evidence(for: change, informParameterKey: "ck", events: []) == .parameterKey("ck"))
        #expect(TaskPlan.evidence(for: change, informParameterKey: "other", events: []) == nil)
        #expect(TaskPlan.evidence(for: change, informParameterKey: nil, events: [InformEvent(code: InformEvent.mReboot, commandKey: "ck")]) == nil)
        set.parameterKey = "pk"
        #expect(TaskPlan.evidence(for: Self.task(set, key: "ck"), informParameterKey: "ck", events: []) == nil)
        #expect(TaskPlan.evidence(for: Self.task(set, key: "ck"), informParameterKey: "pk", events: []) == .parameterKey("pk"))
        set.parameterKey = ""
        #expect(TaskPlan.evidence(for: Self.task(set, key: "ck"), informParameterKey: "", events: []) == nil)

        let reboot = Self.task(DeviceTaskInput(type: .reboot), key: "r1")
        #expect(TaskPlan.evidence(for: reboot, informParameterKey: "r1", events: []) == nil)
        #expect(TaskPlan.evidence(for: reboot, informParameterKey: nil, events: [InformEvent(code: "m reboot", commandKey: "r1")])
                == .event(code: InformEvent.mReboot, commandKey: "r1"))
        #expect(TaskPlan.evidence(for: reboot, informParameterKey: nil, events: [InformEvent(code: InformEvent.mReboot, commandKey: "r2")]) == nil)
        let download = Self.task(DeviceTaskInput(type: .download), key: "d1")
        #expect(TaskPlan.evidence(for: download, informParameterKey: nil, events: [InformEvent(code: InformEvent.mDownload, commandKey: "d1")])
                == .event(code: InformEvent.mDownload, commandKey: "d1"))
        // Reads prove nothing and simply run again.
        var get = DeviceTaskInput(type: .getParameterValues)
        get.parameterNames = ["Device.X"]
        #expect(TaskPlan.evidence(for: Self.task(get, key: "ck"), informParameterKey: "ck", events: []) == nil)
    }

    @Test func aDownloadAcceptedWithStatusOneWaitsForTransferComplete() {
        let task = Self.task(DeviceTaskInput(type: .download))
        guard case .awaitingTransfer = TaskPlan.outcome(of: task, answer: .downloadResponse(status: 1, startTime: "", completeTime: "")) else {
            Issue.record("status 1 settled the download")
            return
        }
        guard case .done = TaskPlan.outcome(of: task, answer: .downloadResponse(status: 0, startTime: "", completeTime: "")) else {
            Issue.record("status 0 did not settle the download")
            return
        }
    }

    @Test(arguments: [
        ("bytes=0-99", 1000, ByteRange.partial(0...99)),
        ("bytes=990-", 1000, .partial(990...999)),
        ("bytes=-10", 1000, .partial(990...999)),
        ("bytes=-5000", 1000, .partial(0...999)),
        ("bytes=500-5000", 1000, .partial(500...999)),
        ("bytes=1000-", 1000, .unsatisfiable),
        ("bytes=-0", 1000, .unsatisfiable),
        ("bytes=0-", 0, .unsatisfiable),
        ("bytes=5-1", 1000, .whole),
        ("bytes=0-1,5-6", 1000, .whole),
        ("items=0-1", 1000, .whole),
    ])
    func byteRanges(header: String, size: Int, expected: ByteRange) {
        #expect(ByteRange.resolve(header, size: size) == expected)
    }
}
