import Foundation
import Protocols
import Testing

/// Real terminal newsreaders and mail readers, driven in tmux (installed by scripts/setup.sh).
@Suite(.serialized) struct TerminalClientTests {
    /// `body` with the shared protocol servers and a new home directory, on the sessions' executor.
    func withClient(_ tag: String, _ body: (ProtocolFixture, String) async throws -> Void) async throws {
        try await withTaskExecutorPreference(SessionExecutor.shared) {
            try await body(try await ProtocolFixture.shared(), try tempDir(tag))
        }
    }

    /// tin over NNTP: opens the group, lists its threads, finds a cover letter by subject and
    /// shows its text.
    @Test func tinReadsTheGroupOverNNTP() async throws {
        try await withClient("tin") { fx, home in
            let t = try Tmux("tin -r -q -g 127.0.0.1 -p \(fx.nntpPort) test", home: home, env: ["TIN_HOMEDIR": home])
            if await t.wait(for: "Press <RETURN> to continue", seconds: 15).found { t.keys("Enter") }
            let index = await t.wait(for: "memory leak in vhost_net_ioctl")
            #expect(index.found, "group index: \(index.screen)")
            #expect(index.screen.contains("test ("), "\(index.screen)")
            try await t.searchAndOpen("shared memory regions")
            let article = await t.wait(for: "Add the virtio shared memory region definitions")
            #expect(article.found, "article: \(article.screen)")
            #expect(article.screen.contains("Newsgroups: test"))
            t.keys("q")
        }
    }
}

extension TerminalClientTests {
    /// neomutt over IMAP: opens the mailbox, lists its threads, finds a cover letter and shows
    /// its text.
    @Test func neomuttReadsTheMailboxOverIMAP() async throws {
        try await withClient("neomutt") { fx, home in
            let rc = """
                set folder="imap://127.0.0.1:\(fx.imapPort)/"
                set spoolfile="+test.0"
                set imap_user="anonymous"
                set imap_pass="anonymous"
                set imap_authenticators="login"
                set header_cache=""
                set message_cachedir=""
                set sort=threads
                set imap_check_subscribed=no
                set ssl_starttls=no
                set ssl_force_tls=no
                set record=""
                ignore *
                unignore from: subject:

                """
            try rc.write(toFile: home + "/muttrc", atomically: true, encoding: .utf8)
            let t = try Tmux("neomutt -n -F \(home)/muttrc", home: home)
            let index = await t.wait(for: "memory leak in vhost_net_ioctl")
            #expect(index.found, "index: \(index.screen)")
            try await t.searchAndOpen("shared memory regions")
            let message = await t.wait(for: "Add the virtio shared memory region definitions")
            #expect(message.found, "message: \(message.screen)")
            #expect(message.screen.contains("Subject: [PATCH 0/4] virtio: Add definitions for shared memory regions"))
            t.keys("q")
            t.keys("q")
        }
    }
}
