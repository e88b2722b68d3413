/*
 * pvh_basic: a PVH dom0 (dom0=pvh, AMD SVM with nested paging) sees Xen
 * 4.17's PVH start of day and its basic HVM hypercalls:
 *   - hvm_start_info (EBX at the 32-bit entry): magic, SIF_PRIVILEGED |
 *     SIF_INITDOMAIN, the command line, no modules;
 *   - the Xen CPUID leaves (signature, version 4.17, one hypercall page
 *     filled through the MSR they name: console_io works through it);
 *   - xen_version through VMMCALL, buffers written across a page boundary,
 *     bad guest pointers (unmapped linear address, no RAM behind) -EFAULT;
 *   - XENMEM_memory_map: RAM covers the image and the start info;
 *   - HVMOP_get_param/set_param of HVM_PARAM_CALLBACK_IRQ (a vector), bad
 *     indexes and domains;
 *   - guest memory read and written from the guest itself.
 */
#include "pvh.h"
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

const char test_name[] = "pvh_basic";

static char cross_page[2 * 4096] __attribute__((aligned(4096)));
static struct e820entry { uint64_t addr, size; uint32_t type; } __attribute__((packed)) map[128];

static bool terminated(const char *s, size_t n)
{
    for ( size_t i = 0; i < n; i++ )
        if ( !s[i] )
            return true;
    return false;
}

static void check_start_info(void)
{
    expect_eq(start_info->magic, XEN_HVM_START_MAGIC_VALUE, "start_info magic");
    expect_eq(start_info->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN),
              SIF_PRIVILEGED | SIF_INITDOMAIN, "start_info flags: privileged dom0");
    expect_eq(start_info->nr_modules, 0, "no modules (no initrd given)");
    check(start_info->cmdline_paddr != 0, "command line given");
    if ( start_info->cmdline_paddr )
    {
        const char *cl = (const char *)start_info->cmdline_paddr;
        check(terminated(cl, 1024), "command line terminated");
        printk("cmdline: '%s'\n", cl);
    }
    check((uint64_t)start_info + sizeof(*start_info) <= (4UL << 30), "start_info below 4 GiB");
    check((uint64_t)start_info + sizeof(*start_info) <= (uint64_t)_text ||
          (uint64_t)start_info >= (uint64_t)_end, "start_info outside the image");
}

static void check_cpuid(void)
{
    uint32_t a, b, c, d;

    cpuid(xen_cpuid_base + 1, &a, &b, &c, &d);
    expect_eq(a, (4 << 16) | 17, "CPUID Xen leaf 1: version 4.17");
    cpuid(xen_cpuid_base + 2, &a, &b, &c, &d);
    expect_eq(a, 1, "CPUID Xen leaf 2: one hypercall page");
    expect_eq(b, 0x40000000, "CPUID Xen leaf 2: hypercall MSR");
    /* The page holds stubs: the first bytes of stub 0 are no longer zero. */
    check(hypercall_page[0] != 0, "hypercall page filled");
}

static void check_version(void)
{
    xen_extraversion_t extra;
    char *x = cross_page + 4096 - 8;     /* 16 bytes across the page boundary */

    expect_eq(HYPERVISOR_xen_version(XENVER_version, 0), (4 << 16) | 17, "xen_version 4.17");
    memset(extra, 0x55, sizeof(extra));
    expect_eq(HYPERVISOR_xen_version(XENVER_extraversion, extra), 0, "extraversion");
    check(terminated(extra, sizeof(extra)), "extraversion terminated");
    memset(x, 0x55, sizeof(xen_extraversion_t));
    expect_eq(HYPERVISOR_xen_version(XENVER_extraversion, x), 0, "extraversion across pages");
    expect_eq(memcmp(x, extra, sizeof(extra)), 0, "same bytes across the page boundary");
    expect_eq(HYPERVISOR_xen_version(XENVER_extraversion, (void *)(512UL << 30)), -XEN_EFAULT,
              "unmapped linear address: -EFAULT");
    expect_eq(HYPERVISOR_xen_version(XENVER_extraversion, (void *)PVH_HIGH_WINDOW), -XEN_EFAULT,
              "mapped address without RAM behind it: -EFAULT");
}

static void check_memory_map(void)
{
    struct xen_memory_map mm = { .nr_entries = ARRAY_SIZE(map) };
    bool image = false, si = false;
    unsigned int i;

    set_xen_guest_handle(mm.buffer, map);
    expect_eq(HYPERVISOR_memory_op(XENMEM_memory_map, &mm), 0, "XENMEM_memory_map");
    check(mm.nr_entries > 0 && mm.nr_entries <= ARRAY_SIZE(map), "memory map entries");
    for ( i = 0; i < mm.nr_entries && i < ARRAY_SIZE(map); i++ )
    {
        if ( map[i].type != 1 )
            continue;
        if ( map[i].addr <= (uint64_t)_text && map[i].addr + map[i].size >= (uint64_t)_end )
            image = true;
        if ( map[i].addr <= (uint64_t)start_info &&
             map[i].addr + map[i].size >= (uint64_t)start_info + sizeof(*start_info) )
            si = true;
    }
    check(image, "RAM covers the image");
    check(si, "RAM covers the start info");
}

static void check_params(void)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ };
    uint64_t via = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | 0xf3;

    expect_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &p), 0, "get CALLBACK_IRQ");
    expect_eq(p.value, 0, "no callback yet");
    p.value = via;
    expect_eq(HYPERVISOR_hvm_op(HVMOP_set_param, &p), 0, "set CALLBACK_IRQ to a vector");
    p.value = 0;
    expect_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &p), 0, "get CALLBACK_IRQ again");
    expect_eq(p.value, via, "the vector reads back");
    p.index = HVM_NR_PARAMS;
    expect_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &p), -XEN_EINVAL, "index past HVM_NR_PARAMS");
    p.index = HVM_PARAM_CALLBACK_IRQ;
    p.domid = 1000;                      /* below DOMID_FIRST_RESERVED, no such domain */
    expect_eq(HYPERVISOR_hvm_op(HVMOP_get_param, &p), -XEN_ESRCH, "missing domain");
    expect_eq(HYPERVISOR_hvm_op(HVMOP_get_param, (void *)(512UL << 30)), -XEN_EFAULT,
              "bad argument pointer");
}

static void check_memory(void)
{
    static uint64_t buf[8192];
    uint64_t sum = 0;

    for ( unsigned int i = 0; i < ARRAY_SIZE(buf); i++ )
        ACCESS_ONCE(buf[i]) = i * 0x9e3779b97f4a7c15UL;
    for ( unsigned int i = 0; i < ARRAY_SIZE(buf); i++ )
        sum += ACCESS_ONCE(buf[i]) == i * 0x9e3779b97f4a7c15UL;
    expect_eq(sum, ARRAY_SIZE(buf), "64 KiB written and read back");
}

void test_main(void)
{
    check_start_info();
    check_cpuid();
    check_version();
    check_memory_map();
    check_params();
    check_memory();
}
