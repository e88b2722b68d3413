/*
 * A fake machine for the PV MMU's host tests: FAKE_FRAMES frames of
 * "machine memory", a frame table, three domains (d0 privileged, d1 and
 * d2 ordinary) with one vCPU each, and counters for every hook the PV MMU
 * calls (flushes, CR3 reloads, frees).
 */
#ifndef PV_MM_FAKE_H
#define PV_MM_FAKE_H
#include <stdbool.h>
#include <stdint.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/page.h>

#define FAKE_FRAMES   64
#define FAKE_IO_MFN   3                 /* an I/O frame below max_page */
#define FAKE_BAD_LO   0x1000UL          /* guest pointers in [LO, HI) fault */
#define FAKE_BAD_HI   0x10000UL
#define FAKE_BAD_PTR  ((void *)0x2000)
#define HV_MARK(i)    (((pte_t)(0x30 + (i)) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW)

extern struct domain fake_dom[3];
extern struct vcpu fake_vcpu[3];
extern int fake_free_calls[FAKE_FRAMES];
extern int fake_flush_local, fake_flush_domain, fake_flush_va_local, fake_flush_va_domain;
extern uint32_t fake_flush_since_stamp;    /* the last pv_flush_tlb_domain_since() stamp */
extern void (*fake_flush_domain_hook)(struct domain *d);   /* called by pv_flush_tlb_domain() */
extern int fake_cr3_reloads, fake_ldt_loads;

void fake_reset(void);
void fake_set_current(int dom);
unsigned long fake_alloc(struct domain *d);     /* a zeroed frame owned by d: PGC_allocated | 1 */
pte_t *fake_map(unsigned long mfn);
static inline pte_t fake_pte(unsigned long mfn, pte_t flags) { return ((pte_t)mfn << PAGE_SHIFT) | flags; }
static inline unsigned long fake_count(unsigned long mfn) { return frame_table[mfn].count_info & PGC_count_mask; }
static inline unsigned long fake_tcount(unsigned long mfn) { return frame_table[mfn].type_info & PGT_count_mask; }
static inline unsigned long fake_type(unsigned long mfn) { return frame_table[mfn].type_info & PGT_type_mask; }
extern bool fake_preempt;
extern unsigned long fake_hc_args[5];

#endif
