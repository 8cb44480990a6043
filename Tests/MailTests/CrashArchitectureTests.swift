import Mail
import TestSupport
import Testing

/// Oopses of every architecture, read from real messages of their lists (Tests/Fixtures/crashes
/// 18-24, its README says where each comes from): the headline each prints, where it crashed
/// (its pc/epc/NIP/PSW register) and the top frames of its trace in that architecture's form.
@Suite struct CrashArchitectureTests {
    static func only(_ prefix: String) throws -> CrashReport { try CrashScannerTests.only(prefix) }

    @Test func mipsKernelBugDetectedWithItsCallTraceNotTheFatalExceptionPanic() throws {
        let r = try Self.only("18")
        #expect(r.title == "Kernel bug detected[#1]:")
        #expect(r.kind == "kernel BUG")
        #expect(r.function == "isolate_lru_pages")
        #expect(Array(r.frames.prefix(3)) == ["shrink_inactive_list", "shrink_lruvec", "shrink_zone"])
        #expect(r.kernelVersion == "3.19.0-rc7-mipsgit-20150207")
        #expect(r.place == "isolate_lru_pages")
    }

    @Test func mipsPagingRequestOnTheCpuLineThenOops() throws {
        let r = try Self.only("19")
        #expect(r.title.hasPrefix("CPU 0 Unable to handle kernel paging request at virtual address 18b1b900"))
        #expect(r.kind == "paging request")
        #expect(r.function == "strlcpy")
        #expect(Array(r.frames.prefix(3)) == ["module_get_kallsym", "update_iter", "s_next"])
        #expect(r.kernelVersion == "3.10.28")
    }

    @Test func arm64NullPointerDereferenceInAModuleQuoted() throws {
        let r = try Self.only("20")
        #expect(r.kind == "NULL pointer dereference")
        #expect(r.quoted)
        #expect(r.function == "ath9k_hw_reset")
        // process_one_work, worker_thread, kthread, ret_from_fork say nothing of the crash
        #expect(r.frames == ["ath_reset_internal", "ath_reset_work"])
    }

    @Test func armPagingRequestWithFramesInFromForm() throws {
        // the second oops (`[#2]`) follows from the first and is left out
        let r = try Self.only("21")
        #expect(r.kind == "paging request")
        #expect(r.function == "v4l2_ioctl")
        #expect(r.frames == ["vfs_ioctl", "do_vfs_ioctl", "SyS_ioctl"])
        #expect(r.kernelVersion == "4.9.0-rc1-00219-gbd676c0-dirty")
    }

    @Test func powerpcDataAccessWithNipAndStackPointerFrames() throws {
        let r = try Self.only("22")
        #expect(r.title == "BUG: Unable to handle kernel data access at 0xc000000001610000")
        #expect(r.kind == "paging request")
        #expect(r.quoted)
        #expect(r.function == "scan_block")
        #expect(Array(r.frames.prefix(3)) == ["scan_large_block", "kmemleak_scan", "kmemleak_scan_thread"])
        #expect(r.kernelVersion == "5.0.0+")
    }

    @Test func s390PointerDereferenceWithKrnlPSWAndGuessedFrame() throws {
        let r = try Self.only("23")
        #expect(r.kind == "Unable to handle kernel pointer dereference in virtual kernel address space")
        #expect(r.function == "folio_remove_rmap_ptes")
        #expect(Array(r.frames.prefix(3)) == ["zap_present_ptes", "zap_pte_range", "zap_p4d_range"])
    }

    @Test func riscvPagingRequestWithEpcAndATraceWithoutHeader() throws {
        let r = try Self.only("24")
        #expect(r.kind == "paging request")
        #expect(r.function == "get_wchan")
        #expect(Array(r.frames.prefix(3)) == ["do_task_stat", "proc_tgid_stat", "proc_single_show"])
        #expect(!r.quoted)
    }

    @Test func everyArchitecturesCrashHasItsOwnSignature() throws {
        let ids = try ["18", "19", "20", "21", "22", "23", "24"].map { try Self.only($0).signatureID }
        #expect(Set(ids).count == ids.count)
    }

    /// The panic that ends 18, alone: it names neither a place nor a function, so it is no report.
    @Test func aBareFatalExceptionPanicIsNoReport() {
        let text = """
            [  744.660000] Fatal exception: panic in 5 seconds
            [  744.660000] sched: RT throttling activated
            [  749.670000] Kernel panic - not syncing: Fatal exception
            [  749.730000] ---[ end Kernel panic - not syncing: Fatal exception
            """
        #expect(CrashScanner.reports(in: BodyLines(text).lines).isEmpty)
        let inInterrupt = "[   45.565193] Kernel panic - not syncing: Oops: Fatal exception in interrupt\n"
        #expect(CrashScanner.reports(in: BodyLines(inInterrupt).lines).isEmpty)
    }

    /// Registers and a call trace quoted alone still say where (the line about the panic was cut).
    @Test func aPanicWithATraceIsKeptByItsFunction() throws {
        let text = """
            [   33.872141] Kernel panic - not syncing: Fatal exception
            [   33.872200] Call Trace:
            [   33.872210] [<801ab8e0>] strlcpy+0x20/0x74
            [   33.872220] [<80080c8c>] module_get_kallsym+0xa4/0x160
            """
        let r = CrashScanner.reports(in: BodyLines(text).lines)
        try #require(r.count == 1)
        #expect(r[0].kind == "Kernel panic" && r[0].location == nil && r[0].function == "strlcpy")
    }
}
