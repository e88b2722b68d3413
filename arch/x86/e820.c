/*
 * The e820 memory map: parsed from multiboot, sanitised, kept for the
 * XENMEM memory-map hypercalls. See include/asm/e820.h.
 *
 * Sanitising is a sweep over "change points" (every entry's start and end):
 * between two consecutive points the covering entry with the largest type
 * number decides the type, so a reserved range punches a hole in RAM
 * whatever order the firmware listed them in.
 */
#include <xenia/lib.h>
#include <xenia/multiboot.h>
#include <xenia/config.h>
#include <asm/e820.h>
#ifndef XENIA_HOST_TEST
#include <asm/page.h>
#endif

struct e820map e820;

struct change_point {
    uint64_t addr;
    unsigned int idx;           /* entry it belongs to */
    bool start;
};

/* Scratch for e820_sanitise(): boot-time only, one caller at a time. */
static struct change_point points[2 * E820_MAX];
static struct e820entry out[2 * E820_MAX];
static unsigned int active[E820_MAX];

/* Round one entry to whole frames; returns false if nothing is left. */
static bool align_entry(struct e820entry *e)
{
    uint64_t start = e->addr, end = e->addr + e->size;

    if (end < start)                            /* wraps: clamp to the top */
        end = ~0ULL;
    if (e->type == 0)                           /* invalid: treat as reserved */
        e->type = E820_RESERVED;
    if (e->type == E820_RAM) {
        if (start > ~0ULL - PAGE_SIZE)
            return false;
        start = ROUNDUP(start, PAGE_SIZE);
        end = ROUNDDOWN(end, PAGE_SIZE);
    } else {
        start = ROUNDDOWN(start, PAGE_SIZE);
        end = end > ~0ULL - PAGE_SIZE ? ROUNDDOWN(end, PAGE_SIZE) : ROUNDUP(end, PAGE_SIZE);
    }
    if (start >= end)
        return false;
    e->addr = start;
    e->size = end - start;
    return true;
}

static void sort_points(struct change_point *p, unsigned int n)
{
    for (unsigned int i = 1; i < n; i++) {
        struct change_point cp = p[i];
        unsigned int j = i;
        for (; j > 0 && p[j - 1].addr > cp.addr; j--)
            p[j] = p[j - 1];
        p[j] = cp;
    }
}

/* Largest type among the active entries, 0 if none. */
static uint32_t active_type(const struct e820entry *map, unsigned int nr_active)
{
    uint32_t t = 0;
    for (unsigned int i = 0; i < nr_active; i++)
        t = MAX(t, map[active[i]].type);
    return t;
}

static void apply_point(const struct change_point *cp, unsigned int *nr_active)
{
    if (cp->start) {
        active[(*nr_active)++] = cp->idx;
        return;
    }
    for (unsigned int i = 0; i < *nr_active; i++) {
        if (active[i] != cp->idx)
            continue;
        active[i] = active[--(*nr_active)];
        return;
    }
}

unsigned int e820_sanitise(struct e820entry *map, unsigned int nr, unsigned int max)
{
    unsigned int n = 0, nr_pts = 0, nr_out = 0, nr_active = 0;
    uint32_t cur_type = 0;
    uint64_t cur_start = 0;

    nr = MIN(nr, (unsigned int)E820_MAX);
    for (unsigned int i = 0; i < nr; i++) {
        struct e820entry e = map[i];
        if (align_entry(&e))
            map[n++] = e;
    }
    for (unsigned int i = 0; i < n; i++) {
        points[nr_pts++] = (struct change_point){ map[i].addr, i, true };
        points[nr_pts++] = (struct change_point){ map[i].addr + map[i].size, i, false };
    }
    sort_points(points, nr_pts);

    for (unsigned int i = 0; i < nr_pts;) {
        uint64_t addr = points[i].addr;
        for (; i < nr_pts && points[i].addr == addr; i++)
            apply_point(&points[i], &nr_active);
        uint32_t t = active_type(map, nr_active);
        if (t == cur_type)
            continue;
        if (cur_type && nr_out < ARRAY_SIZE(out))
            out[nr_out++] = (struct e820entry){ cur_start, addr - cur_start, cur_type };
        cur_start = addr;
        cur_type = t;
    }

    if (nr_out > max) {
        printk("e820: %u entries, keeping %u\n", nr_out, max);
        nr_out = max;
    }
    memcpy(map, out, nr_out * sizeof(*map));
    return nr_out;
}

unsigned int e820_from_multiboot(struct e820map *m, const void *mmap, uint32_t length)
{
    const uint8_t *p = mmap;
    unsigned int n = 0;

    for (uint32_t off = 0; off + sizeof(struct multiboot_mmap) <= length && n < E820_MAX;) {
        const struct multiboot_mmap *e = (const void *)(p + off);
        if (e->size < sizeof(*e) - 4)           /* malformed: stop */
            break;
        m->map[n++] = (struct e820entry){ e->base_addr, e->length, e->type };
        off += e->size + 4;
    }
    m->nr_map = e820_sanitise(m->map, n, E820_MAX);
    return m->nr_map;
}

unsigned int e820_copy_out(struct e820entry *buf, unsigned int max)
{
    memcpy(buf, e820.map, MIN(max, e820.nr_map) * sizeof(*buf));
    return e820.nr_map;
}

paddr_t e820_ram_end(void)
{
    paddr_t end = 0;
    for (unsigned int i = 0; i < e820.nr_map; i++)
        if (e820.map[i].type == E820_RAM)
            end = MAX(end, e820.map[i].addr + e820.map[i].size);
    return end;
}

paddr_t e820_low_ram_top(paddr_t limit, paddr_t bytes)
{
    paddr_t top = 0;
    for (unsigned int i = 0; i < e820.nr_map; i++) {
        const struct e820entry *e = &e820.map[i];
        if (e->type != E820_RAM || e->addr >= limit)
            continue;
        paddr_t end = MIN(e->addr + e->size, limit);
        if (end - e->addr >= bytes)
            top = MAX(top, end);
    }
    return top;
}

bool e820_overlaps_ram(paddr_t start, paddr_t bytes)
{
    for (unsigned int i = 0; i < e820.nr_map; i++)
        if (e820.map[i].type == E820_RAM && start < e820.map[i].addr + e820.map[i].size &&
            e820.map[i].addr < start + bytes)
            return true;
    return false;
}

#ifndef XENIA_HOST_TEST
void e820_init(const struct multiboot_info *mbi)
{
    if (!(mbi->flags & MBI_MEMMAP))
        panic("multiboot loader gave no memory map");
    e820_from_multiboot(&e820, __va(mbi->mmap_addr), mbi->mmap_length);
    printk("Machine memory map (sanitised):\n");
    for (unsigned int i = 0; i < e820.nr_map; i++)
        printk(" [%016lx, %016lx) type %u\n", (unsigned long)e820.map[i].addr,
               (unsigned long)(e820.map[i].addr + e820.map[i].size), e820.map[i].type);
}
#endif
