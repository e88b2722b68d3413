/*
 * Multiboot entry (1 and 2): 32-bit protected mode -> long mode -> start_xenia().
 *
 * The image is a flat binary described by the multiboot headers' address
 * fields (Multiboot 1's "a.out kludge", flag bit 16; Multiboot 2's address
 * and entry-address tags), so QEMU's -kernel (Multiboot 1) and GRUB
 * (`multiboot2`, which Debian's 20_linux_xen prefers, or `multiboot`) load
 * it at XEN_LOAD_PADDR without an ELF loader. It is linked at
 * XEN_VIRT_START + physical address; until paging is on, symbols are used
 * through sym_phys().
 *
 * Register contract at start32 (Multiboot 1 spec, section 3.2; Multiboot 2
 * spec, section 3.3): %eax = 0x2BADB002 or 0x36D76289, %ebx = physical
 * address of the boot information; start_xenia() tells them apart.
 *
 * On UEFI, GRUB enters start32 the same way: the Multiboot 2 header has no
 * EFI boot-services tag (Xen's MULTIBOOT2_HEADER_TAG_EFI_BS) and no EFI
 * entry tag, so GRUB calls ExitBootServices, drops from long mode to 32-bit
 * protected mode with paging off, and hands over the EFI system table and
 * memory map as tags (arch/x86/efi.c). CR4 is loaded whole; EFER bits the
 * firmware left set are kept, the ones needed here are ORed in.
 */
#include <xenia/config.h>

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        ((1 << 0) | (1 << 1) | (1 << 16))
#define sym_phys(s)     ((s) - XEN_VIRT_START)

#define PTE_P_RW        0x003
#define PTE_PSE         0x080

        .section .text.head, "ax", @progbits
        .code32
        .align 4
multiboot_header:
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)
        .long sym_phys(multiboot_header)        /* header_addr */
        .long sym_phys(__image_start)           /* load_addr */
        .long sym_phys(__data_end)              /* load_end_addr */
        .long sym_phys(__bss_end)               /* bss_end_addr */
        .long sym_phys(start32)                 /* entry_addr */

#define MB2_MAGIC       0xE85250D6
        .align 8
multiboot2_header:
        .long MB2_MAGIC
        .long 0                                 /* architecture: i386 protected mode */
        .long multiboot2_header_end - multiboot2_header
        .long -(MB2_MAGIC + (multiboot2_header_end - multiboot2_header))
        .align 8                                /* address tag */
        .short 2, 0
        .long 24
        .long sym_phys(multiboot2_header)       /* header_addr */
        .long sym_phys(__image_start)           /* load_addr */
        .long sym_phys(__data_end)              /* load_end_addr */
        .long sym_phys(__bss_end)               /* bss_end_addr */
        .align 8                                /* entry address tag */
        .short 3, 0
        .long 12
        .long sym_phys(start32)
        .align 8                                /* end tag */
        .short 0, 0
        .long 8
multiboot2_header_end:

        .global start32
start32:
        cli
        cld
        mov     %eax, %edi                      /* multiboot magic */
        mov     %ebx, %esi                      /* multiboot info (phys) */

        /* Zero .bss: the loader is told about it, but be sure. */
        push    %edi
        mov     $sym_phys(__bss_start), %edi
        mov     $sym_phys(__bss_end), %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        pop     %edi

        lgdt    sym_phys(boot_gdt_ptr)

        /*
         * CR4 = PAE | PGE | OSFXSR | OSXMMEXCPT (guests use SSE), nothing
         * else: whatever firmware left there (UEFI runs in long mode) goes.
         */
        mov     $((1 << 5) | (1 << 7) | (1 << 9) | (1 << 10)), %eax
        mov     %eax, %cr4

        mov     $sym_phys(boot_l4), %eax
        mov     %eax, %cr3

        /* EFER.LME, EFER.SCE, and EFER.NXE when the CPU has NX. */
        mov     $0x80000001, %eax
        cpuid
        mov     $((1 << 8) | (1 << 0)), %ebx
        bt      $20, %edx
        jnc     1f
        or      $(1 << 11), %ebx
1:      mov     $0xc0000080, %ecx
        rdmsr
        or      %ebx, %eax
        wrmsr

        /* CR0.PG | CR0.WP | CR0.PE | CR0.NE | CR0.MP */
        mov     $0x80010023, %eax
        mov     %eax, %cr0

        ljmp    $0x08, $sym_phys(start64_low)

        .code64
start64_low:
        movabs  $start64, %rax
        jmp     *%rax

        .text
start64:
        lgdt    boot_gdt_ptr64(%rip)
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        lea     boot_stack_top - CPU_INFO_RESERVE(%rip), %rsp   /* cpu_info sits above */
        xor     %ebp, %ebp
        /* start_xenia(magic = %edi, mbi_paddr = %esi) */
        call    start_xenia
        ud2

        /* ---------------- boot data ---------------- */
        .section .data.boot, "aw", @progbits
        .align 16
boot_gdt:
        .quad 0                                 /* 0x00 null */
        .quad 0x00af9b000000ffff                /* 0x08 64-bit code, DPL0 */
        .quad 0x00cf93000000ffff                /* 0x10 data, DPL0 */
        .quad 0x00cf9b000000ffff                /* 0x18 32-bit code, DPL0 */
boot_gdt_end:
        .word 0
boot_gdt_ptr:                                   /* 32-bit form, phys base */
        .word boot_gdt_end - boot_gdt - 1
        .long sym_phys(boot_gdt)
        .word 0
boot_gdt_ptr64:                                 /* 64-bit form, virt base */
        .word boot_gdt_end - boot_gdt - 1
        .quad boot_gdt

        /*
         * Boot page tables: 0..4 GiB mapped with 2 MiB pages at 0 (identity,
         * for the switch) and at DIRECTMAP_VIRT_START (same L3), and the
         * first GiB again at XEN_VIRT_START (which maps the image).
         * Replaced by arch/x86/mm/hv_paging.c once memory is known.
         */
        .section .data.page_aligned, "aw", @progbits
        .align 4096
        .global boot_l4
boot_l4:
        .quad sym_phys(boot_l3_low) + PTE_P_RW                  /* slot 0 */
        .fill 260, 8, 0
        .quad sym_phys(boot_l3_text) + PTE_P_RW                 /* slot 261 */
        .quad sym_phys(boot_l3_low) + PTE_P_RW                  /* slot 262 */
        .fill 249, 8, 0
boot_l3_low:
        .quad sym_phys(boot_l2) + 0x0000 + PTE_P_RW
        .quad sym_phys(boot_l2) + 0x1000 + PTE_P_RW
        .quad sym_phys(boot_l2) + 0x2000 + PTE_P_RW
        .quad sym_phys(boot_l2) + 0x3000 + PTE_P_RW
        .fill 508, 8, 0
boot_l3_text:
        .fill 322, 8, 0
        .quad sym_phys(boot_l2) + PTE_P_RW                      /* index 322 */
        .fill 189, 8, 0
boot_l2:
        .set i, 0
        .rept 2048
        .quad (i << 21) + PTE_PSE + PTE_P_RW
        .set i, i + 1
        .endr

        .section .bss.stack, "aw", @nobits
        .align STACK_SIZE               /* get_cpu_info() relies on it */
        .global boot_stack
boot_stack:
        .skip STACK_SIZE
        .global boot_stack_top
boot_stack_top:
