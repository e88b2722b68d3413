/* The hypervisor's own symbol table: code addresses to function names. */
#ifndef XENIA_SYMBOLS_H
#define XENIA_SYMBOLS_H

#include <xenia/types.h>

/*
 * symbols_lookup(): the function containing code address addr. Returns its
 * name (static storage) and sets *offset to addr's distance from the
 * function's start and *size to the function's length (bytes: up to the
 * next symbol); NULL if addr is outside the hypervisor's text. Lock-free
 * and read-only: safe in NMI and panic context.
 */
const char *symbols_lookup(unsigned long addr, unsigned long *offset, unsigned long *size);

/* is_hypervisor_text(): does addr lie in the hypervisor's code? */
bool is_hypervisor_text(unsigned long addr);

/* print_symbol(): printk "[<addr>] name+0xoff/0xsize" (or just the address) and a newline. */
void print_symbol(unsigned long addr);

#endif
