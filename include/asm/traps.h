/* Exceptions: vectors, the fixup table, and the handlers entry.S calls. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <xenia/types.h>
#include <xen/xen.h>

#define TRAP_divide_error     0
#define TRAP_debug            1
#define TRAP_nmi              2
#define TRAP_int3             3
#define TRAP_overflow         4
#define TRAP_bounds           5
#define TRAP_invalid_op       6
#define TRAP_no_device        7
#define TRAP_double_fault     8
#define TRAP_invalid_tss      10
#define TRAP_no_segment       11
#define TRAP_stack_error      12
#define TRAP_gp_fault         13
#define TRAP_page_fault       14
#define TRAP_copro_error      16
#define TRAP_alignment_check  17
#define TRAP_machine_check    18
#define TRAP_simd_error       19
#define ENTRY_VECTOR_SYSCALL  0x100
#define LEGACY_SYSCALL_VECTOR 0x80     /* int $0x80: a DPL3 gate, as on Xen */

/* guest_mode(): the frame interrupted a guest (ring 3), not the hypervisor. */
static inline bool guest_mode(const struct cpu_user_regs *regs)
{
    return (regs->cs & 3) != 0;
}

static inline unsigned long read_cr2(void)
{
    unsigned long cr2;
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(cr2));
    return cr2;
}

/* do_trap(): every IDT vector lands here (entry.S), interrupts off. */
void do_trap(struct cpu_user_regs *regs);
/* fixup_exception(): if regs->rip has an .ex_table entry, resume at its fixup. */
bool fixup_exception(struct cpu_user_regs *regs);
/* show_registers(): dump a frame to the console. */
void show_registers(const struct cpu_user_regs *regs);
/* show_registers_of(): the same for a frame of CPU cpu (a snapshot taken there; CR2 is this CPU's). */
void show_registers_of(unsigned int cpu, const struct cpu_user_regs *regs);
struct vcpu;
#define CALL_TRACE_MAX 64                /* code addresses kept of one stack */
/*
 * collect_call_trace(): a call trace without frame pointers, as Xen's: the
 * frame's RIP and every word on its hypervisor stack (up to cpu_info) that
 * is a code address, at most max of them, into trace. Returns how many;
 * 0 for a guest frame. Reads memory only: safe in NMI context.
 */
unsigned int collect_call_trace(const struct cpu_user_regs *regs, unsigned long *trace,
                                unsigned int max);
/* print_call_trace(): print what collect_call_trace() gathered, named (v: for a guest frame). */
void print_call_trace(const struct cpu_user_regs *regs, const unsigned long *trace,
                      unsigned int n, const struct vcpu *v);
/* show_stack(): collect_call_trace() + print_call_trace() of this CPU's frame. */
void show_stack(const struct cpu_user_regs *regs);
/* do_nmi(): every NMI (arch/x86/nmi.c): watchdog, state dumps. */
void do_nmi(const struct cpu_user_regs *regs);

/*
 * PV hooks (arch/x86/pv/): an exception raised by a guest, with interrupts
 * on; cr2 is the faulting linear address of a #PF (read at entry), else 0.
 */
void pv_handle_guest_exception(struct cpu_user_regs *regs, unsigned long cr2);
/* pv_handle_int80(): `int $0x80` from a guest: its trap-table entry, or #GP(0x402). */
void pv_handle_int80(struct cpu_user_regs *regs);

#endif
