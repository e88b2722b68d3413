/*
 * TLB maintenance, and the TLB clock that lets a flush skip CPUs that have
 * flushed since (Xen's tlbflush_clock and tlbflush_time).
 *
 * Every full flush of a CPU's non-global entries (a CR3 load through
 * write_ptbase(), flush_tlb_local(), a flush IPI) ticks one global clock
 * when it starts and records the new time as that CPU's. Guest mappings
 * are never global (PV entries lose _PAGE_GLOBAL), so a CPU whose time is
 * later than an instant holds no translation created before it. A frame
 * is stamped with tlbflush_current_time() when its last guest use ends
 * (freed to the heap, or its type count dropping to 0); before its next
 * use, the *_since() flushes reach only the CPUs whose time is not later
 * than the stamp. Stamps are 32 bits, read as the latest clock value with
 * those low bits: a stamp older than 2^32 ticks reads as newer, which only
 * flushes more.
 */
#ifndef ASM_FLUSHTLB_H
#define ASM_FLUSHTLB_H

#include <xenia/types.h>

struct domain;

/* tlbflush_current_time(): the clock now, as a 32-bit stamp for a frame. */
uint32_t tlbflush_current_time(void);

/*
 * flush_tlb_all_since(): flush every online CPU whose last full flush is
 * not later than stamp (this CPU included), waiting for them. Interrupts
 * on (smp.c). What alloc_heap_pages() runs before a frame freed at stamp
 * gets a new use (Xen's filtered_flush_tlb_mask()).
 */
void flush_tlb_all_since(uint32_t stamp);

/* flush_tlb_all(): every CPU drops its non-global TLB entries; returns when done. */
void flush_tlb_all(void);
/* flush_tlb_domain(): this CPU and every CPU running d's vCPUs; waits. */
void flush_tlb_domain(struct domain *d);
/* flush_tlb_domain_since(): those of them whose last flush is not later than stamp. */
void flush_tlb_domain_since(struct domain *d, uint32_t stamp);
/*
 * tlb_note_shootdown(): d's page tables changed and its running CPUs are
 * about to be flushed: record the clock in d, before they are looked for.
 * An idle CPU that kept a vCPU of d's tables (pv/domain.c) gets no IPI; it
 * asks tlb_missed_shootdown() before resuming that vCPU.
 */
void tlb_note_shootdown(struct domain *d);
/*
 * tlb_missed_shootdown(): has this CPU not been flushed since d's latest
 * shootdown? Called with current already set to a vCPU of d (a fence
 * orders the two), so a shootdown that reads the clock later finds this
 * CPU running d and flushes it.
 */
bool tlb_missed_shootdown(const struct domain *d);

#include <xenia/cpumask.h>

/* tlbflush_tick(): start a full flush on this CPU; returns its time. */
uint64_t tlbflush_tick(void);
/* tlbflush_done(): the flush that tlbflush_tick() returned t for is complete. */
void tlbflush_done(uint64_t t);
/* flush_tlb_mask(): flush this CPU and the CPUs in targets, waiting for them (smp.c). */
void flush_tlb_mask(const cpumask_t *targets);

#ifdef XENIA_HOST_TEST
void flush_tlb_local(void);             /* a unit test's fake */
#else

static inline void flush_tlb_one_local(unsigned long va)
{
    __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

/* flush_tlb_local(): reload CR3, dropping this CPU's non-global entries. */
static inline void flush_tlb_local(void)
{
    unsigned long cr3;
    uint64_t t = tlbflush_tick();

    __asm__ __volatile__("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) :: "memory");
    tlbflush_done(t);
}

/* read_cr3(): this CPU's CR3 (the page-table base and its flag bits). */
static inline paddr_t read_cr3(void)
{
    paddr_t cr3;

    __asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
    return cr3;
}

/* write_ptbase(): load CR3 with pa (a full flush of non-global entries). */
static inline void write_ptbase(paddr_t pa)
{
    uint64_t t = tlbflush_tick();

    __asm__ __volatile__("mov %0, %%cr3" :: "r"(pa) : "memory");
    tlbflush_done(t);
}
#endif

#endif
