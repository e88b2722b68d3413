/*
 * Guest descriptor tables: HYPERVISOR_set_gdt, HYPERVISOR_update_descriptor
 * and the validation a frame passes before it may be used as a GDT/LDT page
 * (PGT_seg_desc_page), per Xen's PV rules for 64-bit guests:
 *   - not-present descriptors and type-0 descriptors are always safe;
 *   - code/data segments are allowed, their DPL raised to 3 (the guest
 *     kernel runs in ring 3);
 *   - system descriptors (TSS, LDT, interrupt/trap gates) are refused;
 *     call gates are refused too (Xen emulates them; Linux does not use them).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/desc.h>
#include <asm/flushtlb.h>
#include <asm/page.h>
#include <asm/pv_mm.h>

#define SEG_P       (1ULL << 47)
#define SEG_S       (1ULL << 44)        /* code/data (not system) */
#define SEG_TYPE    (0xfULL << 40)
#define SEG_DPL     (3ULL << 45)

/* check_descriptor(): validate and fix up one descriptor in place. */
static bool check_descriptor(uint64_t *desc)
{
    uint64_t d = *desc;

    if (!(d & SEG_P))
        return true;
    if (!(d & SEG_S))
        return (d & SEG_TYPE) == 0;     /* only the harmless type 0 */
    *desc = d | SEG_DPL;                /* DPL 3 */
    return true;
}

int pv_validate_segdesc_page(struct page_info *pg)
{
    uint64_t *descs = mfn_to_virt(mfn_x(page_to_mfn(pg)));

    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
        if (!check_descriptor(&descs[i]))
            return -EINVAL;
    return 0;
}

static void put_gdt_frames(struct vcpu *v)
{
    unsigned int nr = (v->arch.gdt_ents + 511) / 512;
    for (unsigned int i = 0; i < nr; i++) {
        put_page_and_type(mfn_to_page(_mfn(v->arch.gdt_frames[i])));
        v->arch.gdt_frames[i] = 0;
    }
    v->arch.gdt_ents = 0;
}

/*
 * pv_set_gdt(): make frames[] (MFNs, ceil(entries / 512) of them) v's GDT.
 * Each frame must belong to v's domain and pass descriptor validation.
 * Returns 0 or -EINVAL (too many entries, foreign frame, bad descriptor,
 * frame in use as another type). v is current or not running.
 */
int pv_set_gdt(struct vcpu *v, const unsigned long *frames, unsigned int entries)
{
    unsigned int nr = (entries + 511) / 512, i;

    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    for (i = 0; i < nr; i++) {
        if (!mfn_valid(_mfn(frames[i])) ||
            get_page_and_type(mfn_to_page(_mfn(frames[i])), v->domain, PGT_seg_desc_page))
            goto fail;
    }
    put_gdt_frames(v);
    for (i = 0; i < nr; i++)
        v->arch.gdt_frames[i] = frames[i];
    v->arch.gdt_ents = entries;
    if (v == current)
        gdt_load_guest_frames(v->arch.gdt_frames, nr);
    return 0;

fail:
    while (i-- > 0)
        put_page_and_type(mfn_to_page(_mfn(frames[i])));
    return -EINVAL;
}

/* pv_destroy_gdt(): drop v's GDT frames (vCPU teardown). */
void pv_destroy_gdt(struct vcpu *v)
{
    put_gdt_frames(v);
}

/* HYPERVISOR_set_gdt (xen.h): frame_list of MFNs, entries descriptors. */
long do_set_gdt(hc_arg_t frame_list, hc_arg_t entries)
{
    unsigned long frames[NR_GDT_GUEST_FRAMES];

    if (entries > FIRST_RESERVED_GDT_ENTRY)
        return -EINVAL;
    if (raw_copy_from_guest(frames, (void *)frame_list, ((entries + 511) / 512) * sizeof(frames[0])))
        return -EFAULT;
    return pv_set_gdt(current, frames, (unsigned int)entries);
}

/* HYPERVISOR_update_descriptor (xen.h): write one 8-byte descriptor at machine address maddr. */
long do_update_descriptor(hc_arg_t maddr, hc_arg_t desc)
{
    struct domain *d = current->domain;
    uint64_t new = desc;

    if (!IS_ALIGNED(maddr, 8) || !check_descriptor(&new))
        return -EINVAL;
    mfn_t mfn = _mfn(maddr >> PAGE_SHIFT);
    if (!mfn_valid(mfn))
        return -EINVAL;
    struct page_info *pg = mfn_to_page(mfn);
    if (!get_page(pg, d))
        return -EINVAL;
    unsigned long type = (pg->type_info & PGT_type_mask) == PGT_seg_desc_page ?
                         PGT_seg_desc_page : PGT_writable_page;
    if (get_page_type(pg, type)) {
        put_page(pg);
        return -EINVAL;
    }
    uint64_t *slot = (uint64_t *)((uint8_t *)mfn_to_virt(mfn_x(mfn)) + (maddr & (PAGE_SIZE - 1)));
    __atomic_store_n(slot, new, __ATOMIC_SEQ_CST);
    put_page_and_type(pg);
    return 0;
}

/* pv_load_ldt(): the guest's LDT (MMUEXT_SET_LDT). Only an empty LDT is supported yet. */
void pv_load_ldt(struct vcpu *v)
{
    if (v->arch.ldt_ents)
        printk("d%u: non-empty LDT (%u entries) not supported yet; using none\n",
               v->domain->domain_id, v->arch.ldt_ents);
    __asm__ __volatile__("lldt %w0" :: "r"(0));
}

bool pv_guest_code_selector(const struct vcpu *v, uint16_t sel, bool *long_mode)
{
    unsigned int index = sel >> 3;

    if ((sel & 4) || index >= v->arch.gdt_ents)
        return false;                   /* LDT selectors: no LDT support yet */
    const uint64_t *frame = mfn_to_virt(v->arch.gdt_frames[index / 512]);
    uint64_t d = frame[index % 512];
    if (!(d & SEG_P) || !(d & SEG_S) || !(d & (1ULL << 43)))
        return false;                   /* not a present code segment */
    *long_mode = d & (1ULL << 53);
    return true;
}
