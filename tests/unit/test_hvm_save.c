/* SOURCES: arch/x86/hvm/save_parse.c */
/* The HVM context walk: header checks, records, END, overruns, the CPU boot-state check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/errno.h>
#include <asm/hvm/save.h>

static uint8_t buf[4096];
static uint32_t len;

static void put(uint16_t type, uint16_t instance, const void *data, uint32_t n)
{
    struct hvm_save_descriptor d = { .typecode = type, .instance = instance, .length = n };

    memcpy(buf + len, &d, sizeof(d));
    if (n)
        memcpy(buf + len + sizeof(d), data, n);
    len += sizeof(d) + n;
}

static void header(uint32_t magic, uint32_t version)
{
    struct hvm_save_header h = { .magic = magic, .version = version, .cpuid = 0x663 };

    len = 0;
    put(HVM_SAVE_CODE(HEADER), 0, &h, sizeof(h));
}

/* What libxenguest's vcpu_hvm() sends for a PVH domU: HEADER, CPU, END. */
static void pvh_boot_context(void **s)
{
    struct hvm_hw_cpu cpu = { .cr0 = 0x11, .rip = 0x1000000, .rbx = 0x2000000 };
    const struct hvm_save_descriptor *d;
    const void *data;
    uint32_t off;

    header(HVM_FILE_MAGIC, HVM_FILE_VERSION);
    put(HVM_SAVE_CODE(CPU), 0, &cpu, sizeof(cpu));
    put(HVM_SAVE_CODE(END), 0, NULL, 0);
    assert_int_equal(hvm_context_header_check(buf, len, &off), 0);
    assert_int_equal(hvm_context_next(buf, len, &off, &d, &data), 1);
    assert_int_equal(d->typecode, HVM_SAVE_CODE(CPU));
    assert_int_equal(d->length, sizeof(cpu));
    assert_true(hvm_cpu_record_boot_ok(data));
    assert_int_equal(hvm_context_next(buf, len, &off, &d, &data), 0);
}

static void bad_headers(void **s)
{
    uint32_t off;

    header(HVM_FILE_MAGIC + 1, HVM_FILE_VERSION);
    assert_int_equal(hvm_context_header_check(buf, len, &off), -EINVAL);
    header(HVM_FILE_MAGIC, 2);
    assert_int_equal(hvm_context_header_check(buf, len, &off), -EINVAL);
    header(HVM_FILE_MAGIC, HVM_FILE_VERSION);
    assert_int_equal(hvm_context_header_check(buf, len - 1, &off), -ENODATA);
    assert_int_equal(hvm_context_header_check(buf, 0, &off), -ENODATA);
    ((struct hvm_save_descriptor *)buf)->typecode = HVM_SAVE_CODE(CPU);
    assert_int_equal(hvm_context_header_check(buf, len, &off), -ENODATA);
    header(HVM_FILE_MAGIC, HVM_FILE_VERSION);
    ((struct hvm_save_descriptor *)buf)->length = 8;
    assert_int_equal(hvm_context_header_check(buf, len, &off), -ENODATA);
}

static void no_end_and_overrun(void **s)
{
    struct hvm_hw_mtrr mtrr = { 0 };
    const struct hvm_save_descriptor *d;
    const void *data;
    uint32_t off;

    header(HVM_FILE_MAGIC, HVM_FILE_VERSION);
    put(HVM_SAVE_CODE(MTRR), 1, &mtrr, sizeof(mtrr));
    assert_int_equal(hvm_context_header_check(buf, len, &off), 0);
    assert_int_equal(hvm_context_next(buf, len, &off, &d, &data), 1);
    assert_int_equal(d->instance, 1);
    assert_int_equal(hvm_context_next(buf, len, &off, &d, &data), -ENODATA);   /* no END */
    assert_int_equal(hvm_context_header_check(buf, len - 1, &off), 0);
    assert_int_equal(hvm_context_next(buf, len - 1, &off, &d, &data), -EINVAL);   /* overrun */
    off = len + 100;
    assert_int_equal(hvm_context_next(buf, len, &off, &d, &data), -ENODATA);
}

static void cpu_boot_state(void **s)
{
    struct hvm_hw_cpu c = { .cr0 = 0x11, .rip = 0xffffffff };

    assert_true(hvm_cpu_record_boot_ok(&c));
    c.rip = 0x100000000ULL;
    assert_false(hvm_cpu_record_boot_ok(&c));
    c.rip = 0;
    c.cr0 = 0x80000011;                 /* paging on */
    assert_false(hvm_cpu_record_boot_ok(&c));
    c.cr0 = 0x11;
    c.msr_efer = 0x500;                 /* long mode */
    assert_false(hvm_cpu_record_boot_ok(&c));
    c.msr_efer = 0;
    c.cr4 = 0x20;
    assert_false(hvm_cpu_record_boot_ok(&c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pvh_boot_context),
        cmocka_unit_test(bad_headers),
        cmocka_unit_test(no_end_and_overrun),
        cmocka_unit_test(cpu_boot_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
