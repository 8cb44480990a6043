import Foundation

/// One frame of a call trace as the kernel prints it, in any of its forms:
/// ` [<ffffffff810af9e9>] process_one_work+0x149/0x3d0` (x86, MIPS, RISC-V, s390),
/// ` ? rescuer_thread+0x2e0/0x2e0`, ` dump_stack+0x11d/0x1a7 lib/dump_stack.c:118`,
/// ` __dump_stack lib/dump_stack.c:77 [inline]` (syzbot), ` kthread+0x1e/0x30 [module]` (arm64),
/// `[c0000004b05bfbd0] [c0000000003cc170] scan_block+0xa0/0x190 (unreliable)` (powerpc),
/// `([<000000013a4b8bcc>] blk_mq_map_swqueue+0x9c/0x388)` (s390, a guess),
/// `[<bf00f508>] (v4l2_ioctl [videodev]) from [<c01e2684>] (vfs_ioctl+0x18/0x30)` (ARM).
struct CrashFrame: Equatable {
    /// The function, normalized (`CrashFrame.normalize`).
    var function: String
    /// A `?` frame: an address the unwinder was not sure of.
    var unreliable: Bool
    /// An inlined frame (`[inline]`): only symbolized traces show them.
    var inlined: Bool

    /// Parses `text` (a log line's text) as a frame; nil when it is not one.
    init?(_ text: Substring) {
        var s = text
        var sure = true
        // s390 puts a frame it is not sure of in parentheses
        if s.hasPrefix("([<"), s.hasSuffix(")") {
            sure = false
            s = s.dropFirst().dropLast()
        }
        // `[<ffffffff810af9e9>]` or powerpc's `[c0000004b05bfbd0]`, once or twice, and `?`
        while true {
            s = s.drop(while: { $0 == " " || $0 == "\t" })
            if s.hasPrefix("[<"), let close = s.range(of: ">]") {
                s = s[close.upperBound...]
                continue
            }
            if let rest = CrashFrame.dropBracketedAddress(s) {
                s = rest
                continue
            }
            if s.hasPrefix("? ") || s == "?" {
                sure = false
                s = s.dropFirst()
                continue
            }
            break
        }
        if s.hasSuffix(" (unreliable)") {
            sure = false
            s = s.dropLast(13)
        }
        if s.hasPrefix("("), let arm = CrashFrame.armCallee(s) { s = arm }
        guard let name = s.split(separator: " ", maxSplits: 1).first, !name.isEmpty else { return nil }
        if name.hasPrefix("0x"), name.count > 2, name.dropFirst(2).allSatisfy(\.isHexDigit) {
            // powerpc: `[c…] [c…] 0xc000000059e4fb70 (unreliable)`, a frame without a symbol
            function = ""
            unreliable = true
            inlined = false
            return
        }
        var fn = name
        let rest = s.dropFirst(name.count).drop(while: { $0 == " " })
        if let plus = name.firstIndex(of: "+") {
            // `name+0x1/0x2`
            guard name[plus...].hasPrefix("+0x") else { return nil }
            fn = name[..<plus]
        } else {
            // syzbot: `name file.c:77 [inline]` or `name file.c:77`
            guard CrashFrame.startsWithPath(rest) || rest.hasPrefix("[inline]") else { return nil }
        }
        inlined = rest.contains("[inline]")
        guard let f = CrashFrame.normalize(fn) else {
            // `.slowpath+0x9/0xe`: a frame without a usable name, skipped like a `?` one
            guard fn.count < name.count else { return nil }
            function = ""
            unreliable = true
            return
        }
        function = f
        unreliable = !sure
    }

    /// `[c0000004b05bfbd0] ` (powerpc's stack pointer or address): what follows it, nil when
    /// `s` does not start with a bracketed hex number.
    static func dropBracketedAddress(_ s: Substring) -> Substring? {
        guard s.hasPrefix("["), let close = s.firstIndex(of: "]") else { return nil }
        let inner = s[s.index(after: s.startIndex)..<close]
        guard inner.count >= 8, inner.allSatisfy(\.isHexDigit) else { return nil }
        return s[s.index(after: close)...]
    }

    /// ARM's `(v4l2_ioctl [videodev]) from [<c01e2684>] (vfs_ioctl+0x18/0x30)` (or
    /// `(v4l2_ioctl+0x2c/0xac) from …`): the function the frame is in, with its module.
    static func armCallee(_ s: Substring) -> Substring? {
        guard let close = s.firstIndex(of: ")"), s[close...].hasPrefix(") from ") || s[close...] == ")" else { return nil }
        let inner = s[s.index(after: s.startIndex)..<close]
        guard let name = inner.split(separator: " ").first, !name.isEmpty else { return nil }
        // a name without an offset is a frame as much as one with it
        return name.contains("+") ? inner : Substring(String(name) + "+0x0/0x0" + inner.dropFirst(name.count))
    }

    /// A frame's or RIP's function: `virtio_device_ready.part.12` is `virtio_device_ready`;
    /// nil when `name` is not an identifier (an address, `0x80e7eee8`).
    static func normalize(_ name: Substring) -> String? {
        var n = name
        // the paravirt callee-save thunk of a function is that function
        if n.hasPrefix("__raw_callee_save_") { n = n.dropFirst(18) }
        if let dot = n.firstIndex(of: ".") { n = n[..<dot] }
        guard let f = n.utf8.first, f == UInt8(ascii: "_") || (f | 0x20 >= UInt8(ascii: "a") && f | 0x20 <= UInt8(ascii: "z")),
            n.utf8.allSatisfy({
                $0 == UInt8(ascii: "_") || ($0 | 0x20 >= UInt8(ascii: "a") && $0 | 0x20 <= UInt8(ascii: "z")) || ($0 >= 0x30 && $0 <= 0x39)
            })
        else { return nil }
        if n.hasPrefix("0x") { return nil }
        return String(n)
    }

    /// Whether `s` starts with a source path `dir/file.c:123`.
    static func startsWithPath(_ s: Substring) -> Bool {
        let token = s.prefix(while: { $0 != " " && $0 != "\t" })
        guard let colon = token.lastIndex(of: ":"), token[..<colon].contains("/") || token[..<colon].contains("."),
            !token[token.index(after: colon)...].isEmpty
        else { return false }
        return token[token.index(after: colon)...].allSatisfy { $0.isASCIIDigit || $0 == ":" }
    }

    /// Frames of the reporting machinery, of fault and trap entry, of scheduling and lock
    /// waiting, of allocation wrappers and of thread or syscall entry: the same in every
    /// report, so they tell nothing about the crash.
    static let generic: Set<String> = [
        "dump_stack", "dump_stack_lvl", "__dump_stack", "show_stack", "dump_backtrace", "show_trace_log_lvl", "show_regs",
        "print_address_description", "print_report", "kasan_report", "__kasan_report", "kasan_check_range",
        "check_memory_region", "check_memory_region_inline", "kasan_report_invalid_free", "__kasan_check_read",
        "__kasan_check_write", "kmsan_report", "__msan_warning", "report_bug", "handle_bug", "exc_invalid_op",
        "asm_exc_invalid_op", "do_invalid_op", "invalid_op", "nmi_cpu_backtrace", "nmi_trigger_cpumask_backtrace",
        "arch_trigger_cpumask_backtrace", "trigger_single_cpu_backtrace", "rcu_dump_cpu_stacks", "print_cpu_stall", "check_cpu_stall",
        "rcu_pending", "rcu_sched_clock_irq", "rcu_check_callbacks", "update_process_times", "tick_sched_handle", "tick_sched_timer",
        "__hrtimer_run_queues", "hrtimer_interrupt", "__sysvec_apic_timer_interrupt", "local_apic_timer_interrupt",
        "watchdog_timer_fn", "do_error_trap", "do_trap", "die", "__die", "oops_end",
        "no_context", "__bad_area_nosemaphore", "bad_area_nosemaphore", "bad_area", "do_user_addr_fault",
        "do_kern_addr_fault", "exc_page_fault", "asm_exc_page_fault", "page_fault", "do_page_fault", "__do_page_fault",
        "async_page_fault", "do_general_protection", "exc_general_protection", "asm_exc_general_protection",
        "general_protection", "page_fault_oops", "kernelmode_fixup_or_oops", "__warn", "warn_slowpath_fmt",
        "warn_slowpath_null", "warn_slowpath_common", "__warn_printk", "panic", "___might_sleep", "__might_sleep",
        "__might_fault", "__might_resched", "lock_acquire", "__lock_acquire", "lock_release", "print_circular_bug",
        "check_noncircular", "check_prev_add", "check_prevs_add", "validate_chain", "print_deadlock_bug",
        "check_deadlock", "lockdep_rcu_suspicious", "print_usage_bug", "mark_lock", "mark_lock_irq", "ubsan_epilogue",
        "kmemleak_alloc", "kmemleak_alloc_recursive", "slab_post_alloc_hook", "slab_alloc", "slab_alloc_node",
        "kmem_cache_alloc", "kmem_cache_alloc_trace", "kmem_cache_alloc_node", "__kmalloc", "__kmalloc_node", "kmalloc",
        "kzalloc", "kmalloc_node", "kvmalloc_node", "__kmalloc_track_caller", "__schedule", "schedule",
        "schedule_timeout", "schedule_preempt_disabled", "io_schedule", "io_schedule_timeout", "preempt_schedule_common",
        "__ww_mutex_lock", "__ww_mutex_lock_slowpath", "ww_mutex_lock", "ww_mutex_lock_interruptible",
        "mutex_lock_interruptible", "mutex_lock_killable", "__mutex_lock_interruptible_slowpath", "__mutex_lock_killable_slowpath",
        "__mutex_lock", "__mutex_lock_common", "mutex_lock_nested", "mutex_lock", "__mutex_lock_slowpath",
        "rwsem_down_read_slowpath", "rwsem_down_write_slowpath", "down_read", "down_write", "__down_read",
        "__down_write", "wait_for_completion", "wait_for_common", "__wait_for_common", "do_wait_for_common",
        "_raw_spin_lock", "_raw_spin_lock_irqsave", "_raw_spin_lock_irq", "_raw_spin_lock_bh", "queued_spin_lock_slowpath",
        "native_queued_spin_lock_slowpath", "do_raw_spin_lock", "__do_softirq", "do_softirq", "irq_exit",
        "irq_exit_rcu", "__irq_exit_rcu", "smp_apic_timer_interrupt", "apic_timer_interrupt", "sysvec_apic_timer_interrupt",
        "asm_sysvec_apic_timer_interrupt", "asm_call_on_stack", "asm_call_irq_on_stack", "ret_from_fork", "ret_from_fork_asm", "kthread",
        "worker_thread", "process_one_work", "entry_SYSCALL_64_after_hwframe", "do_syscall_64", "entry_SYSCALL_64",
        "do_syscall_x64", "el0_svc", "el0_svc_common", "el0_sync_handler", "el0_sync", "invoke_syscall",
        "el0t_64_sync_handler", "el0t_64_sync", "start_kernel", "cpu_startup_entry", "do_idle", "secondary_startup_64",
        "secondary_startup_64_no_verify", "x86_64_start_kernel", "x86_64_start_reservations",
        "arch_call_rest_init", "rest_init", "kernel_init", "kernel_init_freeable", "do_one_initcall",
        // the fault, trap and entry paths of the other architectures
        "die_if_kernel", "do_ade", "do_be", "do_bp", "do_tr", "do_ri", "do_cpu", "tlb_do_page_fault_0", "tlb_do_page_fault_1",
        "handle_tlbl", "handle_tlbs", "handle_tlbm", "handle_adel", "handle_ades", "handle_bp", "handle_ri", "handle_sys",
        "handle_sys64", "syscall_common", "ret_from_kernel_thread", "ret_from_irq", "ret_from_exception", "ret_from_syscall",
        "die_kernel_fault", "__do_kernel_fault", "do_translation_fault", "do_mem_abort", "el1_abort", "el1_da", "el1_ia",
        "el1_sync", "el1_sync_handler", "el1h_64_sync_handler", "el1h_64_sync", "el1_dbg", "el1_irq", "el1_interrupt",
        "el1h_64_irq_handler", "el1h_64_irq", "gic_handle_irq", "do_bad_area", "arm64_notify_die", "bug_handler", "brk_handler",
        "call_break_hook", "do_debug_exception", "do_el0_svc", "do_DataAbort", "do_PrefetchAbort", "__dabt_svc", "__pabt_svc",
        "__und_svc", "__irq_svc", "do_undefinstr", "ret_fast_syscall", "handle_exception", "do_trap_break",
        "do_trap_insn_illegal", "do_trap_load_fault", "do_trap_store_fault", "do_trap_ecall_u", "handle_page_fault",
        "do_irq", "handle_riscv_irq", "call_on_irq_stack", "bad_page_fault", "__bad_page_fault", "___do_page_fault",
        "hash__do_page_fault", "bad_kernel_fault", "data_access_common_virt", "instruction_access_common_virt",
        "program_check_exception", "program_check_common_virt", "interrupt_return", "interrupt_return_srr",
        "interrupt_return_srr_kernel", "ret_from_except", "ret_from_except_lite", "ret_from_except_full",
        "system_call_exception", "system_call_common", "system_call_vectored_common", "start_kernel_thread",
        "ret_from_kernel_user_thread", "pgm_check_handler", "__do_pgm_check", "do_exception", "do_dat_exception",
        "do_no_context", "do_report_trap", "do_syscall", "__do_syscall", "system_call",
    ]

    /// Whether a function tells nothing about a crash (`generic`, `__asan_*`, `__ubsan_handle_*`).
    static func isGeneric(_ f: String) -> Bool {
        generic.contains(f) || f.hasPrefix("__asan_") || f.hasPrefix("__ubsan_handle_") || f.hasPrefix("__sanitizer_")
            || f.hasPrefix("kasan_") || f.hasPrefix("__kasan_")
    }
}
