/*
 * Building dom0 as a PVH guest (Xen's `dom0=pvh`, 4.17
 * arch/x86/hvm/dom0_build.c semantics, docs/misc/pvh.pandoc):
 *
 *   - an HVM domain with nested paging; its RAM is dom0_mem frames at
 *     GFNs [0, 0xa0) and from 0x100 on (the legacy VGA/ROM hole left
 *     empty), given to the guest as its memory map (XENMEM_memory_map);
 *   - the ELF kernel (bzImage or raw) is loaded at its physical addresses
 *     (p_paddr); it must carry XEN_ELFNOTE_PHYS32_ENTRY;
 *   - after the kernel, page-aligned: the initrd, its hvm_modlist_entry,
 *     the command line, then struct hvm_start_info (magic, SIF_PRIVILEGED |
 *     SIF_INITDOMAIN, version 0 as Xen 4.17's dom0 builder leaves it);
 *   - vCPU 0 enters PHYS32_ENTRY in flat 32-bit protected mode, paging
 *     off, EBX = start_info's physical address.
 *
 * Not yet: more than one vCPU, identity-mapped MMIO and ACPI tables for
 * dom0 (rsdp_paddr 0), device access. A kernel that cannot be used panics
 * ("Could not set up DOM0 guest OS"), as Xen does.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/kernel_image.h>
#include <xenia/memory_op.h>
#include <xenia/mm.h>
#include <xenia/page_alloc.h>
#include <xenia/param.h>
#include <xenia/sched.h>
#include <xen/sched.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <asm/dom0_build.h>
#include <asm/e820.h>
#include <asm/page.h>
#include <asm/smp.h>
#include <asm/hvm/hvm.h>

#define LOW_RAM_END_GFN     0xa0        /* 640 KiB */
#define HIGH_RAM_START_GFN  0x100       /* 1 MiB */

bool opt_dom0_pvh;

/* dom0=<list>: Xen's dom0 options; "pvh" builds dom0 as PVH, "pv" as PV (the default). */
static int parse_dom0(const char *s)
{
    while (*s) {
        const char *end = s;
        while (*end && *end != ',')
            end++;
        if (end - s == 3 && !strncmp(s, "pvh", 3))
            opt_dom0_pvh = true;
        else if (end - s == 2 && !strncmp(s, "pv", 2))
            opt_dom0_pvh = false;
        s = *end ? end + 1 : end;
    }
    return 0;
}
custom_param("dom0", parse_dom0);

struct pvh_builder {
    struct domain *d;
    struct xen_kernel_info info;
    unsigned long nr_pages;
    uint64_t ram_end;                   /* bytes: end of the high RAM region */
};

static unsigned long pfn_to_gfn(unsigned long pfn)
{
    return pfn < LOW_RAM_END_GFN ? pfn : pfn - LOW_RAM_END_GFN + HIGH_RAM_START_GFN;
}

/* A PVH dom0's pfn (0..nr_pages-1, RAM below and above the hole) at its GFN, P2M and M2P. */
static int map_pvh_frame(void *ctx, unsigned long pfn, unsigned long mfn)
{
    struct hvm_domain *h = ctx;
    unsigned long gfn = pfn_to_gfn(pfn);

    spin_lock(&h->p2m_lock);
    int rc = p2m_set_entry(&h->p2m, gfn, mfn, p2m_ram_rw);
    spin_unlock(&h->p2m_lock);
    if (!rc)
        set_gpfn_from_mfn(mfn, gfn);
    return rc;
}

/* dom0's RAM, mapped in its P2M (and the M2P, as for every domain frame). */
static int populate_p2m(struct pvh_builder *b)
{
    int rc = dom0_alloc_memory(b->d, b->nr_pages, map_pvh_frame, b->d->arch.hvm);

    if (rc)
        return rc;
    b->ram_end = (uint64_t)(pfn_to_gfn(b->nr_pages - 1) + 1) << PAGE_SHIFT;
    return 0;
}

static int set_memory_map(struct pvh_builder *b)
{
    const struct e820entry map[] = {
        { 0, LOW_RAM_END_GFN << PAGE_SHIFT, E820_RAM },
        { LOW_RAM_END_GFN << PAGE_SHIFT, (HIGH_RAM_START_GFN - LOW_RAM_END_GFN) << PAGE_SHIFT,
          E820_RESERVED },
        { HIGH_RAM_START_GFN << PAGE_SHIFT, b->ram_end - (HIGH_RAM_START_GFN << PAGE_SHIFT),
          E820_RAM },
    };

    return memory_map_set(b->d, map, b->nr_pages > LOW_RAM_END_GFN ? 3 : 1);
}

/* elf_load_segments() callback: guest_virt - virt_offset is the segment's physical address. */
static int load_segment(void *ctx, uint64_t guest_virt, const void *src, size_t bytes,
                        size_t zero_bytes)
{
    struct pvh_builder *b = ctx;
    uint64_t gpa = guest_virt - b->info.virt_offset;

    if (hvm_copy_to_guest_phys(b->d, gpa, src, bytes))
        return -EINVAL;
    for (size_t done = 0; done < zero_bytes;) {
        static const uint8_t zeroes[256];
        size_t n = MIN(sizeof(zeroes), zero_bytes - done);
        if (hvm_copy_to_guest_phys(b->d, gpa + bytes + done, zeroes, n))
            return -EINVAL;
        done += n;
    }
    return 0;
}

static int load_kernel(struct pvh_builder *b, const void *mod, size_t bytes)
{
    struct kernel_image img;
    void *buf = NULL;
    unsigned int order = 0;
    int rc = kernel_image_probe(mod, bytes, &img);

    if (rc)
        return rc;
    if (img.format == KERNEL_IMAGE_BZIMAGE) {
        order = get_order_from_bytes(img.elf_bytes);
        buf = alloc_xenheap_pages(order);
        if (!buf)
            return -ENOMEM;
        rc = kernel_image_decompress(&img, buf, PAGE_SIZE << order);
    }
    if (!rc)
        rc = elf_parse_xen_kernel(img.elf, img.elf_bytes, &b->info);
    if (!rc && b->info.phys_entry == XEN_KERNEL_UNSET_ADDR32) {
        printk("dom0 kernel: Unable to find XEN_ELFNOTE_PHYS32_ENTRY address\n");
        rc = -EINVAL;
    }
    if (!rc && (b->info.pend > b->ram_end || b->info.pstart < (HIGH_RAM_START_GFN << PAGE_SHIFT))) {
        printk("dom0 kernel: [%#lx, %#lx) is not in dom0's RAM\n",
               (unsigned long)b->info.pstart, (unsigned long)b->info.pend);
        rc = -EINVAL;
    }
    if (!rc)
        rc = elf_load_segments(img.elf, img.elf_bytes, &b->info, load_segment, b);
    if (buf)
        free_xenheap_pages(buf, order);
    return rc;
}

/* Initrd, module list, command line and start_info after the kernel; *si = start_info's address. */
static int place_boot_info(struct pvh_builder *b, const void *initrd, size_t initrd_bytes,
                           const char *cmdline, uint64_t *si)
{
    struct hvm_start_info start = { .magic = XEN_HVM_START_MAGIC_VALUE,
                                    .flags = SIF_PRIVILEGED | SIF_INITDOMAIN };
    struct hvm_modlist_entry mod = { 0 };
    uint64_t addr = (b->info.pend + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    size_t cl_bytes = strlen(cmdline) + 1;
    uint64_t need = (initrd_bytes + PAGE_SIZE) + sizeof(mod) + cl_bytes + 8 + sizeof(start);

    if (addr + need > b->ram_end) {
        printk("dom0: no room for the initrd and start info\n");
        return -ENOMEM;
    }
    if (initrd_bytes) {
        if (hvm_copy_to_guest_phys(b->d, addr, initrd, initrd_bytes))
            return -EINVAL;
        mod.paddr = addr;
        mod.size = initrd_bytes;
        addr = (addr + initrd_bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }
    if (hvm_copy_to_guest_phys(b->d, addr, cmdline, cl_bytes))
        return -EINVAL;
    start.cmdline_paddr = addr;
    addr = (addr + cl_bytes + 7) & ~7UL;
    if (initrd_bytes) {
        if (hvm_copy_to_guest_phys(b->d, addr, &mod, sizeof(mod)))
            return -EINVAL;
        start.modlist_paddr = addr;
        start.nr_modules = 1;
        addr += sizeof(mod);
    }
    if (hvm_copy_to_guest_phys(b->d, addr, &start, sizeof(start)))
        return -EINVAL;
    *si = addr;
    return 0;
}

struct domain *construct_dom0_pvh(const void *kernel, size_t kernel_bytes,
                                  const void *initrd, size_t initrd_bytes,
                                  const char *cmdline)
{
    static struct pvh_builder b;
    struct vcpu *v;
    uint64_t si = 0;
    int rc;

    /* vCPU 0 starts at the entry point; the others wait, down, for INIT/STARTUP or VCPUOP_initialise. */
    unsigned int nr_vcpus = MIN(MAX(dom0_max_vcpus_opt(), 1u), (unsigned int)MAX_VIRT_CPUS_XENIA);

    printk("*** Building a PVH Dom0 ***\n");
    if ((rc = domain_create(0, true, nr_vcpus, &b.d)) || (rc = hvm_domain_initialise(b.d)))
        goto fail;
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        struct vcpu *w = vcpu_create(b.d, i, i % num_online_cpus());
        if (!w || hvm_vcpu_initialise(w)) {
            rc = -ENOMEM;
            goto fail;
        }
    }
    v = b.d->vcpu[0];
    b.nr_pages = dom0_nr_pages();
    b.d->max_pages = b.nr_pages;
    if ((rc = populate_p2m(&b)) || (rc = set_memory_map(&b)) ||
        (rc = load_kernel(&b, kernel, kernel_bytes)) ||
        (rc = place_boot_info(&b, initrd, initrd_bytes, cmdline, &si)))
        goto fail;
    b.d->max_pages = dom0_mem_max_pages(b.nr_pages);

    const struct hvm_boot_state boot = { .eip = b.info.phys_entry, .ebx = (uint32_t)si };
    hvm_set_boot_state(v, &boot);
    v->is_initialised = true;
    v->pause_flags &= ~VPF_down;
    time_init_domain(b.d);
    printk("dom0 (PVH): %lu MiB, %u vCPU(s), entry %#x, start_info %#lx, P2M %lu tables\n",
           b.nr_pages >> 8, nr_vcpus, b.info.phys_entry, (unsigned long)si, b.d->arch.hvm->p2m.nr_tables);
    return b.d;

fail:
    panic("Could not set up DOM0 guest OS (rc = %d)", rc);
}
