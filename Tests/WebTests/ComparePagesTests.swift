import Foundation
import TestSupport
import Testing

/// `scripts/compare-pages.sh` on the corpus: Tidings serves what the real public-inbox-httpd
/// serves, page by page (raw bytes, the messages of thread mboxes, page statuses, search hits
/// but for the known reasons the script names). Runs with the corpus suites (scripts/test.sh):
/// it indexes the corpus with public-inbox-index and serves it with both servers.
@Suite(.serialized) struct ComparePagesTests {
    @Test func tidingsServesWhatPublicInboxServesPageByPage() throws {
        let bundle = try #require(Fixtures.corpusBundle, "the corpus bundle ../shared/corpus/virtualization-2019-2020.bundle is missing")
        let repo = URL(fileURLWithPath: Fixtures.root).deletingLastPathComponent().deletingLastPathComponent().path
        let r = try Command.run(
            ["bash", repo + "/scripts/compare-pages.sh", bundle],
            env: ["TIDINGS": Command.tidings, "MSGS": "600", "THREAD_PAGES": "200"], timeout: 1800)
        #expect(r.status == 0, "\(r.text)\n\(r.stderr.suffix(4000))")
        // it compared as many as it was asked to, and none differ
        for row in [
            "| raw | 600 | 600 | 0 | 0 |", "| threads | 200 | 200 | 0 | 0 |", "| pages | 1,000 | 1,000 | 0 | 0 |",
        ] {
            #expect(r.text.contains(row), "\(row) in \(r.text)")
        }
        let search = try #require(r.text.split(separator: "\n").first { $0.hasPrefix("| search | 330 |") }, "\(r.text)")
        #expect(search.hasSuffix("| 0 |"), "\(search)")
    }
}
