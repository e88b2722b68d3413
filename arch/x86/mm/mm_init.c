/*
 * mm_init(): from the multiboot memory map to a working heap.
 *
 *   e820 -> free ranges (RAM minus reserved, minus the image) -> page
 *   tables (CR3 switch) -> frame table -> M2P -> heap
 *
 * Until the heap exists, frames come from the boot allocator, which cuts
 * them off the front of the free ranges; whatever is left becomes the heap.
 * The image (which holds the boot page tables and stack) is never in a
 * free range, so nothing live is handed out before or after the switch.
 */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <xenia/page_alloc.h>
#include <xenia/multiboot.h>
#include <asm/page.h>
#include <asm/e820.h>
#include <asm/hv_paging.h>
#include <asm/mm_init.h>

#define MAX_BOOT_RANGES (E820_MAX + 64)

extern char __image_start[], __image_end[];

bool mm_heap_ready;
static bool boot_alloc_closed;
static struct mem_range ranges[MAX_BOOT_RANGES];
static unsigned int nr_ranges;

static void range_add(paddr_t s, paddr_t e)
{
    if (s >= e)
        return;
    if (nr_ranges == MAX_BOOT_RANGES)
        panic("too many boot memory ranges");
    ranges[nr_ranges++] = (struct mem_range){ s, e };
}

/* Cut [s, e) out of every free range. */
static void range_remove(paddr_t s, paddr_t e)
{
    for (unsigned int i = 0; i < nr_ranges; i++) {
        struct mem_range r = ranges[i];
        if (e <= r.start || s >= r.end)
            continue;
        ranges[i] = (struct mem_range){ r.start, MAX(r.start, s) };
        range_add(MIN(r.end, e), r.end);
    }
}

paddr_t boot_alloc_frames(unsigned long nr_frames, paddr_t limit)
{
    paddr_t size = (paddr_t)nr_frames << PAGE_SHIFT;

    if (boot_alloc_closed || !nr_frames)
        return 0;
    for (unsigned int i = 0; i < nr_ranges; i++) {
        struct mem_range *r = &ranges[i];
        if (r->end - r->start < size || r->start + size > limit)
            continue;
        paddr_t pa = r->start;
        r->start += size;
        return pa;
    }
    return 0;
}

static void collect_free_ranges(paddr_t dm_end, const struct mem_range *reserved,
                                unsigned int nr_reserved)
{
    for (unsigned int i = 0; i < e820.nr_map; i++)
        if (e820.map[i].type == E820_RAM)
            range_add(e820.map[i].addr, MIN(e820.map[i].addr + e820.map[i].size, dm_end));
    for (unsigned int i = 0; i < nr_reserved; i++)
        range_remove(ROUNDDOWN(reserved[i].start, PAGE_SIZE), ROUNDUP(reserved[i].end, PAGE_SIZE));
    /* Always keep the image (boot page tables, stack) and frame 0. */
    range_remove(__pa_image(__image_start), ROUNDUP(__pa_image(__image_end), PAGE_SIZE));
    range_remove(0, PAGE_SIZE);
}

static void reserve(struct mem_range *out, unsigned int *n, unsigned int max,
                    paddr_t start, paddr_t end)
{
    if (*n == max)
        panic("too many reserved boot ranges");
    out[(*n)++] = (struct mem_range){ start, end };
}

static paddr_t string_end(uint32_t pa)
{
    return pa + strlen(__va(pa)) + 1;
}

/* multiboot_reserved_ranges() without module skip's contents (skip >= mods_count: all). */
static unsigned int reserved_ranges(const struct multiboot_info *mbi, paddr_t mbi_pa,
                                    struct mem_range *out, unsigned int max, uint32_t skip)
{
    unsigned int n = 0;

    reserve(out, &n, max, 0, 1UL << 20);
    reserve(out, &n, max, __pa_image(__image_start), __pa_image(__image_end));
    reserve(out, &n, max, mbi_pa, mbi_pa + sizeof(*mbi));
    if ((mbi->flags & MBI_CMDLINE) && mbi->cmdline)
        reserve(out, &n, max, mbi->cmdline, string_end(mbi->cmdline));
    if (mbi->flags & MBI_MEMMAP)
        reserve(out, &n, max, mbi->mmap_addr, (paddr_t)mbi->mmap_addr + mbi->mmap_length);
    if (!(mbi->flags & MBI_MODULES))
        return n;
    const struct multiboot_module *mods = __va(mbi->mods_addr);
    reserve(out, &n, max, mbi->mods_addr, mbi->mods_addr + mbi->mods_count * sizeof(*mods));
    for (uint32_t i = 0; i < mbi->mods_count; i++) {
        if (i != skip)
            reserve(out, &n, max, mods[i].mod_start, mods[i].mod_end);
        if (mods[i].string)
            reserve(out, &n, max, mods[i].string, string_end(mods[i].string));
    }
    return n;
}

unsigned int multiboot_reserved_ranges(const struct multiboot_info *mbi, paddr_t mbi_pa,
                                       struct mem_range *out, unsigned int max)
{
    return reserved_ranges(mbi, mbi_pa, out, max, UINT32_MAX);
}

/* May frame pfn of a boot module go to the heap: RAM, below max_page, in no range of keep[]? */
static bool module_frame_free(unsigned long pfn, const struct mem_range *keep, unsigned int n)
{
    paddr_t pa = (paddr_t)pfn << PAGE_SHIFT;
    bool ram = false;

    if (pfn >= max_page)
        return false;
    for (unsigned int i = 0; i < e820.nr_map; i++)
        ram |= e820.map[i].type == E820_RAM && pa >= e820.map[i].addr &&
               pa + PAGE_SIZE <= e820.map[i].addr + e820.map[i].size;
    for (unsigned int i = 0; ram && i < n; i++)
        if (pa < keep[i].end && keep[i].start < pa + PAGE_SIZE)
            return false;
    return ram;
}

/* discard_boot_modules(): see mm_init.h. */
void discard_boot_modules(const struct multiboot_info *mbi, paddr_t mbi_pa)
{
    struct mem_range keep[64];
    unsigned long freed = 0;

    if (!(mbi->flags & MBI_MODULES))
        return;
    const struct multiboot_module *mods = __va(mbi->mods_addr);
    for (uint32_t i = 0; i < mbi->mods_count; i++) {
        unsigned int n = reserved_ranges(mbi, mbi_pa, keep, ARRAY_SIZE(keep), i);
        unsigned long pfn = ROUNDUP((paddr_t)mods[i].mod_start, PAGE_SIZE) >> PAGE_SHIFT;
        unsigned long end = ROUNDDOWN((paddr_t)mods[i].mod_end, PAGE_SIZE) >> PAGE_SHIFT;

        while (pfn < end) {
            unsigned long first = pfn;

            while (pfn < end && module_frame_free(pfn, keep, n))
                pfn++;
            if (pfn > first) {
                init_heap_pages(_mfn(first), pfn - first);
                freed += pfn - first;
            } else {
                pfn++;
            }
        }
    }
    printk("Freed %lu kB of boot modules\n", freed << (PAGE_SHIFT - 10));
}

/* Allocate, check and free a few blocks: the heap must come back exactly. */
static void heap_self_test(void)
{
    unsigned long before = total_free_pages();
    unsigned long *x = alloc_xenheap_pages(3);
    struct page_info *pg = alloc_domheap_pages(NULL, 9, 0);

    if (!x || !pg)
        panic("mm: heap self-test allocation failed");
    for (unsigned int i = 0; i < (8 * PAGE_SIZE) / sizeof(*x); i++)
        BUG_ON(x[i]);
    BUG_ON(total_free_pages() != before - 8 - 512);
    /*
     * A new mapping reaches the same frame as the direct map (its page
     * tables stay allocated, so count free frames again afterwards).
     */
    x[0] = 0x5a5a;
    BUG_ON(map_pages_to_xen(PERVCPU_VIRT_START, _mfn(virt_to_mfn(x)), 1, PAGE_HYPERVISOR_RW));
    BUG_ON(*(volatile unsigned long *)PERVCPU_VIRT_START != 0x5a5a);
    destroy_xen_mappings(PERVCPU_VIRT_START, 1);
    before = total_free_pages() + 8 + 512;
    /* The guests' read-only M2P view shows the hypervisor's writes. */
    set_gpfn_from_mfn(1, 42);
    BUG_ON(((volatile unsigned long *)RO_MPT_VIRT_START)[1] != 42);
    set_gpfn_from_mfn(1, INVALID_M2P_ENTRY);
    free_xenheap_pages(x, 3);
    free_domheap_pages(pg, 9);
    BUG_ON(total_free_pages() != before);
}

void mm_init(const struct multiboot_info *mbi, const struct mem_range *reserved,
             unsigned int nr_reserved)
{
    e820_init(mbi);
    paddr_t ram_end = e820_ram_end();
    paddr_t dm_end = MIN(ram_end, (paddr_t)DIRECTMAP_SIZE);
    if (!ram_end)
        panic("no RAM in the memory map");
    max_page = dm_end >> PAGE_SHIFT;
    collect_free_ranges(dm_end, reserved, nr_reserved);

    hv_paging_init(ram_end);
    frame_table_init();
    m2p_init();

    boot_alloc_closed = true;
    for (unsigned int i = 0; i < nr_ranges; i++)
        if (ranges[i].end > ranges[i].start)
            init_heap_pages(_mfn(ranges[i].start >> PAGE_SHIFT),
                            (ranges[i].end - ranges[i].start) >> PAGE_SHIFT);
    mm_heap_ready = true;

    heap_self_test();
    printk("Heap: %lu free frames (%lu MiB), max_page 0x%lx\n", total_free_pages(),
           total_free_pages() >> (20 - PAGE_SHIFT), max_page);
}
