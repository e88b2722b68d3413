/* SOURCES: common/kernel/bzimage.c common/kernel/elf.c common/kernel/elf_notes.c common/decompress/xz.c common/decompress/lzma2.c common/decompress/lzma.c common/decompress/bcj_x86.c common/decompress/crc.c */
/*
 * Debian's own dom0 kernel (build/debian/vmlinuz, from
 * scripts/fetch-debian.sh) end to end: bzImage probe, XZ decompression,
 * Xen notes, segment loading. Then synthetic bzImages around a host-xz
 * payload: old boot protocol, truncation, other compressors, lying size
 * trailers, raw ELF modules.
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
#include <xen/features.h>
#include "host_stubs.h"
#include "xz_helpers.h"

#define DEBIAN_VMLINUZ "../../debian/vmlinuz"   /* from build/tests/unit */

static uint8_t *vmlinuz;
static size_t vmlinuz_bytes;

static int load_debian(void **state)
{
    vmlinuz = read_file(DEBIAN_VMLINUZ, &vmlinuz_bytes);
    if (!vmlinuz)
        fprintf(stderr, "build/debian/vmlinuz missing: run 'bash scripts/fetch-debian.sh'\n");
    return 0;
}

static int free_debian(void **state)
{
    free(vmlinuz);
    return 0;
}

static void need_debian(void)
{
    if (!vmlinuz)
        fail_msg("build/debian/vmlinuz missing: run 'bash scripts/fetch-debian.sh' first");
}

struct span_log {
    unsigned int calls;
    uint64_t lo, hi, bytes;
};

static int record(void *ctx, uint64_t virt, const void *src, size_t bytes, size_t zero)
{
    struct span_log *log = ctx;
    log->calls++;
    log->lo = MIN(log->lo, virt);
    log->hi = MAX(log->hi, virt + bytes + zero);
    log->bytes += bytes + zero;
    return 0;
}

static void test_debian_kernel(void **state)
{
    struct kernel_image img;
    struct xen_kernel_info info;
    struct span_log log = { .lo = ~0ULL };
    uint8_t *out;
    double t;

    need_debian();
    assert_int_equal(kernel_image_probe(vmlinuz, vmlinuz_bytes, &img), 0);
    assert_int_equal(img.format, KERNEL_IMAGE_BZIMAGE);
    assert_int_equal(img.comp, KERNEL_COMP_XZ);
    assert_true(img.boot_version >= 0x208);
    assert_null(img.elf);
    assert_true(img.elf_bytes > (16u << 20) && img.elf_bytes <= KERNEL_IMAGE_MAX_BYTES);

    out = malloc(img.elf_bytes);                 /* exactly what probe asked for */
    t = now_seconds();
    assert_int_equal(kernel_image_decompress(&img, out, img.elf_bytes), 0);
    fprintf(stderr, "    debian vmlinuz: %zu -> %zu bytes in %.3f s (ASan build)\n",
            img.payload_bytes, img.elf_bytes, now_seconds() - t);
    assert_ptr_equal(img.elf, out);
    assert_memory_equal(out, "\177ELF\2\1", 6);

    assert_int_equal(elf_parse_xen_kernel(img.elf, img.elf_bytes, &info), 0);
    assert_true(info.virt_base == 0xffffffff80000000ULL);
    assert_true(info.virt_kstart == 0xffffffff81000000ULL);
    assert_true(info.virt_kend > info.virt_kstart &&
                info.virt_kend - info.virt_kstart < KERNEL_IMAGE_MAX_SPAN);
    assert_true(info.virt_entry > info.virt_kstart && info.virt_entry < info.virt_kend);
    /* Debian's 6.1 dropped the HYPERCALL_PAGE note (hypercalls via call/syscall stubs) */
    assert_true(info.virt_hypercall == XEN_KERNEL_UNSET_ADDR ||
                (info.virt_hypercall >= info.virt_kstart && info.virt_hypercall < info.virt_kend &&
                 !(info.virt_hypercall & 0xfff)));
    assert_string_equal(info.guest_os, "linux");
    assert_string_equal(info.xen_ver, "xen-3.0");
    assert_string_equal(info.loader, "generic");
    assert_true(info.f_required[0] & (1U << XENFEAT_writable_page_tables));
    assert_true(info.f_supported[0] & (1U << XENFEAT_pae_pgdir_above_4gb));
    assert_true(info.f_supported[0] & (1U << XENFEAT_dom0));
    assert_true(info.p2m_base != XEN_KERNEL_UNSET_ADDR);
    assert_true(info.unmapped_initrd);
    assert_int_equal(info.pae, XEN_KERNEL_PAE_EXTCR3);

    assert_int_equal(elf_load_segments(img.elf, img.elf_bytes, &info, record, &log), 0);
    assert_true(log.calls >= 3);
    assert_true(log.lo == info.virt_kstart && log.hi == info.virt_kend);
    free(out);
}

static void test_debian_output_too_small(void **state)
{
    struct kernel_image img;
    need_debian();
    assert_int_equal(kernel_image_probe(vmlinuz, vmlinuz_bytes, &img), 0);
    size_t n = 3u << 20;
    uint8_t *out = malloc(n);                    /* ASan: no write past n */
    assert_int_equal(kernel_image_decompress(&img, out, n), -ENOBUFS);
    assert_null(img.elf);
    free(out);
}

static void test_debian_truncated(void **state)
{
    struct kernel_image img;
    need_debian();
    for (size_t n = 0; n < vmlinuz_bytes; n += 1 + n / 3) {
        host_printk_clear();
        assert_int_equal(kernel_image_probe(vmlinuz, n, &img), -EINVAL);
        if (n >= 0x250 && !strstr(host_printk_buf, "truncated"))
            fail_msg("cut at %zu: '%s'", n, host_printk_buf);
    }
}

/* A minimal bzImage: 2 setup sectors + the protected-mode part = payload. */
static uint8_t *fake_bzimage(const void *payload, size_t len, uint32_t trailer,
                             uint16_t version, size_t *bytes)
{
    size_t pm = 3 * 512, total = pm + 0x40 + len + 4;
    uint8_t *b = calloc(1, total);

    b[0x1f1] = 2;
    memcpy(b + 0x202, "HdrS", 4);
    memcpy(b + 0x206, &version, 2);
    uint32_t off = 0x40, plen = len + 4;
    memcpy(b + 0x248, &off, 4);
    memcpy(b + 0x24c, &plen, 4);
    memcpy(b + pm + off, payload, len);
    memcpy(b + pm + off + len, &trailer, 4);
    *bytes = total;
    return b;
}

static void test_synthetic(void **state)
{
    struct kernel_image img;
    size_t xz_bytes, bytes;
    uint8_t data[50000];
    uint8_t *xz, *bz, *out;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (i * 2654435761u) >> 24 & (i % 3 ? 0xff : 0x0f);
    xz = host_xz(data, sizeof(data), "--check=crc32 --x86 --lzma2", &xz_bytes);
    assert_non_null(xz);

    bz = fake_bzimage(xz, xz_bytes, sizeof(data), 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), 0);
    assert_int_equal(img.elf_bytes, sizeof(data));
    assert_int_equal(img.payload_bytes, xz_bytes);
    out = malloc(sizeof(data));
    assert_int_equal(kernel_image_decompress(&img, out, sizeof(data)), 0);
    assert_memory_equal(out, data, sizeof(data));
    free(out);
    free(bz);

    /* trailer smaller than the data: the buffer sized from it is never overrun */
    bz = fake_bzimage(xz, xz_bytes, 1000, 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), 0);
    out = malloc(1000);
    assert_int_equal(kernel_image_decompress(&img, out, 1000), -ENOBUFS);
    free(out);
    free(bz);

    /* trailer larger than the data */
    bz = fake_bzimage(xz, xz_bytes, sizeof(data) + 1, 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), 0);
    out = malloc(sizeof(data) + 1);
    assert_int_equal(kernel_image_decompress(&img, out, sizeof(data) + 1), -EINVAL);
    free(out);
    free(bz);

    /* absurd trailers */
    bz = fake_bzimage(xz, xz_bytes, 0, 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), -EINVAL);
    free(bz);
    bz = fake_bzimage(xz, xz_bytes, (256u << 20) + 1, 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), -EINVAL);
    free(bz);

    /* boot protocol 2.07 has no payload fields */
    host_printk_clear();
    bz = fake_bzimage(xz, xz_bytes, sizeof(data), 0x207, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), -EINVAL);
    assert_non_null(strstr(host_printk_buf, "2.07 too old"));
    free(bz);

    /* payload corrupted inside: decompression fails cleanly */
    xz[xz_bytes / 2] ^= 0x40;
    bz = fake_bzimage(xz, xz_bytes, sizeof(data), 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), 0);
    out = malloc(sizeof(data));
    assert_int_equal(kernel_image_decompress(&img, out, sizeof(data)), -EINVAL);
    free(out);
    free(bz);
    free(xz);
}

static void test_other_compressors(void **state)
{
    static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0 };
    static const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0 };
    static const uint8_t junk[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    struct kernel_image img;
    size_t bytes;
    uint8_t *bz;

    host_printk_clear();
    bz = fake_bzimage(gz, sizeof(gz), 1000, 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), -EOPNOTSUPP);
    assert_int_equal(img.comp, KERNEL_COMP_GZIP);
    assert_non_null(strstr(host_printk_buf, "gzip-compressed bzImage not supported"));
    free(bz);
    bz = fake_bzimage(zst, sizeof(zst), 1000, 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), -EOPNOTSUPP);
    free(bz);
    bz = fake_bzimage(junk, sizeof(junk), 1000, 0x20f, &bytes);
    assert_int_equal(kernel_image_probe(bz, bytes, &img), -EOPNOTSUPP);
    assert_int_equal(img.comp, KERNEL_COMP_UNKNOWN);
    free(bz);
}

static void test_raw_elf_and_junk(void **state)
{
    static uint8_t elf[64] = "\177ELF\2\1\1";
    static uint8_t junk[4096];
    struct kernel_image img;
    uint8_t out[8];

    assert_int_equal(kernel_image_probe(elf, sizeof(elf), &img), 0);
    assert_int_equal(img.format, KERNEL_IMAGE_ELF);
    assert_ptr_equal(img.elf, elf);
    assert_int_equal(img.elf_bytes, sizeof(elf));
    assert_int_equal(kernel_image_decompress(&img, out, sizeof(out)), 0);
    assert_ptr_equal(img.elf, elf);

    host_printk_clear();
    assert_int_equal(kernel_image_probe(junk, sizeof(junk), &img), -EINVAL);
    assert_non_null(strstr(host_printk_buf, "not an ELF image nor a bzImage"));
    assert_int_equal(kernel_image_probe(junk, 0, &img), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debian_kernel),
        cmocka_unit_test(test_debian_output_too_small),
        cmocka_unit_test(test_debian_truncated),
        cmocka_unit_test(test_synthetic),
        cmocka_unit_test(test_other_compressors),
        cmocka_unit_test(test_raw_elf_and_junk),
    };
    return cmocka_run_group_tests(tests, load_debian, free_debian);
}
