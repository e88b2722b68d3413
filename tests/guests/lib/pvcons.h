/*
 * pvcons.h: a domU's PV console ring (<xen/io/console.h>), which
 * xenconsoled in dom0 drains: the PV runtime (lib.c) and the PVH runtime
 * (pvh_lib.c) each find the ring and its event channel their own way,
 * then write through these.
 */
#ifndef GUEST_PVCONS_H
#define GUEST_PVCONS_H

#include <stddef.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/io/console.h>

struct pvcons {
    volatile struct xencons_interface *ring;
    evtchn_port_t port;
};

/* Write n bytes to the ring, kicking the port; waits (yielding to dom0)
 * for room, at most about a million yields per wait. */
void pvcons_write(const struct pvcons *c, const char *s, size_t n);
/* Wait until xenconsoled has read everything written (same bound). */
void pvcons_flush(const struct pvcons *c);

#endif
