/*
 * string.c: the few libc routines a freestanding guest needs, including
 * a small vsnprintf (%d %i %u %x %lx %ld %lu %s %p %c %%, '#' and width).
 */
#include "test.h"

void *memset(void *s, int c, size_t n)
{
    unsigned char *p = s;

    while ( n-- )
        *p++ = c;
    return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;

    while ( n-- )
        *dp++ = *sp++;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for ( ; n; n--, x++, y++ )
        if ( *x != *y )
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while ( s[n] )
        n++;
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for ( ; n; n--, a++, b++ )
        if ( *a != *b || !*a )
            return (unsigned char)*a - (unsigned char)*b;
    return 0;
}

int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, (size_t)-1);
}

/* Output cursor for vsnprintf. */
struct out { char *buf; size_t size, n; };

static void put(struct out *o, char c)
{
    if ( o->n + 1 < o->size )
        o->buf[o->n] = c;
    o->n++;
}

/* Print an unsigned number in base 10 or 16, padded to width. */
static void put_num(struct out *o, unsigned long v, int base, int width, char pad)
{
    char tmp[24];
    int i = 0;

    do {
        tmp[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while ( v );
    while ( width-- > i )
        put(o, pad);
    while ( i )
        put(o, tmp[--i]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for ( ; *fmt; fmt++ )
    {
        int lng = 0, alt = 0, width = 0;
        char pad = ' ';
        unsigned long v;

        if ( *fmt != '%' )
        {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        if ( *fmt == '#' ) { alt = 1; fmt++; }
        if ( *fmt == '0' ) { pad = '0'; fmt++; }
        while ( *fmt >= '0' && *fmt <= '9' )
            width = width * 10 + *fmt++ - '0';
        while ( *fmt == 'l' ) { lng = 1; fmt++; }
        switch ( *fmt )
        {
        case 'd': case 'i':
        {
            long s = lng ? va_arg(ap, long) : va_arg(ap, int);

            if ( s < 0 )
            {
                put(&o, '-');
                s = -s;
            }
            put_num(&o, s, 10, width, pad);
            break;
        }
        case 'u':
            v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            put_num(&o, v, 10, width, pad);
            break;
        case 'p':
            lng = alt = 1;
            /* fall through */
        case 'x':
            v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            if ( alt )
            {
                put(&o, '0');
                put(&o, 'x');
            }
            put_num(&o, v, 16, width, pad);
            break;
        case 's':
        {
            const char *s = va_arg(ap, const char *);

            for ( s = s ? s : "(null)"; *s; s++ )
                put(&o, *s);
            break;
        }
        case 'c':
            put(&o, va_arg(ap, int));
            break;
        default:
            put(&o, *fmt);
            break;
        }
    }
    if ( size )
        buf[o.n < size ? o.n : size - 1] = '\0';
    return o.n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
