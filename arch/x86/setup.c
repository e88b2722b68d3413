/*
 * start_xenia(): the boot flow after head.S has entered long mode.
 *
 *   serial console -> command line -> ACPI -> memory map -> frame table and
 *   heap -> CPUs -> dom0 build -> scheduler
 */
#include <xenia/lib.h>
#include <xenia/console.h>
#include <xenia/multiboot.h>
#include <xenia/param.h>
#include <xenia/shutdown.h>
#include <xenia/acpi.h>
#include <xenia/version.h>
#include <xenia/spinlock.h>
#include <asm/page.h>
#include <asm/mm_init.h>
#include <asm/apic.h>
#include <asm/smp.h>
#include <xenia/time.h>
#include <xenia/sched.h>
#include <asm/current.h>
#include <asm/dom0_build.h>
#include <asm/irq.h>
#include <asm/io_apic.h>
#include <asm/pirq.h>
#include <asm/nmi.h>
#include <asm/pv_domain.h>
#include <asm/hvm/hvm.h>

extern const struct kernel_param __setup_start[], __setup_end[];

static char opt_console[32] = "com1";
string_param("console", opt_console);

char saved_cmdline[1024];               /* for XENVER_commandline */

/* Multiboot loaders put the image's own name first, as Xen expects: skip it. */
static const char *skip_image_name(const char *s)
{
    while (*s && *s != ' ')
        s++;
    while (*s == ' ')
        s++;
    return s;
}

static const char *mb_string(uint32_t pa)
{
    return pa ? (const char *)__va(pa) : "";
}

void __noreturn start_xenia(uint32_t mb_magic, uint32_t mbi_pa);
void __noreturn start_xenia(uint32_t mb_magic, uint32_t mbi_pa)
{
    ns16550_init(0x3f8);
    printk("Xenia %s (Xen %d.%d ABI)\n", XENIA_VERSION_STRING,
           XEN_VERSION_MAJOR, XEN_VERSION_MINOR);

    if (mb_magic == MULTIBOOT2_BOOTLOADER_MAGIC) {
        mbi_pa = multiboot2_info(mbi_pa);
        printk("Booted by Multiboot 2\n");
    } else if (mb_magic != MULTIBOOT_BOOTLOADER_MAGIC) {
        panic("not started by a multiboot loader (magic %#x)", mb_magic);
    }
    const struct multiboot_info *mbi = __va(mbi_pa);

    const char *cmdline = skip_image_name((mbi->flags & MBI_CMDLINE) ? mb_string(mbi->cmdline) : "");
    strlcpy(saved_cmdline, cmdline, sizeof(saved_cmdline));
    printk("Command line: %s\n", cmdline);
    cmdline_parse(cmdline, __setup_start, __setup_end);

    acpi_init();

    /* Memory map, page tables, frame table, M2P, heap: CR3 = idle_pg_table after this. */
    struct mem_range reserved[64];
    mm_init(mbi, reserved, multiboot_reserved_ranges(mbi, mbi_pa, reserved, ARRAY_SIZE(reserved)));

    /* This CPU's GDT/TSS/IDT and SYSCALL entry; run queues for every CPU. */
    cpu_init_descriptors(0);
    cpu_init_syscall(0);
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
        scheduler_init_cpu(cpu);

    /* Time, the local APIC, the other CPUs. */
    time_init();
    apic_init();
    smp_prepare_cpus();
    smp_boot_cpus();
    time_selftest();
    ioapic_init();
    pirq_init();

    uint32_t nr_mods = (mbi->flags & MBI_MODULES) ? mbi->mods_count : 0;
    const struct multiboot_module *mods = __va(mbi->mods_addr);
    for (uint32_t i = 0; i < nr_mods; i++)
        printk("Module %u: [%08x, %08x) %s\n", i, mods[i].mod_start,
               mods[i].mod_end, mb_string(mods[i].string));

    if (!nr_mods)
        panic("no dom0 kernel given (multiboot module 0)");

    const char *dom0_cmdline = skip_image_name(mb_string(mods[0].string));
    bool hvm = hvm_init();
    if (opt_dom0_pvh && !hvm)
        panic("dom0=pvh needs SVM with nested paging");
    struct domain *d0 = (opt_dom0_pvh ? construct_dom0_pvh : construct_dom0)(__va(mods[0].mod_start),
                                       mods[0].mod_end - mods[0].mod_start,
                                       nr_mods > 1 ? __va(mods[1].mod_start) : NULL,
                                       nr_mods > 1 ? mods[1].mod_end - mods[1].mod_start : 0,
                                       dom0_cmdline);
    discard_boot_modules(mbi, mbi_pa);
    printk("Starting dom0 (%u vCPUs)\n", d0->max_vcpus);
    console_input_start();
    watchdog_init();
    /* Boot ran with interrupts off; from here on locks and IPI waits are checked. */
    spin_debug_enable();
    smp_ipi_wait_check_enable();
    vcpu_wake(d0->vcpu[0]);
    reset_stack_and_ret_to_guest(guest_cpu_user_regs());
}

/* APs finish bring-up here: run vCPUs from this CPU's frame forever. */
void __noreturn cpu_idle_loop(void)
{
    get_cpu_info()->current_vcpu = NULL;
    reset_stack_and_ret_to_guest(guest_cpu_user_regs());
}
