/// What may go into a commit's author and committer lines and its message.
///
/// A NUL there makes the commit fail `git fsck` ("nulInCommit"), so every mirror that clones
/// with `transfer.fsckObjects` refuses the whole epoch (git 2.39: `fatal: fsck error in packed
/// object`); a line break would end the ident early or start a second message line. The
/// message's bytes stay as they came in the blob: only the commit's copy is cleaned.
public enum CommitText {
    /// As public-inbox (Smsg::populate) does for From and Subject: carriage returns deleted,
    /// NUL, tab and line feed made spaces; the other C0 controls and DEL, which public-inbox
    /// keeps, are made spaces too (terminals and `git log` show them as escapes or act on them).
    public static func clean(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.value {
            case 0x0D: continue
            case 0..<0x20, 0x7F: out.append(" ")
            default: out.append(u)
            }
        }
        return String(out)
    }
}
