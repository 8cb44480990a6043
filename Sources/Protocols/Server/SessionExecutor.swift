import Dispatch

/// Runs protocol sessions on threads of their own (a concurrent dispatch queue, which grows
/// when its threads block) rather than on Swift's cooperative pool: code elsewhere in the
/// process that blocks cooperative threads (a synchronous import, a web handler waiting on
/// git) cannot stall newsreaders and mail clients.
public final class SessionExecutor: TaskExecutor {
    public static let shared = SessionExecutor()
    private let queue = DispatchQueue(label: "tidings.protocol-sessions", attributes: .concurrent)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
