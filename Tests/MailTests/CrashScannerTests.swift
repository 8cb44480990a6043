import Mail
import TestSupport
import Testing

/// Kernel crash reports read from the real messages of Tests/Fixtures/crashes (its README says
/// what each one is): recognition in text, quotes and wrapped lines, and signatures that are
/// equal for reports of one crash and differ between crashes.
@Suite struct CrashScannerTests {
    static func reports(_ prefix: String) -> [CrashReport] {
        let m = Message.parse(Fixtures.bytes(Fixtures.crash(prefix)))
        let text = m.parts.filter(\.isInlineText).compactMap(\.text).joined(separator: "\n")
        return CrashScanner.reports(in: BodyLines(text).lines)
    }

    static func only(_ prefix: String) throws -> CrashReport {
        let r = reports(prefix)
        try #require(r.count == 1, "\(prefix): \(r.count) reports")
        return r[0]
    }

    /// The log in 01 and 02 has a WARNING and, two seconds later, a general protection fault
    /// (numbered #1: a crash of its own, not one following from another).
    @Test func aWarningInACommitMessageAndTheSameWarningQuotedAndWrappedByAMailClient() throws {
        let inPatch = Self.reports("01")
        try #require(inPatch.count == 2)
        let patch = inPatch[0]
        #expect(patch.kind == "WARNING")
        #expect(patch.location == "kernel/locking/qspinlock_paravirt.h:500")
        #expect(patch.function == "__pv_queued_spin_unlock_slowpath")
        // `.slowpath+0x9/0xe` and the paravirt thunk of the function itself are passed over
        #expect(Array(patch.frames.prefix(3)) == ["hvc_alloc", "init_port_console", "handle_control_message"])
        #expect(!patch.quoted)
        #expect(inPatch[1].kind == "general protection fault" && inPatch[1].function == "__pv_queued_spin_lock_slowpath")
        let inReply = Self.reports("02")
        try #require(inReply.count == 2)
        let quoted = inReply[0]
        #expect(quoted.quoted)
        #expect(quoted.title == patch.title)
        #expect(quoted.location == patch.location && quoted.function == patch.function)
        #expect(quoted.kernelVersion == "4.18.0-167.el8.x86_64")
        #expect(quoted.frames == patch.frames)
        #expect(quoted.signature == patch.signature)
        #expect(quoted.signatureID == patch.signatureID)
        #expect(inReply[1].signatureID == inPatch[1].signatureID)
        #expect(inReply[1].kernelVersion == "4.18.0-167.el8.x86_64")
    }

    @Test func kernelBugAtALineQuotedTwoLevelsDeepIsTheSameCrash() throws {
        let patch = try Self.only("03")
        #expect(patch.kind == "kernel BUG")
        #expect(patch.location == "drivers/net/virtio_net.c:1667")
        let quoted = try Self.only("04")
        #expect(quoted.quoted)
        #expect(quoted.signatureID == patch.signatureID)
        // another BUG_ON of the same file is another crash
        let other = try Self.only("05")
        #expect(other.location == "drivers/net/virtio_net.c:1591")
        #expect(other.signatureID != patch.signatureID)
    }

    @Test func twoIndependentReportsOfOneHangOnDifferentKernelsShareASignature() throws {
        let a = try Self.only("06")
        let inB = Self.reports("07")
        // 07 also has a kworker blocked in drm_modeset_lock: another hang
        try #require(inB.count == 2)
        let b = inB[0]
        #expect(inB[1].function == "drm_modeset_lock" && inB[1].signatureID != b.signatureID)
        #expect(a.kind == "hung task" && b.kind == "hung task")
        #expect(a.kernelVersion == "5.0.0-13-generic" && b.kernelVersion == "5.2.0-050200rc1-generic")
        // the scheduler and ww_mutex waits are left out: the hang is in ttm_eu_reserve_buffers
        #expect(a.function == "ttm_eu_reserve_buffers")
        #expect(Array(a.frames.prefix(2)) == ["qxl_release_reserve_list", "qxl_cursor_atomic_update"])
        #expect(a.signature == b.signature)
    }

    @Test func syzbotMemoryLeakWithFramesWrappedBySyzbot() throws {
        let r = try Self.only("08")
        #expect(r.kind == "memory leak")
        #expect(r.syzbotID == "0789f0c7e45efd7bb643")
        #expect(r.function == "vhost_net_ioctl")
        #expect(!r.frames.contains("kmem_cache_alloc_trace"))
    }

    @Test func quotedKasanLockdepRcuStallAndGeneralProtectionFault() throws {
        let kasan = try Self.only("09")
        #expect(kasan.kind == "KASAN: slab-out-of-bounds")
        // syzbot names the inlined function first, then the one it is inlined in: the latter
        // is what a report without symbols shows
        #expect(kasan.function == "virtio_gpu_object_create")
        #expect(kasan.syzbotID == "d3a7951ed361037407db")
        #expect(kasan.quoted)
        let lockdep = try Self.only("10")
        #expect(lockdep.kind == "lockdep: possible recursive locking")
        #expect(lockdep.function == "fuse_request_end")
        let rcu = try Self.only("11")
        #expect(rcu.kind == "RCU stall")
        // caught spinning in a lock (RIP: queued_spin_lock_slowpath): the first frame says more
        #expect(rcu.function == "rcu_core")
        let gpf = try Self.only("12")
        #expect(gpf.kind == "general protection fault")
        #expect(gpf.quoted)
        let kinds = [kasan, lockdep, rcu, gpf].map(\.signatureID)
        #expect(Set(kinds).count == 4)
    }

    @Test func codeAndQuotedCodeMentioningBugOrLockdepAreNoReports() {
        #expect(Self.reports("13").isEmpty)
        #expect(Self.reports("14").isEmpty)
    }

    @Test func syzbotHungTaskInAPatchKeepsItsID() throws {
        let r = try Self.only("15")
        #expect(r.kind == "hung task")
        #expect(r.function == "__lock_sock")
        #expect(r.frames.first == "lock_sock_nested")
        #expect(r.syzbotID == "731710996d79d0d58fbc")
    }

    /// The lore page of ../shared/reference: `kernel BUG at` quoted and wrapped, then an oops
    /// numbered #2 that followed from it (left out).
    @Test func thePageOfTheReferenceWrappedAndQuoted() throws {
        let text = """
            > [ 2.200079] ------------[ cut here ]------------
            > [ 2.200661] kernel BUG at include/linux/virtio_config.h:125!
            > [ 2.201004] invalid opcode: 0000 [#1] SMP
            > [ 2.201004] Modules linked in: snd_timer snd virtio_balloon
            > virtio_console serio_raw parport_pc parport i2c_piix4 soundcore
            > [ 2.201004] CPU: 0 PID: 71 Comm: kworker/0:2 Not tainted
            > 3.18.0-0.rc1.git0.1.fc22.x86_64 #1
            > [ 2.201004] RIP: 0010:[<ffffffffa0210032>] [<ffffffffa0210032>]
            > virtio_device_ready.part.12+0x4/0x6 [virtio_console]
            > [ 2.201004] Call Trace:
            > [ 2.201004] [<ffffffffa020f757>] add_port+0x3b7/0x3e0 [virtio_console]
            > [ 2.201004] [<ffffffffa020ffdc>] control_work_handler+0x39c/0x3e8
            > [virtio_console]
            > [ 2.201004] [<ffffffff810af9e9>] process_one_work+0x149/0x3d0
            > [ 2.201004] [<ffffffff810aff50>] ? rescuer_thread+0x2e0/0x2e0
            > [ 2.232148] ---[ end trace a926e61ef6020bee ]---
            > [ 2.233075] BUG: unable to handle kernel paging request at ffffffffffffffd8
            > [ 2.233944] IP: [<ffffffff810b5850>] kthread_data+0x10/0x20
            > [ 2.234004] Oops: 0000 [#2] SMP
            """
        let r = CrashScanner.reports(in: BodyLines(text).lines)
        try #require(r.count == 1)
        #expect(r[0].kind == "kernel BUG")
        #expect(r[0].location == "include/linux/virtio_config.h:125")
        #expect(r[0].function == "virtio_device_ready")
        #expect(r[0].frames == ["add_port", "control_work_handler"])
        #expect(r[0].kernelVersion == "3.18.0-0.rc1.git0.1.fc22.x86_64")
        #expect(r[0].quoted)
        #expect(r[0].signature == "kernel BUG|include/linux/virtio_config.h:125|add_port,control_work_handler")
    }
}
