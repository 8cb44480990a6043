#if canImport(Glibc)
    import Glibc
#endif

/// A pthread mutex around a critical section, for classes that keep mutable state shared by
/// threads (caches, pools).
public final class Lock: @unchecked Sendable {
    private var m = pthread_mutex_t()
    public init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}
