import Index
import Store

/// `_/text/help/`, `_/text/mirror/`, `_/text/config/` (and `…/raw`): help on the archive and
/// its URLs, how to mirror it, and a config snippet for mirrors in git-config format.
enum TextPages {
    static func text(scope: Scope, key: String, host: String?) -> String? {
        let base = scope.baseURL(host: host)
        let name = scope.name
        switch key {
        case "help":
            return """
                help for \(scope.title)

                This archive keeps mail as sent: every message, its thread and its
                attachments, at stable URLs.

                URLs
                ----

                  \(base)                  topics, newest activity first (?t= pages)
                  \(base)MID/              a message; MID is its Message-ID without <>,
                                           %-escaped (%40 for @ is accepted too)
                  \(base)MID/raw           the message as mboxrd text
                  \(base)MID/T/            the whole thread, flat (by date)
                  \(base)MID/t/            the whole thread, nested
                  \(base)MID/t.mbox.gz     the thread as a gzipped mbox (for b4, git am)
                  \(base)MID/t.atom        Atom feed of the thread
                  \(base)MID/series/       the patch series MID belongs to (a cover
                                           letter, a patch, or a reply: the series
                                           of the message it answers): every
                                           version, each patch with the trailers
                                           collected from replies, what never
                                           arrived, the diffstat
                  \(base)MID/series.mbox   that version's patches for git am, collected
                                           trailers applied (as `b4 am` writes them)
                  \(base)MID/series/compare/  that version against the one before:
                                           each patch's diff compared with the diff
                                           of the patch it continues
                  \(base)MID/series.json   the series page as JSON (below)
                  \(base)_/series/         recent patch series, newest first (?t= pages)
                  \(base)_/series/new.atom Atom feed of recent patch series
                  \(base)_/series.json     recent patch series as JSON (below)
                  \(base)new.atom          Atom feed of the newest messages
                  \(base)new.html          the newest messages
                  \(base)all.mbox.gz       every message, as one gzipped mbox
                  \(base)MID/crash.json    the kernel crash reports found in MID (JSON)
                  \(base)_/crashes/        kernel crashes reported here, one row per
                                           signature, last reported first (?t= pages)
                  \(base)_/crashes/new.atom  Atom feed of that list
                  \(base)_/crashes.json    that list as JSON (?t= pages)
                  \(base)_/text/mirror/    how to mirror this archive
                  \(base)_/text/config/raw config snippet for mirrors

                Message pages list every copy of a Message-ID (with a diff when they
                differ), a thread overview and reply instructions (git send-email
                and mailto:). Quoted text, diffs and links are marked up; nothing on
                these pages runs scripts.

                patch series as JSON
                --------------------

                For programs (CI bots, dashboards). Keys are snake_case; dates are
                ISO 8601 UTC; URLs are absolute; a key without a value is left out.
                A Message-ID outside series threads (not a cover letter, patch or
                reply of a series) answers 404 with {"error": "..."}.

                  MID/series.json:
                    title, from {name, email}, change_id (b4's),
                    current: index in versions of the version holding MID,
                    versions: oldest first, each with
                      version, name ("v2", "RFC v2", "v3 RESEND"), tag ("[PATCH v2]"),
                      label, rfc, resend, title, from, message_id (of its cover
                      letter, else first patch), date (of that message), arrived
                      (when the archive got it), total (M of n/M), received
                      (patches that arrived), has_cover, missing ([n, ...] never
                      arrived), complete, trailer_counts {"Reviewed-by": 2, ...},
                      change_id, url (its place on the series page), json, mbox,
                      cover and patches, each with
                        counter (0: cover letter), subject, title, message_id, url,
                        date, from, patch_ids (git patch-id --stable),
                        diffstat {files [{path, added, removed}], added, removed},
                        trailers [{name, value, message_id, url, from_cover}]
                          (from_cover: given to the cover letter, so to every patch,
                          also when the cover letter never arrived),
                      diffstat (of all patches),
                      compared_with_previous (not in the first version):
                        previous (its name), url (the compare page),
                        patches [{counter, previous_counter, change}] with change
                          "unchanged" (same patch-id), "changed" or "new",
                        dropped [n, ...] (patches of the previous version that no
                          patch continues; paired by patch-id, then title, then
                          position, as git range-diff pairs them)

                  _/series.json (?t= as _/series/):
                    series: the versions _/series/ lists, newest first, as in
                      MID/series.json without cover, patches, diffstat and
                      compared_with_previous;
                    next: the next (older) page, when there may be one

                crash reports
                -------------

                Kernel crash reports in message bodies are recognised when the
                message is indexed, in the message's own text and in quoted text,
                with lines a mail client wrapped joined again: BUG: and kernel BUG
                at, Oops, WARNING: ... at, general protection fault, KASAN:,
                UBSAN:, lockdep splats (possible circular locking dependency,
                possible recursive locking ...), INFO: task ... blocked, rcu: INFO:
                ... stall, Kernel panic, and syzbot's reports. Each report gets a
                signature: its kind, where it happened (file:line, else the
                faulting function) and the top three meaningful frames of the call
                trace, leaving out addresses, offsets, timestamps, '?' frames,
                CPU/PID/Comm, taint, hardware and module lists. Reports of the
                same crash share a signature; a message page shows a box with the
                crash and the other messages reporting it.

                JSON (UTF-8, keys sorted, times ISO 8601 UTC, null when not known):

                  MID/crash.json    {"message": {message_id, subject, from, date,
                                    url}, "reports": [REPORT + {"other_messages":
                                    N, "others": [message, ...]}]}
                  _/crashes.json    {"crashes": [REPORT + {"messages": N,
                                    "threads": N, "first_seen", "last_seen",
                                    "sample": message, "answers": [message, ...]}],
                                    "next": URL of the next (older) page or null}

                  REPORT is {"signature": 12 hex digits (for crash:), "kind":
                  "kernel BUG", "WARNING", "KASAN: use-after-free" ..., "title":
                  the headline as printed, "location": "drivers/net/virtio_net.c:1667"
                  or null, "function": the faulting function or null, "frames":
                  [top frames, innermost first], "kernel_version", "quoted": found
                  in quoted text, "syzbot": syzbot's bug id or null}. "answers"
                  are messages with a diff that answered the crash: a reply with a
                  diff in a thread reporting it, a patch whose commit message carries
                  the same report, or one whose Reported-by: syzbot+ID or Link: /
                  Closes: points at a report.

                search
                ------

                  \(base)?q=QUERY          search; newest first. Also: o=OFFSET, l=LIMIT
                                           (at most 200), r (relevance order), t (one
                                           result per thread), x=A (Atom feed)
                  POST \(base)?q=QUERY&x=m the results as a gzipped mboxrd; with t=1 (or
                                           a body of x=1) every hit's whole thread
                  POST \(base)MID/?q=QUERY&x=m  search within the thread of MID

                The query language is public-inbox's (Xapian-like). Bare words and
                "quoted phrases" match the Message-ID, subject, sender, body, attachment
                names and diffs; matching ignores case and stems English words. Combine
                with AND, OR, NOT, +word, -word and parentheses; word* matches a prefix.

                Prefixes:

                  s:       subject                   f:       From
                  t:       To                        c:       Cc
                  tc:      To and Cc                 a:       To, Cc and From
                  l:       List-Id                   m:       Message-ID
                  b:       body, quotes included     nq:      body without quoted text
                  q:       quoted text               bs:      subject and body
                  n:       attachment file name      dfn:     file name in a diff
                  dfa:     removed lines of a diff   dfb:     added lines of a diff
                  dfhh:    diff hunk header          dfctx:   diff context lines
                  dfpre:   blob id before (7+ hex)   dfpost:  blob id after (7+ hex)
                  dfblob:  either blob id            patchid: git patch-id --stable
                  crash:   kernel crash reports: a signature (crash:1a2b3c4d5e6f), a
                           faulting function (crash:vhost_net_ioctl), a file or
                           file:line (crash:drivers/net/virtio_net.c), or crash:any
                  d:       date: YYYYMMDD or YYYY-MM-DD, ranges A..B, A.. and ..B, and
                           git approxidate forms such as last.week.. or 2.days.ago..
                  dt:      date and time: YYYYMMDDhhmmss ranges
                  rt:      received time: Unix seconds or approxidate, ranges as d:

                Examples:

                  s:virtio AND d:2020-01-01..2020-02-01
                  f:torvalds "merge window"
                  dfn:Makefile AND dfb:CONFIG_FOO
                  patchid:0123456789abcdef0123456789abcdef01234567

                A malformed query is answered with 400 and what is wrong with it; a
                query without hits with 404 "No results found".

                contact
                -------

                  Mail for this inbox goes to \(scope.primaryAddress).
                """
        case "mirror":
            var s = "public-inbox mirroring instructions\n\nThis public inbox may be cloned and mirrored by anyone:\n\n"
            for ib in scope.inboxes {
                let epochs = ib.repository.epochs()
                let b = scope.isAll ? scope.baseURL(host: host).replacingOccurrences(of: "/all/", with: "/\(ib.name)/") : base
                let (site, name) = (Quoting.shell(String(b.dropLast())), Quoting.shell(ib.name))
                for (i, n) in epochs.enumerated() {
                    var note = ""
                    if epochs.count > 1 { note = i == 0 ? "  # oldest" : (i == epochs.count - 1 ? "  # newest" : "") }
                    s += "  git clone --mirror \(Quoting.shell("\(b)\(n)")) \(Quoting.shell("\(ib.name)/git/\(n).git"))\(note)\n"
                }
                s += """

                      # If you have public-inbox 1.1+ installed, you may
                      # initialize and index your mirror using the following commands:
                      public-inbox-init -V2 \\
                        \(name) \(Quoting.shell("./" + ib.name)) \(site) \\
                        \(Quoting.commandAddresses(ib.config.addresses).joined(separator: " "))
                      public-inbox-index \(Quoting.shell("./" + ib.name))

                      # or in one step with public-inbox 1.9+ (public-inbox-fetch updates it):
                      public-inbox-clone \(site) \(name)
                      public-inbox-index \(name)

                      # or with Tidings (indexed and recorded in the config; tidings fetch updates it):
                      tidings clone \(site) \(name)

                    """
            }
            if let root = base.range(of: "/\(scope.name)/", options: .backwards).map({ String(base[..<$0.lowerBound]) }) {
                s += "\nEvery inbox of this site, for grok-pull (grokmirror) and tidings clone:\n  \(root)/manifest.js.gz\n"
                s += "  tidings clone \(Quoting.shell(root + "/")) DIR\n\n"
            }
            s += "Example config snippet for mirrors: \(base)_/text/config/raw\n"
            s += "Code for this site (Tidings, public-inbox compatible):\n  see the project repository\n"
            return s
        case "config":
            guard !scope.isAll else { return nil }
            let c = scope.inboxes[0].config
            var s = """
                ; Example public-inbox config snippet for a mirror of
                ; \(base)
                ; See public-inbox-config(5) manpage for more details:
                ; https://public-inbox.org/public-inbox-config.html
                [publicinbox "\(Quoting.configSubsection(name))"]
                \tinboxdir = /path/to/top-level-inbox
                \t; note: public-inbox before v1.2.0 used `mainrepo' instead of
                \t; `inboxdir', both remain supported after 1.2
                \tmainrepo = /path/to/top-level-inbox
                \turl = https://example.com/\(name)/
                \turl = http://example.onion/\(name)/

                """
            for a in c.addresses { s += "\taddress = \(Quoting.configValue(a))\n" }
            if let g = c.newsgroup { s += "\tnewsgroup = \(Quoting.configValue(g))\n" }
            return s
        case "color":
            return """
                color

                Pages follow your system's light or dark preference
                (prefers-color-scheme); no setting is needed. Quoted text, diff
                headers, hunks, added and removed lines each have their own colour.
                """
        default:
            return nil
        }
    }

    static func render(scope: Scope, key: String, raw: Bool, host: String?) -> Reply {
        guard let body = text(scope: scope, key: key, host: host) else { return .notFoundPlain("404 Not Found (\(key))\n") }
        if raw {
            var r = Reply.text(body, type: "text/plain")
            if key == "config" {
                r.headers = [(.contentDisposition, "inline; filename=inbox.config")]
                let created = scope.inboxes.compactMap { (try? $0.index.scalar("SELECT min(ts) FROM over")) ?? nil }.min()
                if let created { r.headers.append((.lastModified, URLs.httpDate(created))) }
            }
            return r
        }
        var w = HTMLWriter()
        let up = "../../../"
        Layout.start(&w, title: String(body.prefix { $0 != "\n" }), scope: scope, upfx: up)
        w.raw("<pre>")
        // link the URLs in the text
        for (i, line) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { w.raw("\n") }
            MessageBody(attachmentPrefix: "", midPrefix: "", known: []).line(line, into: &w)
        }
        w.raw("</pre>")
        if key != "config" { w.raw("<p><a href=\"raw\">raw</a></p>") }
        Layout.end(&w, scope: scope, upfx: up)
        return .html(w.bytes)
    }
}
