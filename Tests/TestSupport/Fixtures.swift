import Foundation
import Index
import Mail
import Store

/// The project's committed test messages (Tests/Fixtures) and their manifest.
public enum Fixtures {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()  // TestSupport
        url.deleteLastPathComponent()  // Tests
        return url.appendingPathComponent("Fixtures").path
    }()

    public static func corpusPath(_ name: String) -> String { root + "/corpus/" + name }

    /// The shared corpus epoch (10,000 messages): `$TIDINGS_CORPUS`, else beside the package root
    /// as `../shared/corpus/virtualization-2019-2020.bundle` (CI checks the project out next to
    /// it). Nil when it is not there: the corpus suites fail, not skip (`scripts/test.sh` leaves
    /// them out, saying so, when the corpus is missing outside CI).
    public static var corpusBundle: String? {
        let path =
            ProcessInfo.processInfo.environment["TIDINGS_CORPUS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? URL(fileURLWithPath: root).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/corpus/virtualization-2019-2020.bundle").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
    public static func syntheticPath(_ name: String) -> String { root + "/synthetic/" + name }
    /// Patch series fixtures (Tests/Fixtures/series, see its README).
    public static func seriesPath(_ name: String) -> String { root + "/series/" + name }

    /// Every series fixture path, sorted; the one whose name starts with `prefix` ("07").
    public static var seriesFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/series")) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
            .map(seriesPath)
    }
    public static func series(_ prefix: String) -> String { seriesFiles.first { $0.hasPrefix(root + "/series/" + prefix + "-") }! }

    /// Kernel crash report fixtures (Tests/Fixtures/crashes, see its README).
    public static var crashFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/crashes")) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
            .map { root + "/crashes/" + $0 }
    }
    public static func crash(_ prefix: String) -> String { crashFiles.first { $0.hasPrefix(root + "/crashes/" + prefix + "-") }! }

    public static func bytes(_ path: String) -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { fatalError("missing fixture \(path)") }
        return Array(d)
    }

    public static func corpus(_ name: String) -> [UInt8] { bytes(corpusPath(name)) }

    /// A corpus message as an archive stores it: without the headers public-inbox drops on import.
    public static func stored(_ name: String) -> [UInt8] {
        let raw = corpus(name)
        return Message.parse(raw).removingHeaders(droppedOnImport) ?? raw
    }
    public static func synthetic(_ name: String) -> [UInt8] { bytes(syntheticPath(name)) }

    /// An input a fuzzer (scripts/fuzz.sh) found a bug with, as it was minimised (Tests/Fixtures/fuzz).
    public static func fuzz(_ name: String) -> [UInt8] { bytes(root + "/fuzz/" + name) }

    /// Every corpus fixture file name, sorted.
    public static var corpusFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/corpus")) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
    }

    public static var syntheticFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/synthetic")) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
    }

    /// One row of corpus/manifest.tsv.
    public struct Entry: Sendable {
        public var file: String
        public var messageID: String
        public var subject: String
        public var fromAddress: String
        public var inReplyTo: String
        public var features: Set<String>
    }

    public static let manifest: [Entry] = {
        guard let text = try? String(contentsOfFile: root + "/corpus/manifest.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Entry(
                file: f[0], messageID: f[1], subject: f[2], fromAddress: f[3], inReplyTo: f[4],
                features: Set(f[5].split(separator: ",").map(String.init)))
        }
    }()
}

/// A throw-away inbox in a temporary directory with its own config file.
public final class TemporaryInbox {
    public let root: String
    public let config: PIConfig
    public let inbox: Inbox

    public init(name: String = "test", address: String = "test@example.org") throws {
        root = NSTemporaryDirectory() + "tidings-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        config = PIConfig(path: root + "/config")
        inbox = try Inbox.create(
            InboxConfig(name: name, dir: root + "/" + name, addresses: [address], url: "http://127.0.0.1/\(name)/"), in: config)
    }

    /// Imports fixture files (paths) and returns the summary.
    @discardableResult
    public func importFiles(_ paths: [String]) throws -> ImportSummary {
        try Importer(inbox: inbox).importSources(paths.map { .file(path: $0) })
    }

    @discardableResult
    public func importBytes(_ messages: [[UInt8]]) throws -> ImportSummary {
        try Importer(inbox: inbox).importSources(messages.enumerated().map { .bytes($0.element, origin: "test#\($0.offset)") })
    }

    /// Replaces epoch `n` by a mirror clone of `source` (a bundle or another repository).
    public func cloneEpoch(_ n: Int = 0, from source: String) throws {
        let path = inbox.repository.epochPath(n)
        try? FileManager.default.removeItem(atPath: path)
        let r = try Command.run(["git", "clone", "-q", "--mirror", source, path])
        guard r.status == 0 else { throw EpochBuilderError(message: r.stderr) }
        try inbox.repository.createEpoch(n)
    }

    /// The environment for public-inbox's own tools run on this inbox.
    public var publicInboxEnvironment: [String: String] { ["PI_CONFIG": config.path, "HOME": root, "PI_DIR": root + "/.pi"] }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}
