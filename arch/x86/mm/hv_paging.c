/*
 * The hypervisor's page tables: idle_pg_table and everything mapped in
 * L4 slots 256..271. See include/asm/hv_paging.h for the layout and rules.
 *
 * Every slot's L3 table exists from boot on and is shared by all L4s (the
 * L4 entries are copied into guest L4s), so map_pages_to_xen() only ever
 * changes L3 entries and below: one change, seen by every address space.
 * No 1 GiB pages (qemu64 lacks them): 2 MiB pages in L2, else 4 KiB in L1.
 */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <xenia/errno.h>
#include <xenia/spinlock.h>
#include <asm/page.h>
#include <asm/e820.h>
#include <asm/hv_paging.h>
#include <asm/mm_init.h>
#include <asm/flushtlb.h>

#define NR_HV_SLOTS     (HV_L4_LAST_SLOT - HV_L4_FIRST_SLOT + 1)
#define HV_VIRT_START   0xffff800000000000UL
#define HV_VIRT_END     (HV_VIRT_START + ((unsigned long)NR_HV_SLOTS << L4_PAGETABLE_SHIFT))
#define TABLE_FLAGS     (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define FOUR_GIB        (1UL << 32)

extern char __image_start[], __image_end[];

pte_t *idle_pg_table;
paddr_t idle_pg_table_pa;
bool cpu_has_nx;

static pte_t *hv_l3[NR_HV_SLOTS];
static pte_t *ident_l3, *ident_l2;
static DEFINE_SPINLOCK(pt_lock);
/* Before the CR3 switch, new tables must be reachable through the boot direct map. */
static paddr_t boot_table_limit = FOUR_GIB;

static pte_t *alloc_table(void)
{
    if (mm_heap_ready)
        return alloc_xenheap_page();        /* zeroed */
    paddr_t pa = boot_alloc_frames(1, boot_table_limit);
    if (!pa)
        return NULL;
    memset(__va(pa), 0, PAGE_SIZE);
    return __va(pa);
}

/* Free a table that is no longer linked (and flushed); boot-time tables stay. */
static void free_table(pte_t *t)
{
    if (!mm_heap_ready)
        return;
    if (mfn_to_page(_mfn(virt_to_mfn(t)))->count_info & PGC_xen_heap)
        free_xenheap_page(t);
}

static pte_t *table_of(pte_t e)
{
    return __va(e & PTE_ADDR_MASK);
}

static unsigned long frames_to_boundary(unsigned long va, unsigned long size)
{
    return (ROUNDUP(va + 1, size) - va) >> PAGE_SHIFT;
}

/* The L3 entry for va (always exists: hv_l3[] is complete from boot). */
static pte_t *l3e_of(unsigned long va)
{
    return &hv_l3[l4_table_offset(va) - HV_L4_FIRST_SLOT][l3_table_offset(va)];
}

/* The L2 entry for va, creating the L2 table; NULL on -ENOMEM. */
static pte_t *l2e_create(unsigned long va, pte_t user)
{
    pte_t *l3e = l3e_of(va);

    if (!(*l3e & _PAGE_PRESENT)) {
        pte_t *l2 = alloc_table();
        if (!l2)
            return NULL;
        *l3e = __pa(l2) | TABLE_FLAGS;
    }
    *l3e |= user;
    return &table_of(*l3e)[l2_table_offset(va)];
}

/*
 * The L1 entry for va under *l2e, creating the L1 table or splitting a
 * 2 MiB page into 512 equal 4 KiB entries; NULL on -ENOMEM.
 */
static pte_t *l1e_create(pte_t *l2e, unsigned long va, pte_t user)
{
    pte_t old = *l2e;

    if (!(old & _PAGE_PRESENT) || (old & _PAGE_PSE)) {
        pte_t *l1 = alloc_table();
        if (!l1)
            return NULL;
        if (old & _PAGE_PRESENT) {
            paddr_t base = old & PTE_ADDR_MASK & ~(L2_PAGE_SIZE - 1);
            pte_t fl = old & ~PTE_ADDR_MASK & ~_PAGE_PSE;
            for (unsigned int i = 0; i < PAGETABLE_ENTRIES; i++)
                l1[i] = (base + ((paddr_t)i << PAGE_SHIFT)) | fl;
        }
        *l2e = __pa(l1) | TABLE_FLAGS;
        if (old & _PAGE_PRESENT)
            flush_tlb_local();
    }
    *l2e |= user;
    return &table_of(*l2e)[l1_table_offset(va)];
}

static bool hv_range_ok(unsigned long va, unsigned long nr_frames)
{
    if (va & ~PAGE_MASK || va < HV_VIRT_START || va >= HV_VIRT_END)
        return false;
    return nr_frames <= (HV_VIRT_END - va) >> PAGE_SHIFT;
}

/* Map one 2 MiB page at *l2e, dropping whatever was there. */
static void set_l2_superpage(pte_t *l2e, unsigned long va, unsigned long mfn, pte_t flags)
{
    pte_t old = *l2e;

    *l2e = ((paddr_t)mfn << PAGE_SHIFT) | flags | _PAGE_PSE;
    if (!(old & _PAGE_PRESENT))
        return;
    flush_tlb_local();
    if (!(old & _PAGE_PSE))
        free_table(table_of(old));
}

static int map_locked(unsigned long va, unsigned long mfn, unsigned long nr, pte_t flags)
{
    pte_t user = flags & _PAGE_USER;

    while (nr) {
        pte_t *l2e = l2e_create(va, user);
        if (!l2e)
            return -ENOMEM;
        if (IS_ALIGNED(va, L2_PAGE_SIZE) && IS_ALIGNED(mfn, PAGETABLE_ENTRIES) &&
            nr >= PAGETABLE_ENTRIES) {
            set_l2_superpage(l2e, va, mfn, flags);
            va += L2_PAGE_SIZE;
            mfn += PAGETABLE_ENTRIES;
            nr -= PAGETABLE_ENTRIES;
            continue;
        }
        pte_t *l1e = l1e_create(l2e, va, user);
        if (!l1e)
            return -ENOMEM;
        pte_t old = *l1e, new = ((paddr_t)mfn << PAGE_SHIFT) | flags;
        /* The same mapping again: no write, no flush. */
        if ((old & ~(pte_t)(_PAGE_ACCESSED | _PAGE_DIRTY)) != new) {
            *l1e = new;
            if (old & _PAGE_PRESENT)
                flush_tlb_one_local(va);
        }
        va += PAGE_SIZE;
        mfn++;
        nr--;
    }
    return 0;
}

int map_pages_to_xen(unsigned long va, mfn_t mfn, unsigned long nr_frames, pte_t flags)
{
    unsigned long irq;
    int rc;

    if (!hv_range_ok(va, nr_frames) || !(flags & _PAGE_PRESENT) ||
        (flags & (PTE_ADDR_MASK | _PAGE_PSE)))
        return -EINVAL;
    if (!cpu_has_nx)
        flags &= ~_PAGE_NX;
    spin_lock_irqsave(&pt_lock, irq);
    rc = map_locked(va, mfn_x(mfn), nr_frames, flags);
    spin_unlock_irqrestore(&pt_lock, irq);
    return rc;
}

pte_t *hv_l1e_of(unsigned long va)
{
    if (!hv_range_ok(va & PAGE_MASK, 1))
        return NULL;
    pte_t l3e = *l3e_of(va);
    if (!(l3e & _PAGE_PRESENT) || (l3e & _PAGE_PSE))
        return NULL;
    pte_t l2e = table_of(l3e)[l2_table_offset(va)];
    if (!(l2e & _PAGE_PRESENT) || (l2e & _PAGE_PSE))
        return NULL;
    return &table_of(l2e)[l1_table_offset(va)];
}

/* Unmap up to nr frames at va within one 2 MiB region; returns frames handled. */
static unsigned long destroy_in_l2(pte_t *l2e, unsigned long va, unsigned long nr)
{
    unsigned long n = MIN(nr, frames_to_boundary(va, L2_PAGE_SIZE));
    pte_t old = *l2e;

    if (!(old & _PAGE_PRESENT))
        return n;
    if (n == PAGETABLE_ENTRIES) {           /* the whole region goes */
        *l2e = 0;
        flush_tlb_local();
        if (!(old & _PAGE_PSE))
            free_table(table_of(old));
        return n;
    }
    pte_t *l1e = l1e_create(l2e, va, 0);
    if (!l1e)
        panic("destroy_xen_mappings: no memory to split a 2 MiB page at 0x%lx", va);
    for (unsigned long i = 0; i < n; i++) {
        if (!(l1e[i] & _PAGE_PRESENT))
            continue;
        l1e[i] = 0;
        flush_tlb_one_local(va + (i << PAGE_SHIFT));
    }
    return n;
}

void destroy_xen_mappings(unsigned long va, unsigned long nr_frames)
{
    unsigned long irq;

    if (!hv_range_ok(va, nr_frames))
        return;
    spin_lock_irqsave(&pt_lock, irq);
    while (nr_frames) {
        pte_t *l3e = l3e_of(va);
        unsigned long n;
        if (!(*l3e & _PAGE_PRESENT))
            n = MIN(nr_frames, frames_to_boundary(va, 1UL << L3_PAGETABLE_SHIFT));
        else
            n = destroy_in_l2(&table_of(*l3e)[l2_table_offset(va)], va, nr_frames);
        va += n << PAGE_SHIFT;
        nr_frames -= n;
    }
    spin_unlock_irqrestore(&pt_lock, irq);
}

void hv_install_l4_slots(pte_t *guest_l4)
{
    memcpy(&guest_l4[HV_L4_FIRST_SLOT], &idle_pg_table[HV_L4_FIRST_SLOT],
           NR_HV_SLOTS * sizeof(pte_t));
}

int hv_identity_map_low(void)
{
    unsigned long irq;
    int rc = 0;

    spin_lock_irqsave(&pt_lock, irq);
    if (ident_l3)
        goto out;
    ident_l3 = alloc_table();
    ident_l2 = alloc_table();
    if (!ident_l3 || !ident_l2) {
        free_table(ident_l3);
        free_table(ident_l2);
        ident_l3 = ident_l2 = NULL;
        rc = -ENOMEM;
        goto out;
    }
    ident_l2[0] = 0 | _PAGE_PSE | TABLE_FLAGS;          /* [0, 2 MiB) RWX */
    ident_l3[0] = __pa(ident_l2) | TABLE_FLAGS;
    idle_pg_table[0] = __pa(ident_l3) | TABLE_FLAGS;
 out:
    spin_unlock_irqrestore(&pt_lock, irq);
    return rc;
}

void hv_identity_unmap_low(void)
{
    unsigned long irq;

    spin_lock_irqsave(&pt_lock, irq);
    if (ident_l3) {
        idle_pg_table[0] = 0;
        flush_tlb_local();
        free_table(ident_l2);
        free_table(ident_l3);
        ident_l3 = ident_l2 = NULL;
    }
    spin_unlock_irqrestore(&pt_lock, irq);
}

/* ---- boot ---- */

static void detect_nx(void)
{
    unsigned int a, b, c, d;

    __asm__ ("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
    if (a < 0x80000001u)
        return;
    __asm__ ("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    cpu_has_nx = d & (1u << 20);
}

static void boot_map(unsigned long va, paddr_t pa, paddr_t end, pte_t flags)
{
    if (end <= pa)
        return;
    if (map_pages_to_xen(va, _mfn(pa >> PAGE_SHIFT), (end - pa) >> PAGE_SHIFT, flags))
        panic("out of memory building the hypervisor page tables");
}

static bool e820_cacheable(uint32_t type)
{
    return type == E820_RAM || type == E820_ACPI || type == E820_NVS;
}

/* Direct map: [0, 4 GiB) fully (holes uncached), cacheable ranges above. */
static void map_direct(paddr_t dm_end)
{
    paddr_t pos = 0;

    for (unsigned int i = 0; i < e820.nr_map && pos < dm_end; i++) {
        paddr_t s = e820.map[i].addr, e = MIN(s + e820.map[i].size, dm_end);
        boot_map(DIRECTMAP_VIRT_START + pos, pos, MIN(s, MIN(dm_end, FOUR_GIB)), PAGE_HYPERVISOR_UC);
        if (e820_cacheable(e820.map[i].type))
            boot_map(DIRECTMAP_VIRT_START + s, s, e, PAGE_HYPERVISOR_RW);
        else
            boot_map(DIRECTMAP_VIRT_START + s, s, MIN(e, FOUR_GIB), PAGE_HYPERVISOR_UC);
        pos = MAX(pos, e);
    }
    boot_map(DIRECTMAP_VIRT_START + pos, pos, MIN(dm_end, FOUR_GIB), PAGE_HYPERVISOR_UC);
}

void hv_paging_init(paddr_t ram_end)
{
    paddr_t dm_end = MIN(MAX(ram_end, FOUR_GIB), DIRECTMAP_SIZE);
    paddr_t img_s = __pa_image(__image_start), img_e = ROUNDUP(__pa_image(__image_end), PAGE_SIZE);

    detect_nx();
    idle_pg_table = alloc_table();
    if (!idle_pg_table)
        panic("no memory for idle_pg_table");
    idle_pg_table_pa = __pa(idle_pg_table);
    for (unsigned int i = 0; i < NR_HV_SLOTS; i++) {
        hv_l3[i] = alloc_table();
        if (!hv_l3[i])
            panic("no memory for the hypervisor L3 tables");
        /* Slot 256 holds the guest-readable M2P: user at this level, RO at the leaves. */
        idle_pg_table[HV_L4_FIRST_SLOT + i] = __pa(hv_l3[i]) | TABLE_FLAGS |
            (i == 0 ? _PAGE_USER : 0);
    }
    boot_map(XEN_VIRT_START + img_s, img_s, img_e, PAGE_HYPERVISOR_RWX);
    map_direct(dm_end);

    write_ptbase(idle_pg_table_pa);
    boot_table_limit = ~0UL;
    printk("Page tables: idle_pg_table at 0x%lx, direct map of %lu MiB, NX %s\n",
           (unsigned long)idle_pg_table_pa, (unsigned long)(dm_end >> 20),
           cpu_has_nx ? "on" : "off");
}
