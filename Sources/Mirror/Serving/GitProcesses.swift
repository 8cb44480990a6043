import Support

/// The bound on git processes serving clones at once (`tidings serve --git-processes`): one
/// more is refused with 503 and Retry-After rather than queued, as each holds a CPU and a pack
/// stream for as long as its client takes.
public final class GitProcesses: @unchecked Sendable {
    public let limit: Int
    /// CPU seconds each git process of a request may use (RLIMIT_CPU, so SIGXCPU ends it): a
    /// negotiation built to be expensive cost 45 s of CPU, on each of `limit` slots at once.
    public let cpuSeconds: Int
    private let lock = Lock()
    private var running = 0

    public init(limit: Int, cpuSeconds: Int = GitProcesses.defaultCPUSeconds) {
        self.limit = limit
        self.cpuSeconds = cpuSeconds
    }

    /// Far above what serving a clone of a large epoch takes (a few seconds: packs are reused).
    public static let defaultCPUSeconds = 120

    /// Takes a slot; false when all are taken.
    func acquire() -> Bool {
        lock.withLock {
            guard running < limit else { return false }
            running += 1
            return true
        }
    }

    func release() { lock.withLock { running -= 1 } }

    /// Processes running now.
    public var count: Int { lock.withLock { running } }
}

/// Every slot of `GitProcesses` is taken.
public struct GitBusy: Error, CustomStringConvertible {
    public let limit: Int
    public var description: String { "all \(limit) git processes are serving other clones" }
}
