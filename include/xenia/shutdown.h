/* Ending the machine: power-off, reboot, and the QEMU test exit path. */
#ifndef XENIA_SHUTDOWN_H
#define XENIA_SHUTDOWN_H

#include <xenia/compiler.h>

/*
 * Exit statuses QEMU reports through the isa-debug-exit device (iobase 0xf4):
 * QEMU exits with (code << 1) | 1. A clean power-off exits QEMU with 0.
 */
#define EXIT_CODE_DOM0_CRASH   0x01   /* QEMU status 3 */
#define EXIT_CODE_PANIC        0x20   /* QEMU status 65 */

/* machine_power_off(): ACPI S5 through the FADT's PM1a control block. */
void __noreturn machine_power_off(void);
/* machine_restart(): keyboard-controller reset, then triple fault. */
void __noreturn machine_restart(void);
/*
 * machine_exit_failure(): end QEMU with a failure status through
 * isa-debug-exit when present; otherwise restart, or halt when the
 * "noreboot" option is set (Xen's meaning).
 */
void __noreturn machine_exit_failure(unsigned int code);
/* machine_halt(): stop this CPU forever with interrupts off. */
void __noreturn machine_halt(void);

#endif
