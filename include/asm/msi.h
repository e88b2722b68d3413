/* MSI / MSI-X programming of a PCI function's capability (arch/x86/msi.c). */
#ifndef ASM_MSI_H
#define ASM_MSI_H

#include <xenia/types.h>

/* An MSI capability's most vectors (Multiple Message Capable: 2^5; Xen's MAX_MSI_IRQS). */
#define MSI_MAX_VECTORS 32

struct msi_desc {
    unsigned int bus, devfn;             /* segment 0 */
    unsigned int pos;                    /* config offset of the capability */
    bool msix;                           /* MSI-X (else MSI) */
    unsigned int entry;                  /* MSI-X table entry */
    volatile uint32_t *entry_va;         /* MSI-X: the entry, through the uncached direct map */
    bool is64, maskbit;                  /* MSI: 64-bit address, per-vector mask bit */
};

/*
 * msi_setup(): fill m for bus:devfn (MSI-X when table_base, the physical
 * address of the table's BAR, is non-zero: entry `entry`; else MSI) and
 * write the message for vector on the CPU with APIC id dest. An MSI-X
 * entry is left masked. Returns 0, -ENODEV (no device or capability),
 * -EINVAL (entry beyond the table, table_base not the BAR's address, an
 * MSI entry other than 0), -EOPNOTSUPP (a table above 4 GiB).
 */
int msi_setup(struct msi_desc *m, unsigned int bus, unsigned int devfn, unsigned int entry,
              uint64_t table_base, uint8_t vector, uint32_t dest);

/* msi_mask(): mask or unmask the vector, where the device can (MSI-X, MSI with mask bits). */
void msi_mask(struct msi_desc *m, bool mask);

/*
 * msi_set_dest(): deliver an MSI-X entry to the CPU with APIC id dest,
 * the entry masked while its address changes (PCI 3.0 section 6.8.2.9;
 * the device holds a message meanwhile as pending). Memory writes only:
 * any context. False, nothing done, for MSI, whose message is in config
 * space (pci_conf_lock, interrupts on).
 */
bool msi_set_dest(struct msi_desc *m, uint32_t dest);

#endif
