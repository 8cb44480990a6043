import Testing

@testable import Protocols

/// NNTP wildmats and IMAP LIST patterns: what they match, and that hostile patterns cost
/// linear time (the recursive matchers backtracked exponentially: 56 `%` took 0.74 s, 200
/// `%` or 400 `*` never finished).
@Suite struct PatternTests {
    @Test func wildmatsMatchAsRFC3977Says() {
        let cases: [(String, String, Bool)] = [
            ("*", "anything", true), ("*", "", true), ("comp.*", "comp.lang.c", true), ("comp.*", "comp", false),
            ("a?c", "abc", true), ("a?c", "ac", false), ("*.other", "example.other", true), ("*.other", "other", false),
            ("[abc]x", "bx", true), ("[abc]x", "dx", false), ("[^abc]x", "dx", true), ("[^abc]x", "ax", false),
            ("[a-c]x", "bx", true), ("[a-c]x", "dx", false), ("[]a]x", "]x", true), ("[z-a]x", "zx", false),
            ("a\\*b", "a*b", true), ("a\\*b", "axb", false), ("a\\?", "a?", true), ("[x", "[x", true),
            ("t*,!*.other", "test", true), ("t*,!*.other", "t.other", false), ("!*,test", "test", true), ("!test", "test", false),
            ("*a*b*c*", "xaxbxcx", true), ("*a*b*c*", "xcxbxax", false), ("**", "x", true), ("a**b", "ab", true),
        ]
        for (pattern, name, expected) in cases {
            #expect(Wildmat(pattern).matches(name) == expected, "\(pattern) ~ \(name)")
        }
    }

    @Test func listPatternsMatchAsRFC3501Says() {
        let cases: [(String, String, Bool)] = [
            ("*", "test.0", true), ("%", "test", true), ("%", "test.0", false), ("%.0", "test.0", true),
            ("%.0", "example.other.0", false), ("*.0", "example.other.0", true), ("example.%", "example.other", true),
            ("example.%", "example.other.0", false), ("TEST.*", "test.0", true), ("te%t", "test", true), ("t%x", "test", false),
            ("%.%.%", "example.other.0", true), ("%%%.0", "test.0", true), ("%*", "a.b", true), ("*%", "a.b", true), ("", "", true),
        ]
        for (pattern, name, expected) in cases {
            #expect(Wildcard(pattern).matches(name) == expected, "\(pattern) ~ \(name)")
        }
    }

    /// Patterns that never match after thousands of stars: each answers at once (a generous
    /// bound for a loaded CI machine; before, each ran for minutes).
    @Test(.timeLimit(.minutes(1))) func starsCostLinearTime() {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(!Wildmat(String(repeating: "*", count: 4000) + "a").matches(String(repeating: "b", count: 200)))
            #expect(!Wildmat(String(repeating: "*?", count: 2000) + "a").matches(String(repeating: "b", count: 200)))
            #expect(!Wildcard(String(repeating: "%", count: 8000) + "x").matches(String(repeating: "t", count: 200)))
            #expect(!Wildcard(String(repeating: "%*", count: 4000) + "x").matches(String(repeating: "t.", count: 100)))
            #expect(Wildcard(String(repeating: "%", count: 8000) + "t").matches(String(repeating: "t", count: 200)))
        }
        #expect(elapsed < .seconds(10), "\(elapsed)")
    }
}
