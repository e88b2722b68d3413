/*
 * Freestanding C library subset and diagnostics used throughout the hypervisor.
 */
#ifndef XENIA_LIB_H
#define XENIA_LIB_H

#include <stdarg.h>
#include <xenia/compiler.h>
#include <xenia/types.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * vsnprintf()/snprintf(): format into buf of size bytes, always
 * NUL-terminated when size > 0. Supports %d %i %u %x %X %p %s %c %%, with
 * flags '-', '0', width, precision for %s, and l/ll/z length modifiers.
 * Returns the length the full output would have had (C99 semantics).
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* strtoul(): parse base 0/8/10/16; *end points past the digits. */
unsigned long simple_strtoul(const char *s, const char **end, unsigned int base);

/*
 * printk(): format and write to every console (serial, and the ring buffer
 * that XEN_SYSCTL_readconsole reads). Messages may start with a Xen log
 * level prefix "(XEN) " added by the console layer. Safe from any context;
 * takes console_lock.
 */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

/* panic(): print the reason, stop all CPUs, end QEMU with a non-zero status. */
void __noreturn panic(const char *fmt, ...) __printf(1, 2);

#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(c) do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)
#define ASSERT(c) do { if (unlikely(!(c))) panic("Assertion '%s' failed at %s:%d", #c, __FILE__, __LINE__); } while (0)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ROUNDUP(x, a)   (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ROUNDDOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

#endif
