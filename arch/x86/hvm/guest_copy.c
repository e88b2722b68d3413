/*
 * HVM guest memory access (Xen's hvm_copy_*_guest_{phys,linear}).
 *
 * Guest-physical addresses go through the domain's P2M to a machine frame,
 * reached through the direct map; only RAM and hypervisor frames shared
 * with the guest are touched, never MMIO or holes. Linear addresses are
 * first translated by the current vCPU's own page tables (read through the
 * P2M the same way), as a supervisor access: present at every level, and
 * writable at every level for a write when CR0.WP is set (and
 * hvm_linear_to_gpa() for a user access or a #PF error code). Paging off:
 * linear = physical (32 bits). 32-bit and PAE paging outside long mode are
 * not walked yet (the copy fails): hypercalls come from 64-bit code only.
 * Accessed and dirty bits are not set by these walks.
 *
 * All functions return the number of bytes NOT copied (0 on success).
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/hvm/hvm.h>

#define PTE_P       (1UL << 0)
#define PTE_RW      (1UL << 1)
#define PTE_US      (1UL << 2)
#define PTE_PS      (1UL << 7)
#define PTE_ADDR    0x000ffffffffff000UL

/* The hypervisor's address of guest frame gfn if the guest may use it as memory, else NULL. */
static void *gfn_to_virt(struct domain *d, unsigned long gfn)
{
    enum p2m_type t;
    unsigned long mfn = p2m_get_entry(&d->arch.hvm->p2m, gfn, &t);

    if (t != p2m_ram_rw && t != p2m_xenheap_rw)
        return NULL;
    return mfn_to_virt(mfn);
}

enum copy_dir { COPY_TO, COPY_FROM, CLEAR };

/* Copy within one guest frame (gpa..gpa+n does not cross a page). */
static bool copy_in_frame(struct domain *d, uint64_t gpa, void *buf, size_t n, enum copy_dir dir)
{
    uint8_t *p = gfn_to_virt(d, gpa >> PAGE_SHIFT);

    if (!p)
        return false;
    p += gpa & (PAGE_SIZE - 1);
    if (dir == COPY_TO)
        memcpy(p, buf, n);
    else if (dir == COPY_FROM)
        memcpy(buf, p, n);
    else
        memset(p, 0, n);
    return true;
}

static size_t copy_phys(struct domain *d, uint64_t gpa, void *buf, size_t bytes, enum copy_dir dir)
{
    size_t done = 0;

    while (done < bytes) {
        size_t n = MIN(bytes - done, PAGE_SIZE - ((gpa + done) & (PAGE_SIZE - 1)));
        if (!copy_in_frame(d, gpa + done, buf ? (uint8_t *)buf + done : NULL, n, dir))
            break;
        done += n;
    }
    return bytes - done;
}

size_t hvm_copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t bytes)
{
    return copy_phys(d, gpa, (void *)src, bytes, COPY_TO);
}

size_t hvm_copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa, size_t bytes)
{
    return copy_phys(d, gpa, dst, bytes, COPY_FROM);
}

/*
 * Translate linear address va of v to a guest-physical address, as an
 * access of the given kind: present at every level; for a user access
 * (CPL 3) user-accessible at every level; for a write, writable at every
 * level if user or CR0.WP. Long-mode 4-level walk, 1 GiB and 2 MiB pages
 * included. Returns 0; -EFAULT with *pfec the #PF error code (P, W, U
 * bits) for the guest to see; -EINVAL if the walk cannot be done (a table
 * outside RAM, paging that is not long mode, a non-canonical address).
 */
static int walk_linear(struct vcpu *v, unsigned long va, bool write, bool user,
                       uint64_t *gpa, uint32_t *pfec)
{
    uint64_t cr0, cr3, cr4, efer;
    struct domain *d = v->domain;

    hvm_funcs->get_paging(v, &cr0, &cr3, &cr4, &efer);
    if (!(cr0 & HVM_CR0_PG)) {
        *gpa = (uint32_t)va;
        return 0;
    }
    if (!(efer & EFER_LMA) || !is_canonical_address(va))
        return -EINVAL;
    *pfec = (write ? PFEC_WRITE : 0) | (user ? PFEC_USER : 0);
    uint64_t table = cr3 & PTE_ADDR;
    for (unsigned int level = 4; level >= 1; level--) {
        const uint64_t *t = gfn_to_virt(d, table >> PAGE_SHIFT);
        if (!t)
            return -EINVAL;
        uint64_t e = ACCESS_ONCE(t[(va >> (12 + 9 * (level - 1))) & 511]);
        if (!(e & PTE_P))
            return -EFAULT;
        if ((user && !(e & PTE_US)) ||
            (write && (user || (cr0 & HVM_CR0_WP)) && !(e & PTE_RW))) {
            *pfec |= PFEC_PRESENT;
            return -EFAULT;
        }
        if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
            uint64_t page_mask = (1UL << (12 + 9 * (level - 1))) - 1;
            *gpa = (e & PTE_ADDR & ~page_mask) | (va & page_mask);
            return 0;
        }
        table = e & PTE_ADDR;
    }
    return -EINVAL;
}

/* linear_to_gpa(): walk_linear() as a supervisor access; false if it fails. */
static bool linear_to_gpa(struct vcpu *v, unsigned long va, bool write, uint64_t *gpa)
{
    uint32_t pfec;
    return walk_linear(v, va, write, false, gpa, &pfec) == 0;
}

int hvm_linear_to_gpa(unsigned long va, bool write, bool user, uint64_t *gpa, uint32_t *pfec)
{
    return walk_linear(current, va, write, user, gpa, pfec);
}

static size_t copy_linear(unsigned long va, void *buf, size_t bytes, enum copy_dir dir)
{
    struct vcpu *v = current;
    size_t done = 0;
    uint64_t gpa;

    while (done < bytes) {
        size_t n = MIN(bytes - done, PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1)));
        if (!linear_to_gpa(v, va + done, dir != COPY_FROM, &gpa) ||
            !copy_in_frame(v->domain, gpa, buf ? (uint8_t *)buf + done : NULL, n, dir))
            break;
        done += n;
    }
    return bytes - done;
}

size_t hvm_copy_to_guest_linear(void *va, const void *src, size_t bytes)
{
    return copy_linear((unsigned long)va, (void *)src, bytes, COPY_TO);
}

size_t hvm_copy_from_guest_linear(void *dst, const void *va, size_t bytes)
{
    return copy_linear((unsigned long)va, dst, bytes, COPY_FROM);
}

size_t hvm_clear_guest_linear(void *va, size_t bytes)
{
    return copy_linear((unsigned long)va, NULL, bytes, CLEAR);
}

void hvm_dump_linear_walk(struct vcpu *v, unsigned long va)
{
    uint64_t cr0, cr3, cr4, efer;
    struct domain *d = v->domain;

    hvm_funcs->get_paging(v, &cr0, &cr3, &cr4, &efer);
    if (!(cr0 & HVM_CR0_PG) || !(efer & EFER_LMA)) {
        printk("  walk %#lx: not in long mode with paging\n", va);
        return;
    }
    uint64_t table = cr3 & PTE_ADDR;
    for (unsigned int level = 4; level >= 1; level--) {
        enum p2m_type t;
        unsigned long gfn = table >> PAGE_SHIFT;
        unsigned long mfn = p2m_get_entry(&d->arch.hvm->p2m, gfn, &t);
        const struct page_info *pg = (t == p2m_ram_rw || t == p2m_xenheap_rw) &&
                                     mfn_valid(_mfn(mfn)) ? mfn_to_page(_mfn(mfn)) : NULL;
        const uint64_t *tab = pg ? mfn_to_virt(mfn) : NULL;
        unsigned int slot = (va >> (12 + 9 * (level - 1))) & 511;
        uint64_t e = tab ? ACCESS_ONCE(tab[slot]) : 0;
        const struct domain *owner = pg ? page_get_owner(pg) : NULL;

        printk("  walk %#lx L%u: gfn %#lx -> mfn %#lx (type %d, owner d%d, count %#lx, type_info %#lx) [%u] = %#lx\n",
               va, level, gfn, mfn, (int)t,
               owner ? (int)owner->domain_id : -1,
               pg ? pg->count_info : 0UL, pg ? pg->type_info : 0UL, slot, (unsigned long)e);
        if (!tab || !(e & PTE_P) || level == 1 || ((level == 2 || level == 3) && (e & PTE_PS)))
            return;
        table = e & PTE_ADDR;
    }
}
