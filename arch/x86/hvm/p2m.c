/*
 * The P2M of HVM domains in nested-paging format (see <asm/hvm/p2m.h>).
 *
 * Layout: a 4-level tree like long-mode paging. L4 index = gfn bits 27-35,
 * L3 = 18-26, L2 = 9-17, L1 = 0-8. Intermediate entries are present,
 * writable, user, accessed; leaves carry present|user|accessed|dirty,
 * writable for RAM-like types, and the p2m type in bits 9-11. Accessed and
 * dirty are set in advance so the hardware never writes a leaf.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <asm/hvm/p2m.h>

#define NPT_P           (1UL << 0)
#define NPT_RW          (1UL << 1)
#define NPT_US          (1UL << 2)
#define NPT_PCD         (1UL << 4)
#define NPT_A           (1UL << 5)
#define NPT_D           (1UL << 6)
#define NPT_PS          (1UL << 7)
#define NPT_TYPE_SHIFT  9
#define NPT_TYPE_MASK   (7UL << NPT_TYPE_SHIFT)
#define NPT_ADDR_MASK   0x000ffffffffff000UL
#define NPT_TABLE_FLAGS (NPT_P | NPT_RW | NPT_US | NPT_A)
#define NPT_MAX_MFN     ((1UL << 40) - 1)

static unsigned int npt_index(unsigned long gfn, unsigned int level)
{
    return (unsigned int)(gfn >> (9 * (level - 1))) & 511;
}

static uint64_t npt_leaf(unsigned long mfn, enum p2m_type t)
{
    uint64_t e = ((uint64_t)mfn << 12) | NPT_P | NPT_US | NPT_A | NPT_D |
                 ((uint64_t)t << NPT_TYPE_SHIFT);

    if (t == p2m_ram_rw || t == p2m_xenheap_rw || t == p2m_mmio_direct || t == p2m_grant_map_rw)
        e |= NPT_RW;
    if (t == p2m_mmio_direct)
        e |= NPT_PCD;
    return e;
}

int p2m_init(struct p2m_table *p, const struct p2m_ops *ops, void *ctx)
{
    *p = (struct p2m_table){ .ops = ops, .ctx = ctx };
    if (ops->alloc_table(ctx, &p->root_mfn))
        return -ENOMEM;
    p->nr_tables = 1;
    return 0;
}

/* The L1 covering gfn, allocating the path if alloc; NULL if absent or -ENOMEM. */
static uint64_t *npt_walk(struct p2m_table *p, unsigned long gfn, bool alloc)
{
    uint64_t *t = p->ops->map(p->ctx, p->root_mfn);

    for (unsigned int level = 4; level > 1; level--) {
        uint64_t *e = &t[npt_index(gfn, level)];
        uint64_t val = ACCESS_ONCE(*e);
        if (!(val & NPT_P)) {
            unsigned long mfn;
            if (!alloc || p->ops->alloc_table(p->ctx, &mfn))
                return NULL;
            p->nr_tables++;
            val = ((uint64_t)mfn << 12) | NPT_TABLE_FLAGS;
            ACCESS_ONCE(*e) = val;          /* the new table is zeroed: publish it */
        }
        t = p->ops->map(p->ctx, (val & NPT_ADDR_MASK) >> 12);
    }
    return t;
}

int p2m_set_entry(struct p2m_table *p, unsigned long gfn, unsigned long mfn, enum p2m_type t)
{
    if (gfn > P2M_MAX_GFN || (t != p2m_invalid && mfn > NPT_MAX_MFN))
        return -EINVAL;
    uint64_t *l1 = npt_walk(p, gfn, t != p2m_invalid);
    if (!l1)
        return t == p2m_invalid ? 0 : -ENOMEM;
    uint64_t *e = &l1[npt_index(gfn, 1)];
    bool was = *e & NPT_P;
    ACCESS_ONCE(*e) = t == p2m_invalid ? 0 : npt_leaf(mfn, t);
    if (t != p2m_invalid) {
        p->nr_entries += !was;
        if (gfn > p->max_gfn)
            p->max_gfn = gfn;
    } else {
        p->nr_entries -= was;
    }
    return 0;
}

unsigned long p2m_get_entry(const struct p2m_table *p, unsigned long gfn, enum p2m_type *t)
{
    *t = p2m_invalid;
    if (gfn > P2M_MAX_GFN || !p->nr_tables)
        return P2M_INVALID_MFN;
    const uint64_t *tab = p->ops->map(p->ctx, p->root_mfn);
    for (unsigned int level = 4; level >= 1; level--) {
        uint64_t val = ACCESS_ONCE(tab[npt_index(gfn, level)]);
        if (!(val & NPT_P))
            return P2M_INVALID_MFN;
        if (level == 1) {
            *t = (enum p2m_type)((val & NPT_TYPE_MASK) >> NPT_TYPE_SHIFT);
            return (val & NPT_ADDR_MASK) >> 12;
        }
        tab = p->ops->map(p->ctx, (val & NPT_ADDR_MASK) >> 12);
    }
    return P2M_INVALID_MFN;
}

static void npt_free_level(struct p2m_table *p, unsigned long mfn, unsigned int level)
{
    if (level > 1) {
        uint64_t *t = p->ops->map(p->ctx, mfn);
        for (unsigned int i = 0; i < 512; i++)
            if (t[i] & NPT_P)
                npt_free_level(p, (t[i] & NPT_ADDR_MASK) >> 12, level - 1);
    }
    p->ops->free_table(p->ctx, mfn);
    p->nr_tables--;
}

void p2m_teardown(struct p2m_table *p)
{
    if (p->nr_tables)
        npt_free_level(p, p->root_mfn, 4);
    p->nr_entries = 0;
    p->max_gfn = 0;
}
