/* SOURCES: common/memory.c common/multicall.c common/vm_assist.c arch/x86/platform_hypercall.c arch/x86/efi.c arch/x86/physdev.c arch/x86/irq.c arch/x86/acpi_madt.c arch/x86/mm/page_ref.c */
/*
 * memory_op, multicall, vm_assist, platform_op and physdev_op (with the
 * PIRQ layer, arch/x86/irq.c, on a fake IO-APIC) against a fake heap, a
 * fake domain list and guest copies that fault on request.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/memory_op.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xen/memory.h>
#include <xen/platform.h>
#include <xen/physdev.h>
#include <xen/event_channel.h>
#include <asm/irq.h>
#include <asm/madt.h>
#include <asm/msi.h>
#include <asm/pirq.h>
#include <xen/physdev.h>
#include <asm/current.h>
#include "host_stubs.h"
#include <asm/hvm/hvm.h>

/* memory_op's perf counter: counted, not checked here. */
static unsigned long memops_counted;
s_time_t NOW(void) { return 0; }
void perfc_memop(unsigned int op, const char *name, s_time_t ns) { memops_counted++; }

/* No HVM domain in these tests: common/memory.c's HVM branch is never taken. */
int hvm_add_to_physmap(struct domain *d, unsigned int space, unsigned long idx, unsigned long gfn)
{
    return -ENOSYS;
}
int hvm_physmap_add_ram(struct domain *d, unsigned long gfn, unsigned long mfn, unsigned int order)
{
    return -ENOSYS;
}
int hvm_physmap_remove_ram(struct domain *d, unsigned long gfn)
{
    return -ENOSYS;
}
int hvm_remove_from_physmap(struct domain *d, unsigned long gfn)
{
    return -ENOSYS;
}

/* ---- fakes: current, domains ---- */

struct vcpu *host_test_current;
static struct domain dom0, domu;
static struct vcpu vcpu0, vcpuu;
static struct shared_info shinfo0;

struct domain *rcu_lock_domain_by_id(domid_t id)
{
    if (id == DOMID_SELF)
        id = current->domain->domain_id;
    struct domain *d = id == 0 ? &dom0 : id == 1 ? &domu : NULL;
    if (d)
        d->refcnt++;
    return d;
}

void rcu_unlock_domain(struct domain *d)
{
    assert_true(d->refcnt > 0);
    d->refcnt--;
}

/* ---- fakes: guest memory (host pointers; one "unmapped" range faults) ---- */

static char bad_area[4096];                 /* copies touching this fault */
static bool fault_writes;                   /* every copy to the guest faults */

static bool touches_bad(const void *p, size_t n)
{
    const char *c = p;
    return !c || (c < bad_area + sizeof(bad_area) && c + n > bad_area);
}

bool guest_range_ok(unsigned long va, size_t bytes)
{
    return va + bytes >= va && !(va + bytes > HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END);
}

size_t raw_copy_from_guest(void *dst, const void *src, size_t n)
{
    if (!guest_range_ok((unsigned long)src, n) || touches_bad(src, n))
        return n;
    memcpy(dst, src, n);
    return 0;
}

size_t raw_copy_to_guest(void *dst, const void *src, size_t n)
{
    if (fault_writes || !guest_range_ok((unsigned long)dst, n) || touches_bad(dst, n))
        return n;
    memcpy(dst, src, n);
    return 0;
}

/* ---- fakes: frames and the heap ---- */

#define NR_FRAMES 64
static struct page_info frames[NR_FRAMES];
static unsigned long m2p[NR_FRAMES];
struct page_info *frame_table = frames;
unsigned long max_page = NR_FRAMES;
unsigned long *machine_to_phys_mapping = m2p;

struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order, unsigned int memflags)
{
    unsigned long n = 1UL << order;
    if (d->tot_pages + n > d->max_pages)
        return NULL;
    for (unsigned long m = 0; m + n <= NR_FRAMES; m += n) {
        bool free = true;
        for (unsigned long j = 0; j < n; j++)
            free = free && frames[m + j].count_info == 0 && !page_get_owner(&frames[m + j]);
        if (!free)
            continue;
        for (unsigned long j = 0; j < n; j++) {
            frames[m + j].count_info = PGC_allocated | 1;
            page_set_owner(&frames[m + j], d);
            m2p[m + j] = 0x5555;        /* stale: memory_op must overwrite */
        }
        d->tot_pages += n;
        return &frames[m];
    }
    return NULL;
}

void free_domheap_pages(struct page_info *pg, unsigned int order)
{
    for (unsigned long j = 0; j < (1UL << order); j++) {
        assert_true((pg[j].count_info & PGC_count_mask) == 0);
        page_get_owner(&pg[j])->tot_pages--;
        page_set_owner(&pg[j], NULL);
        pg[j].count_info = 0;
    }
}

unsigned long total_free_pages(void) { return 10; }

int get_page_type(struct page_info *pg, unsigned long type)
{
    if ((pg->type_info & PGT_count_mask) && (pg->type_info & PGT_type_mask) != type)
        return -EBUSY;
    pg->type_info = type | ((pg->type_info & PGT_count_mask) + 1);
    return 0;
}

void put_page_type(struct page_info *pg) { pg->type_info--; }

long arch_memory_op(unsigned long cmd, unsigned long arg) { return -ENOSYS; }

/* ---- fakes: platform ---- */

static jmp_buf poweroff_jmp;
void machine_power_off(void) { longjmp(poweroff_jmp, 1); }
uint16_t acpi_pm1a_control_port(void) { return 0x604; }
paddr_t acpi_find_table(const char sig[4]) { return 0; }
/* No IO-APIC in these tests: every apic_read/apic_write base is unknown. */
int ioapic_index_of(uint64_t paddr) { return -1; }
uint32_t ioapic_read_reg(unsigned int idx, unsigned int reg) { fail(); return 0; }
bool cpu_online(unsigned int cpu) { return cpu < 2; }
/* Host tests run as CPU 0: a deferred EOI is always owed here, never asked of another CPU. */
void on_selected_cpus(const cpumask_t *mask, void (*fn)(void *), void *arg, bool wait) { fail(); }

/* Continuations: fake_softirq makes the hypervisor look busy. */
static unsigned long fake_softirq, fake_args[5];
unsigned long softirq_pending(unsigned int cpu) { return fake_softirq; }
/* As arch/x86/pv/syscall.c's. */
void hypercall_set_arg(unsigned int index, unsigned long value)
{
    xen_ulong_t *entry = multicall_entry_args();

    if (entry)
        entry[index] = value;
    else
        fake_args[index] = value;
}
bool hypercall_preempt_check(void) { return fake_softirq; }

static uint64_t wallclock_boot_ns;
void time_set_wallclock_boot(uint64_t ns) { wallclock_boot_ns = ns; }
uint32_t cpu_physical_id(unsigned int cpu) { return cpu * 2; }

/* ---- fake interrupt hardware for arch/x86/irq.c: one 24-pin IO-APIC ---- */

struct domain *hardware_domain;
/* The frames' contents (PHYSDEVOP_pirq_eoi_gmfn_v2's bitmap). */
static unsigned long frame_data[NR_FRAMES][PAGE_SIZE / sizeof(unsigned long)];
void *host_mfn_to_virt(unsigned long mfn) { assert_true(mfn < NR_FRAMES); return frame_data[mfn]; }
/* XENMEM_exchange is tested by the memory_op test guest (on Xen and Xenia), not here. */
long memory_exchange(unsigned long arg) { return -ENOSYS; }
static struct { bool routed, masked, level, low; uint8_t vector; uint32_t dest; } pins[24];
static irq_handler_t handlers[256];
static int lapic_eois;
static struct { struct domain *d; evtchn_port_t port; uint32_t pirq; int count; } sent;
static struct madt_info fake_madt;

unsigned int ioapic_nr_gsis(void) { return 24; }
int ioapic_route_gsi(unsigned int gsi, uint8_t vector, uint32_t dest, bool level, bool active_low)
{
    assert_true(gsi < 24);
    pins[gsi].routed = pins[gsi].masked = true;
    pins[gsi].vector = vector;
    pins[gsi].level = level;
    pins[gsi].low = active_low;
    pins[gsi].dest = dest;
    return 0;
}
void ioapic_set_dest(unsigned int gsi, uint32_t dest) { assert_true(gsi < 24); pins[gsi].dest = dest; }
void ioapic_mask_gsi(unsigned int gsi, bool mask) { assert_true(gsi < 24); pins[gsi].masked = mask; }
void set_irq_handler(uint8_t vector, irq_handler_t fn) { handlers[vector] = fn; }
void apic_eoi(void) { lapic_eois++; }
const struct madt_info *acpi_madt(void) { return &fake_madt; }
static int notified_cpu;                /* where the fake says the notified vCPU runs */
int send_guest_pirq(struct domain *d, evtchn_port_t port, uint32_t pirq)
{
    sent.d = d; sent.port = port; sent.pirq = pirq; sent.count++;
    return notified_cpu;
}

/* The interrupt of PIRQ descriptor i (GSI i, or an MSI) arrives, as do_trap() would deliver it. */
static void fire(unsigned int i)
{
    struct cpu_user_regs regs = { .entry_vector = GSI_VECTOR_BASE + i };
    assert_non_null(handlers[GSI_VECTOR_BASE + i]);
    handlers[GSI_VECTOR_BASE + i](&regs);
}

/* ---- fake PCI functions for arch/x86/irq.c's MSI side: 00:03.0 has MSI-X (4 entries) ---- */

static struct { unsigned int calls; uint8_t vector; bool masked; uint32_t dest; } msix[4];
static uint8_t msi_vector;
int msi_setup(struct msi_desc *m, unsigned int bus, unsigned int devfn, unsigned int entry,
              uint64_t table_base, uint8_t vector, uint32_t dest)
{
    *m = (struct msi_desc){ .bus = bus, .devfn = devfn, .entry = entry, .msix = table_base != 0,
                            .pos = 0x40 };
    if (bus == 0 && devfn == 0x10 && !table_base && !entry) {
        msi_vector = vector;            /* 00:02.0: a plain MSI function */
        return 0;
    }
    if (bus != 0 || devfn != 0x18)
        return -ENODEV;
    if (!table_base)
        return -ENODEV;                 /* 00:03.0: no plain MSI capability */
    if (table_base != 0xfebf0000 || entry >= 4)
        return -EINVAL;
    msix[entry].calls++;
    msix[entry].vector = vector;
    msix[entry].masked = true;
    msix[entry].dest = dest;
    return 0;
}
void msi_mask(struct msi_desc *m, bool mask) { if (m->msix && m->entry < 4) msix[m->entry].masked = mask; }
bool msi_set_dest(struct msi_desc *m, uint32_t dest)
{
    if (!m->msix)
        return false;
    assert_true(m->entry < 4);
    msix[m->entry].dest = dest;
    return true;
}

/*
 * ---- fake dispatcher for multicall: 1 = echo arg0, 2 = fail, nested multicall,
 * 3 = arg0 units of work, one per round while work is pending (continuation: arg0 left) ----
 */

long hypercall_dispatch(unsigned long nr, const unsigned long args[5])
{
    switch (nr) {
    case 1: return (long)args[0] + 1;
    case 2: return -EINVAL;
    case 3:
        if (args[0] > 1 && hypercall_preempt_check()) {
            hypercall_set_arg(0, args[0] - 1);
            return -ERESTART;
        }
        return 100;
    case __HYPERVISOR_multicall: return do_multicall(args[0], args[1]);
    case __HYPERVISOR_vm_assist: return do_vm_assist(args[0], args[1]);
    default: return -ENOSYS;
    }
}

static int setup(void **state)
{
    memset(frames, 0, sizeof(frames));
    memset(m2p, 0xff, sizeof(m2p));
    memset(&dom0, 0, sizeof(dom0));
    memset(&domu, 0, sizeof(domu));
    dom0.domain_id = 0;
    dom0.is_privileged = true;
    dom0.max_pages = ~0U;
    dom0.shared_info = &shinfo0;
    domu.domain_id = 1;
    domu.max_pages = 4;
    vcpu0.domain = &dom0;
    vcpuu.domain = &domu;
    host_test_current = &vcpu0;
    fault_writes = false;
    hardware_domain = &dom0;
    return 0;
}

static long memop(unsigned long cmd, void *arg) { return do_memory_op(cmd, (hc_arg_t)arg); }

/* ---- memory_op ---- */

static void test_reservation_queries(void **state)
{
    domid_t self = DOMID_SELF, u = 1, none = 77, xen = DOMID_XEN;
    dom0.tot_pages = 3;
    shinfo0.arch.max_pfn = 100;
    assert_int_equal(memop(XENMEM_current_reservation, &self), 3);
    assert_int_equal(memop(XENMEM_maximum_reservation, &self), 0xffffffffL);
    assert_int_equal(memop(XENMEM_maximum_gpfn, &self), 99);
    assert_int_equal(memop(XENMEM_maximum_reservation, &u), 4);
    assert_int_equal(memop(XENMEM_maximum_ram_page, NULL), NR_FRAMES);
    assert_int_equal(memop(XENMEM_current_reservation, &none), -ESRCH);
    assert_int_equal(memop(XENMEM_current_reservation, &xen), -ESRCH);
    assert_int_equal(memop(XENMEM_current_reservation, NULL), -EFAULT);
    assert_int_equal(memop(XENMEM_current_reservation, (void *)HYPERVISOR_VIRT_START), -EFAULT);
    assert_int_equal(memop(XENMEM_current_reservation | (1 << MEMOP_EXTENT_SHIFT), &self), -EINVAL);
    host_test_current = &vcpuu;                 /* a domU may not look at dom0 */
    domid_t zero = 0;
    assert_int_equal(memop(XENMEM_current_reservation, &zero), -EPERM);
    assert_int_equal(memop(XENMEM_current_reservation, &self), 0);
    assert_int_equal(dom0.refcnt + domu.refcnt, 0);
    assert_int_equal(memop(99, &self), -ENOSYS);
}

static struct xen_memory_reservation resv(xen_pfn_t *list, unsigned long nr, unsigned int order)
{
    struct xen_memory_reservation r = { .nr_extents = nr, .extent_order = order, .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, list);
    return r;
}

static void test_increase_decrease(void **state)
{
    xen_pfn_t list[4] = { 0 };
    struct xen_memory_reservation r = resv(list, 2, 1);

    assert_int_equal(memop(XENMEM_increase_reservation, &r), 2);
    assert_int_equal(dom0.tot_pages, 4);
    assert_int_equal(list[0], 0);
    assert_int_equal(list[1], 2);
    assert_true(m2p[0] == INVALID_M2P_ENTRY && m2p[3] == INVALID_M2P_ENTRY);

    /* Free frame 2 (order 0); a still-mapped frame 3 loses only its allocation ref. */
    frames[3].count_info++;                     /* a page-table mapping */
    xen_pfn_t dec[2] = { 2, 3 };
    r = resv(dec, 2, 0);
    assert_int_equal(memop(XENMEM_decrease_reservation, &r), 2);
    assert_null(page_get_owner(&frames[2]));
    assert_ptr_equal(page_get_owner(&frames[3]), &dom0);
    assert_int_equal(frames[3].count_info, 1);  /* no PGC_allocated, the mapping's ref */
    assert_int_equal(dom0.tot_pages, 3);
    put_page(&frames[3]);                       /* the mapping goes: freed */
    assert_int_equal(dom0.tot_pages, 2);

    /* A frame we do not own, an invalid MFN, a list we cannot read: 0 done. */
    dec[0] = 2;
    assert_int_equal(memop(XENMEM_decrease_reservation, &r), 0);
    dec[0] = NR_FRAMES + 5;
    assert_int_equal(memop(XENMEM_decrease_reservation, &r), 0);
    r = resv((xen_pfn_t *)bad_area, 1, 0);
    assert_int_equal(memop(XENMEM_decrease_reservation, &r), 0);
    /* A domU cannot free dom0's frames. */
    host_test_current = &vcpuu;
    dec[0] = 0;
    r = resv(dec, 1, 0);
    assert_int_equal(memop(XENMEM_decrease_reservation, &r), 0);
    assert_ptr_equal(page_get_owner(&frames[0]), &dom0);
}

static void test_increase_errors(void **state)
{
    xen_pfn_t list[8];
    struct xen_memory_reservation r = resv(list, 8, 0);

    host_test_current = &vcpuu;                 /* quota 4 frames */
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 4);
    assert_int_equal(domu.tot_pages, 4);
    r = resv(list, 1, 10);                      /* domU max order is 9 */
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 0);
    r = resv(list, 1, 0);
    r.domid = 0;                                /* another domain: refused */
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 0);
    r.domid = 55;
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 0);
    host_test_current = &vcpu0;
    r = resv(list, 3, 0);                       /* start extent 2 of 3: one more */
    assert_int_equal(memop(XENMEM_increase_reservation | (2 << MEMOP_EXTENT_SHIFT), &r), 3);
    assert_int_equal(dom0.tot_pages, 1);
    assert_int_equal(memop(XENMEM_increase_reservation | (5 << MEMOP_EXTENT_SHIFT), &r), 5);
    r = resv(list, 1, 19);                      /* over dom0's max order (18) */
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 0);
    r = resv(list, 1, 0);
    r.mem_flags = XENMEMF_address_bits(12);     /* below a page: refused */
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 0);
    r = resv((xen_pfn_t *)bad_area, 1, 0);      /* frame allocated, MFN not reported */
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 0);
    assert_int_equal(memop(XENMEM_increase_reservation, NULL), 0);
    r = resv(NULL, 2, 0);                       /* no list: allowed */
    assert_int_equal(memop(XENMEM_increase_reservation, &r), 2);
}

/*
 * Extent lists are preemptible: with work pending, the first extent is
 * done, then -ERESTART with the next extent in cmd's upper bits; the
 * re-issued call finishes.
 */
static void test_reservation_continuation(void **state)
{
    xen_pfn_t list[3] = { 0x100, 0x200, 0x300 };
    struct xen_memory_reservation r = resv(list, 3, 0);

    fake_softirq = 1;
    assert_int_equal(memop(XENMEM_populate_physmap, &r), -ERESTART);
    assert_int_equal(fake_args[0], XENMEM_populate_physmap | (1UL << MEMOP_EXTENT_SHIFT));
    assert_int_equal(dom0.tot_pages, 1);
    assert_int_equal(m2p[list[0]], 0x100);
    /* Re-issued (work still pending): one more extent each time. */
    assert_int_equal(memop(fake_args[0], &r), -ERESTART);
    assert_int_equal(fake_args[0], XENMEM_populate_physmap | (2UL << MEMOP_EXTENT_SHIFT));
    fake_softirq = 0;
    assert_int_equal(memop(fake_args[0], &r), 3);
    assert_int_equal(dom0.tot_pages, 3);

    /* decrease_reservation the same way. */
    fake_softirq = 1;
    r = resv(list, 3, 0);
    assert_int_equal(memop(XENMEM_decrease_reservation, &r), -ERESTART);
    assert_int_equal(dom0.tot_pages, 2);
    fake_softirq = 0;
    assert_int_equal(memop(fake_args[0], &r), 3);
    assert_int_equal(dom0.tot_pages, 0);
}

static void test_populate_physmap(void **state)
{
    xen_pfn_t list[2] = { 0x100, 0x200 };
    struct xen_memory_reservation r = resv(list, 2, 0);

    assert_int_equal(memop(XENMEM_populate_physmap, &r), 2);
    assert_int_equal(m2p[list[0]], 0x100);
    assert_int_equal(m2p[list[1]], 0x200);
    assert_int_equal(dom0.tot_pages, 2);
    r = resv(list, 1, 40);
    assert_int_equal(memop(XENMEM_populate_physmap, &r), 0);
    r = resv(list, 1, 0);
    r.mem_flags = XENMEMF_populate_on_demand;   /* PoD on oneself: refused */
    assert_int_equal(memop(XENMEM_populate_physmap, &r), 0);
    fault_writes = true;                        /* MFN cannot be reported: not done */
    list[0] = 0x300;
    r.mem_flags = 0;
    assert_int_equal(memop(XENMEM_populate_physmap, &r), 0);
}

static void test_memop_refusals(void **state)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info };
    assert_int_equal(memop(XENMEM_add_to_physmap, &x), -EACCES);
    x.space = XENMAPSPACE_gmfn_foreign;
    assert_int_equal(memop(XENMEM_add_to_physmap, &x), -ENOSYS);
    assert_int_equal(memop(XENMEM_add_to_physmap | (1UL << (16 + MEMOP_EXTENT_SHIFT)), &x), -EDOM);
    struct xen_vnuma_topology_info t = { .domid = DOMID_SELF };
    assert_int_equal(memop(XENMEM_get_vnumainfo, &t), -EOPNOTSUPP);
    t.pad = 1;
    assert_int_equal(memop(XENMEM_get_vnumainfo, &t), -EINVAL);
    assert_int_equal(memop(XENMEM_exchange, NULL), -ENOSYS);
    struct xen_memory_reservation c = resv(NULL, 0, 0);
    c.domid = 1;
    assert_int_equal(memop(XENMEM_claim_pages, &c), 0);
    c.nr_extents = 100;                         /* above domU's max_pages */
    assert_int_equal(memop(XENMEM_claim_pages, &c), -EINVAL);
    host_test_current = &vcpuu;
    c.nr_extents = 0;
    assert_int_equal(memop(XENMEM_claim_pages, &c), -EPERM);
}

/* ---- multicall ---- */

static void test_multicall(void **state)
{
    multicall_entry_t mc[4];
    memset(mc, 0, sizeof(mc));
    mc[0].op = 1; mc[0].args[0] = 41;
    mc[1].op = 2;
    mc[2].op = 63;
    mc[3].op = 1; mc[3].args[0] = 1;
    assert_int_equal(do_multicall((hc_arg_t)mc, 4), 0);
    assert_int_equal(mc[0].result, 42);
    assert_int_equal((long)mc[1].result, -EINVAL);
    assert_int_equal((long)mc[2].result, -ENOSYS);
    assert_int_equal(mc[3].result, 2);

    mc[0].op = __HYPERVISOR_multicall;          /* nesting refused, batch goes on */
    mc[0].args[0] = (unsigned long)&mc[1];
    mc[0].args[1] = 1;
    assert_int_equal(do_multicall((hc_arg_t)mc, 2), 0);
    fake_softirq = 1;                                  /* pending work: stop after one entry */
    assert_int_equal(do_multicall((hc_arg_t)mc, 2), -ERESTART);
    assert_int_equal(fake_args[0], (hc_arg_t)(mc + 1));
    assert_int_equal(fake_args[1], 1);
    fake_softirq = 0;
    assert_int_equal((long)mc[0].result, -EINVAL);

    assert_int_equal(do_multicall(0, 0), 0);
    assert_int_equal(do_multicall(0, 1), -EFAULT);
    assert_int_equal(do_multicall(HYPERVISOR_VIRT_START, 2), -EFAULT);
    assert_int_equal(do_multicall((hc_arg_t)bad_area, 1), -EFAULT);
    fault_writes = true;                        /* result copy-out fails: -EFAULT */
    assert_int_equal(do_multicall((hc_arg_t)mc, 2), -EFAULT);
    fault_writes = false;
    assert_int_equal(do_multicall((hc_arg_t)mc, 1), 0);  /* flag was cleared */

    /* A preempted entry is written back with its continuation and resumed from. */
    memset(mc, 0, sizeof(mc));
    mc[0].op = 3; mc[0].args[0] = 3;
    mc[1].op = 1; mc[1].args[0] = 7;
    mc[0].result = mc[1].result = 55;
    fake_softirq = 1;
    assert_int_equal(do_multicall((hc_arg_t)mc, 2), -ERESTART);
    assert_int_equal(mc[0].args[0], 2);
    assert_int_equal(mc[0].result, 55);                /* no result yet */
    assert_int_equal(fake_args[0], (hc_arg_t)mc);
    assert_int_equal(fake_args[1], 2);
    assert_int_equal(do_multicall(fake_args[0], fake_args[1]), -ERESTART);
    assert_int_equal(mc[0].args[0], 1);
    /* Last unit done; then the multicall's own check stops before entry 1. */
    assert_int_equal(do_multicall(fake_args[0], fake_args[1]), -ERESTART);
    assert_int_equal(mc[0].result, 100);
    assert_int_equal(fake_args[0], (hc_arg_t)(mc + 1));
    assert_int_equal(fake_args[1], 1);
    fake_softirq = 0;
    assert_int_equal(do_multicall(fake_args[0], fake_args[1]), 0);
    assert_int_equal(mc[1].result, 8);
    assert_null(multicall_entry_args());
}

/* ---- vm_assist ---- */

static void test_vm_assist(void **state)
{
    assert_int_equal(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0);
    assert_int_equal(dom0.arch.vm_assist, 1UL << VMASST_TYPE_m2p_strict);
    assert_int_equal(do_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
    assert_int_equal(do_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict), 0);
    assert_int_equal(dom0.arch.vm_assist, 1UL << VMASST_TYPE_writable_pagetables);
    assert_int_equal(do_vm_assist(VMASST_CMD_enable, 6), -EINVAL);
    assert_int_equal(do_vm_assist(VMASST_CMD_enable, 64), -EINVAL);
    assert_int_equal(do_vm_assist(7, 6), -EINVAL);      /* type checked first */
    assert_int_equal(do_vm_assist(7, VMASST_TYPE_runstate_update_flag), -ENOSYS);
    assert_int_equal(do_vm_assist(VMASST_CMD_enable, (1UL << 32) | 2), 0);  /* 32-bit args */
}

/* ---- platform_op ---- */

static long pfop(struct xen_platform_op *op) { return do_platform_op((hc_arg_t)op); }

static void test_platform_op(void **state)
{
    struct xen_platform_op op = { .cmd = XENPF_get_cpuinfo, .interface_version = 0x03000000 };
    assert_int_equal(pfop(&op), -EACCES);
    assert_int_equal(do_platform_op(0), -EFAULT);
    op.interface_version = XENPF_INTERFACE_VERSION;
    op.u.pcpu_info.xen_cpuid = 1;
    assert_int_equal(pfop(&op), 0);
    assert_int_equal(op.u.pcpu_info.flags, XEN_PCPU_FLAGS_ONLINE);
    assert_int_equal(op.u.pcpu_info.apic_id, 2);
    assert_int_equal(op.u.pcpu_info.max_present, 1);
    op.u.pcpu_info.xen_cpuid = 5;
    assert_int_equal(pfop(&op), 0);
    assert_int_equal(op.u.pcpu_info.flags, XEN_PCPU_FLAGS_INVALID);

    memset(&op.u, 0, sizeof(op.u));
    op.cmd = XENPF_settime64;
    op.u.settime64.secs = 1000;
    op.u.settime64.nsecs = 5;
    op.u.settime64.system_time = 2000000000ULL;
    assert_int_equal(pfop(&op), 0);
    assert_int_equal(shinfo0.wc_sec, 998);
    assert_int_equal(shinfo0.wc_nsec, 5);
    assert_int_equal(wallclock_boot_ns, 998000000005ULL);    /* the hypervisor's base moved too */
    op.u.settime64.mbz = 1;
    assert_int_equal(pfop(&op), -EINVAL);

    op.cmd = XENPF_firmware_info;
    memset(&op.u, 0, sizeof(op.u));
    op.u.firmware_info.type = XEN_FW_DISK_INFO;
    assert_int_equal(pfop(&op), -ESRCH);
    op.u.firmware_info.type = XEN_FW_EFI_INFO;
    assert_int_equal(pfop(&op), -ENOSYS);
    op.u.firmware_info.type = 99;
    assert_int_equal(pfop(&op), -EINVAL);

    op.cmd = XENPF_enter_acpi_sleep;
    memset(&op.u, 0, sizeof(op.u));
    op.u.enter_acpi_sleep.sleep_state = 3;
    assert_int_equal(pfop(&op), -EOPNOTSUPP);
    op.u.enter_acpi_sleep.sleep_state = 5;
    op.u.enter_acpi_sleep.flags = 2;
    assert_int_equal(pfop(&op), -EINVAL);
    op.cmd = 1000;
    assert_int_equal(pfop(&op), -ENOSYS);
    op.cmd = XENPF_cpu_offline;
    op.u.cpu_ol.cpuid = 0;
    assert_int_equal(pfop(&op), -EOPNOTSUPP);

    /* Last: S5 never returns (the fake jumps out with xenpf_lock held). */
    op.cmd = XENPF_enter_acpi_sleep;
    memset(&op.u, 0, sizeof(op.u));
    op.u.enter_acpi_sleep.sleep_state = 5;
    if (!setjmp(poweroff_jmp)) {
        pfop(&op);
        fail_msg("S5 returned");
    }
}

/* A domU: Xen 4.17 copies (-EFAULT) and checks the version (-EACCES) before
 * XSM refuses (-EPERM); the dispatcher must not refuse it first. */
static void test_platform_op_domu(void **state)
{
    struct xen_platform_op op = { .cmd = XENPF_get_cpuinfo, .interface_version = 0x03000000 };

    uint32_t wc_sec = shinfo0.wc_sec;

    host_test_current = &vcpuu;
    assert_int_equal(do_platform_op(0), -EFAULT);
    assert_int_equal(pfop(&op), -EACCES);
    op.interface_version = XENPF_INTERFACE_VERSION;
    assert_int_equal(pfop(&op), -EPERM);
    op.cmd = XENPF_settime64;
    assert_int_equal(pfop(&op), -EPERM);
    assert_int_equal(shinfo0.wc_sec, wc_sec);    /* the clock untouched */
}

/* ---- physdev_op ---- */

static void test_physdev(void **state)
{
    struct physdev_set_iopl s = { .iopl = 3 };
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, (hc_arg_t)&s), 0);
    assert_int_equal(vcpu0.arch.iopl, 3);
    s.iopl = 4;
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, (hc_arg_t)&s), -EINVAL);
    assert_int_equal(vcpu0.arch.iopl, 3);
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, 0), -EFAULT);

    struct physdev_irq_status_query q = { .irq = 10 };
    assert_int_equal(do_physdev_op(PHYSDEVOP_irq_status_query, (hc_arg_t)&q), 0);
    assert_int_equal(q.flags, XENIRQSTAT_needs_eoi);
    q.irq = 100000;
    assert_int_equal(do_physdev_op(PHYSDEVOP_irq_status_query, (hc_arg_t)&q), -EINVAL);

    struct physdev_irq irq = { .irq = 9 };
    assert_int_equal(do_physdev_op(PHYSDEVOP_alloc_irq_vector, (hc_arg_t)&irq), 0);
    assert_int_equal(irq.vector, 9);
    struct physdev_apic a = { .apic_physbase = 0xfec00000, .reg = 1 };
    assert_int_equal(do_physdev_op(PHYSDEVOP_apic_read, (hc_arg_t)&a), -EINVAL);
    struct physdev_pci_device_add add = { 0 };
    assert_int_equal(do_physdev_op(PHYSDEVOP_pci_device_add, (hc_arg_t)&add), 0);
    assert_int_equal(do_physdev_op(999, (hc_arg_t)&add), -ENOSYS);

    host_test_current = &vcpuu;
    assert_int_equal(do_physdev_op(PHYSDEVOP_alloc_irq_vector, (hc_arg_t)&irq), -EPERM);
    assert_int_equal(do_physdev_op(PHYSDEVOP_apic_read, (hc_arg_t)&a), -EPERM);
    assert_int_equal(do_physdev_op(PHYSDEVOP_pci_device_add, (hc_arg_t)&add), -EPERM);
    struct physdev_map_pirq m = { .domid = 0, .type = MAP_PIRQ_TYPE_GSI };
    assert_int_equal(do_physdev_op(PHYSDEVOP_map_pirq, (hc_arg_t)&m), -EPERM);
    s.iopl = 1;
    assert_int_equal(do_physdev_op(PHYSDEVOP_set_iopl, (hc_arg_t)&s), 0);
    assert_int_equal(vcpuu.arch.iopl, 1);
}

static long physdev(int cmd, void *arg) { return do_physdev_op(cmd, (hc_arg_t)arg); }

/*
 * GSIs as dom0's PIRQs: map, setup_gsi, bind, an interrupt raises the
 * port, a level pin stays masked until the EOI; the errors for bad input.
 */
static void test_pirq(void **state)
{
    memset(pins, 0, sizeof(pins));
    fake_madt = (struct madt_info){ .nr_overrides = 2 };
    fake_madt.overrides[0] = (struct madt_override){ .isa_irq = 0, .gsi = 2 };
    fake_madt.overrides[1] = (struct madt_override){ .isa_irq = 9, .gsi = 9, .flags = 0xd };
    pirq_init();
    pirq_domain_destroy(&dom0);

    /* map_pirq GSI 20 (a PCI line) as pirq 20, then set it up level/low. */
    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
                                  .index = 20, .pirq = 20 };
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_equal(m.pirq, 20);
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);          /* again: still ours */
    struct physdev_setup_gsi sg = { .gsi = 20, .triggering = 1, .polarity = 1 };
    assert_int_equal(physdev(PHYSDEVOP_setup_gsi, &sg), 0);
    assert_true(pins[20].routed && pins[20].masked && pins[20].level && pins[20].low);
    assert_int_equal(pins[20].vector, GSI_VECTOR_BASE + 20);
    assert_int_equal(physdev(PHYSDEVOP_setup_gsi, &sg), -EEXIST);  /* the first setting stays */

    /* Bound (what EVTCHNOP_bind_pirq does once it has a port): unmasked. */
    assert_int_equal(pirq_bind(&dom0, 20, 7), 0);
    assert_false(pins[20].masked);
    assert_int_equal(pirq_bind(&dom0, 20, 8), -EEXIST);
    int eois = lapic_eois;
    fire(20);
    assert_int_equal(sent.count, 1);
    assert_ptr_equal(sent.d, &dom0);
    assert_int_equal(sent.port, 7);
    assert_int_equal(sent.pirq, 20);
    assert_int_equal(lapic_eois, eois);                            /* level: in service until... */
    assert_false(pins[20].masked);                                 /* (new ack: never masked) */
    struct physdev_eoi e = { .irq = 20 };
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), 0);
    assert_int_equal(lapic_eois, eois + 1);                        /* ...the guest's EOI */
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), 0);
    assert_int_equal(lapic_eois, eois + 1);                        /* a second EOI ends nothing */
    assert_false(pins[20].masked);

    /* The EOI bitmap (pirq_eoi_gmfn_v2): a bit set while the level PIRQ waits for its EOI. */
    page_set_owner(&frames[5], &dom0);
    frames[5].count_info = PGC_allocated | 1;
    frames[5].type_info = 0;
    struct physdev_pirq_eoi_gmfn eg = { .gmfn = 5 };
    assert_int_equal(physdev(PHYSDEVOP_pirq_eoi_gmfn_v1, &eg), -ENOSYS);
    assert_int_equal(frames[5].count_info, PGC_allocated | 1);     /* v1 took nothing */
    frame_data[5][0] = ~0UL;
    assert_int_equal(physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &eg), 0);
    assert_int_equal(frame_data[5][0], 0);                          /* cleared at registration */
    assert_int_equal(physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &eg), -EBUSY);
    eg.gmfn = NR_FRAMES + 1;
    assert_int_equal(physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &eg), -EINVAL);
    fire(20);
    assert_true(frame_data[5][0] & (1UL << 20));
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), 0);
    assert_false(frame_data[5][0] & (1UL << 20));
    assert_false(pins[20].masked);

    /*
     * Deferred EOIs end from the top: GSI 10 (class 3) waits, GSI 20 (class
     * 4) arrives over it; the guest EOIs 10 first, which must wait for 20's.
     */
    m.index = m.pirq = 10;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    sg.gsi = 10;
    assert_int_equal(physdev(PHYSDEVOP_setup_gsi, &sg), 0);
    assert_int_equal(pirq_bind(&dom0, 10, 11), 0);
    eois = lapic_eois;
    fire(10);
    fire(20);
    assert_int_equal(lapic_eois, eois);
    e.irq = 10;
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), 0);
    assert_int_equal(lapic_eois, eois);                            /* 20 is still in service above it */
    e.irq = 20;
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), 0);
    assert_int_equal(lapic_eois, eois + 2);                        /* 20's, then 10's */
    /* Unbinding a PIRQ whose EOI is owed ends it. */
    fire(10);
    pirq_unbind(&dom0, 10, 11);
    assert_int_equal(lapic_eois, eois + 3);
    assert_true(pins[10].masked);
    struct physdev_unmap_pirq um9 = { .domid = DOMID_SELF, .pirq = 10 };
    assert_int_equal(physdev(PHYSDEVOP_unmap_pirq, &um9), 0);
    e.irq = 20;
    physdev_domain_destroy(&dom0);
    assert_int_equal(frames[5].count_info, PGC_allocated | 1);     /* the frame's hold dropped */
    assert_null(dom0.arch.pirq_eoi_map);

    /* An ISA line bound without setup_gsi: edge/high, or as the MADT says. */
    m.index = m.pirq = 9;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_equal(pirq_bind(&dom0, 9, 9), 0);
    assert_true(pins[9].level && !pins[9].low);                    /* the SCI override: level, high */
    m.index = 1; m.pirq = -1;                                      /* any PIRQ: the GSI's number */
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_equal(m.pirq, 1);
    assert_int_equal(pirq_bind(&dom0, 1, 10), 0);
    assert_false(pins[1].level);
    fire(1);
    assert_false(pins[1].masked);                                  /* edge: never masked */
    assert_int_equal(sent.port, 10);

    /* Bad input: Xen's errors, nothing changes. */
    m.index = 24; m.pirq = 24;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);    /* no such GSI */
    m.index = 21; m.pirq = 30;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);    /* PIRQ other than the GSI */
    m.index = 2; m.pirq = 2;                                       /* the hypervisor's timer line: */
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);          /* mapped, as Linux wants... */
    assert_int_equal(pirq_bind(&dom0, 2, 12), -EBUSY);             /* ...never delivered */
    assert_false(pins[2].routed);
    sg.gsi = 2;
    assert_int_equal(physdev(PHYSDEVOP_setup_gsi, &sg), -EBUSY);
    sg.gsi = 24;
    assert_int_equal(physdev(PHYSDEVOP_setup_gsi, &sg), -EINVAL);
    m.index = 21; m.pirq = 256;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);    /* beyond dom0's PIRQs */
    m.type = 99; m.pirq = -1;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);    /* no such map type */
    e.irq = 21;
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), -EINVAL);         /* not mapped */
    e.irq = 256;
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), -EINVAL);
    assert_int_equal(pirq_bind(&dom0, 21, 11), -EINVAL);           /* not mapped */
    /* A domU: -EPERM for another domain's GSI, no PIRQ of its own to EOI. */
    host_test_current = &vcpuu;
    m = (struct physdev_map_pirq){ .domid = 0, .type = MAP_PIRQ_TYPE_GSI, .index = 5, .pirq = 5 };
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EPERM);
    assert_int_equal(pirq_map_gsi(&domu, 5, &m.pirq), -EPERM);
    e.irq = 20;
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), -EINVAL);         /* dom0's, not its */
    assert_int_equal(pirq_eoi(&domu, 20), -EINVAL);
    host_test_current = &vcpu0;

    /* Unbind masks; unmap forgets; an interrupt then raises nothing. */
    pirq_unbind(&dom0, 20, 8);                                     /* not its port: nothing */
    assert_false(pins[20].masked);
    pirq_unbind(&dom0, 20, 7);
    assert_true(pins[20].masked);
    struct physdev_unmap_pirq um = { .domid = DOMID_SELF, .pirq = 20 };
    assert_int_equal(physdev(PHYSDEVOP_unmap_pirq, &um), 0);
    assert_int_equal(physdev(PHYSDEVOP_unmap_pirq, &um), -EINVAL);
    int count = sent.count;
    fire(20);
    assert_int_equal(sent.count, count);
    pirq_domain_destroy(&dom0);
    fire(1);
    assert_int_equal(sent.count, count);
}

/* MSI-X vectors as PIRQs: mapped (message written, masked), bound (unmasked), delivered edge. */
static void test_pirq_msi(void **state)
{
    memset(msix, 0, sizeof(msix));
    pirq_init();
    pirq_domain_destroy(&dom0);

    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI_SEG, .index = -1,
                                  .pirq = -1, .bus = 0, .devfn = 0x18, .entry_nr = 2,
                                  .table_base = 0xfebf0000 };
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    int p = m.pirq;
    assert_true(p >= 24 && p < MAX_PIRQ_DESCS);                   /* above the GSIs */
    assert_int_equal(msix[2].vector, GSI_VECTOR_BASE + p);
    assert_true(msix[2].masked);
    m.pirq = -1;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);          /* the same vector again */
    assert_int_equal(m.pirq, p);
    assert_int_equal(msix[2].calls, 1);
    m.entry_nr = 3; m.pirq = -1;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_not_equal(m.pirq, p);                               /* another entry, another PIRQ */

    assert_int_equal(pirq_bind(&dom0, p, 21), 0);
    assert_false(msix[2].masked);
    int count = sent.count, eois = lapic_eois;
    fire((unsigned int)p);
    assert_int_equal(sent.count, count + 1);
    assert_int_equal(sent.port, 21);
    assert_int_equal(sent.pirq, (uint32_t)p);
    assert_int_equal(lapic_eois, eois + 1);
    struct physdev_eoi e = { .irq = (uint32_t)p };
    assert_int_equal(physdev(PHYSDEVOP_eoi, &e), 0);              /* harmless for an edge MSI */

    /* Bad input. */
    m = (struct physdev_map_pirq){ .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI_SEG, .index = -1,
                                   .pirq = -1, .bus = 0, .devfn = 0x20, .entry_nr = 0,
                                   .table_base = 0xfebf0000 };
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -ENODEV);    /* no such function */
    m.devfn = 0x18; m.entry_nr = 9;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);    /* beyond the table */
    m.entry_nr = 0; m.table_base = 0xfe000000;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);    /* not the table's BAR */
    m.table_base = 0xfebf0000; m.bus = 1u << 16;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -ENODEV);    /* segment 1 */
    m.bus = 0; m.pirq = 40;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);    /* MSI PIRQs are picked by us */
    m.pirq = -1; m.type = MAP_PIRQ_TYPE_MULTI_MSI; m.table_base = 0; m.entry_nr = 4;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EOPNOTSUPP);  /* no interrupt remapping */
    m.entry_nr = 0;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EDOM);
    m.entry_nr = 33;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EDOM);
    m.entry_nr = 1; m.table_base = 0xfebf0000;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);     /* multi-MSI has no table */
    m.table_base = 0;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), -ENODEV);     /* one vector: plain MSI, none here */
    m.devfn = 0x10;
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);           /* the MSI function */
    assert_int_equal(m.entry_nr, 1);
    assert_true(m.pirq >= 24 && m.pirq != p);
    assert_int_equal(msi_vector, GSI_VECTOR_BASE + m.pirq);
    struct physdev_unmap_pirq um1 = { .domid = DOMID_SELF, .pirq = m.pirq };
    assert_int_equal(physdev(PHYSDEVOP_unmap_pirq, &um1), 0);
    m.devfn = 0x18;
    assert_int_equal(pirq_map_msi(&domu, 0, 0x18, 0, 0xfebf0000, &m.pirq), -EPERM);

    /* Unbind masks; unmap frees the vector for another mapping. */
    pirq_unbind(&dom0, p, 21);
    assert_true(msix[2].masked);
    struct physdev_unmap_pirq um = { .domid = DOMID_SELF, .pirq = p };
    assert_int_equal(physdev(PHYSDEVOP_unmap_pirq, &um), 0);
    assert_int_equal(physdev(PHYSDEVOP_unmap_pirq, &um), -EINVAL);
    count = sent.count;
    fire((unsigned int)p);
    assert_int_equal(sent.count, count);                           /* nothing bound: nothing raised */
    pirq_domain_destroy(&dom0);
}

/*
 * An interrupt moves to the CPU of the vCPU its port notifies (Xen's
 * evtchn_move_pirqs()): IO-APIC pins and MSI-X entries; a plain MSI stays
 * on CPU 0; an offline CPU or nothing raised moves nothing.
 */
static void test_pirq_follows_vcpu(void **state)
{
    memset(pins, 0, sizeof(pins));
    memset(msix, 0, sizeof(msix));
    fake_madt = (struct madt_info){ 0 };
    pirq_init();
    pirq_domain_destroy(&dom0);

    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
                                  .index = 20, .pirq = 20 };
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_equal(pirq_bind(&dom0, 20, 7), 0);
    assert_int_equal(pins[20].dest, cpu_physical_id(0));
    notified_cpu = 0;
    fire(20);
    assert_int_equal(pins[20].dest, cpu_physical_id(0));           /* already there */
    notified_cpu = 1;
    fire(20);
    assert_int_equal(pins[20].dest, cpu_physical_id(1));           /* follows the vCPU */
    assert_false(pins[20].masked);                                 /* level, new ack: never masked */
    notified_cpu = 5;                                              /* offline: stays */
    fire(20);
    assert_int_equal(pins[20].dest, cpu_physical_id(1));
    notified_cpu = -1;                                             /* nothing raised: stays */
    fire(20);
    assert_int_equal(pins[20].dest, cpu_physical_id(1));

    m = (struct physdev_map_pirq){ .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI_SEG, .index = -1,
                                   .pirq = -1, .bus = 0, .devfn = 0x18, .entry_nr = 1,
                                   .table_base = 0xfebf0000 };
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_equal(pirq_bind(&dom0, m.pirq, 8), 0);
    assert_int_equal(msix[1].dest, cpu_physical_id(0));
    notified_cpu = 1;
    fire((unsigned int)m.pirq);
    assert_int_equal(msix[1].dest, cpu_physical_id(1));
    notified_cpu = 0;
    fire((unsigned int)m.pirq);
    assert_int_equal(msix[1].dest, cpu_physical_id(0));            /* and back */

    /* A plain MSI: the fake msi_set_dest() refuses, as msi.c does; delivery goes on. */
    m = (struct physdev_map_pirq){ .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI_SEG, .index = -1,
                                   .pirq = -1, .bus = 0, .devfn = 0x10, .entry_nr = 1 };
    assert_int_equal(physdev(PHYSDEVOP_map_pirq, &m), 0);
    assert_int_equal(pirq_bind(&dom0, m.pirq, 9), 0);
    int count = sent.count;
    notified_cpu = 1;
    fire((unsigned int)m.pirq);
    fire((unsigned int)m.pirq);
    assert_int_equal(sent.count, count + 2);
    assert_int_equal(sent.port, 9);

    notified_cpu = 0;
    pirq_domain_destroy(&dom0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reservation_queries, setup),
        cmocka_unit_test_setup(test_increase_decrease, setup),
        cmocka_unit_test_setup(test_increase_errors, setup),
        cmocka_unit_test_setup(test_populate_physmap, setup),
        cmocka_unit_test_setup(test_reservation_continuation, setup),
        cmocka_unit_test_setup(test_memop_refusals, setup),
        cmocka_unit_test_setup(test_multicall, setup),
        cmocka_unit_test_setup(test_vm_assist, setup),
        cmocka_unit_test_setup(test_platform_op, setup),
        cmocka_unit_test_setup(test_platform_op_domu, setup),
        cmocka_unit_test_setup(test_physdev, setup),
        cmocka_unit_test_setup(test_pirq, setup),
        cmocka_unit_test_setup(test_pirq_msi, setup),
        cmocka_unit_test_setup(test_pirq_follows_vcpu, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
