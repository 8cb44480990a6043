import Foundation

/// Pathological threads (issue 18): one message with a very long References chain, and a chain
/// of replies each answering the one before. Thread walks that recursed overflowed the stack
/// on either: 7,000 References crashed `tidings serve`.
public enum DeepThreadMail {
    /// The Message-ID of the message `references(_:)` makes.
    public static let referencesMid = "refs@deep"

    /// The i-th Message-ID `references(_:)` refers to (hex, so that 100,000 of them stay under
    /// the 1 MiB pages render of a message).
    public static func ref(_ i: Int) -> String { String(i, radix: 16) + "@r" }

    /// One message whose References name `count` messages never sent, oldest first, folded 50 a
    /// line: 100,000 of them are 1.0 MB of header.
    public static func references(_ count: Int) -> [UInt8] {
        var h = "From: Deep <deep@example.org>\nTo: test@example.org\nSubject: deep references\n"
        h += "Date: Mon, 6 Jan 2020 09:00:00 +0000\nMessage-ID: <\(referencesMid)>\nReferences:"
        h.reserveCapacity(count * 10 + 256)
        for i in 0..<count {
            h += (i > 0 && i % 50 == 0 ? "\n " : " ") + "<" + ref(i) + ">"
        }
        return Array((h + "\n\nA message at the end of a long chain of References.\n").utf8)
    }

    /// The Message-ID of the i-th message of `chain(_:)`.
    public static func chainMid(_ i: Int) -> String { "c\(i)@deep" }

    /// `count` messages as an mbox, each replying to the one before (In-Reply-To and
    /// References naming only it), a second apart.
    public static func chain(_ count: Int) -> [UInt8] {
        var out = ""
        out.reserveCapacity(count * 260)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, d MMM yyyy HH:mm:ss '+0000'"
        for i in 0..<count {
            let s = 1_578_301_200 + i  // 2020-01-06 09:00:00 UTC, one second per reply
            let date = Date(timeIntervalSince1970: TimeInterval(s))
            out += "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Deep <deep@example.org>\nTo: test@example.org\n"
            out += "Subject: " + (i == 0 ? "" : "Re: ") + "deep chain\nDate: " + f.string(from: date) + "\n"
            out += "Message-ID: <" + chainMid(i) + ">\n"
            if i > 0 { out += "In-Reply-To: <" + chainMid(i - 1) + ">\nReferences: <" + chainMid(i - 1) + ">\n" }
            out += "\nReply \(i) of the chain.\n\n"
        }
        return Array(out.utf8)
    }

    /// Writes `bytes` to a new temporary file and returns its path.
    public static func write(_ bytes: [UInt8], name: String) throws -> String {
        let path = NSTemporaryDirectory() + "tidings-deep-" + UUID().uuidString + "-" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
