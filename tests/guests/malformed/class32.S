/*
 * class32.S: a well-formed ELFCLASS32 (i386) kernel with Xen notes but no
 * PAE note: a 64-bit-only hypervisor must refuse it as dom0 (Debian's Xen 4.17,
 * without CONFIG_PV32: "Found 32-bit PV kernel, but CONFIG_PV32 missing").
 */
#include <xen/elfnote.h>

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
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .long, 0x400000)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .long, 0x400000)
ELFNOTE(XEN_ELFNOTE_ENTRY, .long, _start)

    .text
    .code32
    .globl _start
_start:
    jmp _start
