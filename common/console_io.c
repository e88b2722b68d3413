/*
 * HYPERVISOR_console_io (xen.h): CONSOLEIO_write prints a guest's bytes on
 * the hypervisor console; CONSOLEIO_read takes serial input (dom0 only).
 */
#include <xenia/lib.h>
#include <xenia/console.h>
#include <xenia/errno.h>
#include <xenia/guest_access.h>
#include <xenia/hypercall.h>
#include <xenia/sched.h>
#include <xenia/event.h>
#include <xenia/time.h>
#include <asm/current.h>

#define CONSOLEIO_CHUNK  128

long do_console_io(hc_arg_t cmd, hc_arg_t count, hc_arg_t buffer)
{
    struct domain *d = current->domain;
    char chunk[CONSOLEIO_CHUNK];

    /* As Xen's non-debug builds: only the hardware domain uses this console. */
    if (!d->is_privileged)
        return -EPERM;
    switch (cmd) {
    case CONSOLEIO_write:
        if ((long)count < 0)
            return -EINVAL;
        for (unsigned long done = 0; done < count;) {
            size_t n = MIN(count - done, sizeof(chunk));
            if (raw_copy_from_guest(chunk, (const char *)buffer + done, n))
                return -EFAULT;
            console_write_guest(chunk, n);
            done += n;
        }
        return 0;
    case CONSOLEIO_read: {
        if ((long)count < 0)
            return -EINVAL;
        size_t n = console_read_input(chunk, MIN(count, sizeof(chunk)));
        if (raw_copy_to_guest((void *)buffer, chunk, n))
            return -EFAULT;
        return (long)n;
    }
    default:
        return -ENOSYS;
    }
}

/*
 * Serial input for dom0: the UART is polled every CONSOLE_POLL_NS (no
 * interrupt routing needed) and VIRQ_CONSOLE tells dom0 to CONSOLEIO_read.
 */
#define CONSOLE_POLL_NS  (20 * 1000 * 1000)

static struct timer console_poll_timer;

static void console_poll(void *data)
{
    if (console_poll_input() && hardware_domain)
        send_guest_global_virq(hardware_domain, VIRQ_CONSOLE);
    set_timer(&console_poll_timer, NOW() + CONSOLE_POLL_NS);
}

void console_input_start(void)
{
    init_timer(&console_poll_timer, console_poll, NULL, 0);
    set_timer(&console_poll_timer, NOW() + CONSOLE_POLL_NS);
}
