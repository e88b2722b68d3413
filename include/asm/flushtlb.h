/* TLB maintenance. flush_tlb_all() reaches every CPU (IPI once SMP is up). */
#ifndef ASM_FLUSHTLB_H
#define ASM_FLUSHTLB_H

static inline void flush_tlb_one_local(unsigned long va)
{
    __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

static inline void flush_tlb_local(void)
{
    unsigned long cr3;
    __asm__ __volatile__("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) :: "memory");
}

/* flush_tlb_all(): every CPU drops its non-global TLB entries; returns when done. */
void flush_tlb_all(void);
/* flush_tlb_domain(): every CPU that may cache d's mappings. */
struct domain;
void flush_tlb_domain(struct domain *d);

#endif
