/* Building the initial domain (arch/x86/pv/dom0_build.c). */
#ifndef ASM_DOM0_BUILD_H
#define ASM_DOM0_BUILD_H

#include <xenia/types.h>

struct domain;

/*
 * construct_dom0(): build domain 0 from the kernel module (bzImage or ELF,
 * kernel_bytes bytes), the optional initrd module and dom0's command line.
 * Honours dom0_mem= and dom0_max_vcpus=. Returns the domain with vCPU 0
 * ready to run (not yet woken). A kernel that cannot be used panics with
 * the reason ("Could not set up DOM0 guest OS"), as Xen does.
 */
struct domain *construct_dom0(const void *kernel, size_t kernel_bytes,
                              const void *initrd, size_t initrd_bytes,
                              const char *cmdline);

/*
 * write_hypercall_page(): fill a PV guest's hypercall page (one 32-byte
 * syscall stub per hypercall; iret's never returns). The dom0 builder and
 * XEN_DOMCTL_hypercall_init (libxc's builder, for ELF kernels with
 * XEN_ELFNOTE_HYPERCALL_PAGE) use it.
 */
void write_hypercall_page(uint8_t *page);

/*
 * dom0_nr_pages(): the frames dom0 gets: dom0_mem= (capped by its max:),
 * else all free memory but a reserve for the hypervisor. Boot CPU, before
 * dom0's memory is allocated.
 */
unsigned long dom0_nr_pages(void);
/*
 * dom0_max_vcpus_opt(): dom0_max_vcpus= as given on the command line (Xen's
 * option), 0 when it was not. The PV builder defaults to one vCPU per
 * pCPU, the PVH builder to one vCPU.
 */
unsigned int dom0_max_vcpus_opt(void);
/* dom0_mem_max_pages(): XENMEM_maximum_reservation for dom0 of nr_pages (dom0_mem=max:, else unlimited). */
unsigned int dom0_mem_max_pages(unsigned long nr_pages);

/*
 * dom0_alloc_memory(): give d nr_pages frames (4 KiB each), allocated in the
 * largest blocks the heap has; map(ctx, pfn, mfn) records each, pfn 0 to
 * nr_pages - 1 in order (the PV and PVH builders fill their P2M and the
 * M2P). Boot CPU. Returns 0, -ENOMEM, or map's error (frames allocated so
 * far stay d's, freed with it).
 */
int dom0_alloc_memory(struct domain *d, unsigned long nr_pages,
                      int (*map)(void *ctx, unsigned long pfn, unsigned long mfn), void *ctx);

/* time_init_domain(): wallclock in d's shared_info (wc_sec/wc_nsec, version protocol). */
void time_init_domain(struct domain *d);

#endif
