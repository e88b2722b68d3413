/*
 * Continuations of the batched PV MMU hypercalls (mmu_update, mmuext_op):
 * a preempted call is re-executed with the list advanced and the count
 * marked MMU_UPDATE_PREEMPTED (Xen's internal flag), while *pdone carries
 * the items done by the earlier rounds.
 */
#ifndef ASM_PV_BATCH_H
#define ASM_PV_BATCH_H

#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>

#define MMU_UPDATE_PREEMPTED    (1u << 31)
#define PV_BATCH_CHECK_EVERY    64          /* items between preemption checks */

/*
 * pv_batch_resume(): strip the continuation flag from *count and read the
 * earlier rounds' total from pdone into *before (0 for a first call).
 * Returns 0 or -EFAULT (pdone unreadable).
 */
static inline int pv_batch_resume(unsigned int *count, hc_arg_t pdone, unsigned int *before)
{
    *before = 0;
    if (!(*count & MMU_UPDATE_PREEMPTED))
        return 0;
    *count &= ~MMU_UPDATE_PREEMPTED;
    if (pdone && raw_copy_from_guest(before, (void *)pdone, sizeof(*before)))
        return -EFAULT;
    return 0;
}

/* pv_batch_preempt(): time to stop after done items (never before the first). */
static inline bool pv_batch_preempt(unsigned int done)
{
    return done && !(done % PV_BATCH_CHECK_EVERY) && hypercall_preempt_check();
}

/*
 * pv_batch_finish(): write before + done to pdone; after -ERESTART, point the
 * guest's list/count arguments at the rest. Returns the call's result: rc,
 * or -EFAULT when pdone cannot be written (and rc was a success or restart).
 */
static inline long pv_batch_finish(long rc, hc_arg_t list, size_t item_bytes, unsigned int count,
                                   unsigned int done, unsigned int before, hc_arg_t pdone)
{
    unsigned int total = before + done;

    if (pdone && raw_copy_to_guest((void *)pdone, &total, sizeof(total)))
        return rc && rc != -ERESTART ? rc : -EFAULT;
    if (rc == -ERESTART) {
        hypercall_set_arg(0, list + done * item_bytes);
        hypercall_set_arg(1, (count - done) | MMU_UPDATE_PREEMPTED);
    }
    return rc;
}

#endif
