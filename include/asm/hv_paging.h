/*
 * The hypervisor's own page tables (arch/x86/mm/hv_paging.c).
 *
 * idle_pg_table is the L4 the hypervisor runs on when no guest runs. All
 * hypervisor mappings live in L4 slots 256..271 (HV_L4_FIRST_SLOT..
 * HV_L4_LAST_SLOT); their L3 tables are allocated once at boot and never
 * change, so every L4 that carries these slots (each PV guest L4, via
 * hv_install_l4_slots()) sees every later change at L3 or below.
 *
 * Layout (see <xenia/config.h>):
 *   slot 256      read-only M2P for guests (user-readable)
 *   slot 260      per-vCPU / per-CPU areas (GDT shadows): map_pages_to_xen()
 *   slot 261      the image, virt = phys + XEN_VIRT_START (RWX for now)
 *   slots 262-263 direct map: all of [0, 4 GiB) (RAM/ACPI write-back,
 *                 holes and reserved ranges uncached) and all RAM above
 *   slot 0        (idle_pg_table only, on request) identity map of the
 *                 first 2 MiB for the AP trampoline: hv_identity_map_low()
 *
 * Hypervisor mappings are not global (no _PAGE_GLOBAL) unless the caller
 * asks for it. TLB flushes done here are local to the calling CPU: callers
 * changing mappings that other CPUs may have cached must flush those CPUs
 * (flush_tlb_all(), <asm/flushtlb.h>).
 */
#ifndef ASM_HV_PAGING_H
#define ASM_HV_PAGING_H

#include <xenia/types.h>
#include <asm/page.h>

/* Leaf flags for ordinary hypervisor data (NX is dropped on CPUs without it). */
#define PAGE_HYPERVISOR_RW  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)
#define PAGE_HYPERVISOR_RO  (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_HYPERVISOR_RWX (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_HYPERVISOR_UC  (PAGE_HYPERVISOR_RW | _PAGE_PCD | _PAGE_PWT)

/* The hypervisor's L4 (direct-map address) and its physical address (< 4 GiB). */
extern pte_t *idle_pg_table;
extern paddr_t idle_pg_table_pa;

/* cpu_has_nx: the CPU honours _PAGE_NX (EFER.NXE set by head.S). */
extern bool cpu_has_nx;

/*
 * map_pages_to_xen(): map nr_frames frames starting at mfn at virtual
 * address va (bytes, page-aligned) with leaf flags (_PAGE_*; must include
 * _PAGE_PRESENT). va .. va + nr_frames pages must lie inside slots
 * 256..271. Uses 2 MiB pages where va and mfn are 2 MiB-aligned and the
 * range covers the whole superpage (unless flags carry _PAGE_PAT-style
 * bits that forbid it), 4 KiB pages elsewhere; existing mappings are
 * replaced (superpages split as needed) and flushed from this CPU's TLB.
 * Intermediate tables come from the xen heap (the boot allocator before
 * the heap exists). Returns 0, -EINVAL (bad va/range/flags) or -ENOMEM.
 * Takes the page-table lock (IRQ-safe); callable from any context.
 */
int map_pages_to_xen(unsigned long va, mfn_t mfn, unsigned long nr_frames, pte_t flags);

/*
 * hv_l1e_of(): the L1 entry that maps va (inside slots 256..271), for a
 * caller that rewrites a mapping it owns on a hot path without walking
 * the tables each time; NULL if va is not mapped by a 4 KiB page (no L1
 * table there). The table stays as long as the mapping is not destroyed
 * or replaced by a 2 MiB page. The caller writes the entry itself, with
 * whatever lock or ownership keeps other writers away, and flushes.
 */
pte_t *hv_l1e_of(unsigned long va);

/*
 * destroy_xen_mappings(): remove the mappings of nr_frames pages at va
 * (bytes, page-aligned, inside slots 256..271); unmapped pages are skipped.
 * Page tables left empty by removing a whole 2 MiB range are freed.
 * Flushes this CPU's TLB. Takes the page-table lock.
 */
void destroy_xen_mappings(unsigned long va, unsigned long nr_frames);

/*
 * hv_install_l4_slots(): copy the hypervisor's L4 entries (slots 256..271)
 * into guest_l4 (a direct-map pointer to a whole L4 table). The RO M2P
 * slot carries _PAGE_USER so a ring-3 PV kernel can read the M2P; the
 * others are supervisor-only. The caller owns guest_l4; no lock.
 */
void hv_install_l4_slots(pte_t *guest_l4);

/*
 * hv_identity_map_low(): identity-map physical [0, 2 MiB) (RWX,
 * supervisor, not global) in idle_pg_table's slot 0, for AP start-up
 * code that runs with paging on at its physical address. Returns 0 or
 * -ENOMEM. hv_identity_unmap_low() removes it again (call once every AP
 * runs at its high address; each AP must reload CR3 or flush afterwards).
 * Only idle_pg_table gets the mapping; guest L4s never do.
 */
int hv_identity_map_low(void);
void hv_identity_unmap_low(void);

/*
 * hv_paging_init(): build idle_pg_table (direct map up to
 * max(4 GiB, ram_end) bytes, the image, empty L3s for every hypervisor
 * slot) and switch this CPU's CR3 to it. Called once by mm_init().
 */
void hv_paging_init(paddr_t ram_end);

#endif
