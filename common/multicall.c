/*
 * HYPERVISOR_multicall (<xen/xen.h> multicall_entry_t): run a batch of
 * hypercalls in order, each entry's result written back into the entry,
 * with Xen 4.17's rules:
 *   - a failing entry does not stop the batch (its result is the -errno);
 *   - a multicall inside a multicall fails that entry with -EINVAL;
 *   - the list must lie in guest space (-EFAULT up front); an entry that
 *     cannot be read, or a result that cannot be written back, ends the
 *     batch with -EFAULT;
 *   - HYPERVISOR_iret in a batch ends it: the multicall returns what the
 *     iret returned.
 * Each entry passes args[0..4] (the sixth is unused on x86-64).
 *
 * Preemption, as Xen's: with work pending between entries the multicall
 * is continued at the next entry; an entry whose own hypercall is
 * preempted (-ERESTART: its continuation arguments, set with
 * hypercall_set_arg(), went into the entry) is written back into the
 * guest's list, result untouched, and the multicall is continued at that
 * entry.
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/softirq.h>
#include <xenia/sched.h>
#include <asm/current.h>

/* Xen's _MCSF_in_multicall, per pCPU: a hypercall runs to completion on its CPU. */
static DEFINE_PER_CPU(bool, in_multicall);
/* The arguments of the entry being run, where its continuation goes (Xen's mcs->call). */
static DEFINE_PER_CPU(xen_ulong_t *, entry_args);

/* Run one entry; false when the batch must stop (*rc says why). */
static bool run_entry(multicall_entry_t *e, multicall_entry_t *guest, long *rc)
{
    const unsigned long args[5] = { e->args[0], e->args[1], e->args[2], e->args[3], e->args[4] };
    unsigned int cpu = smp_processor_id();

    per_cpu(entry_args, cpu) = e->args;
    e->result = (xen_ulong_t)hypercall_dispatch(e->op, args);
    per_cpu(entry_args, cpu) = NULL;
    if ((long)e->result == -ERESTART && e->op != __HYPERVISOR_iret) {
        /* A sub-call continuation: the entry resumes with its new arguments. */
        *rc = raw_copy_to_guest(guest->args, e->args, sizeof(e->args)) ? -EFAULT : -ERESTART;
        return false;
    }
    bool copied = raw_copy_to_guest(&guest->result, &e->result, sizeof(e->result)) == 0;
    if (e->op == __HYPERVISOR_iret) {
        *rc = (long)e->result;          /* result copy-out is best effort here */
        return false;
    }
    if (!copied) {
        *rc = -EFAULT;
        return false;
    }
    return true;
}

/*
 * do_multicall(): call_list is a guest array of nr_calls (32-bit)
 * multicall_entry_t. Returns 0 once every entry ran, -EFAULT (bad list,
 * unreadable entry, unwritable result), -EINVAL (nested), or an iret's
 * return value. Each entry is copied in once and its result copied out
 * once.
 */
bool multicall_in_progress(void)
{
    return per_cpu(in_multicall, smp_processor_id());
}

xen_ulong_t *multicall_entry_args(void)
{
    return per_cpu(entry_args, smp_processor_id());
}

long do_multicall(hc_arg_t call_list, hc_arg_t nr_calls)
{
    unsigned int cpu = smp_processor_id();
    multicall_entry_t *list = (multicall_entry_t *)call_list;
    uint32_t nr = (uint32_t)nr_calls;
    long rc = 0;

    if (per_cpu(in_multicall, cpu))
        return -EINVAL;
    if (!guest_range_ok(call_list, (size_t)nr * sizeof(*list)))
        return -EFAULT;

    uint32_t i;
    bool restart = false;
    per_cpu(in_multicall, cpu) = true;
    for (i = 0; i < nr; i++) {
        if (i && softirq_pending(cpu)) {
            rc = -ERESTART;
            restart = true;
            break;
        }
        multicall_entry_t e;
        if (raw_copy_from_guest(&e, list + i, sizeof(e))) {
            rc = -EFAULT;
            break;
        }
        if (!run_entry(&e, list + i, &rc)) {
            restart = e.op != __HYPERVISOR_iret && rc == -ERESTART;
            break;
        }
    }
    per_cpu(in_multicall, cpu) = false;
    if (restart) {
        /* Continue with the rest of the list (from entry i) after the pending work. */
        hypercall_set_arg(0, call_list + i * sizeof(*list));
        hypercall_set_arg(1, nr - i);
    }
    return rc;
}
