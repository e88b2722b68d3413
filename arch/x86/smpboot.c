/*
 * Bringing up the other CPUs, and the online map.
 *
 * The boot CPU copies the real-mode trampoline (boot/trampoline.S) to the
 * top of conventional memory (below the EBDA, whose start the BIOS data
 * area gives; on UEFI, which has no BIOS data area, the top of the highest
 * RAM range of the memory map below 636 KiB; the first MiB never goes to
 * the heap), builds a temporary L4 there that identity-maps [0, 2 MiB)
 * next to the hypervisor's slots, and starts the APs one at a time with
 * INIT-SIPI-SIPI. Each AP gets a STACK_SIZE-aligned stack from the xen
 * heap with its struct cpu_info at the top, and runs start_secondary().
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/mm.h>
#include <xenia/param.h>
#include <xenia/acpi.h>
#include <xenia/time.h>
#include <asm/apic.h>
#include <asm/flushtlb.h>
#include <asm/current.h>
#include <asm/e820.h>
#include <asm/efi.h>
#include <asm/irq.h>
#include <asm/madt.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/smp.h>

#define BDA_BASE_MEM_KB     0x413           /* BIOS data area: conventional memory, KiB */
#define LOW_MEM_TOP_MAX     0x9f000UL
#define LOW_MEM_MIN         0x10000UL
#define TRAMP_PAGES         4               /* code, L4, L3, L2 */
#define AP_BOOT_TIMEOUT     SECONDS(1)

static bool opt_nosmp;
boolean_param("nosmp", opt_nosmp);
static unsigned int opt_maxcpus = NR_CPUS;
integer_param("maxcpus", opt_maxcpus);

cpumask_t cpu_online_map;
static unsigned int nr_cpu_ids = 1;
static DEFINE_PER_CPU(uint32_t, cpu_apic_id);
static DEFINE_PER_CPU(struct cpu_info *, cpu_infos);

/* Read by ap_start64 (trampoline.S) for the AP being started. */
unsigned long ap_boot_cr3;
unsigned long ap_boot_rsp;
static unsigned long ap_boot_cr4;

extern const char trampoline_start[], trampoline_end[];
extern const char tramp_gdt_desc[], tramp_far32[], tramp_far64[];
extern const char tramp_cr3[], tramp_efer[], tramp_target[];
extern const char ap_start64[];
void __noreturn start_secondary(void);


/* ---- the online map ---- */

unsigned int num_online_cpus(void)
{
    return cpumask_weight(&cpu_online_map);
}

bool cpu_online(unsigned int cpu)
{
    return cpu < NR_CPUS && cpumask_test_cpu(cpu, &cpu_online_map);
}

uint32_t cpu_physical_id(unsigned int cpu)
{
    return per_cpu(cpu_apic_id, cpu);
}

struct cpu_info *cpu_info_of(unsigned int cpu)
{
    return cpu < NR_CPUS ? ACCESS_ONCE(per_cpu(cpu_infos, cpu)) : NULL;
}

/* ---- discovery ---- */

static const struct madt_info *madt;   /* acpi_madt() */

/* CPU 0 is the boot CPU; the others follow in MADT order. */
static void record_cpus(uint32_t bsp_id)
{
    per_cpu(cpu_apic_id, 0) = bsp_id;
    for (unsigned int i = 0; i < madt->nr_cpus && nr_cpu_ids < NR_CPUS; i++)
        if (madt->apic_ids[i] != bsp_id)
            per_cpu(cpu_apic_id, nr_cpu_ids++) = madt->apic_ids[i];
}

void smp_prepare_cpus(void)
{
    uint32_t bsp_id = apic_id();
    const struct madt_info *m = acpi_madt();

    per_cpu(cpu_infos, 0) = get_cpu_info();
    get_cpu_info()->processor_id = 0;
    cpumask_set_cpu(0, &cpu_online_map);
    smp_ipi_init();

    if (!m || !m->nr_cpus) {
        printk("SMP: no usable MADT; running on the boot CPU only\n");
        per_cpu(cpu_apic_id, 0) = bsp_id;
        return;
    }
    madt = m;
    if (madt->lapic_paddr != apic_paddr)
        printk("SMP: MADT puts the LAPIC at 0x%lx, the MSR at 0x%lx; using the MSR\n",
               (unsigned long)madt->lapic_paddr, (unsigned long)apic_paddr);
    record_cpus(bsp_id);
    printk("SMP: MADT lists %u CPUs (%u disabled, %u beyond NR_CPUS)\n",
           madt->nr_cpus, madt->nr_disabled, madt->nr_dropped);
}

/* ---- the trampoline ---- */

static paddr_t trampoline_pa;

static void patch32(char *blob, const char *field, uint32_t add)
{
    uint32_t *p = (uint32_t *)(blob + (field - trampoline_start));
    *p += add;
}

/* Temporary L4 at P+1 page: slot 0 -> L3 -> L2 -> 2 MiB identity; upper half as now. */
static void build_trampoline_tables(paddr_t p)
{
    pte_t *l4 = __va(p + PAGE_SIZE), *l3 = __va(p + 2 * PAGE_SIZE), *l2 = __va(p + 3 * PAGE_SIZE);
    paddr_t cr3 = read_cr3();
    const pte_t *cur = __va(cr3 & PTE_ADDR_MASK);

    memset(l4, 0, 3 * PAGE_SIZE);
    for (unsigned int i = PAGETABLE_ENTRIES / 2; i < PAGETABLE_ENTRIES; i++)
        l4[i] = cur[i];
    l4[0] = (p + 2 * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
    l3[0] = (p + 3 * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
    l2[0] = _PAGE_PSE | _PAGE_PRESENT | _PAGE_RW;
    ap_boot_cr3 = cr3;
}

/* Pick P, copy and patch the blob, build the tables. False if no room. */
static bool setup_trampoline(void)
{
    size_t len = trampoline_end - trampoline_start;
    paddr_t top = efi_booted() ? e820_low_ram_top(LOW_MEM_TOP_MAX, TRAMP_PAGES * PAGE_SIZE)
                               : (paddr_t)*(const uint16_t *)__va(BDA_BASE_MEM_KB) << 10;

    if (!top || top > LOW_MEM_TOP_MAX)
        top = LOW_MEM_TOP_MAX;
    paddr_t p = ROUNDDOWN(top, PAGE_SIZE) - TRAMP_PAGES * PAGE_SIZE;
    if (p < LOW_MEM_MIN || len > PAGE_SIZE)
        return false;

    char *blob = __va(p);
    memcpy(blob, trampoline_start, len);
    patch32(blob, tramp_gdt_desc + 2, (uint32_t)p);
    patch32(blob, tramp_far32, (uint32_t)p);
    patch32(blob, tramp_far64, (uint32_t)p);
    patch32(blob, tramp_cr3, (uint32_t)(p + PAGE_SIZE));
    patch32(blob, tramp_efer, (uint32_t)(rdmsr(MSR_EFER) & (EFER_SCE | EFER_LME | EFER_NXE)));
    uint64_t target = (uint64_t)ap_start64;
    memcpy(blob + (tramp_target - trampoline_start), &target, 8);

    build_trampoline_tables(p);
    __asm__ __volatile__("mov %%cr4, %0" : "=r"(ap_boot_cr4));
    trampoline_pa = p;
    return true;
}

bool smp_trampoline_frame(unsigned long mfn)
{
    unsigned long first = trampoline_pa >> PAGE_SHIFT;

    return trampoline_pa && mfn >= first && mfn < first + TRAMP_PAGES;
}

/* ---- per-AP start ---- */

void __noreturn start_secondary(void)
{
    unsigned int cpu = smp_processor_id();

    __asm__ __volatile__("mov %0, %%cr4" :: "r"(ap_boot_cr4) : "memory");
    cpu_init_descriptors(cpu);
    cpu_init_syscall(cpu);
    apic_init_secondary();
    time_init_secondary();
    printk("CPU%u: online (APIC id %u)\n", cpu, apic_id());
    cpumask_set_cpu(cpu, &cpu_online_map);
    cpu_idle_loop();
}

/* Stack with cpu_info at its top for cpu; NULL if the heap is empty. */
static struct cpu_info *alloc_cpu_stack(unsigned int cpu)
{
    void *stack = alloc_xenheap_pages(STACK_ORDER);

    if (!stack)
        return NULL;
    ASSERT(IS_ALIGNED((unsigned long)stack, STACK_SIZE));
    struct cpu_info *ci = (struct cpu_info *)((char *)stack + STACK_SIZE) - 1;
    ci->processor_id = cpu;
    ci->current_vcpu = NULL;
    ci->softirq_pending = 0;
    return ci;
}

static bool wait_online(unsigned int cpu, s_time_t timeout)
{
    s_time_t end = NOW() + timeout;

    while (!cpu_online(cpu)) {
        if (NOW() > end)
            return false;
        smp_poll_ipi_work();            /* the AP may wait for a TLB flush here (page_alloc.c) */
        __builtin_ia32_pause();
    }
    return true;
}

static bool boot_one_cpu(unsigned int cpu)
{
    struct cpu_info *ci = alloc_cpu_stack(cpu);
    uint32_t dest = per_cpu(cpu_apic_id, cpu);

    if (!ci) {
        printk("SMP: no memory for CPU%u's stack\n", cpu);
        return false;
    }
    ap_boot_rsp = (unsigned long)ci;
    ACCESS_ONCE(per_cpu(cpu_infos, cpu)) = ci;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    /* Intel SDM vol. 3, 9.4.4.1: INIT, 10 ms, STARTUP, 200 us, STARTUP. */
    apic_send_init(dest);
    mdelay(10);
    for (unsigned int i = 0; i < 2 && !cpu_online(cpu); i++) {
        apic_send_startup(dest, trampoline_pa);
        udelay(200);
    }
    if (wait_online(cpu, AP_BOOT_TIMEOUT))
        return true;
    /* Keep the stack: a late AP may still start on it. */
    printk("SMP: CPU%u (APIC id %u) did not come up\n", cpu, dest);
    ACCESS_ONCE(per_cpu(cpu_infos, cpu)) = NULL;
    return false;
}

void smp_boot_cpus(void)
{
    unsigned int want = MIN(nr_cpu_ids, opt_maxcpus ? opt_maxcpus : 1);

    if (opt_nosmp)
        want = 1;
    if (want > 1 && !setup_trampoline()) {
        printk("SMP: no room below 1 MiB for the AP trampoline\n");
        want = 1;
    }
    for (unsigned int cpu = 1; cpu < want; cpu++)
        boot_one_cpu(cpu);
    printk("Brought up %u CPUs\n", num_online_cpus());
}
