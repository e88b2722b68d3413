/*
 * Symbol lookup for stack traces. The table is generated at build time
 * from the first link's text symbols (Makefile, scripts/symbols.awk)
 * and linked into the .symbols section of the second.
 */
#include <xenia/lib.h>
#include <xenia/symbols.h>

extern const uint64_t symbols_count;
extern const uint64_t symbols_addresses[];
extern const uint32_t symbols_name_offsets[];
extern const char symbols_names[];
extern const char __image_start[], __text_end[];

bool is_hypervisor_text(unsigned long addr)
{
    return addr >= (unsigned long)__image_start && addr < (unsigned long)__text_end;
}

const char *symbols_lookup(unsigned long addr, unsigned long *offset, unsigned long *size)
{
    uint64_t lo = 0, hi = symbols_count;

    if (!is_hypervisor_text(addr) || !hi || addr < symbols_addresses[0])
        return NULL;
    /* The last entry whose address is <= addr. */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (symbols_addresses[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    unsigned long end = lo + 1 < symbols_count ? symbols_addresses[lo + 1]
                                               : (unsigned long)__text_end;
    *offset = addr - symbols_addresses[lo];
    *size = end - symbols_addresses[lo];
    return symbols_names + symbols_name_offsets[lo];
}

void print_symbol(unsigned long addr)
{
    unsigned long off, size;
    const char *name = symbols_lookup(addr, &off, &size);

    if (name)
        printk("   [<%016lx>] %s+%#lx/%#lx\n", addr, name, off, size);
    else
        printk("   [<%016lx>]\n", addr);
}
