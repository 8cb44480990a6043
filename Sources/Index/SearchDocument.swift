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
            } else if isAttachedPatch(p), let text = p.text {
                body.append(text)
            }
        }
        if message.parts.isEmpty { body.append(message.bodyText) }
        return body.joined(separator: "\n")
    }

    /// The other text attachments (logs, configs, sources, …; not HTML), searched as public-inbox
    /// searches every text part, but not the body: no gist, series or crash facts come from them.
    /// Nil when the message has none.
    static func attachedText(of message: Message) -> String? {
        let texts = message.parts.compactMap { p -> String? in
            guard p.isText, !p.isInlineText, p.contentType != "text/html", !isAttachedPatch(p) else { return nil }
            return p.text
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }

    private static func isAttachedPatch(_ p: MIMEPart) -> Bool {
        guard p.isText, let name = p.filename else { return false }
        return p.contentType == "text/x-patch" || p.contentType == "text/x-diff" || name.hasSuffix(".patch") || name.hasSuffix(".diff")
    }

    /// Everything but `m`, from the body's lines as `text(of:)` gives them, and the attached text.
    init(_ message: Message, lines: BodyLines) {
        var terms = lines.terms
        if let attached = SearchDocument.attachedText(of: message) { terms.append(BodyLines(attached).terms) }
        s = message.subject
        f = SearchDocument.addresses(message.from)
        t = SearchDocument.addresses(message.to)
        c = SearchDocument.addresses(message.cc)
        l = message.headers.values("List-Id").joined(separator: " ")
        n = message.parts.compactMap(\.filename).joined(separator: " ")
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

    /// A stored message's ids as the `m` column lists them: its own first, then its other
    /// Message-IDs in the order they appear (a delete from a contentless full-text table repeats
    /// what was inserted: every writer takes the list from here).
    static func ids(primary: String, of message: Message) -> [String] {
        [primary] + message.messageIDs.filter { $0 != primary }
    }

    static func addresses(_ list: [Address]) -> String {
        list.map { $0.name.isEmpty ? $0.email : "\($0.name) \($0.email)" }.joined(separator: " ")
    }

    var values: [String] { [m, s, f, t, c, l, nq, q, n, dfn, dfa, dfb, dfctx, dfhh, dfpre, dfpost] }
    static let columns = "m, s, f, t, c, l, nq, q, n, dfn, dfa, dfb, dfctx, dfhh, dfpre, dfpost"
    /// The full-text tables every document goes into: stemmed, and as written (`Schema`).
    static let tables = ["fts", "fts_exact"]
}
