import Foundation
@testable import Index
import Mail
import TestSupport
import Testing

@Suite struct PrefixTests {
    typealias F = SearchFixture

    @Test func subjectFromAndMessageIDOfEveryFixture() throws {
        for e in Fixtures.manifest where !e.features.contains("dup-message-id") {
            if let w = F.longestWord(e.subject) {
                #expect(try F.hits("s:\(w)").contains(e.messageID), "s:\(w) \(e.file)")
                #expect(try F.hits("bs:\(w)").contains(e.messageID), "bs:\(w) \(e.file)")
                #expect(try F.hits(w).contains(e.messageID), "\(w) \(e.file)")
            }
            #expect(try F.hits("f:\"\(e.fromAddress)\"").contains(e.messageID), "f: \(e.file)")
            #expect(try F.hits("a:\"\(e.fromAddress)\"").contains(e.messageID), "a: \(e.file)")
            #expect(try F.hits("m:\(e.messageID)") == [e.messageID], "m: \(e.file)")
            #expect(try F.hits("m:<\(e.messageID)>") == [e.messageID], "m:<> \(e.file)")
        }
    }

    @Test func messageIDIsExactOrAPrefixWithStar() throws {
        let mid = F.mid("058")  // 20200428151725.31091-13-joro@8bytes.org
        #expect(try F.hits("m:20200428151725.31091-13").isEmpty)
        #expect(try F.hits("m:20200428151725.31091-1*") == [F.mid("057"), mid])
        #expect(try F.hits("mid:\(mid)") == [mid])
        // bare words also search Message-IDs (tokenised)
        #expect(try F.hits("20200428151725").contains(mid))
    }

    @Test func addressHeaders() throws {
        let m = F.mid("058")  // To: x86@kernel.org, Cc: Juergen Gross <jgross@suse.com>
        #expect(try F.hits("t:x86@kernel.org").contains(m))
        #expect(!(try F.hits("c:x86@kernel.org").contains(m)))
        #expect(try F.hits("c:jgross@suse.com").contains(m))
        #expect(try F.hits("c:\"Juergen Gross\"").contains(m))
        #expect(!(try F.hits("t:jgross@suse.com").contains(m)))
        #expect(try F.hits("tc:jgross@suse.com").contains(m))
        #expect(try F.hits("tc:x86@kernel.org").contains(m))
        #expect(try F.hits("a:x86@kernel.org").contains(m))
        #expect(try F.hits("a:joro@8bytes.org").contains(m))
        #expect(try F.hits("l:virtualization.lists.linux-foundation.org").contains(F.mid("028")))
    }

    @Test func bodyQuotesAndAttachments() throws {
        let m = F.mid("030")  // quotes "modernize", writes "code removal"
        #expect(try F.hits("q:modernize").contains(m))
        #expect(try F.hits("b:modernize").contains(m))
        #expect(!(try F.hits("nq:modernize").contains(m)))
        #expect(try F.hits("nq:\"code removal\"").contains(m))
        #expect(!(try F.hits("q:\"code removal\"").contains(m)))
        #expect(!(try F.hits("s:modernize").contains(m)))
        #expect(try F.hits("n:0001-drm-qxl-don-t-allocate-a-dma_address-array.patch") == [F.mid("012")])
        #expect(try F.hits("n:pkt_len_test.py") == [F.mid("016")])
        #expect(try F.hits("n:\"pkt_len_test.py\"") == [F.mid("016")])
    }

    @Test func diffPrefixes() throws {
        let m = F.mid("028")
        #expect(try F.hits("dfn:drivers/gpu/drm/qxl/Kconfig").contains(m))
        #expect(try F.hits("dfb:DRM_TTM_HELPER").contains(m))
        #expect(!(try F.hits("dfa:DRM_TTM_HELPER").contains(m)))
        #expect(try F.hits("dfctx:\"depends on DRM\"").contains(m))
        #expect(try F.hits("dfhh:DRM_QXL").contains(m))
        #expect(try F.hits("dfpre:d0d691b") == [m])
        #expect(try F.hits("dfpost:ca3f51c") == [m])
        #expect(try F.hits("dfblob:ca3f51c") == [m])
        #expect(try F.hits("dfpre:ca3f51c").isEmpty)
        #expect(try F.hits("dfpre:d0d691").isEmpty)  // under 7 hex digits: no match, as public-inbox
        #expect(try F.hits("nq:DRM_TTM_HELPER").contains(m))
        #expect(!(try F.hits("q:DRM_TTM_HELPER").contains(m)))
        // removed, added, context lines and hunk headers of real patches, each by a word of its own
        for file in ["050", "051", "055", "058"] {
            let body = BodyLines(F.message(file).parts.compactMap(\.text).joined(separator: "\n")).terms
            for (prefix, lines) in [("dfa", body.removed), ("dfb", body.added), ("dfctx", body.context), ("dfhh", body.hunkHeaders)] {
                guard let word = lines.compactMap({ F.longestWord($0) }).first else { continue }
                #expect(try F.hits("\(prefix):\(word)").contains(F.mid(file)), "\(file) \(prefix):\(word)")
            }
        }
        let removed = ["050", "051", "055"].flatMap {
            BodyLines(F.message($0).parts.compactMap(\.text).joined(separator: "\n")).terms.removed
        }
        #expect(removed.contains { F.longestWord($0) != nil })
    }
}

@Suite struct LanguageTests {
    typealias F = SearchFixture

    @Test func booleansPhrasesWildcardsStemming() throws {
        let qxl = try F.hits("s:qxl")
        let a = F.mid("028")
        #expect(qxl.contains(a) && qxl.count > 1)
        #expect(try F.hits("s:qxl s:randbuild") == [a])
        #expect(try F.hits("s:qxl AND s:randbuild") == [a])
        #expect(try F.hits("s:qxl +s:randbuild") == [a])
        #expect(try F.hits("s:qxl -s:randbuild") == qxl.subtracting([a]))
        #expect(try F.hits("s:qxl NOT s:randbuild") == qxl.subtracting([a]))
        #expect(try F.hits("s:qxl AND NOT s:randbuild") == qxl.subtracting([a]))
        #expect(try F.hits("s:randbuild OR s:SEV-ES") == Set([a]).union(try F.hits("s:SEV-ES")))
        #expect(try F.hits("(s:randbuild OR s:SEV-ES) f:joro@8bytes.org") == (try F.hits("s:SEV-ES f:joro@8bytes.org")))
        #expect(try F.hits("s:(randbuild error)") == [a])
        #expect(try F.hits("s:\"Fix randbuild error\"") == [a])
        #expect(try F.hits("s:\u{201C}fix randbuild\u{201D}") == [a])
        #expect(try F.hits("s:\"error randbuild\"").isEmpty)
        #expect(try F.hits("s:randbui*") == [a])
        #expect(try F.hits("s:RANDBUILD") == [a])
        #expect(try F.hits("s:fixing s:randbuild") == [a])  // stemmed: fixing ~ fix
        #expect(try F.hits("s:errors s:randbuild") == [a])
        #expect(try F.hits("randbuild") == [a])
        #expect(try F.hits("randbuild OR zzzznotaword") == [a])
        #expect(try F.hits("zzzznotaword").isEmpty)
        // an unknown prefix is a plain phrase (public-inbox): x86/boot/compressed/64: in a subject
        #expect(try F.hits("compressed/64:Switch").contains(F.mid("058")))
        #expect(try F.hits("foo:randbuild").isEmpty)
    }

    @Test func datesOnTheDateHeader() throws {
        // 028: Date: Tue, 8 Oct 2019 10:40:54 +0800 = 2019-10-08 02:40:54 UTC
        let a = F.mid("028")
        #expect(try F.hits("d:20191008").contains(a))
        #expect(try F.hits("d:2019-10-08").contains(a))
        #expect(try F.hits("d:20191007").contains(a))  // public-inbox: d:D is D..D+1 inclusive
        #expect(!(try F.hits("d:20191009").contains(a)))
        #expect(!(try F.hits("d:2019-10-01..2019-10-07").contains(a)))
        #expect(try F.hits("d:2019-10-01..2019-10-08").contains(a))
        #expect(try F.hits("d:20191008..").contains(a))
        #expect(!(try F.hits("d:20191009..").contains(a)))
        #expect(try F.hits("d:..20191008").contains(a))
        #expect(!(try F.hits("d:..20191007").contains(a)))
        #expect(try F.hits("dt:20191008024054..20191008024054") == [a])
        #expect(try F.hits("dt:20191008024054").contains(a))
        #expect(!(try F.hits("dt:20191008024055..").contains(a)))
        #expect(try F.hits("s:qxl d:20191008..20191008") == [a])
        #expect(try F.hits("(s:qxl d:20191008..20191008)") == [a])
        // approxidate relative to a fixed now, three days after
        let now = DateRange.civil(2019, 10, 11, 2, 40, 54)!
        #expect(try F.hits("s:randbuild d:4.days.ago..", now: now) == [a])
        #expect(try F.hits("s:randbuild d:2.days.ago..", now: now).isEmpty)
        #expect(try F.hits("s:randbuild d:last.week..", now: now) == [a])
        #expect(try F.hits("s:randbuild d:..yesterday", now: now) == [a])
        // every date lies in a whole-corpus range; none before 2019 in this corpus
        let all = try F.index.search(SearchQuery.parse("d:19700101..", now: now), limit: 1).total
        #expect(all == (try F.index.stats().messages))
        #expect(try F.hits("d:..2018-12-31").isEmpty)
    }

    @Test func receivedTime() throws {
        let row = try #require(try F.index.messages(mid: F.mid("028")).first)
        #expect(try F.hits("rt:\(row.ts)..\(row.ts)") == [row.mid])
        #expect(try F.hits("rt:\(row.ts)").contains(row.mid))
        #expect(!(try F.hits("rt:\(row.ts + 1)..").contains(row.mid)))
        #expect(try F.hits("s:randbuild rt:..\(row.ts)") == [row.mid])
    }

    @Test func ordersThreadsAndArticles() throws {
        let q = try SearchQuery.parse("s:virtio-balloon OR s:virtio-pci", now: F.now)
        let r = try F.index.search(q, limit: 100)
        #expect(r.total == r.rows.count && r.total >= 5)
        #expect(r.rows.map(\.ts) == r.rows.map(\.ts).sorted(by: >))
        let page = try F.index.search(q, offset: 1, limit: 2)
        #expect(page.total == r.total && page.rows == Array(r.rows[1...2]))
        let threads = try F.index.search(q, limit: 100, collapseThreads: true)
        #expect(threads.total == Set(r.rows.map(\.tid)).count && threads.rows.count == threads.total)
        let rel = try F.index.search(q, limit: 100, order: .relevance)
        #expect(Set(rel.rows.map(\.num)) == Set(r.rows.map(\.num)))
        let nums = try F.index.searchArticles(q)
        #expect(nums == r.rows.map(\.num).sorted(by: >))
        let expanded = try F.index.searchArticles(try SearchQuery.parse("s:randbuild OR s:\"MSI-X\"", now: F.now), expandThreads: true)
        let tids = Set(try expanded.map { try #require(try F.index.message(num: $0)).tid })
        #expect(Set(try tids.flatMap { try F.index.thread(tid: $0).map(\.num) }) == Set(expanded))
        let tid = r.rows[0].tid
        #expect(try F.index.search(q, limit: 100, thread: tid).rows.allSatisfy { $0.tid == tid })
    }

    /// Small pages of many hits walk the received-time index; one big page sorts the hits.
    /// Both give the same order and counts.
    @Test func walkedPagesEqualTheSortedList() throws {
        let messages = try #require(try F.index.scalar("SELECT max(num) FROM over"))
        for text in ["virtio", "s:PATCH", "s:PATCH AND d:2019-01-01..2020-12-31", "virtio OR vhost"] {
            let q = try SearchQuery.parse(text, now: F.now)
            let all = try F.index.search(q, limit: 10_000)
            #expect(!ArchiveIndex.walkReceivedIndex(want: 10_000, hits: all.total, messages: messages), "\(text)")
            #expect(ArchiveIndex.walkReceivedIndex(want: 3, hits: all.total, messages: messages), "\(text)")
            var paged: [Int64] = []
            while paged.count < all.total {
                let page = try F.index.search(q, offset: paged.count, limit: 3)
                #expect(page.total == all.total, "\(text)")
                if page.rows.isEmpty { break }
                paged += page.rows.map(\.num)
            }
            #expect(paged == all.rows.map(\.num), "\(text)")
        }
    }
}

@Suite struct ParseTests {
    func error(_ q: String) -> String? {
        do {
            _ = try SearchQuery.parse(q, now: SearchFixture.now)
            return nil
        } catch let e as SearchQuery.ParseError {
            return e.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func malformedQueriesSayWhy() {
        for (q, part) in [
            ("(foo", "not closed"), ("foo)", "')'"), ("\"foo", "quote"), ("s:\"foo", "quote"), ("", "no words"),
            ("   ", "no words"), ("NOT foo", "NOT"), ("-foo", "exclude"), ("foo NOT", "NOT needs"), ("foo OR", "OR needs"),
            ("OR foo", "OR"), ("AND", "AND"), ("s:", "s:"), ("d:foo", "not a date"), ("d:20201399", "not a valid day"),
            ("d:2020-02-30", "not a valid day"), ("dt:20201301000000", "not a valid time"), ("d:..", "empty range"),
            ("()", "empty parentheses"), ("d:(2020)", "')'"), ("***", "no words"), ("v*", "at least 3"), ("s:ab*", "at least 3"),
            ("foo -(bar", "not closed"),
            (String(repeating: "(", count: 100) + "a" + String(repeating: ")", count: 100), "nested"),
        ] {
            let e = error(q)
            #expect(e?.contains(part) == true, "\(q): \(e ?? "parsed")")
        }
    }

    @Test func structure() throws {
        let q = try SearchQuery.parse("a b OR c -d", now: 0)
        #expect(
            q.root
                == .or([
                    .and(
                        [
                            .text(columns: SearchQueryColumns.all, text: "a", wildcard: false),
                            .text(columns: SearchQueryColumns.all, text: "b", wildcard: false),
                        ], excluding: []),
                    .and(
                        [.text(columns: SearchQueryColumns.all, text: "c", wildcard: false)],
                        excluding: [.text(columns: SearchQueryColumns.all, text: "d", wildcard: false)]),
                ]))
        #expect(try SearchQuery.parse("s:\"a b\" foo*", now: 0).highlightTerms == ["a b", "foo"])
        #expect(try SearchQuery.parse("and or not", now: 0).highlightTerms == ["and", "or", "not"])
    }

    @Test func hostileQueriesNeverFail() throws {
        let hostile = [
            "\"", "\"\"", "\"\"\"", "s:\"\" foo", "*", "**", "foo*bar", "NEAR(foo bar)", "foo NEAR bar", "\"foo\" NEAR/2 \"bar\"",
            "s:foo:bar", "{s nq}:foo", "s:{m}", "nq:s:foo", "^foo", "foo^", "col:foo", "rowid:1", "fts:foo", "m:'; DROP TABLE over; --",
            "'; DROP TABLE over; --", "foo\" OR 1=1 --", "s:foo\"bar", "\\\"", "a\u{0}b", "%", "_", "m:%", "m:*", "m:a%*",
            "patchid:' OR 1=1", "dfpre:'--", "d:1.2.3.4.5", "d:99999999999999999999..", "rt:99999999999999999999", "dt:1..2",
            "s:(a OR (b -c))", "-(-a) b", "+", "-", "+ -", "a - b", "a + b", "(\"a)\" b)", "s:(\"a\")", "日本語", "s:答复",
            "\u{201C}unbalanced", "x AND (y OR", "AND OR NOT", "f:<a@b>", "NOT NOT a", "a NOT NOT b", "a:*", "d:now..now",
            "MATCH", "s:MATCH fts", "(((a)))", "b:\"a \"\" b\"", "rank:1", "s:\"foo\"*", "foo* bar*", "d:last.week..yesterday",
        ]
        for q in hostile {
            do {
                let parsed = try SearchQuery.parse(q, now: SearchFixture.now)
                _ = try SearchFixture.index.search(parsed)
                _ = try SearchFixture.index.search(parsed, order: .relevance, collapseThreads: true)
                _ = try SearchFixture.index.searchArticles(parsed, expandThreads: true)
            } catch is SearchQuery.ParseError {
            } catch {
                Issue.record("\(q): \(error)")
            }
        }
        // the tables are still there
        #expect(try SearchFixture.index.stats().messages > 0)
    }
}

enum SearchQueryColumns {
    static let all = ["m", "s", "f", "q", "n", "nq", "dfn", "dfa", "dfb", "dfhh", "dfctx", "dfpre", "dfpost"]
}
