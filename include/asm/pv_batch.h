/*
 * Continuations of the batched PV MMU hypercalls (mmu_update, mmuext_op):
 * a preempted call is re-executed with the list advanced and the count
 * marked MMU_UPDATE_PREEMPTED (Xen's internal flag), while *pdone carries
 * the items done by the earlier rounds.
 *
 * A vCPU's old_guest_table (a page-table release or failed validation
 * whose devalidation was preempted, see arch/x86/mm/page_type.c) is
 * finished before anything else when the call is re-executed. When a call
 * ends with it still pending, the guest does not see the result yet: as in
 * Xen, the call is re-executed as (NULL, MMU_UPDATE_PREEMPTED, NULL,
 * result) until the devalidation is done, and then returns that result.
 */
#ifndef ASM_PV_BATCH_H
#define ASM_PV_BATCH_H

#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/pv_mm.h>

#define MMU_UPDATE_PREEMPTED    (1u << 31)
#define PV_BATCH_CHECK_EVERY    64          /* items between preemption checks */

/*
 * pv_batch_enter(): the first step of do_mmu_update / do_mmuext_op
 * (list, count and the 4th argument as the guest passed them): finish
 * current's old_guest_table, and recognise a continuation that only
 * carries the final result. True when the call must return *rc now
 * (-ERESTART: still pending, re-executed unchanged; else the result).
 */
static inline bool pv_batch_enter(hc_arg_t list, hc_arg_t count, hc_arg_t arg4, long *rc)
{
    if (pv_put_old_guest_table(current, true)) {
        *rc = -ERESTART;
        return true;
    }
    if ((unsigned int)count == MMU_UPDATE_PREEMPTED && !list) {
        *rc = (int)arg4;
        return true;
    }
    return false;
}

/*
 * pv_batch_resume(): strip the continuation flag from *count and read the
 * earlier rounds' total from pdone into *before (0 for a first call, and
 * 0 when pdone is unreadable: Xen 4.17 ignores that). Returns 0.
 */
static inline int pv_batch_resume(unsigned int *count, hc_arg_t pdone, unsigned int *before)
{
    *before = 0;
    if (!(*count & MMU_UPDATE_PREEMPTED))
        return 0;
    *count &= ~MMU_UPDATE_PREEMPTED;
    if (pdone && raw_copy_from_guest(before, (void *)pdone, sizeof(*before)))
        *before = 0;
    return 0;
}

/*
 * pv_batch_preempt(): time to stop after done items (never before the
 * first): pending work, or a release left in old_guest_table by the last
 * item (finished first thing when the call is re-executed).
 */
static inline bool pv_batch_preempt(unsigned int done)
{
    if (current->arch.old_guest_table)
        return true;
    return done && !(done % PV_BATCH_CHECK_EVERY) && hypercall_preempt_check();
}

/*
 * pv_batch_finish(): write before + done to pdone; after -ERESTART, point the
 * guest's list/count arguments at the rest; with current's old_guest_table
 * still pending, turn the result into a continuation that returns it (see
 * above). Returns the call's result: rc, or -ERESTART. A pdone that cannot
 * be written changes nothing (Xen 4.17's copy_to_guest() result is ignored).
 */
static inline long pv_batch_finish(long rc, hc_arg_t list, size_t item_bytes, unsigned int count,
                                   unsigned int done, unsigned int before, hc_arg_t pdone)
{
    unsigned int total = before + done;

    if (pdone)
        (void)raw_copy_to_guest((void *)pdone, &total, sizeof(total));  /* Xen ignores a failure */
    if (rc == -ERESTART) {
        hypercall_set_arg(0, list + done * item_bytes);
        hypercall_set_arg(1, (count - done) | MMU_UPDATE_PREEMPTED);
        return rc;
    }
    if (current->arch.old_guest_table) {
        hypercall_set_arg(0, 0);
        hypercall_set_arg(1, MMU_UPDATE_PREEMPTED);
        hypercall_set_arg(2, 0);
        hypercall_set_arg(3, (unsigned long)rc);
        return -ERESTART;
    }
    return rc;
}

#endif
