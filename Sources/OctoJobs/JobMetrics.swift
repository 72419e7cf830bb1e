import Metrics

/// The queue counters the drivers share (Prometheus names; labels are the queue and, for outcomes
/// the worker records, the provider).
public enum JobMetrics {
    /// Counts the jobs `results` stored as new (`octoisp_jobs_enqueued_total{queue}`); duplicates
    /// found by their dedup key count as `octoisp_jobs_deduplicated_total{queue}`. A job enqueued
    /// inside a transaction counts when it is written, whether or not that transaction commits.
    static func enqueued(_ jobs: [JobRequest], _ results: [EnqueueResult]) {
        // One increment per queue and outcome, not per job: a batch is usually one queue.
        var counts: [String: (enqueued: Int64, duplicate: Int64)] = [:]
        for (job, result) in zip(jobs, results) {
            switch result {
            case .enqueued: counts[job.queue, default: (0, 0)].enqueued += 1
            case .duplicate: counts[job.queue, default: (0, 0)].duplicate += 1
            }
        }
        for (queue, count) in counts {
            if count.enqueued > 0 { Counter(label: "octoisp_jobs_enqueued_total", dimensions: [("queue", JobMetrics.queueLabel(queue))]).increment(by: count.enqueued) }
            if count.duplicate > 0 { Counter(label: "octoisp_jobs_deduplicated_total", dimensions: [("queue", JobMetrics.queueLabel(queue))]).increment(by: count.duplicate) }
        }
    }

    /// The queue as a label: a provider's dedicated queue counts under its logical queue and the
    /// POP agents' queues (`snmp-pop-<pop id>`) under `snmp-pop`, so no id becomes a label value.
    public static func queueLabel(_ queue: String) -> String {
        let logical = JobQueueName.logical(queue)
        return logical.hasPrefix("snmp-pop-") ? "snmp-pop" : logical
    }
}
