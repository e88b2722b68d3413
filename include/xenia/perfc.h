/*
 * Performance counters (Xen's perfc, CONFIG_PERF_COUNTERS): how many of
 * each hypercall, each domctl and each memory_op subcommand the hypervisor has run since boot (or
 * the last reset) and the system time spent in them, to see where `xl
 * create` and `xl destroy` spend the hypervisor's share of their time.
 * Debug key 'p' prints them, 'P' resets them (as Xen 4.17's keys; the
 * layout is Xenia's own: Xen's perfc has counts, not times).
 */
#ifndef XENIA_PERFC_H
#define XENIA_PERFC_H

#include <xenia/types.h>
#include <xenia/time.h>

/*
 * perfc_hypercall(): one hypercall `nr` (0..63, others ignored) ran for
 * `ns` ns of system time (NOW() before and after, so time spent preempted
 * by interrupts counts; a multicall's time includes its entries', which
 * count again under their own numbers; a call that returns -ERESTART and
 * is re-issued counts once per issue). For the hypercalls that take a
 * sub-command first (sched_op, event_channel_op, physdev_op, vcpu_op,
 * grant_table_op, hvm_op), `arg0` (commands 0..31) is counted too: the
 * "subop NAME (CMD)" rows. Any CPU, any context; lock-free (atomic adds).
 */
void perfc_hypercall(unsigned long nr, unsigned long arg0, s_time_t ns);

/*
 * perfc_domctl(): one XEN_DOMCTL_* `cmd` (named `name`, a static string)
 * ran for `ns` ns, as perfc_hypercall(). Commands past the table (128)
 * are ignored.
 */
void perfc_domctl(unsigned int cmd, const char *name, s_time_t ns);
/*
 * perfc_memop(): one memory_op subcommand `op` (XENMEM_*, named `name`, a
 * static string) ran for `ns` ns, as perfc_domctl() (the time counts again
 * under hypercall memory_op). Subcommands past the table (64) are ignored.
 */
void perfc_memop(unsigned int op, const char *name, s_time_t ns);

/*
 * perfc_wait(): this CPU waited `ns` ns for other CPUs (`what`: one of
 * PERFC_WAIT_*): for a lock held elsewhere and then their acknowledgement
 * of a TLB flush or call-function IPI. Counted as perfc_hypercall() (the
 * time also counts in the hypercall that waited).
 */
enum perfc_wait {
    PERFC_WAIT_FLUSH_TLB,       /* flush_tlb_mask(): lock, IPIs, acknowledgements */
    PERFC_WAIT_CALL_FUNCTION,   /* on_selected_cpus(): the same for a function */
    PERFC_WAITS
};
void perfc_wait(enum perfc_wait what, s_time_t ns);

/*
 * perfc_event(): one more `what` (PERFC_EVENT_*), a count without time.
 * Any CPU, any context; lock-free.
 */
enum perfc_event {
    PERFC_EVENT_VCPU_MIGRATED,  /* a vCPU started to run on another pCPU than it last ran on */
    PERFC_EVENT_TICKLE_DEFERRED,    /* a pCPU passed over a queued vCPU left to the pCPU woken for it */
    PERFC_EVENTS
};
void perfc_event(enum perfc_event what);

/* Debug keys 'p' (print every non-zero counter) and 'P' (zero them all). */
void perfc_printall(char key);
void perfc_reset(char key);

#endif
