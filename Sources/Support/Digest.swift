import Crypto
import Foundation

/// SHA-1 (git object ids) and SHA-256 (content hashes) by swift-crypto (BoringSSL), hex and
/// base64 (Foundation).
public enum Digest {
    /// Hex SHA-1 of `bytes`.
    public static func sha1Hex(_ bytes: [UInt8]) -> String {
        var h = SHA1()
        h.update(bytes)
        return hex(h.finalize())
    }

    /// The git blob id of `bytes` ("blob LEN\0" + bytes).
    public static func gitBlobID(_ bytes: [UInt8]) -> String {
        var h = SHA1()
        h.update("blob \(bytes.count)\u{0}")
        h.update(bytes)
        return hex(h.finalize())
    }

    /// The value of one hex digit (either case), nil for any other byte.
    public static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUTF8Buffer { d in
                for (i, b) in bytes.enumerated() {
                    out[2 * i] = d[Int(b >> 4)]
                    out[2 * i + 1] = d[Int(b & 15)]
                }
            }
            return bytes.count * 2
        }
    }

    /// Base64 with padding; `urlSafe` uses `-` and `_` for `+` and `/`.
    public static func base64(_ bytes: [UInt8], urlSafe: Bool = false) -> String {
        let s = Data(bytes).base64EncodedString()
        guard urlSafe else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }))
    }
}

/// A streaming hash by swift-crypto, over bytes and strings, with the digest as bytes.
public struct StreamingDigest<Function: HashFunction> {
    @usableFromInline var function = Function()
    public init() {}
    @inlinable public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { function.update(bufferPointer: $0) } }
    @inlinable public mutating func update(_ bytes: ArraySlice<UInt8>) { bytes.withUnsafeBytes { function.update(bufferPointer: $0) } }
    @inlinable public mutating func update(_ s: String) {
        var s = s
        s.withUTF8 { function.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }
    @inlinable public func finalize() -> [UInt8] { Array(function.finalize()) }
}

extension StreamingDigest: Sendable where Function: Sendable {}

/// Streaming SHA-1 (git's object ids; not for security).
public typealias SHA1 = StreamingDigest<Insecure.SHA1>
/// Streaming SHA-256.
public typealias SHA256 = StreamingDigest<Crypto.SHA256>
