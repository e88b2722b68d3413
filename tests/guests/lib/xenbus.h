/*
 * xenbus.h: the frontend side of a split driver, for test guests that
 * play a (hostile) frontend to dom0's backends: xenstore requests over
 * the guest's store ring (xs_wire.h, one at a time, no watches), grants
 * in the guest's own v1 grant table, 10 ms sleeps, xenbus states.
 */
#ifndef GUEST_XENBUS_H
#define GUEST_XENBUS_H

#include "test.h"
#include <xen/grant_table.h>
#include <xen/event_channel.h>
#include <xen/io/xenbus.h>

#define xen_mb()  asm volatile ("mfence" ::: "memory")
#define xen_rmb() asm volatile ("lfence" ::: "memory")
#define xen_wmb() asm volatile ("sfence" ::: "memory")

/* Bounds on hangs only (the host may be loaded), in ns of Xen system time. */
#define XB_STATE_NS 120000000000ULL   /* 120 s for a backend state */
#define XB_RSP_NS    60000000000ULL   /* 60 s for a response */

/* Our grant table's frame 0 (entries 0..511), mapped by xb_init(). */
extern grant_entry_v1_t *xb_gnt;

/*
 * Map the store ring and grant frame 0, bind VIRQ_TIMER for sleeps.
 * False (after a failed check) if the guest has no store ring.
 */
bool xb_init(void);
/* Sleep 10 ms of Xen system time (SCHEDOP_block, woken by the timer). */
void xb_sleep_10ms(void);
/* EVTCHNOP_send on port. */
void xb_notify(evtchn_port_t port);
/* XS_WRITE path (relative paths are under /local/domain/<us>); true if done. */
bool xs_write(const char *path, const char *val);
/* XS_READ into out (NUL-terminated, truncated to size); true if read. */
bool xs_read(const char *path, char *out, unsigned int size);
/* A decimal node's value, or -1 if it cannot be read. */
int xs_read_int(const char *path);
/* Fill grant entry ref (v1): domid, frame, then flags last. */
void xb_grant(grant_ref_t ref, domid_t dom, unsigned long mfn, uint16_t flags);
/* Wait until DIR/state is a or b (XB_STATE_NS at most); returns the last state read. */
int xb_wait_state(const char *dir, int a, int b);
/* Write DIR/state. */
bool xb_set_state(const char *dir, int state);
/*
 * A frontend's first step: read FE/backend (into backend, size bytes) and
 * FE/backend-id, then wait for the backend to reach InitWait. Returns the
 * backend's domain id, or -1 after a failed check.
 */
int xb_backend_initwait(const char *fe, char *backend, unsigned int size);

#endif
