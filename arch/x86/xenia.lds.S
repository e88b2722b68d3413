/* Link map: runs at XEN_VIRT_START + physical address, loaded at XEN_LOAD_PADDR. */
#include <xenia/config.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(start32)

#define LMA(s) AT(ADDR(s) - XEN_VIRT_START)

SECTIONS
{
    . = XEN_VIRT_START + XEN_LOAD_PADDR;
    __image_start = .;
    .text : LMA(.text) {
        *(.text.head)
        *(.text.entry)          /* entry.S's paths to and from guests */
        *(.text.guest_path)     /* __guest_path: what they call on every crossing */
        *(.text.entry_stubs)    /* entry.S's IDT and SYSCALL stubs */
        *(.text .text.*)
        *(.fixup_sreg)
        __text_end = .;
    }
    . = ALIGN(4096);
    .rodata : LMA(.rodata) {
        *(.rodata .rodata.*)
        . = ALIGN(8);
        __setup_start = .;
        *(.init.setup)
        __setup_end = .;
        . = ALIGN(8);
        __ex_table_start = .;
        *(.ex_table)
        __ex_table_end = .;
        . = ALIGN(8);
        __initcall_start = .;
        *(.initcall)
        __initcall_end = .;
    }
    . = ALIGN(4096);
    .data : LMA(.data) {
        *(.data.page_aligned)
        *(.data.guest_path)     /* __guest_path_data */
        *(.data .data.*)
        *(.got .got.plt)
        . = ALIGN(4096);
    }
    /* The symbol table (Makefile: two links), after everything whose address it names. */
    .symbols : LMA(.symbols) {
        *(.symbols)
        . = ALIGN(4096);       /* keep the padding in the file: the loader reads to __data_end */
    }
    __data_end = .;
    .bss : LMA(.bss) {
        __bss_start = .;
        *(.bss.stack)
        *(.bss.page_aligned)
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(4096);
        __bss_end = .;
    }
    __image_end = .;

    /DISCARD/ : { *(.comment) *(.note .note.*) *(.eh_frame) *(.rela.*) *(.dynamic) *(.interp) }
}
