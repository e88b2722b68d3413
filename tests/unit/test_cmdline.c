/* SOURCES: common/cmdline.c common/lib.c */
/* Xen-style command-line options: names, booleans, sizes, unknown options. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/param.h>
#include "host_stubs.h"

static bool opt_noreboot;
static uint32_t opt_max_vcpus;
static uint64_t opt_mem;
static char opt_console[16];
static char custom_seen[32];

static int parse_custom(const char *v)
{
    if (!strcmp(v, "bad"))
        return -1;
    snprintf(custom_seen, sizeof(custom_seen), "%s", v);
    return 0;
}

static const struct kernel_param params[] = {
    { "noreboot", PARAM_BOOL, &opt_noreboot, sizeof(opt_noreboot), NULL },
    { "dom0_max_vcpus", PARAM_UINT, &opt_max_vcpus, sizeof(opt_max_vcpus), NULL },
    { "mem", PARAM_SIZE, &opt_mem, sizeof(opt_mem), NULL },
    { "console", PARAM_STRING, opt_console, sizeof(opt_console), NULL },
    { "loglvl", PARAM_CUSTOM, NULL, 0, parse_custom },
};

static int reset(void **state)
{
    opt_noreboot = false;
    opt_max_vcpus = 0;
    opt_mem = 0;
    memset(opt_console, 0, sizeof(opt_console));
    memset(custom_seen, 0, sizeof(custom_seen));
    host_printk_clear();
    return 0;
}

static int parse(const char *s)
{
    return cmdline_parse(s, params, params + sizeof(params) / sizeof(params[0]));
}

static void test_all_kinds(void **state)
{
    assert_int_equal(parse("  noreboot dom0_max_vcpus=2 mem=512M console=com1 loglvl=all "), 0);
    assert_true(opt_noreboot);
    assert_int_equal(opt_max_vcpus, 2);
    assert_int_equal(opt_mem, 512ULL << 20);
    assert_string_equal(opt_console, "com1");
    assert_string_equal(custom_seen, "all");
}

static void test_bool_forms(void **state)
{
    assert_int_equal(parse("noreboot=off"), 0);
    assert_false(opt_noreboot);
    assert_int_equal(parse("noreboot=yes"), 0);
    assert_true(opt_noreboot);
    assert_int_equal(parse("no-noreboot"), 0);
    assert_false(opt_noreboot);
    assert_int_equal(parse("noreboot=maybe"), 1);
    assert_non_null(strstr(host_printk_buf, "bad value for 'noreboot'"));
}

static void test_unknown_and_malformed(void **state)
{
    assert_int_equal(parse("bogus=1 dom0_max_vcpus=abc mem= loglvl=bad"), 4);
    assert_non_null(strstr(host_printk_buf, "unknown option 'bogus'"));
    assert_int_equal(opt_max_vcpus, 0);
}

static void test_string_truncated(void **state)
{
    assert_int_equal(parse("console=com1,vga,and,much,more,text"), 0);
    assert_int_equal(strlen(opt_console), sizeof(opt_console) - 1);
}

static void test_sizes(void **state)
{
    const char *end;
    assert_int_equal(parse_size_and_unit("2G", &end), 2ULL << 30);
    assert_int_equal(*end, '\0');
    assert_int_equal(parse_size_and_unit("4096k", NULL), 4096ULL << 10);
    assert_int_equal(parse_size_and_unit("0x1000", NULL), 0x1000);
    assert_int_equal(parse_size_and_unit("1T", NULL), 1ULL << 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_all_kinds, reset),
        cmocka_unit_test_setup(test_bool_forms, reset),
        cmocka_unit_test_setup(test_unknown_and_malformed, reset),
        cmocka_unit_test_setup(test_string_truncated, reset),
        cmocka_unit_test_setup(test_sizes, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
