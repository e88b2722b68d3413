/*
 * The CPU topology an HVM domain's CPUID shows (Xen 4.17: the toolstack's
 * choice, XEN_DOMCTL_set_cpu_policy, which libxenguest's
 * xc_cpuid_apply_policy() makes consistent with APIC ID = 2 x vCPU id:
 * HTT set, CmpLegacy clear, leaf 1's logical-processor count and AMD's
 * core count doubled).
 *
 * Xenia keeps the policy an HVM domain was given (struct hvm_domain) and
 * takes only its topology fields; feature bits stay Xenia's own (what it
 * can run). The overlay is pure (arch/x86/hvm/cpuid_topology.c,
 * unit-tested in tests/unit/test_hvm_cpuid_topology.c); the per-vCPU
 * fields (leaf 1 EBX[31:24], leaf 0xb EDX and ECX[7:0]) are set after it
 * by arch/x86/hvm/cpuid_msr.c.
 */
#ifndef ASM_HVM_CPUID_TOPOLOGY_H
#define ASM_HVM_CPUID_TOPOLOGY_H

#include <xenia/types.h>
#include <xen/xen.h>

/*
 * hvm_cpuid_topology(): res (EAX, EBX, ECX, EDX of leaf/subleaf as Xenia
 * answers it) takes the topology fields of the matching entry of pol[0, n)
 * (subleaf XEN_CPUID_NO_SUBLEAF for leaves without subleaves): leaf 1
 * EBX[23:16] and EDX.HTT; leaf 4 EAX[31:14]; leaf 0xb EAX, EBX and
 * ECX[15:8]; leaf 0x80000001 ECX.CmpLegacy; leaf 0x80000008 ECX[15:0]. No
 * matching entry, or another leaf: res unchanged. Pure.
 */
void hvm_cpuid_topology(const xen_cpuid_leaf_t *pol, unsigned int n, uint32_t leaf,
                        uint32_t subleaf, uint32_t res[4]);

#endif
