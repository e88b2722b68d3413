/*
 * The hypervisor's virtual address layout (x86-64).
 *
 * Xen's PV ABI gives the hypervisor L4 slots 256..271
 * (HYPERVISOR_VIRT_START 0xffff800000000000 .. HYPERVISOR_VIRT_END
 * 0xffff880000000000, <xen/arch-x86/xen-x86_64.h>); every PV guest L4 table
 * carries these slots, so the hypervisor is mapped in every address space.
 *
 *   0xffff800000000000  slot 256  read-only M2P for guests (MACH2PHYS_VIRT_START)
 *   0xffff820000000000  slot 260  per-vCPU area: GDT/LDT shadows
 *   0xffff82d080000000  slot 261  hypervisor image (text, data, bss)
 *   0xffff830000000000  slot 262+ direct map of all RAM (DIRECTMAP_SIZE)
 *
 * The image is loaded at physical XEN_LOAD_PADDR and runs at
 * XEN_VIRT_START + physical address, so virt = phys + XEN_VIRT_START.
 */
#ifndef XENIA_CONFIG_H
#define XENIA_CONFIG_H

#define PAGE_SHIFT          12
#define PAGE_SIZE           (1UL << PAGE_SHIFT)
#define PAGE_MASK           (~(PAGE_SIZE - 1))
#define L2_PAGE_SHIFT       21
#define L2_PAGE_SIZE        (1UL << L2_PAGE_SHIFT)

#define XEN_LOAD_PADDR      0x200000
#define XEN_VIRT_START      0xffff82d080000000
#define DIRECTMAP_VIRT_START 0xffff830000000000
#define DIRECTMAP_SIZE      (0x10000000000UL)        /* 1 TiB: slots 262-263 */
#define PERVCPU_VIRT_START  0xffff820000000000
#define RO_MPT_VIRT_START   0xffff800000000000
#define RO_MPT_VIRT_END     0xffff804000000000

#define HV_L4_FIRST_SLOT    256
#define HV_L4_LAST_SLOT     271

#define NR_CPUS             64
/*
 * Per-CPU stacks: one STACK_SIZE-aligned block of 16 pages, struct
 * cpu_info at its top. Pages 0-2 are the IST stacks of #DF, NMI and #MC
 * (so get_cpu_info() works on them too), pages 3-15 the primary stack.
 */
#define STACK_ORDER         4                 /* 64 KiB per CPU */
#define STACK_SIZE          (PAGE_SIZE << STACK_ORDER)
#define IST_STACK_PAGES     3                 /* the lowest pages of a block */
#define CPU_INFO_RESERVE    512               /* bytes at a stack's top for struct cpu_info */

#ifndef __ASSEMBLY__
#define __pa_image(va)  ((unsigned long)(va) - XEN_VIRT_START)
#endif

#endif
