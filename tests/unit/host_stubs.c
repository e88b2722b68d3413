/*
 * Host-side stand-ins for the hypervisor services that pure-logic units
 * call: printk goes to a buffer tests can inspect, panic aborts the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stdint.h>
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

/*
 * Page owners: the hypervisor keeps the frame of the owning struct domain
 * (page_get_owner()); host tests' domains are not in a direct map, so a
 * table gives each domain a number instead (1-based; 0 is "no owner").
 */
#define HOST_OWNERS 256
struct domain;
static const struct domain *host_owners[HOST_OWNERS];

uint32_t host_owner_encode(const struct domain *d)
{
    for (uint32_t i = 0; i < HOST_OWNERS; i++) {
        if (!host_owners[i])
            host_owners[i] = d;
        if (host_owners[i] == d)
            return i + 1;
    }
    fprintf(stderr, "host_owner_encode: more than %d domains\n", HOST_OWNERS);
    abort();
}

struct domain *host_owner_decode(uint32_t frame)
{
    if (frame == 0 || frame > HOST_OWNERS || !host_owners[frame - 1]) {
        fprintf(stderr, "host_owner_decode: no domain %u\n", frame);
        abort();
    }
    return (struct domain *)host_owners[frame - 1];
}

uint32_t host_tlbflush_clock;
unsigned long host_flush_since_calls;
uint32_t host_flush_since_stamp;

/* Weak: test_flushtlb links the real arch/x86/flushtlb.c. */
__attribute__((weak)) uint32_t tlbflush_current_time(void)
{
    return host_tlbflush_clock;
}

__attribute__((weak)) void flush_tlb_all_since(uint32_t stamp)
{
    host_flush_since_calls++;
    host_flush_since_stamp = stamp;
}
