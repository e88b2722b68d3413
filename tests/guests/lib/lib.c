/*
 * lib.c: the test guest runtime: start of day, checks, result line,
 * exception and event handling, frame-number helpers.
 */
#include "test.h"
#include "report.h"
#include <xen/sched.h>
#include <xen/callback.h>
#include <xen/event_channel.h>
#include "pvcons.h"

start_info_t *start_info;
shared_info_t *shared;
struct trap_record last_trap;
volatile unsigned long events_seen[64];
volatile unsigned int upcalls;


/* Page Xen's shared_info is mapped over (our bss page is replaced). */
static char shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));

extern const uint64_t __ex_table_start[], __ex_table_end[];
extern char trap_0[], trap_1[], trap_2[], trap_3[], trap_4[], trap_5[], trap_6[],
    trap_7[], trap_8[], trap_10[], trap_11[], trap_12[], trap_13[], trap_14[],
    trap_16[], trap_17[], trap_18[], trap_19[], trap_20[];
extern char event_callback[], failsafe_callback[];

/* Trap table: DPL 3 only for int3 and into, as a real kernel does. */
static trap_info_t trap_table[] = {
    { 0, 0, FLAT_KERNEL_CS, (unsigned long)trap_0 },
    { 1, 0, FLAT_KERNEL_CS, (unsigned long)trap_1 },
    { 2, 0, FLAT_KERNEL_CS, (unsigned long)trap_2 },
    { 3, 3, FLAT_KERNEL_CS, (unsigned long)trap_3 },
    { 4, 3, FLAT_KERNEL_CS, (unsigned long)trap_4 },
    { 5, 0, FLAT_KERNEL_CS, (unsigned long)trap_5 },
    { 6, 0, FLAT_KERNEL_CS, (unsigned long)trap_6 },
    { 7, 0, FLAT_KERNEL_CS, (unsigned long)trap_7 },
    { 8, 0, FLAT_KERNEL_CS, (unsigned long)trap_8 },
    { 10, 0, FLAT_KERNEL_CS, (unsigned long)trap_10 },
    { 11, 0, FLAT_KERNEL_CS, (unsigned long)trap_11 },
    { 12, 0, FLAT_KERNEL_CS, (unsigned long)trap_12 },
    { 13, 0, FLAT_KERNEL_CS, (unsigned long)trap_13 },
    { 14, 0, FLAT_KERNEL_CS, (unsigned long)trap_14 },
    { 16, 0, FLAT_KERNEL_CS, (unsigned long)trap_16 },
    { 17, 0, FLAT_KERNEL_CS, (unsigned long)trap_17 },
    { 18, 0, FLAT_KERNEL_CS, (unsigned long)trap_18 },
    { 19, 0, FLAT_KERNEL_CS, (unsigned long)trap_19 },
    { 20, 0, FLAT_KERNEL_CS, (unsigned long)trap_20 },
    { 0, 0, 0, 0 },
};

/*
 * A domU (no SIF_INITDOMAIN) has no hypervisor console: it writes to its
 * PV console ring (start_info->console.domU), one of its own initial pages,
 * mapped like every initial page at VIRT_BASE + pfn * 4096 (pfn from the
 * M2P), and kicks console.domU.evtchn; xenconsoled in dom0 drains it.
 * false for dom0 (or a domU without a ring).
 */
static bool console_ring(struct pvcons *c)
{
    unsigned long pfn;

    if ( !start_info || (start_info->flags & SIF_INITDOMAIN) ||
         !start_info->console.domU.mfn )
        return false;
    pfn = machine_to_phys_mapping[start_info->console.domU.mfn];
    if ( pfn >= start_info->nr_pages )
        return false;
    c->ring = (struct xencons_interface *)(0x400000 + (pfn << PAGE_SHIFT));
    c->port = start_info->console.domU.evtchn;
    return true;
}

/* Write a string to the console: hypervisor console (dom0) or PV ring. */
void guest_console_write(const char *s, size_t n)
{
    struct pvcons c;

    if ( console_ring(&c) )
        pvcons_write(&c, s, n);
    else
        HYPERVISOR_console_io(CONSOLEIO_write, n, s);
}

void guest_console_flush(void)
{
    struct pvcons c;

    if ( console_ring(&c) )
        pvcons_flush(&c);
}

/* Shut this domain down for good; on real Xen dom0 this only halts. */
void guest_shutdown(unsigned int reason)
{
    struct sched_shutdown sd = { .reason = reason };

    guest_console_flush();
    for ( ;; )
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
}

/* Called from entry.S for every exception: fix up or abort. */
void guest_trap(struct guest_frame *f)
{
    const uint64_t *e;

    for ( e = __ex_table_start; e < __ex_table_end; e += 2 )
    {
        /* Faults stop at the instruction, traps (int3) just after it. */
        if ( f->rip != e[0] && !(f->rip == e[1] && f->vector == 3) )
            continue;
        last_trap.count++;
        last_trap.vector = f->vector;
        last_trap.error_code = f->error_code;
        last_trap.rip = f->rip;
        last_trap.cr2 = shared->vcpu_info[0].arch.cr2;
        f->rip = e[1];
        return;
    }
    printk("unexpected exception: vector %lu error %#lx rip %#lx cr2 %#lx\n",
           f->vector, f->error_code, f->rip, shared->vcpu_info[0].arch.cr2);
    test_abort("unexpected exception");
}

/* Event upcall: move pending, unmasked ports into events_seen[]. */
void guest_event(struct guest_frame *f)
{
    vcpu_info_t *vi = &shared->vcpu_info[0];
    unsigned long sel;

    upcalls++;
    if ( test_upcall )
        test_upcall();
    vi->evtchn_upcall_pending = 0;
    sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while ( sel )
    {
        unsigned int w = __builtin_ctzl(sel);
        unsigned long bits = shared->evtchn_pending[w] & ~shared->evtchn_mask[w];

        sel &= sel - 1;
        __atomic_fetch_and(&shared->evtchn_pending[w], ~bits, __ATOMIC_SEQ_CST);
        events_seen[w] |= bits;
    }
}

void guest_failsafe(void)
{
    test_abort("failsafe callback");
}

void evtchn_mask(unsigned int port)
{
    __atomic_fetch_or(&shared->evtchn_mask[port / 64], 1UL << (port % 64), __ATOMIC_SEQ_CST);
}

void evtchn_unmask(unsigned int port)
{
    __atomic_fetch_and(&shared->evtchn_mask[port / 64], ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

void evtchn_clear(unsigned int port)
{
    __atomic_fetch_and(&shared->evtchn_pending[port / 64], ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

bool evtchn_pending(unsigned int port)
{
    return ACCESS_ONCE(shared->evtchn_pending[port / 64]) & (1UL << (port % 64));
}

bool event_seen(unsigned int port)
{
    unsigned long bit = 1UL << (port % 64);
    bool seen = events_seen[port / 64] & bit;

    events_seen[port / 64] &= ~bit;
    return seen;
}

void events_enable(void)
{
    barrier();
    shared->vcpu_info[0].evtchn_upcall_mask = 0;
    barrier();
    /* An event that arrived while masked is delivered at the next entry. */
    if ( shared->vcpu_info[0].evtchn_upcall_pending )
        HYPERVISOR_xen_version(0, 0);
}

void events_disable(void)
{
    shared->vcpu_info[0].evtchn_upcall_mask = 1;
    barrier();
}

unsigned long pfn_to_mfn(unsigned long pfn)
{
    return ((unsigned long *)start_info->mfn_list)[pfn];
}

unsigned long mfn_to_pfn(unsigned long mfn)
{
    return machine_to_phys_mapping[mfn];
}

unsigned long virt_to_mfn(const void *va)
{
    return pfn_to_mfn(((unsigned long)va - 0x400000) >> PAGE_SHIFT);
}

/* Our mapping of the page-table frame at machine frame mfn. */
static uint64_t *table_va(uint64_t entry)
{
    unsigned long pfn = mfn_to_pfn((entry & PTE_ADDR_MASK) >> PAGE_SHIFT);

    return (uint64_t *)(0x400000 + (pfn << PAGE_SHIFT));
}

uint64_t read_pte(const void *va, int level)
{
    unsigned long a = (unsigned long)va;
    uint64_t *t = (uint64_t *)start_info->pt_base;
    uint64_t e = 0;
    int l;

    for ( l = 4; l >= level; l-- )
    {
        e = t[(a >> (12 + 9 * (l - 1))) & 511];
        if ( !(e & _PAGE_PRESENT) || l == level )
            break;
        t = table_va(e);
    }
    return e;
}

uint64_t pte_maddr(const void *va)
{
    uint64_t l2e = read_pte(va, 2);
    unsigned long idx = ((unsigned long)va >> 12) & 511;

    return (l2e & PTE_ADDR_MASK) + idx * 8;
}

uint64_t read_tsc(void)
{
    uint32_t lo, hi;

    asm volatile ("rdtsc" : "=a" (lo), "=d" (hi));
    return ((uint64_t)hi << 32) | lo;
}

/* (Re)install our trap table and event/failsafe callbacks. */
void guest_reinstall_handlers(void)
{
    long rc;

    if ( (rc = HYPERVISOR_set_trap_table(trap_table)) != 0 )
        printk("set_trap_table: %ld\n", rc);
    if ( (rc = HYPERVISOR_set_callbacks(event_callback, failsafe_callback, 0)) != 0 )
        printk("set_callbacks: %ld\n", rc);
}

/* Map shared_info over our page, install handlers, run the test. */
void guest_start(start_info_t *si)
{
    uint64_t pte;
    long rc;

    start_info = si;
    pte = si->shared_info | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    rc = HYPERVISOR_update_va_mapping(shared_info_page, pte, UVMF_INVLPG);
    if ( rc )
    {
        printk("%s: cannot map shared_info: %ld\n", test_name, rc);
        guest_shutdown(SHUTDOWN_crash);
    }
    shared = (shared_info_t *)shared_info_page;
    guest_reinstall_handlers();
    printk("%s: start (%s, %lu pages)\n", test_name, si->magic, si->nr_pages);
    test_main();
    test_finish();
}

/* Xen system time in ns, from vcpu 0's pvclock (version protocol). */
uint64_t xen_now(void)
{
    volatile struct vcpu_time_info *t = &shared->vcpu_info[0].time;
    uint32_t ver, mul;
    uint64_t base, stamp, delta;
    int8_t shift;

    do {
        ver = t->version;
        barrier();
        base = t->system_time;
        stamp = t->tsc_timestamp;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        delta = read_tsc() - stamp;
        barrier();
    } while ( (ver & 1) || ver != t->version );
    delta = shift < 0 ? delta >> -shift : delta << shift;
    return base + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* A secondary vCPU starts here: an aligned stack, then the test's secondary_main(). */
asm (".text\n"
     ".weak secondary_main\n"
     "secondary_entry:\n"
     "    and $-16, %rsp\n"
     "    call secondary_main\n"
     "    ud2\n");

void build_vcpu_context(vcpu_guest_context_t *ctx, void *stack_top)
{
    extern char event_callback[], failsafe_callback[], secondary_entry[];

    memset(ctx, 0, sizeof(*ctx));
    ctx->flags = VGCF_in_kernel;
    ctx->user_regs.rip = (unsigned long)secondary_entry;
    ctx->user_regs.rsp = (unsigned long)stack_top;
    ctx->user_regs.cs = FLAT_KERNEL_CS;
    ctx->user_regs.ss = FLAT_KERNEL_SS;
    ctx->user_regs.ds = ctx->user_regs.es = FLAT_KERNEL_DS;
    ctx->user_regs.rflags = 0x200;
    ctx->kernel_ss = FLAT_KERNEL_SS;
    ctx->kernel_sp = ctx->user_regs.rsp;
    ctx->ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn((void *)start_info->pt_base));
    ctx->event_callback_eip = (unsigned long)event_callback;
    ctx->failsafe_callback_eip = (unsigned long)failsafe_callback;
}
