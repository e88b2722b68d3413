/*
 * The PV dom0 builder: from the kernel and initrd modules to a runnable
 * domain 0, laid out as <xen/xen.h> guarantees for the initial domain:
 *
 *   v_start (VIRT_BASE) ... kernel image [vkern_start, vkern_end)
 *   initrd, unless the kernel asks for it
 *     unmapped (MOD_START_PFN)            [vinitrd_start, vinitrd_end)
 *   P2M list (one unsigned long per PFN),
 *     unless the kernel names its own
 *     address (INIT_P2M)                  [vphysmap_start, vphysmap_end)
 *   start_info page                       [vstartinfo_start, +1 page)
 *   bootstrap page tables (read-only)     [vpt_start, vpt_end)
 *   bootstrap stack                       [vstack_start, vstack_end)
 *   ... at least 512 KiB of padding, v_end aligned to 4 MiB.
 *
 * The region is mapped 1:1 onto the first PFNs: PFN = (va - v_start) >> 12.
 * As on Xen, the frames after it hold what the region does not map: an
 * unmapped initrd (start_info.mod_start is then its first PFN), then the
 * INIT_P2M list and the page tables that map it at the kernel's address
 * (start_info.first_p2m_pfn/nr_p2m_frames: Linux frees them once it has
 * its own P2M, and the W+X-free kernel mapping it checks for depends on it).
 * Memory: dom0_mem= (Xen's syntax: "512M", "min:..,max:..") decides the
 * number of frames; they are allocated in large buddy blocks and P2M/M2P
 * are filled as they come.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/kernel_image.h>
#include <xenia/mm.h>
#include <xenia/page_alloc.h>
#include <xenia/param.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <xen/sched.h>
#include <asm/current.h>
#include <asm/dom0_build.h>
#include <asm/hv_paging.h>
#include <asm/page.h>
#include <asm/pv_mm.h>
#include <asm/smp.h>

#define MB(x)              ((unsigned long)(x) << 20)
#define REGION_ALIGN       MB(4)
#define REGION_PADDING     (512UL << 10)
#define DOM0_RESERVE_BYTES MB(64)           /* left to the hypervisor when dom0_mem is unset */
#define L1_PROT (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define TABLE_PROT (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

static uint64_t opt_dom0_mem_bytes;         /* 0: all but DOM0_RESERVE_BYTES */
static uint64_t opt_dom0_mem_max;
static unsigned int opt_dom0_max_vcpus;     /* 0: one per pCPU */

/* dom0_mem=[min:<size>,][max:<size>,][<size>] (Xen's syntax; min is accepted and ignored). */
static int parse_dom0_mem(const char *s)
{
    while (*s) {
        const char *end;
        if (!strncmp(s, "min:", 4)) {
            parse_size_and_unit(s + 4, &end);
        } else if (!strncmp(s, "max:", 4)) {
            opt_dom0_mem_max = parse_size_and_unit(s + 4, &end);
        } else {
            opt_dom0_mem_bytes = parse_size_and_unit(s, &end);
        }
        if (*end != ',' && *end != '\0')
            return -1;
        s = *end ? end + 1 : end;
    }
    return 0;
}
custom_param("dom0_mem", parse_dom0_mem);
integer_param("dom0_max_vcpus", opt_dom0_max_vcpus);

struct dom0_layout {
    unsigned long v_start, v_end;
    unsigned long vkern_start, vkern_end;
    unsigned long vinitrd_start, vinitrd_end;    /* empty when unmapped */
    unsigned long vphysmap_start, vphysmap_end;  /* empty when INIT_P2M */
    unsigned long vstartinfo_start;
    unsigned long vpt_start, nr_pt_frames;
    unsigned long vstack_start, vstack_end;
    /* Beyond the mapped region (PFNs): */
    unsigned long initrd_pfn;                    /* unmapped initrd's first frame */
    bool p2m_separate;                           /* INIT_P2M honoured */
    unsigned long p2m_va;                        /* start_info.mfn_list */
    unsigned long p2m_pfn, nr_p2m_data_frames;   /* the list's frames, */
    unsigned long nr_p2m_frames;                 /* ... plus its page tables */
};

struct dom0_builder {
    struct domain *d;
    unsigned long nr_pages;          /* frames given to dom0 */
    unsigned long *p2m;              /* hypervisor copy, nr_pages entries */
    struct dom0_layout l;
    struct xen_kernel_info info;
};

static unsigned long round_up(unsigned long x, unsigned long a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Page-table frames needed to map [v_start, v_end) with 4 KiB pages. */
static unsigned long pt_frames_for(unsigned long v_start, unsigned long v_end)
{
    unsigned long n = 1;                                            /* L4 */
    n += ((v_end - 1) >> L4_PAGETABLE_SHIFT) - (v_start >> L4_PAGETABLE_SHIFT) + 1;
    n += ((v_end - 1) >> L3_PAGETABLE_SHIFT) - (v_start >> L3_PAGETABLE_SHIFT) + 1;
    n += ((v_end - 1) >> L2_PAGETABLE_SHIFT) - (v_start >> L2_PAGETABLE_SHIFT) + 1;
    return n;
}

/*
 * INIT_P2M is honoured when the list fits, page-aligned, in guest space
 * (below the non-canonical hole, or above the hypervisor's range) without
 * touching the initial region; otherwise the list goes in the region, which
 * every PV kernel accepts.
 */
static bool p2m_address_usable(const struct dom0_layout *l, uint64_t base, unsigned long bytes)
{
    uint64_t end = base + round_up(bytes, PAGE_SIZE);
    if (base == XEN_KERNEL_UNSET_ADDR || (base & (PAGE_SIZE - 1)) || end < base)
        return false;
    if (!(end <= (1UL << 47) || base >= HYPERVISOR_VIRT_END))
        return false;
    return end <= l->v_start || base >= l->v_end;
}

/* The mapped region: its parts, the bootstrap page-table count, v_end. */
static int layout_region(struct dom0_builder *b, size_t initrd_bytes)
{
    struct dom0_layout *l = &b->l;
    const struct xen_kernel_info *info = &b->info;

    l->v_start = info->virt_base ? info->virt_base : (info->virt_kstart & ~(REGION_ALIGN - 1));
    l->vkern_start = info->virt_kstart;
    l->vkern_end = info->virt_kend;
    l->vinitrd_start = round_up(l->vkern_end, PAGE_SIZE);
    l->vinitrd_end = l->vinitrd_start + (info->unmapped_initrd ? 0 : initrd_bytes);
    l->vphysmap_start = round_up(l->vinitrd_end, PAGE_SIZE);
    l->vphysmap_end = l->vphysmap_start +
                      (l->p2m_separate ? 0 : b->nr_pages * sizeof(unsigned long));
    l->vstartinfo_start = round_up(l->vphysmap_end, PAGE_SIZE);
    l->vpt_start = l->vstartinfo_start + PAGE_SIZE;

    /* The tables map themselves: iterate until the count is stable. */
    for (l->nr_pt_frames = 1;;) {
        l->vstack_start = l->vpt_start + l->nr_pt_frames * PAGE_SIZE;
        l->vstack_end = l->vstack_start + PAGE_SIZE;
        l->v_end = round_up(l->vstack_end + REGION_PADDING, REGION_ALIGN);
        unsigned long need = pt_frames_for(l->v_start, l->v_end);
        if (need <= l->nr_pt_frames)
            break;
        l->nr_pt_frames = need;
    }
    if (l->v_start > l->vkern_start || l->v_end < l->v_start ||
        ((l->v_end - l->v_start) >> PAGE_SHIFT) > b->nr_pages) {
        printk("dom0: %lu MiB is too small for the initial mapping (%lu MiB)\n",
               b->nr_pages >> 8, (l->v_end - l->v_start) >> 20);
        return -ENOMEM;
    }
    return 0;
}

/*
 * The layout: the mapped region, then the frames after it (the unmapped
 * initrd, then the INIT_P2M list and its page tables). -ENOMEM if dom0's
 * nr_pages cannot hold them.
 */
static int compute_layout(struct dom0_builder *b, size_t initrd_bytes)
{
    struct dom0_layout *l = &b->l;
    const struct xen_kernel_info *info = &b->info;
    unsigned long p2m_bytes = b->nr_pages * sizeof(unsigned long);
    int rc;

    l->p2m_separate = info->p2m_base != XEN_KERNEL_UNSET_ADDR;
    if ((rc = layout_region(b, initrd_bytes)))
        return rc;
    if (l->p2m_separate && !p2m_address_usable(l, info->p2m_base, p2m_bytes)) {
        printk("dom0: INIT_P2M %#lx unusable: the P2M list goes in the initial mapping\n",
               (unsigned long)info->p2m_base);
        l->p2m_separate = false;
        if ((rc = layout_region(b, initrd_bytes)))
            return rc;
    }

    unsigned long next_pfn = (l->v_end - l->v_start) >> PAGE_SHIFT;
    l->initrd_pfn = next_pfn;
    if (info->unmapped_initrd)
        next_pfn += round_up(initrd_bytes, PAGE_SIZE) >> PAGE_SHIFT;
    l->p2m_va = l->vphysmap_start;
    l->p2m_pfn = l->nr_p2m_frames = l->nr_p2m_data_frames = 0;
    if (l->p2m_separate) {
        l->p2m_va = info->p2m_base;
        l->p2m_pfn = next_pfn;
        l->nr_p2m_data_frames = round_up(p2m_bytes, PAGE_SIZE) >> PAGE_SHIFT;
        /* Its L3, L2s and L1s (the L4 is the region's). */
        l->nr_p2m_frames = l->nr_p2m_data_frames +
            pt_frames_for(l->p2m_va, l->p2m_va + l->nr_p2m_data_frames * PAGE_SIZE) - 1;
        next_pfn += l->nr_p2m_frames;
    }
    if (next_pfn > b->nr_pages) {
        printk("dom0: %lu MiB is too small for the initial frames (%lu MiB)\n",
               b->nr_pages >> 8, next_pfn >> 8);
        return -ENOMEM;
    }
    return 0;
}

unsigned int dom0_max_vcpus_opt(void)
{
    return opt_dom0_max_vcpus;
}

unsigned long dom0_nr_pages(void)
{
    unsigned long avail = total_free_pages();
    unsigned long want = opt_dom0_mem_bytes ? opt_dom0_mem_bytes >> PAGE_SHIFT :
                         avail - MIN(avail / 2, DOM0_RESERVE_BYTES >> PAGE_SHIFT);
    if (opt_dom0_mem_max && want > (opt_dom0_mem_max >> PAGE_SHIFT))
        want = opt_dom0_mem_max >> PAGE_SHIFT;
    /* Leave the hypervisor what it needs for dom0's own bookkeeping. */
    unsigned long cap = avail - MIN(avail / 8, 4096UL);
    return MIN(want, cap);
}

unsigned int dom0_mem_max_pages(unsigned long nr_pages)
{
    return opt_dom0_mem_max ?
        (unsigned int)MIN(MAX(opt_dom0_mem_max >> PAGE_SHIFT, nr_pages), (unsigned long)~0U) : ~0U;
}

int dom0_alloc_memory(struct domain *d, unsigned long nr_pages,
                      int (*map)(void *ctx, unsigned long pfn, unsigned long mfn), void *ctx)
{
    unsigned long pfn = 0;
    unsigned int order = MAX_ORDER;

    while (pfn < nr_pages) {
        while ((1UL << order) > nr_pages - pfn)
            order--;
        struct page_info *pg = alloc_domheap_pages(d, order, 0);
        if (!pg) {
            if (order == 0)
                return -ENOMEM;
            order--;
            continue;
        }
        unsigned long mfn = mfn_x(page_to_mfn(pg));
        for (unsigned long i = 0; i < (1UL << order); i++, pfn++) {
            int rc = map(ctx, pfn, mfn + i);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* A PV dom0's pfn -> mfn in the builder's P2M and the M2P. */
static int map_pv_frame(void *ctx, unsigned long pfn, unsigned long mfn)
{
    struct dom0_builder *b = ctx;

    b->p2m[pfn] = mfn;
    set_gpfn_from_mfn(mfn, pfn);
    return 0;
}

/* Allocate all of dom0's frames in large blocks; fill P2M and M2P. */
static int allocate_memory(struct dom0_builder *b)
{
    b->d->max_pages = b->nr_pages;
    b->p2m = xzalloc_bytes(b->nr_pages * sizeof(unsigned long));
    if (!b->p2m)
        return -ENOMEM;
    return dom0_alloc_memory(b->d, b->nr_pages, map_pv_frame, b);
}

static void *pfn_to_virt(const struct dom0_builder *b, unsigned long pfn)
{
    return mfn_to_virt(b->p2m[pfn]);
}

static unsigned long va_to_pfn(const struct dom0_builder *b, unsigned long va)
{
    return (va - b->l.v_start) >> PAGE_SHIFT;
}

/* Page-table frames handed out in order from [next, end) (PFNs). */
struct pt_frames {
    unsigned long next, end;
};

static pte_t *alloc_pt(const struct dom0_builder *b, struct pt_frames *f, unsigned long *mfn)
{
    unsigned long pfn = f->next++;
    ASSERT(pfn < f->end);
    *mfn = b->p2m[pfn];
    return pfn_to_virt(b, pfn);     /* zeroed by the allocator */
}

static pte_t *next_level(const struct dom0_builder *b, pte_t *table, unsigned int idx,
                         struct pt_frames *f)
{
    if (!(table[idx] & _PAGE_PRESENT)) {
        unsigned long mfn;
        alloc_pt(b, f, &mfn);
        table[idx] = ((pte_t)mfn << PAGE_SHIFT) | TABLE_PROT;
    }
    return mfn_to_virt(pte_mfn(table[idx]));
}

static void map_page(const struct dom0_builder *b, pte_t *l4, unsigned long va,
                     unsigned long pfn, pte_t prot, struct pt_frames *f)
{
    pte_t *l3 = next_level(b, l4, l4_table_offset(va), f);
    pte_t *l2 = next_level(b, l3, l3_table_offset(va), f);
    pte_t *l1 = next_level(b, l2, l2_table_offset(va), f);
    l1[l1_table_offset(va)] = ((pte_t)b->p2m[pfn] << PAGE_SHIFT) | prot;
}

/*
 * Build the bootstrap page tables: the region from the bootstrap table area,
 * the INIT_P2M list from the frames after its own. Returns the L4's MFN.
 */
static unsigned long build_page_tables(struct dom0_builder *b)
{
    const struct dom0_layout *l = &b->l;
    unsigned long pt_pfn = va_to_pfn(b, l->vpt_start);
    struct pt_frames region = { pt_pfn, pt_pfn + l->nr_pt_frames };
    unsigned long l4_mfn;
    pte_t *l4 = alloc_pt(b, &region, &l4_mfn);

    for (unsigned long va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
        pte_t prot = L1_PROT;
        if (va >= l->vpt_start && va < l->vpt_start + l->nr_pt_frames * PAGE_SIZE)
            prot &= ~_PAGE_RW;          /* the guest sees its tables read-only */
        map_page(b, l4, va, va_to_pfn(b, va), prot, &region);
    }
    if (l->p2m_separate) {
        struct pt_frames p2m_tables = { l->p2m_pfn + l->nr_p2m_data_frames,
                                        l->p2m_pfn + l->nr_p2m_frames };
        for (unsigned long i = 0; i < l->nr_p2m_data_frames; i++)
            map_page(b, l4, l->p2m_va + i * PAGE_SIZE, l->p2m_pfn + i, L1_PROT, &p2m_tables);
    }
    hv_install_l4_slots(l4);
    return l4_mfn;
}

/* elf_load_segments() callback: write into dom0's memory by guest virtual address. */
static int copy_to_dom0(void *ctx, uint64_t guest_virt, const void *src,
                        size_t bytes, size_t zero_bytes)
{
    const struct dom0_builder *b = ctx;
    const uint8_t *s = src;
    size_t total = bytes + zero_bytes;

    if (guest_virt < b->l.vkern_start || guest_virt + total > b->l.vkern_end ||
        guest_virt + total < guest_virt)
        return -EINVAL;
    for (size_t done = 0; done < total;) {
        unsigned long va = guest_virt + done;
        size_t off = va & (PAGE_SIZE - 1);
        size_t n = MIN(PAGE_SIZE - off, total - done);
        uint8_t *dst = (uint8_t *)pfn_to_virt(b, va_to_pfn(b, va)) + off;
        size_t from_src = done < bytes ? MIN(n, bytes - done) : 0;
        memcpy(dst, s + done, from_src);
        memset(dst + from_src, 0, n - from_src);
        done += n;
    }
    return 0;
}

/* Copy bytes to dom0's frames from guest-physical byte address gpa on. */
static void copy_to_frames(const struct dom0_builder *b, unsigned long gpa, const void *src,
                           size_t bytes)
{
    const uint8_t *s = src;
    for (size_t done = 0; done < bytes;) {
        size_t off = (gpa + done) & (PAGE_SIZE - 1);
        size_t n = MIN(PAGE_SIZE - off, bytes - done);
        memcpy((uint8_t *)pfn_to_virt(b, (gpa + done) >> PAGE_SHIFT) + off, s + done, n);
        done += n;
    }
}

/* The hypercall page: entry i is "call" target hypercall_page + 32 * i. */
void write_hypercall_page(uint8_t *page)
{
    memset(page, 0xcc, PAGE_SIZE);                  /* int3 padding */
    for (unsigned int i = 0; i < PAGE_SIZE / 32; i++) {
        uint8_t *p = page + i * 32;
        if (i == __HYPERVISOR_iret) {
            /* push %rcx; push %r11; push %rax; mov $iret,%eax; syscall */
            const uint8_t stub[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, (uint8_t)i, 0, 0, 0, 0x0f, 0x05 };
            memcpy(p, stub, sizeof(stub));
            continue;
        }
        /* push %rcx; push %r11; mov $i,%eax; syscall; pop %r11; pop %rcx; ret */
        const uint8_t stub[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)i, 0, 0, 0,
                                 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
        memcpy(p, stub, sizeof(stub));
    }
}

static void fill_start_info(struct dom0_builder *b, size_t initrd_bytes, const char *cmdline)
{
    const struct dom0_layout *l = &b->l;
    start_info_t *si = pfn_to_virt(b, va_to_pfn(b, l->vstartinfo_start));

    memset(si, 0, PAGE_SIZE);
    strlcpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic));
    si->nr_pages = b->nr_pages;
    si->shared_info = __pa(b->d->shared_info);
    si->flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
    si->pt_base = l->vpt_start;
    si->nr_pt_frames = l->nr_pt_frames;
    si->mfn_list = l->p2m_va;
    if (l->p2m_separate) {
        si->first_p2m_pfn = l->p2m_pfn;
        si->nr_p2m_frames = l->nr_p2m_frames;
    }
    if (initrd_bytes) {
        si->mod_len = initrd_bytes;
        if (b->info.unmapped_initrd) {
            si->flags |= SIF_MOD_START_PFN;
            si->mod_start = l->initrd_pfn;
        } else {
            si->mod_start = l->vinitrd_start;
        }
    }
    strlcpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line));
}

static void init_vcpu0(struct dom0_builder *b, unsigned long l4_mfn)
{
    struct vcpu *v = b->d->vcpu[0];
    struct cpu_user_regs *r = &v->arch.user_regs;

    r->rip = b->info.virt_entry;
    r->rsp = b->l.vstack_end;
    r->rsi = b->l.vstartinfo_start;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    r->rflags = 0x200;                          /* IF: events follow upcall_mask */
    v->arch.kernel_sp = b->l.vstack_end;
    v->is_initialised = true;
    v->pause_flags &= ~VPF_down;
    BUG_ON(pv_set_guest_table(v, l4_mfn, false, false));
}

static int load_kernel(struct dom0_builder *b, const void *mod, size_t bytes,
                       struct kernel_image *img, void **buf, unsigned int *buf_order)
{
    int rc = kernel_image_probe(mod, bytes, img);
    if (rc)
        return rc;
    *buf = NULL;
    if (img->format == KERNEL_IMAGE_BZIMAGE) {
        *buf_order = get_order_from_bytes(img->elf_bytes);
        *buf = alloc_xenheap_pages(*buf_order);
        if (!*buf)
            return -ENOMEM;
        rc = kernel_image_decompress(img, *buf, PAGE_SIZE << *buf_order);
        if (rc)
            return rc;
    }
    return elf_parse_xen_kernel(img->elf, img->elf_bytes, &b->info);
}

struct domain *construct_dom0(const void *kernel, size_t kernel_bytes,
                              const void *initrd, size_t initrd_bytes,
                              const char *cmdline)
{
    static struct dom0_builder b;
    struct kernel_image img;
    void *buf = NULL;
    unsigned int buf_order = 0;
    int rc;

    rc = load_kernel(&b, kernel, kernel_bytes, &img, &buf, &buf_order);
    if (rc)
        goto fail;
    printk("dom0: %s kernel, entry %#lx, virt [%#lx, %#lx)\n",
           b.info.guest_os, (unsigned long)b.info.virt_entry,
           (unsigned long)b.info.virt_kstart, (unsigned long)b.info.virt_kend);

    unsigned int nr_vcpus = opt_dom0_max_vcpus ? opt_dom0_max_vcpus : num_online_cpus();
    nr_vcpus = MIN(MAX(nr_vcpus, 1u), (unsigned int)MAX_VIRT_CPUS_XENIA);
    rc = domain_create(0, true, nr_vcpus, &b.d);
    if (rc)
        goto fail;
    for (unsigned int i = 0; i < nr_vcpus; i++)
        if (!vcpu_create(b.d, i, i % num_online_cpus())) {
            rc = -ENOMEM;
            goto fail;
        }

    b.nr_pages = dom0_nr_pages();
    if ((rc = compute_layout(&b, initrd_bytes)) || (rc = allocate_memory(&b)))
        goto fail;

    unsigned long l4_mfn = build_page_tables(&b);
    rc = elf_load_segments(img.elf, img.elf_bytes, &b.info, copy_to_dom0, &b);
    if (rc)
        goto fail;
    if (buf)
        free_xenheap_pages(buf, buf_order);
    buf = NULL;
    if (initrd_bytes)
        copy_to_frames(&b, b.info.unmapped_initrd ? b.l.initrd_pfn << PAGE_SHIFT :
                                                    b.l.vinitrd_start - b.l.v_start,
                       initrd, initrd_bytes);
    copy_to_frames(&b, b.l.p2m_separate ? b.l.p2m_pfn << PAGE_SHIFT :
                                          b.l.vphysmap_start - b.l.v_start,
                   b.p2m, b.nr_pages * sizeof(unsigned long));
    if (b.info.virt_hypercall != XEN_KERNEL_UNSET_ADDR) {
        unsigned long hva = b.info.virt_hypercall;
        if (hva < b.l.vkern_start || hva >= b.l.vkern_end || (hva & (PAGE_SIZE - 1))) {
            printk("dom0 kernel: hypercall page %#lx outside the image\n", hva);
            rc = -EINVAL;
            goto fail;
        }
        write_hypercall_page(pfn_to_virt(&b, va_to_pfn(&b, hva)));
    }
    fill_start_info(&b, initrd_bytes, cmdline);

    /* As on Xen: dom0_mem=max:<size> caps what dom0 may balloon up to
     * (XENMEM_maximum_reservation); without it dom0 is not capped. */
    b.d->max_pages = dom0_mem_max_pages(b.nr_pages);
    rc = pv_validate_initial_tables(b.d, _mfn(l4_mfn));
    if (rc)
        goto fail;
    init_vcpu0(&b, l4_mfn);
    time_init_domain(b.d);

    printk("dom0: %lu MiB, %u vCPUs, start_info %#lx, page tables %#lx (%lu frames), "
           "P2M %#lx%s, initrd %s\n",
           b.nr_pages >> 8, nr_vcpus, b.l.vstartinfo_start, b.l.vpt_start, b.l.nr_pt_frames,
           b.l.p2m_va, b.l.p2m_separate ? " (INIT_P2M)" : "",
           b.info.unmapped_initrd ? "unmapped" : "mapped");
    xfree_bytes(b.p2m, b.nr_pages * sizeof(unsigned long));
    return b.d;

fail:
    panic("Could not set up DOM0 guest OS (rc = %d)", rc);
}
