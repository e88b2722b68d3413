/*
 * mmu: PV page tables. The M2P at MACH2PHYS_VIRT_START agrees with
 * start_info's mfn_list; update_va_mapping and MMU_NORMAL_PT_UPDATE remap
 * our own frames; MMUEXT pins and unpins L1-L4 tables; and Xen 4.17's
 * refusals: writable mappings of page tables and self-mapping tables
 * (-EBUSY), frames we do not own (-EBUSY), hypervisor slots (-EINVAL),
 * bad pointers (-EFAULT) and commands (-ENOSYS), and when pdone is written.
 */
#include "test.h"
#include <xen/memory.h>

const char test_name[] = "mmu";

#define BSS_PAGE(name) static char name[PAGE_SIZE] \
    __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")))
BSS_PAGE(data);      /* an ordinary frame with known contents */
BSS_PAGE(window);    /* a virtual page we point at other frames */
BSS_PAGE(table);     /* becomes a page table */
BSS_PAGE(spare);     /* given back to Xen: a frame we do not own */

/* A pte for frame mfn with extra flags. */
static uint64_t pte(unsigned long mfn, uint64_t flags)
{
    return ((uint64_t)mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | flags;
}

/* One mmuext_op on a frame; returns Xen's result. */
static long mmuext(unsigned int cmd, unsigned long mfn)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

    return HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

/* Flush one page's TLB entry (invlpg is privileged: ask Xen). */
static long invlpg(const void *va)
{
    struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = (unsigned long)va };

    return HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF);
}

/* One MMU_NORMAL_PT_UPDATE; returns Xen's result. */
static long pt_update(uint64_t ptr, uint64_t val)
{
    mmu_update_t u = { .ptr = ptr | MMU_NORMAL_PT_UPDATE, .val = val };

    return HYPERVISOR_mmu_update(&u, 1, 0, DOMID_SELF);
}

/* M2P and P2M agree for every frame of ours. */
static void m2p(void)
{
    unsigned long pfn, bad = 0;

    for ( pfn = 0; pfn < start_info->nr_pages; pfn++ )
        if ( mfn_to_pfn(pfn_to_mfn(pfn)) != pfn )
            bad++;
    expect_eq(bad, 0, "M2P[P2M[pfn]] == pfn for all pfns");
    check(((unsigned long *)MACH2PHYS_VIRT_START)[pfn_to_mfn(0)] == 0,
          "M2P readable at MACH2PHYS_VIRT_START");
}

/* Remap window over data and back, both ways. */
static void remaps(void)
{
    unsigned long dmfn = virt_to_mfn(data), wmfn = virt_to_mfn(window);
    uint64_t wpte = pte_maddr(window);
    unsigned int done = 0;
    mmu_update_t u[2];

    memcpy(data, "xenia", 6);
    expect_eq(HYPERVISOR_update_va_mapping(window, pte(dmfn, 0), UVMF_INVLPG), 0,
              "update_va_mapping: window -> data, read-only");
    check(memcmp(window, "xenia", 6) == 0, "data visible through window");
    expect_eq(read_pte(window, 1) & PTE_ADDR_MASK, (uint64_t)dmfn << PAGE_SHIFT,
              "L1 entry names data's frame");
    EXPECT_FAULT("movb $1, (%0)", :: "r" (window) : "memory");
    expect_eq(last_trap.vector, 14, "write to read-only window: #PF");
    expect_eq(last_trap.error_code & 3, 3, "#PF error code: present, write");

    expect_eq(pt_update(wpte, pte(dmfn, _PAGE_RW)), 0, "mmu_update: window writable");
    expect_eq(invlpg(window), 0, "MMUEXT_INVLPG_LOCAL window");
    ACCESS_ONCE(window[0]) = 'X';
    check(ACCESS_ONCE(data[0]) == 'X', "write through window reaches data");

    u[0].ptr = wpte | MMU_NORMAL_PT_UPDATE;
    u[0].val = pte(wmfn, _PAGE_RW);
    u[1].ptr = pte_maddr(data) | MMU_NORMAL_PT_UPDATE;
    u[1].val = pte(dmfn, _PAGE_RW);
    expect_eq(HYPERVISOR_mmu_update(u, 2, &done, DOMID_SELF), 0, "batch of two updates");
    expect_eq(done, 2, "both done");
    expect_eq(HYPERVISOR_update_va_mapping(window, pte(wmfn, _PAGE_RW), UVMF_INVLPG | UVMF_ALL),
              0, "window back to its own frame, flush all");
    expect_eq(HYPERVISOR_mmu_update(u, 0, 0, DOMID_SELF), 0, "zero updates");
}

/* Pin a zeroed frame as each table level, then unpin it. */
static void pins(void)
{
    static const unsigned int pin[4] = {
        MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE, MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE,
    };
    unsigned long tmfn = virt_to_mfn(table);
    int l;

    memset(table, 0, PAGE_SIZE);
    expect_eq(mmuext(MMUEXT_PIN_L1_TABLE, tmfn), -XEN_EINVAL,
              "pin of a frame we map writable");
    expect_eq(HYPERVISOR_update_va_mapping(table, pte(tmfn, 0), UVMF_INVLPG), 0,
              "map table read-only");
    for ( l = 0; l < 4; l++ )
    {
        expect_eq(mmuext(pin[l], tmfn), 0, "pin a zeroed table");
        expect_eq(mmuext(pin[l], tmfn), -XEN_EINVAL, "pin it twice");
        expect_eq(HYPERVISOR_update_va_mapping(table, pte(tmfn, _PAGE_RW), UVMF_INVLPG),
                  -XEN_EBUSY, "writable mapping of a pinned table");
        expect_eq(mmuext(MMUEXT_UNPIN_TABLE, tmfn), 0, "unpin");
    }
    expect_eq(mmuext(MMUEXT_UNPIN_TABLE, tmfn), -XEN_EINVAL, "unpin of an unpinned frame");

    /* A table whose entry maps the table itself writable. */
    expect_eq(HYPERVISOR_update_va_mapping(table, pte(tmfn, _PAGE_RW), UVMF_INVLPG), 0,
              "table writable again");
    ((uint64_t *)table)[0] = pte(tmfn, _PAGE_RW);
    expect_eq(HYPERVISOR_update_va_mapping(table, pte(tmfn, 0), UVMF_INVLPG), 0,
              "map table read-only");
    expect_eq(mmuext(MMUEXT_PIN_L1_TABLE, tmfn), -XEN_EBUSY,
              "pin of an L1 that maps itself writable");
    EXPECT_FAULT("movq $0, (%0)", :: "r" (table) : "memory");
    expect_eq(last_trap.vector, 14, "store to the read-only table: #PF");
}

/* Things Xen must refuse. */
static void refusals(void)
{
    unsigned long l1mfn = (read_pte(window, 2) & PTE_ADDR_MASK) >> PAGE_SHIFT;
    unsigned long l4mfn = virt_to_mfn((void *)start_info->pt_base);
    unsigned long pfn = ((unsigned long)spare - 0x400000) >> PAGE_SHIFT;
    xen_pfn_t smfn = pfn_to_mfn(pfn);
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
    uint64_t wpte = pte_maddr(window);
    struct mmuext_op op = { .cmd = 99 };

    expect_eq(HYPERVISOR_update_va_mapping(window, pte(l1mfn, _PAGE_RW), UVMF_INVLPG),
              -XEN_EBUSY, "writable mapping of an L1 table");
    expect_eq(HYPERVISOR_update_va_mapping(window, pte(l4mfn, _PAGE_RW), UVMF_INVLPG),
              -XEN_EBUSY, "writable mapping of the L4 table");
    expect_eq(HYPERVISOR_update_va_mapping(window, pte(l1mfn, 0), UVMF_INVLPG), 0,
              "read-only mapping of an L1 table is fine");

    expect_eq(HYPERVISOR_update_va_mapping(spare, 0, UVMF_INVLPG), 0, "unmap spare");
    set_xen_guest_handle(r.extent_start, &smfn);
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1, "give spare away");
    expect_eq(HYPERVISOR_update_va_mapping(window, pte(smfn, 0), UVMF_INVLPG), -XEN_EBUSY,
              "mapping a frame we do not own");
    expect_eq(pt_update(wpte, pte(smfn, _PAGE_RW)), -XEN_EBUSY,
              "mmu_update to a frame we do not own");

    expect_eq(pt_update(((uint64_t)l4mfn << PAGE_SHIFT) + 256 * 8, pte(l1mfn, 0)), -XEN_EINVAL,
              "L4 slot 256 (hypervisor) is not ours");
    expect_eq(pt_update(((uint64_t)l4mfn << PAGE_SHIFT) + 261 * 8, 0), -XEN_EINVAL,
              "clearing a hypervisor L4 slot");
    expect_eq(HYPERVISOR_update_va_mapping(HYPERVISOR_VIRT_START, pte(virt_to_mfn(data), 0), 0),
              -XEN_EINVAL, "update_va_mapping in the hypervisor range");
    /* Xen 4.17 lets MMU_NORMAL_PT_UPDATE write a plain writable frame. */
    ACCESS_ONCE(data[0]) = 'x';
    expect_eq(pt_update(((uint64_t)virt_to_mfn(data) << PAGE_SHIFT) + 8, 0x41), 0,
              "mmu_update of a frame that is no page table writes it");
    check(ACCESS_ONCE(data[8]) == 0x41, "the plain write landed");
    expect_eq(pt_update(wpte | 0, pte(virt_to_mfn(window), _PAGE_RW)), 0, "window restored");

    expect_eq(HYPERVISOR_mmu_update(0x10000000UL, 1, 0, DOMID_SELF), -XEN_EFAULT,
              "mmu_update, unmapped request list");

    /*
     * pdone (Xen 4.17's do_mmu_update): untouched when the page tables'
     * owner (foreigndom bits 16+) does not exist, 0 when the pages' owner
     * (bits 0-15) does not; one that cannot be written is no error.
     */
    struct mmu_update same = { .ptr = wpte, .val = pte(virt_to_mfn(window), _PAGE_RW) };
    unsigned int done = 0x5a5a;
    expect_eq(HYPERVISOR_mmu_update(&same, 1, &done, (0x1ec1U << 16) | DOMID_SELF), -XEN_ESRCH,
              "mmu_update, page tables of no domain");
    check(ACCESS_ONCE(done) == 0x5a5a, "pdone untouched");
    expect_eq(HYPERVISOR_mmu_update(&same, 1, &done, 0x1ec0), -XEN_ESRCH,
              "mmu_update, pages of no domain");
    check(ACCESS_ONCE(done) == 0, "pdone 0");
    expect_eq(HYPERVISOR_mmu_update(&same, 1, 0x10000000UL, DOMID_SELF), 0,
              "mmu_update, unwritable pdone");
    expect_eq(HYPERVISOR_mmuext_op(HYPERVISOR_VIRT_START, 1, 0, DOMID_SELF), -XEN_EFAULT,
              "mmuext_op, hypervisor-range list");
    expect_eq(HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF), -XEN_ENOSYS, "mmuext_op 99");
    op.cmd = MMUEXT_TLB_FLUSH_LOCAL;
    expect_eq(HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF), 0, "MMUEXT_TLB_FLUSH_LOCAL");
    op.cmd = MMUEXT_INVLPG_LOCAL;
    op.arg1.linear_addr = (unsigned long)data;
    expect_eq(HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF), 0, "MMUEXT_INVLPG_LOCAL");
    op.cmd = MMUEXT_FLUSH_CACHE;        /* dom0 may: it has I/O resources */
    expect_eq(HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF), 0, "MMUEXT_FLUSH_CACHE");
    op.cmd = MMUEXT_FLUSH_CACHE_GLOBAL; /* WBINVD on every pCPU */
    expect_eq(HYPERVISOR_mmuext_op(&op, 1, 0, DOMID_SELF), 0, "MMUEXT_FLUSH_CACHE_GLOBAL");
    expect_eq(mmuext(MMUEXT_PIN_L1_TABLE, virt_to_mfn(data)), -XEN_EINVAL,
              "pin of a writably mapped data frame");
}

void test_main(void)
{
    m2p();
    remaps();
    pins();
    refusals();
}
