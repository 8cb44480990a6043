import Foundation
import Testing

/// Real terminal newsreaders and mail readers, driven in tmux (installed by scripts/setup.sh).
@Suite(.serialized) struct TerminalClientTests {
    let fx = ProtocolFixture.shared

    /// tin over NNTP: opens the group, lists its threads, finds a cover letter by subject and
    /// shows its text.
    @Test func tinReadsTheGroupOverNNTP() throws {
        let home = try tempDir("tin")
        let t = try Tmux(
            "tin -r -q -g 127.0.0.1 -p \(fx.nntpPort) test",
            env: ["HOME": home, "LANG": "C.UTF-8", "TERM": "xterm", "TIN_HOMEDIR": home])
        if t.wait(for: "Press <RETURN> to continue", seconds: 15).found { t.keys("Enter") }
        let index = t.wait(for: "memory leak in vhost_net_ioctl")
        #expect(index.found, "group index: \(index.screen)")
        #expect(index.screen.contains("test ("), "\(index.screen)")
        t.keys("/")
        t.keys("shared memory regions", literal: true)
        t.keys("Enter")
        Thread.sleep(forTimeInterval: 0.5)
        t.keys("Enter")
        let article = t.wait(for: "Add the virtio shared memory region definitions")
        #expect(article.found, "article: \(article.screen)")
        #expect(article.screen.contains("Newsgroups: test"))
        t.keys("q")
    }
}
