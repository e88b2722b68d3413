/* Hypervisor command-line parsing (see include/xenia/param.h). */
#include <xenia/lib.h>
#include <xenia/param.h>

uint64_t parse_size_and_unit(const char *s, const char **end)
{
    const char *p;
    uint64_t v = simple_strtoul(s, &p, 0);

    switch (*p) {
    case 'T': case 't': v <<= 10; /* fall through */
    case 'G': case 'g': v <<= 10; /* fall through */
    case 'M': case 'm': v <<= 10; /* fall through */
    case 'K': case 'k': v <<= 10; p++; break;
    case 'B': case 'b': p++; break;
    default: break;
    }
    if (end)
        *end = p;
    return v;
}

int parse_bool(const char *s, const char *e)
{
    static const char *const yes[] = { "1", "yes", "true", "on", "enable" };
    static const char *const no[] = { "0", "no", "false", "off", "disable" };
    size_t len = e ? (size_t)(e - s) : strlen(s);

    for (unsigned int i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strlen(yes[i]) == len && !strncmp(s, yes[i], len))
            return 1;
        if (strlen(no[i]) == len && !strncmp(s, no[i], len))
            return 0;
    }
    return -1;
}

int parse_boolean(const char *name, const char *s, const char *e)
{
    size_t len = e ? (size_t)(e - s) : strlen(s), nlen = strlen(name);
    bool negated = len >= 3 && !strncmp(s, "no-", 3);

    if (negated) {
        s += 3;
        len -= 3;
    }
    if (len < nlen || strncmp(s, name, nlen))
        return -1;
    if (len == nlen)
        return !negated;
    if (negated || s[nlen] != '=')
        return -1;
    return parse_bool(s + nlen + 1, s + len);
}

static void store_uint(const struct kernel_param *p, uint64_t v)
{
    switch (p->len) {
    case 1: *(uint8_t *)p->var = (uint8_t)v; break;
    case 2: *(uint16_t *)p->var = (uint16_t)v; break;
    case 4: *(uint32_t *)p->var = (uint32_t)v; break;
    default: *(uint64_t *)p->var = v; break;
    }
}

/* Apply one option; name is [name, name_end), value NUL-terminated or NULL. */
static int apply(const struct kernel_param *p, const char *value, bool negated)
{
    const char *end;

    switch (p->type) {
    case PARAM_BOOL: {
        int b = value ? parse_bool(value, NULL) : 1;
        if (b < 0)
            return -1;
        store_uint(p, negated ? !b : b);
        return 0;
    }
    case PARAM_UINT:
        if (!value || !*value || negated)
            return -1;
        store_uint(p, simple_strtoul(value, &end, 0));
        return *end ? -1 : 0;
    case PARAM_SIZE:
        if (!value || !*value || negated)
            return -1;
        store_uint(p, parse_size_and_unit(value, &end));
        return *end ? -1 : 0;
    case PARAM_STRING:
        if (!value || negated)
            return -1;
        strlcpy(p->var, value, p->len);
        return 0;
    case PARAM_CUSTOM:
        return p->custom(negated ? "no" : value ? value : "");
    }
    return -1;
}

int cmdline_parse(const char *cmdline, const struct kernel_param *start,
                  const struct kernel_param *end)
{
    char opt[256];
    int bad = 0;

    while (*cmdline) {
        while (*cmdline == ' ')
            cmdline++;
        if (!*cmdline)
            break;
        size_t len = 0;
        while (cmdline[len] && cmdline[len] != ' ')
            len++;
        size_t keep = len < sizeof(opt) - 1 ? len : sizeof(opt) - 1;
        memcpy(opt, cmdline, keep);
        opt[keep] = '\0';
        cmdline += len;

        char *value = strchr(opt, '=');
        if (value)
            *value++ = '\0';

        const struct kernel_param *found = NULL;
        bool negated = false;
        for (const struct kernel_param *p = start; p < end; p++) {
            if (!strcmp(p->name, opt)) {
                found = p;
                break;
            }
            if (p->type == PARAM_BOOL && !strncmp(opt, "no-", 3) &&
                !strcmp(p->name, opt + 3) && !value) {
                found = p;
                negated = true;
                break;
            }
        }
        if (!found) {
            printk("cmdline: unknown option '%s' ignored\n", opt);
            bad++;
        } else if (apply(found, value, negated)) {
            printk("cmdline: bad value for '%s' ignored\n", opt);
            bad++;
        }
    }
    return bad;
}
