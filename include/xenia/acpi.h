/* The little of ACPI the hypervisor itself uses (ACPI 6.x, FADT and MADT). */
#ifndef XENIA_ACPI_H
#define XENIA_ACPI_H

#include <xenia/types.h>

/*
 * acpi_init(): find the RSDP: on UEFI through the EFI configuration table
 * (asm/efi.h), else in the BIOS area; failing both, the Multiboot 2
 * loader's copy. Boot only, after multiboot2_info().
 */
void acpi_init(void);
/* acpi_rsdp_paddr(): physical address of the RSDP, 0 if none (for dom0's start_info). */
paddr_t acpi_rsdp_paddr(void);
/* acpi_find_table(): physical address of the first table with this signature, or 0. */
paddr_t acpi_find_table(const char sig[4]);
struct madt_info;
/*
 * acpi_madt(): the MADT parsed (CPUs, IO-APICs, ISA overrides), or NULL if
 * there is none. Parsed on the first call (boot, one CPU); read-only after.
 */
const struct madt_info *acpi_madt(void);
/* acpi_pm1a_control_port(): FADT PM1a_CNT_BLK I/O port, 0 if unknown. */
uint16_t acpi_pm1a_control_port(void);
/* acpi_s5_sleep_type(): SLP_TYPa for S5 (QEMU's DSDT uses 0). */
unsigned int acpi_s5_sleep_type(void);

#endif
