/* SOURCES: arch/x86/acpi_madt.c */
/* MADT CPU discovery on synthetic tables: enabled/disabled, x2APIC, overrides, bad entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/errno.h>
#include <asm/madt.h>
#include "host_stubs.h"

static uint8_t tbl[4096];
static size_t len;

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void begin(uint32_t lapic)
{
    memset(tbl, 0, sizeof(tbl));
    memcpy(tbl, "APIC", 4);
    put32(tbl + 36, lapic);
    put32(tbl + 40, 1);                          /* PCAT_COMPAT */
    len = 44;
}

static void finish(void) { put32(tbl + 4, (uint32_t)len); }

static void lapic(uint8_t id, uint32_t flags)
{
    uint8_t *e = tbl + len;
    e[0] = 0; e[1] = 8; e[2] = id; e[3] = id;
    put32(e + 4, flags);
    len += 8;
}

static void x2apic(uint32_t id, uint32_t flags)
{
    uint8_t *e = tbl + len;
    e[0] = 9; e[1] = 16;
    put32(e + 4, id);
    put32(e + 8, flags);
    put32(e + 12, id);
    len += 16;
}

static void other(uint8_t type, uint8_t l)
{
    tbl[len] = type;
    tbl[len + 1] = l;
    len += l;
}

static void lapic_override(uint64_t pa)
{
    uint8_t *e = tbl + len;
    e[0] = 5; e[1] = 12;
    memcpy(e + 4, &pa, 8);
    len += 12;
}

static void ioapic(uint8_t id, uint32_t pa, uint32_t gsi_base)
{
    uint8_t *e = tbl + len;
    e[0] = 1; e[1] = 12; e[2] = id;
    put32(e + 4, pa);
    put32(e + 8, gsi_base);
    len += 12;
}

static void iso(uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = tbl + len;
    e[0] = 2; e[1] = 10; e[2] = bus; e[3] = irq;
    put32(e + 4, gsi);
    memcpy(e + 8, &flags, 2);
    len += 10;
}

static struct madt_info info;

static void mixed_table(void **state)
{
    begin(0xfee00000);
    lapic(0, 1);
    lapic(1, 1);
    other(1, 12);                                /* an I/O APIC: ignored */
    lapic(2, 0);                                 /* present, disabled */
    lapic(3, 2);                                 /* online-capable only: not enabled */
    lapic(0xff, 1);                              /* no xAPIC id */
    other(2, 10);                                /* interrupt source override */
    x2apic(0x100, 1);
    x2apic(1, 1);                                /* same CPU as LAPIC id 1 */
    x2apic(0x101, 0);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), 3);
    assert_int_equal(info.nr_cpus, 3);
    assert_int_equal(info.apic_ids[0], 0);
    assert_int_equal(info.apic_ids[1], 1);
    assert_int_equal(info.apic_ids[2], 0x100);
    assert_int_equal(info.nr_disabled, 3);
    assert_int_equal(info.nr_dropped, 0);
    assert_int_equal(info.lapic_paddr, 0xfee00000);
}

static void address_override(void **state)
{
    begin(0xfee00000);
    lapic(0, 1);
    lapic_override(0x1fee00000ULL);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), 1);
    assert_int_equal(info.lapic_paddr, 0x1fee00000ULL);
}

static void bad_tables(void **state)
{
    begin(0xfee00000);
    finish();
    assert_int_equal(madt_parse(tbl, 43, &info), -EINVAL);      /* too short */
    memcpy(tbl, "FACP", 4);
    assert_int_equal(madt_parse(tbl, len, &info), -EINVAL);     /* not an MADT */
    begin(0xfee00000);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), 0);           /* no CPUs */
}

static void malformed_entries_stop_the_walk(void **state)
{
    begin(0xfee00000);
    lapic(0, 1);
    tbl[len] = 0x7f; tbl[len + 1] = 0;           /* zero length: would loop forever */
    len += 2;
    lapic(1, 1);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), 1);

    begin(0xfee00000);
    lapic(0, 1);
    tbl[len] = 0; tbl[len + 1] = 4;              /* LAPIC entry shorter than its fields */
    len += 4;
    lapic(2, 1);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), 1);

    begin(0xfee00000);
    lapic(0, 1);
    x2apic(5, 1);
    finish();
    /* The header claims more than the caller has: the caller's length wins. */
    assert_int_equal(madt_parse(tbl, len - 8, &info), 1);
}

/* QEMU's table: one IO-APIC, IRQ0 on GSI 2, SCI (IRQ 9) level and active high. */
static void ioapics_and_overrides(void **state)
{
    uint16_t flags;

    begin(0xfee00000);
    lapic(0, 1);
    ioapic(0, 0xfec00000, 0);
    iso(0, 0, 2, 0);
    iso(0, 9, 9, 0xd);                           /* level, active high */
    iso(1, 5, 20, 0);                            /* not ISA: not kept */
    iso(0, 16, 30, 0);                           /* not an ISA IRQ: not kept */
    ioapic(1, 0xfec01000, 24);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), 1);
    assert_int_equal(info.nr_ioapics, 2);
    assert_int_equal(info.ioapics[0].id, 0);
    assert_int_equal(info.ioapics[0].paddr, 0xfec00000);
    assert_int_equal(info.ioapics[1].gsi_base, 24);
    assert_int_equal(info.nr_overrides, 2);
    assert_int_equal(madt_isa_irq_to_gsi(&info, 0, &flags), 2);
    assert_int_equal(flags, 0);
    assert_int_equal(madt_isa_irq_to_gsi(&info, 9, &flags), 9);
    assert_int_equal(flags & MADT_TRIGGER_MASK, MADT_TRIGGER_LEVEL);
    assert_int_equal(madt_isa_irq_to_gsi(&info, 4, &flags), 4);  /* identity */
    assert_int_equal(flags, 0);
}

/* More IO-APICs and overrides than there is room for: the first ones are kept. */
static void ioapic_room_is_bounded(void **state)
{
    begin(0xfee00000);
    for (unsigned int i = 0; i < MADT_MAX_IOAPICS + 3; i++)
        ioapic((uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
    for (unsigned int i = 0; i < MADT_MAX_OVERRIDES + 3; i++)
        iso(0, (uint8_t)(i % 16), 100 + i, 0);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), 0);
    assert_int_equal(info.nr_ioapics, MADT_MAX_IOAPICS);
    assert_int_equal(info.ioapics[MADT_MAX_IOAPICS - 1].gsi_base, (MADT_MAX_IOAPICS - 1) * 24);
    assert_int_equal(info.nr_overrides, MADT_MAX_OVERRIDES);
}

static void more_cpus_than_nr_cpus(void **state)
{
    begin(0xfee00000);
    for (uint32_t id = 0; id < NR_CPUS + 10; id++)
        x2apic(id, 1);
    finish();
    assert_int_equal(madt_parse(tbl, len, &info), NR_CPUS);
    assert_int_equal(info.nr_dropped, 10);
    assert_int_equal(info.apic_ids[NR_CPUS - 1], NR_CPUS - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mixed_table),
        cmocka_unit_test(address_override),
        cmocka_unit_test(bad_tables),
        cmocka_unit_test(malformed_entries_stop_the_walk),
        cmocka_unit_test(more_cpus_than_nr_cpus),
        cmocka_unit_test(ioapics_and_overrides),
        cmocka_unit_test(ioapic_room_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
