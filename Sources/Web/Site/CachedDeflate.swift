import CISAL

/// Raw deflate of one whole value through ISA-L's igzip, for the render cache: a message page
/// of ~20 KB keeps in ~6 KB, so several times the pages fit the ring that `--cache-mb` sizes,
/// and inflating one (tens of microseconds) costs a small part of rendering it again.
enum CachedDeflate {
    /// Values shorter than this are kept as they are (the saving would not pay for the work).
    static let minimum = 2048

    /// `input` deflated (igzip level 0: the fastest, and the only level without a level buffer);
    /// nil when it does not get smaller.
    static func compress(_ input: [UInt8]) -> [UInt8]? {
        let stream = UnsafeMutablePointer<isal_zstream>.allocate(capacity: 1)
        defer { stream.deallocate() }
        isal_deflate_stateless_init(stream)
        stream.pointee.level = 0
        stream.pointee.gzip_flag = UInt16(IGZIP_DEFLATE)
        stream.pointee.end_of_stream = 1
        stream.pointee.flush = UInt16(NO_FLUSH)
        let capacity = input.count
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buf, n in
            input.withUnsafeBufferPointer { src in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.pointee.avail_in = UInt32(src.count)
                stream.pointee.next_out = buf.baseAddress
                stream.pointee.avail_out = UInt32(capacity)
                ok = isal_deflate_stateless(stream) == COMP_OK && Int(stream.pointee.total_out) < capacity
            }
            n = ok ? Int(stream.pointee.total_out) : 0
        }
        return ok ? out : nil
    }

    /// The `count` bytes `input` (from `compress`) holds; nil if it does not inflate to them.
    static func decompress(_ input: UnsafeRawBufferPointer, count: Int) -> [UInt8]? {
        let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
        defer { state.deallocate() }
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_DEFLATE)
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: count) { buf, n in
            state.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self))
            state.pointee.avail_in = UInt32(input.count)
            state.pointee.next_out = buf.baseAddress
            state.pointee.avail_out = UInt32(count)
            ok = isal_inflate_stateless(state) == ISAL_DECOMP_OK && Int(state.pointee.total_out) == count
            n = ok ? count : 0
        }
        return ok ? out : nil
    }
}
