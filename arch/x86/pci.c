/* PCI configuration space through ports 0xcf8/0xcfc (see <asm/pci.h>). */
#include <xenia/lib.h>
#include <asm/io.h>
#include <asm/pci.h>

#define PCI_STATUS          0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_PTR         0x34
#define PCI_MAX_CAPS        48          /* a loop guard for a bad capability chain */

DEFINE_SPINLOCK(pci_conf_lock);

static uint32_t cf8(unsigned int bus, unsigned int devfn, unsigned int reg)
{
    return 0x80000000u | (bus & 0xff) << 16 | (devfn & 0xff) << 8 | (reg & 0xfc);
}

uint32_t pci_conf_read(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size)
{
    uint16_t port = (uint16_t)(PCI_CONF_DATA + (reg & 3));
    uint32_t val;

    spin_lock(&pci_conf_lock);
    outl(PCI_CONF_ADDR, cf8(bus, devfn, reg));
    val = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
    spin_unlock(&pci_conf_lock);
    return val;
}

void pci_conf_write(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size,
                    uint32_t val)
{
    uint16_t port = (uint16_t)(PCI_CONF_DATA + (reg & 3));

    spin_lock(&pci_conf_lock);
    outl(PCI_CONF_ADDR, cf8(bus, devfn, reg));
    if (size == 1)
        outb(port, (uint8_t)val);
    else if (size == 2)
        outw(port, (uint16_t)val);
    else
        outl(port, val);
    spin_unlock(&pci_conf_lock);
}

unsigned int pci_find_cap(unsigned int bus, unsigned int devfn, uint8_t id)
{
    if (pci_conf_read(bus, devfn, 0, 2) == 0xffff ||
        !(pci_conf_read(bus, devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned int pos = pci_conf_read(bus, devfn, PCI_CAP_PTR, 1) & 0xfc;
    for (unsigned int n = 0; pos >= 0x40 && n < PCI_MAX_CAPS; n++) {
        if (pci_conf_read(bus, devfn, pos, 1) == id)
            return pos;
        pos = pci_conf_read(bus, devfn, pos + 1, 1) & 0xfc;
    }
    return 0;
}
