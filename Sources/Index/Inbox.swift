import Foundation
import Mail
import Store

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

    /// Takes the inbox's write lock (`inbox.lock`, shared with public-inbox) for `body`.
    public func withWriteLock<T>(_ body: () throws -> T) throws -> T {
        let path = config.dir + "/inbox.lock"
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw Subprocess.Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw Subprocess.Failure(description: "cannot lock \(path)") }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
