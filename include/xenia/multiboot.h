/* Multiboot 1 boot information (Multiboot Specification 0.6.96, section 3.3);
 * Multiboot 2 information is converted to it. */
#ifndef XENIA_MULTIBOOT_H
#define XENIA_MULTIBOOT_H

#include <xenia/types.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36D76289
#define MBI_MEMLIMITS   (1u << 0)
#define MBI_CMDLINE     (1u << 2)
#define MBI_MODULES     (1u << 3)
#define MBI_MEMMAP      (1u << 6)

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;      /* KiB */
    uint32_t boot_device;
    uint32_t cmdline;                   /* phys of NUL-terminated string */
    uint32_t mods_count, mods_addr;     /* phys of struct multiboot_module[] */
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;    /* bytes, phys of multiboot_mmap entries */
} __packed;

struct multiboot_module {
    uint32_t mod_start, mod_end;        /* phys, [start, end) */
    uint32_t string;                    /* phys of the module's command line */
    uint32_t reserved;
} __packed;

struct multiboot_mmap {
    uint32_t size;                      /* bytes of this entry after this field */
    uint64_t base_addr, length;         /* bytes */
    uint32_t type;                      /* 1 = RAM, as e820 */
} __packed;

/*
 * multiboot2_info() (arch/x86/multiboot2.c): the Multiboot 1 form of the
 * Multiboot 2 information at physical address mbi2_pa (command line,
 * modules, memory map, memory limits), copied into static storage inside
 * the image; returns its physical address. On UEFI the memory map is the
 * EFI map (tag 17), and the EFI system table (tag 12) is recorded
 * (asm/efi.h). Boot CPU, before mm_init().
 */
uint32_t multiboot2_info(uint32_t mbi2_pa);

/*
 * multiboot2_rsdp_copy(): physical address of the loader's copy of the ACPI
 * RSDP (Multiboot 2 tag 15, else 14; static storage in the image), 0 if it
 * gave none. Valid after multiboot2_info().
 */
paddr_t multiboot2_rsdp_copy(void);

#endif
