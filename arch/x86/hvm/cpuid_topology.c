/* The topology fields of an HVM domain's CPUID policy (see <asm/hvm/cpuid_topology.h>). Pure. */
#include <xenia/types.h>
#include <asm/hvm/cpuid_topology.h>

enum { EAX, EBX, ECX, EDX };

/* res[r] takes the bits of mask from val. */
static void take(uint32_t res[4], unsigned int r, uint32_t val, uint32_t mask)
{
    res[r] = (res[r] & ~mask) | (val & mask);
}

static const xen_cpuid_leaf_t *find(const xen_cpuid_leaf_t *pol, unsigned int n, uint32_t leaf,
                                    uint32_t subleaf)
{
    bool has_subleaf = leaf == 0x4 || leaf == 0xb;

    for (unsigned int i = 0; i < n; i++)
        if (pol[i].leaf == leaf &&
            pol[i].subleaf == (has_subleaf ? subleaf : XEN_CPUID_NO_SUBLEAF))
            return &pol[i];
    return NULL;
}

void hvm_cpuid_topology(const xen_cpuid_leaf_t *pol, unsigned int n, uint32_t leaf,
                        uint32_t subleaf, uint32_t res[4])
{
    const xen_cpuid_leaf_t *e = pol ? find(pol, n, leaf, subleaf) : NULL;

    if (!e)
        return;
    switch (leaf) {
    case 0x1:
        take(res, EBX, e->b, 0x00ff0000u);          /* logical processors per package */
        take(res, EDX, e->d, 1u << 28);             /* HTT */
        break;
    case 0x4:
        take(res, EAX, e->a, 0xffffc000u);          /* cores per package, threads per cache */
        break;
    case 0xb:
        res[EAX] = e->a;                            /* shift to the next level's ID */
        res[EBX] = e->b;                            /* logical processors at this level */
        take(res, ECX, e->c, 0x0000ff00u);          /* level type */
        break;
    case 0x80000001:
        take(res, ECX, e->c, 1u << 1);              /* CmpLegacy */
        break;
    case 0x80000008:
        take(res, ECX, e->c, 0x0000ffffu);          /* NC, ApicIdCoreSize */
        break;
    default:
        break;
    }
}
