/* Privileged-instruction emulation for PV guests (arch/x86/pv/emul_*.c). */
#ifndef ASM_PV_EMULATE_H
#define ASM_PV_EMULATE_H

#include <xenia/types.h>
#include <xen/xen.h>

struct domain;

/* pv_emulate_privileged_op(): emulate the #GP-raising instruction at regs->rip; true if done. */
bool pv_emulate_privileged_op(struct cpu_user_regs *regs);
/* pv_emulate_forced_invalid_op(): Xen's "ud2; 'xen'; cpuid" forced emulation; true if done. */
bool pv_emulate_forced_invalid_op(struct cpu_user_regs *regs);
/* pv_cpuid(): the PV CPUID policy for d. */
void pv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t res[4], const struct domain *d);

#endif
