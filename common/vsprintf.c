/* vsnprintf(): the formatter behind printk() and snprintf(). */
#include <xenia/lib.h>

struct out {
    char *buf;
    size_t size;
    size_t len;            /* bytes the full output needs, excluding NUL */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
                       bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    while (n--)
        put(o, *s++);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

static void put_number(struct out *o, unsigned long long v, bool negative,
                       unsigned int base, bool upper, int width, bool left,
                       char pad)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (negative) {
        if (pad == '0') {
            put(o, '-');
            width--;
        } else {
            tmp[sizeof(tmp) - 1 - n++] = '-';
        }
    }
    put_padded(o, tmp + sizeof(tmp) - n, n, width, left, pad);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        bool left = false, alt = false;
        char pad = ' ';
        int width = 0, precision = -1, longs = 0;

        for (;; fmt++) {
            if (fmt[1] == '-')
                left = true;
            else if (fmt[1] == '#')
                alt = true;
            else if (fmt[1] == '0')
                pad = '0';
            else
                break;
        }
        fmt++;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            if (*fmt == '*') {
                precision = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                precision = precision * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l' || *fmt == 'z') {
            longs++;
            fmt++;
        }

        unsigned long long u;
        long long s;
        switch (*fmt) {
        case 'd':
        case 'i':
            s = longs ? va_arg(ap, long long) : va_arg(ap, int);
            put_number(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s,
                       s < 0, 10, false, width, left, pad);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
            if (alt && (*fmt == 'x' || *fmt == 'X')) {
                put(&o, '0');
                put(&o, 'x');
            }
            put_number(&o, u, false,
                       *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
                       *fmt == 'X', width, left, pad);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (unsigned long)va_arg(ap, void *), false, 16,
                       false, width, left, pad);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = precision >= 0 ? strnlen(str, precision) : strlen(str);
            put_padded(&o, str, n, width, left, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
