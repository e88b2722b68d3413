/*
 * Descriptor tables: each pCPU's GDT, TSS and the shared IDT.
 *
 * GDT layout (Xen's PV ABI): a CPU's GDT spans 16 pages at gdt_virt(cpu).
 * Pages 0..13 hold the running vCPU's guest GDT frames (HYPERVISOR_set_gdt)
 * or a zero page; page 14 is this CPU's own page with the hypervisor's
 * descriptors, whose selectors the ABI fixes (<xen/arch-x86/xen-x86_64.h>):
 *
 *   0xe008 hypervisor CS64 (DPL0)       0xe010 hypervisor DS (DPL0)
 *   0xe023 FLAT_RING3_CS32              0xe02b FLAT_RING3_DS32 / SS
 *   0xe033 FLAT_RING3_CS64              0xe040 TSS (16 bytes)
 *   0xe050 LDT (16 bytes, per vCPU)
 */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <xenia/types.h>
#include <xenia/config.h>

#define FIRST_RESERVED_GDT_PAGE   14
#define FIRST_RESERVED_GDT_BYTE   (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY  (FIRST_RESERVED_GDT_BYTE / 8)
#define GDT_AREA_PAGES            16
#define GDT_AREA_SIZE             (GDT_AREA_PAGES * PAGE_SIZE)

#define __HYPERVISOR_CS           0xe008
#define __HYPERVISOR_DS           0xe010
#define TSS_SELECTOR              0xe040
#define LDT_SELECTOR              0xe050

/* IST slots (TSS.ist[n-1]) for exceptions that must not trust the stack */
#define IST_DF                    1
#define IST_NMI                   2
#define IST_MC                    3
#define NR_IST                    3

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp0, rsp1, rsp2;
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed, aligned(64)));

/* gdt_virt(): virtual address of cpu's 16-page GDT area (slot 260). */
static inline unsigned long gdt_virt(unsigned int cpu)
{
    return PERVCPU_VIRT_START + (unsigned long)cpu * GDT_AREA_SIZE;
}

/* gdt_load_guest_frames(): map up to 14 guest GDT frames (MFNs) into this
 * CPU's GDT area, the rest as the zero page: writes the area's L1 entries
 * directly, only those that change, each flushed from this CPU's TLB (a
 * switch between vCPUs with one GDT frame each rewrites one entry). Called
 * on context switch and by pv_set_gdt() for the current vCPU. */
void gdt_load_guest_frames(const unsigned long *mfns, unsigned int nr_frames);

/* idt_set_gate_dpl(): let ring-3 software interrupts reach vector vec (3 for int3). */
void idt_set_gate_dpl(unsigned int vec, unsigned int dpl);

/* cpu_tss(): this pCPU's TSS (rsp0 is rewritten on context switch). */
struct tss64 *cpu_tss(unsigned int cpu);

#endif
