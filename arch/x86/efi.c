/*
 * UEFI without boot or runtime services: what GRUB's multiboot2 hands over
 * on a UEFI machine (system table, final memory map), recorded at boot and
 * answered to dom0 through XENPF_firmware_info. See include/asm/efi.h.
 *
 * Layouts read here (UEFI 2.9): EFI_SYSTEM_TABLE (section 4.3) on x86-64,
 * EFI_CONFIGURATION_TABLE entries (section 4.6: a GUID, then a pointer) and
 * EFI_MEMORY_DESCRIPTOR (section 7.2: type, padding, physical start,
 * virtual start, page count, attributes; desc_size apart).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/multiboot.h>
#include <xenia/guest_access.h>
#include <xen/platform.h>
#include <asm/e820.h>
#include <asm/efi.h>
#ifndef XENIA_HOST_TEST
#include <asm/page.h>
#endif

#define EFI_SYSTEM_TABLE_SIGNATURE  0x5453595320494249ULL      /* "IBI SYST" */
#define EFI_ST_FW_VENDOR            24      /* byte offsets in EFI_SYSTEM_TABLE */
#define EFI_ST_FW_REVISION          32
#define EFI_ST_NR_TABLES            104
#define EFI_ST_TABLES               112
#define EFI_ST_SIZE                 120
#define EFI_CT_ENTRY_SIZE           24      /* GUID + pointer */
#define EFI_MDESC_MIN_SIZE          40      /* type .. attribute */
#define EFI_VENDOR_CHARS            128
#define BOOT_MAPPED_LIMIT           (1ULL << 32)    /* what the boot page tables map */

static struct efi_mdesc efi_mmap[EFI_MAX_MMAP];
static unsigned int efi_mmap_nr;

static bool booted_efi;
static uint32_t efi_revision, efi_fw_revision;
static uint16_t efi_fw_vendor[EFI_VENDOR_CHARS];   /* NUL-terminated; [0] == 0: none */
static uint64_t efi_ct_pa;
static uint32_t efi_ct_nr;
static paddr_t rsdp20_pa, rsdp10_pa;

uint32_t efi_e820_type(uint32_t type, uint64_t attr)
{
    switch (type) {
    case EFI_LOADER_CODE:
    case EFI_LOADER_DATA:
    case EFI_BOOT_SERVICES_CODE:
    case EFI_BOOT_SERVICES_DATA:
    case EFI_CONVENTIONAL_MEMORY:
        if (attr & EFI_MEMORY_RUNTIME)
            return E820_RESERVED;
        return (attr & EFI_MEMORY_WB) ? E820_RAM : E820_UNUSABLE;
    case EFI_UNUSABLE_MEMORY:
        return E820_UNUSABLE;
    case EFI_ACPI_RECLAIM_MEMORY:
        return E820_ACPI;
    case EFI_ACPI_MEMORY_NVS:
        return E820_NVS;
    default:                            /* runtime services, MMIO, reserved, ... */
        return E820_RESERVED;
    }
}

unsigned int efi_parse_memory_map(const void *map, uint32_t size, uint32_t desc_size)
{
    const uint8_t *p = map;

    efi_mmap_nr = 0;
    if (desc_size < EFI_MDESC_MIN_SIZE)
        return 0;
    for (uint32_t off = 0; off + EFI_MDESC_MIN_SIZE <= size; off += desc_size) {
        if (efi_mmap_nr == EFI_MAX_MMAP) {
            printk("efi: more than %u memory map entries, the rest ignored\n", EFI_MAX_MMAP);
            break;
        }
        struct efi_mdesc *d = &efi_mmap[efi_mmap_nr++];
        memcpy(&d->type, p + off, 4);
        memcpy(&d->start, p + off + 8, 8);
        memcpy(&d->pages, p + off + 24, 8);
        memcpy(&d->attr, p + off + 32, 8);
    }
    return efi_mmap_nr;
}

unsigned int efi_memory_map_e820(struct multiboot_mmap *out, unsigned int max)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < efi_mmap_nr; i++) {
        const struct efi_mdesc *d = &efi_mmap[i];
        uint64_t len = d->pages << EFI_PAGE_SHIFT;
        uint32_t type = efi_e820_type(d->type, d->attr);

        if (!len)
            continue;
        if (n && out[n - 1].type == type && out[n - 1].base_addr + out[n - 1].length == d->start) {
            out[n - 1].length += len;
            continue;
        }
        if (n == max) {
            printk("efi: more than %u e820 ranges, the rest ignored\n", max);
            break;
        }
        out[n++] = (struct multiboot_mmap){ sizeof(out[0]) - sizeof(out[0].size), d->start, len, type };
    }
    return n;
}

int efi_mem_info(uint64_t addr, uint64_t *size, uint32_t *type, uint64_t *attr)
{
    for (unsigned int i = 0; i < efi_mmap_nr; i++) {
        const struct efi_mdesc *d = &efi_mmap[i];
        uint64_t len = d->pages << EFI_PAGE_SHIFT;

        if (addr < d->start || addr - d->start >= len)
            continue;
        *type = d->type;
        *attr = d->attr;
        if (addr + *size < addr || addr + *size > d->start + len)
            *size = d->start + len - addr;
        return 0;
    }
    return -ESRCH;
}

bool efi_booted(void)
{
    return booted_efi;
}

paddr_t efi_acpi_rsdp(void)
{
    return rsdp20_pa ? rsdp20_pa : rsdp10_pa;
}

#ifndef XENIA_HOST_TEST
struct efi_guid {
    uint32_t d1;
    uint16_t d2, d3;
    uint8_t d4[8];
} __packed;

static const struct efi_guid acpi20_guid =
    { 0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } };
static const struct efi_guid acpi10_guid =
    { 0xeb9d2d30, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };

/* Whether [pa, pa + bytes) lies where the boot page tables map it. */
static bool boot_mapped(uint64_t pa, uint64_t bytes)
{
    return pa && bytes <= BOOT_MAPPED_LIMIT && pa <= BOOT_MAPPED_LIMIT - bytes;
}

static uint64_t read64(uint64_t pa)
{
    uint64_t v;
    memcpy(&v, __va(pa), 8);
    return v;
}

/* Copy the firmware vendor string (CHAR16, NUL-terminated) at pa, cut to fit. */
static void copy_vendor(uint64_t pa)
{
    if (!boot_mapped(pa, sizeof(efi_fw_vendor)))
        return;
    memcpy(efi_fw_vendor, __va(pa), sizeof(efi_fw_vendor));
    efi_fw_vendor[EFI_VENDOR_CHARS - 1] = 0;
}

/* Find the ACPI RSDPs among the configuration table's entries. */
static void scan_config_table(void)
{
    if (!boot_mapped(efi_ct_pa, (uint64_t)efi_ct_nr * EFI_CT_ENTRY_SIZE)) {
        printk("efi: configuration table at %#lx not mapped at boot: ignored\n",
               (unsigned long)efi_ct_pa);
        return;
    }
    for (uint32_t i = 0; i < efi_ct_nr; i++) {
        uint64_t entry = efi_ct_pa + (uint64_t)i * EFI_CT_ENTRY_SIZE;
        const struct efi_guid *g = __va(entry);
        uint64_t table = read64(entry + sizeof(*g));

        if (!memcmp(g, &acpi20_guid, sizeof(*g)))
            rsdp20_pa = table;
        else if (!memcmp(g, &acpi10_guid, sizeof(*g)))
            rsdp10_pa = table;
    }
}

void efi_parse_system_table(uint64_t st_pa)
{
    booted_efi = true;
    if (!boot_mapped(st_pa, EFI_ST_SIZE) || read64(st_pa) != EFI_SYSTEM_TABLE_SIGNATURE) {
        printk("efi: no readable system table at %#lx\n", (unsigned long)st_pa);
        return;
    }
    const uint8_t *st = __va(st_pa);
    uint64_t nr;

    memcpy(&efi_revision, st + 8, 4);
    memcpy(&efi_fw_revision, st + EFI_ST_FW_REVISION, 4);
    memcpy(&nr, st + EFI_ST_NR_TABLES, 8);
    memcpy(&efi_ct_pa, st + EFI_ST_TABLES, 8);
    efi_ct_nr = (uint32_t)MIN(nr, 0xffffffffULL);
    copy_vendor(read64(st_pa + EFI_ST_FW_VENDOR));
    scan_config_table();
    printk("EFI %u.%u system table at %#lx: %u configuration tables, ACPI RSDP %#lx\n",
           efi_revision >> 16, efi_revision & 0xffff, (unsigned long)st_pa, efi_ct_nr,
           (unsigned long)efi_acpi_rsdp());
}
#endif

/* XEN_FW_EFI_VENDOR: the vendor string into the guest's buffer, NUL included if it fits. */
static long copy_vendor_out(union xenpf_efi_info *info)
{
    size_t n = info->vendor.bufsz / sizeof(efi_fw_vendor[0]), len = 0;

    if (!efi_fw_vendor[0])
        return -EOPNOTSUPP;
    while (len < EFI_VENDOR_CHARS && efi_fw_vendor[len])
        len++;
    len = MIN(len + 1, n);
    info->vendor.revision = efi_fw_revision;
    if (len && raw_copy_to_guest(info->vendor.name.p, efi_fw_vendor, len * sizeof(efi_fw_vendor[0])))
        return -EFAULT;
    return 0;
}

long efi_get_info(uint32_t idx, union xenpf_efi_info *info)
{
    if (!booted_efi)
        return -ENOSYS;
    switch (idx) {
    case XEN_FW_EFI_VERSION:
        info->version = efi_revision;
        return 0;
    case XEN_FW_EFI_RT_VERSION:
        return -EOPNOTSUPP;             /* no runtime services (efi=no-rs) */
    case XEN_FW_EFI_CONFIG_TABLE:
        info->cfg.addr = efi_ct_pa;
        info->cfg.nent = efi_ct_nr;
        return 0;
    case XEN_FW_EFI_VENDOR:
        return copy_vendor_out(info);
    case XEN_FW_EFI_MEM_INFO:
        return efi_mem_info(info->mem.addr, &info->mem.size, &info->mem.type, &info->mem.attr);
    case XEN_FW_EFI_PCI_ROM:
        return -ESRCH;                  /* no option ROMs kept (they need boot services) */
    case XEN_FW_EFI_APPLE_PROPERTIES:
        return -ENODATA;
    default:
        return -EINVAL;
    }
}

long efi_runtime_call(void)
{
    return booted_efi ? -EOPNOTSUPP : -ENOSYS;
}
