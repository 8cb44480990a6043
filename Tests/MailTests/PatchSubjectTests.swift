import Mail
import TestSupport
import Testing

/// Subjects read as b4's `LoreSubject` reads them, and trailers as b4 finds them in follow-ups.
@Suite struct PatchSubjectTests {
    @Test(arguments: [
        ("[PATCH v3 12/75] x86/boot: Switch", false, 3, 12, 75, "PATCH", "x86/boot: Switch"),
        ("[PATCH 0/2] virtio-blk: improve", false, 1, 0, 2, "PATCH", "virtio-blk: improve"),
        ("[PATCHv2 1/3] foo", false, 2, 1, 3, "PATCH", "foo"),
        ("[PATCH net-next v5 0/5] vsock/virtio: opt", false, 5, 0, 5, "PATCH net-next", "vsock/virtio: opt"),
        ("[RFC PATCH v6 76/92] kvm: x", false, 6, 76, 92, "RFC PATCH", "kvm: x"),
        ("[PATCH RESEND v2] virtio-input: add", false, 2, 1, 1, "PATCH RESEND", "virtio-input: add"),
        ("[PATCH v3 RESEND] virtio-input: add", false, 3, 1, 1, "PATCH RESEND", "virtio-input: add"),
        ("Re: [PATCH V11 0/6] mdev based", true, 11, 0, 6, "PATCH", "mdev based"),
        ("RE: [PATCH v2 1/2] x", true, 2, 1, 2, "PATCH", "x"),
        ("[PATCH] [net] [v2] foo:  bar", false, 2, 1, 1, "PATCH net", "foo: bar"),
        ("[PATCH [net] 1/2] foo", false, 1, 1, 2, "PATCH net", "foo"),
        ("plain subject", false, 1, 1, 1, "", "plain subject"),
    ])
    func subjects(_ c: (String, Bool, Int, Int, Int, String, String)) {
        let s = PatchSubject(c.0)
        #expect(s.reply == c.1)
        #expect(s.version == c.2)
        #expect(s.counter == c.3)
        #expect(s.total == c.4)
        #expect(s.label == c.5)
        #expect(s.title == c.6)
    }

    @Test func flags() {
        #expect(PatchSubject("[PATCH RESEND v2] x").resend)
        #expect(PatchSubject("[RFC PATCH] x").rfc)
        #expect(PatchSubject("[PATCH rfc 0/3] x").rfc)
        #expect(PatchSubject("[PATCH] x").versionInferred && PatchSubject("[PATCH] x").countersInferred)
        #expect(!PatchSubject("[PATCH v2 1/2] x").versionInferred)
    }

    func trailers(_ fixture: String) -> [String] {
        let m = Message.parse(Fixtures.bytes(Fixtures.series(fixture)))
        return Trailers.inReply(BodyLines(m.bodyText).lines).map(\.line)
    }

    @Test func trailersOfRealReplies() {
        #expect(trailers("04") == ["Reviewed-by: Stefan Hajnoczi <stefanha@redhat.com>"])
        #expect(trailers("05") == ["Reviewed-by: Ming Lei <ming.lei@redhat.com>"])
        #expect(trailers("13") == ["Acked-by: Halil Pasic <pasic@linux.ibm.com>"])
        #expect(trailers("06") == [])
        // offered on a condition ("With the wording fixed,"): not given
        #expect(trailers("09") == [])
        #expect(trailers("10") == [])
    }

    @Test func trailersAreNotTakenFromQuotesSignaturesOrPastedHeaders() {
        let body = [
            "> Reviewed-by: Quoted Person <q@example.org>",
            "Looks good.",
            "",
            "Cc: someone@example.org",
            "Reviewed-by: Real Person <real@example.org>",
            "Tested-by: Real Person",
            "<real@example.org>",
            "Fixes: 0123abcd (\"subject\")",
            "Fixes: not-a-commit",
            "Link: https://lore.kernel.org/r/x@y",
            "Suggested-by: https://example.org",
            "Acked-by: Real Person <real@example.org> # for the net part",
            "Acked-by: Chia-I Wu <olvaffe@gmail.com> (because I am not familiar",
            "-- ",
            "Signed-off-by: In Signature <sig@example.org>",
        ].joined(separator: "\n")
        #expect(
            Trailers.inReply(BodyLines(body).lines).map(\.line) == [
                "Reviewed-by: Real Person <real@example.org>",
                "Tested-by: Real Person <real@example.org>",
                "Fixes: 0123abcd (\"subject\")",
                "Link: https://lore.kernel.org/r/x@y",
                "Acked-by: Real Person <real@example.org>",
                "Acked-by: Chia-I Wu <olvaffe@gmail.com>",
            ])
    }

    @Test(arguments: [
        "If you fix the typo, feel free to add", "With that fixed:", "Once the comment is addressed,", "With those nits fixed",
    ])
    func conditionalOffers(_ offer: String) {
        let body = "Some remark.\n\n\(offer)\n\nReviewed-by: R <r@example.org>\n"
        #expect(Trailers.inReply(BodyLines(body).lines).isEmpty)
        let plain = "Looks good to me.\n\nReviewed-by: R <r@example.org>\n"
        #expect(Trailers.inReply(BodyLines(plain).lines).count == 1)
    }

    @Test func trailersGivenForSomeoneElseDoNotCount() {
        let t = Trailer(name: "Reviewed-by", value: "Ann <ann@example.org>")
        #expect(t.given(by: Address(name: "Ann", email: "ann@example.org")))
        #expect(t.given(by: Address(name: "Ann", email: "ann+lists@example.org")))
        #expect(t.given(by: Address(name: "Ann", email: "ann@mail.example.org")))
        #expect(t.given(by: Address(name: "Ann", email: "other@elsewhere.org")))  // same name
        #expect(!t.given(by: Address(name: "Bob", email: "bob@example.org")))
        #expect(Trailer(name: "Fixes", value: "0123abcd (\"x\")").given(by: Address(name: "Bob", email: "bob@example.org")))
    }
}
