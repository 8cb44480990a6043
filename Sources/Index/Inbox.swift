import Foundation
import Mail
import Store
import Support

/// An inbox: its configuration, its git epochs and its index, opened together.
public final class Inbox: Sendable {
    public let config: InboxConfig
    public let repository: InboxRepository
    public let index: ArchiveIndex
    /// Reads message bytes from all epochs (through all.git's alternates).
    public let blobs: BlobReaderPool

    public var name: String { config.name }

    public init(config: InboxConfig, readOnly: Bool = false) throws {
        self.config = config
        repository = InboxRepository(dir: config.dir)
        index = try ArchiveIndex(path: ArchiveIndex.path(forInbox: config.dir), readOnly: readOnly)
        blobs = BlobReaderPool(gitDir: repository.allGit)
        // an index from an older version is brought up to date before anything is written
        if !readOnly { try SearchUpgrade.run(self) }
    }

    /// Creates the directory layout and config entry (`tidings init`).
    @discardableResult
    public static func create(_ config: InboxConfig, in piConfig: PIConfig) throws -> Inbox {
        let repo = InboxRepository(dir: config.dir)
        try repo.create(primaryAddress: config.primaryAddress)
        try piConfig.add(config)
        return try Inbox(config: config)
    }

    /// The raw bytes of a stored message.
    public func raw(_ row: OverviewRow) throws -> [UInt8] { try blobs.read(row.blob) }

    /// The raw bytes of the stored message with this blob id.
    public func raw(blob: String) throws -> [UInt8] { try blobs.read(blob) }

    /// The raw bytes of several stored messages, read from git in one round trip, in order.
    public func raws(_ rows: [OverviewRow]) -> [Result<[UInt8], Error>] { blobs.read(rows.map(\.blob)) }

    /// The same by blob ids.
    public func raws(blobs ids: [String]) -> [Result<[UInt8], Error>] { blobs.read(ids) }

    /// Takes the inbox's write lock (`inbox.lock`, shared with public-inbox) for `body`.
    public func withWriteLock<T>(_ body: () throws -> T) throws -> T { try Inbox.withWriteLock(dir: config.dir, body) }

    /// Takes the write lock of the inbox in `dir` for `body`, waiting for other writers (an import,
    /// concurrent deliveries, public-inbox) to finish. Re-entrant on one thread, so that a
    /// delivery can open the inbox, list its pending mail and import it under one lock. Once
    /// the lock is held, temporary packs abandoned over an hour ago are removed from the epochs.
    public static func withWriteLock<T>(dir: String, _ body: () throws -> T) throws -> T {
        let path = dir + "/inbox.lock"
        let held = Thread.current.threadDictionary
        let key = "tidings.inbox.lock:" + path
        if held[key] != nil { return try body() }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Subprocess.Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Subprocess.Failure(description: "cannot lock \(path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        held[key] = true
        defer { held.removeObject(forKey: key) }
        // every write run starts by removing what killed or disk-full runs left (issue 18)
        InboxRepository(dir: dir).removeStaleTemporaryPacks()
        return try body()
    }
}
