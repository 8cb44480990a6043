/// Lines added and removed per file, in the order the files first appear.
public struct Diffstat: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var added: Int
        public var removed: Int
    }

    public var files: [File] = []

    public init() {}

    public var added: Int { files.reduce(0) { $0 + $1.added } }
    public var removed: Int { files.reduce(0) { $0 + $1.removed } }

    mutating func touch(_ path: String) {
        if !files.contains(where: { $0.path == path }) { files.append(File(path: path, added: 0, removed: 0)) }
    }

    mutating func count(_ path: String, added a: Int, removed r: Int) {
        guard let i = files.lastIndex(where: { $0.path == path }) else { return }
        files[i].added += a
        files[i].removed += r
    }

    /// Adds another diffstat (a series' patches summed).
    public mutating func add(_ o: Diffstat) {
        for f in o.files {
            touch(f.path)
            count(f.path, added: f.added, removed: f.removed)
        }
    }

    /// As stored in the index: `path\tadded\tremoved` lines.
    var stored: String { files.map { "\($0.path)\t\($0.added)\t\($0.removed)" }.joined(separator: "\n") }

    init(stored: String) {
        for line in stored.split(separator: "\n") {
            let p = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard p.count == 3 else { continue }
            files.append(File(path: String(p[0]), added: Int(p[1]) ?? 0, removed: Int(p[2]) ?? 0))
        }
    }
}
