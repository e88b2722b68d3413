/*
 * grant_v2: grant tables version 2 as Xen 4.17 offers them to a PV dom0.
 * GNTTABOP_set_version (bad versions; 1 -> 2 -> 1 with a reserved entry
 * carried over and the others cleared; -EBUSY while an entry past the 8
 * reserved ones is mapped and while a status frame is mapped; -ERANGE
 * for a reserved entry v1 cannot hold), get_version,
 * get_status_frames (none under v1, one per 8 grant frames under v2, bad
 * counts, pointers and domains), physinfo's gnttab_v1/v2 capabilities,
 * createdomain's grant_opts (version 0 or 3 refused), XENMEM_add_to_physmap of grant frames
 * (-EACCES: PV), GTF_reading/GTF_writing in the status frame while an
 * entry is mapped, sub-page entries (copied within their bytes only,
 * never mapped), transitive entries (a copy through one into a frame of
 * a second domain this dom0 creates; refused when self-referential, to
 * a missing domain, when the far entry is not a plain grant, and for
 * map), and the free page count as status frames come and go.
 */
#define __XEN_TOOLS__ 1
#include "test.h"
#include "toolstack_ops.h"
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

const char test_name[] = "grant_v2";

/* Pages whose mappings the test replaces (and puts back). */
static uint8_t win_shared[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));  /* our grant frame 0 */
static uint8_t win_status[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));  /* our status frame 0 */
static uint8_t win_map[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));     /* grant map target */
static uint8_t win_far[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));     /* the other domain's grant frame */
/* Data pages. */
static uint8_t buf_a[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t buf_b[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

#define PTE_FLAGS (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY)

static long remap(void *va, unsigned long mfn, unsigned long rw)
{
    return HYPERVISOR_update_va_mapping((unsigned long)va, ((uint64_t)mfn << PAGE_SHIFT) | PTE_FLAGS | rw,
                                       UVMF_INVLPG);
}

static long gnttab(unsigned int cmd, void *op, unsigned int count)
{
    return HYPERVISOR_grant_table_op(cmd, op, count);
}

static long set_version(uint32_t v, uint32_t *now)
{
    struct gnttab_set_version sv = { .version = v };
    long rc = gnttab(GNTTABOP_set_version, &sv, 1);

    *now = sv.version;
    return rc;
}

static uint32_t get_version(void)
{
    struct gnttab_get_version gv = { .dom = DOMID_SELF };

    return gnttab(GNTTABOP_get_version, &gv, 1) ? 0 : gv.version;
}

/* get_status_frames for dom into frames[]: the op's status, or -1000 + rc. */
static long status_frames(domid_t dom, uint32_t nr, uint64_t *frames)
{
    struct gnttab_get_status_frames gs = { .nr_frames = nr, .dom = dom };

    set_xen_guest_handle(gs.frame_list, frames);
    long rc = gnttab(GNTTABOP_get_status_frames, &gs, 1);
    return rc ? -1000 + rc : gs.status;
}

/* Our grant entries, through win_shared (frame 0 of our table). */
static grant_entry_v1_t *e1(grant_ref_t r) { return (grant_entry_v1_t *)win_shared + r; }
static grant_entry_v2_t *e2(grant_ref_t r) { return (grant_entry_v2_t *)win_shared + r; }
static volatile grant_status_t *st2(grant_ref_t r) { return (grant_status_t *)win_status + r; }

static void grant_full(grant_ref_t r, domid_t to, uint64_t frame, uint16_t extra)
{
    e2(r)->hdr.domid = to;
    e2(r)->full_page.frame = frame;
    barrier();
    e2(r)->hdr.flags = GTF_permit_access | extra;
}

static void grant_sub(grant_ref_t r, domid_t to, uint64_t frame, uint16_t off, uint16_t len)
{
    e2(r)->hdr.domid = to;
    e2(r)->sub_page.frame = frame;
    e2(r)->sub_page.page_off = off;
    e2(r)->sub_page.length = len;
    barrier();
    e2(r)->hdr.flags = GTF_permit_access | GTF_sub_page;
}

static void grant_trans(grant_ref_t r, domid_t to, domid_t tdom, grant_ref_t tref)
{
    e2(r)->hdr.domid = to;
    e2(r)->transitive.trans_domid = tdom;
    e2(r)->transitive.gref = tref;
    barrier();
    e2(r)->hdr.flags = GTF_transitive;
}

/* One GNTTABOP_copy; returns its status (or -1000 + the hypercall's error). */
static long copy(struct gnttab_copy *c)
{
    long rc = gnttab(GNTTABOP_copy, c, 1);
    return rc ? -1000 + rc : c->status;
}

/* Copy len bytes from our grant ref (domid dom) at off into buf_b at 0. */
static long copy_from_gref(domid_t dom, grant_ref_t ref, uint16_t off, uint16_t len)
{
    struct gnttab_copy c = { .flags = GNTCOPY_source_gref, .len = len };

    c.source.u.ref = ref; c.source.domid = dom; c.source.offset = off;
    c.dest.u.gmfn = virt_to_mfn(buf_b); c.dest.domid = DOMID_SELF; c.dest.offset = 0;
    return copy(&c);
}

/* Copy len bytes from buf_a at 0 into grant ref (domid dom) at off. */
static long copy_to_gref(domid_t dom, grant_ref_t ref, uint16_t off, uint16_t len)
{
    struct gnttab_copy c = { .flags = GNTCOPY_dest_gref, .len = len };

    c.source.u.gmfn = virt_to_mfn(buf_a); c.source.domid = DOMID_SELF; c.source.offset = 0;
    c.dest.u.ref = ref; c.dest.domid = dom; c.dest.offset = off;
    return copy(&c);
}

static long map_ref(grant_ref_t ref, uint32_t flags, grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = {
        .host_addr = (unsigned long)win_map, .flags = GNTMAP_host_map | flags, .ref = ref, .dom = 0,
    };
    long rc = gnttab(GNTTABOP_map_grant_ref, &m, 1);

    *h = m.handle;
    return rc ? -1000 + rc : m.status;
}

static long unmap_ref(grant_handle_t h)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)win_map, .handle = h };
    long rc = gnttab(GNTTABOP_unmap_grant_ref, &u, 1);

    if (!rc && !u.status && remap(win_map, virt_to_mfn(win_map), _PAGE_RW))
        return -2000;                           /* could not put win_map's own frame back */
    return rc ? -1000 + rc : u.status;
}

static uint64_t free_pages(void)
{
    memset(&sc, 0, sizeof(sc));
    sc.cmd = XEN_SYSCTL_physinfo;
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    if (hypercall(__HYPERVISOR_sysctl, (unsigned long)&sc, 0, 0, 0, 0))
        return 0;
    return sc.u.physinfo.free_pages;
}

static void test_v1_start(unsigned long gframe)
{
    uint32_t now;
    uint64_t sf[2];

    expect_eq(get_version(), 1, "version 1 at start");
    free_pages();
    expect_eq(sc.u.physinfo.capabilities & (XEN_SYSCTL_PHYSCAP_gnttab_v1 | XEN_SYSCTL_PHYSCAP_gnttab_v2),
              XEN_SYSCTL_PHYSCAP_gnttab_v1 | XEN_SYSCTL_PHYSCAP_gnttab_v2, "physinfo: gnttab v1 and v2");
    expect_eq(set_version(0, &now), -XEN_EINVAL, "set_version(0)");
    expect_eq(now, 1, "set_version(0) reports version 1");
    expect_eq(set_version(3, &now), -XEN_EINVAL, "set_version(3)");
    expect_eq(set_version(1, &now), 0, "set_version(1) on v1");
    expect_eq(gnttab(GNTTABOP_set_version, (void *)0x10, 1), -XEN_EFAULT, "set_version, bad pointer");
    expect_eq(status_frames(DOMID_SELF, 1, sf), GNTST_general_error, "v1: no status frames");
    expect_eq(status_frames(DOMID_SELF, 0, sf), GNTST_okay, "v1: zero status frames asked");

    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
        .idx = 0 | XENMAPIDX_grant_table_status, .gpfn = 0x100,
    };
    expect_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -XEN_EACCES,
              "add_to_physmap grant status frame: PV is not translated");
    xatp.idx = 0;
    expect_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -XEN_EACCES,
              "add_to_physmap grant frame: PV is not translated");

    /* Map our grant frame 0 and fill it as v1: a reserved entry and an ordinary one. */
    expect_eq(remap(win_shared, gframe, _PAGE_RW), 0, "map our grant frame");
    e1(5)->domid = 0;
    e1(5)->frame = (uint32_t)virt_to_mfn(buf_a);
    barrier();
    e1(5)->flags = GTF_permit_access | GTF_readonly;
    e1(20)->domid = 0;
    e1(20)->frame = (uint32_t)virt_to_mfn(buf_a);
    barrier();
    e1(20)->flags = GTF_permit_access;
}

static void test_to_v2(unsigned long *sframe)
{
    uint32_t now;
    uint64_t sf[4] = { 0 };
    uint64_t before = free_pages();

    expect_eq(set_version(2, &now), 0, "set_version(2)");
    expect_eq(now, 2, "set_version(2) reports 2");
    expect_eq(get_version(), 2, "get_version: 2");
    expect_eq(before - free_pages(), 1, "one status frame allocated");
    expect_eq(e2(5)->hdr.flags, GTF_permit_access | GTF_readonly, "reserved entry 5 kept (flags)");
    expect_eq(e2(5)->hdr.domid, 0, "reserved entry 5 kept (domid)");
    expect_eq(e2(5)->full_page.frame, virt_to_mfn(buf_a), "reserved entry 5 kept (frame)");
    expect_eq(e2(10)->hdr.flags, 0, "entry 10 (v1 entry 20's bytes) cleared");

    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    expect_eq(gnttab(GNTTABOP_query_size, &qs, 1), 0, "query_size under v2");
    expect_eq(qs.nr_frames, 1, "still one grant frame");

    expect_eq(status_frames(DOMID_SELF, 1, sf), GNTST_okay, "get_status_frames(1)");
    check(sf[0] != 0, "a status frame");
    *sframe = sf[0];
    expect_eq(status_frames(DOMID_SELF, 2, sf), GNTST_general_error, "get_status_frames(2): only 1");
    expect_eq(status_frames(1000, 1, sf), GNTST_bad_domain, "get_status_frames(dom 1000)");
    expect_eq(status_frames(DOMID_SELF, 1, (uint64_t *)0x10), GNTST_bad_virt_addr,
              "get_status_frames, unmapped frame list");
    expect_eq(status_frames(DOMID_SELF, 1, (uint64_t *)0xffff800000000000UL), -1000 - XEN_EFAULT,
              "get_status_frames, frame list in the hypervisor");
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF };
    set_xen_guest_handle(gs.frame_list, sf);
    expect_eq(gnttab(GNTTABOP_get_status_frames, &gs, 2), -XEN_EINVAL, "get_status_frames count 2");
    expect_eq(gnttab(GNTTABOP_get_status_frames, (void *)0x10, 1), -XEN_EFAULT,
              "get_status_frames, bad op pointer");

    /* Nine grant frames (2304 v2 entries) need two status frames. */
    xen_pfn_t frames[9];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 9 };
    set_xen_guest_handle(st.frame_list, frames);
    expect_eq(gnttab(GNTTABOP_setup_table, &st, 1), 0, "setup_table(9) under v2");
    expect_eq(st.status, GNTST_okay, "setup_table(9) status");
    expect_eq(status_frames(DOMID_SELF, 2, sf), GNTST_okay, "9 grant frames: 2 status frames");
    expect_eq(status_frames(DOMID_SELF, 3, sf), GNTST_general_error, "not 3");
    expect_eq(remap(win_status, *sframe, 0), 0, "map status frame 0 read-only");
}

static void test_v2_entries(void)
{
    grant_handle_t h;
    uint32_t now;

    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        buf_a[i] = (uint8_t)(i * 7);

    /* Full page: the map sets GTF_reading|GTF_writing in the status frame, not the entry. */
    grant_full(10, 0, virt_to_mfn(buf_a), 0);
    expect_eq(map_ref(10, 0, &h), GNTST_okay, "map v2 full-page entry");
    expect_eq(*st2(10), GTF_reading | GTF_writing, "status: reading|writing while mapped");
    expect_eq(e2(10)->hdr.flags, GTF_permit_access, "entry flags untouched");
    expect_eq(set_version(1, &now), -XEN_EBUSY, "set_version(1) while entry 10 is mapped");
    expect_eq(now, 2, "still version 2");
    expect_eq(unmap_ref(h), GNTST_okay, "unmap");
    expect_eq(*st2(10), 0, "status clear after unmap");
    grant_full(11, 0, virt_to_mfn(buf_a), GTF_readonly);
    expect_eq(map_ref(11, 0, &h), GNTST_general_error, "writable map of a read-only entry");
    expect_eq(map_ref(11, GNTMAP_readonly, &h), GNTST_okay, "read-only map");
    expect_eq(*st2(11), GTF_reading, "status: reading only");
    expect_eq(unmap_ref(h), GNTST_okay, "unmap read-only");
    /* Nine frames of 256 v2 entries. */
    expect_eq(map_ref(9 * 256, GNTMAP_readonly, &h), GNTST_bad_gntref, "ref 2304: beyond 9 v2 frames");
    expect_eq(map_ref(9 * 256 - 1, GNTMAP_readonly, &h), GNTST_general_error, "ref 2303: in, not granted");
}

static void test_sub_page(void)
{
    grant_handle_t h;

    memset(buf_b, 0, PAGE_SIZE);
    grant_sub(12, 0, virt_to_mfn(buf_a), 100, 50);
    expect_eq(map_ref(12, GNTMAP_readonly, &h), GNTST_general_error, "sub-page entry: no map");
    expect_eq(*st2(12), 0, "status clear after refused map");
    expect_eq(copy_from_gref(DOMID_SELF, 12, 100, 50), GNTST_okay, "copy the sub-page's 50 bytes");
    check(!memcmp(buf_b, buf_a + 100, 50), "sub-page copy: the right bytes");
    expect_eq(copy_from_gref(DOMID_SELF, 12, 99, 50), GNTST_general_error, "copy from before the sub-page");
    expect_eq(copy_from_gref(DOMID_SELF, 12, 101, 50), GNTST_general_error, "copy past the sub-page");
    expect_eq(copy_from_gref(DOMID_SELF, 12, 100, 51), GNTST_general_error, "copy longer than the sub-page");
    expect_eq(copy_from_gref(DOMID_SELF, 12, 4090, 50), GNTST_bad_copy_arg, "copy past the page");
    expect_eq(copy_to_gref(DOMID_SELF, 12, 120, 10), GNTST_okay, "copy into the sub-page");
    expect_eq(copy_to_gref(DOMID_SELF, 12, 145, 10), GNTST_general_error, "copy into past its end");
    expect_eq(*st2(12), 0, "status clear after copies");
}

/* A second domain, its frame granted (v1) to us in its reserved entry 3. */
struct far { domid_t dom; unsigned long page, gframe; };

static bool far_create(struct far *f)
{
    xen_pfn_t ext[1] = { 0 };
    xen_pfn_t gf[1] = { 0 };

    for (unsigned int v = 0; v <= 3; v += 3) {     /* grant_opts: version 0 or 3 */
        memset(&dc, 0, sizeof(dc));
        dc.u.createdomain.max_vcpus = 1;
        dc.u.createdomain.max_grant_frames = 4;
        dc.u.createdomain.max_maptrack_frames = 128;
        dc.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(v);
        expect_eq(domctl(XEN_DOMCTL_createdomain, 0), -XEN_EINVAL, "createdomain, bad max grant version");
    }
    memset(&dc, 0, sizeof(dc));
    dc.u.createdomain.max_vcpus = 1;
    dc.u.createdomain.max_evtchn_port = 1023;
    dc.u.createdomain.max_grant_frames = 4;
    dc.u.createdomain.max_maptrack_frames = 128;
    dc.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(2);
    if (!check(domctl(XEN_DOMCTL_createdomain, 0) == 0, "createdomain (max grant version 2)"))
        return false;
    f->dom = dc.domain;
    memset(&dc, 0, sizeof(dc));
    dc.u.max_mem.max_memkb = 64;
    expect_eq(domctl(XEN_DOMCTL_max_mem, f->dom), 0, "max_mem");
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = f->dom };
    set_xen_guest_handle(r.extent_start, ext);
    expect_eq(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1, "a frame for the second domain");
    f->page = ext[0];
    struct gnttab_setup_table st = { .dom = f->dom, .nr_frames = 1 };
    set_xen_guest_handle(st.frame_list, gf);
    expect_eq(gnttab(GNTTABOP_setup_table, &st, 1), 0, "setup_table(second domain)");
    expect_eq(st.status, GNTST_okay, "its grant frame");
    f->gframe = gf[0];
    mmu_update_t u = { .ptr = pte_maddr(win_far) | MMU_NORMAL_PT_UPDATE,
                       .val = ((uint64_t)f->gframe << PAGE_SHIFT) | PTE_FLAGS | _PAGE_RW };
    if (!expect_eq(HYPERVISOR_mmu_update(&u, 1, 0, f->dom), 0, "map its grant frame"))
        return false;
    struct mmuext_op fl = { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = (unsigned long)win_far };
    expect_eq(HYPERVISOR_mmuext_op(&fl, 1, 0, DOMID_SELF), 0, "invlpg");
    grant_entry_v1_t *fe = (grant_entry_v1_t *)win_far + 3;
    fe->domid = 0;
    fe->frame = (uint32_t)f->page;
    barrier();
    fe->flags = GTF_permit_access;
    return true;
}

static void test_transitive(struct far *f)
{
    grant_handle_t h;

    /* Fill its frame through its own (v1) grant, then read it back through our transitive one. */
    expect_eq(copy_to_gref(f->dom, 3, 0, 200), GNTST_okay, "copy into the second domain's grant");
    grant_trans(13, 0, f->dom, 3);
    memset(buf_b, 0, PAGE_SIZE);
    expect_eq(copy_from_gref(DOMID_SELF, 13, 0, 200), GNTST_okay, "copy through a transitive grant");
    check(!memcmp(buf_b, buf_a, 200), "transitive copy: the far frame's bytes");
    expect_eq(copy_to_gref(DOMID_SELF, 13, 1000, 16), GNTST_okay, "copy into it through the transitive grant");
    memset(buf_b, 0, PAGE_SIZE);
    expect_eq(copy_from_gref(f->dom, 3, 1000, 16), GNTST_okay, "read back directly");
    check(!memcmp(buf_b, buf_a, 16), "written through the transitive grant");
    expect_eq(*st2(13), 0, "status clear after transitive copies");
    expect_eq(((grant_entry_v1_t *)win_far + 3)->flags, GTF_permit_access, "far entry's flags clear");
    expect_eq(map_ref(13, GNTMAP_readonly, &h), GNTST_general_error, "transitive entry: no map");

    /* Refusals. */
    grant_trans(14, 0, 0, 10);
    expect_eq(copy_from_gref(DOMID_SELF, 14, 0, 8), GNTST_general_error, "transitive to ourselves");
    grant_trans(14, 0, 1000, 3);
    expect_eq(copy_from_gref(DOMID_SELF, 14, 0, 8), GNTST_general_error, "transitive to a missing domain");
    grant_trans(14, 0, f->dom, 4);
    expect_eq(copy_from_gref(DOMID_SELF, 14, 0, 8), GNTST_general_error, "far entry not granted");
    grant_trans(14, 0, f->dom, 5000);
    expect_eq(copy_from_gref(DOMID_SELF, 14, 0, 8), GNTST_bad_gntref, "far ref beyond its table");
    grant_entry_v1_t *fe = (grant_entry_v1_t *)win_far + 4;
    fe->domid = 0;
    barrier();
    fe->flags = GTF_transitive;                 /* a v1 table has no transitive type */
    grant_trans(14, 0, f->dom, 4);
    expect_eq(copy_from_gref(DOMID_SELF, 14, 0, 8), GNTST_general_error, "transitive to a non-grant");
    grant_trans(14, 1, f->dom, 3);
    expect_eq(copy_from_gref(DOMID_SELF, 14, 0, 8), GNTST_general_error, "transitive entry for another domain");
    expect_eq(*st2(14), 0, "status clear after refusals");
}

static void test_back_to_v1(void)
{
    uint32_t now;

    expect_eq(set_version(1, &now), -XEN_EBUSY, "set_version(1) while the status frame is mapped");
    expect_eq(now, 2, "still 2");
    expect_eq(get_version(), 2, "get_version: still 2");
    expect_eq(remap(win_status, virt_to_mfn(win_status), _PAGE_RW), 0, "status frame unmapped");
    grant_trans(6, 0, 1000, 0);
    expect_eq(set_version(1, &now), -XEN_ERANGE, "reserved entry 6 transitive: -ERANGE");
    grant_full(6, 0, 1ULL << 40, 0);
    expect_eq(set_version(1, &now), -XEN_ERANGE, "reserved entry 6 frame beyond 32 bits: -ERANGE");
    e2(6)->hdr.flags = 0;
    uint64_t before = free_pages();
    expect_eq(set_version(1, &now), 0, "set_version(1)");
    expect_eq(now, 1, "version 1 again");
    expect_eq(get_version(), 1, "get_version: 1");
    expect_eq(free_pages() - before, 2, "both status frames freed");
    expect_eq(e1(5)->flags, GTF_permit_access | GTF_readonly, "reserved entry 5 back as v1");
    expect_eq(e1(5)->frame, virt_to_mfn(buf_a), "reserved entry 5's frame");
    expect_eq(e1(20)->flags, 0, "entry 20 cleared");
    uint64_t sf[1];
    expect_eq(status_frames(DOMID_SELF, 1, sf), GNTST_general_error, "v1 again: no status frames");
    expect_eq(remap(win_shared, virt_to_mfn(win_shared), _PAGE_RW), 0, "unmap our grant frame");
}

void test_main(void)
{
    xen_pfn_t frames[1] = { 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    unsigned long sframe = 0;
    struct far far;

    set_xen_guest_handle(st.frame_list, frames);
    expect_eq(gnttab(GNTTABOP_setup_table, &st, 1), 0, "setup_table(1)");
    test_v1_start(frames[0]);
    test_to_v2(&sframe);
    test_v2_entries();
    test_sub_page();
    if (far_create(&far)) {
        test_transitive(&far);
        expect_eq(remap(win_far, virt_to_mfn(win_far), _PAGE_RW), 0, "unmap its grant frame");
        memset(&dc, 0, sizeof(dc));
        expect_eq(domctl(XEN_DOMCTL_destroydomain, far.dom), 0, "destroy the second domain");
    }
    test_back_to_v1();
}
