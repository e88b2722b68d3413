/* SOURCES: common/grant_table.c common/grant_table_v2.c common/cmdline.c common/lib.c arch/x86/pv/grant_map.c arch/x86/mm/page_type.c arch/x86/mm/pt_validate.c arch/x86/mm/page_ref.c arch/x86/pv/guest_walk.c tests/unit/pv_mm_fake.c */
/*
 * Grant tables v1 and v2 on the PV MMU's fake machine: every GNTTABOP_*
 * through do_grant_table_op() with Xen 4.17's status codes, and every
 * map/unmap/copy sequence bringing the frames' reference counts back to
 * where they started; the version switch's state machine (reserved
 * entries carried over, -EBUSY while pinned or while a status frame is
 * mapped, -ERANGE, -ENOSYS beyond max_version), status frames allocated
 * and freed, v2 full-page / sub-page / transitive entries in map, copy
 * and swap. dom2 grants, dom1 maps (current), dom0 is privileged.
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
#include <xenia/hypercall.h>
#include <xenia/grant_table.h>
#include "../../common/grant_table_internal.h"
#include <asm/pv_mm.h>
#include <asm/pv_pt.h>
#include <asm/hvm/hvm.h>
#include "host_stubs.h"
#include "pv_mm_fake.h"

#define D0 (&fake_dom[0])
#define D1 (&fake_dom[1])
#define D2 (&fake_dom[2])
#define PRW (_PAGE_PRESENT | _PAGE_RW)
#define VA(slot) ((unsigned long)(slot) << PAGE_SHIFT)

/* ---- stand-ins: xen heap in fake memory, allocations, domain_crash ---- */
unsigned long host_virt_to_mfn(const void *va);
static long live_allocs;
int crashes;

void *alloc_xenheap_pages(unsigned int order)
{
    unsigned long mfn = fake_alloc(NULL);
    frame_table[mfn].count_info = PGC_xen_heap;
    return fake_map(mfn);
}
void free_xenheap_pages(void *va, unsigned int order)
{
    unsigned long mfn = host_virt_to_mfn(va);
    frame_table[mfn].count_info = PGC_free;
}
void share_xen_page_with_guest(void *va, struct domain *d)
{
    struct page_info *pg = &frame_table[host_virt_to_mfn(va)];
    page_set_owner(pg, d);
    pg->count_info = PGC_xen_heap | PGC_allocated | 1;
    pg->type_info = PGT_writable_page | PGT_validated | 1;
}
void *xzalloc_bytes(size_t size) { live_allocs++; return calloc(1, size); }
void xfree_bytes(void *va, size_t size) { live_allocs--; free(va); }
void domain_crash(struct domain *d, const char *why) { crashes++; }
/* Every domain here is PV: frames are named by MFN, never through a P2M. */
int hvm_gfn_to_ram_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn)
{
    fail_msg("no HVM domain exists");
    return -EINVAL;
}
int gnttab_hvm_create_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, struct domain *rd)
{
    fail_msg("no HVM domain exists");
    return GNTST_general_error;
}
int gnttab_hvm_destroy_mapping(uint64_t addr, unsigned long mfn, unsigned int flags, uint64_t new_addr)
{
    fail_msg("no HVM domain exists");
    return GNTST_general_error;
}
void gnttab_hvm_release_mapping(unsigned long mfn, unsigned int flags) { fail_msg("no HVM domain exists"); }
void flush_tlb_domain(struct domain *d) { fail_msg("only HVM unmaps flush by domain"); }
/* Where XENMEM_add_to_physmap put an HVM domain's grant frames (arch/x86/hvm/physmap.c). */
unsigned long hvm_gnttab_frame_gfn(struct domain *d, unsigned int idx)
{
    return idx == 0 ? 0x1234 : HVM_GFN_NONE;
}

/* ---- helpers ---- */
struct tree { unsigned long l4, l3, l2, l1; };
static struct tree t1;

static grant_entry_v1_t *gent(struct domain *d, grant_ref_t ref)
{
    return &d->grant_table->shared[0][ref];
}

static void grant(grant_ref_t ref, domid_t to, unsigned long frame, uint16_t extra)
{
    grant_entry_v1_t *e = gent(D2, ref);
    e->domid = to;
    e->frame = (uint32_t)frame;
    e->flags = GTF_permit_access | extra;
}

static grant_entry_v2_t *gent2(struct domain *d, grant_ref_t ref)
{
    return &d->grant_table->shared_v2[ref / 256][ref % 256];
}

static uint16_t *gstat(struct domain *d, grant_ref_t ref)
{
    return &d->grant_table->status[ref / 2048][ref % 2048];
}

/* GNTTABOP_set_version as domain dom (current again dom1 after). Returns the hypercall's result. */
static long set_version(int dom, uint32_t v, uint32_t *now)
{
    struct gnttab_set_version sv = { .version = v };
    fake_set_current(dom);
    long rc = do_grant_table_op(GNTTABOP_set_version, (hc_arg_t)&sv, 1);
    fake_set_current(1);
    if (now)
        *now = sv.version;
    return rc;
}

static void grant2(struct domain *d, grant_ref_t ref, domid_t to, uint64_t frame, uint16_t flags)
{
    grant_entry_v2_t *e = gent2(d, ref);
    memset(e, 0, sizeof(*e));
    e->hdr.domid = to;
    e->full_page.frame = frame;
    e->hdr.flags = flags;
}

static void grant2_sub(struct domain *d, grant_ref_t ref, domid_t to, unsigned long frame,
                       uint16_t off, uint16_t len, uint16_t extra)
{
    grant_entry_v2_t *e = gent2(d, ref);
    memset(e, 0, sizeof(*e));
    e->hdr.domid = to;
    e->sub_page.frame = frame;
    e->sub_page.page_off = off;
    e->sub_page.length = len;
    e->hdr.flags = GTF_permit_access | GTF_sub_page | extra;
}

static void grant2_trans(struct domain *d, grant_ref_t ref, domid_t to, domid_t tdom, grant_ref_t tref)
{
    grant_entry_v2_t *e = gent2(d, ref);
    memset(e, 0, sizeof(*e));
    e->hdr.domid = to;
    e->transitive.trans_domid = tdom;
    e->transitive.gref = tref;
    e->hdr.flags = GTF_transitive;
}

static int setup(void **state)
{
    fake_reset();
    host_printk_clear();
    crashes = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(grant_table_domain_init(&fake_dom[i]), 0);
    /* dom1's page tables: l4[0] -> l3[0] -> l2[0] -> l1, validated and current. */
    t1 = (struct tree){ fake_alloc(D1), fake_alloc(D1), fake_alloc(D1), fake_alloc(D1) };
    fake_map(t1.l4)[0] = fake_pte(t1.l3, PRW);
    fake_map(t1.l3)[0] = fake_pte(t1.l2, PRW);
    fake_map(t1.l2)[0] = fake_pte(t1.l1, PRW);
    assert_int_equal(get_page_and_type(&frame_table[t1.l4], D1, PGT_l4_page_table), 0);
    fake_vcpu[1].arch.guest_table = t1.l4;
    fake_set_current(1);
    return 0;
}

static int teardown(void **state)
{
    for (int i = 0; i < 3; i++)
        grant_table_domain_destroy(&fake_dom[i]);
    assert_int_equal(live_allocs, 0);
    return 0;
}

static long gnttab(unsigned int cmd, void *op, unsigned int count)
{
    return do_grant_table_op(cmd, (hc_arg_t)op, count);
}

static struct gnttab_map_grant_ref map_op(domid_t dom, grant_ref_t ref, uint32_t flags, uint64_t addr)
{
    struct gnttab_map_grant_ref op = { .host_addr = addr, .flags = flags, .ref = ref, .dom = dom };
    assert_int_equal(gnttab(GNTTABOP_map_grant_ref, &op, 1), 0);
    return op;
}

static int16_t unmap(grant_handle_t h, uint64_t addr, uint64_t dev)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = addr, .dev_bus_addr = dev, .handle = h };
    assert_int_equal(gnttab(GNTTABOP_unmap_grant_ref, &op, 1), 0);
    return op.status;
}

/* ---- tests ---- */

static void test_setup_query(void **state)
{
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    assert_int_equal(gnttab(GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.status, GNTST_okay);
    assert_int_equal(qs.nr_frames, 1);
    assert_int_equal(qs.max_nr_frames, 64);

    xen_pfn_t frames[4] = { 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 2 };
    set_xen_guest_handle(st.frame_list, frames);
    assert_int_equal(gnttab(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    assert_int_equal(frames[0], host_virt_to_mfn(D1->grant_table->shared[0]));
    assert_int_equal(frames[1], host_virt_to_mfn(D1->grant_table->shared[1]));
    assert_ptr_equal(page_get_owner(&frame_table[frames[1]]), D1);
    assert_int_equal(gnttab(GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.nr_frames, 2);

    st.nr_frames = 65;
    assert_int_equal(gnttab(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    st.nr_frames = 1;
    st.dom = 9;
    assert_int_equal(gnttab(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_bad_domain);
    st.dom = 2;                                 /* not ours, not privileged */
    assert_int_equal(gnttab(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_permission_denied);
    qs.dom = 2;
    assert_int_equal(gnttab(GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.status, GNTST_permission_denied);
    fake_set_current(0);                        /* dom0 may look at dom2 */
    assert_int_equal(gnttab(GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.status, GNTST_okay);
    fake_set_current(1);

    assert_int_equal(gnttab(GNTTABOP_query_size, &qs, 0), -EINVAL);
    assert_int_equal(gnttab(GNTTABOP_query_size, &qs, 2), -EINVAL);
    assert_int_equal(gnttab(GNTTABOP_query_size, FAKE_BAD_PTR, 1), -EFAULT);
    assert_int_equal(gnttab(GNTTABOP_setup_table, FAKE_BAD_PTR, 1), -EFAULT);
    assert_int_equal(gnttab(99, &qs, 1), -ENOSYS);
    assert_int_equal(gnttab(GNTTABOP_transfer, &qs, 0), -ENOSYS);
    assert_int_equal(gnttab(GNTTABOP_dump_table, &qs, 1), -ENOSYS);
    assert_int_equal(gnttab(GNTTABOP_query_size | (1u << 12), &qs, 1), -EINVAL);
    assert_int_equal(gnttab(GNTTABOP_map_grant_ref, &qs, (unsigned int)-1), -EINVAL);

    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    assert_int_equal(gnttab(GNTTABOP_get_version, &gv, 1), 0);
    assert_int_equal(gv.version, 1);
    gv.dom = 9;
    assert_int_equal(gnttab(GNTTABOP_get_version, &gv, 1), -ESRCH);
    gv.dom = 2;
    assert_int_equal(gnttab(GNTTABOP_get_version, &gv, 1), -EPERM);
    struct gnttab_set_version sv = { .version = 1 };
    assert_int_equal(gnttab(GNTTABOP_set_version, &sv, 1), 0);
    sv.version = 3;
    assert_int_equal(gnttab(GNTTABOP_set_version, &sv, 1), -EINVAL);
    assert_int_equal(sv.version, 1);
    sv.version = 0;
    assert_int_equal(gnttab(GNTTABOP_set_version, &sv, 1), -EINVAL);
    assert_int_equal(gnttab(GNTTABOP_set_version, FAKE_BAD_PTR, 1), -EFAULT);

    uint64_t sf[1];
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF };
    set_xen_guest_handle(gs.frame_list, sf);
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_general_error);
}

/* A translated domain's frames by GFN, as Xen's gnttab_shared_gmfn(): libxenguest maps them so. */
static void test_setup_table_hvm_gfns(void **state)
{
    static struct hvm_domain h;
    xen_pfn_t frames[2] = { 0 };
    struct gnttab_setup_table st = { .dom = 2, .nr_frames = 2 };

    set_xen_guest_handle(st.frame_list, frames);
    D2->arch.hvm = &h;
    fake_set_current(0);                        /* the toolstack's dom0 */
    assert_int_equal(gnttab(GNTTABOP_setup_table, &st, 1), 0);
    fake_set_current(1);
    D2->arch.hvm = NULL;
    assert_int_equal(st.status, GNTST_okay);
    assert_int_equal(frames[0], 0x1234);        /* its GFN, not host_virt_to_mfn() */
    assert_int_equal(frames[1], HVM_GFN_NONE);  /* in no GFN: INVALID_GFN */
}

static void test_map_unmap_host_rw(void **state)
{
    unsigned long f = fake_alloc(D2);
    unsigned long c0 = fake_count(f), t0 = fake_tcount(f), l1c = fake_count(t1.l1);
    grant(3, 1, f, 0);

    struct gnttab_map_grant_ref op = map_op(2, 3, GNTMAP_host_map, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(op.dev_bus_addr, (uint64_t)f << PAGE_SHIFT);
    pte_t e = fake_map(t1.l1)[5];
    assert_int_equal(pte_mfn(e), f);
    assert_true(e & _PAGE_RW);
    assert_true(e & _PAGE_PRESENT);
    assert_int_equal(gent(D2, 3)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(fake_count(f), c0 + 1);
    assert_int_equal(fake_tcount(f), t0 + 1);
    assert_int_equal(fake_type(f), PGT_writable_page);

    /* The wrong address, then the right one. */
    assert_int_equal(unmap(op.handle, VA(6), 0), GNTST_general_error);
    assert_int_equal(fake_count(f), c0 + 1);
    assert_int_equal(unmap(op.handle, VA(5), 0), GNTST_okay);
    assert_int_equal(fake_map(t1.l1)[5], 0);
    assert_int_equal(gent(D2, 3)->flags, GTF_permit_access);
    assert_int_equal(fake_count(f), c0);
    assert_int_equal(fake_tcount(f), t0);
    assert_int_equal(fake_count(t1.l1), l1c);
    assert_true(fake_flush_domain > 0);
    /* The handle is gone. */
    assert_int_equal(unmap(op.handle, VA(5), 0), GNTST_bad_handle);
}

/*
 * Batched PV unmaps: one TLB flush for the batch, and the granter's
 * GTF_reading/GTF_writing stay set until that flush is done (Xen clears
 * them in unmap_common_complete): until then another vCPU of the grantee
 * may still reach the frames through stale translations.
 */
static uint16_t flags_at_flush[2];
static void record_flags_at_flush(struct domain *d)
{
    flags_at_flush[0] = gent(D2, 3)->flags;
    flags_at_flush[1] = gent(D2, 6)->flags;
}

static void test_unmap_status_after_flush(void **state)
{
    unsigned long f = fake_alloc(D2), g = fake_alloc(D2);
    grant(3, 1, f, 0);
    grant(6, 1, g, GTF_readonly);
    struct gnttab_map_grant_ref a = map_op(2, 3, GNTMAP_host_map, VA(5));
    struct gnttab_map_grant_ref b = map_op(2, 6, GNTMAP_host_map | GNTMAP_readonly, VA(6));
    assert_int_equal(a.status, GNTST_okay);
    assert_int_equal(b.status, GNTST_okay);

    struct gnttab_unmap_grant_ref u[3] = {
        { .host_addr = VA(5), .handle = a.handle },
        { .host_addr = VA(6), .handle = b.handle },
        { .host_addr = VA(6), .handle = 4321 },         /* bad: the others still complete */
    };
    fake_flush_domain = 0;
    fake_flush_domain_hook = record_flags_at_flush;
    assert_int_equal(gnttab(GNTTABOP_unmap_grant_ref, u, 3), 0);
    fake_flush_domain_hook = NULL;
    assert_int_equal(u[0].status, GNTST_okay);
    assert_int_equal(u[1].status, GNTST_okay);
    assert_int_equal(u[2].status, GNTST_bad_handle);
    assert_int_equal(fake_flush_domain, 1);
    assert_int_equal(flags_at_flush[0], GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(flags_at_flush[1], GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(gent(D2, 3)->flags, GTF_permit_access);
    assert_int_equal(gent(D2, 6)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(fake_map(t1.l1)[5], 0);
    assert_int_equal(fake_map(t1.l1)[6], 0);
}

static void test_readonly_and_device(void **state)
{
    unsigned long f = fake_alloc(D2);
    unsigned long c0 = fake_count(f), t0 = fake_tcount(f);
    grant(4, 1, f, GTF_readonly);

    /* Writable map of a read-only grant: general error, nothing left set. */
    struct gnttab_map_grant_ref op = map_op(2, 4, GNTMAP_host_map, VA(7));
    assert_int_equal(op.status, GNTST_general_error);
    assert_int_equal(gent(D2, 4)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(fake_map(t1.l1)[7], 0);

    op = map_op(2, 4, GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly, VA(7));
    assert_int_equal(op.status, GNTST_okay);
    assert_false(fake_map(t1.l1)[7] & _PAGE_RW);
    assert_int_equal(gent(D2, 4)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(fake_count(f), c0 + 2);
    assert_int_equal(fake_tcount(f), t0);

    /* Device half with the wrong bus address, then right; then the host half. */
    assert_int_equal(unmap(op.handle, 0, op.dev_bus_addr + PAGE_SIZE), GNTST_bad_dev_addr);
    assert_int_equal(unmap(op.handle, 0, op.dev_bus_addr), GNTST_okay);
    assert_int_equal(fake_count(f), c0 + 1);
    assert_int_equal(gent(D2, 4)->flags & GTF_reading, GTF_reading);
    assert_int_equal(unmap(op.handle, VA(7), 0), GNTST_okay);
    assert_int_equal(fake_count(f), c0);
    assert_int_equal(gent(D2, 4)->flags, GTF_permit_access | GTF_readonly);

    /* Writable device map: type ref held by the mapping. */
    unsigned long g = fake_alloc(D2);
    grant(5, 1, g, 0);
    op = map_op(2, 5, GNTMAP_device_map, 0);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(fake_tcount(g), 1);
    assert_int_equal(gent(D2, 5)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(unmap(op.handle, 0, op.dev_bus_addr), GNTST_okay);
    assert_int_equal(fake_tcount(g), 0);
    assert_int_equal(fake_count(g), 1);
    assert_int_equal(gent(D2, 5)->flags, GTF_permit_access);
}

static void test_contains_pte(void **state)
{
    unsigned long f = fake_alloc(D2);
    grant(6, 1, f, 0);
    uint64_t maddr = ((uint64_t)t1.l1 << PAGE_SHIFT) + 9 * sizeof(pte_t);

    struct gnttab_map_grant_ref op = map_op(2, 6, GNTMAP_host_map | GNTMAP_contains_pte, maddr + 1);
    assert_int_equal(op.status, GNTST_general_error);           /* misaligned */
    op = map_op(2, 6, GNTMAP_host_map | GNTMAP_contains_pte, ((uint64_t)t1.l2 << PAGE_SHIFT));
    assert_int_equal(op.status, GNTST_general_error);           /* not an L1 */
    op = map_op(2, 6, GNTMAP_host_map | GNTMAP_contains_pte, maddr);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(pte_mfn(fake_map(t1.l1)[9]), f);
    assert_int_equal(fake_count(f), 2);
    assert_int_equal(unmap(op.handle, maddr, 0), GNTST_okay);
    assert_int_equal(fake_map(t1.l1)[9], 0);
    assert_int_equal(fake_count(f), 1);
    assert_int_equal(fake_tcount(f), 0);
}

static void test_refusals(void **state)
{
    unsigned long f = fake_alloc(D2), mine = fake_alloc(D1);
    unsigned long c0 = fake_count(f);
    grant(7, 0, f, 0);                          /* granted to dom0, not us */
    grant(8, 1, mine, 0);                       /* a frame dom2 does not own */
    grant(9, 1, f, 0);

    assert_int_equal(map_op(2, 9, 0, VA(5)).status, GNTST_bad_gntref);        /* no map flag */
    assert_int_equal(map_op(2, 512, GNTMAP_host_map, VA(5)).status, GNTST_bad_gntref);
    assert_int_equal(map_op(2, 7, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    assert_int_equal(map_op(2, 8, GNTMAP_host_map, VA(5)).status, GNTST_bad_page);
    assert_int_equal(map_op(9, 9, GNTMAP_host_map, VA(5)).status, GNTST_bad_domain);
    /* No L1 behind this address (l4 slot 1), and a hypervisor address. */
    assert_int_equal(map_op(2, 9, GNTMAP_host_map, 1UL << 39).status, GNTST_general_error);
    assert_int_equal(map_op(2, 9, GNTMAP_host_map, 0xffff800000000000UL).status, GNTST_general_error);
    assert_int_equal(gent(D2, 9)->flags, GTF_permit_access);
    assert_int_equal(gent(D2, 8)->flags, GTF_permit_access);
    assert_int_equal(fake_count(f), c0);
    assert_int_equal(D1->grant_table->maptrack_used, 0);

    assert_int_equal(unmap(99999, VA(5), 0), GNTST_bad_handle);
    assert_int_equal(unmap(0, VA(5), 0), GNTST_bad_handle);
    struct gnttab_unmap_grant_ref u = { 0 };
    assert_int_equal(gnttab(GNTTABOP_unmap_grant_ref, FAKE_BAD_PTR, 1), -EFAULT);
    assert_int_equal(gnttab(GNTTABOP_unmap_grant_ref, &u, 0), 0);

    /* A second domain may not pin an entry someone else holds. */
    struct gnttab_map_grant_ref op = map_op(2, 9, GNTMAP_device_map | GNTMAP_readonly, 0);
    assert_int_equal(op.status, GNTST_okay);
    fake_set_current(0);
    grant(9, 0, f, 0);
    assert_int_equal(map_op(2, 9, GNTMAP_device_map | GNTMAP_readonly, 0).status, GNTST_general_error);
    fake_set_current(1);
    assert_int_equal(unmap(op.handle, 0, op.dev_bus_addr), GNTST_okay);
    assert_int_equal(fake_count(f), c0);
}

static void test_copy(void **state)
{
    unsigned long src = fake_alloc(D2), dst = fake_alloc(D1);
    memset(fake_map(src), 0xab, PAGE_SIZE);
    grant(10, 1, src, GTF_readonly);

    struct gnttab_copy c = { .flags = GNTCOPY_source_gref, .len = 100 };
    c.source.u.ref = 10; c.source.domid = 2; c.source.offset = 16;
    c.dest.u.gmfn = dst; c.dest.domid = DOMID_SELF; c.dest.offset = 8;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    assert_int_equal(((uint8_t *)fake_map(dst))[8], 0xab);
    assert_int_equal(((uint8_t *)fake_map(dst))[107], 0xab);
    assert_int_equal(((uint8_t *)fake_map(dst))[108], 0);
    assert_int_equal(gent(D2, 10)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(fake_count(src), 1);
    assert_int_equal(fake_count(dst), 1);
    assert_int_equal(fake_tcount(dst), 0);

    c.source.offset = 4000;                     /* 4000 + 100 > 4096 */
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_copy_arg);
    c.source.offset = 0; c.dest.offset = 4090;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_copy_arg);
    c.dest.offset = 0;
    c.source.u.ref = 600;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_gntref);
    c.source.u.ref = 10;
    c.dest.domid = 2;                            /* frame of another domain: only DOMID_SELF */
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_permission_denied);
    c.dest.domid = DOMID_SELF;
    c.source.domid = 9;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_domain);
    /* Writing into a read-only grant. */
    struct gnttab_copy w = { .flags = GNTCOPY_dest_gref, .len = 8 };
    w.source.u.gmfn = dst; w.source.domid = DOMID_SELF;
    w.dest.u.ref = 10; w.dest.domid = 2;
    assert_int_equal(gnttab(GNTTABOP_copy, &w, 1), 0);
    assert_int_equal(w.status, GNTST_general_error);
    /* Not our frame by gmfn. */
    w.flags = 0; w.dest.u.gmfn = src; w.dest.domid = DOMID_SELF;
    assert_int_equal(gnttab(GNTTABOP_copy, &w, 1), 0);
    assert_int_equal(w.status, GNTST_bad_page);
    assert_int_equal(gent(D2, 10)->flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(fake_count(src), 1);
    assert_int_equal(fake_count(dst), 1);
    assert_int_equal(fake_tcount(dst), 0);
    assert_int_equal(fake_tcount(src), 0);
    assert_int_equal(gnttab(GNTTABOP_copy, FAKE_BAD_PTR, 1), -EFAULT);
}

static void test_handle_exhaustion(void **state)
{
    unsigned long f[4];
    struct gnttab_map_grant_ref op;
    grant_handle_t h[GNTTAB_MAPTRACK_PER_FRAME];

    D1->grant_table->max_maptrack_frames = 1;
    for (int i = 0; i < 4; i++) {
        f[i] = fake_alloc(D2);
        grant(20 + i, 1, f[i], 0);
    }
    for (unsigned int i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++) {
        op = map_op(2, 20 + i % 4, GNTMAP_device_map | GNTMAP_readonly, 0);
        assert_int_equal(op.status, GNTST_okay);
        h[i] = op.handle;
    }
    assert_int_equal(fake_count(f[0]), 1 + GNTTAB_MAPTRACK_PER_FRAME / 4);
    assert_int_equal(map_op(2, 20, GNTMAP_device_map | GNTMAP_readonly, 0).status, GNTST_no_space);
    for (unsigned int i = 0; i < GNTTAB_MAPTRACK_PER_FRAME; i++)
        assert_int_equal(unmap(h[i], 0, (uint64_t)f[i % 4] << PAGE_SHIFT), GNTST_okay);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(fake_count(f[i]), 1);
        assert_int_equal(gent(D2, 20 + i)->flags, GTF_permit_access);
    }
    /* Pin counter overflow: 128 read-only device maps of one entry is the limit. */
    D1->grant_table->max_maptrack_frames = 2;
    for (unsigned int i = 0; i < 127; i++)
        assert_int_equal(map_op(2, 20, GNTMAP_device_map | GNTMAP_readonly, 0).status, GNTST_okay);
    assert_int_equal(map_op(2, 20, GNTMAP_device_map | GNTMAP_readonly, 0).status, GNTST_okay);
    assert_int_equal(map_op(2, 20, GNTMAP_device_map | GNTMAP_readonly, 0).status, GNTST_general_error);
}

static void test_destroy_releases(void **state)
{
    unsigned long f = fake_alloc(D2);
    grant(30, 1, f, 0);
    struct gnttab_map_grant_ref op = map_op(2, 30, GNTMAP_device_map, 0);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(fake_count(f), 2);
    assert_int_equal(fake_tcount(f), 1);
    grant_table_domain_destroy(D1);
    assert_null(D1->grant_table);
    assert_int_equal(fake_count(f), 1);
    assert_int_equal(fake_tcount(f), 0);
    assert_int_equal(gent(D2, 30)->flags, GTF_permit_access);
}

static void test_swap_and_cache_flush(void **state)
{
    fake_set_current(2);
    grant(1, 1, 40, 0);
    grant(2, 0, 41, GTF_readonly);
    struct gnttab_swap_grant_ref s = { .ref_a = 1, .ref_b = 2 };
    assert_int_equal(gnttab(GNTTABOP_swap_grant_ref, &s, 1), 0);
    assert_int_equal(s.status, GNTST_okay);
    assert_int_equal(gent(D2, 1)->frame, 41);
    assert_int_equal(gent(D2, 2)->frame, 40);
    s.ref_b = 512;
    assert_int_equal(gnttab(GNTTABOP_swap_grant_ref, &s, 1), 0);
    assert_int_equal(s.status, GNTST_bad_gntref);

    unsigned long mine = fake_alloc(D2);
    struct gnttab_cache_flush cf = { .offset = 0, .length = 64, .op = GNTTAB_CACHE_CLEAN };
    cf.a.dev_bus_addr = (uint64_t)mine << PAGE_SHIFT;
    assert_int_equal(gnttab(GNTTABOP_cache_flush, &cf, 1), 0);
    cf.offset = 4090;
    assert_int_equal(gnttab(GNTTABOP_cache_flush, &cf, 1), -EINVAL);
    cf.offset = 0; cf.op = GNTTAB_CACHE_SOURCE_GREF | GNTTAB_CACHE_CLEAN;
    assert_int_equal(gnttab(GNTTABOP_cache_flush, &cf, 1), -EINVAL);
    fake_set_current(1);                        /* not dom1's frame, no grant mapped */
    cf.op = GNTTAB_CACHE_CLEAN;
    assert_int_equal(gnttab(GNTTABOP_cache_flush, &cf, 1), -EINVAL);
    assert_int_equal(fake_count(mine), 1);
}

/*
 * A preempted batch: the items before the check are done, the call asks to
 * be re-issued (-ERESTART) with uop advanced and count reduced; the
 * re-issued call finishes the rest.
 */
static void test_batch_continuation(void **state)
{
    unsigned long src = fake_alloc(D2), dst = fake_alloc(D1);
    memset(fake_map(src), 0x5a, PAGE_SIZE);
    grant(10, 1, src, GTF_readonly);

    struct gnttab_copy c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = (struct gnttab_copy){ .flags = GNTCOPY_source_gref, .len = 8 };
        c[i].source.u.ref = 10; c[i].source.domid = 2;
        c[i].dest.u.gmfn = dst; c[i].dest.domid = DOMID_SELF; c[i].dest.offset = (uint16_t)(8 * i);
        c[i].status = 99;
    }
    fake_preempt = true;                         /* work pending at every check */
    assert_int_equal(gnttab(GNTTABOP_copy, c, 3), -ERESTART);
    assert_int_equal(c[0].status, GNTST_okay);   /* the first item always runs */
    assert_int_equal(c[1].status, 99);
    assert_int_equal(fake_hc_args[1], (unsigned long)&c[1]);
    assert_int_equal(fake_hc_args[2], 2);
    fake_preempt = false;
    assert_int_equal(gnttab(GNTTABOP_copy, (void *)fake_hc_args[1], (unsigned int)fake_hc_args[2]), 0);
    assert_int_equal(c[1].status, GNTST_okay);
    assert_int_equal(c[2].status, GNTST_okay);
    assert_int_equal(((uint8_t *)fake_map(dst))[23], 0x5a);

    /* Swaps and maps stop the same way; a single item is never preempted. */
    fake_set_current(2);
    struct gnttab_swap_grant_ref s[2] = { { .ref_a = 1, .ref_b = 2 }, { .ref_a = 3, .ref_b = 4 } };
    fake_preempt = true;
    assert_int_equal(gnttab(GNTTABOP_swap_grant_ref, s, 2), -ERESTART);
    assert_int_equal(fake_hc_args[1], (unsigned long)&s[1]);
    assert_int_equal(fake_hc_args[2], 1);
    assert_int_equal(gnttab(GNTTABOP_swap_grant_ref, &s[1], 1), 0);
    fake_preempt = false;
    fake_set_current(1);
}


/* ---- version 2 ---- */

static void test_version_switch(void **state)
{
    struct grant_table *gt = D1->grant_table;
    uint32_t now;

    /* Reserved entries (0..7) survive a switch; the others are cleared. */
    gent(D1, 3)->flags = GTF_permit_access | GTF_readonly | GTF_reading;
    gent(D1, 3)->domid = 2;
    gent(D1, 3)->frame = 0x12345;
    gent(D1, 20)->flags = GTF_permit_access;
    assert_int_equal(gt->nr_status_frames, 0);
    assert_int_equal(set_version(1, 2, &now), 0);
    assert_int_equal(now, 2);
    assert_int_equal(gt->gt_version, 2);
    assert_int_equal(gt->nr_status_frames, 1);
    assert_int_equal(gent2(D1, 3)->hdr.flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(*gstat(D1, 3), GTF_reading);
    assert_int_equal(gent2(D1, 3)->hdr.domid, 2);
    assert_int_equal(gent2(D1, 3)->full_page.frame, 0x12345);
    assert_int_equal(gent2(D1, 10)->hdr.flags, 0);     /* v1 entry 20's bytes */
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    assert_int_equal(gnttab(GNTTABOP_get_version, &gv, 1), 0);
    assert_int_equal(gv.version, 2);
    assert_int_equal(set_version(1, 2, &now), 0);       /* same version: nothing to do */

    /* The status frame is shared with the domain, and get_status_frames names it. */
    unsigned long sf_mfn = host_virt_to_mfn(gt->status[0]);
    assert_ptr_equal(page_get_owner(&frame_table[sf_mfn]), D1);
    assert_int_equal(frame_table[sf_mfn].count_info, PGC_xen_heap | PGC_allocated | 1);
    uint64_t sf[4] = { 0 };
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF };
    set_xen_guest_handle(gs.frame_list, sf);
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_okay);
    assert_int_equal(sf[0], sf_mfn);
    gs.nr_frames = 2;                                   /* one frame covers 8 grant frames */
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    gs.nr_frames = 0;
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_okay);
    gs.nr_frames = 1;
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 2), -EINVAL);
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, FAKE_BAD_PTR, 1), -EFAULT);
    set_xen_guest_handle(gs.frame_list, FAKE_BAD_PTR);
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), -EFAULT);
    set_xen_guest_handle(gs.frame_list, sf);
    gs.dom = 2;
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_permission_denied);
    gs.dom = 9;
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_bad_domain);

    /* Growing under v2: 9 grant frames (2304 entries) need 2 status frames. */
    xen_pfn_t frames[9];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 9 };
    set_xen_guest_handle(st.frame_list, frames);
    assert_int_equal(gnttab(GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    assert_int_equal(gt->nr_status_frames, 2);
    assert_int_equal(gt_nr_entries(gt), 9 * 256);

    /* A mapped status frame blocks the way back to v1 (the guest's mapping holds a reference). */
    frame_table[sf_mfn].count_info++;
    assert_int_equal(set_version(1, 1, &now), -EBUSY);
    assert_int_equal(now, 2);
    assert_int_equal(gt->nr_status_frames, 2);
    assert_int_equal(frame_table[sf_mfn].count_info, PGC_xen_heap | PGC_allocated | 2);
    unsigned long sf2 = host_virt_to_mfn(gt->status[1]);
    assert_int_equal(frame_table[sf2].count_info, PGC_xen_heap | PGC_allocated | 1);
    frame_table[sf_mfn].count_info--;

    /* Reserved entries that v1 cannot hold: -ERANGE. */
    grant2(D1, 4, 2, 1ULL << 32, GTF_permit_access);
    assert_int_equal(set_version(1, 1, &now), -ERANGE);
    assert_int_equal(now, 2);
    grant2_trans(D1, 4, 2, 0, 1);
    assert_int_equal(set_version(1, 1, NULL), -ERANGE);
    grant2_sub(D1, 4, 2, 0x777, 0, 16, 0);             /* sub-page: v1 keeps the flags (Xen) */
    *gstat(D1, 4) = GTF_writing | GTF_reading;
    grant2(D1, 30, 2, 0x888, GTF_permit_access);

    assert_int_equal(set_version(1, 1, &now), 0);
    assert_int_equal(now, 1);
    assert_int_equal(gt->nr_status_frames, 0);
    assert_int_equal(frame_table[sf_mfn].count_info, PGC_free);         /* back to the heap */
    assert_int_equal(frame_table[sf2].count_info, PGC_free);
    assert_int_equal(gent(D1, 3)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(gent(D1, 3)->frame, 0x12345);
    assert_int_equal(gent(D1, 4)->flags, GTF_permit_access | GTF_sub_page | GTF_reading | GTF_writing);
    assert_int_equal(gent(D1, 4)->frame, 0x777);
    assert_int_equal(gent(D1, 60)->flags, 0);           /* v2 entry 30's bytes: cleared */
    gs.nr_frames = 1;
    gs.dom = DOMID_SELF;
    assert_int_equal(gnttab(GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_general_error);   /* v1 has none */

    /* max_version: createdomain's grant_opts, bounded by gnttab=max-ver. */
    assert_int_equal(grant_table_set_max_version(D1, 0), -EINVAL);
    assert_int_equal(grant_table_set_max_version(D1, 3), -EINVAL);
    assert_int_equal(grant_table_set_max_version(D1, 1), 0);
    assert_int_equal(set_version(1, 2, &now), -ENOSYS);
    assert_int_equal(now, 1);
    assert_int_equal(set_version(1, 1, NULL), 0);
    assert_int_equal(gnttab_parse_opt("max-ver:1"), 0);
    assert_int_equal(opt_gnttab_max_version, 1);
    assert_int_equal(grant_table_set_max_version(D1, 2), -EINVAL);
    assert_int_equal(gnttab_parse_opt("max_ver:2,no-transitive"), 0);
    assert_int_equal(opt_gnttab_max_version, 2);
    assert_false(opt_transitive_grants);
    assert_int_equal(gnttab_parse_opt("transitive=1,transfer=0"), 0);
    assert_true(opt_transitive_grants);
    assert_int_equal(gnttab_parse_opt("max-ver:3"), -EINVAL);
    assert_int_equal(gnttab_parse_opt("max-ver:"), -EINVAL);
    assert_int_equal(gnttab_parse_opt("transitive=maybe"), -EINVAL);
    assert_int_equal(gnttab_parse_opt("bogus,max-ver:1"), -EINVAL);    /* the rest still applies */
    assert_int_equal(opt_gnttab_max_version, 1);
    opt_gnttab_max_version = 2;
}

static void test_version_switch_busy(void **state)
{
    unsigned long f = fake_alloc(D2);
    uint32_t now;

    grant(10, 1, f, 0);
    grant(2, 1, f, GTF_readonly);
    struct gnttab_map_grant_ref op = map_op(2, 10, GNTMAP_device_map, 0);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(set_version(2, 2, &now), -EBUSY);     /* entry 10 is in use */
    assert_int_equal(now, 1);
    assert_int_equal(D2->grant_table->nr_status_frames, 0);
    assert_int_equal(unmap(op.handle, 0, op.dev_bus_addr), GNTST_okay);

    /* A reserved entry may stay mapped (the toolstack's console/xenstore grants). */
    op = map_op(2, 2, GNTMAP_device_map | GNTMAP_readonly, 0);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(set_version(2, 2, &now), 0);
    assert_int_equal(now, 2);
    assert_int_equal(gent2(D2, 2)->hdr.flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(*gstat(D2, 2), GTF_reading);
    assert_int_equal(gent2(D2, 2)->full_page.frame, f);
    assert_int_equal(unmap(op.handle, 0, op.dev_bus_addr), GNTST_okay);
    assert_int_equal(*gstat(D2, 2), 0);                  /* the status word, not the flags */
    assert_int_equal(fake_count(f), 1);
    /* teardown frees the status frame with the table */
}

static void test_v2_map_copy(void **state)
{
    unsigned long f = fake_alloc(D2), g = fake_alloc(D2), dst = fake_alloc(D1);
    unsigned long c0 = fake_count(f);

    assert_int_equal(set_version(2, 2, NULL), 0);
    memset(fake_map(f), 0x5a, PAGE_SIZE);
    for (int i = 0; i < 64; i++)
        ((uint8_t *)fake_map(g))[i] = (uint8_t)i;

    /* Full page: map and unmap; GTF_reading/GTF_writing in the status word only. */
    grant2(D2, 10, 1, f, GTF_permit_access);
    struct gnttab_map_grant_ref op = map_op(2, 10, GNTMAP_host_map, VA(5));
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(*gstat(D2, 10), GTF_reading | GTF_writing);
    assert_int_equal(gent2(D2, 10)->hdr.flags, GTF_permit_access);
    assert_int_equal(unmap(op.handle, VA(5), 0), GNTST_okay);
    assert_int_equal(*gstat(D2, 10), 0);
    assert_int_equal(map_op(2, 256, GNTMAP_host_map, VA(5)).status, GNTST_bad_gntref);  /* 256 a frame */
    grant2(D2, 11, 0, f, GTF_permit_access);                       /* someone else's */
    assert_int_equal(map_op(2, 11, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    assert_int_equal(*gstat(D2, 11), 0);
    grant2(D2, 11, 1, f, GTF_permit_access | GTF_readonly);
    assert_int_equal(map_op(2, 11, GNTMAP_host_map, VA(5)).status, GNTST_general_error);
    assert_int_equal(*gstat(D2, 11), 0);

    /* Sub-page: never mapped; copied within [off, off + len) only. */
    grant2_sub(D2, 12, 1, g, 16, 32, GTF_readonly);
    assert_int_equal(map_op(2, 12, GNTMAP_host_map | GNTMAP_readonly, VA(5)).status, GNTST_general_error);
    struct gnttab_copy c = { .flags = GNTCOPY_source_gref, .len = 32 };
    c.source.u.ref = 12; c.source.domid = 2; c.source.offset = 16;
    c.dest.u.gmfn = dst; c.dest.domid = DOMID_SELF; c.dest.offset = 100;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    assert_int_equal(((uint8_t *)fake_map(dst))[100], 16);
    assert_int_equal(((uint8_t *)fake_map(dst))[131], 47);
    assert_int_equal(((uint8_t *)fake_map(dst))[132], 0);
    assert_int_equal(*gstat(D2, 12), 0);
    c.source.offset = 15;                                       /* one byte before */
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    c.source.offset = 17;                                       /* one byte past the end */
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    c.source.offset = 4090;                                     /* past the page: bad_copy_arg first */
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_copy_arg);
    c.source.offset = 16;
    c.len = 0;                                                  /* an empty copy at the start is fine */
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    /* Writing into a read-only sub-page grant. */
    struct gnttab_copy w = { .flags = GNTCOPY_dest_gref, .len = 4 };
    w.source.u.gmfn = dst; w.source.domid = DOMID_SELF;
    w.dest.u.ref = 12; w.dest.domid = 2; w.dest.offset = 16;
    assert_int_equal(gnttab(GNTTABOP_copy, &w, 1), 0);
    assert_int_equal(w.status, GNTST_general_error);
    assert_int_equal(*gstat(D2, 12), 0);
    /* A writable full-page grant as copy destination. */
    w.dest.u.ref = 10; w.dest.offset = 4092;
    assert_int_equal(gnttab(GNTTABOP_copy, &w, 1), 0);
    assert_int_equal(w.status, GNTST_okay);
    assert_int_equal(((uint8_t *)fake_map(f))[4092], 0);       /* dst's byte 0 was 0 */
    assert_int_equal(*gstat(D2, 10), 0);

    /* Swap moves the status words too. */
    *gstat(D2, 12) = GTF_reading;
    struct gnttab_swap_grant_ref sw = { .ref_a = 12, .ref_b = 13 };
    fake_set_current(2);
    assert_int_equal(gnttab(GNTTABOP_swap_grant_ref, &sw, 1), 0);
    fake_set_current(1);
    assert_int_equal(sw.status, GNTST_okay);
    assert_int_equal(gent2(D2, 13)->sub_page.length, 32);
    assert_int_equal(*gstat(D2, 13), GTF_reading);
    assert_int_equal(*gstat(D2, 12), 0);
    assert_int_equal(gent2(D2, 12)->hdr.flags, 0);
    *gstat(D2, 13) = 0;

    assert_int_equal(fake_count(f), c0);
    assert_int_equal(fake_count(g), 1);
    assert_int_equal(fake_count(dst), 1);
    assert_int_equal(fake_tcount(f), 0);
    assert_int_equal(fake_tcount(dst), 0);
}

static void test_v2_transitive(void **state)
{
    /* dom0 grants its frame h to dom2 (ref 12, v1); dom2 passes it on to dom1 (ref 20, transitive). */
    unsigned long h = fake_alloc(D0), dst = fake_alloc(D1);
    memset(fake_map(h), 0x77, PAGE_SIZE);
    gent(D0, 12)->domid = 2;
    gent(D0, 12)->frame = (uint32_t)h;
    gent(D0, 12)->flags = GTF_permit_access;
    assert_int_equal(set_version(2, 2, NULL), 0);
    grant2_trans(D2, 20, 1, 0, 12);

    struct gnttab_copy c = { .flags = GNTCOPY_source_gref, .len = 64 };
    c.source.u.ref = 20; c.source.domid = 2; c.source.offset = 8;
    c.dest.u.gmfn = dst; c.dest.domid = DOMID_SELF; c.dest.offset = 0;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    assert_int_equal(((uint8_t *)fake_map(dst))[0], 0x77);
    assert_int_equal(((uint8_t *)fake_map(dst))[63], 0x77);
    assert_int_equal(((uint8_t *)fake_map(dst))[64], 0);
    assert_int_equal(*gstat(D2, 20), 0);
    assert_int_equal(gent(D0, 12)->flags, GTF_permit_access);   /* reading cleared again */
    assert_int_equal(D2->grant_table->active[0][20].pin, 0);
    assert_int_equal(D0->grant_table->active[0][12].pin, 0);
    assert_int_equal(fake_count(h), 1);

    /* Through the transitive grant into dom0's frame. */
    struct gnttab_copy w = { .flags = GNTCOPY_dest_gref, .len = 4 };
    w.source.u.gmfn = dst; w.source.domid = DOMID_SELF;
    w.dest.u.ref = 20; w.dest.domid = 2; w.dest.offset = 100;
    assert_int_equal(gnttab(GNTTABOP_copy, &w, 1), 0);
    assert_int_equal(w.status, GNTST_okay);
    assert_int_equal(((uint8_t *)fake_map(h))[100], 0x77);        /* dst[0..3] were 0x77 */
    assert_int_equal(fake_tcount(h), 0);

    /* The far end is a sub-page grant: the transitive copy keeps to its bytes. */
    assert_int_equal(set_version(0, 2, NULL), 0);
    grant2_sub(D0, 12, 2, h, 512, 128, 0);
    c.source.offset = 512;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    c.source.offset = 600;                                          /* 600 + 64 > 640 */
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    c.source.offset = 512;

    /* Never mapped. */
    assert_int_equal(map_op(2, 20, GNTMAP_host_map | GNTMAP_readonly, VA(5)).status, GNTST_general_error);
    /* One level only: dom0's entry may not be transitive itself. */
    grant2_trans(D0, 12, 2, 1, 3);
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    assert_int_equal(*(uint16_t *)&D0->grant_table->status[0][12], 0);
    /* The far entry granted to someone else than dom2. */
    grant2(D0, 12, 1, h, GTF_permit_access);
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    grant2(D0, 12, 2, h, GTF_permit_access);
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    /* Back to itself, to a missing domain, to a missing entry. */
    grant2_trans(D2, 20, 1, 2, 12);
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    grant2_trans(D2, 20, 1, 9, 12);
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    grant2_trans(D2, 20, 1, 0, 5000);
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_gntref);
    assert_int_equal(*gstat(D2, 20), 0);
    /* Granted to another domain than the copier. */
    grant2_trans(D2, 20, 0, 0, 12);
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    /* gnttab=no-transitive */
    grant2_trans(D2, 20, 1, 0, 12);
    opt_transitive_grants = false;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    opt_transitive_grants = true;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    /* A v1 table has no transitive entries (type 3 is no permit_access there). */
    assert_int_equal(set_version(2, 1, NULL), 0);
    gent(D2, 20)->domid = 1;
    gent(D2, 20)->flags = GTF_transitive;
    assert_int_equal(gnttab(GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);

    assert_int_equal(D2->grant_table->active[0][20].pin, 0);
    assert_int_equal(D0->grant_table->active[0][12].pin, 0);
    assert_int_equal(fake_count(h), 1);
    assert_int_equal(fake_count(dst), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_setup_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_table_hvm_gfns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_unmap_host_rw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_status_after_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_and_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contains_pte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swap_and_cache_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_continuation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_switch_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_map_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_transitive, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
