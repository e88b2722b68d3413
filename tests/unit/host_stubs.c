/*
 * Host-side stand-ins for the hypervisor services that pure-logic units
 * call: printk goes to a buffer tests can inspect, panic aborts the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include "host_stubs.h"

char host_printk_buf[HOST_PRINTK_BUF];
size_t host_printk_len;

void vprintk(const char *fmt, va_list ap)
{
    char line[1024];
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    if (host_printk_len + n < sizeof(host_printk_buf)) {
        memcpy(host_printk_buf + host_printk_len, line, n);
        host_printk_len += n;
        host_printk_buf[host_printk_len] = '\0';
    }
    if (getenv("XENIA_TEST_VERBOSE"))
        fputs(line, stderr);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void host_printk_clear(void)
{
    host_printk_len = 0;
    host_printk_buf[0] = '\0';
}
