/* SOURCES: arch/x86/hvm/vcpu_state.c */
/*
 * VCPUOP_initialise contexts for HVM vCPUs (Xen 4.17's
 * arch_set_info_hvm_guest() checks), the STARTUP IPI's real-mode state and
 * PVH's flat entry state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/errno.h>
#include <asm/hvm/vcpu_state.h>

#define CR4_OK      0x7ffULL
#define EFER_OK     (HVM_EFER_SCE | HVM_EFER_LME | HVM_EFER_LMA | HVM_EFER_NXE)

/* A flat 32-bit ring-0 context as a PVH guest's AP start would use (accessed bits clear). */
static struct vcpu_hvm_context flat32(void)
{
    struct vcpu_hvm_context c;

    memset(&c, 0, sizeof(c));
    c.mode = VCPU_HVM_MODE_32B;
    c.cpu_regs.x86_32.eip = 0x100000;
    c.cpu_regs.x86_32.ebx = 0x1234;
    c.cpu_regs.x86_32.cr0 = 0x11;
    c.cpu_regs.x86_32.cs_limit = ~0u;
    c.cpu_regs.x86_32.ds_limit = ~0u;
    c.cpu_regs.x86_32.ss_limit = ~0u;
    c.cpu_regs.x86_32.es_limit = ~0u;
    c.cpu_regs.x86_32.tr_limit = 0x67;
    c.cpu_regs.x86_32.cs_ar = 0xc9a;
    c.cpu_regs.x86_32.ds_ar = 0xc92;
    c.cpu_regs.x86_32.ss_ar = 0xc92;
    c.cpu_regs.x86_32.es_ar = 0xc92;
    c.cpu_regs.x86_32.tr_ar = 0x89;     /* available 32-bit TSS: made busy */
    return c;
}

static struct vcpu_hvm_context long64(void)
{
    struct vcpu_hvm_context c;

    memset(&c, 0, sizeof(c));
    c.mode = VCPU_HVM_MODE_64B;
    c.cpu_regs.x86_64.rip = 0xffffffff81000000ULL;
    c.cpu_regs.x86_64.cr0 = 0x80000011;
    c.cpu_regs.x86_64.cr3 = 0x5000;
    c.cpu_regs.x86_64.cr4 = 0x20;
    c.cpu_regs.x86_64.efer = HVM_EFER_LME;
    return c;
}

static int decode(const struct vcpu_hvm_context *c, struct hvm_cpu_state *s)
{
    return hvm_vcpu_context_decode(c, CR4_OK, EFER_OK, s);
}

static void good_32(void **st)
{
    struct vcpu_hvm_context c = flat32();
    struct hvm_cpu_state s;

    assert_int_equal(decode(&c, &s), 0);
    assert_int_equal(s.rip, 0x100000);
    assert_int_equal(s.rbx, 0x1234);
    assert_int_equal(s.cs.attr, 0xc9b);         /* accessed */
    assert_int_equal(s.ss.attr, 0xc93);
    assert_int_equal(s.tr.attr, 0x8b);          /* busy */
    assert_int_equal(s.cs.limit, ~0u);
    assert_int_equal(s.efer, 0);
    /* Null DS/ES are fine. */
    c.cpu_regs.x86_32.ds_ar = 0;
    c.cpu_regs.x86_32.es_ar = 0;
    assert_int_equal(decode(&c, &s), 0);
    /* EFER.LME in 32-bit mode: LMA follows (compatibility mode start). */
    c = flat32();
    c.cpu_regs.x86_32.efer = HVM_EFER_LME;
    assert_int_equal(decode(&c, &s), 0);
    assert_int_equal(s.efer, HVM_EFER_LME | HVM_EFER_LMA);
}

static void bad_32(void **st)
{
    struct vcpu_hvm_context c;
    struct hvm_cpu_state s;

#define BAD(field, val) do { c = flat32(); c.field = (val); \
        assert_int_equal(decode(&c, &s), -EINVAL); } while (0)
    BAD(mode, 2);
    BAD(pad, 1);
    BAD(cpu_regs.x86_32.pad1, 1);
    BAD(cpu_regs.x86_32.pad2[2], 1);
    BAD(cpu_regs.x86_32.cs_ar, 0);              /* null CS */
    BAD(cpu_regs.x86_32.ss_ar, 0);              /* null SS */
    BAD(cpu_regs.x86_32.tr_ar, 0);              /* null TR */
    BAD(cpu_regs.x86_32.cs_ar, 0x1c9a);         /* attribute bits 12-15 */
    BAD(cpu_regs.x86_32.cs_ar, 0xc92);          /* data for CS */
    BAD(cpu_regs.x86_32.cs_ar, 0xc1a);          /* not present */
    BAD(cpu_regs.x86_32.cs_ar, 0xc8b);          /* system segment for CS */
    BAD(cpu_regs.x86_32.ss_ar, 0xc9a);          /* code for SS */
    BAD(cpu_regs.x86_32.ss_ar, 0xc90);          /* read-only SS */
    BAD(cpu_regs.x86_32.ds_ar, 0xc98);          /* execute-only DS */
    BAD(cpu_regs.x86_32.tr_ar, 0x83);           /* 16-bit TSS */
    BAD(cpu_regs.x86_32.tr_ar, 0x99);           /* code for TR */
    c = flat32();                               /* EIP past a byte-granular limit */
    c.cpu_regs.x86_32.cs_ar = 0x49a;
    c.cpu_regs.x86_32.cs_limit = 0xfffff;
    assert_int_equal(decode(&c, &s), -EINVAL);
    BAD(cpu_regs.x86_32.ss_ar, 0xcf2);          /* SS.DPL 3 with CS.DPL 0 */
    BAD(cpu_regs.x86_32.ds_ar, 0xcf2);          /* DS.DPL above CS.DPL */
    BAD(cpu_regs.x86_32.efer, HVM_EFER_LMA);    /* LMA without LME */
    BAD(cpu_regs.x86_32.cr4, 1ULL << 31);       /* not a CR4 bit the guest has */
    BAD(cpu_regs.x86_32.efer, 1ULL << 12);      /* SVME: hidden */
#undef BAD
    /* The same limit page-granular covers EIP. */
    c = flat32();
    c.cpu_regs.x86_32.cs_limit = 0xfffff;
    assert_int_equal(decode(&c, &s), 0);
}

static void modes_64(void **st)
{
    struct vcpu_hvm_context c = long64();
    struct hvm_cpu_state s;

    assert_int_equal(decode(&c, &s), 0);
    assert_int_equal(s.cs.attr, 0xa9b);
    assert_int_equal(s.tr.attr, 0x8b);
    assert_int_equal(s.efer, HVM_EFER_LME | HVM_EFER_LMA);
    c.cpu_regs.x86_64.rip = 0x0000800000000000ULL;
    assert_int_equal(decode(&c, &s), -EINVAL);  /* non-canonical */
    c = long64();
    c.cpu_regs.x86_64.cr0 = 0x11;
    assert_int_equal(decode(&c, &s), -EINVAL);  /* paging off */
    c = long64();
    c.cpu_regs.x86_64.cr4 = 0;
    assert_int_equal(decode(&c, &s), -EINVAL);  /* no PAE */
    c = long64();
    c.cpu_regs.x86_64.efer = 0;
    assert_int_equal(decode(&c, &s), -EINVAL);  /* no LME */
    c = long64();
    assert_int_equal(hvm_vcpu_context_decode(&c, CR4_OK, HVM_EFER_SCE | HVM_EFER_NXE, &s),
                     -EINVAL);                  /* LME, CPUID without LM */
}

static void startup_and_boot(void **st)
{
    struct hvm_cpu_state s;

    hvm_real_mode_state(0x9a, &s);
    assert_int_equal(s.cs.sel, 0x9a00);
    assert_int_equal(s.cs.base, 0x9a000);
    assert_int_equal(s.cs.limit, 0xffff);
    assert_int_equal(s.rip, 0);
    assert_int_equal(s.cr0 & 1, 0);             /* real mode */
    assert_int_equal(s.ss.attr, 0x93);
    hvm_flat32_state(0x1000000, 0x2000, &s);
    assert_int_equal(s.cr0 & 0x80000001, 1);    /* PE, no PG */
    assert_int_equal(s.rip, 0x1000000);
    assert_int_equal(s.rbx, 0x2000);
    assert_int_equal(s.cs.attr, 0xc9b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_32),
        cmocka_unit_test(bad_32),
        cmocka_unit_test(modes_64),
        cmocka_unit_test(startup_and_boot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
