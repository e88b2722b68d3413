/* The MADT's list of processors (arch/x86/acpi_madt.c, pure). */
#ifndef ASM_MADT_H
#define ASM_MADT_H

#include <xenia/types.h>
#include <xenia/config.h>

struct madt_info {
    paddr_t lapic_paddr;             /* xAPIC page (override applied) */
    unsigned int nr_cpus;            /* enabled CPUs kept in apic_ids[] */
    unsigned int nr_disabled;        /* present but not enabled (hotplug) */
    unsigned int nr_dropped;         /* enabled but beyond NR_CPUS */
    uint32_t apic_ids[NR_CPUS];      /* MADT order, duplicates removed */
};

/*
 * madt_parse(): read a whole MADT of len bytes (the ACPI header included)
 * into info: Processor Local APIC (type 0) and Local x2APIC (type 9)
 * entries with the Enabled flag, and the LAPIC Address Override (type 5).
 * Entries with a bad length end the walk. Returns the number of enabled
 * CPUs recorded, or -EINVAL if the table is too short or not an MADT.
 */
int madt_parse(const void *table, size_t len, struct madt_info *info);

#endif
