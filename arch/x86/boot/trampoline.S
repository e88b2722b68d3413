/*
 * AP start-up.
 *
 * [trampoline_start, trampoline_end) is a position-independent blob that
 * smpboot.c copies to a page-aligned physical address P below 1 MiB and
 * patches (the tramp_* fields) before sending STARTUP with vector P >> 12.
 * The AP arrives in real mode at CS:IP = (P >> 4):0 and goes
 *
 *   real mode -> 32-bit protected mode -> long mode, on tramp_cr3: a
 *   temporary L4 that identity-maps [0, 2 MiB) and carries the boot CPU's
 *   hypervisor slots -> ap_start64 in the image (high addresses)
 *
 * where it switches to the boot CPU's page tables and its own stack
 * (ap_boot_cr3, ap_boot_rsp, set by smpboot.c for each AP in turn) and
 * calls start_secondary(). %ebx holds P from real mode to long mode.
 */
#include <xenia/config.h>

#define T(sym)          ((sym) - trampoline_start)

#define SEL_CS64        0x08
#define SEL_DS          0x10
#define SEL_CS32        0x18

#define CR0_PE_WP_NE_ET_MP_PG 0x80010033
#define CR4_PAE         (1 << 5)
#define MSR_EFER        0xc0000080

        .section .rodata.trampoline, "a", @progbits
        .align 16
        .code16
        .global trampoline_start
trampoline_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        xor     %ebx, %ebx
        mov     %ax, %bx
        shl     $4, %ebx                        /* %ebx = P */
        lgdtl   T(tramp_gdt_desc)
        mov     %cr0, %eax
        or      $1, %eax                        /* CR0.PE */
        mov     %eax, %cr0
        ljmpl   *T(tramp_far32)

        .code32
tramp_entry32:
        mov     $SEL_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %cr4, %eax
        or      $CR4_PAE, %eax
        mov     %eax, %cr4
        mov     T(tramp_cr3)(%ebx), %eax
        mov     %eax, %cr3
        mov     $MSR_EFER, %ecx
        mov     T(tramp_efer)(%ebx), %eax       /* LME, SCE, NXE as the boot CPU */
        xor     %edx, %edx
        wrmsr
        mov     $CR0_PE_WP_NE_ET_MP_PG, %eax
        mov     %eax, %cr0
        ljmpl   *T(tramp_far64)(%ebx)

        .code64
tramp_entry64:
        mov     %ebx, %ebx                      /* zero-extend P */
        mov     T(tramp_target)(%rbx), %rax
        jmp     *%rax

        .align 16
tramp_gdt:
        .quad 0                                 /* 0x00 null */
        .quad 0x00af9b000000ffff                /* 0x08 64-bit code */
        .quad 0x00cf93000000ffff                /* 0x10 flat data */
        .quad 0x00cf9b000000ffff                /* 0x18 flat 32-bit code */
tramp_gdt_end:
        .global tramp_gdt_desc
tramp_gdt_desc:                                 /* limit; base patched: P + T(tramp_gdt) */
        .word tramp_gdt_end - tramp_gdt - 1
        .long T(tramp_gdt)
        .align 8
        .global tramp_far32
tramp_far32:                                    /* offset patched: P + T(tramp_entry32) */
        .long T(tramp_entry32)
        .word SEL_CS32
        .align 8
        .global tramp_far64
tramp_far64:                                    /* offset patched: P + T(tramp_entry64) */
        .long T(tramp_entry64)
        .word SEL_CS64
        .align 8
        .global tramp_cr3
tramp_cr3:      .long 0                         /* temporary L4, physical, < 4 GiB */
        .global tramp_efer
tramp_efer:     .long 0
        .global tramp_target
tramp_target:   .quad 0                         /* virtual address of ap_start64 */
        .global trampoline_end
trampoline_end:

        /* ---- in the image, at its linked address ---- */
        .text
        .global ap_start64
ap_start64:
        lgdt    ap_gdt_desc(%rip)
        mov     $SEL_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        mov     ap_boot_rsp(%rip), %rsp         /* mapped here too: the direct map */
        lea     1f(%rip), %rax
        pushq   $SEL_CS64
        pushq   %rax
        lretq                                   /* reload CS from the image's GDT */
1:      mov     ap_boot_cr3(%rip), %rax
        mov     %rax, %cr3                      /* leave the temporary tables */
        xor     %ebp, %ebp
        call    start_secondary
        ud2

        .data
        .align 16
ap_gdt:
        .quad 0
        .quad 0x00af9b000000ffff                /* 0x08 64-bit code */
        .quad 0x00cf93000000ffff                /* 0x10 flat data */
        .quad 0x00cf9b000000ffff                /* 0x18 flat 32-bit code */
ap_gdt_end:
        .word 0
ap_gdt_desc:
        .word ap_gdt_end - ap_gdt - 1
        .quad ap_gdt
