/*
 * The machine-to-phys table (M2P): one unsigned long per frame up to
 * max_page, INVALID_M2P_ENTRY until a PV guest's builder or the
 * XENMEM/MMU_MACHPHYS_UPDATE paths set it. The hypervisor writes it through
 * the direct map (machine_to_phys_mapping); guests read the same frames
 * through the read-only, user-accessible mapping at RO_MPT_VIRT_START
 * (Xen's MACH2PHYS_VIRT_START).
 */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <asm/page.h>
#include <asm/hv_paging.h>
#include <asm/mm_init.h>

unsigned long *machine_to_phys_mapping;

/*
 * m2p_init(): allocate the M2P (8 bytes per frame, rounded up to whole
 * frames) from the boot allocator, fill it with INVALID_M2P_ENTRY and map
 * it read-only + user at RO_MPT_VIRT_START. Needs max_page and the final
 * page tables. Boot CPU only; panics when out of memory.
 */
void m2p_init(void)
{
    unsigned long bytes = ROUNDUP(max_page * sizeof(unsigned long), PAGE_SIZE);
    unsigned long nr = bytes >> PAGE_SHIFT;
    paddr_t pa;

    if (bytes > RO_MPT_VIRT_END - RO_MPT_VIRT_START)
        panic("M2P of %lu frames does not fit its virtual range", max_page);
    pa = boot_alloc_frames(nr, ~0UL);
    if (!pa)
        panic("no %lu KiB for the M2P", bytes >> 10);
    machine_to_phys_mapping = __va(pa);
    memset(machine_to_phys_mapping, 0xff, bytes);   /* INVALID_M2P_ENTRY everywhere */
    if (map_pages_to_xen(RO_MPT_VIRT_START, _mfn(pa >> PAGE_SHIFT), nr,
                         _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX))
        panic("cannot map the read-only M2P");
}
