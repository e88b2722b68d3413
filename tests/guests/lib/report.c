/*
 * The test guests' reporting, shared by the PV and PVH runtimes: printk,
 * check/expect_eq counting, and the "XENIA-TEST: NAME PASS|FAIL" verdict
 * that tests/guests/run.sh reads, followed by a poweroff (pass) or crash
 * (fail) shutdown.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include "report.h"

static unsigned int checks_total, checks_failed;

void printk(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    guest_console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

bool check_at(bool ok, const char *file, int line, const char *what)
{
    checks_total++;
    if ( !ok )
    {
        checks_failed++;
        printk("%s:%d: check failed: %s\n", file, line, what);
    }
    return ok;
}

bool expect_eq_at(long got, long want, const char *file, int line, const char *what)
{
    checks_total++;
    if ( got != want )
    {
        checks_failed++;
        printk("%s:%d: check failed: %s: got %ld (%#lx), expected %ld (%#lx)\n",
               file, line, what, got, got, want, want);
    }
    return got == want;
}

bool test_report(void)
{
    if ( checks_failed == 0 )
    {
        printk("XENIA-TEST: %s PASS (%u checks)\n", test_name, checks_total);
        return true;
    }
    printk("XENIA-TEST: %s FAIL (%u of %u checks failed)\n", test_name,
           checks_failed, checks_total);
    return false;
}

void test_finish(void)
{
    guest_shutdown(test_report() ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

void test_abort(const char *why)
{
    printk("%s: aborted: %s\n", test_name, why);
    checks_total++;
    checks_failed++;
    test_finish();
}
