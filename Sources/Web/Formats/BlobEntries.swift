import Index
import Mail
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Stored messages too large to hold in memory (`raw` of a message over `Mbox.streamedAbove`),
/// read from git while they are sent: one `git cat-file blob` child at a time, its output
/// written as mboxrd entries piece by piece. Memory per download is one 64 KiB piece, whatever
/// the message's size; a reader that goes away ends the child.
final class BlobEntries: ChunkSource, @unchecked Sendable {
    private let blobs: [(gitDir: String, oid: String)]
    private var position = 0
    private var child: Subprocess?
    private var encoder = Mbox.encoder()
    private let lock = Lock()

    init(_ blobs: [(gitDir: String, oid: String)]) { self.blobs = blobs }

    /// The header of a stored message (up to its blank line), read without reading the rest.
    static func header(gitDir: String, oid: String) throws -> [UInt8] {
        let p = try open(gitDir: gitDir, oid: oid)
        defer { stop(p) }
        var head: [UInt8] = []
        while head.count < 1 << 20 {
            let piece = try p.readStdout()
            if piece.isEmpty { break }
            head += piece
            let end = headerBoundary(head).headerEnd
            if end < head.count { return Array(head[0..<end]) }
        }
        return head
    }

    func next() throws -> [UInt8]? {
        try lock.withLock {
            while true {
                guard let p = child else {
                    guard position < blobs.count else { return nil }
                    child = try BlobEntries.open(gitDir: blobs[position].gitDir, oid: blobs[position].oid)
                    encoder = Mbox.encoder()
                    continue
                }
                let piece = try p.readStdout()
                if !piece.isEmpty {
                    let out = encoder.encode(piece[...])
                    if out.isEmpty { continue }  // one long line so far
                    return out
                }
                child = nil
                let status = p.wait()
                guard status == 0 else {
                    throw Subprocess.Failure(description: "git cat-file blob \(blobs[position].oid) failed (\(status))")
                }
                position += 1
                return encoder.finish()
            }
        }
    }

    deinit { if let child { BlobEntries.stop(child) } }

    private static func open(gitDir: String, oid: String) throws -> Subprocess {
        let p = try Subprocess(["git", "--git-dir=\(gitDir)", "cat-file", "blob", oid])
        p.closeStdin()
        return p
    }

    private static func stop(_ p: Subprocess) {
        p.signal(SIGKILL)
        p.wait()
    }
}
