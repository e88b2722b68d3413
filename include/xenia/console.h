/* Hypervisor console: serial output, the console ring, and dom0 input. */
#ifndef XENIA_CONSOLE_H
#define XENIA_CONSOLE_H

#include <xenia/types.h>

/* A byte sink such as the serial port. */
struct console_driver {
    void (*putc)(char c);
    int  (*getc)(void);          /* -1 when no byte is waiting */
};

/* console_register(): add a sink; printk output goes to every sink. Boot only. */
void console_register(const struct console_driver *drv);

/*
 * console_force_unlock(): from now on only this CPU writes to the console,
 * without its lock, whoever holds it (the holder may be the interrupted
 * code, or another CPU mid-line); other CPUs' output is dropped from their
 * next byte on. For NMI and fatal paths only: there is no way back.
 */
void console_force_unlock(void);

/* console_write(): write n bytes to every sink and the ring; takes console_lock. */
void console_write(const char *s, size_t n);
/*
 * console_write_guest(): dom0's CONSOLEIO_write: the sinks only, not the
 * ring that XEN_SYSCTL_readconsole (xl dmesg) reads, as Xen by default.
 */
void console_write_guest(const char *s, size_t n);

/*
 * console_ring_read(): copy up to n bytes of the console ring starting at
 * byte index *pos (a running count since boot) into buf; advances *pos.
 * Backs XEN_SYSCTL_readconsole. Returns bytes copied.
 */
size_t console_ring_read(char *buf, size_t n, uint64_t *pos);

/*
 * console_poll_input(): move waiting serial input into dom0's input ring,
 * or, after Ctrl-A three times, run it as debug keys (handle_keypress());
 * true if dom0 got input. Takes console_lock.
 */
bool console_poll_input(void);
/* console_read_input(): up to n bytes of serial input for dom0; returns bytes copied. */
size_t console_read_input(char *buf, size_t n);

/* console_input_start(): poll serial input for dom0 (VIRQ_CONSOLE); after dom0 exists. */
void console_input_start(void);

/* console_verbose(): loglvl= asks for debug messages (loglvl=debug or all). */
bool console_verbose(void);

/* ns16550_init(): COM port at io_base, 115200 8n1, registered as a console. */
void ns16550_init(uint16_t io_base);

#endif
