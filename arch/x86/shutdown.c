/* Power-off, restart, and QEMU's exit device. */
#include <xenia/lib.h>
#include <xenia/param.h>
#include <xenia/shutdown.h>
#include <xenia/acpi.h>
#include <asm/io.h>
#include <xenia/sched.h>
#include <xen/sched.h>

#define ISA_DEBUG_EXIT_PORT 0xf4
#define PM1_SLP_EN          (1u << 13)

static bool opt_noreboot;
boolean_param("noreboot", opt_noreboot);

void __noreturn machine_halt(void)
{
    for (;;)
        __asm__ __volatile__("cli; hlt");
}

void __noreturn machine_power_off(void)
{
    uint16_t pm1a = acpi_pm1a_control_port();
    if (pm1a) {
        outw(pm1a, (uint16_t)((acpi_s5_sleep_type() << 10) | PM1_SLP_EN));
    }
    printk("power-off failed: halting\n");
    machine_halt();
}

void __noreturn machine_restart(void)
{
    for (unsigned int i = 0; i < 100000; i++)
        if (!(inb(0x64) & 0x02))
            break;
    outb(0x64, 0xfe);
    /* Triple fault: load an empty IDT and take an exception. */
    static const struct { uint16_t limit; uint64_t base; } __packed no_idt = { 0, 0 };
    __asm__ __volatile__("lidt %0; int3" :: "m"(no_idt));
    machine_halt();
}

void __noreturn machine_exit_failure(unsigned int code)
{
    outl(ISA_DEBUG_EXIT_PORT, code);      /* ends QEMU when the device exists */
    if (opt_noreboot)
        machine_halt();
    machine_restart();
}

/* Dom0 is the machine's user: when it goes, the machine goes (as Xen). */
void hardware_domain_shutdown(unsigned int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:
        printk("Hardware domain shut down: powering off\n");
        machine_power_off();
    case SHUTDOWN_reboot:
        printk("Hardware domain rebooted: restarting\n");
        machine_restart();
    default:
        printk("Hardware domain crashed (reason %u)\n", reason);
        machine_exit_failure(EXIT_CODE_DOM0_CRASH);
    }
}
