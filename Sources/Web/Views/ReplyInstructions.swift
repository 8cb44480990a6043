import Mail

/// "Reply instructions" under a message: the raw mbox link, a ready `git send-email` command
/// and a `mailto:` link, with recipients computed as public-inbox's `mailto_arg_link` does
/// (reply-to-all: From, To, Cc, Reply-To; first address is To, lower-cased; the rest sorted).
struct ReplyInstructions {
    var to: String
    var cc: [String]
    var subject: String
    /// The Message-ID as `--in-reply-to` takes it (shell-quoted when needed).
    var inReplyTo: String
    var mailto: String

    init(message m: Message, listAddress: String) {
        var ccMap: [String: String] = [:]
        var order: [String] = []
        var to: String?
        // From, To and Cc as the message parsed them; Reply-To read here
        for list in [m.from, m.to, m.cc, m.headers.values("Reply-To").flatMap(Address.parseList)] {
            for a in list where !a.email.isEmpty {
                let key = a.email.lowercased()
                if ccMap[key] == nil {
                    ccMap[key] = a.email
                    order.append(key)
                }
                if to == nil { to = key }
            }
        }
        let t = to ?? listAddress
        ccMap[t] = nil
        self.to = t
        cc = ccMap.values.sorted()
        let s = m.headers.first("Subject").map(HeaderText.decode) ?? ""
        subject = ReplyInstructions.hasRe(s) ? s : "Re: " + s
        let rawMid = m.headers.first("Message-ID") ?? ""
        let clean = MessageID.ids(fromMessageIDValues: [rawMid]).first ?? m.primaryID ?? ""
        inReplyTo = ReplyInstructions.squoteMaybe(clean)
        var link = "mailto:" + URLs.percentEscape(t, keep: "-._~@") + "?In-Reply-To=" + URLs.mid(rawMid.isEmpty ? "<\(clean)>" : rawMid)
        if !cc.isEmpty { link += "&Cc=" + URLs.uriEscape(cc.joined(separator: ",")) }
        link += "&Subject=" + URLs.uriEscape(subject)
        mailto = link
    }

    /// `\bRe:` anywhere, case-insensitive.
    static func hasRe(_ s: String) -> Bool {
        let l = Array(s.lowercased().utf8)
        var i = 0
        while i + 3 <= l.count {
            if l[i] == UInt8(ascii: "r"), l[i + 1] == UInt8(ascii: "e"), l[i + 2] == UInt8(ascii: ":") {
                if i == 0 { return true }
                let p = l[i - 1]
                let word = (p >= 0x30 && p <= 0x39) || (p >= 0x61 && p <= 0x7A) || p == 0x5F || p >= 0x80
                if !word { return true }
            }
            i += 1
        }
        return false
    }

    /// public-inbox's `squote_maybe`: single-quote for the shell unless only `[\w@./,%+-]`.
    static func squoteMaybe(_ s: String) -> String {
        let safe = s.unicodeScalars.allSatisfy { c in
            (c.properties.isAlphabetic || c.properties.numericType != nil || c == "_") || "@./,%+-".unicodeScalars.contains(c)
        }
        if safe && !s.isEmpty { return s }
        var q = "'"
        for c in s {
            if c == "'" { q += "'\\''" } else if c == "!" { q += "'\\!'" } else { q.append(c) }
        }
        return q + "'"
    }

    var sendEmailCommand: String {
        var args = ["git send-email", "--in-reply-to=" + inReplyTo, "--to=" + to]
        args += cc.map { "--cc=" + $0 }
        args.append("/path/to/YOUR_REPLY")
        return "  " + args.joined(separator: " \\\n    ")
    }

    func render(into w: inout HTMLWriter) {
        w.raw(
            """
            <hr><pre id=R><b>Reply instructions:</b>

            You may reply publicly to <a href=#t>this message</a> via plain-text email
            using any one of the following methods:

            * Save the following mbox file, import it into your mail client,
              and reply-to-all from there: <a href=raw>mbox</a>

              Avoid top-posting and favor interleaved quoting:
              <a href="https://en.wikipedia.org/wiki/Posting_style#Interleaved_style">https://en.wikipedia.org/wiki/Posting_style#Interleaved_style</a>

            * Reply using the <b>--to</b>, <b>--cc</b>, and <b>--in-reply-to</b>
              switches of git-send-email(1):

            <code class=cmd>
            """)
        w.text(sendEmailCommand)
        w.raw(
            """
            </code>

              <a href="https://kernel.org/pub/software/scm/git/docs/git-send-email.html">https://kernel.org/pub/software/scm/git/docs/git-send-email.html</a>

            * If your mail client supports setting the <b>In-Reply-To</b> header
              via mailto: links, try the <a href="
            """)
        w.attr(mailto)
        w.raw(
            """
            ">mailto: link</a>
            </pre><pre>
              Be sure your reply has a <b>Subject:</b> header at the top and a blank line
              before the message body.
            </pre>
            """)
    }
}
