/* Debug keys (Xen's keyhandler): one-letter commands that print hypervisor state. */
#ifndef XENIA_KEYHANDLER_H
#define XENIA_KEYHANDLER_H

#include <xenia/types.h>

/*
 * handle_keypress(): run debug key `key` (h: help, d: every CPU's
 * registers and call trace, q: domains and vCPUs, e: event channels, g:
 * grant tables, m: free memory in kB, p/P: print/reset the performance
 * counters (include/xenia/perfc.h), r: run queues; headers as Xen
 * 4.17's); output to the console and its ring (`xl dmesg`). Unknown keys
 * print nothing. From the serial console's timer (interrupts off) or
 * XEN_SYSCTL_debug_keys (interrupts on); takes domlist_lock, each
 * domain's event lock and console_lock, one at a time, and tries each
 * grant table's lock.
 */
void handle_keypress(char key);

#endif
