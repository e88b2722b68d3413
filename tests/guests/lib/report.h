/*
 * What both test-guest runtimes (lib.c for PV, pvh_lib.c for PVH) share:
 * printk, the check counters and the final verdict (report.c). Each
 * runtime provides the two ways out to the hypervisor below.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

extern const char test_name[];                /* the test file's */

/* Print to the hypervisor console (CONSOLEIO_write); %d %u %x %lx %s %p %c. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record one check; prints file:line and the text when it fails. */
bool check_at(bool ok, const char *file, int line, const char *what);
/* Record an equality check; prints both values when it fails. */
bool expect_eq_at(long got, long want, const char *file, int line, const char *what);
#define check(cond, what) check_at(!!(cond), __FILE__, __LINE__, what)
#define expect_eq(got, want, what) expect_eq_at((long)(got), (long)(want), __FILE__, __LINE__, what)

/* Print the result line; true when every check passed. */
bool test_report(void);
/* End the test now: print the result line and shut down (poweroff on
 * PASS, crash on FAIL). */
void __attribute__((noreturn)) test_finish(void);
/* Fail immediately with a reason (e.g. an unexpected trap). */
void __attribute__((noreturn)) test_abort(const char *why);

/* Write n bytes to the hypervisor's console (the runtime's way). */
void guest_console_write(const char *s, size_t n);
/* Wait until what was written has left the guest (a domU's PV console
 * ring read by xenconsoled); nothing to wait for on the hypervisor's. */
void guest_console_flush(void);
/* SCHEDOP_shutdown with reason, for good (the runtime's way). */
void guest_shutdown(unsigned int reason) __attribute__((noreturn));

#endif
