import Foundation
import Mail
import Store

/// A message parsed (or not) by the pipeline's reading thread.
enum PipelineItem: Sendable {
    case prepared(PreparedMessage)
    case failed(origin: String, reason: String)

    static func make(_ input: RawInput, stripHeaders: Bool) -> PipelineItem {
        if input.bytes.allSatisfy({ $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }) {
            return .failed(origin: input.origin, reason: "empty message")
        }
        let now = MailDate(seconds: input.receivedAt ?? Int64(Date().timeIntervalSince1970))
        return .prepared(PreparedMessage(raw: input.bytes, fallbackTime: now, origin: input.origin, stripHeaders: stripHeaders))
    }
}

/// Reads and parses on one thread while the caller stores and indexes on its own: the two
/// halves of an import each keep a core busy.
enum Pipeline {
    static func run(sources: [MessageSource], stripHeaders: Bool, consume: (PipelineItem) throws -> Void) throws {
        try stream(
            produce: { put in
                var batch: [RawInput] = []
                for s in sources {
                    try s.forEach { input in
                        batch.append(input)
                        if batch.count == batchSize {
                            for item in prepare(batch, stripHeaders: stripHeaders) { put(item) }
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                }
                for item in prepare(batch, stripHeaders: stripHeaders) { put(item) }
            }, consume: { item in try consume(item) })
    }

    /// Parses a batch on every core, keeping its order.
    static let batchSize = 64

    static func prepare(_ batch: [RawInput], stripHeaders: Bool) -> [PipelineItem] {
        if batch.count < 2 { return batch.map { PipelineItem.make($0, stripHeaders: stripHeaders) } }
        let slots = UnsafeMutableBufferPointer<PipelineItem?>.allocate(capacity: batch.count)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        nonisolated(unsafe) let out = slots
        DispatchQueue.concurrentPerform(iterations: batch.count) { i in
            out[i] = PipelineItem.make(batch[i], stripHeaders: stripHeaders)
        }
        return slots.map { $0! }
    }

    /// Parses blobs of one epoch (read with a reader of its own) for `consume`.
    static func runBlobs(
        _ blobs: [(oid: String, time: Int64, origin: String)], gitDir: String,
        consume: (String, PipelineItem) throws -> Void
    ) throws {
        let reader = try CatFile(gitDir: gitDir)
        try stream(
            produce: { put in
                var start = 0
                while start < blobs.count {
                    let chunk = blobs[start..<min(start + batchSize, blobs.count)]
                    let inputs = try chunk.map { b in RawInput(bytes: try reader.read(b.oid), receivedAt: b.time, origin: b.origin) }
                    for (b, item) in zip(chunk, prepare(inputs, stripHeaders: false)) { put((b.oid, item)) }
                    start += batchSize
                }
            }, consume: { (pair: (String, PipelineItem)) in try consume(pair.0, pair.1) })
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
