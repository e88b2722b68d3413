/*
 * pvh_string_io: INS and OUTS (with and without REP) on a port with no
 * device behind it (0x43, the PIT's mode port, which Xen 4.17 keeps from a
 * PVH dom0 and emulates nothing at). Xen completes them as its emulator
 * does: INS stores all ones at ES:rDI, OUTS reads DS:rSI and drops it;
 * rDI/rSI step by the element size (backwards with DF), REP counts rCX to
 * 0, a 0x67 prefix makes them 32-bit registers, a long REP is finished
 * whole, and a page that is not mapped gets a #PF (CR2 = the address, the
 * error code of a supervisor write or read) with the iterations before it
 * done and RIP still at the instruction.
 */
#include "pvh.h"

const char test_name[] = "pvh_string_io";

#define PORT        0x43
#define UNMAPPED    (8UL << 30)     /* pvh_head.S maps 0-4 GiB and 64-65 GiB only */

static uint8_t buf[3 * 4096] __attribute__((aligned(4096)));

/* REP INSB/INSW/INSL of count elements at dst; returns rDI after, *left = rCX after. */
#define REP_INS(suffix, dst, count, left) ({                                         \
    uint64_t rdi_ = (uint64_t)(dst), rcx_ = (count);                                 \
    asm volatile ("rep ins" suffix " %%dx, (%%rdi)"                                   \
                  : "+D" (rdi_), "+c" (rcx_) : "d" (PORT) : "memory");               \
    *(left) = rcx_; rdi_; })

static void test_ins(void)
{
    uint64_t left, rdi;

    memset(buf, 0x11, sizeof(buf));
    rdi = REP_INS("b", buf + 4, 8, &left);
    expect_eq(rdi, (uint64_t)(buf + 12), "rep insb: rDI moved by 8");
    expect_eq(left, 0, "rep insb: rCX counted to 0");
    bool ok = true;
    for (unsigned int i = 0; i < 16; i++)
        ok &= buf[i] == ((i >= 4 && i < 12) ? 0xff : 0x11);
    check(ok, "rep insb: 8 bytes of all ones, nothing around them touched");

    memset(buf, 0x11, 64);
    rdi = REP_INS("l", buf + 8, 3, &left);
    expect_eq(rdi, (uint64_t)(buf + 20), "rep insl: rDI moved by 12");
    ok = true;
    for (unsigned int i = 0; i < 24; i++)
        ok &= buf[i] == ((i >= 8 && i < 20) ? 0xff : 0x11);
    check(ok, "rep insl: 3 dwords of all ones");

    /* DF set: backwards, element by element. */
    memset(buf, 0x11, 64);
    uint64_t r = (uint64_t)(buf + 10), c = 3;
    asm volatile ("std; rep insw %%dx, (%%rdi); cld" : "+D" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(r, (uint64_t)(buf + 4), "rep insw with DF: rDI moved back by 6");
    ok = true;
    for (unsigned int i = 0; i < 16; i++)
        ok &= buf[i] == ((i >= 6 && i < 12) ? 0xff : 0x11);
    check(ok, "rep insw with DF: the 3 words at and below rDI");

    /* No REP: one element, rCX untouched. */
    memset(buf, 0x11, 64);
    r = (uint64_t)(buf + 1); c = 77;
    asm volatile ("insw %%dx, (%%rdi)" : "+D" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(r, (uint64_t)(buf + 3), "insw: rDI moved by 2");
    expect_eq(c, 77, "insw: rCX untouched");
    check(buf[0] == 0x11 && buf[1] == 0xff && buf[2] == 0xff && buf[3] == 0x11, "insw: one word");

    /* rCX = 0: nothing at all. */
    memset(buf, 0x11, 64);
    rdi = REP_INS("b", buf, 0, &left);
    check(rdi == (uint64_t)buf && left == 0 && buf[0] == 0x11, "rep insb with rCX 0 does nothing");

    /* Longer than one exit's worth: finished whole, across pages. */
    memset(buf, 0x11, sizeof(buf));
    rdi = REP_INS("b", buf + 100, 2 * 4096 + 7, &left);
    expect_eq(left, 0, "rep insb of 8199 bytes: rCX counted to 0");
    expect_eq(rdi, (uint64_t)(buf + 100 + 2 * 4096 + 7), "rep insb of 8199 bytes: rDI at the end");
    ok = buf[99] == 0x11 && buf[100 + 2 * 4096 + 7] == 0x11;
    for (unsigned int i = 100; i < 100 + 2 * 4096 + 7; i++)
        ok &= buf[i] == 0xff;
    check(ok, "rep insb of 8199 bytes: all ones, across two page boundaries");

    /* 0x67: 32-bit rDI and rCX; the upper halves are ignored, then cleared. */
    memset(buf, 0x11, 64);
    r = (0xabcdUL << 32) | (uint32_t)(uint64_t)(buf + 2); c = (0x1234UL << 32) | 2;
    asm volatile ("addr32 rep insb %%dx, (%%edi)" : "+D" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(r, (uint64_t)(uint32_t)(uint64_t)(buf + 4), "addr32 rep insb: EDI moved, upper half cleared");
    expect_eq(c, 0, "addr32 rep insb: ECX counted to 0, upper half cleared");
    check(buf[1] == 0x11 && buf[2] == 0xff && buf[3] == 0xff && buf[4] == 0x11, "addr32 rep insb: two bytes");
}

static void test_outs(void)
{
    uint64_t r, c;

    memset(buf, 0x5a, 64);
    r = (uint64_t)buf; c = 10;
    asm volatile ("rep outsb (%%rsi), %%dx" : "+S" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(r, (uint64_t)(buf + 10), "rep outsb: rSI moved by 10");
    expect_eq(c, 0, "rep outsb: rCX counted to 0");
    check(buf[0] == 0x5a && buf[9] == 0x5a, "rep outsb: the source is left alone");

    r = (uint64_t)(buf + 8); c = 2;
    asm volatile ("std; rep outsl (%%rsi), %%dx; cld" : "+S" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(r, (uint64_t)buf, "rep outsl with DF: rSI moved back by 8");
}

static void test_faults(void)
{
    /* INS into a page that is not mapped: #PF, a supervisor write to a non-present page. */
    last_trap.count = 0;
    uint64_t r = UNMAPPED, c = 4;
    EXPECT_FAULT("rep insb %%dx, (%%rdi)", : "+D" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(last_trap.count, 1, "rep insb into an unmapped page: one exception");
    expect_eq(last_trap.vector, 14, "... a #PF");
    expect_eq(last_trap.cr2, UNMAPPED, "... CR2 = the address");
    expect_eq(last_trap.error_code, 2, "... error code: write, not present");
    expect_eq(r, UNMAPPED, "... rDI unchanged");
    expect_eq(c, 4, "... rCX unchanged");

    /* OUTS from a page that is not mapped: a read fault. */
    last_trap.count = 0;
    r = UNMAPPED + 0x123; c = 1;
    EXPECT_FAULT("rep outsw (%%rsi), %%dx", : "+S" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(last_trap.count, 1, "rep outsw from an unmapped page: one exception");
    expect_eq(last_trap.vector, 14, "... a #PF");
    expect_eq(last_trap.cr2, UNMAPPED + 0x123, "... CR2 = the address");
    expect_eq(last_trap.error_code, 0, "... error code: read, not present");

    /* Stores into guest-physical space with no RAM (the 64 GiB window) are dropped. */
    last_trap.count = 0;
    r = PVH_HIGH_WINDOW + 0x40; c = 8;
    asm volatile ("rep insb %%dx, (%%rdi)" : "+D" (r), "+c" (c) : "d" (PORT) : "memory");
    expect_eq(c, 0, "rep insb into a GFN without memory: done");
    expect_eq(last_trap.count, 0, "... no exception");
    expect_eq(*(volatile uint8_t *)(PVH_HIGH_WINDOW + 0x40), 0xff, "... and it still reads all ones");
}

void test_main(void)
{
    test_ins();
    test_outs();
    test_faults();
}
