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

#endif
