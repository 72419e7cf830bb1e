import Foundation
import Logging
import NetTools
import OctoCore
import OctoJobs
import OctoStore
import ToolRuns

extension Environment {
    /// The ranges network tools never target: `OCTOISP_OUTBOUND_DENY` (or the defaults) plus the
    /// platform's own listen addresses, as for the ACS's connection requests.
    func toolDenyPolicy() -> DenyListPolicy {
        DenyListPolicy(environment: values, listenHosts: [values["OCTOISP_HTTP_HOST"] ?? "127.0.0.1", values["OCTOISP_CWMP_HOST"] ?? "127.0.0.1"])
    }

    /// Creates tool runs for the API.
    func toolRunService(jobs: any JobQueue, cpe: (any CPEDiagnosticsStarter)?) -> ToolRunService {
        ToolRunService(queue: jobs, deny: toolDenyPolicy(), limits: ToolLimits(environment: values), cpe: cpe)
    }

    /// A worker executing tool runs from `queues` (`OCTOISP_TOOLS_CONCURRENCY` at once, default 4).
    func toolWorker(database: Database, jobs: any JobQueue, queues: [String], executor: String, clock: any WallClock,
                    logger: Logger) -> JobWorker {
        var handlers = JobHandlers()
        ToolRunner(database: database, deny: toolDenyPolicy(), executor: executor, logger: logger).register(in: &handlers)
        let configuration = JobWorker.Configuration(queues: queues, includeDedicated: false,
                                                    concurrency: values["OCTOISP_TOOLS_CONCURRENCY"].flatMap(Int.init) ?? 4,
                                                    lease: 120, retry: RetryPolicy())
        return JobWorker(queue: jobs, handlers: handlers, configuration: configuration, clock: clock, logger: logger)
    }
}
