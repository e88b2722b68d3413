/*
 * The machine's physical memory map (e820 form), built once at boot from the
 * multiboot memory map and kept for XENMEM_memory_map and
 * XENMEM_machine_memory_map.
 *
 * After e820_init() the map is sanitised: sorted by address, no two entries
 * overlap (where the firmware reported overlapping ranges, the larger type
 * number wins, so RAM never covers anything reserved), adjacent entries of
 * the same type are merged, and every entry is page-aligned (RAM shrinks
 * inward to whole frames, other types grow outward).
 */
#ifndef ASM_E820_H
#define ASM_E820_H

#include <xenia/types.h>

#define E820_RAM        1
#define E820_RESERVED   2
#define E820_ACPI       3
#define E820_NVS        4
#define E820_UNUSABLE   5

#define E820_MAX        128     /* entries kept; more are dropped with a warning */

/* One range, in Xen's 20-byte layout (what XENMEM_*memory_map hands out). */
struct e820entry {
    uint64_t addr;              /* bytes */
    uint64_t size;              /* bytes */
    uint32_t type;              /* E820_* */
} __packed;

struct e820map {
    unsigned int nr_map;
    struct e820entry map[E820_MAX];
};

/* The sanitised machine map; valid after e820_init(), read-only afterwards. */
extern struct e820map e820;

struct multiboot_info;

/*
 * e820_init(): fill e820 from the multiboot memory map (mbi->mmap_addr,
 * read through the direct map) and sanitise it. Panics if the loader gave
 * no memory map. Boot CPU only, before the heap exists.
 */
void e820_init(const struct multiboot_info *mbi);

/*
 * e820_from_multiboot(): parse length bytes of multiboot mmap entries at
 * mmap into m and sanitise them. Returns the number of entries kept.
 * Pure: no locking, no allocation (host-testable).
 */
unsigned int e820_from_multiboot(struct e820map *m, const void *mmap, uint32_t length);

/*
 * e820_sanitise(): sort, align, resolve overlaps and merge map[0..nr) in
 * place (map has room for max entries). Returns the new number of entries
 * (never more than max; extra ones are dropped). Pure.
 */
unsigned int e820_sanitise(struct e820entry *map, unsigned int nr, unsigned int max);

/*
 * e820_copy_out(): copy up to max entries of the machine map into buf
 * (20 bytes each, Xen's layout). Returns the total number of entries in the
 * map, which may exceed max (the caller reports the truncation).
 */
unsigned int e820_copy_out(struct e820entry *buf, unsigned int max);

/* e820_ram_end(): byte address just past the highest RAM entry (0 if none). */
paddr_t e820_ram_end(void);

/*
 * e820_low_ram_top(): the highest end, at most limit, of a RAM entry with
 * at least bytes of RAM below both (0 if none). Bytes, physical.
 */
paddr_t e820_low_ram_top(paddr_t limit, paddr_t bytes);

/* e820_overlaps_ram(): whether [start, start + bytes) touches a RAM entry of the machine map. */
bool e820_overlaps_ram(paddr_t start, paddr_t bytes);

#endif
