/*
 * pirq: a device interrupt reaches dom0 as a PIRQ on an event channel.
 * GSI 1 (the i8042 keyboard controller: QEMU's MADT has no override for
 * it) is mapped with PHYSDEVOP_map_pirq, set up edge/high and bound with
 * EVTCHNOP_bind_pirq; then the controller is told to put bytes in its
 * output buffer (command 0xd2) with its keyboard interrupt enabled, and
 * each byte must raise the port. PHYSDEVOP_eoi, unbind (close) and
 * unmap_pirq follow, with Xen 4.17's errors for bad input.
 */
#include "test.h"
#include <xen/event_channel.h>
#include <xen/physdev.h>
#include <xen/sched.h>

const char test_name[] = "pirq";

#define KBD_GSI             1
#define I8042_DATA          0x60
#define I8042_CMD           0x64        /* write: command; read: status */
#define I8042_STATUS_OBF    0x01        /* output buffer full */
#define I8042_STATUS_IBF    0x02        /* input buffer full */
#define I8042_READ_CTR      0x20
#define I8042_WRITE_CTR     0x60
#define I8042_WRITE_KBD_OBUF 0xd2
#define I8042_CTR_KBDINT    0x01        /* keyboard interrupt enable */

static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void i8042_wait_write(void)
{
    for (int i = 0; i < 100000 && (inb(I8042_CMD) & I8042_STATUS_IBF); i++)
        ;
}

static void i8042_drain(void)
{
    for (int i = 0; i < 32 && (inb(I8042_CMD) & I8042_STATUS_OBF); i++)
        (void)inb(I8042_DATA);
}

static void i8042_command(uint8_t cmd)
{
    i8042_wait_write();
    outb(I8042_CMD, cmd);
}

static void i8042_data(uint8_t v)
{
    i8042_wait_write();
    outb(I8042_DATA, v);
}

/* Wait up to 2 s of Xen time for port to be pending. */
static bool wait_pending(evtchn_port_t port)
{
    uint64_t end = xen_now() + 2000000000ULL;

    while ( !evtchn_pending(port) && xen_now() < end )
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    return evtchn_pending(port);
}

void test_main(void)
{
    struct physdev_set_iopl iopl = { .iopl = 1 };
    struct physdev_map_pirq map = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
                                    .index = KBD_GSI, .pirq = KBD_GSI };
    struct physdev_setup_gsi setup = { .gsi = KBD_GSI, .triggering = 0, .polarity = 0 };
    struct evtchn_bind_pirq bind = { .pirq = KBD_GSI };
    struct physdev_eoi eoi = { .irq = KBD_GSI };
    uint8_t ctr;

    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0, "set_iopl 1");

    /* Bad input first: nothing is mapped yet. */
    bind.pirq = 100000;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &bind), -XEN_EINVAL,
              "bind_pirq, pirq out of range");
    eoi.irq = 100000;
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &eoi), -XEN_EINVAL, "eoi, pirq out of range");
    eoi.irq = KBD_GSI;
    map.index = 100000;
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &map), -XEN_EINVAL,
              "map_pirq, GSI out of range");
    map.index = KBD_GSI;
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, 0), -XEN_EFAULT, "map_pirq, NULL");

    /* Map, set up, bind. */
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &map), 0, "map_pirq GSI 1");
    expect_eq(map.pirq, KBD_GSI, "PIRQ number = GSI");
    long rc = HYPERVISOR_physdev_op(PHYSDEVOP_setup_gsi, &setup);
    check(rc == 0 || rc == -XEN_EEXIST, "setup_gsi GSI 1: 0 or -EEXIST");
    bind.pirq = KBD_GSI;
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &bind), 0, "bind_pirq");
    evtchn_port_t port = bind.port;
    check(port > 0, "a port for the PIRQ");
    struct evtchn_bind_pirq again = { .pirq = KBD_GSI };
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &again), -XEN_EEXIST,
              "bind_pirq twice");
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_status, &st), 0, "status");
    expect_eq(st.status, EVTCHNSTAT_pirq, "the port is a PIRQ's");
    expect_eq(st.u.pirq, KBD_GSI, "of PIRQ 1");
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &eoi), 0, "eoi, as Linux does after binding");

    /* The controller's keyboard interrupt on, then bytes into its output buffer. */
    i8042_drain();
    i8042_command(I8042_READ_CTR);
    for (int i = 0; i < 100000 && !(inb(I8042_CMD) & I8042_STATUS_OBF); i++)
        ;
    ctr = inb(I8042_DATA);
    i8042_command(I8042_WRITE_CTR);
    i8042_data((uint8_t)(ctr | I8042_CTR_KBDINT));
    i8042_drain();
    evtchn_clear(port);
    for (int n = 0; n < 3; n++) {
        i8042_command(I8042_WRITE_KBD_OBUF);
        i8042_data((uint8_t)(0x10 + n));
        check(wait_pending(port), "the device interrupt raised the PIRQ's port");
        check((inb(I8042_CMD) & I8042_STATUS_OBF) && inb(I8042_DATA) == 0x10 + n,
              "the byte is in the controller's output buffer");
        evtchn_clear(port);
        expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &eoi), 0, "eoi");
    }

    /* Closing the port unbinds: further interrupts raise nothing. */
    struct evtchn_close cl = { .port = port };
    expect_eq(HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl), 0, "close the PIRQ's port");
    i8042_command(I8042_WRITE_KBD_OBUF);
    i8042_data(0x42);
    check(!wait_pending(port), "no event after close");
    i8042_drain();
    i8042_command(I8042_WRITE_CTR);
    i8042_data(ctr);

    struct physdev_unmap_pirq um = { .domid = DOMID_SELF, .pirq = KBD_GSI };
    expect_eq(HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &um), 0, "unmap_pirq");
}
