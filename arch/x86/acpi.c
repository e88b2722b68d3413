/*
 * Minimal ACPI table lookup for the hypervisor's own needs: power-off and the
 * RSDP address handed to dom0. Dom0 owns ACPI interpretation (AML), as on Xen.
 */
#include <xenia/lib.h>
#include <xenia/acpi.h>
#include <xenia/multiboot.h>
#include <asm/efi.h>
#include <asm/madt.h>
#include <asm/page.h>

struct acpi_header {
    char signature[4];
    uint32_t length;                    /* bytes, including this header */
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __packed;

struct acpi_rsdp {
    char signature[8];                  /* "RSD PTR " */
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t ext_checksum, reserved[3];
} __packed;

#define FADT_PM1A_CNT_BLK_OFFSET 64     /* bytes into the FADT */

static paddr_t rsdp_pa;

static bool checksum_ok(const void *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static bool rsdp_ok(paddr_t pa)
{
    const struct acpi_rsdp *r = __va(pa);
    return pa && !memcmp(r->signature, "RSD PTR ", 8) && checksum_ok(r, 20);
}

void acpi_init(void)
{
    /* ACPI 6.4 section 5.2.5.2: on UEFI, the configuration table's entry. */
    if (efi_booted()) {
        rsdp_pa = efi_acpi_rsdp();
        if (!rsdp_ok(rsdp_pa))
            rsdp_pa = 0;
    } else {
        /* Section 5.2.5.1: on a 16-byte boundary in the BIOS area. */
        for (paddr_t pa = 0xe0000; pa < 0x100000 && !rsdp_pa; pa += 16)
            if (rsdp_ok(pa))
                rsdp_pa = pa;
    }
    /* Else the copy a Multiboot 2 loader gave (its RSDT/XSDT addresses are the real ones). */
    if (!rsdp_pa && rsdp_ok(multiboot2_rsdp_copy()))
        rsdp_pa = multiboot2_rsdp_copy();
    if (!rsdp_pa)
        printk("ACPI: no RSDP found\n");
}

paddr_t acpi_rsdp_paddr(void)
{
    return rsdp_pa;
}

paddr_t acpi_find_table(const char sig[4])
{
    if (!rsdp_pa)
        return 0;
    const struct acpi_rsdp *r = __va(rsdp_pa);
    bool xsdt = r->revision >= 2 && r->xsdt_address;
    paddr_t root = xsdt ? r->xsdt_address : r->rsdt_address;
    const struct acpi_header *h = __va(root);
    size_t entry = xsdt ? 8 : 4;
    size_t n = (h->length - sizeof(*h)) / entry;
    const uint8_t *entries = (const uint8_t *)(h + 1);

    for (size_t i = 0; i < n; i++) {
        paddr_t pa = 0;
        memcpy(&pa, entries + i * entry, entry);
        const struct acpi_header *t = __va(pa);
        if (!memcmp(t->signature, sig, 4))
            return pa;
    }
    return 0;
}

uint16_t acpi_pm1a_control_port(void)
{
    paddr_t fadt = acpi_find_table("FACP");
    if (!fadt)
        return 0;
    uint32_t port;
    memcpy(&port, (const uint8_t *)__va(fadt) + FADT_PM1A_CNT_BLK_OFFSET, 4);
    return (uint16_t)port;
}

unsigned int acpi_s5_sleep_type(void)
{
    return 0;
}

const struct madt_info *acpi_madt(void)
{
    static struct madt_info madt;
    static int state;                    /* 0 unread, 1 usable, -1 none */

    if (!state) {
        paddr_t pa = acpi_find_table("APIC");
        const struct acpi_header *h = pa ? __va(pa) : NULL;
        state = h && madt_parse(h, h->length, &madt) >= 0 ? 1 : -1;
    }
    return state > 0 ? &madt : NULL;
}
