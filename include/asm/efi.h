/*
 * UEFI, as far as a hypervisor started by GRUB's multiboot2 on a UEFI machine
 * needs it (arch/x86/efi.c). GRUB has already left the firmware's boot
 * services (Xenia's Multiboot 2 header asks for no EFI boot-services tag), so
 * what remains is what GRUB handed over: the EFI system table's address
 * (Multiboot2 spec 2.0 section 3.6.16, tag 12) and the final EFI memory map
 * (section 3.6.18, tag 17). From them: the e820 map (as Xen 4.17's
 * efi_arch_process_memory_map() types the EFI regions), the ACPI RSDP (the
 * system table's configuration table) and what dom0 asks for through
 * XENPF_firmware_info (XEN_FW_EFI_INFO). Xenia never calls EFI runtime
 * services: Xen's behaviour with `efi=no-rs`.
 *
 * Everything is recorded once on the boot CPU before mm_init() (the boot
 * page tables map 0-4 GiB; tables above that are ignored with a message),
 * copied into static storage, and read-only afterwards: no locking.
 */
#ifndef ASM_EFI_H
#define ASM_EFI_H

#include <xenia/types.h>

/* UEFI 2.9 section 7.2, EFI_MEMORY_TYPE and memory attributes. */
#define EFI_RESERVED_TYPE           0
#define EFI_LOADER_CODE             1
#define EFI_LOADER_DATA             2
#define EFI_BOOT_SERVICES_CODE      3
#define EFI_BOOT_SERVICES_DATA      4
#define EFI_RUNTIME_SERVICES_CODE   5
#define EFI_RUNTIME_SERVICES_DATA   6
#define EFI_CONVENTIONAL_MEMORY     7
#define EFI_UNUSABLE_MEMORY         8
#define EFI_ACPI_RECLAIM_MEMORY     9
#define EFI_ACPI_MEMORY_NVS         10
#define EFI_MEMORY_WB               (1ULL << 3)
#define EFI_MEMORY_RUNTIME          (1ULL << 63)
#define EFI_PAGE_SHIFT              12

#define EFI_MAX_MMAP                256     /* descriptors kept; more are dropped */

/* One EFI memory descriptor as kept here (the firmware's may be longer). */
struct efi_mdesc {
    uint32_t type;                  /* EFI_* memory type */
    uint64_t start;                 /* physical, bytes */
    uint64_t pages;                 /* 4 KiB EFI pages */
    uint64_t attr;                  /* EFI_MEMORY_* */
};

struct multiboot_mmap;

/*
 * efi_e820_type(): the e820 type Xen 4.17 gives an EFI region of this type
 * and attribute (boot-services memory is RAM: Xenia never calls the firmware).
 * Pure.
 */
uint32_t efi_e820_type(uint32_t type, uint64_t attr);

/*
 * efi_parse_memory_map(): copy the EFI memory map tag's descriptors (map:
 * size bytes, desc_size bytes apart, desc_size >= 40) into this file's
 * storage. Returns the number kept (EFI_MAX_MMAP at most; 0 for a malformed
 * map). Boot CPU only.
 */
unsigned int efi_parse_memory_map(const void *map, uint32_t size, uint32_t desc_size);

/*
 * efi_memory_map_e820(): the kept EFI map as multiboot memory-map entries
 * in out[] (room for max), contiguous regions of one e820 type merged, as
 * Xen builds its raw e820 from EFI. Returns the number written. Pure.
 */
unsigned int efi_memory_map_e820(struct multiboot_mmap *out, unsigned int max);

/*
 * efi_mem_info(): XEN_FW_EFI_MEM_INFO: the kept descriptor that contains
 * *addr: its type and attributes, and *size cut to what of [*addr, *addr +
 * *size) it covers. Returns 0, or -ESRCH when no descriptor contains it.
 */
int efi_mem_info(uint64_t addr, uint64_t *size, uint32_t *type, uint64_t *attr);

/*
 * efi_parse_system_table(): read the EFI system table at physical st_pa
 * (the Multiboot 2 EFI64 tag): revision, firmware vendor and revision, the
 * configuration table and the ACPI RSDP found there. Marks the boot as EFI
 * even if the table is unreadable (the loader said it is EFI). Boot CPU
 * only, before mm_init().
 */
void efi_parse_system_table(uint64_t st_pa);

/* efi_booted(): whether the loader handed over an EFI system table. */
bool efi_booted(void);

/* efi_acpi_rsdp(): the ACPI 2.0 (else 1.0) RSDP's physical address from the configuration table, or 0. */
paddr_t efi_acpi_rsdp(void);

union xenpf_efi_info;

/*
 * efi_get_info(): XENPF_firmware_info, XEN_FW_EFI_INFO (<xen/platform.h>),
 * as Xen 4.17's efi_get_info() answers with `efi=no-rs`. *info is the
 * guest's copy (in: index-specific input; out: the answer); the vendor
 * string goes straight to the guest buffer info->vendor.name. Returns 0,
 * -ENOSYS (not booted through EFI), -EOPNOTSUPP (XEN_FW_EFI_RT_VERSION: no
 * runtime services; no vendor string), -ESRCH (MEM_INFO: no region;
 * PCI_ROM: none kept), -ENODATA (APPLE_PROPERTIES), -EFAULT (vendor buffer),
 * -EINVAL (unknown index). Caller holds the platform_op lock.
 */
long efi_get_info(uint32_t idx, union xenpf_efi_info *info);

/*
 * efi_runtime_call(): XENPF_efi_runtime_call: -ENOSYS when not booted
 * through EFI, else -EOPNOTSUPP for every function (no runtime services,
 * Xen's `efi=no-rs`; Linux's Xen EFI wrappers turn it into EFI_UNSUPPORTED).
 */
long efi_runtime_call(void);

#endif
