/*
 * Hypervisor command-line options, named and with the meaning Xen gives them
 * (docs/misc/xen-command-line.pandoc in Xen). Each option is declared next to
 * the code that uses it with one of the *_param() macros below; the table is
 * gathered by the linker (section .init.setup) and applied by
 * cmdline_parse() once, early in boot.
 */
#ifndef XENIA_PARAM_H
#define XENIA_PARAM_H

#include <xenia/types.h>
#include <xenia/compiler.h>

enum param_type { PARAM_BOOL, PARAM_UINT, PARAM_SIZE, PARAM_STRING, PARAM_CUSTOM };

struct kernel_param {
    const char *name;
    enum param_type type;
    void *var;
    size_t len;                                  /* bytes of *var */
    int (*custom)(const char *value);            /* PARAM_CUSTOM; value may be "" */
};

#define __param(n, t, v, l, c)                                             \
    static const struct kernel_param __param_##v __section(".init.setup")  \
        __used __aligned(8) = { n, t, &(v), l, c }
#define boolean_param(n, v)  __param(n, PARAM_BOOL, v, sizeof(v), NULL)
#define integer_param(n, v)  __param(n, PARAM_UINT, v, sizeof(v), NULL)
#define size_param(n, v)     __param(n, PARAM_SIZE, v, sizeof(v), NULL)
#define string_param(n, v)   __param(n, PARAM_STRING, v, sizeof(v), NULL)
#define custom_param(n, fn)                                                \
    static const struct kernel_param __param_##fn __section(".init.setup") \
        __used __aligned(8) = { n, PARAM_CUSTOM, NULL, 0, fn }

/*
 * parse_size_and_unit(): "512M", "2G", "4096K", "1T", plain bytes.
 * Returns bytes; *end (if non-NULL) points past the unit.
 */
uint64_t parse_size_and_unit(const char *s, const char **end);

/*
 * parse_bool(): "1/0 yes/no true/false on/off enable/disable" over
 * [s, e); e == NULL means NUL-terminated. Returns 1, 0, or -1 if not boolean.
 */
int parse_bool(const char *s, const char *e);

/*
 * parse_boolean(): Xen's parse_boolean() for one item [s, e) of a
 * comma-separated option (e == NULL: NUL-terminated): "name" is 1,
 * "no-name" 0, "name=<bool>" as parse_bool(). Returns -1 if the item is
 * not about name (or its value is no boolean).
 */
int parse_boolean(const char *name, const char *s, const char *e);

/*
 * cmdline_parse(): apply "name[=value] ..." options from cmdline to the
 * params in [start, end). Boolean options also accept "no-name" to mean
 * false, as Xen does. Unknown options are reported with
 * printk and skipped. Returns the number of unknown or malformed options.
 */
int cmdline_parse(const char *cmdline, const struct kernel_param *start,
                  const struct kernel_param *end);

#endif
