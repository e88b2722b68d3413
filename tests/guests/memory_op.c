/*
 * memory_op: HYPERVISOR_memory_op reservation queries for DOMID_SELF,
 * the M2P location, the memory maps, giving a page back and getting one
 * again, XENMEM_exchange (four frames for one machine-contiguous extent
 * below 4 GiB, as swiotlb-xen asks); bad pointers, domids, sizes and
 * commands fail as in Xen 4.17.
 */
#include "test.h"
#include <xen/memory.h>

const char test_name[] = "memory_op";

/* A page we give back to Xen and repopulate. */
static char spare[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));

/* Reservation queries and the machine-to-phys description. */
static void queries(void)
{
    domid_t self = DOMID_SELF, none = 1000, xen = DOMID_XEN;
    struct xen_machphys_mapping mm;
    long rc;

    rc = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    expect_eq(rc, start_info->nr_pages, "current_reservation == start_info nr_pages");
    rc = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
    expect_eq(rc, 0xffffffffL, "dom0's maximum_reservation is unlimited (~0U)");
    rc = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, 0);
    check(rc > (long)pfn_to_mfn(0), "maximum_ram_page above our frames");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &none), -XEN_ESRCH,
              "current_reservation of a missing domain");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &xen), -XEN_ESRCH,
              "current_reservation of DOMID_XEN");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, 0), -XEN_EFAULT,
              "current_reservation, NULL");
    expect_eq(HYPERVISOR_memory_op(XENMEM_maximum_reservation, HYPERVISOR_VIRT_START),
              -XEN_EFAULT, "maximum_reservation, hypervisor address");

    expect_eq(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mm), 0, "machphys_mapping");
    expect_eq(mm.v_start, MACH2PHYS_VIRT_START, "M2P starts at MACH2PHYS_VIRT_START");
    check(mm.v_end > mm.v_start && mm.v_end <= MACH2PHYS_VIRT_END, "M2P end in range");
    printk("memory_op: M2P %#lx-%#lx max_mfn %#lx, maximum_ram_page %#lx\n",
           mm.v_start, mm.v_end, mm.max_mfn, rc);
    expect_eq(mm.max_mfn + 1, rc, "M2P max_mfn is the last frame below maximum_ram_page");
    expect_eq(HYPERVISOR_memory_op(XENMEM_machphys_mapping, 0), -XEN_EFAULT,
              "machphys_mapping, NULL");
    expect_eq(HYPERVISOR_memory_op(99, &self), -XEN_ENOSYS, "unknown command 99");
}

/* XENMEM_memory_map (pseudo-physical) and machine_memory_map (host). */
static void memory_maps(void)
{
    static struct { uint64_t addr, size; uint32_t type; } __attribute__((packed)) e820[64];
    struct xen_memory_map map;
    long rc;

    map.nr_entries = ARRAY_SIZE(e820);
    set_xen_guest_handle(map.buffer, (void *)e820);
    /* A PV dom0 has no pseudo-physical map of its own in Xen 4.17. */
    rc = HYPERVISOR_memory_op(XENMEM_memory_map, &map);
    expect_eq(rc, -XEN_ENOSYS, "XENMEM_memory_map of a PV dom0");

    map.nr_entries = ARRAY_SIZE(e820);
    rc = HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map);
    expect_eq(rc, 0, "XENMEM_machine_memory_map (dom0)");
    check(map.nr_entries >= 3 && map.nr_entries <= ARRAY_SIZE(e820), "host e820 entries");
    check(e820[0].type == 1 && e820[0].addr == 0, "host e820 starts with RAM at 0");

    map.nr_entries = ARRAY_SIZE(e820);
    set_xen_guest_handle(map.buffer, (void *)0x10000000UL);
    expect_eq(HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map), -XEN_EFAULT,
              "machine_memory_map into unmapped buffer");
    expect_eq(HYPERVISOR_memory_op(XENMEM_machine_memory_map, 0), -XEN_EFAULT,
              "machine_memory_map, NULL");
}

/* Give spare's frame back, check it is gone, populate it again. */
static void give_and_take(void)
{
    unsigned long pfn = ((unsigned long)spare - 0x400000) >> PAGE_SHIFT;
    unsigned long mfn = pfn_to_mfn(pfn);
    xen_pfn_t extent = mfn;
    struct xen_memory_reservation r = {
        .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF,
    };
    domid_t self = DOMID_SELF;
    long before = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    mmu_update_t u;

    /* Unmap it first: Xen will not free a frame we still map. */
    expect_eq(HYPERVISOR_update_va_mapping(spare, 0, UVMF_INVLPG), 0, "unmap spare");
    set_xen_guest_handle(r.extent_start, &extent);
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1,
              "decrease_reservation of one frame");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), before - 1,
              "reservation one smaller");
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0,
              "freeing a frame we no longer own does nothing");
    expect_eq(HYPERVISOR_update_va_mapping(spare, ((uint64_t)mfn << PAGE_SHIFT) | _PAGE_PRESENT, 0),
              -XEN_EBUSY, "mapping the freed frame is refused");

    extent = pfn;
    expect_eq(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1, "populate_physmap");
    check(extent != 0 && extent != pfn, "populate_physmap returned the new frame");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), before,
              "reservation restored");
    u.ptr = ((uint64_t)extent << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
    u.val = pfn;
    expect_eq(HYPERVISOR_mmu_update(&u, 1, 0, DOMID_SELF), 0, "M2P update of the new frame");
    expect_eq(mfn_to_pfn(extent), pfn, "M2P now names our pfn");
    ((unsigned long *)start_info->mfn_list)[pfn] = extent;
    expect_eq(HYPERVISOR_update_va_mapping(spare,
              ((uint64_t)extent << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW, UVMF_INVLPG),
              0, "map the new frame");
    spare[0] = 1;
    check(spare[0] == 1 && spare[1] == 0, "new frame is writable and zeroed");

    r.nr_extents = 1;
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)0x10000000UL);
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0,
              "decrease_reservation, unmapped extent list: 0 done");
    r.extent_order = 40;
    set_xen_guest_handle(r.extent_start, &extent);
    expect_eq(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0,
              "populate_physmap of order 40: 0 done");
    r.extent_order = 0;
    r.domid = 1000;
    expect_eq(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0,
              "populate_physmap of a missing domain: 0 done");
}

/* XENMEM_exchange of n fresh frames (in, order 0) for one extent of order `order`. */
static long exchange(xen_pfn_t *in, unsigned int n, unsigned int in_order, xen_pfn_t *out,
                     unsigned int nr_out, unsigned int out_order, unsigned int bits,
                     xen_ulong_t *done)
{
    struct xen_memory_exchange x = {
        .in = { .nr_extents = n, .extent_order = in_order, .domid = DOMID_SELF },
        .out = { .nr_extents = nr_out, .extent_order = out_order, .domid = DOMID_SELF,
                 .mem_flags = XENMEMF_address_bits(bits) },
    };
    set_xen_guest_handle(x.in.extent_start, in);
    set_xen_guest_handle(x.out.extent_start, out);
    long rc = HYPERVISOR_memory_op(XENMEM_exchange, &x);
    *done = x.nr_exchanged;
    return rc;
}

static void exchange_frames(void)
{
    domid_t self = DOMID_SELF;
    xen_pfn_t in[4], out[1] = { 0x7000 }, keep[4];   /* out: the GPFN to give the extent */
    struct xen_memory_reservation r = { .nr_extents = 4, .extent_order = 0, .domid = DOMID_SELF };
    xen_ulong_t done;

    /* Four fresh frames, mapped nowhere: what Linux hands in after zapping its PTEs. */
    set_xen_guest_handle(r.extent_start, in);
    expect_eq(HYPERVISOR_memory_op(XENMEM_increase_reservation, &r), 4, "four fresh frames");
    long before = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    memcpy(keep, in, sizeof(in));

    /* Bad input first: nothing traded. */
    expect_eq(exchange(in, 4, 0, out, 1, 1, 32, &done), -XEN_EINVAL, "4 frames for 2: -EINVAL");
    expect_eq(done, 0, "nothing exchanged");
    expect_eq(exchange(in, 4, 0, out, 1, 30, 32, &done), -XEN_EPERM,
              "an order beyond the caller's limit: -EPERM");
    expect_eq(exchange((xen_pfn_t *)0x10000000UL, 4, 0, out, 1, 2, 32, &done), -XEN_EFAULT,
              "unmapped input list: -EFAULT");
    xen_pfn_t mapped[4] = { pfn_to_mfn(0), in[1], in[2], in[3] };   /* frame 0 is mapped */
    expect_eq(exchange(mapped, 4, 0, out, 1, 2, 32, &done), -XEN_EINVAL,
              "a frame still mapped: -EINVAL");
    expect_eq(done, 0, "nothing exchanged");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), before,
              "the refused exchange kept every frame");

    /* Four order-0 frames for one order-2 extent below 4 GiB. */
    expect_eq(exchange(in, 4, 0, out, 1, 2, 32, &done), 0, "exchange 4 frames for 1 order-2 extent");
    expect_eq(done, 4, "all 4 input extents exchanged");
    check(out[0] != 0x7000 && !(out[0] & 3), "an MFN aligned to 4 frames came back");
    check(out[0] + 4 <= (1UL << 20), "below 4 GiB");
    expect_eq(mfn_to_pfn(out[0]), 0x7000, "M2P: the extent's first frame is GPFN 0x7000");
    expect_eq(mfn_to_pfn(out[0] + 3), 0x7003, "M2P: its last frame is GPFN 0x7003");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), before,
              "the reservation is unchanged");
    r.nr_extents = 1;
    set_xen_guest_handle(r.extent_start, &keep[0]);
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0,
              "an input frame is no longer ours");

    /* Give the extent back. */
    r.extent_order = 2;
    set_xen_guest_handle(r.extent_start, out);
    expect_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1, "free the new extent");
    expect_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), before - 4,
              "reservation 4 smaller");
}

void test_main(void)
{
    queries();
    memory_maps();
    give_and_take();
    exchange_frames();
}
