/* Small helpers the host C library lacks: strlcpy(), simple_strtoul(). */
#include <xenia/lib.h>

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

unsigned long simple_strtoul(const char *s, const char **end, unsigned int base)
{
    unsigned long v = 0;
    if (base == 0) {
        base = 10;
        if (s[0] == '0') {
            base = 8;
            if (s[1] == 'x' || s[1] == 'X') {
                base = 16;
                s += 2;
            }
        }
    } else if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
    }
    for (int d; (d = digit_value(*s)) < (int)base; s++)
        v = v * base + d;
    if (end)
        *end = s;
    return v;
}
