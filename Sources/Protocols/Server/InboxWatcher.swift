import Foundation
import Index
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers

/// Tells waiting clients (IMAP IDLE) about new articles: while anyone waits, checks each
/// watched inbox's highest article number once a second (one indexed SQLite read), and sends
/// every waiter a keep-alive once a minute.
final class InboxWatcher: @unchecked Sendable {
    enum Event: Sendable {
        case newArticles(high: Int64)
        case keepAlive
    }

    private let inboxes: [Inbox]
    private let lock = NIOLock()
    private var waiters: [Int: (inbox: Int, notify: @Sendable (Event) -> Void)] = [:]
    private var nextToken = 0
    private var high: [Int: Int64] = [:]
    private var ticks = 0
    private var task: RepeatedTask?
    private let loop: EventLoop

    init(inboxes: [Inbox]) {
        self.inboxes = inboxes
        loop = MultiThreadedEventLoopGroup.singleton.next()
    }

    /// Calls `notify` (on an event loop thread) until `remove(token)`.
    func add(inbox: Int, notify: @escaping @Sendable (Event) -> Void) -> Int {
        lock.withLock {
            nextToken += 1
            waiters[nextToken] = (inbox, notify)
            if high[inbox] == nil { high[inbox] = (try? inboxes[inbox].index.highestArticleNumber()) ?? 0 }
            if task == nil {
                task = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in self?.tick() }
            }
            return nextToken
        }
    }

    func remove(_ token: Int) {
        lock.withLock {
            waiters[token] = nil
            if waiters.isEmpty {
                task?.cancel()
                task = nil
                high = [:]
            }
        }
    }

    func stop() { lock.withLock { task?.cancel() } }

    private func tick() {
        let (watched, keepAlive): ([Int], Bool) = lock.withLock {
            ticks += 1
            return (Array(Set(waiters.values.map(\.inbox))), ticks % 60 == 0)
        }
        var events: [Int: Event] = [:]
        for i in watched {
            guard let h = try? inboxes[i].index.highestArticleNumber() else { continue }
            let grew: Bool = lock.withLock {
                defer { high[i] = h }
                return h > (high[i] ?? h)
            }
            if grew { events[i] = .newArticles(high: h) }
        }
        let targets = lock.withLock { Array(waiters.values) }
        for w in targets {
            if let e = events[w.inbox] { w.notify(e) }
            if keepAlive { w.notify(.keepAlive) }
        }
    }
}
