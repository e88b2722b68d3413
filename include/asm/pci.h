/*
 * PCI configuration space, mechanism #1 (ports 0xcf8/0xcfc), for the
 * hypervisor's own accesses (MSI set-up). pci_conf_lock serialises every
 * address/data pair, the hypervisor's and the ones it makes for dom0
 * (arch/x86/pv/emul_io.c); interrupts on (not IRQ-safe).
 */
#ifndef ASM_PCI_H
#define ASM_PCI_H

#include <xenia/types.h>
#include <xenia/spinlock.h>

extern spinlock_t pci_conf_lock;

#define PCI_CONF_ADDR       0xcf8
#define PCI_CONF_DATA       0xcfc

/* pci_conf_read(): size (1, 2, 4) bytes at register reg (bytes) of bus:devfn. */
uint32_t pci_conf_read(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size);
/* pci_conf_write(): the same, writing val. */
void pci_conf_write(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size,
                    uint32_t val);
/* pci_find_cap(): config offset of capability id of bus:devfn, or 0 (none, or no device). */
unsigned int pci_find_cap(unsigned int bus, unsigned int devfn, uint8_t id);

#endif
