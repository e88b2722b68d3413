/*
 * Emulation of privileged instructions for 64-bit PV guests
 * (arch/x86/pv/emul_*.c).
 *
 * A PV guest kernel runs in ring 3, so its privileged instructions (port
 * I/O, RDMSR/WRMSR, MOV CR/DR, CLTS, WBINVD) and INT n to a DPL-0 IDT gate
 * raise #GP in the hypervisor, which emulates them with the semantics of
 * Xen 4.17's arch/x86/pv/emul-priv-op.c. Xen's "forced emulation" prefix
 * (ud2; .ascii "xen"; cpuid) raises #UD and asks for the PV CPUID policy.
 *
 * All entry points run on the pCPU of the current vCPU, in the exception
 * handler for a fault raised by that vCPU (`current`), with no locks held.
 */
#ifndef ASM_PV_EMULATE_H
#define ASM_PV_EMULATE_H

#include <xenia/types.h>
#include <xen/xen.h>

struct domain;
struct vcpu;

/*
 * pv_emulate_privileged_op(): #GP raised by guest code; regs is the guest
 * frame, regs->error_code the #GP error code. An error code of
 * (n << 3) | 2 is an INT n through a DPL-0 IDT gate: it is delivered to
 * the guest's handler for n if the guest's trap table allows it from the
 * current guest privilege (Xen's permit_softint). An error code of 0 is
 * decoded and emulated (IN/OUT/INS/OUTS, RDMSR/WRMSR, MOV to/from
 * CR0/2/3/4 and DR0-7, CLTS, WBINVD, CLI/STI with IOPL).
 *
 * Returns true if handled: registers and regs->rip updated (or, for a
 * preempted REP INS/OUTS and a CR3 write returning -ERESTART, left at the
 * instruction so that it runs again), or an event bounced to the guest.
 * Returns false if the caller must inject #GP(error code) into the guest:
 * unreadable or unknown instruction bytes, insufficient IOPL, a privileged
 * instruction from guest user mode, an MSR/CR/DR access that policy
 * refuses.
 */
bool pv_emulate_privileged_op(struct cpu_user_regs *regs);

/*
 * pv_emulate_forced_invalid_op(): #UD raised by guest code. If the bytes
 * at regs->rip are Xen's forced-emulation CPUID (0f 0b 78 65 6e 0f a2),
 * loads EAX..EDX with pv_cpuid(EAX, ECX) for the current domain, advances
 * regs->rip by 7 and returns true. Otherwise (other bytes, or unreadable)
 * returns false: the caller injects #UD.
 */
bool pv_emulate_forced_invalid_op(struct cpu_user_regs *regs);

/*
 * pv_cpuid(): the CPUID leaf/subleaf a PV guest of domain d sees, as
 * res[0..3] = EAX, EBX, ECX, EDX. Hardware values filtered by Xen 4.17's
 * PV policy (features a PV guest may use; no VMX/SVM, MONITOR, PCID,
 * x2APIC, XSAVE/AVX, PSE/PGE/MTRR...), HYPERVISOR bit set, plus Xen's own
 * leaves 0x40000000-0x40000005 (arch-x86/cpuid.h). Leaves outside the
 * policy read as zeroes. Pure apart from executing CPUID on this pCPU;
 * any context.
 */
void pv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t res[4], const struct domain *d);

/*
 * pv_new_baseptr(): install mfn as v's kernel L4 page table (validating
 * and type-pinning it as MMUEXT_NEW_BASEPTR does) and reload CR3.
 * Provided by the MMU code; returns 0, -ERESTART (preempted: the guest
 * retries the instruction), or another negative errno (the guest gets
 * #GP). emul_cr.c carries a weak fallback returning -ENOSYS.
 */
int pv_new_baseptr(struct vcpu *v, unsigned long mfn);

#endif
