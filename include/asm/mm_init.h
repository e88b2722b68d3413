/*
 * Boot-time memory set-up (arch/x86/mm/mm_init.c): the one call that turns
 * the multiboot memory map into a working heap and the final page tables.
 */
#ifndef ASM_MM_INIT_H
#define ASM_MM_INIT_H

#include <xenia/types.h>
#include <xenia/mm.h>

struct multiboot_info;

/*
 * mm_init(): read and sanitise the memory map (e820), build and load the
 * hypervisor page tables (CR3 = idle_pg_table on return), allocate
 * frame_table[] and the M2P, and give every RAM frame outside reserved[]
 * (byte ranges [start, end): the image, modules, multiboot data, the first
 * MiB) to the heap. Boot CPU only, interrupts off. Panics when memory is
 * too small or the map is missing.
 */
void mm_init(const struct multiboot_info *mbi, const struct mem_range *reserved,
             unsigned int nr_reserved);

/*
 * multiboot_reserved_ranges(): fill out[] (room for max) with the byte
 * ranges mm_init() must not give to the heap: the first MiB, the image,
 * the multiboot info at mbi_pa, its command line, memory map and module
 * list, and each module with its string. Returns the number filled
 * (panics if max is too small). Reads the multiboot data via the direct map.
 */
unsigned int multiboot_reserved_ranges(const struct multiboot_info *mbi, paddr_t mbi_pa,
                                       struct mem_range *out, unsigned int max);

/*
 * discard_boot_modules(): once dom0 is built from them (it has its own
 * copies of the kernel and initrd), give the boot modules' frames to the
 * heap, as Xen's discard_initial_images() does: whole pages of RAM that
 * no other reserved range (multiboot data, strings, another module)
 * shares. Call once, boot CPU, after construct_dom0() and before anything
 * else allocates; the modules' contents are gone afterwards (their
 * strings stay). Prints how much was freed.
 */
void discard_boot_modules(const struct multiboot_info *mbi, paddr_t mbi_pa);

/*
 * boot_alloc_frames(): before the heap exists, nr_frames contiguous
 * frames below limit (bytes) from RAM that is neither reserved nor
 * already handed out; returns the physical address (bytes) or 0 when no
 * range is big enough. The frames are never returned. Internal to
 * arch/x86/mm; fails once the heap is up.
 */
paddr_t boot_alloc_frames(unsigned long nr_frames, paddr_t limit);

/* mm_heap_ready: set by mm_init() once the heap can allocate. */
extern bool mm_heap_ready;

/* frame_table_init(): allocate and fill frame_table[] for max_page frames (mm_init). */
void frame_table_init(void);
/* m2p_init(): allocate the M2P, fill it with INVALID_M2P_ENTRY, map it for guests (mm_init). */
void m2p_init(void);

#endif
