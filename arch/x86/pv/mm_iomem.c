/*
 * Which frames PV page tables may map as I/O memory, and who may (Xen's
 * dom_io ownership and iomem_caps, reduced to what Xenia has today).
 *
 * An I/O frame is one with no page_info (above max_page), one in the
 * first MiB (Xen gives all of it to dom_io), or one no E820_RAM range
 * covers (reserved, ACPI, NVS, holes). Of the first MiB, the frames the
 * hypervisor keeps for itself (the AP trampoline) are denied to dom0. RAM frames - including the
 * hypervisor's own - are never I/O: they are mapped only through their
 * owner's general references. The answer for a frame never changes, so
 * the reference-free I/O mappings stay consistent (invariant T2).
 */
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/e820.h>
#include <asm/pv_mm.h>
#include <asm/smp.h>

#define LOW_MB_FRAMES   0x100UL
#define LAPIC_MFN       0xfee00UL          /* default local APIC page */
#define IOAPIC_MFN      0xfec00UL          /* default IO-APIC page */

static bool covered_by_ram(unsigned long mfn)
{
    paddr_t pa = (paddr_t)mfn << PAGE_SHIFT;

    for (unsigned int i = 0; i < e820.nr_map; i++) {
        const struct e820entry *e = &e820.map[i];
        if (e->type == E820_RAM && pa >= e->addr && pa - e->addr < e->size)
            return true;
    }
    return false;
}

bool pv_mfn_is_io(unsigned long mfn)
{
    if (!mfn_valid(_mfn(mfn)) || mfn < LOW_MB_FRAMES)
        return true;
    /* Heap-managed frames are RAM; only frames never given to the heap need the map. */
    if (!(mfn_to_page(_mfn(mfn))->count_info & PGC_reserved))
        return false;
    return !covered_by_ram(mfn);
}

/*
 * Dom0 gets every I/O frame except the interrupt controllers the
 * hypervisor drives (Xen denies them to dom0 as well) and the hypervisor's
 * own code and tables below 1 MiB; other domains get none until
 * passthrough exists.
 */
bool pv_io_access_permitted(const struct domain *d, unsigned long mfn)
{
    if (!d->is_privileged)
        return false;
    return mfn != LAPIC_MFN && mfn != IOAPIC_MFN && !smp_trampoline_frame(mfn);
}
