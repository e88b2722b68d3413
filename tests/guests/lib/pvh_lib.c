/*
 * pvh_lib.c: the PVH test runtime in C (see pvh.h).
 */
#include "pvh.h"
#include "report.h"
#include <xen/sched.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include "pvcons.h"

const struct hvm_start_info *start_info;
uint32_t xen_cpuid_base;
struct trap_record last_trap;
static bool have_hypercalls;

extern const uint64_t __ex_table_start[], __ex_table_end[];
extern const char pvh_exc_stubs[];

/*
 * A PVH domU (no SIF_INITDOMAIN in start_info's flags) has no hypervisor
 * console: it writes its PV console ring, the page at
 * HVM_PARAM_CONSOLE_PFN (a GFN below 4 GiB, so identity-mapped: va ==
 * gpa), kicking HVM_PARAM_CONSOLE_EVTCHN; xenconsoled drains it. Found
 * once the hypercall page exists.
 */
static struct pvcons domu_console;
static bool have_domu_console;

static void find_domu_console(void)
{
    struct xen_hvm_param pfn = { .domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_PFN };
    struct xen_hvm_param port = { .domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_EVTCHN };

    if ( start_info->flags & SIF_INITDOMAIN )
        return;
    if ( HYPERVISOR_hvm_op(HVMOP_get_param, &pfn) || HYPERVISOR_hvm_op(HVMOP_get_param, &port) ||
         !pfn.value || pfn.value >= (4UL << 30) >> PAGE_SHIFT )
        return;
    domu_console.ring = (struct xencons_interface *)(pfn.value << PAGE_SHIFT);
    domu_console.port = (evtchn_port_t)port.value;
    have_domu_console = true;
}

/* Before the hypercall page exists print nothing (QEMU's port 0xe9 is not
 * there on every machine): failures then show as "no result". */
void guest_console_write(const char *s, size_t n)
{
    if ( have_domu_console )
        pvcons_write(&domu_console, s, n);
    else if ( have_hypercalls )
        HYPERVISOR_console_io(CONSOLEIO_write, n, s);
}

void guest_console_flush(void)
{
    if ( have_domu_console )
        pvcons_flush(&domu_console);
}

void guest_shutdown(unsigned int reason)
{
    struct sched_shutdown sd = { .reason = reason };

    guest_console_flush();
    for ( ;; )
    {
        if ( have_hypercalls )
            HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
        asm volatile ("cli; hlt");
    }
}

static pvh_irq_handler_t irq_handlers[256];

void pvh_set_irq_handler(unsigned int vector, pvh_irq_handler_t fn)
{
    if ( (vector >= 32 && vector < 256) || vector == 2 )
        irq_handlers[vector] = fn;
}

/* Called by pvh_head.S for every exception and interrupt: fix up, handle or abort. */
void pvh_trap(struct pvh_frame *f);
void pvh_trap(struct pvh_frame *f)
{
    const uint64_t *e;
    uint64_t cr2;

    if ( f->vector >= 32 || (f->vector == 2 && irq_handlers[2]) )
    {
        if ( irq_handlers[f->vector] )
        {
            irq_handlers[f->vector](f);
            return;
        }
        printk("unexpected interrupt: vector %lu rip %#lx\n", f->vector, f->rip);
        test_abort("unexpected interrupt");
    }

    asm volatile ("mov %%cr2, %0" : "=r" (cr2));
    for ( e = __ex_table_start; e < __ex_table_end; e += 2 )
    {
        if ( f->rip != e[0] && !(f->rip == e[1] && f->vector == 3) )
            continue;
        last_trap.count++;
        last_trap.vector = f->vector;
        last_trap.error_code = f->error_code;
        last_trap.rip = f->rip;
        last_trap.cr2 = cr2;
        f->rip = e[1];
        return;
    }
    printk("unexpected exception: vector %lu error %#lx rip %#lx cr2 %#lx\n",
           f->vector, f->error_code, f->rip, cr2);
    test_abort("unexpected exception");
}

/* 256 interrupt gates to pvh_head.S's stubs, 16 bytes apart, CS 0x08. */
static void install_idt(void)
{
    static uint64_t idt[512] __attribute__((aligned(16)));
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } desc;
    unsigned int v;

    for ( v = 0; v < 256; v++ )
    {
        uint64_t a = (uint64_t)pvh_exc_stubs + v * 16;

        idt[2 * v] = (a & 0xffff) | (0x08UL << 16) | (0x8eUL << 40) |
                     ((a >> 16 & 0xffff) << 48);
        idt[2 * v + 1] = a >> 32;
    }
    desc.limit = sizeof(idt) - 1;
    desc.base = (uint64_t)idt;
    asm volatile ("lidt %0" :: "m" (desc));
}

/*
 * Xen's leaves: the signature "XenVMMXenVMM" at 0x40000000 + n * 0x100
 * (n < 256), leaf +2 gives the number of hypercall pages (eax) and the
 * MSR (ebx) whose write of a page's guest-physical address fills it.
 */
static bool setup_hypercall_page(void)
{
    uint32_t base, a, b, c, d;

    for ( base = 0x40000000; base < 0x40010000; base += 0x100 )
    {
        cpuid(base, &a, &b, &c, &d);
        if ( b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e && a >= base + 2 )
        {
            xen_cpuid_base = base;
            cpuid(base + 2, &a, &b, &c, &d);
            if ( a < 1 )
                return false;
            wrmsr(b, (uint64_t)hypercall_page);
            return true;
        }
    }
    return false;
}

void pvh_start(uint32_t start_info_pa);
void pvh_start(uint32_t start_info_pa)
{
    start_info = (const struct hvm_start_info *)(uint64_t)start_info_pa;
    install_idt();
    if ( !setup_hypercall_page() )
        guest_shutdown(SHUTDOWN_crash);           /* silent: no way to print */
    have_hypercalls = true;
    find_domu_console();
    printk("%s: PVH test guest, start_info at %#x\n", test_name, start_info_pa);
    test_main();
    test_finish();
}
