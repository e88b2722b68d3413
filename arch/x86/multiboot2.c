/*
 * Multiboot 2 boot information (Multiboot2 Specification 2.0, section 3.6)
 * turned into the Multiboot 1 form the rest of boot reads: command line,
 * modules (with their command lines), memory map and memory limits.
 * Everything is copied into this file's static storage (inside the image,
 * so already reserved), so the loader's information area may be reused.
 * Strings longer than the buffers are cut; modules and map entries beyond
 * the arrays are dropped with a message.
 *
 * On a UEFI machine GRUB has left boot services (the header asks for no EFI
 * boot-services tag) and adds the EFI64 system table (tag 12) and the final
 * EFI memory map (tag 17): arch/x86/efi.c records both, and the EFI map,
 * typed as Xen types it, replaces the loader's own memory-map tag (which GRUB
 * wrote before it left boot services). The ACPI RSDP copies (tags 14 and 15:
 * the new one preferred) are kept for acpi_init() when nothing better is
 * known (no EFI configuration table entry, no RSDP in the BIOS area).
 */
#include <xenia/lib.h>
#include <xenia/console.h>
#include <xenia/multiboot.h>
#include <asm/efi.h>
#include <asm/page.h>

#define MB2_TAG_END       0
#define MB2_TAG_CMDLINE   1
#define MB2_TAG_MODULE    3
#define MB2_TAG_MEMINFO   4
#define MB2_TAG_MMAP      6
#define MB2_TAG_EFI64     12
#define MB2_TAG_ACPI_OLD  14
#define MB2_TAG_ACPI_NEW  15
#define MB2_TAG_EFI_MMAP  17
#define RSDP_MAX_BYTES    36            /* ACPI 2.0+ RSDP; 1.0's is 20 */

#define MB2_MAX_MODULES   16
#define MB2_MAX_MMAP      128
#define MB2_STRING_BYTES  1024

struct mb2_tag {
    uint32_t type, size;                /* size: bytes, this header included */
} __packed;

static struct multiboot_info mbi1;
static struct multiboot_module modules[MB2_MAX_MODULES];
static struct multiboot_mmap mmap[MB2_MAX_MMAP];
static char cmdline[MB2_STRING_BYTES];
static char module_strings[MB2_MAX_MODULES][MB2_STRING_BYTES];
static uint8_t rsdp_copy[RSDP_MAX_BYTES];
static uint32_t rsdp_copy_type;         /* the tag it came from, 0: none */

static uint32_t phys32(const void *p)
{
    return (uint32_t)__pa(p);           /* the image lies below 4 GiB */
}

/* Copy the NUL-terminated string at s, at most until end, into dst (cut to fit). */
static void copy_string(char *dst, const char *s, const char *end)
{
    size_t n = 0;
    while (s + n < end && s[n] && n < MB2_STRING_BYTES - 1)
        n++;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Keep the loader's copy of the RSDP (tag 15 over tag 14). */
static void keep_rsdp(uint32_t type, const uint8_t *body, const uint8_t *tag_end)
{
    if (rsdp_copy_type == MB2_TAG_ACPI_NEW || tag_end - body < 20)
        return;
    memset(rsdp_copy, 0, sizeof(rsdp_copy));
    memcpy(rsdp_copy, body, MIN((size_t)(tag_end - body), sizeof(rsdp_copy)));
    rsdp_copy_type = type;
}

paddr_t multiboot2_rsdp_copy(void)
{
    return rsdp_copy_type ? __pa(rsdp_copy) : 0;
}

/* Tag 17: keep the EFI map; true if it gave any descriptor. */
static bool keep_efi_mmap(const uint8_t *body, const uint8_t *tag_end)
{
    const uint32_t *h = (const void *)body;     /* descriptor size, version */
    if (tag_end - body < 8)
        return false;
    return efi_parse_memory_map(body + 8, (uint32_t)(tag_end - body - 8), h[0]) > 0;
}

/*
 * multiboot2_info(): the Multiboot 1 view of the Multiboot 2 information at
 * physical address mbi2_pa. Returns the physical address of the converted
 * information (static storage; never fails: a malformed tag ends the walk).
 */
uint32_t multiboot2_info(uint32_t mbi2_pa)
{
    const uint8_t *base = __va(mbi2_pa);
    uint32_t total = *(const uint32_t *)base;
    const uint8_t *end = base + total;
    bool efi_mmap = false;

    memset(&mbi1, 0, sizeof(mbi1));
    for (const uint8_t *p = base + 8; p + sizeof(struct mb2_tag) <= end;) {
        const struct mb2_tag *tag = (const void *)p;
        if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag) || p + tag->size > end)
            break;
        const uint8_t *body = p + sizeof(*tag), *tag_end = p + tag->size;
        switch (tag->type) {
        case MB2_TAG_CMDLINE:
            copy_string(cmdline, (const char *)body, (const char *)tag_end);
            mbi1.cmdline = phys32(cmdline);
            mbi1.flags |= MBI_CMDLINE;
            break;
        case MB2_TAG_MODULE: {
            const uint32_t *m = (const void *)body;
            if (tag_end - body < 8)
                break;
            if (mbi1.mods_count == MB2_MAX_MODULES) {
                printk("multiboot2: more than %u modules, the rest ignored\n", MB2_MAX_MODULES);
                break;
            }
            uint32_t i = mbi1.mods_count++;
            modules[i].mod_start = m[0];
            modules[i].mod_end = m[1];
            copy_string(module_strings[i], (const char *)(m + 2), (const char *)tag_end);
            modules[i].string = phys32(module_strings[i]);
            mbi1.mods_addr = phys32(modules);
            mbi1.flags |= MBI_MODULES;
            break;
        }
        case MB2_TAG_MEMINFO: {
            const uint32_t *m = (const void *)body;
            if (tag_end - body < 8)
                break;
            mbi1.mem_lower = m[0];
            mbi1.mem_upper = m[1];
            mbi1.flags |= MBI_MEMLIMITS;
            break;
        }
        case MB2_TAG_MMAP: {
            const uint32_t *h = (const void *)body;
            if (tag_end - body < 8 || h[0] < 24)
                break;
            uint32_t n = 0;
            for (const uint8_t *e = body + 8; e + 24 <= tag_end; e += h[0]) {
                if (n == MB2_MAX_MMAP) {
                    printk("multiboot2: more than %u memory map entries, the rest ignored\n",
                           MB2_MAX_MMAP);
                    break;
                }
                mmap[n].size = sizeof(mmap[n]) - sizeof(mmap[n].size);
                memcpy(&mmap[n].base_addr, e, 8);
                memcpy(&mmap[n].length, e + 8, 8);
                memcpy(&mmap[n].type, e + 16, 4);
                n++;
            }
            mbi1.mmap_addr = phys32(mmap);
            mbi1.mmap_length = n * sizeof(mmap[0]);
            mbi1.flags |= MBI_MEMMAP;
            break;
        }
        case MB2_TAG_EFI64:
            if (tag_end - body >= 8) {
                uint64_t st;
                memcpy(&st, body, 8);
                efi_parse_system_table(st);
            }
            break;
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW:
            keep_rsdp(tag->type, body, tag_end);
            break;
        case MB2_TAG_EFI_MMAP:
            efi_mmap = keep_efi_mmap(body, tag_end);
            break;
        default:
            break;
        }
        p += (tag->size + 7) & ~7u;
    }
    if (efi_mmap) {
        mbi1.mmap_addr = phys32(mmap);
        mbi1.mmap_length = efi_memory_map_e820(mmap, MB2_MAX_MMAP) * sizeof(mmap[0]);
        mbi1.flags |= MBI_MEMMAP;
    }
    return phys32(&mbi1);
}
