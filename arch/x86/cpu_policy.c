/* PV CPUID policy for the toolstack (see include/asm/cpu_policy.h). */
#include <xenia/lib.h>
#include <asm/cpu_policy.h>
#include <asm/pv_emulate.h>

#define NR_BASIC     0xe            /* leaves 0 .. 0xd */
#define NR_CACHE     6              /* leaf 4 subleaves */
#define NR_FEAT      3              /* leaf 7 subleaves */
#define NR_TOPO      2              /* leaf 0xb subleaves */
#define NR_XSTATE    63             /* leaf 0xd subleaves */
#define MAX_EXTD     0x80000021u

struct writer {
    xen_cpuid_leaf_t *out;
    unsigned int n, max;
    const struct domain *d;
};

static void put(struct writer *w, uint32_t leaf, uint32_t subleaf, bool has_subleaf)
{
    uint32_t r[4];
    if (w->n >= w->max)
        return;
    pv_cpuid(leaf, has_subleaf ? subleaf : 0, r, w->d);
    w->out[w->n++] = (xen_cpuid_leaf_t){
        .leaf = leaf, .subleaf = has_subleaf ? subleaf : XEN_CPUID_NO_SUBLEAF,
        .a = r[0], .b = r[1], .c = r[2], .d = r[3],
    };
}

static unsigned int subleaves_of(uint32_t leaf)
{
    switch (leaf) {
    case 0x4: return NR_CACHE;
    case 0x7: return NR_FEAT;
    case 0xb: return NR_TOPO;
    case 0xd: return NR_XSTATE;
    default: return 0;
    }
}

unsigned int cpu_policy_serialise(const struct domain *d, xen_cpuid_leaf_t *out, unsigned int max)
{
    struct writer w = { out, 0, max, d };
    uint32_t r[4];

    pv_cpuid(0, 0, r, d);
    uint32_t max_basic = MIN(r[0], (uint32_t)NR_BASIC - 1);
    for (uint32_t leaf = 0; leaf <= max_basic; leaf++) {
        unsigned int subs = subleaves_of(leaf);
        if (!subs) {
            put(&w, leaf, 0, false);
            continue;
        }
        for (unsigned int s = 0; s < subs; s++)
            put(&w, leaf, s, true);
    }
    put(&w, 0x40000000, 0, false);

    pv_cpuid(0x80000000, 0, r, d);
    uint32_t max_extd = MIN(r[0], MAX_EXTD);
    for (uint32_t leaf = 0x80000000; leaf <= max_extd && r[0] >= 0x80000000; leaf++)
        put(&w, leaf, 0, false);
    return w.n;
}

unsigned int cpu_featureset(uint32_t *out, unsigned int max)
{
    /* Xen's featureset words: (leaf, subleaf, register index a=0 b=1 c=2 d=3). */
    static const struct { uint32_t leaf, subleaf; uint8_t reg; } words[CPU_FEATURESET_WORDS] = {
        { 0x1, 0, 3 }, { 0x1, 0, 2 }, { 0x80000001, 0, 3 }, { 0x80000001, 0, 2 },
        { 0xd, 1, 0 }, { 0x7, 0, 1 }, { 0x7, 0, 2 }, { 0x80000007, 0, 3 },
        { 0x80000008, 0, 1 }, { 0x7, 0, 3 }, { 0x7, 1, 0 },
    };
    unsigned int n = MIN(max, (unsigned int)CPU_FEATURESET_WORDS);

    for (unsigned int i = 0; i < n; i++) {
        uint32_t r[4];
        pv_cpuid(words[i].leaf, words[i].subleaf, r, NULL);
        out[i] = r[words[i].reg];
    }
    return n;
}
