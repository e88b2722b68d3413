/* Emulated guest writes to its own page tables (arch/x86/pv/ro_page_fault.c). */
#ifndef ASM_PV_PTWR_H
#define ASM_PV_PTWR_H

#include <xenia/types.h>
#include <xen/xen.h>

/*
 * pv_emulate_pt_write(): the current vCPU took a write #PF at addr
 * (error_code as the CPU gave it). If addr lies in a page-table frame the
 * guest owns and the faulting instruction is a supported store, validate
 * and perform it as MMU_NORMAL_PT_UPDATE would and advance rip: returns
 * true. Otherwise (not a table, refused entry, unknown instruction)
 * returns false and the fault goes to the guest.
 */
bool pv_emulate_pt_write(struct cpu_user_regs *regs, unsigned long addr, uint32_t error_code);

#endif
