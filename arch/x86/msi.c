/*
 * MSI and MSI-X on the device side: find the capability, write the message
 * (address: the LAPIC of the destination CPU; data: the vector, fixed
 * delivery, edge), mask and unmask. The hypervisor owns the message, as in
 * Xen: dom0 only sets the enable bits (its config writes pass through).
 * Config-space accesses take pci_conf_lock (interrupts on): never call
 * these with an IRQ-safe lock held.
 *
 * Capability layouts (PCI Local Bus 3.0 section 6.8): MSI: +2 control
 * (bit 7 64-bit address, bit 8 per-vector masking), +4 address, +8 upper
 * address or data, then data, then mask bits. MSI-X: +2 control (table
 * size - 1 in bits 0-10), +4 table offset | BAR indicator; each table
 * entry is 16 bytes: address low, high, data, vector control (bit 0 mask).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <asm/e820.h>
#include <asm/msi.h>
#include <asm/page.h>
#include <asm/pci.h>

#define PCI_CAP_ID_MSI          0x05
#define PCI_CAP_ID_MSIX         0x11
#define PCI_BAR0                0x10
#define MSI_CTRL                2
#define MSI_CTRL_64BIT          (1u << 7)
#define MSI_CTRL_MASKBIT        (1u << 8)
#define MSIX_CTRL_SIZE_MASK     0x7ff
#define MSIX_TABLE              4
#define MSIX_BIR_MASK           7
#define MSIX_ENTRY_BYTES        16
#define MSIX_ENTRY_CTRL_MASKED  1u
#define MSI_ADDR_BASE           0xfee00000u

static uint32_t msi_address(uint32_t dest) { return MSI_ADDR_BASE | (dest & 0xff) << 12; }

/* The physical address a memory BAR decodes; 0 for an I/O or unset BAR. */
static uint64_t bar_address(unsigned int bus, unsigned int devfn, unsigned int bir)
{
    unsigned int reg = PCI_BAR0 + 4 * bir;
    uint32_t lo = pci_conf_read(bus, devfn, reg, 4);

    if (lo & 1)
        return 0;                        /* I/O space */
    uint64_t addr = lo & ~0xfu;
    if (((lo >> 1) & 3) == 2 && bir < 5)
        addr |= (uint64_t)pci_conf_read(bus, devfn, reg + 4, 4) << 32;
    return addr;
}

static int setup_msi(struct msi_desc *m, uint8_t vector, uint32_t dest)
{
    unsigned int pos = m->pos;
    uint16_t ctrl = (uint16_t)pci_conf_read(m->bus, m->devfn, pos + MSI_CTRL, 2);

    m->is64 = ctrl & MSI_CTRL_64BIT;
    m->maskbit = ctrl & MSI_CTRL_MASKBIT;
    pci_conf_write(m->bus, m->devfn, pos + 4, 4, msi_address(dest));
    if (m->is64)
        pci_conf_write(m->bus, m->devfn, pos + 8, 4, 0);
    pci_conf_write(m->bus, m->devfn, pos + (m->is64 ? 12 : 8), 2, vector);
    return 0;
}

static int setup_msix(struct msi_desc *m, uint64_t table_base, uint8_t vector, uint32_t dest)
{
    uint16_t ctrl = (uint16_t)pci_conf_read(m->bus, m->devfn, m->pos + MSI_CTRL, 2);
    uint32_t table = pci_conf_read(m->bus, m->devfn, m->pos + MSIX_TABLE, 4);
    uint64_t bar = bar_address(m->bus, m->devfn, table & MSIX_BIR_MASK);

    if (m->entry > (ctrl & MSIX_CTRL_SIZE_MASK))
        return -EINVAL;                  /* beyond the table */
    if (!bar || bar != table_base)
        return -EINVAL;                  /* not the BAR the guest named */
    uint64_t pa = bar + (table & ~MSIX_BIR_MASK) + (uint64_t)m->entry * MSIX_ENTRY_BYTES;
    if (pa >= (1ULL << 32))
        return -EOPNOTSUPP;              /* the direct map's uncached holes end at 4 GiB */
    if (e820_overlaps_ram(pa, MSIX_ENTRY_BYTES))
        return -EINVAL;                  /* a BAR moved onto RAM: never write memory for it */
    m->entry_va = __va(pa);
    m->entry_va[3] |= MSIX_ENTRY_CTRL_MASKED;
    m->entry_va[0] = msi_address(dest);
    m->entry_va[1] = 0;
    m->entry_va[2] = vector;
    return 0;
}

int msi_setup(struct msi_desc *m, unsigned int bus, unsigned int devfn, unsigned int entry,
              uint64_t table_base, uint8_t vector, uint32_t dest)
{
    *m = (struct msi_desc){ .bus = bus, .devfn = devfn, .entry = entry, .msix = table_base != 0 };
    m->pos = pci_find_cap(bus, devfn, m->msix ? PCI_CAP_ID_MSIX : PCI_CAP_ID_MSI);
    if (!m->pos)
        return -ENODEV;
    if (m->msix)
        return setup_msix(m, table_base, vector, dest);
    if (entry)
        return -EINVAL;                  /* one vector per MSI function (no multi-MSI yet) */
    return setup_msi(m, vector, dest);
}

void msi_mask(struct msi_desc *m, bool mask)
{
    if (m->msix) {
        if (m->entry_va)
            m->entry_va[3] = mask ? m->entry_va[3] | MSIX_ENTRY_CTRL_MASKED
                                  : m->entry_va[3] & ~MSIX_ENTRY_CTRL_MASKED;
        return;
    }
    if (!m->maskbit)
        return;                          /* no per-vector masking: the enable bit is dom0's */
    unsigned int reg = m->pos + (m->is64 ? 16 : 12);
    uint32_t bits = pci_conf_read(m->bus, m->devfn, reg, 4);
    pci_conf_write(m->bus, m->devfn, reg, 4, mask ? bits | 1 : bits & ~1u);
}

bool msi_set_dest(struct msi_desc *m, uint32_t dest)
{
    if (!m->msix || !m->entry_va)
        return false;                    /* MSI: config space, interrupts on */
    uint32_t ctrl = m->entry_va[3];
    if (!(ctrl & MSIX_ENTRY_CTRL_MASKED))
        m->entry_va[3] = ctrl | MSIX_ENTRY_CTRL_MASKED;
    m->entry_va[0] = msi_address(dest);
    if (!(ctrl & MSIX_ENTRY_CTRL_MASKED))
        m->entry_va[3] = ctrl;
    return true;
}
