/*
 * pvcons.c: writing a domU's PV console ring (see pvcons.h).
 */
#include <stdint.h>
#include "pvcons.h"
#include "hypercall.h"
#include <xen/sched.h>

static void kick(const struct pvcons *c)
{
    struct evtchn_send send = { .port = c->port };

    HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

/* Wait (yielding to dom0) until at least 'room' bytes of the ring are free. */
static void wait_room(const struct pvcons *c, size_t room)
{
    volatile struct xencons_interface *r = c->ring;

    for ( unsigned long spins = 0; spins < 1000000; spins++ )
    {
        if ( sizeof(r->out) - (XENCONS_RING_IDX)(r->out_prod - r->out_cons) >= room )
            return;
        kick(c);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

void pvcons_write(const struct pvcons *c, const char *s, size_t n)
{
    volatile struct xencons_interface *r = c->ring;
    XENCONS_RING_IDX prod;

    while ( n )
    {
        wait_room(c, 1);
        prod = r->out_prod;
        while ( n && (XENCONS_RING_IDX)(prod - r->out_cons) < sizeof(r->out) )
        {
            r->out[MASK_XENCONS_IDX(prod, r->out)] = *s++;
            prod++;
            n--;
        }
        asm volatile ("sfence" ::: "memory");   /* data before index */
        r->out_prod = prod;
        kick(c);
    }
}

void pvcons_flush(const struct pvcons *c)
{
    wait_room(c, sizeof(c->ring->out));
}
