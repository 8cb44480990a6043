// The message parser: headers, Message-IDs, addresses, dates, the MIME tree (GMime), charsets,
// and the GMime-free body reader used for search snippets, which must agree with it.
import FuzzSupport
@testable import Mail

runFuzzer { raw in
    let m = Message.parse(raw)
    let (headerEnd, bodyStart) = headerBoundary(raw)
    check(headerEnd <= bodyStart && bodyStart <= raw.count && m.bodyOffset == bodyStart, "header boundary \(headerEnd) \(bodyStart)")
    for id in m.messageIDs {
        check(!id.isEmpty && id.utf8.count <= MessageID.maxLength, "Message-ID length \(id.utf8.count)")
        check(!id.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }), "Message-ID with a line break: \(show(id))")
        check(MessageID.urlUnescape(MessageID.urlEscape(id)) == id, "Message-ID does not survive its URL form: \(show(id))")
    }
    check(Set(m.messageIDs).count == m.messageIDs.count, "repeated Message-IDs")
    for r in m.references {
        check(!m.messageIDs.contains(r), "a message refers to itself: \(show(r))")
        check(!r.isEmpty && r.utf8.count <= MessageID.maxLength, "reference length \(r.utf8.count)")
    }
    if let d = m.date {
        let c = UTCCalendar.components(d.seconds)
        let back = UTCCalendar.seconds(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second)
        check(back == d.seconds, "date \(d.seconds) comes back as \(back)")
        _ = d.gitRaw
        _ = d.rfc5322UTC
    }
    for p in m.parts {
        check(!p.index.isEmpty, "a part without a number")
        check(!p.isText || p.text != nil, "text part \(p.index) without text")
    }
    // search snippets read common shapes without GMime: the text must be the page's
    let quick = Message.bodyText(of: raw)
    check(quick == m.bodyText, "bodyText(of:) \(show(quick)) but parse().bodyText \(show(m.bodyText))")
    _ = ContentHash.digest(m)
    _ = m.mayBeMangled
}
