import Foundation
import Mail
import TestSupport
import Testing

@testable import Index

/// What scripts/fuzz.sh found in ingest.
@Suite struct IndexFuzzFindingsTests {
    /// LeakSanitizer, at the end of `fuzz.sh query` (which imports the fixtures): the parser
    /// threads' slots were freed without releasing what they held, so every message of a
    /// batch of two or more — its bytes, parse and search columns — stayed in memory for
    /// the life of the process. The caller now holds the only reference to what it gets.
    @Test func preparedMessagesAreOwnedByTheCallerAlone() throws {
        let inputs = Fixtures.corpusFiles.prefix(4).map { RawInput(bytes: Fixtures.corpus($0), receivedAt: nil, origin: $0) }
        var prepared: [PreparedMessage] = []
        do {
            let items = Pipeline.prepare(inputs, stripHeaders: true)
            #expect(items.count == inputs.count)
            for item in items {
                guard case .prepared(let p) = item else { continue }
                prepared.append(p)
            }
        }
        #expect(prepared.count == inputs.count)
        for i in prepared.indices {
            // a mutation copies a buffer only when someone else still refers to it
            let before = prepared[i].contentHash.withUnsafeBufferPointer { $0.baseAddress }
            let after = prepared[i].contentHash.withUnsafeMutableBufferPointer { UnsafePointer($0.baseAddress) }
            #expect(before == after, "\(prepared[i].origin): its bytes are still held elsewhere")
        }
    }
}
