import Mail

/// The full-text columns of one message, each matching a search prefix of public-inbox's.
struct SearchDocument: Sendable {
    var m = ""
    var s = ""
    var f = ""
    var t = ""
    var c = ""
    var l = ""
    var nq = ""
    var q = ""
    var n = ""
    var dfn = ""
    var dfa = ""
    var dfb = ""
    var dfctx = ""
    var dfhh = ""
    var dfpre = ""
    var dfpost = ""
    /// search: `git patch-id --stable` of the patches (not an fts column: the `patchid` table).
    var patchIDs: [String] = []

    /// Everything but `m` (the Message-IDs, known only once the message is admitted).
    init(_ message: Message) { self.init(message, lines: BodyLines(SearchDocument.text(of: message))) }

    /// The text searched in a message's body: inline text parts (HTML as text when there is
    /// nothing else) and attached patches.
    static func text(of message: Message) -> String {
        var body: [String] = []
        for p in message.parts {
            if p.isInlineText, let text = p.text {
                body.append(text)
            } else if p.contentType == "text/html", let text = p.text, !message.parts.contains(where: \.isInlineText) {
                body.append(HTMLText.plain(text))
            } else if p.isText, let text = p.text, p.filename != nil,
                p.contentType == "text/x-patch" || p.contentType == "text/x-diff" || p.filename!.hasSuffix(".patch")
                    || p.filename!.hasSuffix(".diff")
            {
                body.append(text)
            }
        }
        if message.parts.isEmpty { body.append(message.bodyText) }
        return body.joined(separator: "\n")
    }

    /// Everything but `m`, from the body's lines as `text(of:)` gives them.
    init(_ message: Message, lines: BodyLines) {
        s = message.subject
        f = SearchDocument.addresses(message.from)
        t = SearchDocument.addresses(message.to)
        c = SearchDocument.addresses(message.cc)
        l = message.headers.values("List-Id").joined(separator: " ")
        n = message.parts.compactMap(\.filename).joined(separator: " ")
        let terms = lines.terms
        nq = terms.unquoted.joined(separator: "\n")
        q = terms.quoted.joined(separator: "\n")
        dfa = terms.removed.joined(separator: "\n")
        dfb = terms.added.joined(separator: "\n")
        dfctx = terms.context.joined(separator: "\n")
        dfhh = terms.hunkHeaders.joined(separator: "\n")
        dfn = terms.fileNames.joined(separator: " ")
        dfpre = terms.preBlobs.joined(separator: " ")
        dfpost = terms.postBlobs.joined(separator: " ")
        patchIDs = PatchID.ids(of: message)  // search
    }

    static func addresses(_ list: [Address]) -> String {
        list.map { $0.name.isEmpty ? $0.email : "\($0.name) \($0.email)" }.joined(separator: " ")
    }

    var values: [String] { [m, s, f, t, c, l, nq, q, n, dfn, dfa, dfb, dfctx, dfhh, dfpre, dfpost] }
    static let columns = "m, s, f, t, c, l, nq, q, n, dfn, dfa, dfb, dfctx, dfhh, dfpre, dfpost"
    /// The full-text tables every document goes into: stemmed, and as written (`Schema`).
    static let tables = ["fts", "fts_exact"]
}
