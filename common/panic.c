/* panic(): report the reason on the console and end the machine with a failure status. */
#include <xenia/lib.h>
#include <xenia/shutdown.h>
#include <xenia/spinlock.h>
#include <asm/current.h>

void panic(const char *fmt, ...)
{
    va_list ap;
    local_irq_disable();
    printk("\n****************************************\n");
    printk("Panic on CPU %u:\n", smp_processor_id());
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n****************************************\n");
    machine_exit_failure(EXIT_CODE_PANIC);
}
