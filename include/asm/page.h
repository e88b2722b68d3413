/* x86-64 page-table entry bits and hypervisor address translation. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <xenia/config.h>
#include <xenia/types.h>

#define _PAGE_PRESENT   0x001UL
#define _PAGE_RW        0x002UL
#define _PAGE_USER      0x004UL
#define _PAGE_PWT       0x008UL
#define _PAGE_PCD       0x010UL
#define _PAGE_ACCESSED  0x020UL
#define _PAGE_DIRTY     0x040UL
#define _PAGE_PSE       0x080UL      /* in L2/L3: superpage; in L1: PAT */
#define _PAGE_GLOBAL    0x100UL
#define _PAGE_NX        (1UL << 63)
#define PTE_ADDR_MASK   0x000ffffffffff000UL

#define L1_PAGETABLE_SHIFT 12
#define L2_PAGETABLE_SHIFT 21
#define L3_PAGETABLE_SHIFT 30
#define L4_PAGETABLE_SHIFT 39
#define PAGETABLE_ENTRIES  512

#define l1_table_offset(va) (((unsigned long)(va) >> L1_PAGETABLE_SHIFT) & 511)
#define l2_table_offset(va) (((unsigned long)(va) >> L2_PAGETABLE_SHIFT) & 511)
#define l3_table_offset(va) (((unsigned long)(va) >> L3_PAGETABLE_SHIFT) & 511)
#define l4_table_offset(va) (((unsigned long)(va) >> L4_PAGETABLE_SHIFT) & 511)

typedef uint64_t pte_t;

static inline unsigned long pte_mfn(pte_t e) { return (e & PTE_ADDR_MASK) >> PAGE_SHIFT; }

#ifndef XENIA_HOST_TEST
/* __va(): direct-map virtual address of a physical address (any RAM). */
static inline void *__va(paddr_t pa) { return (void *)(DIRECTMAP_VIRT_START + pa); }

/* __pa(): physical address of a direct-map or hypervisor-image address. */
static inline paddr_t __pa(const void *va)
{
    unsigned long v = (unsigned long)va;
    if (v >= DIRECTMAP_VIRT_START && v < DIRECTMAP_VIRT_START + DIRECTMAP_SIZE)
        return v - DIRECTMAP_VIRT_START;
    return v - XEN_VIRT_START;
}

static inline void *mfn_to_virt(unsigned long mfn) { return __va((paddr_t)mfn << PAGE_SHIFT); }
static inline unsigned long virt_to_mfn(const void *va) { return __pa(va) >> PAGE_SHIFT; }
#endif

#endif
