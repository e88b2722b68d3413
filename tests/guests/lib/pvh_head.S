/*
 * pvh_head.S: start of day for a Xenia PVH test guest.
 *
 * Xen's PVH boot ABI (docs/misc/pvh.pandoc): the hypervisor enters the
 * XEN_ELFNOTE_PHYS32_ENTRY address in 32-bit protected mode, paging off,
 * flat 4 GiB CS (execute/read) and DS/ES/SS (read/write), EBX = the
 * physical address of struct hvm_start_info, interrupts off.
 *
 * We load our own GDT, build nothing at run time (the page tables below
 * are static: the guest is linked at its physical address), enter long
 * mode with an identity map of 0-4 GiB in 2 MiB pages plus one 1 GiB
 * window at PVH_HIGH_WINDOW (a guest-physical range with nothing behind
 * it, for the nested-paging checks), and call pvh_start(start_info_pa).
 */
#include <xen/elfnote.h>

#define PVH_HIGH_WINDOW  (64 << 30)      /* 64 GiB: far above any RAM we get */
#define PDE_2M           0x83            /* present, writable, 2 MiB page */
#define PTE_TABLE        0x03            /* present, writable */

#define ELFNOTE(type, desctype, descdata)     \
    .pushsection .note.Xen, "a";               \
    .p2align 2;                                \
    .long 2f - 1f; .long 4f - 3f; .long type;  \
1:  .asciz "Xen";                              \
2:  .p2align 2;                                \
3:  desctype descdata;                         \
4:  .p2align 2;                                \
    .popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "Xenia-pvh-test")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_PHYS32_ENTRY, .long, pvh_entry32)

    .section .text.head, "ax"
    .code32
    .globl pvh_entry32
pvh_entry32:
    mov   %ebx, %esi                    /* start_info, kept for C */
    lgdt  gdt_desc
    mov   $0x10, %eax
    mov   %eax, %ds
    mov   %eax, %es
    mov   %eax, %ss
    mov   $boot_stack_top, %esp
    /* A 32-bit far jump to our own CS (entry CS is the hypervisor's choice). */
    ljmp  $0x18, $1f
1:
    mov   %cr4, %eax
    or    $0x20, %eax                   /* PAE */
    mov   %eax, %cr4
    mov   $pml4, %eax
    mov   %eax, %cr3
    mov   $0xc0000080, %ecx             /* EFER.LME */
    rdmsr
    or    $0x100, %eax
    wrmsr
    mov   %cr0, %eax
    or    $0x80010001, %eax             /* PG, WP, PE */
    mov   %eax, %cr0
    ljmp  $0x08, $entry64

    .code64
entry64:
    mov   $0x10, %eax
    mov   %eax, %ds
    mov   %eax, %es
    mov   %eax, %ss
    xor   %eax, %eax
    mov   %eax, %fs
    mov   %eax, %gs
    lea   boot_stack_top(%rip), %rsp
    mov   %esi, %edi                    /* zero-extends: start_info's address */
    call  pvh_start
    ud2

/* Exception and interrupt stubs, 16 bytes apart: push vector (and a 0
 * error code where the CPU gives none: every vector from 32 on). */
    .p2align 4
    .globl pvh_exc_stubs
pvh_exc_stubs:
    .set v, 0
    .rept 256
    .p2align 4
    .if (v == 8) || (v == 10) || (v == 11) || (v == 12) || (v == 13) || (v == 14) || (v == 17) || (v == 21)
    .else
    push  $0
    .endif
    push  $v
    jmp   pvh_exc_common
    .set v, v + 1
    .endr

pvh_exc_common:
    push  %rax
    push  %rcx
    push  %rdx
    push  %rsi
    push  %rdi
    push  %r8
    push  %r9
    push  %r10
    push  %r11
    mov   %rsp, %rdi
    call  pvh_trap                      /* pvh_trap(struct pvh_frame *) */
    pop   %r11
    pop   %r10
    pop   %r9
    pop   %r8
    pop   %rdi
    pop   %rsi
    pop   %rdx
    pop   %rcx
    pop   %rax
    add   $16, %rsp                     /* vector, error code */
    iretq

    .section .rodata
    .p2align 4
gdt:
    .quad 0
    .quad 0x00af9b000000ffff            /* 0x08: 64-bit code */
    .quad 0x00cf93000000ffff            /* 0x10: data */
    .quad 0x00cf9b000000ffff            /* 0x18: 32-bit code */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .quad gdt

    /* Identity page tables: 4 PDs for 0-4 GiB, one PD for the high window. */
    .section .data
    .p2align 12
pml4:
    .quad pdpt + PTE_TABLE
    .fill 511, 8, 0
pdpt:
    .quad pd0 + PTE_TABLE
    .quad pd0 + 0x1000 + PTE_TABLE
    .quad pd0 + 0x2000 + PTE_TABLE
    .quad pd0 + 0x3000 + PTE_TABLE
    .fill (PVH_HIGH_WINDOW >> 30) - 4, 8, 0
    .quad pd_high + PTE_TABLE
    .fill 511 - (PVH_HIGH_WINDOW >> 30), 8, 0
pd0:
    .set i, 0
    .rept 2048
    .quad (i << 21) + PDE_2M
    .set i, i + 1
    .endr
pd_high:
    .set i, 0
    .rept 512
    .quad PVH_HIGH_WINDOW + (i << 21) + PDE_2M
    .set i, i + 1
    .endr

    /* The hypervisor fills this page with its hypercall stubs (MSR write). */
    .section .bss.page_aligned, "aw", @nobits
    .p2align 12
    .globl hypercall_page
hypercall_page:
    .skip 4096
boot_stack:
    .skip 4 * 4096
boot_stack_top:
