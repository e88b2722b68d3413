/*
 * Exception and interrupt dispatch. Exceptions from a guest go to the PV
 * code (bounced to the guest's trap table or emulated); exceptions in the
 * hypervisor are either expected (an .ex_table fixup, e.g. a guest-memory
 * copy that faulted) or fatal.
 */
#include <xenia/lib.h>
#include <xenia/sched.h>
#include <asm/irq.h>
#include <asm/traps.h>
#include <asm/current.h>
#include <xenia/console.h>
#include <xenia/symbols.h>
#include <xenia/spinlock.h>
#include <asm/x86_defns.h>

struct ex_table_entry {
    unsigned long insn, fixup;
};
extern const struct ex_table_entry __ex_table_start[], __ex_table_end[];

static irq_handler_t irq_handlers[256];

void set_irq_handler(uint8_t vector, irq_handler_t fn)
{
    ASSERT(vector >= FIRST_DYNAMIC_VECTOR);
    irq_handlers[vector] = fn;
}

bool fixup_exception(struct cpu_user_regs *regs)
{
    for (const struct ex_table_entry *e = __ex_table_start; e < __ex_table_end; e++) {
        if (e->insn == regs->rip) {
            regs->rip = e->fixup;
            return true;
        }
    }
    return false;
}

void show_registers(const struct cpu_user_regs *regs)
{
    show_registers_of(smp_processor_id(), regs);
}

void show_registers_of(unsigned int cpu, const struct cpu_user_regs *regs)
{
    printk("CPU:    %u\n", cpu);
    printk("RIP:    %04x:%016lx  RFLAGS: %016lx\n", regs->cs, regs->rip, regs->rflags);
    printk("rax: %016lx  rbx: %016lx  rcx: %016lx\n", regs->rax, regs->rbx, regs->rcx);
    printk("rdx: %016lx  rsi: %016lx  rdi: %016lx\n", regs->rdx, regs->rsi, regs->rdi);
    printk("rbp: %016lx  rsp: %016lx  r8:  %016lx\n", regs->rbp, regs->rsp, regs->r8);
    printk("r9:  %016lx  r10: %016lx  r11: %016lx\n", regs->r9, regs->r10, regs->r11);
    printk("r12: %016lx  r13: %016lx  r14: %016lx\n", regs->r12, regs->r13, regs->r14);
    printk("r15: %016lx  cr2: %016lx  ss: %04x\n", regs->r15, read_cr2(), regs->ss);
}

unsigned int collect_call_trace(const struct cpu_user_regs *regs, unsigned long *trace,
                                unsigned int max)
{
    unsigned int n = 0;

    if (guest_mode(regs) || !max)
        return 0;
    unsigned long sp = regs->rsp;
    unsigned long top = ((sp | (STACK_SIZE - 1)) + 1) - sizeof(struct cpu_info);
    trace[n++] = regs->rip;
    for (const unsigned long *p = (const unsigned long *)sp; (unsigned long)p < top && n < max; p++)
        if (is_hypervisor_text(*p))
            trace[n++] = *p;
    return n;
}

void print_call_trace(const struct cpu_user_regs *regs, const unsigned long *trace,
                      unsigned int n, const struct vcpu *v)
{
    if (guest_mode(regs)) {
        if (v)
            printk("(in guest d%uv%d: no hypervisor stack)\n", v->domain->domain_id, v->vcpu_id);
        else
            printk("(in a guest: no hypervisor stack)\n");
        return;
    }
    printk("Xen call trace (code addresses on the stack, innermost first):\n");
    for (unsigned int i = 0; i < n; i++)
        print_symbol(trace[i]);
}

void show_stack(const struct cpu_user_regs *regs)
{
    unsigned long trace[CALL_TRACE_MAX];
    unsigned int n = collect_call_trace(regs, trace, CALL_TRACE_MAX);

    print_call_trace(regs, trace, n, current);
}

static void __noreturn fatal_trap(const struct cpu_user_regs *regs, unsigned long cr2)
{
    console_force_unlock();
    show_registers(regs);
    show_stack(regs);
    if (regs->entry_vector == TRAP_page_fault)
        printk("page fault address: %016lx\n", cr2);
    panic("FATAL TRAP: vector %u, error code %#x%s", regs->entry_vector,
          regs->error_code,
          regs->entry_vector == TRAP_page_fault ? " (page fault in the hypervisor)" : "");
}

/*
 * Exceptions (and int $0x80) run with interrupts on when the interrupted
 * context had them on, as in Xen: the IDT gates are interrupt gates, so
 * entry.S arrives here with them off. A guest exception handler takes
 * locks (the page-table-write emulator takes the same per-table lock as
 * mmu_update) that other CPUs hold while waiting for a TLB-shootdown IPI
 * to be acknowledged; with interrupts off it would never take that IPI.
 * NMI, #DF and #MC keep interrupts off. CR2 is read first, before an
 * interrupt or a fixed-up fault can change it.
 */
static bool exception_runs_with_irqs_on(unsigned int vec, const struct cpu_user_regs *regs)
{
    if (!(regs->rflags & X86_EFLAGS_IF))
        return false;
    if (vec == LEGACY_SYSCALL_VECTOR)
        return true;
    return vec < FIRST_DYNAMIC_VECTOR && vec != TRAP_nmi && vec != TRAP_double_fault &&
           vec != TRAP_machine_check;
}

__guest_path void do_trap(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;
    unsigned long cr2 = vec == TRAP_page_fault ? read_cr2() : 0;

    if (vec == TRAP_nmi) {
        do_nmi(regs);                    /* from a guest or not: never bounced */
        return;
    }
    if (vec >= FIRST_DYNAMIC_VECTOR && vec != LEGACY_SYSCALL_VECTOR) {
        if (irq_handlers[vec])
            irq_handlers[vec](regs);
        return;
    }
    if (exception_runs_with_irqs_on(vec, regs))
        local_irq_enable();
    if (vec == LEGACY_SYSCALL_VECTOR && guest_mode(regs)) {
        pv_handle_int80(regs);
        return;
    }
    if (guest_mode(regs)) {
        pv_handle_guest_exception(regs, cr2);
        return;
    }
    if ((vec == TRAP_page_fault || vec == TRAP_gp_fault || vec == TRAP_no_segment ||
         vec == TRAP_stack_error) && fixup_exception(regs))
        return;
    fatal_trap(regs, cr2);
}
