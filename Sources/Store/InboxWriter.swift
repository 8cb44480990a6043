import Mail
import Support

/// Appends messages to an inbox's newest epoch through `git fast-import`, starting a new
/// epoch when the current one has taken `rotateBytes` of mail (public-inbox: 1 GiB / 0.4).
public final class InboxWriter {
    public static let defaultRotateBytes = 2_684_354_560

    public let repository: InboxRepository
    public let committerName: String
    public let committerEmail: String
    public let rotateBytes: Int
    public private(set) var epoch: Int
    private var bytesInEpoch: Int
    private var importer: FastImport?

    public init(repository: InboxRepository, committerName: String, committerEmail: String, rotateBytes: Int = defaultRotateBytes) throws {
        self.repository = repository
        self.committerName = committerName
        self.committerEmail = committerEmail
        self.rotateBytes = rotateBytes
        let existing = repository.epochs()
        epoch = existing.last ?? 0
        if existing.isEmpty { try repository.createEpoch(0) }
        bytesInEpoch = Int(Double(repository.diskBytes(epoch)) / 0.4)
    }

    /// Stores a message; returns the epoch it went to and its blob id.
    public func add(_ raw: [UInt8], author: GitIdent, receivedAt: MailDate, subject: String) throws -> (epoch: Int, blob: String) {
        if bytesInEpoch >= rotateBytes {
            try importer?.checkpoint()
            try importer?.finish()
            importer = nil
            epoch += 1
            try repository.createEpoch(epoch)
            bytesInEpoch = 0
        }
        let fi = try current()
        let committer = GitIdent(name: committerName, email: committerEmail, date: receivedAt)
        let blob = try fi.commit(file: "m", bytes: raw, author: author, committer: committer, message: subject)
        bytesInEpoch += raw.count
        return (epoch, blob)
    }

    /// Records the removal of a message: a commit whose tree holds it as `d`.
    public func remove(_ raw: [UInt8], at date: MailDate) throws {
        let fi = try current()
        let ident = GitIdent(name: committerName, email: committerEmail, date: date)
        try fi.commit(file: "d", bytes: raw, author: ident, committer: ident, message: "rm")
    }

    private func current() throws -> FastImport {
        if let i = importer { return i }
        let i = try FastImport(gitDir: repository.epochPath(epoch))
        importer = i
        return i
    }

    /// Makes all writes durable; returns the tip of the epoch being written.
    public func checkpoint() throws -> (epoch: Int, tip: String?) {
        try importer?.checkpoint()
        return (epoch, repository.tip(epoch))
    }

    public func finish() throws {
        try importer?.finish()
        importer = nil
        try? Subprocess.run(["git", "--git-dir=\(repository.epochPath(epoch))", "update-server-info"])
    }

    /// The author ident public-inbox derives from From (name, else the address's local part).
    public static func authorIdent(from: Address?, date: MailDate) -> GitIdent {
        let email = from?.email ?? ""
        var name = from?.name ?? ""
        if name.isEmpty || name == email { name = String(email.split(separator: "@").first ?? "") }
        return GitIdent(name: name, email: email, date: MailDate(seconds: max(0, date.seconds), offsetMinutes: date.offsetMinutes))
    }
}
