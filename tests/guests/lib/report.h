/*
 * What both test-guest runtimes (lib.c for PV, pvh_lib.c for PVH) share:
 * printk, the check counters and the final verdict (report.c). Each
 * runtime provides the two ways out to the hypervisor below.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stddef.h>

/* Write n bytes to the hypervisor's console (the runtime's way). */
void guest_console_write(const char *s, size_t n);
/* SCHEDOP_shutdown with reason, for good (the runtime's way). */
void guest_shutdown(unsigned int reason) __attribute__((noreturn));

#endif
