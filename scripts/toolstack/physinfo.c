/*
 * physinfo: the hypervisor's page-exact memory counts for the density and
 * soak runs in the toolstack dom0 (xl info rounds free_memory to MiB).
 * One XEN_SYSCTL_physinfo through /proc/xen/privcmd (IOCTL_PRIVCMD_HYPERCALL),
 * printed as one line:
 *     free_pages=N total_pages=N scrub_pages=N
 * Built statically on the host by scripts/mkinitramfs-toolstack.sh with
 * Debian's libxen-dev headers; exit status 1 (and a message on stderr) if
 * the call fails.
 */
#define __XEN_TOOLS__ 1
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/types.h>
#include <xen/xen.h>
#include <xen/sysctl.h>
#include <xen/sys/privcmd.h>

int main(void)
{
    static struct xen_sysctl sc __attribute__((aligned(4096)));
    privcmd_hypercall_t hc = { .op = __HYPERVISOR_sysctl, .arg = { (uintptr_t)&sc } };
    int fd = open("/proc/xen/privcmd", O_RDWR);
    long rc;

    if (fd < 0) {
        perror("physinfo: /proc/xen/privcmd");
        return 1;
    }
    memset(&sc, 0, sizeof(sc));
    sc.cmd = XEN_SYSCTL_physinfo;
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    mlock(&sc, sizeof(sc));                 /* present while the hypervisor writes it */
    rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &hc);
    if (rc) {
        perror("physinfo: XEN_SYSCTL_physinfo");
        return 1;
    }
    printf("free_pages=%llu total_pages=%llu scrub_pages=%llu\n",
           (unsigned long long)sc.u.physinfo.free_pages,
           (unsigned long long)sc.u.physinfo.total_pages,
           (unsigned long long)sc.u.physinfo.scrub_pages);
    return 0;
}
