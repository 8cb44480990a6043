import Testing

@testable import Protocols

/// A message of thousands of nested multiparts: its structure stops at `MIMEStructure.maxDepth`
/// levels, so BODYSTRUCTURE and sections answer without recursing once per level.
@Suite struct MIMEDepthTests {
    static func nested(_ levels: Int) -> [UInt8] {
        var s = "From: a@example.org\r\nSubject: deep\r\nMessage-ID: <deep@example.org>\r\n"
        for i in 0..<levels { s += "Content-Type: multipart/mixed; boundary=\"b\(i)\"\r\n\r\n--b\(i)\r\n" }
        s += "Content-Type: text/plain\r\n\r\nthe leaf\r\n"
        for i in (0..<levels).reversed() { s += "--b\(i)--\r\n" }
        return Array(s.utf8)
    }

    @Test func thousandsOfNestedMultipartsStopAtTheCap() {
        let m = MIMEStructure(Self.nested(5000))
        var depth = 0
        var node = m
        while let child = node.children.first {
            node = child
            depth += 1
        }
        #expect(depth == MIMEStructure.maxDepth)
        let rendered = BodyStructure.render(m, extensible: true)
        #expect(rendered.hasPrefix(String(repeating: "(", count: MIMEStructure.maxDepth)))
        // sections down to the deepest part kept; one of 4,000 levels names nothing
        #expect(m.part(Array(repeating: 1, count: MIMEStructure.maxDepth)) != nil)
        #expect(m.part(Array(repeating: 1, count: 4000)) == nil)
        #expect(m.part([1, 1]).map { $0.body } == m.children[0].children[0].body)
    }
}
