/* Freestanding string and memory helpers (the C library subset the hypervisor needs). */
#include <xenia/lib.h>

/*
 * memset()/memcpy(): string instructions, 8 bytes at a time where they can;
 * the dom0 builder zeroes and copies hundreds of MiB through them.
 */
void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    uint64_t v = 0x0101010101010101ULL * (uint8_t)c;
    size_t q = n / 8, r = n % 8;

    __asm__ __volatile__("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(r) : "a"(v) : "memory");
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    const void *s = src;
    size_t q = n / 8, r = n % 8;

    __asm__ __volatile__("rep movsq" : "+D"(d), "+S"(s), "+c"(q) :: "memory");
    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(s), "+c"(r) :: "memory");
    return dst;
}

/*
 * memmove(): memcpy() unless dst starts inside [src, src + n); then
 * backwards, 8 bytes at a time. (Grant copies between two frames take the
 * memcpy() path whichever frame is higher; they used to go byte by byte
 * whenever the destination was.)
 */
void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n >= 8) {
        uint64_t w;
        n -= 8;
        __builtin_memcpy(&w, s + n, 8);
        __builtin_memcpy(d + n, &w, 8);
    }
    while (n--)
        d[n] = s[n];
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return p - s;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c ? NULL : (char *)s;
}
