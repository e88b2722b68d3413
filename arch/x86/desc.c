/*
 * Per-CPU GDT and TSS, the shared IDT (see include/asm/desc.h for the GDT
 * layout the PV ABI fixes).
 */
#include <xenia/lib.h>
#include <xenia/percpu.h>
#include <xenia/mm.h>
#include <asm/desc.h>
#include <asm/flushtlb.h>
#include <asm/current.h>
#include <asm/hv_paging.h>
#include <asm/irq.h>
#include <asm/page.h>
#include <asm/traps.h>

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
} __packed;

/* Descriptor values: base 0, limit 4 GiB; accessed bit preset so loading never writes. */
#define DESC_CS64_DPL0   0x00af9b000000ffffUL
#define DESC_DS_DPL0     0x00cf93000000ffffUL
#define DESC_CS32_DPL3   0x00cffb000000ffffUL
#define DESC_DS_DPL3     0x00cff3000000ffffUL
#define DESC_CS64_DPL3   0x00affb000000ffffUL

extern const unsigned long exception_stubs[256];   /* entry.S */

static struct idt_gate idt[256] __aligned(16);
static DEFINE_PER_CPU(struct tss64 *, tss_of);
static DEFINE_PER_CPU(uint64_t *, gdt_page_of);
static DEFINE_PER_CPU(pte_t *, gdt_l1e_of);   /* the L1 entries of the GDT area's guest pages */
static void *zero_page;

struct tss64 *cpu_tss(unsigned int cpu)
{
    return per_cpu(tss_of, cpu);
}

static void set_gate(unsigned int vec, unsigned long handler, unsigned int dpl, unsigned int ist)
{
    struct idt_gate *g = &idt[vec];
    g->offset_lo = (uint16_t)handler;
    g->selector = __HYPERVISOR_CS;
    g->ist = (uint8_t)ist;
    g->type_attr = (uint8_t)(0x8e | (dpl << 5));        /* present, 64-bit interrupt gate */
    g->offset_mid = (uint16_t)(handler >> 16);
    g->offset_hi = (uint32_t)(handler >> 32);
    g->reserved = 0;
}

void idt_set_gate_dpl(unsigned int vec, unsigned int dpl)
{
    idt[vec].type_attr = (uint8_t)((idt[vec].type_attr & ~0x60) | (dpl << 5));
}

static void idt_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, exception_stubs[v], 0, 0);
    set_gate(2, exception_stubs[2], 0, IST_NMI);
    set_gate(8, exception_stubs[8], 0, IST_DF);
    set_gate(18, exception_stubs[18], 0, IST_MC);
    /* int3 and into may be executed by a PV guest directly (ring 3). */
    idt_set_gate_dpl(3, 3);
    idt_set_gate_dpl(4, 3);
    idt_set_gate_dpl(LEGACY_SYSCALL_VECTOR, 3);
}

static void write_tss_desc(uint64_t *gdt, const struct tss64 *tss)
{
    unsigned long base = (unsigned long)tss;
    unsigned long limit = sizeof(*tss) - 1;
    gdt[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
             ((limit >> 16) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[1] = base >> 32;
}

static void fill_gdt_page(uint64_t *page, const struct tss64 *tss)
{
    page[0x08 / 8] = DESC_CS64_DPL0;
    page[0x10 / 8] = DESC_DS_DPL0;
    page[0x20 / 8] = DESC_CS32_DPL3;
    page[0x28 / 8] = DESC_DS_DPL3;
    page[0x30 / 8] = DESC_CS64_DPL3;
    write_tss_desc(&page[0x40 / 8], tss);
}

static void load_gdt_and_segments(unsigned int cpu)
{
    struct desc_ptr gdtr = { GDT_AREA_SIZE - 1, gdt_virt(cpu) };
    __asm__ __volatile__(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %2, %%ss\n\t"
        "xor %%eax, %%eax\n\t"
        "mov %%eax, %%ds\n\t"
        "mov %%eax, %%es\n\t"
        "mov %%eax, %%fs\n\t"
        "mov %%eax, %%gs\n\t"
        "ltr %w3\n\t"
        :: "m"(gdtr), "i"(__HYPERVISOR_CS), "r"(__HYPERVISOR_DS), "r"(TSS_SELECTOR)
        : "rax", "memory");
}

void cpu_init_descriptors(unsigned int cpu)
{
    if (!zero_page) {
        zero_page = alloc_xenheap_page();
        idt_init();
    }
    BUG_ON(!zero_page || cpu >= NR_CPUS);

    struct tss64 *tss = alloc_xenheap_page();
    uint64_t *gdt_page = alloc_xenheap_page();
    BUG_ON(!tss || !gdt_page);

    tss->rsp0 = (unsigned long)&get_cpu_info()->guest_cpu_user_regs.es;
    /* IST n (1-based: IST_DF, IST_NMI, IST_MC) tops page n - 1 of this CPU's stack block. */
    unsigned long block = (unsigned long)get_cpu_info() & ~(STACK_SIZE - 1);
    BUILD_BUG_ON(NR_IST > IST_STACK_PAGES);
    for (unsigned int i = 0; i < NR_IST; i++)
        tss->ist[i] = block + (i + 1) * PAGE_SIZE;
    tss->iomap_base = sizeof(*tss);          /* no I/O bitmap: ring 3 has no ports */
    per_cpu(tss_of, cpu) = tss;
    per_cpu(gdt_page_of, cpu) = gdt_page;
    fill_gdt_page(gdt_page, tss);

    unsigned long va = gdt_virt(cpu);
    for (unsigned int i = 0; i < FIRST_RESERVED_GDT_PAGE; i++)
        BUG_ON(map_pages_to_xen(va + i * PAGE_SIZE, _mfn(virt_to_mfn(zero_page)), 1,
                                _PAGE_PRESENT | _PAGE_NX));
    BUG_ON(map_pages_to_xen(va + FIRST_RESERVED_GDT_BYTE, _mfn(virt_to_mfn(gdt_page)), 1,
                            _PAGE_PRESENT | _PAGE_RW | _PAGE_NX));
    /* gdt_load_guest_frames() rewrites the guest pages' entries in place: one L1 table holds them all. */
    pte_t *l1e = hv_l1e_of(va);
    BUG_ON(!l1e || hv_l1e_of(va + (FIRST_RESERVED_GDT_PAGE - 1) * PAGE_SIZE) !=
                   l1e + FIRST_RESERVED_GDT_PAGE - 1);
    per_cpu(gdt_l1e_of, cpu) = l1e;

    load_gdt_and_segments(cpu);
    struct desc_ptr idtr = { sizeof(idt) - 1, (unsigned long)idt };
    __asm__ __volatile__("lidt %0" :: "m"(idtr));
}

void gdt_load_guest_frames(const unsigned long *mfns, unsigned int nr_frames)
{
    unsigned int cpu = smp_processor_id();
    unsigned long va = gdt_virt(cpu);
    pte_t *l1e = this_cpu(gdt_l1e_of);
    pte_t flags = _PAGE_PRESENT | _PAGE_RW | (cpu_has_nx ? _PAGE_NX : 0);
    unsigned long zero_mfn = virt_to_mfn(zero_page);

    /* Only this CPU writes these entries; most switches change one or none. */
    for (unsigned int i = 0; i < FIRST_RESERVED_GDT_PAGE; i++) {
        unsigned long mfn = i < nr_frames ? mfns[i] : zero_mfn;
        pte_t new = ((paddr_t)mfn << PAGE_SHIFT) | flags;
        if ((l1e[i] & ~(pte_t)(_PAGE_ACCESSED | _PAGE_DIRTY)) == new)
            continue;
        l1e[i] = new;
        flush_tlb_one_local(va + i * PAGE_SIZE);
    }
}
