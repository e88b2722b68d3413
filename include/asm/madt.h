/* The MADT's list of processors (arch/x86/acpi_madt.c, pure). */
#ifndef ASM_MADT_H
#define ASM_MADT_H

#include <xenia/types.h>
#include <xenia/config.h>

#define MADT_MAX_IOAPICS        8
#define MADT_MAX_OVERRIDES      16

/* MPS INTI flags of an interrupt source override (ACPI 6.4 table 5.26). */
#define MADT_POLARITY_MASK      0x3
#define MADT_POLARITY_LOW       0x3
#define MADT_TRIGGER_MASK       0xc
#define MADT_TRIGGER_LEVEL      0xc

struct madt_ioapic {
    uint8_t id;                      /* IO-APIC id */
    uint32_t paddr;                  /* MMIO base (bytes) */
    uint32_t gsi_base;               /* first GSI of its pins */
};

struct madt_override {
    uint8_t isa_irq;                 /* ISA IRQ (bus 0) */
    uint32_t gsi;                    /* the GSI it arrives on */
    uint16_t flags;                  /* MADT_POLARITY_*, MADT_TRIGGER_* */
};

struct madt_info {
    paddr_t lapic_paddr;             /* xAPIC page (override applied) */
    unsigned int nr_cpus;            /* enabled CPUs kept in apic_ids[] */
    unsigned int nr_disabled;        /* present but not enabled (hotplug) */
    unsigned int nr_dropped;         /* enabled but beyond NR_CPUS */
    uint32_t apic_ids[NR_CPUS];      /* MADT order, duplicates removed */
    unsigned int nr_ioapics;         /* IO-APICs kept in ioapics[] (MADT order) */
    struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
    unsigned int nr_overrides;       /* ISA interrupt source overrides kept */
    struct madt_override overrides[MADT_MAX_OVERRIDES];
};

/*
 * madt_parse(): read a whole MADT of len bytes (the ACPI header included)
 * into info: Processor Local APIC (type 0) and Local x2APIC (type 9)
 * entries with the Enabled flag, the LAPIC Address Override (type 5),
 * I/O APICs (type 1) and ISA Interrupt Source Overrides (type 2; entries
 * beyond the arrays' room, or for another bus, are not kept).
 * Entries with a bad length end the walk. Returns the number of enabled
 * CPUs recorded, or -EINVAL if the table is too short or not an MADT.
 */
int madt_parse(const void *table, size_t len, struct madt_info *info);

/*
 * madt_isa_irq_to_gsi(): the GSI ISA IRQ irq arrives on, and its MPS INTI
 * flags in *flags (0: the bus's default, edge and active high for ISA).
 * Without an override the GSI is the IRQ number (ACPI's identity mapping).
 */
uint32_t madt_isa_irq_to_gsi(const struct madt_info *info, unsigned int irq, uint16_t *flags);

#endif
