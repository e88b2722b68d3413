/* SOURCES: arch/x86/hvm/emulate.c */
/* Decoding HVM loads/stores to memory without RAM: lengths, widths, registers, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <asm/hvm/emulate.h>
#include "host_stubs.h"

#define DECODE(lm, ...) ({ static const uint8_t b_[] = { __VA_ARGS__ };        \
    hvm_decode_mmio(b_, sizeof(b_), lm, &in); })
#define EXPECT(len_, bytes_, write_, reg_, hi_, dest_) do {                       \
    assert_int_equal(in.len, len_); assert_int_equal(in.bytes, bytes_);           \
    assert_int_equal(in.write, write_); assert_int_equal(in.reg, reg_);           \
    assert_int_equal(in.high_byte, hi_); assert_int_equal(in.dest_bytes, dest_);  \
} while (0)

static void test_loads(void **state)
{
    struct hvm_mmio_insn in;

    assert_int_equal(DECODE(true, 0x8b, 0x00), 0);                 /* mov (%rax),%eax */
    EXPECT(2, 4, false, 0, false, 4);
    assert_int_equal(DECODE(true, 0x48, 0x8b, 0x4b, 0x10), 0);     /* mov 0x10(%rbx),%rcx */
    EXPECT(4, 8, false, 1, false, 8);
    assert_int_equal(DECODE(true, 0x4c, 0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00), 0);
    EXPECT(8, 8, false, 8, false, 8);                               /* mov 0x100(%rsp),%r8 */
    assert_int_equal(DECODE(true, 0x66, 0x8b, 0x05, 1, 2, 3, 4), 0);  /* mov rip-rel,%ax */
    EXPECT(7, 2, false, 0, false, 2);
    assert_int_equal(DECODE(true, 0x8a, 0x20), 0);                 /* mov (%rax),%ah */
    EXPECT(2, 1, false, 0, true, 1);
    assert_int_equal(DECODE(true, 0x40, 0x8a, 0x20), 0);           /* mov (%rax),%spl */
    EXPECT(3, 1, false, 4, false, 1);
    assert_int_equal(DECODE(true, 0x0f, 0xb6, 0x07), 0);           /* movzbl (%rdi),%eax */
    EXPECT(3, 1, false, 0, false, 4);
    assert_int_equal(DECODE(true, 0x48, 0x0f, 0xb7, 0x3e), 0);     /* movzwq (%rsi),%rdi */
    EXPECT(4, 2, false, 7, false, 8);
    assert_int_equal(DECODE(true, 0x65, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8), 0);  /* movabs %gs:,%rax */
    EXPECT(11, 8, false, 0, false, 8);
    assert_int_equal(DECODE(false, 0xa1, 1, 2, 3, 4), 0);          /* 32-bit code: moffs32 */
    EXPECT(5, 4, false, 0, false, 4);
    assert_int_equal(DECODE(true, 0x8b, 0x04, 0x25, 0, 0, 0, 0x10), 0);  /* SIB, no base */
    EXPECT(7, 4, false, 0, false, 4);
}

static void test_stores(void **state)
{
    struct hvm_mmio_insn in;

    assert_int_equal(DECODE(true, 0x89, 0x08), 0);                 /* mov %ecx,(%rax) */
    EXPECT(2, 4, true, 1, false, 4);
    assert_int_equal(DECODE(true, 0x4c, 0x89, 0x7f, 0x08), 0);     /* mov %r15,8(%rdi) */
    EXPECT(4, 8, true, 15, false, 8);
    assert_int_equal(DECODE(true, 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), 0);  /* movl $imm,(%rax) */
    EXPECT(6, 4, true, -1, false, 4);
    assert_int_equal(DECODE(true, 0x48, 0xc7, 0x40, 0x08, 0, 0, 0, 0), 0);  /* movq $0,8(%rax) */
    EXPECT(8, 8, true, -1, false, 8);
    assert_int_equal(DECODE(true, 0x66, 0xc7, 0x00, 0x34, 0x12), 0);  /* movw $imm,(%rax) */
    EXPECT(5, 2, true, -1, false, 2);
    assert_int_equal(DECODE(true, 0xc6, 0x80, 0, 1, 0, 0, 0x5a), 0);  /* movb $imm,0x100(%rax) */
    EXPECT(7, 1, true, -1, false, 1);
}

static void test_refused(void **state)
{
    struct hvm_mmio_insn in;

    assert_int_equal(DECODE(true, 0x89, 0xc8), -EOPNOTSUPP);       /* register form */
    assert_int_equal(DECODE(true, 0x01, 0x08), -EOPNOTSUPP);       /* add */
    assert_int_equal(DECODE(true, 0xc7, 0x08, 0, 0, 0, 0), -EOPNOTSUPP);  /* C7 /1 */
    assert_int_equal(DECODE(true, 0x0f, 0x0b), -EOPNOTSUPP);       /* ud2 */
    assert_int_equal(DECODE(false, 0x67, 0x8b, 0x00), -EOPNOTSUPP); /* 16-bit addressing */
    assert_int_equal(DECODE(false, 0x48, 0x8b, 0x00), -EOPNOTSUPP); /* 32-bit code: 0x48 is dec, not REX */
}

static void test_truncated(void **state)
{
    struct hvm_mmio_insn in;

    assert_int_equal(DECODE(true, 0x8b), -EINVAL);
    assert_int_equal(DECODE(true, 0x8b, 0x80, 0, 0), -EINVAL);     /* disp32 cut short */
    assert_int_equal(DECODE(true, 0x48), -EINVAL);
    assert_int_equal(hvm_decode_mmio(NULL, 0, true, &in), -EINVAL);
    /* 15 prefixes: past the architectural limit. */
    assert_int_equal(DECODE(true, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                            0x66, 0x66, 0x66, 0x66, 0x66, 0x8b, 0x00), -EINVAL);
}

#define DECODE_STR(lm, ...) ({ static const uint8_t b_[] = { __VA_ARGS__ };    \
    hvm_decode_string_io(b_, sizeof(b_), lm, &si); })

/* String port I/O: the address-size and segment prefixes, for exits that do not report them. */
static void test_string_io_prefixes(void **state)
{
    struct hvm_string_insn si;

    assert_int_equal(DECODE_STR(true, 0xf3, 0x6c), 0);            /* rep insb */
    assert_false(si.addr_override);
    assert_int_equal(si.seg, -1);
    assert_int_equal(DECODE_STR(true, 0x67, 0xf3, 0x6d), 0);      /* addr32 rep insl */
    assert_true(si.addr_override);
    assert_int_equal(DECODE_STR(true, 0x64, 0xf3, 0x6e), 0);      /* rep outsb %fs:(%rsi) */
    assert_int_equal(si.seg, 4);
    assert_int_equal(DECODE_STR(true, 0x66, 0x2e, 0x65, 0x6f), 0); /* outsw %gs: (the last override counts) */
    assert_int_equal(si.seg, 5);
    assert_int_equal(DECODE_STR(true, 0xf3, 0x48, 0x6f), 0);      /* REX.W is ignored: the exit gives the size */
    assert_int_equal(DECODE_STR(false, 0x26, 0x6e), 0);           /* 32-bit code: es outsb */
    assert_int_equal(si.seg, 0);

    assert_int_equal(DECODE_STR(true, 0xec), -EOPNOTSUPP);        /* in %dx,%al: not a string op */
    assert_int_equal(DECODE_STR(true, 0x48, 0x8b, 0x00), -EOPNOTSUPP);
    assert_int_equal(DECODE_STR(false, 0x48, 0x6c), -EOPNOTSUPP); /* 32-bit code: 0x48 is DEC EAX, not REX */
    assert_int_equal(DECODE_STR(true, 0xf3), -EINVAL);            /* truncated */
    assert_int_equal(DECODE_STR(true, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67,
                                0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x6c), -EINVAL); /* > 15 bytes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads),
        cmocka_unit_test(test_stores),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_string_io_prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
