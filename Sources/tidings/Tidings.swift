import ArgumentParser
import Foundation
import Index
import Mail
import Store
import Support

@main
struct Tidings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidings",
        abstract: "A public mailing-list archive: public-inbox compatible, fast, and mail-aware.",
        discussion: "Inboxes are read from public-inbox's config file ($PI_CONFIG, default ~/.public-inbox/config).",
        subcommands: [
            InitCommand.self, ImportCommand.self, DeliverCommand.self, IndexCommand.self, StatusCommand.self,
            ShowCommand.self, ThreadCommand.self, ServeCommand.self, SearchCommand.self, CloneCommand.self, FetchCommand.self,
        ]
    )
}

/// Options every inbox command shares.
struct ConfigOption: ParsableArguments {
    @Option(name: .customLong("config"), help: "public-inbox config file (default: $PI_CONFIG or ~/.public-inbox/config)")
    var path: String?

    var piConfig: PIConfig { PIConfig(path: path) }

    func inbox(_ name: String, readOnly: Bool = false) throws -> Inbox {
        try Inbox(config: try piConfig.inbox(named: name), readOnly: readOnly)
    }
}

/// Runs an ingest with a progress bar on a TTY, then prints the rejections and the summary line.
func runWithProgress(_ label: String, total: Int?, importer: Importer, _ body: (Importer) throws -> ImportSummary) throws {
    let progress = Progress(label: label, total: total)
    importer.onProgress = progress.update
    let summary = try body(importer)
    progress.finish()
    for r in summary.rejected.prefix(20) {
        let object = r.object.map { r.reason.contains($0) ? "" : " object \($0)" } ?? ""
        printError("rejected \(r.origin)\(object): \(r.reason)")
    }
    if summary.rejected.count > 20 { printError("… and \(summary.rejected.count - 20) more rejected") }
    print("\(label): " + summary.line)
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data(("tidings: " + s + "\n").utf8))
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a v2 inbox and record it in the config.")
    @Argument var name: String
    @Argument var dir: String
    @Option(help: "List address (repeat for several)") var address: [String] = []
    @Option(help: "Public URL of the inbox") var url: String?
    @Option(help: "One-line description") var description: String?
    @Option(help: "NNTP newsgroup (and IMAP mailbox) name; default: derived from NAME") var newsgroup: String?
    @OptionGroup var config: ConfigOption

    func run() throws {
        if let g = newsgroup, !InboxConfig.isValidNewsgroup(g) {
            throw ValidationError("newsgroup names may hold a-z, 0-9 and /_.-~@+=: and may not end in .DIGITS")
        }
        guard !address.isEmpty else { throw ValidationError("--address LIST@EXAMPLE.ORG is required") }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("inbox names may hold letters, digits, '-', '_' and '.'")
        }
        let absolute = dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
        let inbox = try Inbox.create(
            InboxConfig(name: name, dir: absolute, addresses: address, url: url, description: description, newsgroup: newsgroup),
            in: config.piConfig)
        print("created inbox \(inbox.name) in \(absolute) (\(config.piConfig.path))")
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import mbox (.gz too), Maildir, .eml, or a git epoch/bundle of `m` commits.")
    @Argument var name: String
    @Argument var paths: [String]
    @Option(help: "mbox variant: mboxrd, mboxo, mboxcl, mboxcl2") var format: String = "mboxrd"
    @Option(help: "Messages per durable batch") var batch: Int = 2000
    @Option(
        help: ArgumentHelp(
            "Keep larger messages aside in DIR/rejected/ instead of storing them (k/m/g suffixes, 0: no limit)",
            discussion: "Default: publicinbox.NAME.maxMessageSize, tidings.maxMessageSize, else 32m."))
    var maxMessageSize: String?
    @OptionGroup var config: ConfigOption

    func run() throws {
        guard let fmt = MboxFormat(rawValue: format) else { throw ValidationError("unknown mbox format \(format)") }
        let limit = try maxMessageSize.map { text in
            guard let n = InboxConfig.parseSize(text) else { throw ValidationError("--max-message-size: not a size: \(text)") }
            return n
        }
        let inbox = try config.inbox(name)
        let sources = try paths.flatMap { try MessageSource.detect($0, mboxFormat: fmt) }
        let counts = sources.map { $0.count() }
        let total = counts.contains(where: { $0 == nil }) ? nil : counts.reduce(0) { $0 + ($1 ?? 0) }
        let importer = Importer(inbox: inbox)
        importer.batchSize = batch
        if let limit { importer.maxMessageSize = limit == 0 ? nil : limit }
        try runWithProgress("import \(name)", total: total, importer: importer) { try $0.importSources(sources) }
    }
}

struct DeliverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver", abstract: "Deliver one message from stdin (for an MTA; exit codes per sysexits).")
    @Argument var name: String
    @OptionGroup var config: ConfigOption

    func run() throws {
        let outcome = Delivery.deliver(reading: STDIN_FILENO, to: name, config: config.piConfig)
        for m in outcome.messages { printError(m) }
        if outcome.status != .ok { throw ExitCode(outcome.status.rawValue) }
    }
}

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Index epochs already in DIR/git/N.git (e.g. copied from public-inbox).")
    @Argument var name: String
    @Flag(help: "Drop the index and recreate it from git alone") var rebuild = false
    @OptionGroup var config: ConfigOption

    func run() throws {
        let inbox = try config.inbox(name)
        let total = inbox.repository.epochs().reduce(0) { t, n in
            t
                + ((try? Subprocess.text(["git", "--git-dir=\(inbox.repository.epochPath(n))", "rev-list", "--count", "--all"])).flatMap {
                    Int($0)
                } ?? 0)
        }
        try inbox.repository.updateAlternates()
        try runWithProgress("index \(name)", total: total, importer: Importer(inbox: inbox)) {
            rebuild ? try $0.rebuild() : try $0.catchUp()
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Messages, threads, ghosts, epochs, sizes, last update.")
    @Argument var name: String?
    @Flag(help: "Machine-readable output") var json = false
    @OptionGroup var config: ConfigOption

    struct Report: Codable {
        var name: String
        var dir: String
        var addresses: [String]
        var messages: Int
        var threads: Int
        var ghosts: Int
        var rejected: Int
        /// The most recent rejections (all of them up to 1,000): what, where, why.
        var rejections: [ArchiveIndex.Rejected]
        /// The size limit on ingest, and stored messages over it (indexed; pages bound them).
        var maxMessageSize: Int?
        var largeMessages: Int
        var lastArticle: Int64
        var epochs: [Int]
        var gitBytes: Int
        var indexBytes: Int
        var lastUpdate: String?
    }

    func run() throws {
        let configs = try config.piConfig.inboxes().filter { name == nil || $0.name == name }
        if let name, configs.isEmpty { throw PIConfig.NotFound(name: name, path: config.piConfig.path) }
        var reports: [Report] = []
        for c in configs {
            let inbox = try Inbox(config: c)
            let s = try inbox.index.stats()
            let epochs = inbox.repository.epochs()
            let limit = c.ingestLimit
            reports.append(
                Report(
                    name: c.name, dir: c.dir, addresses: c.addresses, messages: s.messages, threads: s.threads, ghosts: s.ghosts,
                    rejected: s.rejected, rejections: try inbox.index.rejected(limit: json ? 1000 : 10), maxMessageSize: limit,
                    largeMessages: try limit.map { try inbox.index.messageCount(largerThan: $0) } ?? 0, lastArticle: s.lastNum,
                    epochs: epochs,
                    gitBytes: epochs.reduce(0) { $0 + inbox.repository.diskBytes($1) }, indexBytes: s.indexBytes,
                    lastUpdate: s.newestReceived.map { MailDate(seconds: $0).iso8601 }))
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try enc.encode(name == nil ? AnyEncodable(reports) : AnyEncodable(reports.first!))
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for r in reports {
            print("\(r.name)  \(r.addresses.joined(separator: ", "))  \(r.dir)")
            print(
                "  messages \(r.messages)  threads \(r.threads)  ghosts \(r.ghosts)  rejected \(r.rejected)  last article \(r.lastArticle)")
            print(
                "  epochs \(r.epochs.map(String.init).joined(separator: ","))  git \(r.gitBytes / 1024) KiB  index \(r.indexBytes / 1024) KiB"
            )
            print("  last update \(r.lastUpdate ?? "never")")
            if r.largeMessages > 0 {
                print("  \(r.largeMessages) stored messages are over maxMessageSize \(r.maxMessageSize ?? 0) (indexed whole)")
            }
            for x in r.rejections {
                let place = x.epoch.map { "\($0).git commit \(x.commit ?? "?") \(x.object.map { "object \($0)" } ?? "")" } ?? x.origin
                print("  rejected \(MailDate(seconds: x.at).iso8601)  \(place): \(x.reason)")
            }
            if r.rejected > r.rejections.count { print("  … \(r.rejected - r.rejections.count) more (tidings status --json)") }
        }
    }
}

struct AnyEncodable: Encodable {
    let value: Encodable
    init(_ v: Encodable) { value = v }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the raw message(s) with a Message-ID.")
    @Argument var name: String
    @Argument(help: "Message-ID, with or without <>") var messageID: String
    @OptionGroup var config: ConfigOption

    func run() throws {
        let inbox = try config.inbox(name, readOnly: true)
        let mid = MessageID.ids(fromMessageIDValues: [messageID]).first ?? messageID
        let rows = try inbox.index.messages(mid: mid)
        guard !rows.isEmpty else {
            printError("\(name): no message <\(mid)>")
            throw ExitCode(1)
        }
        for (i, r) in rows.enumerated() {
            let raw = try inbox.raw(r)
            if rows.count > 1 {
                FileHandle.standardOutput.write(Data(MboxrdWriter.entry(raw)))
            } else {
                FileHandle.standardOutput.write(Data(raw))
            }
            _ = i
        }
    }
}

struct ThreadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "thread", abstract: "Print a message's thread as an indented tree.")
    @Argument var name: String
    @Argument var messageID: String
    @OptionGroup var config: ConfigOption

    func run() throws {
        let inbox = try config.inbox(name, readOnly: true)
        let mid = MessageID.ids(fromMessageIDValues: [messageID]).first ?? messageID
        guard let row = try inbox.index.messages(mid: mid).first else {
            printError("\(name): no message <\(mid)>")
            throw ExitCode(1)
        }
        let rows = try inbox.index.thread(tid: row.tid)
        let forest = ThreadTree.build(rows)
        print("\(rows.count) messages in thread of <\(mid)>")
        for root in forest {
            for (depth, node) in root.flattened() {
                let pad = String(repeating: "  ", count: depth)
                if let r = node.row {
                    let mark = r.mid == mid ? " *" : ""
                    print("\(pad)\(r.date.utcString.prefix(16))  \(r.subject)  — \(r.fromDisplay)\(mark)")
                } else {
                    print("\(pad)[not found] <\(node.mid)>")
                }
            }
        }
    }
}
