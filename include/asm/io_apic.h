/*
 * The IO-APICs, owned by the hypervisor (as in Xen): found in the MADT,
 * every pin masked at boot, pins programmed only through here.
 */
#ifndef ASM_IO_APIC_H
#define ASM_IO_APIC_H

#include <xenia/types.h>

/* ioapic_init(): find the MADT's IO-APICs and mask all their pins. Boot, one CPU. */
void ioapic_init(void);

/* ioapic_index_of(): index of the IO-APIC whose MMIO base is paddr (bytes), or -1. */
int ioapic_index_of(uint64_t paddr);

/*
 * ioapic_read_reg(): read register reg of IO-APIC idx (an index from
 * ioapic_index_of()). Takes ioapic_lock (IRQ-safe).
 */
uint32_t ioapic_read_reg(unsigned int idx, unsigned int reg);

/*
 * ioapic_route_isa_nmi(): deliver ISA IRQ irq (through its MADT override)
 * as an edge-triggered NMI to the CPU with APIC id dest. Returns 0, or
 * -ENOENT if no IO-APIC has the pin.
 */
int ioapic_route_isa_nmi(unsigned int irq, uint32_t dest);

/* ioapic_nr_gsis(): one past the highest GSI any IO-APIC has a pin for. */
unsigned int ioapic_nr_gsis(void);

/*
 * ioapic_route_gsi(): point gsi's pin at vector on the CPU with APIC id
 * dest (physical mode, fixed delivery), level- or edge-triggered, active
 * low or high, left masked. Returns 0 or -ENOENT (no such pin).
 */
int ioapic_route_gsi(unsigned int gsi, uint8_t vector, uint32_t dest, bool level, bool active_low);

/* ioapic_mask_gsi(): mask (true) or unmask gsi's pin; no-op without a pin. IRQ-safe. */
void ioapic_mask_gsi(unsigned int gsi, bool mask);

/*
 * ioapic_set_dest(): deliver gsi's pin to the CPU with APIC id dest from
 * now on, masked while the destination changes (an edge arriving then is
 * held by the pin). No-op without a pin. IRQ-safe (ioapic_lock).
 */
void ioapic_set_dest(unsigned int gsi, uint32_t dest);

#endif
