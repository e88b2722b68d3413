/* SOURCES: arch/x86/efi.c arch/x86/e820.c */
/* UEFI memory map handling: EFI types to e820 (as Xen 4.17), merging, XEN_FW_EFI_MEM_INFO lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/multiboot.h>
#include <xen/platform.h>
#include <asm/e820.h>
#include <asm/efi.h>
#include "host_stubs.h"

#define DESC_SIZE 48                    /* what OVMF reports: 40 bytes + padding */
#define WB        EFI_MEMORY_WB

static uint8_t map[64 * DESC_SIZE];
static uint32_t map_len;

static void add(uint32_t type, uint64_t start, uint64_t pages, uint64_t attr)
{
    uint8_t *d = map + map_len;
    memset(d, 0xa5, DESC_SIZE);         /* padding and virtual start: junk */
    memcpy(d, &type, 4);
    memcpy(d + 8, &start, 8);
    memcpy(d + 24, &pages, 8);
    memcpy(d + 32, &attr, 8);
    map_len += DESC_SIZE;
}

/* A small OVMF-like map: low RAM, a runtime hole, RAM, ACPI, NVS, MMIO. */
static void ovmf_like(void)
{
    map_len = 0;
    add(EFI_BOOT_SERVICES_CODE, 0x0, 1, WB);
    add(EFI_CONVENTIONAL_MEMORY, 0x1000, 0x9f, WB);
    add(EFI_CONVENTIONAL_MEMORY, 0x100000, 0x700, WB);
    add(EFI_ACPI_MEMORY_NVS, 0x800000, 8, WB);
    add(EFI_LOADER_DATA, 0x808000, 0x10, WB);
    add(EFI_BOOT_SERVICES_DATA, 0x818000, 0x100, WB);
    add(EFI_RUNTIME_SERVICES_DATA, 0x918000, 4, WB | EFI_MEMORY_RUNTIME);
    add(EFI_CONVENTIONAL_MEMORY, 0x91c000, 0x10, WB);
    add(EFI_ACPI_RECLAIM_MEMORY, 0x92c000, 2, WB);
    add(EFI_CONVENTIONAL_MEMORY, 0x92e000, 0, WB);               /* empty: skipped */
    add(10 + 1, 0xffc00000, 0x400, EFI_MEMORY_RUNTIME);          /* MMIO */
}

static void test_types(void **state)
{
    assert_int_equal(efi_e820_type(EFI_CONVENTIONAL_MEMORY, WB), E820_RAM);
    assert_int_equal(efi_e820_type(EFI_BOOT_SERVICES_DATA, WB), E820_RAM);
    assert_int_equal(efi_e820_type(EFI_LOADER_CODE, WB), E820_RAM);
    assert_int_equal(efi_e820_type(EFI_CONVENTIONAL_MEMORY, 0), E820_UNUSABLE);
    assert_int_equal(efi_e820_type(EFI_LOADER_DATA, WB | EFI_MEMORY_RUNTIME), E820_RESERVED);
    assert_int_equal(efi_e820_type(EFI_RUNTIME_SERVICES_CODE, WB), E820_RESERVED);
    assert_int_equal(efi_e820_type(EFI_RESERVED_TYPE, WB), E820_RESERVED);
    assert_int_equal(efi_e820_type(EFI_UNUSABLE_MEMORY, WB), E820_UNUSABLE);
    assert_int_equal(efi_e820_type(EFI_ACPI_RECLAIM_MEMORY, WB), E820_ACPI);
    assert_int_equal(efi_e820_type(EFI_ACPI_MEMORY_NVS, WB), E820_NVS);
    assert_int_equal(efi_e820_type(0x80000000u, WB), E820_RESERVED);   /* OEM type */
}

static void test_parse_and_merge(void **state)
{
    struct multiboot_mmap out[16];

    ovmf_like();
    assert_int_equal(efi_parse_memory_map(map, map_len, DESC_SIZE), 11);
    unsigned int n = efi_memory_map_e820(out, ARRAY_SIZE(out));
    assert_int_equal(n, 8);
    /* [0, 0xa0000) RAM: boot-services code and conventional merged */
    assert_int_equal(out[0].base_addr, 0);
    assert_int_equal(out[0].length, 0xa0000);
    assert_int_equal(out[0].type, E820_RAM);
    assert_int_equal(out[0].size, sizeof(out[0]) - 4);
    /* not contiguous with the first: a new entry */
    assert_int_equal(out[1].base_addr, 0x100000);
    assert_int_equal(out[1].type, E820_RAM);
    assert_int_equal(out[2].type, E820_NVS);
    /* loader data and boot-services data merged */
    assert_int_equal(out[3].base_addr, 0x808000);
    assert_int_equal(out[3].length, 0x110000);
    assert_int_equal(out[4].type, E820_RESERVED);
    assert_int_equal(out[5].type, E820_RAM);
    assert_int_equal(out[6].type, E820_ACPI);
    assert_int_equal(out[7].base_addr, 0xffc00000);
    assert_int_equal(out[7].type, E820_RESERVED);
    /* the e820 sanitiser takes it as is */
    assert_int_equal(e820_from_multiboot(&e820, out, n * sizeof(out[0])), 8);
}

static void test_truncation(void **state)
{
    struct multiboot_mmap out[3];

    ovmf_like();
    efi_parse_memory_map(map, map_len, DESC_SIZE);
    assert_int_equal(efi_memory_map_e820(out, ARRAY_SIZE(out)), 3);
    /* a descriptor size below the UEFI minimum is a malformed map */
    assert_int_equal(efi_parse_memory_map(map, map_len, 24), 0);
    assert_int_equal(efi_memory_map_e820(out, ARRAY_SIZE(out)), 0);
    /* a last descriptor cut short is ignored */
    ovmf_like();
    assert_int_equal(efi_parse_memory_map(map, 2 * DESC_SIZE + 20, DESC_SIZE), 2);
}

static void test_mem_info(void **state)
{
    uint64_t size, attr;
    uint32_t type;

    ovmf_like();
    efi_parse_memory_map(map, map_len, DESC_SIZE);
    size = 0x1000;
    assert_int_equal(efi_mem_info(0x918800, &size, &type, &attr), 0);
    assert_int_equal(type, EFI_RUNTIME_SERVICES_DATA);
    assert_true(attr & EFI_MEMORY_RUNTIME);
    assert_int_equal(size, 0x1000);                      /* fits: unchanged */
    size = 0x100000;
    assert_int_equal(efi_mem_info(0x918800, &size, &type, &attr), 0);
    assert_int_equal(size, 0x91c000 - 0x918800);         /* cut to the descriptor */
    size = ~0ULL;                                        /* wraps: cut too */
    assert_int_equal(efi_mem_info(0x92c000, &size, &type, &attr), 0);
    assert_int_equal(type, EFI_ACPI_RECLAIM_MEMORY);
    assert_int_equal(size, 0x2000);
    size = 1;
    assert_int_equal(efi_mem_info(0xa0000, &size, &type, &attr), -ESRCH);   /* a hole */
    assert_int_equal(efi_mem_info(0x92e000, &size, &type, &attr), -ESRCH);  /* empty descriptor */
}

static void test_not_booted_efi(void **state)
{
    union xenpf_efi_info info = { 0 };

    assert_false(efi_booted());
    assert_int_equal(efi_get_info(XEN_FW_EFI_VERSION, &info), -ENOSYS);
    assert_int_equal(efi_get_info(XEN_FW_EFI_MEM_INFO, &info), -ENOSYS);
    assert_int_equal(efi_runtime_call(), -ENOSYS);
    assert_int_equal(efi_acpi_rsdp(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_parse_and_merge),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_mem_info),
        cmocka_unit_test(test_not_booted_efi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
