import ArgumentParser
import Foundation
import Index
import Mirror
import Store
import Support

/// How long a transfer from an upstream may take, and how slow it may get.
struct MirrorLimitOptions: ParsableArguments {
    @Option(help: "Seconds one transfer (a git clone or fetch of an epoch, a download) may take before it is killed")
    var timeout = MirrorLimits().timeout
    @Option(help: "Seconds a transfer may stay under 1000 bytes/s (a source that stalls) before it is given up")
    var stallTimeout = MirrorLimits().stallTimeout

    var limits: MirrorLimits {
        get throws {
            guard timeout > 0, stallTimeout > 0 else { throw ValidationError("--timeout and --stall-timeout must be above 0") }
            var l = MirrorLimits()
            l.timeout = timeout
            l.stallTimeout = stallTimeout
            return l
        }
    }
}

/// Indexes a mirror's new commits with a progress bar on a TTY and the summary line; mirrored
/// blobs over the ingest limit (`maxMessageSize`) are recorded as rejected, not read.
func mirroring(_ config: ConfigOption, _ limits: MirrorLimitOptions) throws -> Mirroring {
    var m = Mirroring(
        config: config.piConfig, progress: isatty(2) != 0,
        index: { inbox, count in
            let progress = Progress(label: "index \(inbox.name)", total: count)
            let importer = Importer(inbox: inbox)
            importer.onProgress = progress.update
            let summary = try importer.catchUp(maxBlobSize: importer.maxMessageSize)
            progress.finish()
            for r in summary.rejected.prefix(20) { printError("\(inbox.name): not indexed \(r.origin): \(r.reason)") }
            return summary
        }, say: { printError($0) })
    m.limits = try limits.limits
    return m
}

/// `tidings clone URL [NAME] [DIR]`: mirrors an inbox of Tidings or public-inbox-httpd (every
/// epoch, or `--epoch` ranges), records it in the config and indexes it. With a site's root URL,
/// every inbox its `manifest.js.gz` lists, each in DIR/NAME.
struct CloneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone", abstract: "Mirror a public-inbox-compatible inbox (or every inbox of a site) and index it.",
        discussion: "tidings fetch keeps the mirror up to date.")
    @Argument(help: "Inbox URL (https://lore.kernel.org/kvm) or site root (with manifest.js.gz)") var url: String
    @Argument(help: "Inbox name (default: the URL's last segment); for a site, the top directory") var name: String?
    @Argument(help: "Inbox directory (default: ./NAME)") var dir: String?
    @Option(help: "Epochs to mirror: N, ~N (N before the newest), A..B, A.., ..B") var epoch: String?
    @OptionGroup var limits: MirrorLimitOptions
    @OptionGroup var config: ConfigOption

    func run() throws {
        let range = try epoch.map { e in
            guard let r = EpochRange(e) else { throw ValidationError("--epoch takes N, ~N or ranges A..B of them") }
            return r
        }
        let m = try mirroring(config, limits)
        try RemoteInbox.checkURL(url)
        let remote = RemoteInbox(url: url, limits: m.limits)
        if remote.isSiteRoot {
            guard dir == nil else { throw ValidationError("a site root takes one directory (tidings clone SITE-URL [DIR])") }
            let site = try RemoteInbox.Site.inboxes(siteURL: url, limits: m.limits)
            for p in site?.refused ?? [] { printError("\(url): manifest.js.gz: not an inbox path of this site, left out: \(p)") }
            guard let inboxes = site?.inboxes, !inboxes.isEmpty else {
                throw ValidationError("\(url) lists no inboxes (no manifest.js.gz, or none under the site)")
            }
            let top = Self.absolute(name ?? ".")
            var failed = 0
            for ib in inboxes {
                do {
                    let r = try m.clone(ib, name: ib.name, dir: top + "/" + ib.name, epochs: range)
                    print("clone \(ib.name): \(r.epochsChanged.count) epochs, " + (r.summary?.line ?? "not indexed"))
                } catch {
                    failed += 1
                    printError("\(ib.name): \(error)")
                }
            }
            if failed > 0 { throw ExitCode(1) }
            return
        }
        let n = name ?? remote.name
        let r = try m.clone(remote, name: n, dir: Self.absolute(dir ?? n), epochs: range)
        print("clone \(n): \(r.epochsChanged.count) epochs, " + (r.summary?.line ?? "not indexed"))
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// `tidings fetch [NAME…]`: brings mirrors up to date (every mirror in the config by default).
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Update mirrors made by tidings clone: new messages, removals, new epochs.",
        discussion: "Safe to run from cron while tidings serve serves the same inboxes.")
    @Argument(help: "Inboxes to update (default: every mirror)") var names: [String] = []
    @OptionGroup var limits: MirrorLimitOptions
    @OptionGroup var config: ConfigOption

    func run() throws {
        let m = try mirroring(config, limits)
        let mirrors = try m.mirrors(named: names)
        if mirrors.isEmpty { printError("no mirrors in \(config.piConfig.path) (tidings clone makes one)") }
        var failed = 0
        for (ic, remote) in mirrors {
            do {
                let r = try m.fetch(ic, from: remote)
                if r.nothingNew {
                    print("fetch \(ic.name): nothing new")
                } else {
                    print("fetch \(ic.name): " + (r.summary?.line ?? "not indexed"))
                }
            } catch {
                failed += 1
                printError("\(ic.name): \(error)")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
