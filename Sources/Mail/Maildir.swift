import Foundation

/// A Maildir's messages (`cur/` and `new/`), in file-name order (delivery order for most MTAs).
public struct Maildir: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// True when `path` has `cur/` or `new/` folders.
    public static func looksLikeMaildir(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        for sub in ["cur", "new"] {
            if FileManager.default.fileExists(atPath: path + "/" + sub, isDirectory: &isDir), isDir.boolValue { return true }
        }
        return false
    }

    /// Paths of every message file.
    public func messagePaths() throws -> [String] {
        var out: [String] = []
        for sub in ["new", "cur"] {
            let dir = path + "/" + sub
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            out += names.filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
        }
        return out
    }
}

extension Maildir {
    /// Writes a message the Maildir way (tmp/ then rename into new/) and returns its path.
    public func deliver(_ bytes: [UInt8]) throws -> String {
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true)
        }
        let now = Date().timeIntervalSince1970
        let unique = "\(Int(now)).M\(Int((now - Double(Int(now))) * 1_000_000))P\(getpid())R\(UInt32.random(in: 0...UInt32.max)).tidings"
        let tmp = path + "/tmp/" + unique
        let dest = path + "/new/" + unique
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: tmp])
        }
        let fd = open(tmp, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(tmp, dest) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: dest]) }
        return dest
    }
}
