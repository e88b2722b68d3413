/*
 * The PV MMU's TLB and cache maintenance (declared in <asm/pv_mm.h>), and
 * weak stand-ins for the functions other parts of the hypervisor provide
 * (pv_update_cr3, pv_load_ldt, pv_validate_segdesc_page,
 * flush_tlb_domain) so the image links while they are being written.
 *
 * Guest mappings are kept non-global today (PV_GLOBAL_USER_PAGES is 0,
 * <asm/pv_pt.h>). A local flush a guest asks for drops global entries
 * too (CR4.PGE toggle); remote ones (flush_tlb_domain(), a CR3 reload on
 * each CPU) do not, which is one reason Xen's global user mappings stay off.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/flushtlb.h>
#include <asm/pv_mm.h>
#include <asm/smp.h>

#define X86_CR4_PGE (1UL << 7)

/* Flush this CPU's TLB, global entries included. */
static void flush_local_global(void)
{
    unsigned long cr4;

    __asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
    if (!(cr4 & X86_CR4_PGE)) {
        flush_tlb_local();
        return;
    }
    uint64_t t = tlbflush_tick();
    __asm__ __volatile__("mov %0, %%cr4; mov %1, %%cr4"
                         :: "r"(cr4 & ~X86_CR4_PGE), "r"(cr4) : "memory");
    tlbflush_done(t);
}

void pv_flush_tlb_local(void)
{
    flush_local_global();
}

void pv_flush_va_local(unsigned long va)
{
    flush_tlb_one_local(va);            /* INVLPG drops global entries too */
}

void pv_flush_tlb_domain(struct domain *d)
{
    flush_tlb_domain(d);
}

void pv_flush_tlb_domain_since(struct domain *d, uint32_t stamp)
{
    flush_tlb_domain_since(d, stamp);
}

void pv_flush_va_domain(struct domain *d, unsigned long va)
{
    flush_tlb_domain(d);                /* a superset of one address */
}

void pv_flush_cache_local(void)
{
    __asm__ __volatile__("wbinvd" ::: "memory");
}

static void wbinvd_here(void *unused)
{
    __asm__ __volatile__("wbinvd" ::: "memory");
}

/* MMUEXT_FLUSH_CACHE_GLOBAL: WBINVD on every online CPU, waiting for all. */
void pv_flush_cache_all(void)
{
    on_selected_cpus(&cpu_online_map, wbinvd_here, NULL, true);
}
