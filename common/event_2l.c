/*
 * The 2-level event channel ABI (xen/xen.h, struct shared_info and struct
 * vcpu_info): one pending bit and one mask bit per port in shared_info,
 * one selector bit per 64-port word in each vcpu_info, and the vCPU's
 * evtchn_upcall_pending flag on top.
 *
 * These words are guest memory that the guest changes concurrently, so
 * every access is an atomic (LOCK-prefixed, fully ordered) bit operation
 * and the order of the steps below is what makes delivery race-free:
 * pending bit, then mask check, then selector, then upcall.
 *
 * A domain uses these through evtchn_port_ops_2l (d->evtchn.ops) from its
 * creation until EVTCHNOP_init_control switches it to FIFO, and again
 * after EVTCHNOP_reset.
 */
#include <xenia/lib.h>
#include <xenia/sched.h>
#include <xenia/event.h>

#define BITS_PER_WORD   (sizeof(xen_ulong_t) * 8)

static bool bit_test_and_set(xen_ulong_t *words, unsigned int bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << (bit % BITS_PER_WORD);
    return __atomic_fetch_or(&words[bit / BITS_PER_WORD], m, __ATOMIC_SEQ_CST) & m;
}

static bool bit_test_and_clear(xen_ulong_t *words, unsigned int bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << (bit % BITS_PER_WORD);
    return __atomic_fetch_and(&words[bit / BITS_PER_WORD], ~m, __ATOMIC_SEQ_CST) & m;
}

static bool bit_test(const xen_ulong_t *words, unsigned int bit)
{
    xen_ulong_t m = (xen_ulong_t)1 << (bit % BITS_PER_WORD);
    return __atomic_load_n(&words[bit / BITS_PER_WORD], __ATOMIC_SEQ_CST) & m;
}

/* Set port's selector bit in v's vcpu_info; upcall v if it was clear. */
static void select_and_upcall(struct vcpu *v, evtchn_port_t port)
{
    struct vcpu_info *vi = ACCESS_ONCE(v->vcpu_info);

    if (!vi)
        return;
    if (!bit_test_and_set(&vi->evtchn_pending_sel, port / BITS_PER_WORD))
        vcpu_mark_events_pending(v);
}

/* The 2-level half of evtchn_set_pending() (event.h); chn unused. */
static void evtchn_2l_set_pending(struct vcpu *v, evtchn_port_t port, struct evtchn *chn)
{
    struct domain *d = v->domain;
    struct shared_info *si = d->shared_info;

    if (port >= EVTCHNS_PER_DOMAIN_2L || !si)
        return;
    if (bit_test_and_set(si->evtchn_pending, port))
        return;
    if (!bit_test(si->evtchn_mask, port))
        select_and_upcall(v, port);
    evtchn_check_pollers(d, port);
}

/*
 * evtchn_2l_clear_pending(): clear port's pending bit in d's shared_info
 * (a port being freed must not carry a stale event into its next binding).
 */
void evtchn_2l_clear_pending(struct domain *d, evtchn_port_t port)
{
    if (port >= EVTCHNS_PER_DOMAIN_2L || !d->shared_info)
        return;
    bit_test_and_clear(d->shared_info->evtchn_pending, port);
}

/*
 * evtchn_2l_unmask(): EVTCHNOP_unmask's 2-level half: clear port's mask
 * bit; if it was set and the port is pending, deliver to v (the port's
 * notify vCPU) as evtchn_set_pending() would have.
 */
void evtchn_2l_unmask(struct domain *d, struct vcpu *v, evtchn_port_t port)
{
    struct shared_info *si = d->shared_info;

    if (port >= EVTCHNS_PER_DOMAIN_2L || !si || !v)
        return;
    if (!bit_test_and_clear(si->evtchn_mask, port))
        return;
    if (bit_test(si->evtchn_pending, port))
        select_and_upcall(v, port);
}

/* evtchn_2l_is_pending()/_is_masked(): port's bits in d's shared_info. */
bool evtchn_2l_is_pending(const struct domain *d, evtchn_port_t port)
{
    if (port >= EVTCHNS_PER_DOMAIN_2L || !d->shared_info)
        return false;
    return bit_test(d->shared_info->evtchn_pending, port);
}

bool evtchn_2l_is_masked(const struct domain *d, evtchn_port_t port)
{
    if (port >= EVTCHNS_PER_DOMAIN_2L || !d->shared_info)
        return true;
    return bit_test(d->shared_info->evtchn_mask, port);
}

static void evtchn_2l_unmask_op(struct domain *d, struct vcpu *v, evtchn_port_t port,
                                struct evtchn *chn)
{
    evtchn_2l_unmask(d, v, port);
}

static bool evtchn_2l_is_pending_op(struct domain *d, evtchn_port_t port)
{
    return evtchn_2l_is_pending(d, port);
}

static bool evtchn_2l_is_masked_op(struct domain *d, evtchn_port_t port)
{
    return evtchn_2l_is_masked(d, port);
}

/* The 2-level ABI's port operations (event.h); no priorities (-ENOSYS), never busy. */
const struct evtchn_port_ops evtchn_port_ops_2l = {
    .set_pending = evtchn_2l_set_pending,
    .clear_pending = evtchn_2l_clear_pending,
    .unmask = evtchn_2l_unmask_op,
    .is_pending = evtchn_2l_is_pending_op,
    .is_masked = evtchn_2l_is_masked_op,
    .max_ports = EVTCHNS_PER_DOMAIN_2L,
};
