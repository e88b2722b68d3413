/*
 * pvh-domctl: the PVH toolstack domctls with bad input, for
 * scripts/toolstack/pvh.sh; each answer must be Xen 4.17's. Usage:
 *     pvh-domctl DOMID      (DOMID: a PVH domU created paused, thrown away after)
 * One line per case, "NAME=RC" (RC: 0 or -errno), through /proc/xen/privcmd
 * (IOCTL_PRIVCMD_HYPERCALL). Built statically on the host by
 * scripts/mkinitramfs-toolstack.sh with Debian's libxen-dev headers.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/types.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/hvm/save.h>
#include <xen/sys/privcmd.h>

static int fd;
static struct xen_domctl dc __attribute__((aligned(4096)));
static uint8_t ctx[8192] __attribute__((aligned(4096)));

static long domctl(uint32_t cmd, domid_t dom)
{
    privcmd_hypercall_t hc = { .op = __HYPERVISOR_domctl, .arg = { (uintptr_t)&dc } };

    dc.cmd = cmd;
    dc.domain = dom;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &hc) ? -errno : 0;
}

/* A createdomain the checks refuse: nothing is created (a success is destroyed and shown). */
static long create(uint32_t flags, uint32_t emu)
{
    long rc;

    memset(&dc, 0, sizeof(dc));
    dc.u.createdomain = (struct xen_domctl_createdomain){
        .flags = flags, .max_vcpus = 1, .max_evtchn_port = 1023, .max_grant_frames = 32,
        .max_maptrack_frames = 1024, .grant_opts = XEN_DOMCTL_GRANT_version(1),
        .arch.emulation_flags = emu,
    };
    rc = domctl(XEN_DOMCTL_createdomain, 0);
    if (!rc) {
        domid_t made = dc.domain;
        memset(&dc, 0, sizeof(dc));
        domctl(XEN_DOMCTL_destroydomain, made);
    }
    return rc;
}

static long hvmctx(uint32_t cmd, domid_t dom, uint32_t size, bool buffer)
{
    memset(&dc, 0, sizeof(dc));
    dc.u.hvmcontext.size = size;
    if (buffer)
        set_xen_guest_handle(dc.u.hvmcontext.buffer, ctx);
    return domctl(cmd, dom);
}

/* HEADER (magic, version as given), then one more descriptor of typecode (none if 0xffff), no END. */
static uint32_t context(uint32_t magic, uint16_t typecode)
{
    struct hvm_save_descriptor d = { .typecode = HVM_SAVE_CODE(HEADER),
                                     .length = sizeof(struct hvm_save_header) };
    struct hvm_save_header h = { .magic = magic, .version = HVM_FILE_VERSION };
    uint32_t n = 0;

    memset(ctx, 0, sizeof(ctx));
    memcpy(ctx, &d, sizeof(d));
    memcpy(ctx + sizeof(d), &h, sizeof(h));
    n = sizeof(d) + sizeof(h);
    if (typecode != 0xffff) {
        d = (struct hvm_save_descriptor){ .typecode = typecode, .length = 8 };
        memcpy(ctx + n, &d, sizeof(d));
        n += sizeof(d) + 8;
    }
    return n;
}

int main(int argc, char **argv)
{
    domid_t domu;

    if (argc != 2 || (fd = open("/proc/xen/privcmd", O_RDWR)) < 0) {
        fprintf(stderr, "usage: pvh-domctl DOMID (with /proc/xen/privcmd)\n");
        return 1;
    }
    domu = (domid_t)atoi(argv[1]);
    mlock(&dc, sizeof(dc));
    mlock(ctx, sizeof(ctx));

    printf("create-hap-without-hvm=%ld\n", create(XEN_DOMCTL_CDF_hap, 0));
    printf("create-pvh-no-lapic=%ld\n", create(XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap, 0));
    printf("create-pvh-unknown-emu=%ld\n",
           create(XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap, XEN_X86_EMU_LAPIC | (1u << 11)));
    printf("create-pv-lapic=%ld\n", create(0, XEN_X86_EMU_LAPIC));

    memset(&dc, 0, sizeof(dc));
    printf("mempool-get-pv=%ld\n", domctl(XEN_DOMCTL_get_paging_mempool_size, 0));
    memset(&dc, 0, sizeof(dc));
    dc.u.paging_mempool.size = 4097;
    printf("mempool-set-unaligned=%ld\n", domctl(XEN_DOMCTL_set_paging_mempool_size, domu));
    memset(&dc, 0, sizeof(dc));
    dc.u.paging_mempool.size = 1ull << 50;
    printf("mempool-set-huge=%ld\n", domctl(XEN_DOMCTL_set_paging_mempool_size, domu));

    long rc = hvmctx(XEN_DOMCTL_gethvmcontext, domu, 0, false);
    printf("getctx-size=%ld,%s\n", rc, dc.u.hvmcontext.size > 0 ? "nonzero" : "zero");
    printf("getctx-short=%ld\n", hvmctx(XEN_DOMCTL_gethvmcontext, domu, 16, true));
    printf("getctx-pv=%ld\n", hvmctx(XEN_DOMCTL_gethvmcontext, 0, sizeof(ctx), true));
    printf("setctx-self=%ld\n", hvmctx(XEN_DOMCTL_sethvmcontext, 0, context(HVM_FILE_MAGIC, 0xffff), true));
    printf("setctx-bad-magic=%ld\n", hvmctx(XEN_DOMCTL_sethvmcontext, domu, context(1, 0xffff), true));
    printf("setctx-no-header=%ld\n", hvmctx(XEN_DOMCTL_sethvmcontext, domu, 4, true));
    printf("setctx-no-end=%ld\n", hvmctx(XEN_DOMCTL_sethvmcontext, domu, context(HVM_FILE_MAGIC, 0xffff), true));
    printf("setctx-unknown-type=%ld\n", hvmctx(XEN_DOMCTL_sethvmcontext, domu, context(HVM_FILE_MAGIC, 200), true));
    printf("setctx-overrun=%ld\n", hvmctx(XEN_DOMCTL_sethvmcontext, domu, context(HVM_FILE_MAGIC, HVM_SAVE_CODE(MTRR)) - 4, true));
    return 0;
}
