import NIOCore

/// A task executor that runs jobs on one event loop: the loop of a connection's channel, so the
/// task that serves the connection reads, handles and writes without crossing to another thread,
/// and a task another thread resumes (a database reply) comes back to the connection's own loop
/// before it writes its answer.
final class ChannelLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
