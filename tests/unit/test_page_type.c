/* SOURCES: arch/x86/mm/page_type.c arch/x86/mm/pt_validate.c arch/x86/mm/page_ref.c arch/x86/pv/mmu_update.c arch/x86/pv/mmuext.c arch/x86/pv/update_va_mapping.c arch/x86/pv/pv_mm_init.c arch/x86/pv/guest_walk.c tests/unit/pv_mm_fake.c */
/*
 * The PV page-type system and MMU hypercalls on a fake machine: every
 * refusal is checked against the errno Xen 4.17 returns, and every
 * sequence must bring the reference counts back to where they started.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/hypercall.h>
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>
#include "host_stubs.h"
#include "pv_mm_fake.h"

#define D1 (&fake_dom[1])
#define PRW (_PAGE_PRESENT | _PAGE_RW)
#define PRO (_PAGE_PRESENT)

static int setup(void **state)
{
    fake_reset();
    host_printk_clear();
    return 0;
}

/* A 4-level tree: l4[0] -> l3[0] -> l2[0] -> l1; l1[0] maps data RW, l1[1] maps l1 RO. */
struct tree { unsigned long l4, l3, l2, l1, data; };

static struct tree build_tree(struct domain *d)
{
    struct tree t = { fake_alloc(d), fake_alloc(d), fake_alloc(d), fake_alloc(d), fake_alloc(d) };

    fake_map(t.l4)[0] = fake_pte(t.l3, PRW);
    fake_map(t.l3)[0] = fake_pte(t.l2, PRW);
    fake_map(t.l2)[0] = fake_pte(t.l1, PRW);
    fake_map(t.l1)[0] = fake_pte(t.data, PRW);
    fake_map(t.l1)[1] = fake_pte(t.l1, PRO);
    return t;
}

static long mmuext(unsigned int cmd, unsigned long arg, unsigned int *done)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.mfn = arg;
    return do_mmuext_op((hc_arg_t)&op, 1, (hc_arg_t)done, DOMID_SELF);
}

static long pin(unsigned int level, unsigned long mfn)
{
    return mmuext(MMUEXT_PIN_L1_TABLE + level - 1, mfn, NULL);
}

static long unpin(unsigned long mfn)
{
    return mmuext(MMUEXT_UNPIN_TABLE, mfn, NULL);
}

static long mmu1(unsigned long table, unsigned int slot, pte_t val, unsigned int cmd)
{
    struct mmu_update u = { ((uint64_t)table << PAGE_SHIFT) + slot * 8 + cmd, val };
    return do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_SELF);
}

/* Every frame of d back to "allocated, no other reference, no type count". */
static void assert_idle(unsigned long first, unsigned long last)
{
    for (unsigned long m = first; m <= last; m++) {
        assert_int_equal(fake_count(m), 1);
        assert_int_equal(fake_tcount(m), 0);
        assert_false(frame_table[m].type_info & (PGT_pinned | PGT_validated) && fake_type(m) != PGT_writable_page);
    }
}

static void test_valid_hierarchy(void **state)
{
    struct tree t = build_tree(D1);

    fake_map(t.l4)[260] = fake_pte(t.data, PRW);          /* guest junk in a hypervisor slot */
    assert_int_equal(pin(4, t.l4), 0);
    assert_int_equal(frame_table[t.l4].type_info, PGT_l4_page_table | PGT_pinned | PGT_validated | 1);
    assert_int_equal(frame_table[t.l3].type_info, PGT_l3_page_table | PGT_validated | 1);
    assert_int_equal(frame_table[t.l2].type_info, PGT_l2_page_table | PGT_validated | 1);
    assert_int_equal(frame_table[t.l1].type_info, PGT_l1_page_table | PGT_validated | 1);
    assert_int_equal(frame_table[t.data].type_info, PGT_writable_page | PGT_validated | 1);
    assert_int_equal(fake_count(t.l4), 2);                /* allocated + pin */
    assert_int_equal(fake_count(t.l1), 3);                /* allocated + l2 entry + own RO map */
    assert_int_equal(fake_count(t.data), 2);
    /* Hypervisor slots are the hypervisor's; guest entries gained the user bits. */
    for (unsigned int i = 256; i <= 271; i++)
        assert_int_equal(fake_map(t.l4)[i], HV_MARK(i));
    assert_true(fake_map(t.l4)[0] & _PAGE_USER);
    assert_true(fake_map(t.l1)[0] & (_PAGE_USER | _PAGE_GUEST_KERNEL));

    assert_int_equal(unpin(t.l4), 0);
    assert_idle(t.l4, t.data);
    for (unsigned long m = t.l4; m <= t.data; m++)
        assert_int_equal(fake_free_calls[m], 0);
}

static void test_l1_maps_itself_writable(void **state)
{
    unsigned long l1 = fake_alloc(D1), data = fake_alloc(D1);

    fake_map(l1)[0] = fake_pte(data, PRW);
    fake_map(l1)[7] = fake_pte(l1, PRW);
    assert_int_equal(pin(1, l1), -EBUSY);                 /* Xen: get_page_from_l1e could_not_pin */
    assert_idle(l1, data);
    assert_int_equal(fake_type(l1), PGT_none);
}

static void test_pin_frame_mapped_writable(void **state)
{
    struct tree t = build_tree(D1);

    assert_int_equal(pin(4, t.l4), 0);
    assert_int_equal(pin(1, t.data), -EINVAL);            /* in use as PGT_writable_page */
    assert_int_equal(pin(2, t.l1), -EINVAL);              /* in use as L1 */
    assert_int_equal(unpin(t.l4), 0);
    assert_idle(t.l4, t.data);
}

static void test_foreign_frames(void **state)
{
    unsigned long l2 = fake_alloc(D1), l1 = fake_alloc(D1);
    unsigned long other = fake_alloc(&fake_dom[2]), other_l1 = fake_alloc(&fake_dom[2]);

    fake_map(l1)[0] = fake_pte(other, PRO);
    assert_int_equal(pin(1, l1), -EBUSY);                 /* L1 entry, not ours */
    fake_map(l1)[0] = 0;
    fake_map(l2)[0] = fake_pte(other_l1, PRW);
    assert_int_equal(pin(2, l2), -EINVAL);                /* L2 entry, not ours */
    assert_int_equal(pin(1, other_l1), -EINVAL);          /* pinning another's frame */
    assert_idle(l2, other_l1);
}

static void test_hypervisor_slots(void **state)
{
    struct tree t = build_tree(D1);
    unsigned long l3b = fake_alloc(D1);

    assert_int_equal(pin(4, t.l4), 0);
    assert_int_equal(mmu1(t.l4, 256, fake_pte(l3b, PRW), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(mmu1(t.l4, 271, 0, MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(fake_map(t.l4)[271], HV_MARK(271));
    assert_int_equal(mmu1(t.l4, 272, fake_pte(l3b, PRW), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(frame_table[l3b].type_info, PGT_l3_page_table | PGT_validated | 1);
    assert_int_equal(unpin(t.l4), 0);
    assert_idle(t.l4, l3b);
}

static void test_reserved_bits(void **state)
{
    unsigned long l4 = fake_alloc(D1), l3 = fake_alloc(D1), l2 = fake_alloc(D1), l1 = fake_alloc(D1);
    unsigned long data = fake_alloc(D1);

    fake_map(l1)[0] = fake_pte(data, PRW | _PAGE_PCD);
    assert_int_equal(pin(1, l1), -EINVAL);                /* cache attributes: no I/O access */
    fake_map(l1)[0] = fake_pte(data, PRW | _PAGE_GLOBAL | _PAGE_NX | PTE_AVAIL_LOW | (1UL << 55));
    assert_int_equal(pin(1, l1), 0);                      /* G, NX and available bits are fine */
    assert_false(fake_map(l1)[0] & _PAGE_GLOBAL);         /* accepted, not stored (PV_GLOBAL_USER_PAGES) */
    assert_true(fake_map(l1)[0] & _PAGE_NX);
    assert_int_equal(unpin(l1), 0);
    fake_map(l2)[0] = fake_pte(data, PRW | _PAGE_PSE);
    assert_int_equal(pin(2, l2), -EINVAL);                /* no superpages */
    fake_map(l3)[0] = fake_pte(l2, PRW | _PAGE_PSE);
    assert_int_equal(pin(3, l3), -EINVAL);
    fake_map(l4)[0] = fake_pte(l3, PRW | _PAGE_GLOBAL);
    assert_int_equal(pin(4, l4), -EINVAL);
    fake_map(l4)[0] = fake_pte(l3, PRW | _PAGE_PWT);
    assert_int_equal(pin(4, l4), -EINVAL);
    assert_idle(l4, data);

    /* The privileged domain may choose cache attributes for its RAM. */
    fake_set_current(0);
    unsigned long l1p = fake_alloc(&fake_dom[0]), dp = fake_alloc(&fake_dom[0]);
    fake_map(l1p)[0] = fake_pte(dp, PRW | _PAGE_PCD | _PAGE_PWT);
    assert_int_equal(pin(1, l1p), 0);
    assert_int_equal(unpin(l1p), 0);
    assert_idle(l1p, dp);
}

static void test_pin_unpin_counts(void **state)
{
    struct tree t = build_tree(D1);

    assert_int_equal(pin(2, t.l2), 0);
    assert_int_equal(pin(2, t.l2), -EINVAL);              /* already pinned */
    assert_int_equal(pin(4, t.l4), 0);                    /* l3 -> l2 adds a type ref */
    assert_int_equal(fake_tcount(t.l2), 2);
    assert_int_equal(unpin(t.l4), 0);
    assert_int_equal(fake_tcount(t.l2), 1);               /* still pinned: l1 stays validated */
    assert_int_equal(fake_tcount(t.l1), 1);
    assert_int_equal(unpin(t.l2), 0);
    assert_int_equal(unpin(t.l2), -EINVAL);               /* not pinned */
    assert_int_equal(unpin(t.data), -EINVAL);
    assert_idle(t.l4, t.data);
}

static void test_mmu_update_batch(void **state)
{
    unsigned long l1 = fake_alloc(D1), a = fake_alloc(D1), b = fake_alloc(D1);
    unsigned long other = fake_alloc(&fake_dom[2]);
    unsigned int done = 99;

    assert_int_equal(pin(1, l1), 0);
    struct mmu_update u[3] = {
        { (l1 << PAGE_SHIFT) + 0 * 8, fake_pte(a, PRW) },
        { (l1 << PAGE_SHIFT) + 1 * 8, fake_pte(other, PRO) },
        { (l1 << PAGE_SHIFT) + 2 * 8, fake_pte(b, PRW) },
    };
    assert_int_equal(do_mmu_update((hc_arg_t)u, 3, (hc_arg_t)&done, DOMID_SELF), -EBUSY);
    assert_int_equal(done, 1);
    assert_true(fake_map(l1)[0] & _PAGE_PRESENT);
    assert_false(fake_map(l1)[1] & _PAGE_PRESENT);
    assert_false(fake_map(l1)[2] & _PAGE_PRESENT);
    assert_int_equal(fake_tcount(a), 1);
    assert_int_equal(fake_tcount(b), 0);

    u[1].val = fake_pte(b, PRO);
    assert_int_equal(do_mmu_update((hc_arg_t)(u + 1), 2, (hc_arg_t)&done, DOMID_SELF), 0);
    assert_int_equal(done, 2);
    assert_int_equal(fake_count(b), 3);                   /* RO + RW mapping */
    assert_int_equal(fake_tcount(b), 1);

    /* A long batch stops for pending work and continues where it left. */
    struct mmu_update many[130];
    for (unsigned int i = 0; i < 130; i++)
        many[i] = (struct mmu_update){ (l1 << PAGE_SHIFT) + 8 * 8, fake_pte(a, PRO) };
    fake_preempt = true;
    assert_int_equal(do_mmu_update((hc_arg_t)many, 130, (hc_arg_t)&done, DOMID_SELF), -ERESTART);
    assert_int_equal(done, 64);
    assert_int_equal(fake_hc_args[0], (hc_arg_t)(many + 64));
    assert_int_equal(fake_hc_args[1], 66u | (1u << 31));
    fake_preempt = false;
    assert_int_equal(do_mmu_update(fake_hc_args[0], fake_hc_args[1], (hc_arg_t)&done, DOMID_SELF), 0);
    assert_int_equal(done, 130);                          /* the rounds add up */
    many[0].val = 0;
    assert_int_equal(do_mmu_update((hc_arg_t)many, 1, (hc_arg_t)&done, DOMID_SELF), 0);

    u[0].ptr |= 7;                                        /* unknown command */
    assert_int_equal(do_mmu_update((hc_arg_t)u, 1, (hc_arg_t)&done, DOMID_SELF), -ENOSYS);
    assert_int_equal(done, 0);
    assert_int_equal(unpin(l1), 0);
    assert_idle(l1, other);
}

static void test_machphys(void **state)
{
    unsigned long mine = fake_alloc(D1), other = fake_alloc(&fake_dom[2]);
    struct mmu_update u = { (other << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 1234 };

    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_SELF), -EINVAL);
    assert_int_equal(machine_to_phys_mapping[other], INVALID_M2P_ENTRY);
    u.ptr = (mine << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_SELF), 0);
    assert_int_equal(machine_to_phys_mapping[mine], 1234);
    u.ptr = ((unsigned long)FAKE_FRAMES << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_SELF), -EINVAL);
    assert_idle(mine, other);
}

static void test_new_baseptr(void **state)
{
    struct tree a = build_tree(D1);
    unsigned long b = fake_alloc(D1), bad = fake_alloc(D1), data = fake_alloc(D1);
    struct vcpu *v = &fake_vcpu[1];

    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, a.l4, NULL), 0);
    assert_int_equal(v->arch.guest_table, a.l4);
    assert_int_equal(frame_table[a.l4].type_info, PGT_l4_page_table | PGT_validated | 1);
    assert_int_equal(fake_cr3_reloads, 1);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, b, NULL), 0);
    assert_int_equal(v->arch.guest_table, b);
    assert_int_equal(fake_tcount(b), 1);
    assert_idle(a.l4, a.data);                             /* old tree devalidated entirely */
    assert_int_equal(fake_flush_local, PV_GLOBAL_USER_PAGES ? 2 : 0);

    fake_map(data)[0] = fake_pte(b, PRW);                  /* data: an L3 naming an L4 as L2 */
    fake_map(bad)[0] = fake_pte(data, PRW);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, bad, NULL), -EINVAL);
    assert_int_equal(v->arch.guest_table, b);
    assert_int_equal(fake_tcount(bad), 0);
    assert_int_equal(fake_tcount(data), 0);
    assert_int_equal(fake_count(bad), 1);
    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, fake_alloc(&fake_dom[2]), NULL), -EINVAL);

    assert_int_equal(mmuext(MMUEXT_NEW_USER_BASEPTR, a.l4, NULL), 0);
    assert_int_equal(v->arch.guest_table_user, a.l4);
    assert_int_equal(mmuext(MMUEXT_NEW_USER_BASEPTR, 0, NULL), 0);
    assert_int_equal(v->arch.guest_table_user, 0);
    pv_drop_guest_tables(v);
    assert_int_equal(v->arch.guest_table, 0);
    assert_idle(a.l4, data);
}

static void test_bad_guest_pointers(void **state)
{
    unsigned long l1 = fake_alloc(D1);
    unsigned int done = 7;

    assert_int_equal(do_mmu_update((hc_arg_t)FAKE_BAD_PTR, 1, (hc_arg_t)&done, DOMID_SELF), -EFAULT);
    assert_int_equal(done, 7);                             /* rejected before any work */
    assert_int_equal(do_mmuext_op((hc_arg_t)FAKE_BAD_PTR, 2, (hc_arg_t)&done, DOMID_SELF), -EFAULT);
    assert_int_equal(pin(1, l1), 0);
    struct mmu_update u = { (l1 << PAGE_SHIFT), 0 };
    /* Xen 4.17 ignores a pdone it cannot write (tests/guests/mmu.c checks it on Xen). */
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, (hc_arg_t)FAKE_BAD_PTR, DOMID_SELF), 0);
    /* No page-table owner (foreigndom bits 16+): -ESRCH before pdone is written. */
    done = 7;
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, (hc_arg_t)&done, (0x1ec1U << 16) | DOMID_SELF),
                     -ESRCH);
    assert_int_equal(done, 7);
    /* A bad vCPU mask: Xen reports -EINVAL for mmuext, -EFAULT for update_va_mapping. */
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_MULTI };
    op.arg2.vcpumask.p = FAKE_BAD_PTR;
    assert_int_equal(do_mmuext_op((hc_arg_t)&op, 1, (hc_arg_t)&done, DOMID_SELF), -EINVAL);
    assert_int_equal(done, 0);
    assert_int_equal(unpin(l1), 0);
}

static void test_linear_self_map(void **state)
{
    struct tree t = build_tree(D1);
    unsigned long other_l4 = fake_alloc(D1);

    fake_map(t.l4)[5] = fake_pte(t.l4, PRO);
    assert_int_equal(pin(4, t.l4), 0);
    assert_int_equal(fake_tcount(t.l4), 1);               /* the self-map holds nothing */
    assert_int_equal(mmu1(t.l4, 6, fake_pte(t.l4, PRW), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(pin(4, other_l4), 0);
    assert_int_equal(mmu1(t.l4, 6, fake_pte(other_l4, PRO), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(mmu1(t.l4, 5, 0, MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(unpin(other_l4), 0);
    assert_int_equal(unpin(t.l4), 0);
    assert_idle(t.l4, other_l4);
}

static void test_frames_freed_once(void **state)
{
    struct tree t = build_tree(D1);

    assert_int_equal(pin(4, t.l4), 0);
    /* The domain lets go of every frame (PGC_allocated) while the tables are pinned. */
    for (unsigned long m = t.l4; m <= t.data; m++) {
        frame_table[m].count_info &= ~PGC_allocated;
        put_page(&frame_table[m]);
    }
    for (unsigned long m = t.l4; m <= t.data; m++)
        assert_int_equal(fake_free_calls[m], 0);
    assert_int_equal(unpin(t.l4), 0);                     /* the last references go */
    for (unsigned long m = t.l4; m <= t.data; m++)
        assert_int_equal(fake_free_calls[m], 1);
}

static void test_update_va_mapping(void **state)
{
    struct tree t = build_tree(D1);
    unsigned long n = fake_alloc(D1);
    unsigned long va = 0x3000;                            /* l4[0] l3[0] l2[0] l1[3] */

    assert_int_equal(mmuext(MMUEXT_NEW_BASEPTR, t.l4, NULL), 0);
    assert_int_equal(do_update_va_mapping(va, fake_pte(n, PRW), UVMF_INVLPG | UVMF_LOCAL), 0);
    assert_int_equal(fake_map(t.l1)[3] >> PAGE_SHIFT & 0xffffff, n);
    assert_int_equal(fake_tcount(n), 1);
    assert_int_equal(fake_flush_va_local, 1);
    assert_int_equal(do_update_va_mapping(va, fake_pte(n, PRO), UVMF_TLB_FLUSH | UVMF_ALL), 0);
    assert_int_equal(fake_tcount(n), 0);
    assert_int_equal(fake_flush_domain, 1);
    unsigned long mask = 1;                               /* just this vCPU */
    assert_int_equal(do_update_va_mapping(va, 0, UVMF_TLB_FLUSH | (unsigned long)&mask), 0);
    assert_int_equal(fake_flush_local, 1 + PV_GLOBAL_USER_PAGES);
    assert_int_equal(do_update_va_mapping(va, 0, UVMF_TLB_FLUSH | 0x2000), -EFAULT);
    assert_int_equal(do_update_va_mapping(va, fake_pte(t.l1, PRW), 0), -EBUSY);
    assert_int_equal(do_update_va_mapping(0x40000000UL, fake_pte(n, PRO), 0), -EINVAL);  /* no L2 */
    assert_int_equal(do_update_va_mapping(0xffff800000001000UL, fake_pte(n, PRO), 0), -EINVAL);
    pv_drop_guest_tables(&fake_vcpu[1]);
    assert_idle(t.l4, n);
}

static void test_rw_then_ro_then_pin(void **state)
{
    unsigned long l1 = fake_alloc(D1), x = fake_alloc(D1);

    assert_int_equal(pin(1, l1), 0);
    assert_int_equal(mmu1(l1, 0, fake_pte(x, PRW), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(pin(1, x), -EINVAL);
    host_tlbflush_clock = 40;                             /* the writable use ends at 40 */
    assert_int_equal(mmu1(l1, 0, fake_pte(x, PRO), MMU_PT_UPDATE_PRESERVE_AD), 0);
    int before = fake_flush_domain;
    host_tlbflush_clock = 50;
    assert_int_equal(pin(1, x), 0);                       /* writable -> L1: stale TLBs flushed */
    assert_int_equal(fake_flush_domain, before + 1);
    assert_int_equal(fake_flush_since_stamp, 40);         /* on CPUs not flushed since 40 */
    host_tlbflush_clock = 0;
    assert_int_equal(mmu1(l1, 1, fake_pte(x, PRW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(mmu1(l1, 1, fake_pte(l1, PRW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    assert_int_equal(unpin(x), 0);
    assert_int_equal(unpin(l1), 0);
    assert_idle(l1, x);
}

static void test_preserve_ad_and_fastpath(void **state)
{
    unsigned long l1 = fake_alloc(D1), x = fake_alloc(D1);

    assert_int_equal(pin(1, l1), 0);
    assert_int_equal(mmu1(l1, 0, fake_pte(x, PRW), MMU_NORMAL_PT_UPDATE), 0);
    fake_map(l1)[0] |= _PAGE_ACCESSED | _PAGE_DIRTY;      /* as the CPU would */
    assert_int_equal(mmu1(l1, 0, fake_pte(x, PRW | _PAGE_NX), MMU_PT_UPDATE_PRESERVE_AD), 0);
    assert_true(fake_map(l1)[0] & _PAGE_DIRTY);
    assert_true(fake_map(l1)[0] & _PAGE_NX);
    assert_int_equal(fake_tcount(x), 1);                  /* fast path: no new refs */
    assert_int_equal(fake_count(x), 2);
    assert_int_equal(mmu1(l1, 0, fake_pte(x, PRW), MMU_NORMAL_PT_UPDATE), 0);
    assert_false(fake_map(l1)[0] & _PAGE_DIRTY);
    assert_int_equal(unpin(l1), 0);
    assert_idle(l1, x);
}

static void test_replace_l1_in_l2(void **state)
{
    struct tree t = build_tree(D1);
    unsigned long l1b = fake_alloc(D1);

    assert_int_equal(pin(4, t.l4), 0);
    int before = fake_flush_domain;
    assert_int_equal(mmu1(t.l2, 0, fake_pte(l1b, PRW), MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(fake_flush_domain, before + 1);      /* paging-structure caches */
    assert_int_equal(fake_tcount(t.l1), 0);               /* old L1 devalidated */
    assert_int_equal(fake_tcount(t.data), 0);
    assert_int_equal(fake_tcount(l1b), 1);
    assert_int_equal(mmu1(t.l2, 1, fake_pte(t.l2, PRO), MMU_NORMAL_PT_UPDATE), 0);  /* self-map */
    assert_int_equal(mmu1(t.l2, 2, fake_pte(t.l3, PRO), MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(unpin(t.l4), 0);
    assert_idle(t.l4, l1b);
}

static void test_copy_clear_and_misc_ops(void **state)
{
    unsigned long l1 = fake_alloc(D1), src = fake_alloc(D1), dst = fake_alloc(D1);
    struct mmuext_op op = { .cmd = MMUEXT_COPY_PAGE };

    memset(fake_map(src), 0x5a, PAGE_SIZE);
    assert_int_equal(pin(1, l1), 0);
    op.arg1.mfn = l1;
    op.arg2.src_mfn = src;
    assert_int_equal(do_mmuext_op((hc_arg_t)&op, 1, 0, DOMID_SELF), -EINVAL);
    op.arg1.mfn = dst;
    assert_int_equal(do_mmuext_op((hc_arg_t)&op, 1, 0, DOMID_SELF), 0);
    assert_int_equal(memcmp(fake_map(src), fake_map(dst), PAGE_SIZE), 0);
    assert_int_equal(mmuext(MMUEXT_CLEAR_PAGE, l1, NULL), -EINVAL);
    assert_int_equal(mmuext(MMUEXT_CLEAR_PAGE, dst, NULL), 0);
    assert_int_equal(fake_map(dst)[5], 0);
    assert_int_equal(mmuext(MMUEXT_MARK_SUPER, dst, NULL), -EOPNOTSUPP);
    assert_int_equal(mmuext(MMUEXT_UNMARK_SUPER, dst, NULL), -EOPNOTSUPP);
    assert_int_equal(mmuext(99, 0, NULL), -ENOSYS);
    assert_int_equal(mmuext(MMUEXT_FLUSH_CACHE, 0, NULL), -EACCES);
    assert_int_equal(mmuext(MMUEXT_FLUSH_CACHE_GLOBAL, 0, NULL), -EINVAL);

    struct mmuext_op ldt = { .cmd = MMUEXT_SET_LDT };
    ldt.arg1.linear_addr = 0x10000;
    ldt.arg2.nr_ents = 8193;
    assert_int_equal(do_mmuext_op((hc_arg_t)&ldt, 1, 0, DOMID_SELF), -EINVAL);
    ldt.arg2.nr_ents = 16;
    ldt.arg1.linear_addr = 0x10010;
    assert_int_equal(do_mmuext_op((hc_arg_t)&ldt, 1, 0, DOMID_SELF), -EINVAL);
    ldt.arg1.linear_addr = 0x10000;
    assert_int_equal(do_mmuext_op((hc_arg_t)&ldt, 1, 0, DOMID_SELF), 0);
    assert_int_equal(fake_vcpu[1].arch.ldt_ents, 16);
    assert_int_equal(fake_ldt_loads, 1);
    assert_int_equal(unpin(l1), 0);
    assert_idle(l1, dst);
}

static void test_foreigndom(void **state)
{
    unsigned long l1 = fake_alloc(D1), other = fake_alloc(&fake_dom[2]);
    struct mmu_update u = { (l1 << PAGE_SHIFT), fake_pte(other, PRO) };
    unsigned int done = 5;

    assert_int_equal(pin(1, l1), 0);
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, (hc_arg_t)&done, 1), -ESRCH);   /* itself */
    assert_int_equal(done, 0);
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, 77), -ESRCH);
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, 2), -EPERM);
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_SELF | (3u << 16)), -EPERM);
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    assert_int_equal(do_mmuext_op((hc_arg_t)&op, 1, (hc_arg_t)&done, 2), -EPERM);
    assert_int_equal(do_mmuext_op((hc_arg_t)&op, 1, (hc_arg_t)&done, DOMID_IO), -EPERM);
    assert_int_equal(unpin(l1), 0);

    /* The privileged domain maps d2's frame through foreigndom = 2. */
    fake_set_current(0);
    unsigned long l1p = fake_alloc(&fake_dom[0]);
    assert_int_equal(pin(1, l1p), 0);
    u.ptr = l1p << PAGE_SHIFT;
    u.val = fake_pte(other, PRW);
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_SELF), -EBUSY);
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, 2), 0);
    assert_int_equal(fake_tcount(other), 1);
    assert_int_equal(unpin(l1p), 0);
    assert_idle(l1, l1p);
}

static void test_io_frames(void **state)
{
    unsigned long l1 = fake_alloc(D1);

    fake_map(l1)[0] = fake_pte(FAKE_IO_MFN, PRW);
    assert_int_equal(pin(1, l1), -EPERM);                 /* no I/O access */
    fake_map(l1)[0] = fake_pte(FAKE_FRAMES + 100, PRO);
    assert_int_equal(pin(1, l1), -EPERM);
    assert_idle(l1, l1);

    fake_set_current(0);
    unsigned long l1p = fake_alloc(&fake_dom[0]);
    fake_map(l1p)[0] = fake_pte(FAKE_IO_MFN, PRW);
    fake_map(l1p)[1] = fake_pte(FAKE_FRAMES + 100, PRW | _PAGE_PAT);  /* WC stays WC */
    assert_int_equal(pin(1, l1p), 0);
    assert_int_equal(fake_map(l1p)[0] & PTE_CACHE_ATTRS, _PAGE_PCD | _PAGE_PWT);  /* WB -> UC */
    assert_int_equal(fake_map(l1p)[1] & PTE_CACHE_ATTRS, _PAGE_PAT);
    assert_int_equal(frame_table[FAKE_IO_MFN].count_info, PGC_reserved);          /* no refs */
    assert_int_equal(mmu1(l1p, 0, 0, MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(frame_table[FAKE_IO_MFN].count_info, PGC_reserved);
    struct mmu_update u = { l1p << PAGE_SHIFT, fake_pte(l1p, PRO) };
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_IO), -EBUSY);        /* RAM via DOMID_IO */
    u.val = fake_pte(FAKE_IO_MFN, PRO);
    assert_int_equal(do_mmu_update((hc_arg_t)&u, 1, 0, DOMID_IO), 0);
    assert_int_equal(unpin(l1p), 0);
    assert_idle(l1p, l1p);
}

static void test_unowned_table_writes(void **state)
{
    unsigned long plain = fake_alloc(D1), other = fake_alloc(&fake_dom[2]);

    /* A frame with no page-table type is written as plain memory (Xen does the same). */
    assert_int_equal(mmu1(plain, 3, 0x1234, MMU_NORMAL_PT_UPDATE), 0);
    assert_int_equal(fake_map(plain)[3], 0x1234);
    assert_int_equal(fake_tcount(plain), 0);
    assert_int_equal(mmu1(other, 3, 0x1234, MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(fake_map(other)[3], 0);
    assert_int_equal(mmu1(FAKE_FRAMES + 1, 0, 0, MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_idle(plain, other);
}

static void test_initial_tables(void **state)
{
    /* A dom0-style layout: l1 maps the data page and every table frame, all RW. */
    unsigned long l4 = fake_alloc(&fake_dom[0]), l3 = fake_alloc(&fake_dom[0]);
    unsigned long l2 = fake_alloc(&fake_dom[0]), l1 = fake_alloc(&fake_dom[0]);
    unsigned long data = fake_alloc(&fake_dom[0]);

    fake_set_current(0);
    fake_map(l4)[0] = fake_pte(l3, PRW);
    fake_map(l3)[0] = fake_pte(l2, PRW);
    fake_map(l2)[0] = fake_pte(l1, PRW);
    fake_map(l1)[0] = fake_pte(data, PRW);
    fake_map(l1)[1] = fake_pte(l4, PRW);
    fake_map(l1)[2] = fake_pte(l3, PRW);
    fake_map(l1)[3] = fake_pte(l2, PRW);
    fake_map(l1)[4] = fake_pte(l1, PRW);
    assert_int_equal(pv_validate_initial_tables(&fake_dom[0], _mfn(l4)), 0);
    for (int i = 1; i <= 4; i++)
        assert_false(fake_map(l1)[i] & _PAGE_RW);
    assert_true(fake_map(l1)[0] & _PAGE_RW);
    assert_int_equal(frame_table[l4].type_info, PGT_l4_page_table | PGT_pinned | PGT_validated | 1);
    assert_int_equal(pv_set_guest_table(&fake_vcpu[0], l4, false, false), 0);
    assert_int_equal(fake_tcount(l4), 2);
    /* Linux then unpins and switches away: everything returns to zero. */
    assert_int_equal(unpin(l4), 0);
    pv_drop_guest_tables(&fake_vcpu[0]);
    assert_idle(l4, data);
    assert_int_equal(pv_validate_initial_tables(&fake_dom[0], _mfn(fake_alloc(D1))), -EINVAL);
}


/* ---- preemptible (de)validation (page_type.c T9) ---- */

/*
 * A tree as big as the fake machine allows: l4[0] -> l3, l4[1] a linear
 * self-map; l3 -> NL2 L2s; each L2 -> NL1 L1s (the last L2 links l1[0][0]
 * again); each L1 maps the data frames (RW and RO) and l3 read-only.
 */
#define NL2 3
#define NL1 4
#define NDATA 4
struct big { unsigned long l4, l3, l2[NL2], l1[NL2][NL1], data[NDATA]; };

static struct big build_big(struct domain *d)
{
    struct big b;

    b.l4 = fake_alloc(d);
    b.l3 = fake_alloc(d);
    for (int i = 0; i < NL2; i++)
        b.l2[i] = fake_alloc(d);
    for (int i = 0; i < NL2; i++)
        for (int j = 0; j < NL1; j++)
            b.l1[i][j] = fake_alloc(d);
    for (int k = 0; k < NDATA; k++)
        b.data[k] = fake_alloc(d);
    fake_map(b.l4)[0] = fake_pte(b.l3, PRW);
    fake_map(b.l4)[1] = fake_pte(b.l4, PRO);
    for (int i = 0; i < NL2; i++) {
        fake_map(b.l3)[i * 7] = fake_pte(b.l2[i], PRW);
        for (int j = 0; j < NL1; j++) {
            pte_t *l1 = fake_map(b.l1[i][j]);
            fake_map(b.l2[i])[j * 3] = fake_pte(b.l1[i][j], PRW);
            for (int k = 0; k < NDATA; k++)
                l1[k] = fake_pte(b.data[k], (k & 1) ? PRO : PRW);
            l1[9] = fake_pte(b.l3, PRO);
        }
    }
    fake_map(b.l2[NL2 - 1])[100] = fake_pte(b.l1[0][0], PRW);
    return b;
}

/* count_info and type_info of frames [first, last]: what "exact" means below. */
struct snap { unsigned long count[FAKE_FRAMES], type[FAKE_FRAMES]; };

static void take_snap(struct snap *s)
{
    for (unsigned long m = 0; m < FAKE_FRAMES; m++) {
        s->count[m] = frame_table[m].count_info;
        s->type[m] = frame_table[m].type_info;
    }
}

/* Exact counts and flags; the type field itself only where it is in use (T6 keeps it). */
static void assert_snap(const struct snap *s)
{
    for (unsigned long m = 0; m < FAKE_FRAMES; m++) {
        unsigned long t = frame_table[m].type_info, mask = ~0UL;

        if (!(s->type[m] & PGT_count_mask))
            mask = PGT_count_mask | PGT_pinned | PGT_partial;
        assert_int_equal(frame_table[m].count_info, s->count[m]);
        assert_int_equal(t & mask, s->type[m] & mask);
    }
}

/* No frame of the fake machine is parked, busy, or was freed. */
static void assert_nothing_parked(void)
{
    for (unsigned long m = 0; m < FAKE_FRAMES; m++) {
        unsigned long t = frame_table[m].type_info;
        assert_false(t & PGT_partial);
        assert_true(!(t & PGT_count_mask) || (t & PGT_validated) || fake_type(m) == PGT_writable_page);
        assert_int_equal(fake_free_calls[m], 0);
    }
    assert_null(fake_vcpu[1].arch.old_guest_table);
}

/* Issue one mmuext_op as a guest would: re-executed while it returns -ERESTART. */
static long mmuext_to_end(unsigned int cmd, unsigned long mfn, int *rounds)
{
    struct mmuext_op op = { .cmd = cmd };
    unsigned int done = 99;
    hc_arg_t a[4] = { (hc_arg_t)&op, 1, (hc_arg_t)&done, DOMID_SELF };
    long rc;

    op.arg1.mfn = mfn;
    for (*rounds = 1;; (*rounds)++) {
        memcpy(fake_hc_args, a, sizeof(a));
        rc = do_mmuext_op(a[0], a[1], a[2], a[3]);
        if (rc != -ERESTART)
            break;
        memcpy(a, fake_hc_args, sizeof(a));
        assert_true(*rounds < 100000);
    }
    assert_int_equal(done, rc ? 0 : 1);
    return rc;
}

static long mmu_to_end(unsigned long table, unsigned int slot, pte_t val, int *rounds)
{
    struct mmu_update u = { ((uint64_t)table << PAGE_SHIFT) + slot * 8, val };
    unsigned int done = 99;
    hc_arg_t a[4] = { (hc_arg_t)&u, 1, (hc_arg_t)&done, DOMID_SELF };
    long rc;

    for (*rounds = 1;; (*rounds)++) {
        memcpy(fake_hc_args, a, sizeof(a));
        rc = do_mmu_update(a[0], a[1], a[2], a[3]);
        if (rc != -ERESTART)
            break;
        memcpy(a, fake_hc_args, sizeof(a));
        assert_true(*rounds < 100000);
    }
    assert_int_equal(done, rc ? 0 : 1);
    return rc;
}

static void test_preempted_pin_exact_counts(void **state)
{
    struct snap before, whole;
    int rounds;

    /* The reference: the same tree pinned in one go. */
    struct big b = build_big(D1);
    take_snap(&before);
    assert_int_equal(pin(4, b.l4), 0);
    take_snap(&whole);
    assert_int_equal(fake_tcount(b.l1[0][0]), 2);
    assert_int_equal(fake_tcount(b.data[0]), NL2 * NL1);
    assert_int_equal(unpin(b.l4), 0);
    assert_snap(&before);

    /* Pending work at every check: one entry's worth of progress per round. */
    fake_reset();
    b = build_big(D1);
    fake_preempt = true;
    assert_int_equal(mmuext_to_end(MMUEXT_PIN_L4_TABLE, b.l4, &rounds), 0);
    assert_true(rounds > NL2 * NL1);
    assert_snap(&whole);
    assert_nothing_parked();

    /* The unpin's devalidation is preempted too: the same hypercall finishes it. */
    assert_int_equal(mmuext_to_end(MMUEXT_UNPIN_TABLE, b.l4, &rounds), 0);
    assert_true(rounds > NL2 * NL1);
    assert_snap(&before);
    assert_nothing_parked();
}

static void test_partial_table_resumes(void **state)
{
    struct big b = build_big(D1);
    struct snap before;
    struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE };
    unsigned int done = 99;
    int rounds;

    take_snap(&before);
    op.arg1.mfn = b.l4;
    fake_preempt = true;
    /* Round 1: l4[0] -> l3[0] -> l2[0]: the first L1 done, then preempted. */
    assert_int_equal(do_mmuext_op((hc_arg_t)&op, 1, (hc_arg_t)&done, DOMID_SELF), -ERESTART);
    assert_int_equal(done, 0);
    assert_int_equal(fake_hc_args[1], 1u | (1u << 31));  /* the pin itself is re-issued */
    assert_int_equal(frame_table[b.l4].type_info, PGT_l4_page_table | PGT_partial | 1);
    assert_int_equal(frame_table[b.l4].nr_validated_ptes, 0);
    assert_int_equal(frame_table[b.l4].partial_flags, PTF_partial_child);
    assert_int_equal(frame_table[b.l3].type_info, PGT_l3_page_table | PGT_partial | 1);
    assert_int_equal(frame_table[b.l3].partial_flags, PTF_partial_child);
    assert_int_equal(frame_table[b.l2[0]].type_info, PGT_l2_page_table | PGT_partial | 1);
    assert_int_equal(frame_table[b.l2[0]].nr_validated_ptes, 3);     /* entry 0 done, stopped at 3 */
    assert_int_equal(frame_table[b.l2[0]].partial_flags, 0);
    assert_int_equal(frame_table[b.l1[0][0]].type_info, PGT_l1_page_table | PGT_validated | 1);
    assert_int_equal(fake_tcount(b.l1[0][1]), 0);
    assert_int_equal(fake_count(b.l4), 2);                 /* allocation + the parked state's */
    assert_int_equal(fake_count(b.l2[0]), 2);

    /* Meanwhile other uses of a parked table fail like any typed frame's. */
    fake_preempt = false;
    assert_int_equal(pin(3, b.l4), -EINVAL);
    assert_int_equal(unpin(b.l4), -EINVAL);                /* not pinned */
    assert_int_equal(mmu1(b.l4, 2, 0, MMU_NORMAL_PT_UPDATE), -EINVAL);
    assert_int_equal(mmu1(b.l1[0][0], 20, fake_pte(b.l2[0], PRW), MMU_NORMAL_PT_UPDATE), -EBUSY);
    struct mmuext_op clr = { .cmd = MMUEXT_CLEAR_PAGE };
    clr.arg1.mfn = b.l3;
    assert_int_equal(do_mmuext_op((hc_arg_t)&clr, 1, 0, DOMID_SELF), -EINVAL);
    assert_int_equal(frame_table[b.l4].type_info, PGT_l4_page_table | PGT_partial | 1);

    /* A taker of the same type resumes it: pinning the parked l3 by itself. */
    fake_preempt = true;
    assert_int_equal(mmuext_to_end(MMUEXT_PIN_L3_TABLE, b.l3, &rounds), 0);
    assert_int_equal(frame_table[b.l3].type_info, PGT_l3_page_table | PGT_pinned | PGT_validated | 1);
    assert_int_equal(fake_tcount(b.l1[0][0]), 2);          /* not taken twice */
    /* The pin's continuation then finds l3 validated and takes a plain ref. */
    fake_preempt = false;
    assert_int_equal(mmuext_to_end(MMUEXT_PIN_L4_TABLE, b.l4, &rounds), 0);
    assert_int_equal(rounds, 1);
    assert_int_equal(fake_tcount(b.l3), 2);
    assert_int_equal(fake_count(b.l4), 2);                 /* allocation + pin: parked ref gone */
    assert_int_equal(mmuext_to_end(MMUEXT_UNPIN_TABLE, b.l3, &rounds), 0);
    assert_int_equal(mmuext_to_end(MMUEXT_UNPIN_TABLE, b.l4, &rounds), 0);
    assert_snap(&before);
    assert_nothing_parked();
}

/* Stop a preempted pin after k rounds and throw it away as domain destruction does. */
static void abandon_after(int k, bool descending)
{
    struct big b;
    struct snap before;
    struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE };
    hc_arg_t a[4];

    fake_reset();
    b = build_big(D1);
    take_snap(&before);
    op.arg1.mfn = b.l4;
    a[0] = (hc_arg_t)&op, a[1] = 1, a[2] = 0, a[3] = DOMID_SELF;
    fake_preempt = true;
    for (int r = 0; r < k; r++) {
        memcpy(fake_hc_args, a, sizeof(a));
        assert_int_equal(do_mmuext_op(a[0], a[1], a[2], a[3]), -ERESTART);
        memcpy(a, fake_hc_args, sizeof(a));
    }
    /* common/domain_destroy.c relinquish_page(): every frame of the domain. */
    fake_preempt = false;
    for (unsigned long i = 0; i < FAKE_FRAMES; i++) {
        unsigned long m = descending ? FAKE_FRAMES - 1 - i : i;
        if (page_get_owner(&frame_table[m]) == D1 && get_page(&frame_table[m], D1)) {
            pt_put_partial(&frame_table[m], false);
            put_page(&frame_table[m]);
        }
    }
    assert_snap(&before);
    assert_nothing_parked();
}

static void test_abandoned_pin_drops_everything(void **state)
{
    int total;
    struct big b = build_big(D1);

    fake_preempt = true;
    assert_int_equal(mmuext_to_end(MMUEXT_PIN_L4_TABLE, b.l4, &total), 0);
    for (int k = 1; k < total; k++) {
        abandon_after(k, false);
        abandon_after(k, true);
    }
}

static void test_abandoned_unpin_drops_everything(void **state)
{
    int total;

    for (int k = 1;; k++) {
        struct big b;
        struct snap before;
        struct mmuext_op op = { .cmd = MMUEXT_UNPIN_TABLE };
        hc_arg_t a[4];
        long rc = -ERESTART;

        fake_reset();
        b = build_big(D1);
        take_snap(&before);
        assert_int_equal(pin(4, b.l4), 0);
        op.arg1.mfn = b.l4;
        a[0] = (hc_arg_t)&op, a[1] = 1, a[2] = 0, a[3] = DOMID_SELF;
        fake_preempt = true;
        for (int r = 0; r < k && rc == -ERESTART; r++) {
            memcpy(fake_hc_args, a, sizeof(a));
            rc = do_mmuext_op(a[0], a[1], a[2], a[3]);
            memcpy(a, fake_hc_args, sizeof(a));
        }
        fake_preempt = false;
        /* Destruction: the vCPU's old_guest_table first, then every frame. */
        pv_drop_guest_tables(&fake_vcpu[1]);
        for (unsigned long m = 0; m < FAKE_FRAMES; m++)
            if (page_get_owner(&frame_table[m]) == D1 && get_page(&frame_table[m], D1)) {
                pt_put_partial(&frame_table[m], false);
                put_page(&frame_table[m]);
            }
        assert_snap(&before);
        assert_nothing_parked();
        if (rc != -ERESTART)
            break;
        total = k;
    }
    assert_true(total > NL2);
}

/* A bad entry in the last table reached: everything taken before it is unwound. */
static void bad_entry_unwinds(bool preempt, int where)
{
    struct big b;
    struct snap before;
    unsigned long other = 0;
    int rounds;

    fake_reset();
    b = build_big(D1);
    if (where == 1)
        fake_map(b.l1[NL2 - 1][NL1 - 1])[30] = fake_pte(b.data[0], PRW | _PAGE_PCD);
    else if (where == 2)
        fake_map(b.l3)[200] = fake_pte((other = fake_alloc(&fake_dom[2])), PRW);
    else
        fake_map(b.l2[NL2 - 1])[300] = fake_pte(b.l2[0], PRW);     /* an L2 as L1 */
    take_snap(&before);
    fake_preempt = preempt;
    assert_int_equal(mmuext_to_end(MMUEXT_PIN_L4_TABLE, b.l4, &rounds), -EINVAL);
    assert_true(!preempt || rounds > NL2);
    assert_snap(&before);
    assert_nothing_parked();
    /* Fixed, it pins and unpins cleanly. */
    fake_map(b.l1[NL2 - 1][NL1 - 1])[30] = 0;
    fake_map(b.l3)[200] = 0;
    fake_map(b.l2[NL2 - 1])[300] = 0;
    take_snap(&before);
    assert_int_equal(mmuext_to_end(MMUEXT_PIN_L4_TABLE, b.l4, &rounds), 0);
    assert_int_equal(mmuext_to_end(MMUEXT_UNPIN_TABLE, b.l4, &rounds), 0);
    assert_snap(&before);
    assert_nothing_parked();
    (void)other;
}

static void test_bad_entry_midway_unwinds(void **state)
{
    for (int where = 1; where <= 3; where++) {
        bad_entry_unwinds(false, where);
        bad_entry_unwinds(true, where);
    }
}

/* A preempted unwinding reaches the guest as a continuation that returns the error. */
static void test_failed_pin_result_continuation(void **state)
{
    struct big b = build_big(D1);
    struct mmuext_op ops[2] = { { .cmd = MMUEXT_PIN_L4_TABLE }, { .cmd = MMUEXT_TLB_FLUSH_LOCAL } };
    unsigned int done = 99;
    hc_arg_t a[4] = { (hc_arg_t)ops, 2, (hc_arg_t)&done, DOMID_SELF };
    long rc;
    int rounds = 0, result_rounds = 0;

    ops[0].arg1.mfn = b.l4;
    fake_map(b.l2[NL2 - 1])[511] = fake_pte(b.data[1], PRW | _PAGE_PSE);   /* a superpage */
    fake_preempt = true;
    do {
        memcpy(fake_hc_args, a, sizeof(a));
        rc = do_mmuext_op(a[0], a[1], a[2], a[3]);
        memcpy(a, fake_hc_args, sizeof(a));
        if (rc == -ERESTART && a[0] == 0) {
            /* (NULL, MMU_UPDATE_PREEMPTED, NULL, result) while old_guest_table drains */
            assert_int_equal(a[1], 1u << 31);
            assert_int_equal((int)a[3], -EINVAL);
            result_rounds++;
        }
        rounds++;
    } while (rc == -ERESTART);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(done, 0);
    assert_true(result_rounds > 0);
    assert_int_equal(fake_flush_local, 0);                 /* the second op never ran */
    fake_map(b.l2[NL2 - 1])[511] = 0;
    assert_nothing_parked();
    assert_idle(b.l4, b.data[NDATA - 1]);
}

static void test_mmu_update_l4_entry_preempted(void **state)
{
    struct big b = build_big(D1);
    unsigned long l4 = fake_alloc(D1);
    struct snap before, linked;
    int rounds;

    fake_map(b.l4)[1] = 0;
    assert_int_equal(pin(4, l4), 0);
    take_snap(&before);
    fake_preempt = true;
    /* Linking a whole unvalidated L3 tree into a pinned L4: validated in rounds. */
    assert_int_equal(mmu_to_end(l4, 3, fake_pte(b.l3, PRW), &rounds), 0);
    assert_true(rounds > NL2 * NL1);
    assert_int_equal(frame_table[b.l3].type_info, PGT_l3_page_table | PGT_validated | 1);
    assert_int_equal(fake_tcount(b.l1[0][0]), 2);
    take_snap(&linked);
    /* Unlinking it devalidates the tree in rounds (old_guest_table). */
    assert_int_equal(mmu_to_end(l4, 3, 0, &rounds), 0);
    assert_true(rounds > NL2 * NL1);
    assert_snap(&before);
    assert_nothing_parked();
    /* Relinking, then replacing the link by another: the same. */
    assert_int_equal(mmu_to_end(l4, 3, fake_pte(b.l3, PRW), &rounds), 0);
    assert_snap(&linked);
    assert_int_equal(mmu_to_end(l4, 3, fake_pte(b.l3, PRW | _PAGE_DIRTY), &rounds), 0);
    assert_int_equal(rounds, 1);                           /* fast path: no revalidation */
    assert_int_equal(mmu_to_end(l4, 3, 0, &rounds), 0);
    assert_int_equal(unpin(l4), 0);
    assert_idle(b.l4, l4);
    assert_nothing_parked();
}

static void test_new_baseptr_preempted(void **state)
{
    struct big b = build_big(D1);
    unsigned long other = fake_alloc(D1);
    struct vcpu *v = &fake_vcpu[1];
    struct snap before;
    int rounds;

    take_snap(&before);
    fake_preempt = true;
    assert_int_equal(mmuext_to_end(MMUEXT_NEW_BASEPTR, b.l4, &rounds), 0);
    assert_true(rounds > NL2 * NL1);
    assert_int_equal(v->arch.guest_table, b.l4);
    assert_int_equal(frame_table[b.l4].type_info, PGT_l4_page_table | PGT_validated | 1);
    /* Switching away drops the last ref: the old tree's devalidation is continued. */
    assert_int_equal(mmuext_to_end(MMUEXT_NEW_BASEPTR, other, &rounds), 0);
    assert_true(rounds > NL2 * NL1);
    assert_int_equal(v->arch.guest_table, other);
    for (unsigned long m = b.l4; m <= b.data[NDATA - 1]; m++) {
        assert_int_equal(frame_table[m].count_info, before.count[m]);
        assert_int_equal(fake_tcount(m), 0);
    }
    pv_drop_guest_tables(v);
    assert_nothing_parked();
}

static void test_old_guest_table_finished_first(void **state)
{
    struct big b = build_big(D1);
    struct snap before;
    struct vcpu *v = &fake_vcpu[1];
    struct mmuext_op op = { .cmd = MMUEXT_UNPIN_TABLE };

    take_snap(&before);
    assert_int_equal(pin(4, b.l4), 0);
    op.arg1.mfn = b.l4;
    fake_preempt = true;
    /* One round: the op is done, its devalidation waits in old_guest_table. */
    assert_int_equal(do_mmuext_op((hc_arg_t)&op, 1, 0, DOMID_SELF), -ERESTART);
    assert_ptr_equal(v->arch.old_guest_table, &frame_table[b.l4]);
    assert_int_equal(fake_hc_args[0], 0);
    assert_true(frame_table[b.l4].type_info & PGT_partial);
    /* Any other MMU hypercall of the vCPU (an event handler's) finishes it first. */
    fake_preempt = false;
    assert_int_equal(mmu1(b.data[0], 0, 0, MMU_NORMAL_PT_UPDATE), 0);
    assert_null(v->arch.old_guest_table);
    assert_snap(&before);
    assert_nothing_parked();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_valid_hierarchy, setup),
        cmocka_unit_test_setup(test_l1_maps_itself_writable, setup),
        cmocka_unit_test_setup(test_pin_frame_mapped_writable, setup),
        cmocka_unit_test_setup(test_foreign_frames, setup),
        cmocka_unit_test_setup(test_hypervisor_slots, setup),
        cmocka_unit_test_setup(test_reserved_bits, setup),
        cmocka_unit_test_setup(test_pin_unpin_counts, setup),
        cmocka_unit_test_setup(test_mmu_update_batch, setup),
        cmocka_unit_test_setup(test_machphys, setup),
        cmocka_unit_test_setup(test_new_baseptr, setup),
        cmocka_unit_test_setup(test_bad_guest_pointers, setup),
        cmocka_unit_test_setup(test_linear_self_map, setup),
        cmocka_unit_test_setup(test_frames_freed_once, setup),
        cmocka_unit_test_setup(test_update_va_mapping, setup),
        cmocka_unit_test_setup(test_rw_then_ro_then_pin, setup),
        cmocka_unit_test_setup(test_preserve_ad_and_fastpath, setup),
        cmocka_unit_test_setup(test_replace_l1_in_l2, setup),
        cmocka_unit_test_setup(test_copy_clear_and_misc_ops, setup),
        cmocka_unit_test_setup(test_foreigndom, setup),
        cmocka_unit_test_setup(test_io_frames, setup),
        cmocka_unit_test_setup(test_unowned_table_writes, setup),
        cmocka_unit_test_setup(test_initial_tables, setup),
        cmocka_unit_test_setup(test_preempted_pin_exact_counts, setup),
        cmocka_unit_test_setup(test_partial_table_resumes, setup),
        cmocka_unit_test_setup(test_abandoned_pin_drops_everything, setup),
        cmocka_unit_test_setup(test_abandoned_unpin_drops_everything, setup),
        cmocka_unit_test_setup(test_bad_entry_midway_unwinds, setup),
        cmocka_unit_test_setup(test_failed_pin_result_continuation, setup),
        cmocka_unit_test_setup(test_mmu_update_l4_entry_preempted, setup),
        cmocka_unit_test_setup(test_new_baseptr_preempted, setup),
        cmocka_unit_test_setup(test_old_guest_table_finished_first, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
