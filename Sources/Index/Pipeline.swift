import Foundation
import Mail
import Store

/// A message parsed (or not) by the pipeline's reading thread.
enum PipelineItem: Sendable {
    case prepared(PreparedMessage)
    case failed(ImportSummary.Rejection)
    /// Not to be stored (larger than the ingest limit, not mail): not parsed, kept aside by the
    /// importer with the reason.
    case refused(RawInput, reason: String)

    static func make(_ input: RawInput, stripHeaders: Bool, maxBytes: Int? = nil) -> PipelineItem {
        if let why = input.unreadable { return .failed(input.rejection(why)) }
        if let maxBytes, input.size > maxBytes {
            return .refused(input, reason: "too large: \(input.size) bytes, over the limit of \(maxBytes) (maxMessageSize)")
        }
        if input.bytes.allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }) {
            return .failed(input.rejection(input.bytes.isEmpty ? "empty blob (purged message)" : "empty message"))
        }
        // new mail only: what an epoch already holds is indexed as public-inbox-index does
        if stripHeaders && !HeaderBlock.startsWithField(input.bytes[...]) {
            return .refused(input, reason: HeaderBlock.notMailReason(input.bytes[...]))
        }
        let now = MailDate(seconds: input.receivedAt ?? Int64(Date().timeIntervalSince1970))
        return .prepared(PreparedMessage(raw: input.bytes, fallbackTime: now, origin: input.origin, stripHeaders: stripHeaders))
    }
}

/// Reads and parses on one thread while the caller stores and indexes on its own: the two
/// halves of an import each keep a core busy.
enum Pipeline {
    static func run(sources: [MessageSource], stripHeaders: Bool, maxBytes: Int?, consume: (PipelineItem) throws -> Void) throws {
        try stream(
            produce: { put in
                var batch: [RawInput] = []
                for s in sources {
                    try s.forEach(keepingAtMost: maxBytes) { input in
                        batch.append(input)
                        if batch.count == batchSize {
                            for item in prepare(batch, stripHeaders: stripHeaders, maxBytes: maxBytes) { put(item) }
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                }
                for item in prepare(batch, stripHeaders: stripHeaders, maxBytes: maxBytes) { put(item) }
            }, consume: { item in try consume(item) })
    }

    /// Parses a batch on every core, keeping its order.
    static let batchSize = 64

    static func prepare(_ batch: [RawInput], stripHeaders: Bool, maxBytes: Int? = nil) -> [PipelineItem] {
        if batch.count < 2 { return batch.map { PipelineItem.make($0, stripHeaders: stripHeaders, maxBytes: maxBytes) } }
        let slots = UnsafeMutableBufferPointer<PipelineItem?>.allocate(capacity: batch.count)
        slots.initialize(repeating: nil)
        // deinitialized, or every parsed message of an import stays in memory (LeakSanitizer
        // in scripts/fuzz.sh query, which imports the fixtures)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        nonisolated(unsafe) let out = slots
        DispatchQueue.concurrentPerform(iterations: batch.count) { i in
            out[i] = PipelineItem.make(batch[i], stripHeaders: stripHeaders, maxBytes: maxBytes)
        }
        return slots.map { $0! }
    }

    /// Reads and parses the commits of one epoch in order (each with its own reader): the
    /// message added, or the message removed, or why the commit has nothing to index.
    static func runCommits(
        _ commits: [EpochCommit], epoch: Int, gitDir: String, maxBlobSize: Int? = nil, consume: (EpochCommit, PipelineItem) throws -> Void
    ) throws {
        try stream(
            produce: { put in
                var reader = try CatFile(gitDir: gitDir)
                var start = 0
                while start < commits.count {
                    let chunk = commits[start..<min(start + batchSize, commits.count)]
                    let inputs = try chunk.map { c -> RawInput in
                        let origin = "\(epoch).git@\(c.oid.prefix(12))"
                        switch c.change {
                        case .add(let blob), .remove(let blob):
                            let (bytes, why) = try MessageSource.readBlob(blob, with: &reader, maxBytes: maxBlobSize)
                            return RawInput(
                                bytes: bytes, receivedAt: c.committedAt, origin: origin, commit: c.oid, object: blob, unreadable: why)
                        case .skip(let reason), .unreadable(let reason):
                            return RawInput(bytes: [], receivedAt: c.committedAt, origin: origin, commit: c.oid, unreadable: reason)
                        }
                    }
                    for (c, item) in zip(chunk, prepare(inputs, stripHeaders: false)) {
                        put((c, item.inEpoch(epoch)))
                    }
                    start += batchSize
                }
            }, consume: { (pair: (EpochCommit, PipelineItem)) in try consume(pair.0, pair.1) })
    }

    static func stream<T>(produce: @escaping (_ put: (T) -> Void) throws -> Void, consume: (T) throws -> Void) throws {
        let channel = Channel<T>(capacity: 128)
        nonisolated(unsafe) let producer = produce
        let thread = Thread {
            do {
                try producer { channel.put($0) }
                channel.close(error: nil)
            } catch {
                channel.close(error: error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
        do {
            while let item = channel.take() { try consume(item) }
        } catch {
            channel.cancel()
            channel.waitClosed()
            throw error
        }
        if let e = channel.error { throw e }
    }
}

extension PipelineItem {
    /// A rejection of an epoch's object says which epoch.
    func inEpoch(_ n: Int) -> PipelineItem {
        guard case .failed(var r) = self else { return self }
        r.epoch = n
        return .failed(r)
    }
}

/// A bounded queue between one producer thread and one consumer.
final class Channel<T>: @unchecked Sendable {
    private var items: [T] = []
    private var head = 0
    private let capacity: Int
    private let cond = NSCondition()
    private var closed = false
    private var cancelled = false
    private(set) var error: Error?

    init(capacity: Int) { self.capacity = capacity }

    func put(_ item: T) {
        cond.lock()
        while items.count - head >= capacity && !cancelled { cond.wait() }
        if !cancelled { items.append(item) }
        cond.broadcast()
        cond.unlock()
    }

    func take() -> T? {
        cond.lock()
        defer { cond.unlock() }
        while head == items.count && !closed { cond.wait() }
        if head == items.count { return nil }
        let item = items[head]
        head += 1
        if head > 1024 {
            items.removeFirst(head)
            head = 0
        }
        cond.broadcast()
        return item
    }

    func close(error: Error?) {
        cond.lock()
        closed = true
        self.error = error
        cond.broadcast()
        cond.unlock()
    }

    func cancel() {
        cond.lock()
        cancelled = true
        cond.broadcast()
        cond.unlock()
    }

    func waitClosed() {
        cond.lock()
        while !closed { cond.wait() }
        cond.unlock()
    }
}
