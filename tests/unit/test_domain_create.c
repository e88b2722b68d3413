/* SOURCES: common/domain.c */
/*
 * domain_create(): every failure path frees what it allocated (the
 * allocation and each init stage are made to fail in turn, and every
 * stage that ran must be undone), a domid in use (dying domains included)
 * is -EEXIST, bad vCPU counts are -EINVAL, and a created domain is found
 * by id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/errno.h>
#include <xenia/grant_table.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/pv_domain.h>
#include <asm/smp.h>
#include "host_stubs.h"

struct vcpu *host_test_current;
cpumask_t cpu_online_map;               /* vcpu_create()'s default affinity */

/* ---- fakes: allocations counted, any one of them can be made to fail ---- */

enum stage { ALLOC_DOMAIN, ALLOC_SHARED_INFO, EVTCHN_INIT, PV_INIT, GNTTAB_INIT, NR_STAGES };

static int fail_at = -1;                 /* the stage that fails, or -1 */
static int live;                         /* allocations and stage inits not yet undone */
static int shared_info_shared, evtchn_destroyed, gnttab_destroyed;

static bool stage_fails(enum stage s) { return fail_at == (int)s; }

void *xzalloc_bytes(size_t size)
{
    if (size == sizeof(struct domain) && stage_fails(ALLOC_DOMAIN))
        return NULL;
    live++;
    return calloc(1, size);
}
void xfree_bytes(void *va, size_t size) { if (va) { live--; free(va); } }

static char shinfo_page[4096] __attribute__((aligned(4096)));
void *alloc_xenheap_pages(unsigned int order)
{
    if (stage_fails(ALLOC_SHARED_INFO))
        return NULL;
    live++;
    memset(shinfo_page, 0, sizeof(shinfo_page));
    return shinfo_page;
}
void share_xen_page_with_guest(void *va, struct domain *d) { shared_info_shared++; }
void domain_free_shared_info(struct domain *d) { live--; shared_info_shared--; }

int evtchn_domain_init(struct domain *d)
{
    if (stage_fails(EVTCHN_INIT))
        return -ENOMEM;
    d->evtchn.pages[0] = malloc(1);      /* something to free */
    live++;
    return 0;
}
int evtchn_domain_destroy(struct domain *d)
{
    evtchn_destroyed++;
    if (d->evtchn.pages[0]) {
        free(d->evtchn.pages[0]);
        d->evtchn.pages[0] = NULL;
        live--;
    }
    return 0;
}
int pv_domain_init(struct domain *d) { return stage_fails(PV_INIT) ? -ENOMEM : 0; }
int grant_table_domain_init(struct domain *d)
{
    if (stage_fails(GNTTAB_INIT))
        return -ENOMEM;
    d->grant_table = malloc(1);
    live++;
    return 0;
}
void grant_table_domain_destroy(struct domain *d)
{
    gnttab_destroyed++;
    if (d->grant_table) {
        free(d->grant_table);
        d->grant_table = NULL;
        live--;
    }
}

/* Not reached by these tests. */
void domain_free(struct domain *d) { fail(); }
void hardware_domain_shutdown(unsigned int reason) { fail(); abort(); }
void send_guest_global_virq(struct domain *d, uint32_t virq) { }
void vcpu_pause_nosync(struct vcpu *v) { fail(); }
void vcpu_timers_init(struct vcpu *v) { }
void sched_init_domain(struct domain *d) { }
void sched_init_vcpu(struct vcpu *v) { }
int pv_vcpu_init(struct vcpu *v) { return 0; }

static int setup(void **state)
{
    fail_at = -1;
    live = shared_info_shared = evtchn_destroyed = gnttab_destroyed = 0;
    hardware_domain = NULL;
    return 0;
}

/* Undo a successful creation by hand: off the list, every stage torn down. */
static void discard(struct domain *d)
{
    list_del(&d->domain_list);
    grant_table_domain_destroy(d);
    evtchn_domain_destroy(d);
    domain_free_shared_info(d);
    xfree_bytes(d, sizeof(*d));
}

static void each_failure_frees_everything(void **state)
{
    for (int s = 0; s < NR_STAGES; s++) {
        struct domain *d = (struct domain *)0x1;
        setup(NULL);
        fail_at = s;
        assert_int_equal(domain_create(7, false, 1, &d), -ENOMEM);
        assert_ptr_equal(d, (struct domain *)0x1);               /* *out untouched */
        assert_int_equal(live, 0);                               /* nothing leaked */
        assert_int_equal(shared_info_shared, 0);
        assert_null(rcu_lock_domain_by_id(7));                   /* never listed */
    }
}

static void domid_in_use(void **state)
{
    struct domain *a, *b;

    assert_int_equal(domain_create(7, false, 2, &a), 0);
    assert_int_equal(a->domain_id, 7);
    int live_one = live;
    assert_int_equal(domain_create(7, false, 1, &b), -EEXIST);
    assert_int_equal(live, live_one);                            /* the second one undone */
    a->is_dying = DOMDYING_dying;                                /* dying still holds its id */
    assert_int_equal(domain_create(7, false, 1, &b), -EEXIST);
    assert_null(rcu_lock_domain_by_id(7));                       /* but is not found alive */
    a->is_dying = DOMDYING_alive;
    struct domain *found = rcu_lock_domain_by_id(7);
    assert_ptr_equal(found, a);
    rcu_unlock_domain(found);
    discard(a);
    assert_int_equal(live, 0);
}

static void bad_vcpu_counts(void **state)
{
    struct domain *d;

    assert_int_equal(domain_create(3, false, 0, &d), -EINVAL);
    assert_int_equal(domain_create(3, false, MAX_VIRT_CPUS_XENIA + 1, &d), -EINVAL);
    assert_int_equal(live, 0);
}

static void first_privileged_is_hardware_domain(void **state)
{
    struct domain *d0, *d1;

    assert_int_equal(domain_create(0, true, 1, &d0), 0);
    assert_ptr_equal(hardware_domain, d0);
    assert_int_equal(domain_create(1, true, 1, &d1), 0);
    assert_ptr_equal(hardware_domain, d0);
    hardware_domain = NULL;
    discard(d1);
    discard(d0);
    assert_int_equal(live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(each_failure_frees_everything, setup),
        cmocka_unit_test_setup(domid_in_use, setup),
        cmocka_unit_test_setup(bad_vcpu_counts, setup),
        cmocka_unit_test_setup(first_privileged_is_hardware_domain, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
