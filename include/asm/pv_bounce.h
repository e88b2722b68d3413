/* Bounce-frame construction (arch/x86/pv/bounce.c). */
#ifndef ASM_PV_BOUNCE_H
#define ASM_PV_BOUNCE_H

#include <xenia/types.h>
#include <xen/xen.h>

#define TBF_EXCEPTION_ERRCODE  (1u << 0)   /* push an error code */
#define TBF_INTERRUPT          (1u << 1)   /* set evtchn_upcall_mask on entry */

/*
 * pv_create_bounce_frame(): make the current vCPU resume at handler in
 * guest kernel mode with a bounce frame on its kernel stack (layout at the
 * top of bounce.c). Returns 0, or -1 after crashing the domain (no handler,
 * or the guest stack cannot be written).
 */
int pv_create_bounce_frame(struct cpu_user_regs *regs, unsigned long handler,
                           unsigned int flags, uint32_t error_code);

#endif
