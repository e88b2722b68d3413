/*
 * head.S: start of day for a Xenia test guest, a 64-bit PV kernel.
 *
 * Xen enters _start in guest kernel mode (ring 3) with %rsi = start_info's
 * virtual address and %rsp at the top of a one-page boot stack, event
 * upcalls masked. We move to our own stack and call guest_start() in C.
 */
#include <xen/xen.h>
#include <xen/elfnote.h>

#define VIRT_BASE 0x400000

/* One Xen ELF note: name "Xen", 4-byte aligned descriptor. */
#define ELFNOTE(type, desctype, descdata)     \
    .pushsection .note.Xen, "a";               \
    .p2align 2;                                \
    .long 2f - 1f; .long 4f - 3f; .long type;  \
1:  .asciz "Xen";                              \
2:  .p2align 2;                                \
3:  desctype descdata;                         \
4:  .p2align 2;                                \
    .popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "Xenia-test")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad, VIRT_BASE)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad, VIRT_BASE)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad, _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page)
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz, "!writable_page_tables")

    .section .text.head, "ax"
    .code64
    .globl _start
_start:
    lea   boot_stack_top(%rip), %rsp
    mov   %rsi, %rdi
    call  guest_start
    ud2

    /* Xen fills this page with one 32-byte stub per hypercall. */
    .p2align 12
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xcc

    .section .bss.page_aligned, "aw", @nobits
    .p2align 12
boot_stack:
    .skip 4 * 4096
boot_stack_top:
