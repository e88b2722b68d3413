/* SOURCES: common/decompress/xz.c common/decompress/lzma2.c common/decompress/lzma.c common/decompress/bcj_x86.c common/decompress/crc.c */
/*
 * The XZ decoder against the host's xz: every check type, x86 BCJ, several
 * lc/lp/pb, multiple blocks and streams; then truncation at every length,
 * bit flips, too-small output buffers and unsupported options.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/kernel_image.h>
#include "host_stubs.h"
#include "xz_helpers.h"

enum kind { K_TEXT, K_RANDOM, K_ZEROS, K_CODE, K_MIXED };

/* Test data of a given kind: text-like, random, zeros, x86-like code. */
static uint8_t *make_data(enum kind kind, size_t bytes, uint64_t seed)
{
    static const char *words[] = { "xen ", "hypercall ", "page ", "grant ", "event ",
                                   "channel ", "dom0 ", "\n", "mfn ", "0x1000 " };
    uint8_t *d = malloc(bytes ? bytes : 1);
    uint64_t s = seed | 1;
    size_t i = 0;

    while (i < bytes) {
        uint64_t r = test_rand(&s);
        enum kind k = kind == K_MIXED ? (enum kind)((i >> 12) % 4) : kind;
        if (k == K_TEXT) {
            const char *w = words[r % 10];
            for (; *w && i < bytes; w++)
                d[i++] = *w;
        } else if (k == K_RANDOM) {
            d[i++] = r;
        } else if (k == K_ZEROS) {
            d[i++] = 0;
        } else if (r % 7 == 0 && bytes - i >= 5) {
            /* call/jmp rel32 with a small displacement, as in real code */
            int32_t rel = (int32_t)(r >> 20) % 0x100000;
            d[i++] = (r & 0x100) ? 0xE9 : 0xE8;
            memcpy(d + i, &rel, 4);
            i += 4;
        } else {
            d[i++] = (r >> 8) % 3 ? (uint8_t)(r >> 16) : 0x48;
        }
    }
    return d;
}

static void roundtrip(enum kind kind, size_t bytes, const char *opts)
{
    size_t xz_bytes, done = 0;
    uint8_t *data = make_data(kind, bytes, bytes * 31 + kind);
    uint8_t *xz = host_xz(data, bytes, opts, &xz_bytes);
    uint8_t *out = malloc(bytes + 1);
    int rc;

    assert_non_null(xz);
    rc = xz_decompress(xz, xz_bytes, out, bytes + 1, &done);
    if (rc || done != bytes || memcmp(out, data, bytes))
        fail_msg("xz %s, kind %d, %zu bytes: rc %d, %zu bytes out", opts, kind, bytes, rc, done);
    free(data);
    free(xz);
    free(out);
}

static void test_crc_vectors(void **state)
{
    assert_int_equal(xz_crc32("123456789", 9, 0), 0xCBF43926U);
    assert_true(xz_crc64("123456789", 9, 0) == 0x995DC9BBDF1939FAULL);
    /* incremental equals one-shot, across the 8-byte fast path */
    uint32_t c = xz_crc32("12345", 5, 0);
    assert_int_equal(xz_crc32("6789", 4, c), 0xCBF43926U);
}

static void test_checks(void **state)
{
    static const char *opts[] = { "--check=crc32", "--check=crc64", "--check=none" };
    for (unsigned int i = 0; i < 3; i++) {
        roundtrip(K_TEXT, 100000, opts[i]);
        roundtrip(K_MIXED, 300000, opts[i]);
    }
}

static void test_sizes(void **state)
{
    static const size_t sizes[] = { 0, 1, 2, 5, 255, 4096, 65536, 65537, 2u << 20 };
    for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
        roundtrip(K_MIXED, sizes[i], "--check=crc32");
        roundtrip(K_RANDOM, sizes[i], "-0 --check=crc64"); /* incompressible: stored chunks */
    }
}

static void test_lzma_options(void **state)
{
    static const char *opts[] = {
        "-0", "-9e", "--lzma2=preset=6,lc=0,lp=0,pb=0", "--lzma2=preset=6,lc=4,lp=0,pb=4",
        "--lzma2=preset=1,lc=1,lp=3,pb=2", "--lzma2=preset=6,lc=0,lp=4,pb=1",
        "--lzma2=preset=6,dict=4KiB", "--lzma2=preset=6,mf=hc4,nice=273",
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(opts); i++) {
        roundtrip(K_MIXED, 200000, opts[i]);
        roundtrip(K_ZEROS, 1000000, opts[i]);
    }
}

static void test_bcj_x86(void **state)
{
    roundtrip(K_CODE, 1 << 20, "--check=crc32 --x86 --lzma2=preset=9e,dict=32MiB");
    roundtrip(K_CODE, 3, "--x86 --lzma2");
    roundtrip(K_CODE, 123457, "--x86=start=4096 --lzma2");
    roundtrip(K_MIXED, 500000, "--x86 --lzma2 --block-size=65536");
}

static void test_real_binary(void **state)
{
    size_t bytes;
    uint8_t *bin = read_file("/usr/bin/xz", &bytes);
    assert_non_null(bin);
    size_t xz_bytes, done;
    uint8_t *xz = host_xz(bin, bytes, "--x86 --lzma2=preset=9", &xz_bytes);
    uint8_t *out = malloc(bytes);
    assert_non_null(xz);
    assert_int_equal(xz_decompress(xz, xz_bytes, out, bytes, &done), 0);
    assert_int_equal(done, bytes);
    assert_memory_equal(out, bin, bytes);
    free(bin);
    free(xz);
    free(out);
}

static void test_blocks_and_streams(void **state)
{
    size_t a_bytes, b_bytes, done;
    uint8_t *data = make_data(K_MIXED, 300000, 7);
    uint8_t *a = host_xz(data, 100000, "--block-size=30000 --check=crc64", &a_bytes);
    uint8_t *b = host_xz(data + 100000, 200000, "--x86 --lzma2", &b_bytes);
    uint8_t *cat = malloc(a_bytes + 8 + b_bytes + 4), *out = malloc(300000);

    assert_non_null(a);
    assert_non_null(b);
    memcpy(cat, a, a_bytes);
    memset(cat + a_bytes, 0, 8);                   /* stream padding */
    memcpy(cat + a_bytes + 8, b, b_bytes);
    memset(cat + a_bytes + 8 + b_bytes, 0, 4);
    assert_int_equal(xz_decompress(cat, a_bytes + 8 + b_bytes + 4, out, 300000, &done), 0);
    assert_int_equal(done, 300000);
    assert_memory_equal(out, data, 300000);
    /* padding that is not a multiple of four, or garbage after the stream */
    assert_int_equal(xz_decompress(cat, a_bytes + 3, out, 300000, &done), -EINVAL);
    cat[a_bytes] = 1;
    assert_int_equal(xz_decompress(cat, a_bytes + 4, out, 300000, &done), -EINVAL);
    free(data);
    free(a);
    free(b);
    free(cat);
    free(out);
}

static void test_truncated(void **state)
{
    size_t xz_bytes, done;
    uint8_t *data = make_data(K_MIXED, 40000, 3);
    uint8_t *xz = host_xz(data, 40000, "--x86 --lzma2 --check=crc32", &xz_bytes);
    uint8_t *out = malloc(40000);

    assert_non_null(xz);
    for (size_t n = 0; n < xz_bytes; n++) {
        /* an exact-size heap copy so ASan sees any over-read */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, xz, n);
        if (xz_decompress(cut, n, out, 40000, &done) >= 0)
            fail_msg("truncated at %zu of %zu bytes: accepted", n, xz_bytes);
        free(cut);
    }
    free(data);
    free(xz);
    free(out);
}

static void test_bit_flips(void **state)
{
    size_t xz_bytes, done;
    uint8_t *data = make_data(K_MIXED, 60000, 5);
    uint8_t *xz = host_xz(data, 60000, "--x86 --lzma2 --check=crc32", &xz_bytes);
    uint8_t *bad = malloc(xz_bytes), *out = malloc(60000);
    uint64_t s = 12345;

    assert_non_null(xz);
    for (unsigned int i = 0; i < 3000; i++) {
        size_t at = test_rand(&s) % xz_bytes;
        memcpy(bad, xz, xz_bytes);
        bad[at] ^= 1 << (test_rand(&s) % 8);
        if (i % 3 == 0)
            bad[test_rand(&s) % xz_bytes] = test_rand(&s);
        if (xz_decompress(bad, xz_bytes, out, 60000, &done) >= 0 && memcmp(bad, xz, xz_bytes))
            fail_msg("flip at %zu accepted", at);
    }
    free(data);
    free(xz);
    free(bad);
    free(out);
}

/* Valid headers around random LZMA2 data: garbage in, an error out. */
static void test_garbage_payload(void **state)
{
    size_t xz_bytes, done;
    uint8_t *data = make_data(K_MIXED, 200000, 11);
    uint8_t *xz = host_xz(data, 200000, "--x86 --lzma2 --check=crc64", &xz_bytes);
    uint8_t *bad = malloc(xz_bytes), *out = malloc(200000);
    size_t start = 12 + ((size_t)xz[12] + 1) * 4;
    uint64_t s = 777;

    assert_non_null(xz);
    for (unsigned int i = 0; i < 500; i++) {
        /* keep the first chunk header (dictionary reset, properties) half the time */
        size_t from = start + (i % 2 ? 6 : 0) + test_rand(&s) % 64;
        memcpy(bad, xz, xz_bytes);
        for (size_t k = from; k < xz_bytes - 64; k++)
            bad[k] = test_rand(&s);
        assert_true(xz_decompress(bad, xz_bytes, out, 200000, &done) < 0);
    }
    free(data);
    free(xz);
    free(bad);
    free(out);
}

static void test_output_too_small(void **state)
{
    size_t xz_bytes, done;
    uint8_t *data = make_data(K_MIXED, 100000, 9);
    uint8_t *xz = host_xz(data, 100000, "--x86 --lzma2", &xz_bytes);

    assert_non_null(xz);
    for (size_t n = 0; n < 100000; n += 9973) {
        uint8_t *out = malloc(n ? n : 1);   /* exact size: ASan catches overruns */
        assert_int_equal(xz_decompress(xz, xz_bytes, out, n, &done), -ENOBUFS);
        free(out);
    }
    free(data);
    free(xz);
}

static void test_unsupported(void **state)
{
    size_t xz_bytes, done;
    uint8_t *data = make_data(K_TEXT, 1000, 1), out[1000];
    static const char *opts[] = { "--check=sha256", "--delta --lzma2", "--arm --lzma2",
                                  "--format=lzma" };
    static const int want[] = { -EOPNOTSUPP, -EOPNOTSUPP, -EOPNOTSUPP, -EINVAL };

    for (unsigned int i = 0; i < ARRAY_SIZE(opts); i++) {
        uint8_t *xz = host_xz(data, 1000, opts[i], &xz_bytes);
        assert_non_null(xz);
        assert_int_equal(xz_decompress(xz, xz_bytes, out, sizeof(out), &done), want[i]);
        free(xz);
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_vectors),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_lzma_options),
        cmocka_unit_test(test_bcj_x86),
        cmocka_unit_test(test_real_binary),
        cmocka_unit_test(test_blocks_and_streams),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_garbage_payload),
        cmocka_unit_test(test_output_too_small),
        cmocka_unit_test(test_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
