/*
 * pvh_gnttab: a PVH dom0 maps its grant table's shared frames with
 * XENMEM_add_to_physmap (XENMAPSPACE_grant_table, version 1), as Linux
 * PVH does, and sees Xen 4.17's behaviour:
 *   - frame 0 appears at the GFN asked for; the RAM the GFN held is freed
 *     (the reservation drops by one frame); what the guest writes stays;
 *   - mapping it again at the same GFN changes nothing; at another GFN it
 *     moves with its contents (the old GFN then reads all ones) and the
 *     new GFN's RAM is freed;
 *   - an index past the table grows it (up to max_grant_frames: 64 for
 *     dom0 by default): a fresh frame reads zeroes; index 64 and the
 *     status bit under version 1: -EINVAL;
 *   - GNTTABOP_query_size (64 of 64 frames), get_version (1) and
 *     setup_table (each frame's GFN, INVALID_GFN for one mapped nowhere;
 *     65 frames: GNTST_general_error), a missing domain GNTST_bad_domain;
 *   - GNTTABOP_copy between its own grant and its own GFNs, as a PVH
 *     backend copies: bytes land where asked, the grant is unpinned after,
 *     and bad input gets Xen's status codes (a GFN without RAM
 *     GNTST_bad_page, past the page GNTST_bad_copy_arg, a ref past the
 *     table GNTST_bad_gntref, a frame named by GFN and a domid other than
 *     DOMID_SELF GNTST_permission_denied, or GNTST_bad_domain if there is
 *     no such domain: Xen 4.17 looks the domain up first);
 *   - GNTTABOP_map_grant_ref with GNTMAP_device_map from an HVM domain:
 *     GNTST_general_error; unmap of a handle never handed out:
 *     GNTST_bad_handle.
 */
#include "pvh.h"
#include <xen/memory.h>
#include <xen/grant_table.h>

const char test_name[] = "pvh_gnttab";

static uint8_t slots[4][4096] __attribute__((aligned(4096)));

static uint8_t copy_src[4096] __attribute__((aligned(4096)));
static uint8_t copy_dst[4096] __attribute__((aligned(4096)));

static int16_t map_ref(grant_ref_t ref, uint64_t gpa, uint32_t flags, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref op = { .host_addr = gpa, .flags = flags, .ref = ref, .dom = 0 };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
    *handle = op.handle;
    return rc ? (int16_t)rc : op.status;
}

static int16_t unmap_ref(grant_handle_t handle, uint64_t gpa)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
    return rc ? (int16_t)rc : op.status;
}

static int16_t copy(struct gnttab_copy *op)
{
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, op, 1);
    return rc ? (int16_t)rc : op->status;
}

static long map(unsigned long idx, void *where)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = idx,
        .gpfn = (uint64_t)where >> PAGE_SHIFT,
    };
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static long reservation(void)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

void test_main(void)
{
    volatile grant_entry_v1_t *a = (volatile grant_entry_v1_t *)slots[0];
    volatile grant_entry_v1_t *b = (volatile grant_entry_v1_t *)slots[1];
    volatile uint64_t *c = (volatile uint64_t *)slots[2];
    long r0, r1;
    unsigned int i;
    bool zero = true;

    memset(slots, 0xa5, sizeof(slots));     /* the frames are RAM the guest used */
    r0 = reservation();
    check(r0 > 0, "current reservation");
    expect_eq(map(0, slots[0]), 0, "map grant frame 0");
    r1 = reservation();
    expect_eq(r1, r0 - 1, "the RAM the GFN held is freed");
    check(a[10].flags != 0xa5a5, "the GFN no longer shows the guest's RAM");
    a[10].domid = 7;
    a[10].frame = 0x1234;
    expect_eq(a[10].frame, 0x1234, "the guest writes a grant entry");

    expect_eq(map(0, slots[0]), 0, "map again, same GFN");
    expect_eq(reservation(), r1, "same GFN: nothing freed");
    expect_eq(a[10].frame, 0x1234, "still the same frame");

    expect_eq(map(0, slots[1]), 0, "move to another GFN");
    expect_eq(reservation(), r1 - 1, "the new GFN's RAM is freed");
    expect_eq(b[10].frame, 0x1234, "the frame moved with its contents");
    expect_eq(b[10].domid, 7, "the entry's domid too");
    expect_eq(*(volatile uint64_t *)slots[0], (long)~0UL, "the old GFN holds nothing");

    expect_eq(map(5, slots[2]), 0, "frame 5: the table grows");
    for ( i = 0; i < PAGE_SIZE / 8; i++ )
        zero &= c[i] == 0;
    check(zero, "a fresh grant frame reads zeroes");
    expect_eq(reservation(), r1 - 2, "its GFN's RAM is freed");
    expect_eq(map(63, slots[3]), 0, "frame 63, the last one");
    expect_eq(map(64, slots[0]), -XEN_EINVAL, "frame 64: past max_grant_frames");
    expect_eq(map(XENMAPIDX_grant_table_status, slots[0]), -XEN_EINVAL,
              "status frame 0 under version 1");
    expect_eq(reservation(), r1 - 3, "failed calls free nothing");
    expect_eq(b[10].frame, 0x1234, "frame 0 still mapped at its GFN");
    b[10].frame = 0;
    b[10].domid = 0;

    /* grant_table_op from a PVH guest: size, version, frames by GFN. */
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "query_size");
    expect_eq(qs.status, GNTST_okay, "query_size status");
    expect_eq(qs.nr_frames, 64, "64 frames (grown to frame 63)");
    expect_eq(qs.max_nr_frames, 64, "max_grant_frames 64");
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0, "get_version");
    expect_eq(gv.version, 1, "version 1");
    static xen_pfn_t frames[7];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 7 };
    set_xen_guest_handle(st.frame_list, frames);
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table");
    expect_eq(st.status, GNTST_okay, "setup_table status");
    expect_eq(frames[0], (uint64_t)slots[1] >> PAGE_SHIFT, "frame 0: the GFN it is mapped at");
    expect_eq(frames[5], (uint64_t)slots[2] >> PAGE_SHIFT, "frame 5: its GFN");
    expect_eq(frames[1], (long)~0UL, "frame 1 mapped nowhere: INVALID_GFN");
    st.nr_frames = 65;
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table, 65 frames");
    expect_eq(st.status, GNTST_general_error, "more than max_grant_frames");
    /* GNTTABOP_copy: own grant 12 (of copy_src) to own GFN (copy_dst). */
    for ( i = 0; i < 4096; i++ )
        copy_src[i] = (uint8_t)(i * 7 + 1);
    memset(copy_dst, 0, sizeof(copy_dst));
    b[12].domid = 0;                        /* dom0: this guest */
    b[12].frame = (uint32_t)((uint64_t)copy_src >> PAGE_SHIFT);
    asm volatile ("" ::: "memory");
    b[12].flags = GTF_permit_access;
    struct gnttab_copy op = {
        .source = { .u.ref = 12, .domid = DOMID_SELF, .offset = 8 },
        .dest = { .u.gmfn = (uint64_t)copy_dst >> PAGE_SHIFT, .domid = DOMID_SELF, .offset = 100 },
        .len = 64, .flags = GNTCOPY_source_gref,
    };
    expect_eq(copy(&op), GNTST_okay, "copy: own grant to own GFN");
    check(memcmp(copy_dst + 100, copy_src + 8, 64) == 0 && copy_dst[99] == 0 && copy_dst[164] == 0,
          "copy: 64 bytes where asked, nothing around them");
    expect_eq(b[12].flags & (GTF_reading | GTF_writing), 0, "copy: the grant is not held after");
    struct gnttab_copy g2g = {
        .source = { .u.gmfn = (uint64_t)copy_src >> PAGE_SHIFT, .domid = DOMID_SELF, .offset = 4000 },
        .dest = { .u.gmfn = (uint64_t)copy_dst >> PAGE_SHIFT, .domid = DOMID_SELF, .offset = 0 },
        .len = 96,
    };
    expect_eq(copy(&g2g), GNTST_okay, "copy: GFN to GFN");
    check(memcmp(copy_dst, copy_src + 4000, 96) == 0, "copy: GFN to GFN, the bytes");
    struct gnttab_copy bad = g2g;
    bad.dest.u.gmfn = PVH_HIGH_WINDOW >> PAGE_SHIFT;
    expect_eq(copy(&bad), GNTST_bad_page, "copy to a GFN without RAM");
    bad = g2g;
    bad.source.offset = 4090;
    bad.len = 8;
    expect_eq(copy(&bad), GNTST_bad_copy_arg, "copy past the end of the page");
    bad = op;
    bad.source.u.ref = 64 * 512;
    expect_eq(copy(&bad), GNTST_bad_gntref, "copy from a ref past the table");
    bad = g2g;
    bad.dest.domid = 0;
    expect_eq(copy(&bad), GNTST_permission_denied, "copy to a GFN named by domid, not DOMID_SELF");
    bad.dest.domid = 5;
    expect_eq(copy(&bad), GNTST_bad_domain, "copy to a GFN of a domain that does not exist");

    /*
     * GNTTABOP_map_grant_ref from an HVM domain: no device mappings; a
     * handle never handed out. (Mapping its own grant is no test of the
     * P2M path: Xen 4.17 then unhooks the frame's own GFN, an alias. A PVH
     * driver domain maps another domain's grants: toolstack-pvh's
     * pvh-drvdom-*.)
     */
    grant_handle_t hx;
    expect_eq(map_ref(12, PVH_HIGH_WINDOW + 0x5000, GNTMAP_host_map | GNTMAP_device_map, &hx),
              GNTST_general_error, "device_map from an HVM domain");
    expect_eq(unmap_ref(1000, PVH_HIGH_WINDOW + 0x5000), GNTST_bad_handle, "unmap of a handle never handed out");
    b[12].flags = 0;

    qs.dom = 1000;
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "query_size(missing domain)");
    expect_eq(qs.status, GNTST_bad_domain, "bad domain");
}
