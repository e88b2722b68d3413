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
#include <asm/page.h>
#include <asm/mm_init.h>
#include <asm/apic.h>
#include <asm/smp.h>
#include <xenia/time.h>

extern const struct kernel_param __setup_start[], __setup_end[];

static char opt_console[32] = "com1";
string_param("console", opt_console);

static const char *mb_string(uint32_t pa)
{
    return pa ? (const char *)__va(pa) : "";
}

void __noreturn start_xenia(uint32_t mb_magic, uint32_t mbi_pa);
void __noreturn start_xenia(uint32_t mb_magic, uint32_t mbi_pa)
{
    const struct multiboot_info *mbi = __va(mbi_pa);

    ns16550_init(0x3f8);
    printk("Xenia %s (Xen %d.%d ABI)\n", XENIA_VERSION_STRING,
           XEN_VERSION_MAJOR, XEN_VERSION_MINOR);

    if (mb_magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("not started by a multiboot loader (magic %#x)", mb_magic);

    const char *cmdline = (mbi->flags & MBI_CMDLINE) ? mb_string(mbi->cmdline) : "";
    /* Multiboot loaders put the image's own name first, as Xen expects: skip it. */
    while (*cmdline && *cmdline != ' ')
        cmdline++;
    printk("Command line: %s\n", cmdline);
    cmdline_parse(cmdline, __setup_start, __setup_end);

    acpi_init();

    /* Memory map, page tables, frame table, M2P, heap: CR3 = idle_pg_table after this. */
    struct mem_range reserved[64];
    mm_init(mbi, reserved, multiboot_reserved_ranges(mbi, mbi_pa, reserved, ARRAY_SIZE(reserved)));

    /* Time, the local APIC, the other CPUs. */
    time_init();
    apic_init();
    smp_prepare_cpus();
    smp_boot_cpus();

    uint32_t nr_mods = (mbi->flags & MBI_MODULES) ? mbi->mods_count : 0;
    const struct multiboot_module *mods = __va(mbi->mods_addr);
    for (uint32_t i = 0; i < nr_mods; i++)
        printk("Module %u: [%08x, %08x) %s\n", i, mods[i].mod_start,
               mods[i].mod_end, mb_string(mods[i].string));

    if (!nr_mods)
        panic("no dom0 kernel given (multiboot module 0)");
    panic("dom0 builder not implemented yet");
}
