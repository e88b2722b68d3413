/* SOURCES: arch/x86/hvm/domain.c arch/x86/hvm/p2m.c arch/x86/hvm/params.c */
/*
 * HVM domain and vCPU lifecycle (arch/x86/hvm/domain.c): creation and
 * destruction give back everything. Every allocation is counted (xzalloc,
 * P2M tables, the back end's VMCB, the APIC); each one is made to fail in
 * turn and must leave nothing behind; a domain with vCPUs and a P2M
 * spread over many tables (holes, removals, high GFNs) is destroyed with
 * every table, root included, freed; hvm_vcpu_kill() stops the APIC timer
 * before anything is freed, and destroy after kill (or without it) is safe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/errno.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/vlapic.h>
#include "host_stubs.h"

struct vcpu *host_test_current;

/* ---- fakes: every allocation counted; the n-th one can be made to fail ---- */

static int live;                        /* allocations not yet freed */
static int allocs, fail_at = -1;        /* allocation count; the one that fails */
static int timers_killed, timers_live;

static bool next_alloc_fails(void) { return allocs++ == fail_at; }

void *xzalloc_bytes(size_t size)
{
    if (next_alloc_fails())
        return NULL;
    live++;
    return calloc(1, size);
}
void xfree_bytes(void *va, size_t size) { if (va) { live--; free(va); } }

/* P2M tables: host pages, mfn = index + 0x100. */
#define NR_FAKE 512
static uint64_t *frames[NR_FAKE];

static int fake_alloc_table(void *ctx, unsigned long *mfn)
{
    if (next_alloc_fails())
        return -ENOMEM;
    for (unsigned int i = 0; i < NR_FAKE; i++)
        if (!frames[i]) {
            frames[i] = aligned_alloc(4096, 4096);
            memset(frames[i], 0, 4096);
            *mfn = 0x100 + i;
            live++;
            return 0;
        }
    return -ENOMEM;
}
static void fake_free_table(void *ctx, unsigned long mfn)
{
    assert_true(mfn >= 0x100 && mfn < 0x100 + NR_FAKE && frames[mfn - 0x100]);
    free(frames[mfn - 0x100]);
    frames[mfn - 0x100] = NULL;
    live--;
}
static void *fake_map(void *ctx, unsigned long mfn)
{
    assert_true(mfn >= 0x100 && mfn < 0x100 + NR_FAKE && frames[mfn - 0x100]);
    return frames[mfn - 0x100];
}
const struct p2m_ops hvm_p2m_ops = { fake_alloc_table, fake_free_table, fake_map };

/* The local APIC: an allocation and a timer. */
struct vlapic { int timer_armed; };
int vlapic_init(struct vcpu *v)
{
    if (next_alloc_fails())
        return -ENOMEM;
    v->arch.hvm->vlapic = calloc(1, sizeof(struct vlapic));
    v->arch.hvm->vlapic->timer_armed = 1;
    live++;
    timers_live++;
    return 0;
}
void vlapic_kill(struct vcpu *v)
{
    if (v->arch.hvm->vlapic->timer_armed) {
        v->arch.hvm->vlapic->timer_armed = 0;
        timers_live--;
    }
    timers_killed++;
}
void vlapic_migrate_timer(struct vcpu *v, unsigned int cpu)
{
    (void)v; (void)cpu;
}
void vlapic_destroy(struct vcpu *v)
{
    /* Xen's order: the timer goes before the state it would touch. */
    if (v->arch.hvm->vlapic->timer_armed) {
        v->arch.hvm->vlapic->timer_armed = 0;
        timers_live--;
    }
    free(v->arch.hvm->vlapic);
    v->arch.hvm->vlapic = NULL;
    live--;
}

/* The back end: a VMCB per vCPU. */
static int fake_vcpu_initialise(struct vcpu *v)
{
    if (next_alloc_fails())
        return -ENOMEM;
    v->arch.hvm->vendor = malloc(4096);
    live++;
    return 0;
}
static void fake_vcpu_destroy(struct vcpu *v)
{
    assert_non_null(v->arch.hvm->vendor);
    free(v->arch.hvm->vendor);
    v->arch.hvm->vendor = NULL;
    live--;
}
static const struct hvm_function_table fake_funcs = {
    .name = "fake", .vcpu_initialise = fake_vcpu_initialise, .vcpu_destroy = fake_vcpu_destroy,
};
const struct hvm_function_table *hvm_funcs = &fake_funcs;

static int setup(void **state)
{
    live = allocs = timers_killed = timers_live = 0;
    fail_at = -1;
    hvm_funcs = &fake_funcs;
    return 0;
}

/* ---- a domain with n vCPUs and a scattered P2M ---- */

struct fixture {
    struct domain d;
    struct vcpu v[4];
};

static int build(struct fixture *f, unsigned int nr_vcpus)
{
    int rc;

    memset(f, 0, sizeof(*f));
    f->d.arch.is_pv = true;
    if ((rc = hvm_domain_initialise(&f->d)))
        return rc;
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        f->v[i].vcpu_id = (int)i;
        f->v[i].domain = &f->d;
        if ((rc = hvm_vcpu_initialise(&f->v[i]))) {
            for (unsigned int j = 0; j < i; j++)
                hvm_vcpu_destroy(&f->v[j]);
            hvm_domain_destroy(&f->d);
            return rc;
        }
    }
    return 0;
}

static void destroy(struct fixture *f, unsigned int nr_vcpus, bool kill_first)
{
    if (kill_first)
        for (unsigned int i = 0; i < nr_vcpus; i++)
            hvm_vcpu_kill(&f->v[i]);
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        hvm_vcpu_destroy(&f->v[i]);
        assert_null(f->v[i].arch.hvm);
    }
    hvm_domain_destroy(&f->d);
    assert_null(f->d.arch.hvm);
}

/* Fill the P2M the way a guest's life does: low RAM, a hole, high GFNs, removals. */
static void scatter(struct hvm_domain *h)
{
    for (unsigned long g = 0; g < 0xa0; g++)
        assert_int_equal(p2m_set_entry(&h->p2m, g, 0x80000 + g, p2m_ram_rw), 0);
    for (unsigned long g = 0x100; g < 0x100 + 2048; g += 3)
        assert_int_equal(p2m_set_entry(&h->p2m, g, 0x90000 + g, p2m_ram_rw), 0);
    assert_int_equal(p2m_set_entry(&h->p2m, 0xfeffe, 0x1234, p2m_xenheap_rw), 0);
    assert_int_equal(p2m_set_entry(&h->p2m, P2M_MAX_GFN, 0x1235, p2m_ram_rw), 0);
    assert_int_equal(p2m_set_entry(&h->p2m, 1UL << 27, 0x1236, p2m_mmio_direct), 0);
    /* Removals leave empty tables behind: teardown must still free them. */
    for (unsigned long g = 0x100; g < 0x100 + 2048; g += 3)
        assert_int_equal(p2m_set_entry(&h->p2m, g, 0, p2m_invalid), 0);
    assert_int_equal(p2m_set_entry(&h->p2m, 1UL << 27, 0, p2m_invalid), 0);
    assert_true(h->p2m.nr_tables > 8);
}

static void destroy_frees_everything(void **state)
{
    struct fixture *f = malloc(sizeof(*f));

    for (int kill = 0; kill < 2; kill++) {
        setup(NULL);
        assert_int_equal(build(f, 4), 0);
        assert_false(f->d.arch.is_pv);
        assert_int_equal(f->d.arch.hvm->shared_info_gfn, HVM_GFN_NONE);
        assert_int_equal(timers_live, 4);
        scatter(f->d.arch.hvm);
        assert_true(live > 4 * 3 + 2 + 8);
        destroy(f, 4, kill);
        assert_int_equal(live, 0);              /* every table, APIC, VMCB, struct */
        assert_int_equal(timers_live, 0);       /* no APIC timer left armed */
        assert_int_equal(timers_killed, kill ? 4 : 0);
    }
    free(f);
}

static void each_failure_frees_everything(void **state)
{
    struct fixture *f = malloc(sizeof(*f));

    setup(NULL);
    assert_int_equal(build(f, 3), 0);
    int total = allocs;                         /* allocations a 3-vCPU build makes */
    destroy(f, 3, true);
    assert_int_equal(live, 0);
    for (int n = 0; n < total; n++) {
        setup(NULL);
        fail_at = n;
        assert_int_equal(build(f, 3), -ENOMEM);
        assert_int_equal(live, 0);
        assert_int_equal(timers_live, 0);
        assert_null(f->d.arch.hvm);
        if (n < 2)                              /* struct hvm_domain, the P2M root */
            assert_true(f->d.arch.is_pv);       /* a failed initialise changes nothing */
    }
    free(f);
}

static void a_table_that_fails_mid_life(void **state)
{
    struct fixture *f = malloc(sizeof(*f));

    setup(NULL);
    assert_int_equal(build(f, 1), 0);
    struct hvm_domain *h = f->d.arch.hvm;
    assert_int_equal(p2m_set_entry(&h->p2m, 5, 0x10, p2m_ram_rw), 0);
    fail_at = allocs + 1;                       /* the L2 is allocated, the L1 not */
    assert_int_equal(p2m_set_entry(&h->p2m, 1UL << 18, 0x11, p2m_ram_rw), -ENOMEM);
    destroy(f, 1, true);
    assert_int_equal(live, 0);                  /* the half-built path freed too */
    free(f);
}

static void no_hvm_support(void **state)
{
    struct domain d;

    setup(NULL);
    memset(&d, 0, sizeof(d));
    hvm_funcs = NULL;
    assert_int_equal(hvm_domain_initialise(&d), -EOPNOTSUPP);
    assert_null(d.arch.hvm);
    hvm_domain_destroy(&d);                     /* a PV domain: nothing to do */
    struct vcpu v = { .domain = &d };
    hvm_vcpu_kill(&v);
    hvm_vcpu_destroy(&v);
    assert_int_equal(live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(destroy_frees_everything, setup),
        cmocka_unit_test_setup(each_failure_frees_everything, setup),
        cmocka_unit_test_setup(a_table_that_fails_mid_life, setup),
        cmocka_unit_test_setup(no_hvm_support, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
