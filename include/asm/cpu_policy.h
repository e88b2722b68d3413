/*
 * The CPUID policy of PV domains in the toolstack's serialised form
 * (xen_cpuid_leaf_t arrays, XEN_SYSCTL_get_cpu_policy / XEN_DOMCTL_*_cpu_policy)
 * and as a featureset (XEN_SYSCTL_get_cpu_featureset). The values come
 * from pv_cpuid(), the policy the emulator answers guests with.
 */
#ifndef ASM_CPU_POLICY_H
#define ASM_CPU_POLICY_H

#include <xenia/types.h>
#include <xen/xen.h>

struct domain;

/* Largest leaf array a policy serialises to (Xen's CPUID_MAX_SERIALISED_LEAVES). */
#define CPU_POLICY_MAX_LEAVES   120
/* Largest MSR array (Xen's MSR_MAX_SERIALISED_ENTRIES); Xenia serialises none. */
#define CPU_POLICY_MAX_MSRS     2
/* Featureset words Xenia reports (Xen's numbering: 1.edx, 1.ecx, e1.edx, ...). */
#define CPU_FEATURESET_WORDS    11

/*
 * cpu_policy_serialise(): d's CPUID policy into out[0, max) in Xen's order
 * (basic leaves with the subleaves of 4, 7, 0xb and 0xd, the hypervisor
 * limit, extended leaves). Returns the number of leaves written.
 */
unsigned int cpu_policy_serialise(const struct domain *d, xen_cpuid_leaf_t *out, unsigned int max);

/* cpu_featureset(): up to max featureset words into out; returns words written. */
unsigned int cpu_featureset(uint32_t *out, unsigned int max);

#endif
