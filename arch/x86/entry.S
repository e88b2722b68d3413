/*
 * Entry and exit paths between guests, the hypervisor and the hardware.
 *
 * Every entry builds a struct cpu_user_regs (<xen/arch-x86/xen-x86_64.h>
 * layout) on the stack: from a guest (ring 3) the CPU switches to TSS.rsp0
 * = &cpu_info->guest_cpu_user_regs.es, so the frame lands in cpu_info;
 * from the hypervisor (ring 0) it is built on the current stack.
 *
 *   exception_stubs[v]  IDT vector v: push a 0 error code if the CPU gave
 *                       none, store v in entry_vector, join handle_entry.
 *   syscall_stub_N      LSTAR of CPU N: SYSCALL from a PV guest (a
 *                       hypercall from its kernel, or a system call of its
 *                       user space). Builds the hardware-style frame by hand.
 *   ret_to_guest        the only way back to a guest: C decides what runs
 *                       next (softirqs, scheduling, event/trap bounces),
 *                       then registers are restored from cpu_info and
 *                       sysretq or iretq (PV), or the HVM back end's VM
 *                       entry runs it (arch/x86/hvm/svm/entry.S).
 */
#include <xenia/config.h>

#define ENTRY_VECTOR_SYSCALL    0x100
#define FLAT_KERNEL_SS          0xe02b
#define FLAT_KERNEL_CS          0xe033
#define UREGS_rip               (16 * 8)
#define UREGS_cs                (17 * 8)
#define UREGS_ss                (20 * 8)
#define UREGS_error_code        (15 * 8)
#define UREGS_entry_vector      (15 * 8 + 4)
#define TRAP_nmi                2
#define TRAP_machine_check      18

.macro SAVE_ALL
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %rax
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
.endm

.macro RESTORE_ALL
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rax
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        add     $8, %rsp                /* error_code + entry_vector */
.endm

        .section .text.entry, "ax"
/* Common path for IDT entries: %rsp points at error_code/entry_vector. */
handle_entry:
        SAVE_ALL
        cld
        mov     %rsp, %rdi
        call    do_trap                 /* do_trap(struct cpu_user_regs *) */
        /*
         * NMI and #MC arrive on IST stacks: straight back to whatever they
         * interrupted (guest or not), never through ret_to_guest, which
         * could idle with that stack live and let the next NMI reuse it.
         */
        cmpl    $TRAP_nmi, UREGS_entry_vector(%rsp)
        je      1f
        cmpl    $TRAP_machine_check, UREGS_entry_vector(%rsp)
        je      1f
        testb   $3, UREGS_cs(%rsp)
        jnz     ret_to_guest
1:      RESTORE_ALL
        iretq

/* SYSCALL from a guest: stub has pushed ss, rsp, rflags, cs, rip. */
        .global syscall_common
syscall_common:
        sub     $8, %rsp
        movl    $0, (%rsp)
        movl    $ENTRY_VECTOR_SYSCALL, 4(%rsp)
        SAVE_ALL
        cld
        mov     %rsp, %rdi
        sti
        call    do_guest_syscall        /* do_guest_syscall(struct cpu_user_regs *) */
        /* fall through */

/*
 * ret_to_guest: %rsp = this CPU's cpu_info frame. Interrupts off from here;
 * prepare_to_return_to_guest() returns only when a vCPU is ready to run
 * with its registers in the frame.
 */
        .global ret_to_guest
ret_to_guest:
        cli
        mov     %rsp, %rdi
        call    prepare_to_return_to_guest
        test    %al, %al                /* an HVM vCPU: its back end enters it */
        jnz     hvm_vmentry
        /*
         * SYSRETQ where the ABI lets RCX and R11 go (Xen's TRAP_syscall):
         * the frame came from SYSCALL, or a bounce frame holds the guest's
         * RCX and R11, or HYPERVISOR_iret had VGCF_in_syscall. Then RCX =
         * RIP and R11 = RFLAGS, as the guest expects. Only to 64-bit flat
         * ring 3 (STAR gives CS 0xe033, SS 0xe02b) and a canonical RIP: a
         * SYSRET to a non-canonical one faults in ring 0 on the guest's
         * stack (Intel). Anything else returns with IRETQ. SYSRET reads
         * no descriptors from the GDT: under QEMU's TCG, one page fewer
         * to refill after the CR3 switch on each leg of a guest system
         * call (see __guest_path, include/xenia/compiler.h).
         */
        testl   $ENTRY_VECTOR_SYSCALL, UREGS_entry_vector(%rsp)
        jz      1f
        cmpw    $FLAT_KERNEL_CS, UREGS_cs(%rsp)
        jne     1f
        cmpw    $FLAT_KERNEL_SS, UREGS_ss(%rsp)
        jne     1f
        mov     UREGS_rip(%rsp), %rcx
        sar     $47, %rcx               /* canonical: bits 63..47 all 0 or all 1 */
        inc     %rcx                    /* ... then %rcx is 1 or 0 */
        cmp     $1, %rcx
        ja      1f
        RESTORE_ALL                     /* %rsp at the hardware frame: rip, cs, rflags, rsp, ss */
        mov     (%rsp), %rcx            /* rip */
        mov     16(%rsp), %r11          /* rflags */
        mov     24(%rsp), %rsp          /* the guest's rsp: interrupts stay off until SYSRET */
        sysretq
1:      RESTORE_ALL
guest_iretq:
        iretq

/* An HVM vCPU: jump to its back end's VM entry (hvm_init() chose it). */
hvm_vmentry:
        jmp     *hvm_vmentry_target(%rip)

/* A fault on iretq means the guest frame was bad: hand it to C. */
guest_iretq_fault:
        /* We are on the fault's frame on our stack; reset to cpu_info. */
        mov     %rsp, %rdi
        call    pv_bad_iret_frame       /* does not return */
        ud2

        .section .ex_table, "a"
        .align 8
        .quad guest_iretq, guest_iretq_fault
        .previous

/* reset_stack_and_jump_to_guest(frame): drop the stack down to frame, go. */
        .global reset_stack_and_ret_to_guest
reset_stack_and_ret_to_guest:
        mov     %rdi, %rsp
        jmp     ret_to_guest

/* ---------------- IDT stubs: 16 bytes each ---------------- */
        .section .text.entry_stubs, "ax"
        .align 16
exc_stubs_start:
        .set v, 0
        .rept 256
        .align 16
        .if (v == 8) || (v == 10) || (v == 11) || (v == 12) || (v == 13) || (v == 14) || (v == 17) || (v == 21) || (v == 29) || (v == 30)
        .else
        push    $0
        .endif
        movl    $v, 4(%rsp)
        jmp     handle_entry
        .set v, v + 1
        .endr

        .section .rodata
        .align 8
        .global exception_stubs
exception_stubs:
        .set v, 0
        .rept 256
        .quad exc_stubs_start + v * 16
        .set v, v + 1
        .endr
        .previous

/* ---------------- SYSCALL stubs, one per CPU ---------------- */
        .align 64
        .global syscall_stubs
syscall_stubs:
        .set n, 0
        .rept NR_CPUS
        .align 64
        mov     %rsp, syscall_scratch_rsp + 8 * n(%rip)
        mov     syscall_stack_top + 8 * n(%rip), %rsp
        push    $FLAT_KERNEL_SS
        push    syscall_scratch_rsp + 8 * n(%rip)
        push    %r11
        push    $FLAT_KERNEL_CS
        push    %rcx
        jmp     syscall_common
        .set n, n + 1
        .endr

        .section .data.guest_path, "aw"
        .align 64
        .global syscall_stack_top
syscall_stack_top:
        .skip 8 * NR_CPUS
syscall_scratch_rsp:
        .skip 8 * NR_CPUS
