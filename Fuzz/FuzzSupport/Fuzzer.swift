#if canImport(Glibc)
    import Glibc
#endif

/// Runs libFuzzer with `body` as the function under test. A target's `main.swift` calls it
/// (SwiftPM links executables through their own `main`, so libFuzzer's is not used):
/// libFuzzer's command line, corpus and crash handling are unchanged.
public func runFuzzer(_ body: @escaping ([UInt8]) -> Void) -> Never {
    FuzzTarget.body = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(
        LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzTarget.body(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        })
}

/// Stops the run as a crash (libFuzzer saves the input) when an invariant does not hold.
public func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    var text = Array(("invariant failed: " + message() + "\n").utf8)
    _ = text.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

/// What an input is shown as in a failed check: at most 200 characters, escaped.
public func show<S: StringProtocol>(_ s: S) -> String {
    let whole = String(s)
    let t = String(whole.prefix(200)).debugDescription
    return whole.count > 200 ? t + "…" : t
}

enum FuzzTarget {
    nonisolated(unsafe) static var body: ([UInt8]) -> Void = { _ in }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
