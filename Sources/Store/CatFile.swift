import Mail
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Reads git objects through one long-lived `git cat-file --batch`. Not thread-safe: callers
/// keep one per thread, or a pool (see `BlobReaderPool`).
public final class CatFile: @unchecked Sendable {
    private let process: Subprocess
    private let reader: LineReader
    public let gitDir: String

    public struct Missing: Error, CustomStringConvertible {
        public let oid: String
        public var description: String { "git object \(oid) is missing" }
    }

    /// The blob is larger than the caller takes: its bytes were skipped, never held (a mirrored
    /// 1 GiB message, from a 1 MB pack, took 4.13 GB to index when read whole).
    public struct TooLarge: Error, CustomStringConvertible {
        public let oid: String
        public let size: Int
        public let limit: Int
        public var description: String { "too large: \(size) bytes, over the limit of \(limit) (maxMessageSize)" }
    }

    /// The object exists but is not what the caller reads (a tree or commit where a blob belongs).
    public struct WrongType: Error, CustomStringConvertible {
        public let oid: String
        public let type: String
        public var description: String { "git object \(oid) is a \(type), not a blob" }
    }

    /// git's defaults let one `git cat-file` map a whole pack (1 GiB windows) and keep 96 MiB of
    /// delta bases: fine for an import, but a server keeps its readers for days and their RSS adds
    /// up. `boundedMemory` caps what one reader maps and caches (measured on the corpus: ~58 MB
    /// of RSS per reader after a walk of its message pages down to ~15 MB, at the same req/s).
    public static let boundedMemory = [
        "-c", "core.packedGitWindowSize=2m", "-c", "core.packedGitLimit=16m", "-c", "core.deltaBaseCacheLimit=8m",
    ]

    /// `options`: git `-c` options, e.g. `boundedMemory` for a long-lived reader.
    public init(gitDir: String, options: [String] = []) throws {
        self.gitDir = gitDir
        process = try Subprocess(["git"] + options + ["--git-dir=\(gitDir)", "cat-file", "--batch"])
        reader = LineReader(fd: process.stdoutFD, bufferSize: 1 << 18)
    }

    deinit { process.wait() }

    /// The object's bytes. Throws `Missing` for an object git does not have (the reader stays
    /// usable), `Subprocess.Failure` when git cat-file itself ended (a corrupt pack).
    public func read(_ oid: String) throws -> [UInt8] { try object(oid).bytes }

    /// A blob's bytes; `WrongType` when `oid` names something else.
    /// `TooLarge` when it has more than `maxBytes` (the reader stays usable).
    public func readBlob(_ oid: String, maxBytes: Int? = nil) throws -> [UInt8] {
        try process.write(oid + "\n")
        let o = try answer(oid, maxBytes: maxBytes)
        guard o.type == "blob" else { throw WrongType(oid: oid, type: o.type) }
        return o.bytes
    }

    /// The object's type and bytes.
    public func object(_ oid: String) throws -> (type: String, bytes: [UInt8]) {
        try process.write(oid + "\n")
        return try answer(oid)
    }

    /// How many objects one `objects(_:)` asks for at once: their names (41 bytes each) must fit
    /// the pipe to git (64 KiB) while git's answers wait unread.
    public static let batchLimit = 1024

    /// The bytes of several objects, asked for in one write and read back in order: one round
    /// trip to git instead of one per object (a thread page of 30 messages waited for git 30
    /// times). Each is its bytes or why not (`Missing`); once git itself fails, so do the rest.
    public func objects(_ oids: [String]) -> [Result<[UInt8], Error>] {
        var out: [Result<[UInt8], Error>] = []
        out.reserveCapacity(oids.count)
        var start = 0
        while start < oids.count {
            let batch = oids[start..<min(oids.count, start + Self.batchLimit)]
            start += batch.count
            do {
                try process.write(batch.joined(separator: "\n") + "\n")
            } catch {
                out += batch.map { _ in .failure(error) }
                continue
            }
            for (k, oid) in batch.enumerated() {
                do {
                    out.append(.success(try answer(oid).bytes))
                } catch let e as Missing {
                    out.append(.failure(e))
                } catch {
                    // git ended: what is left of the batch has no answer
                    out += batch.dropFirst(k).map { _ in .failure(error) }
                    break
                }
            }
        }
        return out
    }

    /// Reads git's answer for `oid` (asked for already).
    private func answer(_ oid: String, maxBytes: Int? = nil) throws -> (type: String, bytes: [UInt8]) {
        guard let header = reader.nextLine() else { throw Subprocess.Failure(description: "git cat-file in \(gitDir) ended") }
        let words = String(decoding: header, as: UTF8.self).split(separator: " ")
        guard words.count == 3, let size = Int(String(words[2]).trimmingASCIIWhitespace()) else { throw Missing(oid: oid) }
        if let maxBytes, size > maxBytes, words[1] == "blob" {
            try skip(size + 1, inside: oid)
            throw TooLarge(oid: oid, size: size, limit: maxBytes)
        }
        let bytes = reader.read(count: size)
        guard bytes.count == size, reader.read(count: 1).count == 1 else {  // the trailing LF
            throw Subprocess.Failure(description: "git cat-file in \(gitDir) ended inside \(oid)")
        }
        return (String(words[1]), bytes)
    }

    /// Reads and drops `count` bytes of git's answer, a MiB at a time.
    private func skip(_ count: Int, inside oid: String) throws {
        var left = count
        while left > 0 {
            let n = reader.read(count: min(left, 1 << 20)).count
            guard n > 0 else { throw Subprocess.Failure(description: "git cat-file in \(gitDir) ended inside \(oid)") }
            left -= n
        }
    }
}

/// A few `CatFile` readers shared by concurrent callers. Each `git cat-file` maps pack windows and
/// keeps a delta cache (bounded by `CatFile.boundedMemory`), so at most `maxProcesses` are kept: a caller finding
/// none free waits a little for one (a read takes ~0.1 ms, a page several) and only then starts
/// another, which is closed after its read when enough are kept.
public final class BlobReaderPool: @unchecked Sendable {
    private let gitDir: String
    private var idle: [CatFile] = []
    private var live = 0
    private var m = pthread_mutex_t()
    private var freed = pthread_cond_t()
    private let maxProcesses: Int

    public init(gitDir: String, maxProcesses: Int = 2) {
        self.gitDir = gitDir
        self.maxProcesses = max(1, maxProcesses)
        pthread_mutex_init(&m, nil)
        pthread_cond_init(&freed, nil)
    }

    deinit {
        pthread_cond_destroy(&freed)
        pthread_mutex_destroy(&m)
    }

    public func read(_ oid: String) throws -> [UInt8] { try withReader { try $0.read(oid) } }

    /// Several objects through one reader, in one round trip (`CatFile.objects`).
    public func read(_ oids: [String]) -> [Result<[UInt8], Error>] {
        guard !oids.isEmpty else { return [] }
        do {
            return try withReader { reader in
                let out = reader.objects(oids)
                // git failed under the reader: it is dropped (`withReader` keeps readers that did not throw)
                if case .failure(let e) = out.last, !(e is CatFile.Missing) { throw e }
                return out
            }
        } catch {
            return oids.map { _ in .failure(error) }
        }
    }

    /// Runs `body` with an idle reader (or a new one), which goes back to the pool unless `body`
    /// threw.
    private func withReader<T>(_ body: (CatFile) throws -> T) throws -> T {
        pthread_mutex_lock(&m)
        if idle.isEmpty && live >= maxProcesses {
            var until = timespec()
            clock_gettime(CLOCK_REALTIME, &until)
            until.tv_nsec += 50_000_000
            if until.tv_nsec >= 1_000_000_000 {
                until.tv_sec += 1
                until.tv_nsec -= 1_000_000_000
            }
            while idle.isEmpty && pthread_cond_timedwait(&freed, &m, &until) == 0 {}
        }
        var reader = idle.popLast()
        if reader == nil { live += 1 }
        pthread_mutex_unlock(&m)
        do {
            if reader == nil { reader = try CatFile(gitDir: gitDir, options: CatFile.boundedMemory) }
            let result = try body(reader!)
            pthread_mutex_lock(&m)
            if idle.count < maxProcesses {
                idle.append(reader!)
            } else {
                live -= 1
            }
            pthread_cond_signal(&freed)
            pthread_mutex_unlock(&m)
            return result
        } catch {
            // a reader that failed is dropped
            pthread_mutex_lock(&m)
            live -= 1
            pthread_cond_signal(&freed)
            pthread_mutex_unlock(&m)
            throw error
        }
    }
}
