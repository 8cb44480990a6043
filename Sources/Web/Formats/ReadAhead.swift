import Index

/// The messages of a download (an mbox) read from git a batch at a time, each batch in one
/// round trip to `git cat-file` (`Inbox.raws`), in the order the download writes them.
struct ReadAhead {
    static let batch = 32
    private var start = 0
    private var got: [Result<[UInt8], Error>] = []

    /// Message `i` of a list of `count` whose blob ids `blob` gives, read with the next ones of the
    /// list when `i` is outside the last batch; nil when git cannot give it (a partial mirror, a
    /// damaged pack): a download leaves out that message, never the rest, as public-inbox does.
    mutating func raw(_ inbox: Inbox, at i: Int, count: Int, blob: (Int) -> String) -> [UInt8]? {
        if i < start || i >= start + got.count {
            start = i
            got = inbox.raws(blobs: (i..<min(count, i + Self.batch)).map(blob))
        }
        return try? got[i - start].get()
    }

    /// Forgets what was read (the list changed).
    mutating func reset() {
        start = 0
        got = []
    }
}
