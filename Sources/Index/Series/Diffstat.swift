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

    /// The row of `path`, added (with no lines) if it is not there yet.
    mutating func row(_ path: String) -> Int {
        if let i = files.lastIndex(where: { $0.path == path }) { return i }
        files.append(File(path: path, added: 0, removed: 0))
        return files.count - 1
    }

    /// Adds another diffstat (a series' patches summed).
    public mutating func add(_ o: Diffstat) {
        for f in o.files {
            let i = row(f.path)
            files[i].added += f.added
            files[i].removed += f.removed
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
