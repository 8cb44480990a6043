import Index
import Store
import Mail
import Support

/// `MID/raw` (mboxrd text), `MID/t.mbox.gz` (the thread and its loose matches, gzipped
/// mboxrd, streamed) and `all.mbox.gz` (the whole inbox, streamed in constant memory).
enum Mbox {
    /// Headers public-inbox drops when it writes mbox (`Mbox::msg_hdr`).
    static let dropped: Set<String> = ["lines", "bytes", "content-length", "status"]

    /// One message as an mboxrd entry, without a leading `From ` line and the dropped headers.
    static func entry(_ raw: [UInt8]) -> [UInt8] {
        var e = encoder()
        var out = e.encode(raw[...])
        out += e.finish()
        return out
    }

    /// Writes entries as `entry` does, from pieces.
    static func encoder() -> MboxrdWriter.Encoder { MboxrdWriter.Encoder(dropping: dropped, skipsFromLine: true) }

    /// The charset `raw` is served with: the message's top-level charset if it is a plain
    /// token, `us-ascii` without one (public-inbox's rule).
    static func charset(_ m: [UInt8]) -> String {
        let (hEnd, _) = headerBoundary(m)
        let h = Headers.parse(m[0..<hEnd])
        guard let ct = h.first("Content-Type") else { return "us-ascii" }
        let lower = ct.lowercased()
        guard let r = lower.range(of: "charset=") else { return "us-ascii" }
        var v = ct[r.upperBound...]
        if v.hasPrefix("\"") { v = v.dropFirst() }
        let cs = v.prefix { $0 != "\"" && $0 != ";" && $0 != " " && $0 != "\t" }
        if cs.isEmpty { return "us-ascii" }
        return cs.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) ? String(cs) : "UTF-8"
    }

    /// Messages larger than this (together) are not read whole for `raw`: they stream from git.
    static let streamedAbove = 1 << 20

    static func raw(scope: Scope, mid: String) throws -> Reply {
        // the whole answer is cached per Message-ID until the inbox changes: meta is
        // "charset\nfilename\netag\nstreamed", empty when there is no such message
        var body: [UInt8] = []
        let meta = try scope.cached("rawmeta|" + mid) {
            let docs = try scope.docs(mid: mid)
            guard let first = docs.first else { return [] }
            let blobs = docs.map(\.row.blob).joined(separator: ",")
            var cs = "us-ascii"
            let streamed = docs.reduce(0) { $0 + $1.row.bytes } > streamedAbove
            if streamed {
                cs = charset(try BlobEntries.header(gitDir: first.inbox.repository.allGit, oid: first.row.blob))
            } else {
                var out: [UInt8] = []
                for (i, d) in docs.enumerated() {
                    let raw = try d.inbox.raw(d.row)
                    if i == 0 { cs = charset(raw) }
                    out += entry(raw)
                }
                body = out
                scope.store("raw|" + mid, out)
            }
            let fn = URLs.filename(fromSubject: URLs.strippingOneRe(first.row.subject)) ?? "no-subject"
            let etag = "r" + Digest.sha1Hex(Array(blobs.utf8)).prefix(20)
            return Array((cs + "\n" + fn + "\n" + etag + "\n" + (streamed ? "1" : "0")).utf8)
        }
        guard !meta.isEmpty else { return .notFoundPlain() }
        let f = String(decoding: meta, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let replyBody: Reply.Body
        if f.count > 3 && f[3] == "1" {
            replyBody = .stream(BlobEntries(try scope.docs(mid: mid).map { ($0.inbox.repository.allGit, $0.row.blob) }))
        } else {
            if body.isEmpty {
                if let hit = scope.cachedValue("raw|" + mid) {
                    body = hit
                } else {
                    for d in try scope.docs(mid: mid) { body += entry(try d.inbox.raw(d.row)) }
                }
            }
            replyBody = .bytes(body)
        }
        var r = Reply(contentType: "text/plain; charset=" + f[0], body: replyBody)
        r.headers = [(.contentDisposition, "inline; filename=\(f[1]).txt")]
        r.etag = String(f[2])
        return r
    }

    /// Streams rows from each inbox of a scope, `batch` at a time.
    final class RowStream: ChunkSource, @unchecked Sendable {
        let scope: Scope
        let fetch: (Inbox, Int, Int64) throws -> [OverviewRow]
        var inbox = 0
        var last: Int64 = 0
        var buffered: [OverviewRow] = []
        var pos = 0
        var ahead = ReadAhead()
        let lock = Lock()

        init(scope: Scope, first: [OverviewRow] = [], fetch: @escaping (Inbox, Int, Int64) throws -> [OverviewRow]) {
            self.scope = scope
            self.fetch = fetch
            buffered = first
            last = first.last?.num ?? 0
        }

        func next() throws -> [UInt8]? {
            try lock.withLock {
                var out: [UInt8] = []
                while out.count < 65536 {
                    if pos >= buffered.count {
                        guard inbox < scope.inboxes.count else { break }
                        buffered = try fetch(scope.inboxes[inbox], inbox, last)
                        ahead.reset()
                        pos = 0
                        if buffered.isEmpty {
                            inbox += 1
                            last = 0
                            continue
                        }
                        last = buffered.last!.num
                    }
                    let rows = buffered
                    let raw = ahead.raw(scope.inboxes[inbox], at: pos, count: rows.count) { rows[$0].blob }
                    pos += 1
                    if let raw { out += Mbox.entry(raw) }
                }
                return out.isEmpty ? nil : out
            }
        }
    }

    static func thread(scope: Scope, mid: String) throws -> Reply {
        var keys: [Int: (Int64, Int64?)] = [:]
        for (i, ib) in scope.inboxes.enumerated() {
            if let t = try ib.index.thread(of: mid, limit: 1) { keys[i] = (t.seed.tid, t.seed.sid) }
        }
        guard let firstInbox = keys.keys.min(), let k = keys[firstInbox] else { return Reply.notFoundPlain("") }
        let first = try scope.inboxes[firstInbox].index.threadInArticleOrder(tid: k.0, sid: k.1, after: 0, batch: 1)
        let fn = URLs.filename(fromSubject: first.first?.subject ?? "") ?? "no-subject"
        let stream = RowStream(scope: scope) { ib, i, after in
            guard let k = keys[i] else { return [] }
            return try ib.index.threadInArticleOrder(tid: k.0, sid: k.1, after: after, batch: 1000)
        }
        // threads are small: the finished gzip is kept for the next request (inboxes are not)
        return download(scope: scope, filename: fn, cacheKey: "tmbox|" + mid) { stream }
    }

    static func all(scope: Scope) -> Reply {
        download(scope: scope, filename: "all") {
            RowStream(scope: scope) { ib, _, after in try ib.index.allMessages(after: after, batch: 500) }
        }
    }

    /// An `application/gzip` download `filename.mbox.gz`, gzipped as it streams. With `cacheKey`
    /// the finished file is kept in the scope's cache (until the scope changes) and the next
    /// request gets it from there without calling `stream`.
    static func download(scope: Scope, filename: String, cacheKey: String? = nil, stream: () throws -> any ChunkSource) rethrows
        -> Reply
    {
        if let cacheKey, let hit = scope.cachedValue(cacheKey) { return downloaded(hit, filename: filename) }
        var r = Reply(contentType: "application/gzip", body: .stream(try stream()))
        r.gzipBody = true
        if let cacheKey, let limit = scope.keepLimit {
            r.onComplete = { bytes in scope.store(cacheKey, bytes) }
            r.keepLimit = limit
        }
        r.headers = [(.contentDisposition, "inline; filename=\(filename).mbox.gz")]
        return r
    }

    /// A download already gzipped (from the cache).
    static func downloaded(_ gzip: [UInt8], filename: String) -> Reply {
        var r = Reply(contentType: "application/gzip", body: .bytes(gzip))
        r.compress = false
        r.headers = [(.contentDisposition, "inline; filename=\(filename).mbox.gz")]
        return r
    }
}

/// `MID/IDX-FILENAME`: one MIME part. Text as `text/plain` with its charset (HTML and SVG
/// included, so a browser never renders them); anything else as a download.
enum Attachments {
    static func serve(scope: Scope, mid: String, index: String) throws -> Reply {
        guard let d = try scope.docs(mid: mid).first else { return .notFoundPlain("Not found\n") }
        let m = Message.parse(try d.inbox.raw(d.row))
        guard let p = m.parts.first(where: { $0.index == index }) else { return .notFoundPlain("Not found\n") }
        var r: Reply
        if p.contentType.hasPrefix("text/") {
            var type = "text/plain"
            if let cs = p.charset, !cs.isEmpty, cs.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                type += "; charset=" + cs
            }
            r = Reply(contentType: type, body: .bytes(p.bytes))
        } else {
            r = Reply(contentType: "application/octet-stream", body: .bytes(p.bytes))
            r.headers = [
                (.contentDisposition, "attachment; filename=" + URLs.attachmentName(p.filename, contentType: p.contentType))
            ]
        }
        r.etag = "a" + d.row.blob.prefix(20) + "-" + index
        return r
    }
}
