import ArgumentParser
import Foundation
import Hummingbird
import Index
import NIOCore
import NIOPosix
import Protocols
import Store
import Support
import Web

/// `tidings serve --listen HOST:PORT [--nntp HOST:PORT] [--imap HOST:PORT]`: every inbox of
/// the config over HTTP, and read-only over NNTP and IMAP, from one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve every inbox over HTTP, NNTP and IMAP.")
    @Option(help: "HOST:PORT to listen on") var listen: String = "127.0.0.1:8080"
    @Option(help: "HOST:PORT to serve NNTP on (read-only newsgroups)") var nntp: String?
    @Option(help: "HOST:PORT to serve IMAP on (read-only mailboxes)") var imap: String?
    @Option(help: "Threads for blocking work (git, SQLite); default 2×cores, at least 4") var threads: Int?
    @Option(help: "Memory for rendered pages and search results, in MiB (0: render every request)") var cacheMb = 40
    @Option(help: "Connections served at once, HTTP, NNTP and IMAP together (default: the open-file limit less a reserve, at most 16384)")
    var maxConnections: Int?
    @Option(help: "Seconds a client may take to send a request's head") var headerTimeout = 10
    @Option(help: "Seconds a client may take to send a request's body") var bodyTimeout = 30
    @Option(help: "Seconds an idle kept-alive connection stays open") var idleTimeout = 30
    @Option(help: "Seconds an NNTP or IMAP client may stay silent before it picks a group or logs in")
    var loginTimeout = 20
    @Option(help: "Threads running searches (default: half the cores, at least 1)") var searchThreads: Int?
    @Option(help: "Searches admitted at once, running or queued; more get 503 (default: 16 per search thread)")
    var searchQueue: Int?
    @Option(help: "Seconds one search may take, queueing included; then 503") var searchTimeout = 5.0
    @Option(help: "git processes serving clones and fetches at once; more get 503") var gitProcesses = 32
    @Option(help: "CPU seconds one git process serving a clone or fetch may use; then it is killed")
    var gitCpuSeconds = 120
    @OptionGroup var config: ConfigOption

    func run() async throws {
        Self.reexecWithMallocSlices()
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen takes HOST:PORT")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard cacheMb >= 0 else { throw ValidationError("--cache-mb takes a size in MiB, 0 or more") }
        guard [headerTimeout, bodyTimeout, idleTimeout, loginTimeout].allSatisfy({ $0 > 0 }), searchTimeout > 0, (maxConnections ?? 1) > 0
        else {
            throw ValidationError("timeouts and --max-connections must be above 0")
        }
        let nntpAddress = try nntp.map { try Self.address($0, "--nntp") }
        let imapAddress = try imap.map { try Self.address($0, "--imap") }
        let files = ServerLimits.raiseFileLimit()
        var limits = ServerLimits(maxConnections: maxConnections)
        limits.headerTimeout = .seconds(headerTimeout)
        limits.bodyTimeout = .seconds(bodyTimeout)
        limits.idleTimeout = .seconds(idleTimeout)
        guard gitProcesses > 0 else { throw ValidationError("--git-processes must be above 0") }
        limits.gitProcesses = gitProcesses
        guard gitCpuSeconds > 0 else { throw ValidationError("--git-cpu-seconds must be above 0") }
        limits.gitCPUSeconds = gitCpuSeconds
        if limits.maxConnections > files - 64 {
            printError("--max-connections \(limits.maxConnections) is close to the open-file limit (\(files)): raise it (ulimit -n)")
        }
        let search = SearchGate.Limits(
            threads: searchThreads, admitted: searchQueue, timeout: .milliseconds(Int(searchTimeout * 1000)))
        upgradeIndexes()
        let inboxes = try config.piConfig.inboxes().map { try Inbox(config: $0, readOnly: true) }
        // one pool of threads for blocking work, shared by the web and NNTP/IMAP servers
        let pool = NIOThreadPool(numberOfThreads: threads ?? max(4, System.coreCount * 2))
        pool.start()
        do {
            try await serve(
                inboxes: inboxes, pool: pool, host: host, port: port, limits: limits, search: search, nntp: nntpAddress, imap: imapAddress)
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
        try? await pool.shutdownGracefully()
    }

    func serve(
        inboxes: [Inbox], pool: NIOThreadPool, host: String, port: Int, limits: ServerLimits, search: SearchGate.Limits,
        nntp nntpAddress: (host: String, port: Int)?, imap imapAddress: (host: String, port: Int)?
    ) async throws {
        // one gate for searches from the web site and from IMAP: a flood on either door takes no
        // more than the search threads from the other
        let searches = SearchGate(limits: search)
        let site = Site(inboxes: inboxes, pool: pool, cacheBytes: cacheMb << 20, searches: searches)
        if site.inboxes.isEmpty { printError("no inboxes in \(config.piConfig.path); serving an empty list") }
        FileHandle.standardError.write(
            Data(
                "tidings: serving \(site.inboxes.map(\.name).joined(separator: ", ")) on http://\(listen)/ (at most \(limits.maxConnections) connections over HTTP, NNTP and IMAP together)\n"
                    .utf8))
        // one budget of connections (and so of descriptors) for HTTP, NNTP and IMAP together
        let budget = ConnectionBudget(maxConnections: limits.maxConnections)
        let unsettled = TimeAmount.seconds(Int64(loginTimeout))
        let app = makeApplication(site: site, host: host, port: port, limits: limits, budget: budget)
        guard nntpAddress != nil || imapAddress != nil else { return try await app.runService() }
        let catalog = Catalog(
            inboxes: inboxes, serverName: Catalog.serverName(config: config.piConfig), pool: pool, searches: searches)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            if let a = nntpAddress {
                printError("NNTP on \(a.host):\(a.port)")
                group.addTask {
                    try await ProtocolServer(
                        .nntp, catalog: catalog, host: a.host, port: a.port, unsettledTimeout: unsettled, budget: budget
                    ).run()
                }
            }
            if let a = imapAddress {
                printError("IMAP on \(a.host):\(a.port)")
                group.addTask {
                    try await ProtocolServer(
                        .imap, catalog: catalog, host: a.host, port: a.port, unsettledTimeout: unsettled, budget: budget
                    ).run()
                }
            }
            // the web server ends on SIGTERM/SIGINT: the other listeners end with it
            try await group.next()
            group.cancelAll()
        }
    }

    static func address(_ s: String, _ flag: String) throws -> (host: String, port: Int) {
        guard let a = LineServer.parseAddress(s) else { throw ValidationError("\(flag) takes HOST:PORT") }
        return a
    }

    /// Indexes made by an older version are upgraded in place (from git, with progress) before
    /// they are served; one that cannot be written is served as it is, with a warning.
    func upgradeIndexes() {
        for c in (try? config.piConfig.inboxes()) ?? [] {
            guard let ib = try? Inbox(config: c, readOnly: true), (try? SearchUpgrade.needed(ib.index)) == true else { continue }
            do {
                _ = try Inbox(config: c)
            } catch {
                printError(
                    "\(c.name): the index was made by an older Tidings and cannot be upgraded (\(error)); until `tidings index \(c.name)` upgrades it, phrases may match stemmed words, series and crash reports may be missing and search snippets are read from git"
                )
            }
        }
    }

    /// GLib 2.74's slice allocator takes a global bit lock per object; with GMime parses on
    /// every pool thread, plain malloc (`G_SLICE=always-malloc`) served search pages ~20% faster.
    /// glibc's malloc gives each thread that contends its own arena (up to 8 per core), each
    /// keeping what pages freed: two arenas, and blocks over 256 KiB (whole thread pages,
    /// mbox downloads) mapped and unmapped on their own, keep RSS near what is live.
    /// Both libraries read their variables when they load, so the server re-executes itself
    /// once with them set (a variable already set is left as it is).
    static func reexecWithMallocSlices() {
        guard getenv("G_SLICE") == nil else { return }
        setenv("G_SLICE", "always-malloc", 1)
        setenv("MALLOC_ARENA_MAX", "2", 0)
        setenv("MALLOC_MMAP_THRESHOLD_", "262144", 0)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // exec failed: go on with GLib's default allocator
    }
}
