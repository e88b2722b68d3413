/*
 * grant_table: GNTTABOP_query_size and setup_table for DOMID_SELF, the
 * version, and Xen 4.17's errors: status codes inside the structures,
 * -EFAULT for bad pointers, -ENOSYS for unknown commands.
 */
#include "test.h"
#include <xen/grant_table.h>

const char test_name[] = "grant_table";

void test_main(void)
{
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    xen_pfn_t frames[4] = { 0 };

    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "query_size");
    expect_eq(qs.status, GNTST_okay, "query_size status");
    check(qs.nr_frames >= 1 && qs.max_nr_frames >= qs.nr_frames, "frame counts");
    printk("grant_table: %u of %u frames\n", qs.nr_frames, qs.max_nr_frames);

    set_xen_guest_handle(st.frame_list, frames);
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table");
    expect_eq(st.status, GNTST_okay, "setup_table status");
    check(frames[0] != 0, "a grant frame for us");

    st.nr_frames = 100000;
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table huge");
    expect_eq(st.status, GNTST_general_error, "too many frames: general error");
    st.nr_frames = 1;
    st.dom = 1000;
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table dom 1000");
    expect_eq(st.status, GNTST_bad_domain, "missing domain: bad_domain");

    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0, "get_version");
    expect_eq(gv.version, 1, "version 1");

    qs.dom = 1000;
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "query_size dom 1000");
    expect_eq(qs.status, GNTST_bad_domain, "bad_domain");
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, 0, 1), -XEN_EFAULT, "query_size, NULL");
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 0), -XEN_EINVAL,
              "query_size takes exactly one entry (count 0)");
    expect_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 2), -XEN_EINVAL,
              "query_size count 2");
    expect_eq(HYPERVISOR_grant_table_op(99, &qs, 1), -XEN_ENOSYS, "unknown command 99");
}
