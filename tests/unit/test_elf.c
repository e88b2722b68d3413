/* SOURCES: common/kernel/elf.c common/kernel/elf_notes.c */
/*
 * ELF64 PV kernel parsing on synthetic images built here: Xen notes and
 * features, libelf's address arithmetic (p_paddr + VIRT_BASE -
 * PADDR_OFFSET), segment loading, and malformed images: wrong class or
 * machine, truncation at every length, no notes, overlapping or
 * out-of-range program headers, notes with bogus sizes, random flips.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/kernel_image.h>
#include <xen/elfnote.h>
#include "../../common/kernel/elf_private.h"
#include "host_stubs.h"

#define IMG_BYTES   0x3080      /* with section headers at 0x3000 */
#define NOTES_AT    0x200
#define VBASE       0xffffffff80000000ULL

static uint8_t img[IMG_BYTES];
static size_t notes_len;

static void put_note(const char *name, uint32_t type, const void *desc, uint32_t descsz)
{
    struct elf64_note nh = { (uint32_t)strlen(name) + 1, descsz, type };
    uint8_t *p = img + NOTES_AT + notes_len;

    memcpy(p, &nh, sizeof(nh));
    memcpy(p + sizeof(nh), name, nh.namesz);
    p += sizeof(nh) + ROUNDUP(nh.namesz, 4);
    memcpy(p, desc, descsz);
    notes_len += sizeof(nh) + ROUNDUP(nh.namesz, 4) + ROUNDUP(descsz, 4);
}

static void put_u64_note(uint32_t type, uint64_t v)
{
    put_note("Xen", type, &v, 8);
}

static struct elf64_phdr *phdr(unsigned int i)
{
    return (struct elf64_phdr *)(img + 64 + i * sizeof(struct elf64_phdr));
}

static struct elf64_ehdr *ehdr(void)
{
    return (struct elf64_ehdr *)img;
}

static void set_phdr(unsigned int i, uint32_t type, uint32_t flags, uint64_t off,
                     uint64_t vaddr, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    struct elf64_phdr ph = { type, flags, off, vaddr, paddr, filesz, memsz, 0x1000 };
    memcpy(phdr(i), &ph, sizeof(ph));
}

/* A Linux-like PV kernel: text, data+bss, a vaddr-0 percpu segment, notes. */
static int build(void **state)
{
    static const char features[] = "!writable_page_tables|pae_pgdir_above_4gb|unknown_one";
    uint64_t l1[2] = { 1, 1 };
    uint32_t u32;
    struct elf64_ehdr eh = { .e_type = 2, .e_machine = EM_X86_64, .e_version = 1,
                             .e_entry = 0x1000040, .e_phoff = 64, .e_shoff = 0x3000,
                             .e_ehsize = 64, .e_phentsize = 56, .e_phnum = 5,
                             .e_shentsize = 64, .e_shnum = 2 };
    struct elf64_shdr sh[2] = { { 0 } };

    memset(img, 0, sizeof(img));
    notes_len = 0;
    memcpy(eh.e_ident, "\177ELF\2\1\1", 7);
    memcpy(img, &eh, sizeof(eh));
    for (unsigned int i = 0x1000; i < 0x3000; i++)
        img[i] = i * 7;

    put_note("GNU", 3, "0123456789abcdefghij", 20);
    put_note("Xen", XEN_ELFNOTE_GUEST_OS, "linux", 6);
    put_note("Xen", XEN_ELFNOTE_GUEST_VERSION, "2.6", 4);
    put_note("Xen", XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
    put_u64_note(XEN_ELFNOTE_VIRT_BASE, VBASE);
    put_u64_note(XEN_ELFNOTE_INIT_P2M, 0x8000000000ULL);
    put_u64_note(XEN_ELFNOTE_ENTRY, 0xffffffff81000100ULL);
    put_u64_note(XEN_ELFNOTE_HYPERCALL_PAGE, 0xffffffff81000000ULL);
    put_note("Xen", XEN_ELFNOTE_FEATURES, features, sizeof(features) - 1);
    u32 = 0x801;
    put_note("Xen", XEN_ELFNOTE_SUPPORTED_FEATURES, &u32, 4);
    put_note("Xen", XEN_ELFNOTE_PAE_MODE, "yes", 4);
    put_note("Xen", XEN_ELFNOTE_LOADER, "generic", 8);
    put_note("Xen", XEN_ELFNOTE_L1_MFN_VALID, l1, 16);
    u32 = 1;
    put_note("Xen", XEN_ELFNOTE_MOD_START_PFN, &u32, 4);
    put_u64_note(XEN_ELFNOTE_PADDR_OFFSET, 0);
    u32 = 0x1000050;
    put_note("Xen", XEN_ELFNOTE_PHYS32_ENTRY, &u32, 4);
    assert_true(NOTES_AT + notes_len <= 0x1000);

    set_phdr(0, PT_LOAD, PF_R | PF_X, 0x1000, VBASE + 0x1000000, 0x1000000, 0x1000, 0x1000);
    set_phdr(1, PT_LOAD, PF_R | PF_W, 0x2000, VBASE + 0x1001000, 0x1001000, 0x800, 0x1800);
    set_phdr(2, PT_LOAD, PF_R | PF_W, 0x2800, 0, 0x1003000, 0x800, 0x800);
    set_phdr(3, PT_NOTE, PF_R, NOTES_AT, 0, 0, notes_len, notes_len);
    set_phdr(4, PT_LOAD, 0, 0x1000, 0, 0x5000000, 0x10, 0x10);   /* no R/W/X: ignored */

    sh[1].sh_type = SHT_NOTE;
    sh[1].sh_offset = NOTES_AT;
    sh[1].sh_size = notes_len;
    memcpy(img + 0x3000, sh, sizeof(sh));
    host_printk_clear();
    return 0;
}

static int parse(size_t bytes, struct xen_kernel_info *info)
{
    return elf_parse_xen_kernel(img, bytes, info);
}

static void expect_error(const char *msg)
{
    struct xen_kernel_info info;
    assert_int_equal(parse(IMG_BYTES, &info), -EINVAL);
    if (!strstr(host_printk_buf, msg))
        fail_msg("expected '%s', printk said '%s'", msg, host_printk_buf);
}

static void test_good(void **state)
{
    struct xen_kernel_info info;

    assert_int_equal(parse(IMG_BYTES, &info), 0);
    assert_true(info.virt_base == VBASE);
    assert_true(info.elf_paddr_offset == 0);
    assert_true(info.virt_kstart == 0xffffffff81000000ULL);
    assert_true(info.virt_kend == 0xffffffff81003800ULL);
    assert_true(info.virt_entry == 0xffffffff81000100ULL);
    assert_true(info.virt_hypercall == 0xffffffff81000000ULL);
    assert_true(info.p2m_base == 0x8000000000ULL);
    assert_int_equal(info.phys_entry, 0x1000050);
    assert_string_equal(info.guest_os, "linux");
    assert_string_equal(info.guest_ver, "2.6");
    assert_string_equal(info.xen_ver, "xen-3.0");
    assert_string_equal(info.loader, "generic");
    assert_string_equal(info.features, "!writable_page_tables|pae_pgdir_above_4gb|unknown_one");
    assert_int_equal(info.f_required[0], 1U << XENFEAT_writable_page_tables);
    assert_int_equal(info.f_supported[0], (1U << XENFEAT_writable_page_tables) |
                     (1U << XENFEAT_pae_pgdir_above_4gb) | (1U << XENFEAT_dom0));
    assert_int_equal(info.pae, XEN_KERNEL_PAE_EXTCR3);
    assert_true(info.unmapped_initrd);
    assert_true(info.l1_mfn_valid_set && info.l1_mfn_valid[0] == 1 && info.l1_mfn_valid[1] == 1);
    assert_int_equal(info.nr_xen_notes, 15);
    assert_true(info.notes_seen & (1U << XEN_ELFNOTE_FEATURES));
    assert_false(info.notes_seen & (1U << XEN_ELFNOTE_BSD_SYMTAB));
}

static void test_features_parser(void **state)
{
    uint32_t sup[1] = { 0 }, req[1] = { 0 };
    const char *s = "dom0|!auto_translated_physmap||hvm_callback_vector|x";

    assert_int_equal(elf_parse_features(s, strlen(s), sup, req), 0);
    assert_int_equal(sup[0], (1U << XENFEAT_dom0) | (1U << XENFEAT_auto_translated_physmap) |
                     (1U << XENFEAT_hvm_callback_vector));
    assert_int_equal(req[0], 1U << XENFEAT_auto_translated_physmap);
    /* bounded by the length, not a NUL */
    sup[0] = req[0] = 0;
    assert_int_equal(elf_parse_features("!dom0|!nonsense", 5, sup, req), 0);
    assert_int_equal(req[0], 1U << XENFEAT_dom0);
    assert_int_equal(elf_parse_features("!nonsense", 9, sup, req), -EINVAL);
}

struct copy_log {
    unsigned int calls;
    uint64_t virt[8];
    size_t bytes[8], zero[8];
    const void *src[8];
    int fail_at;
};

static int copy_cb(void *ctx, uint64_t virt, const void *src, size_t bytes, size_t zero)
{
    struct copy_log *log = ctx;
    if ((int)log->calls == log->fail_at)
        return -ENOMEM;
    log->virt[log->calls] = virt;
    log->src[log->calls] = src;
    log->bytes[log->calls] = bytes;
    log->zero[log->calls++] = zero;
    return 0;
}

static void test_load(void **state)
{
    struct xen_kernel_info info;
    struct copy_log log = { .fail_at = -1 };

    assert_int_equal(parse(IMG_BYTES, &info), 0);
    assert_int_equal(elf_load_segments(img, IMG_BYTES, &info, copy_cb, &log), 0);
    assert_int_equal(log.calls, 3);
    assert_true(log.virt[0] == 0xffffffff81000000ULL && log.src[0] == img + 0x1000);
    assert_true(log.bytes[0] == 0x1000 && log.zero[0] == 0);
    assert_true(log.virt[1] == 0xffffffff81001000ULL && log.bytes[1] == 0x800 &&
                log.zero[1] == 0x1000);
    /* the percpu segment goes by p_paddr, not its vaddr of 0 */
    assert_true(log.virt[2] == 0xffffffff81003000ULL && log.src[2] == img + 0x2800);

    struct copy_log failing = { .fail_at = 1 };
    assert_int_equal(elf_load_segments(img, IMG_BYTES, &info, copy_cb, &failing), -ENOMEM);
}

static void test_paddr_offset_default(void **state)
{
    struct xen_kernel_info info;
    /* Drop PADDR_OFFSET (rename its type): libelf then uses 0 with notes. */
    set_phdr(3, PT_NOTE, PF_R, NOTES_AT, 0, 0, notes_len, notes_len);
    for (size_t p = 0; p < notes_len;) {
        struct elf64_note *nh = (struct elf64_note *)(img + NOTES_AT + p);
        if (nh->type == XEN_ELFNOTE_PADDR_OFFSET)
            nh->type = 0x7777;
        p += sizeof(*nh) + ROUNDUP(nh->namesz, 4) + ROUNDUP(nh->descsz, 4);
    }
    assert_int_equal(parse(IMG_BYTES, &info), 0);
    assert_true(info.elf_paddr_offset == 0);
    assert_true(info.virt_kstart == 0xffffffff81000000ULL);
}

static void test_wrong_class(void **state)
{
    img[4] = 1;
    expect_error("dom0 kernel: ELF class 1 not supported, need ELFCLASS64");
}

static void test_wrong_machine(void **state)
{
    ehdr()->e_machine = 3;
    expect_error("ELF machine 3 not supported");
}

static void test_not_elf(void **state)
{
    img[0] = 'M';
    expect_error("not an ELF image");
    img[0] = 0x7f;
    img[5] = 2;
    expect_error("need little-endian");
}

static void test_truncated(void **state)
{
    struct xen_kernel_info info;
    ehdr()->e_shnum = 0;         /* then the last byte belongs to a segment */
    for (size_t n = 0; n < 0x3000; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, img, n);
        host_printk_clear();
        if (elf_parse_xen_kernel(cut, n, &info) != -EINVAL)
            fail_msg("truncated to %zu bytes: accepted", n);
        if (n >= 64 && !strstr(host_printk_buf, "truncated"))
            fail_msg("truncated to %zu bytes: said '%s'", n, host_printk_buf);
        free(cut);
    }
    assert_int_equal(parse(0x3000, &info), 0);
}

static void test_no_notes(void **state)
{
    phdr(3)->p_type = 0;
    ehdr()->e_shnum = 0;
    expect_error("no Xen ELF notes: not a Xen PV kernel");
}

static void test_section_notes(void **state)
{
    struct xen_kernel_info info;
    phdr(3)->p_type = 0;         /* notes only in the SHT_NOTE section */
    assert_int_equal(parse(IMG_BYTES, &info), 0);
    assert_true(info.virt_entry == 0xffffffff81000100ULL);
    ehdr()->e_shoff = 0x3040;    /* section table runs off the end */
    expect_error("section headers truncated");
}

static void test_bad_phdrs(void **state)
{
    phdr(1)->p_paddr = 0x1000800;
    expect_error("overlapping PT_LOAD");
    build(NULL);
    phdr(0)->p_offset = 0x2f00;
    expect_error("PT_LOAD segment truncated");
    build(NULL);
    phdr(0)->p_offset = ~0ULL - 4;
    expect_error("PT_LOAD segment truncated");
    build(NULL);
    phdr(1)->p_filesz = 0x2000;
    expect_error("p_filesz > p_memsz");
    build(NULL);
    phdr(2)->p_paddr = ~0ULL - 0x10;
    expect_error("out of range");
    build(NULL);
    phdr(2)->p_paddr = 0x70000000;
    expect_error("span more than 1 GiB");
    build(NULL);
    ehdr()->e_phnum = 0xffff;
    expect_error("program headers truncated");
    build(NULL);
    ehdr()->e_phoff = ~0ULL;
    expect_error("program headers truncated");
    build(NULL);
    ehdr()->e_phentsize = 32;
    expect_error("program header size");
    build(NULL);
    phdr(3)->p_filesz = 0x4000;
    expect_error("PT_NOTE segment truncated");
    build(NULL);
    for (unsigned int i = 0; i < 5; i++)
        phdr(i)->p_type = i == 3 ? PT_NOTE : 0;
    expect_error("no loadable ELF segments");
}

static void test_bogus_notes(void **state)
{
    struct elf64_note *first = (struct elf64_note *)(img + NOTES_AT);
    first->namesz = 0xfffffff0;
    expect_error("ELF note with bogus sizes");
    build(NULL);
    first->descsz = notes_len;
    expect_error("ELF note with bogus sizes");
    build(NULL);
    first->descsz = 0xffffffff;
    expect_error("ELF note with bogus sizes");
}

static void test_note_semantics(void **state)
{
    struct xen_kernel_info info;
    /* ELF entry when ENTRY is absent; ENTRY out of the image is refused */
    uint8_t *p = memmem(img + NOTES_AT, notes_len, "\x00\x01\x00\x81\xff\xff\xff\xff", 8);
    assert_non_null(p);
    p[1] = 0x90;
    expect_error("ELF start or entries are out of bounds");
    build(NULL);
    p = memmem(img + NOTES_AT, notes_len, "xen-3.0", 7);
    p[4] = '2';
    expect_error("need xen-3.0");
    build(NULL);
    p = memmem(img + NOTES_AT, notes_len, "unknown_one", 11);
    p[0] = '!';
    expect_error("unknown required feature 'nknown_one'");
    build(NULL);
    p = memmem(img + NOTES_AT, notes_len, "linux", 5);
    p[0] = 'b';
    p = memmem(img + NOTES_AT, notes_len, "generic", 7);
    p[0] = 'x';
    expect_error("generic loader or Linux");
    build(NULL);
    p = memmem(img + NOTES_AT, notes_len, "\x00\x00\x00\x00\x80\x00\x00\x00", 8);
    assert_non_null(p);
    memcpy(p, &(uint64_t){ 0xffffffff81001000ULL }, 8);        /* P2M inside the kernel */
    expect_error("P->M table base is out of bounds");
    build(NULL);
    assert_int_equal(parse(IMG_BYTES, &info), 0);
}

static void test_random_flips(void **state)
{
    struct xen_kernel_info info;
    struct copy_log log;
    uint64_t s = 99;
    static uint8_t orig[IMG_BYTES];

    memcpy(orig, img, IMG_BYTES);
    for (unsigned int i = 0; i < 20000; i++) {
        memcpy(img, orig, IMG_BYTES);
        for (unsigned int k = 0; k < 1 + i % 4; k++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            /* headers and notes are where flips matter */
            size_t at = (s >> 8) % (NOTES_AT + notes_len);
            img[at] ^= 1 << (s % 8);
        }
        host_printk_clear();
        if (parse(IMG_BYTES, &info) == 0) {
            memset(&log, 0, sizeof(log));
            log.fail_at = -1;
            (void)elf_load_segments(img, IMG_BYTES, &info, copy_cb, &log);
            assert_true(log.calls <= 5);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_good, build),
        cmocka_unit_test_setup(test_features_parser, build),
        cmocka_unit_test_setup(test_load, build),
        cmocka_unit_test_setup(test_paddr_offset_default, build),
        cmocka_unit_test_setup(test_wrong_class, build),
        cmocka_unit_test_setup(test_wrong_machine, build),
        cmocka_unit_test_setup(test_not_elf, build),
        cmocka_unit_test_setup(test_truncated, build),
        cmocka_unit_test_setup(test_no_notes, build),
        cmocka_unit_test_setup(test_section_notes, build),
        cmocka_unit_test_setup(test_bad_phdrs, build),
        cmocka_unit_test_setup(test_bogus_notes, build),
        cmocka_unit_test_setup(test_note_semantics, build),
        cmocka_unit_test_setup(test_random_flips, build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
