/*
 * Port I/O from PV guests: IN/OUT and (REP) INS/OUTS.
 *
 * Two checks, as in Xen 4.17 (pv/emul-priv-op.c, dom0_build.c):
 *  1. The guest's virtual IOPL (PHYSDEVOP_set_iopl) must cover its CPL:
 *     the guest kernel counts as ring 1 (ring 0 with
 *     VMASST_TYPE_architectural_iopl), guest user space as ring 3.
 *     Failing this the instruction is not emulated: the guest gets #GP.
 *  2. Per port, the administrator's permission: the hardware domain may
 *     reach every port except those the hypervisor owns or virtualises
 *     (port_table below); other domains reach none. A denied read returns
 *     all ones, a denied write is dropped. Accesses wider than a byte that
 *     touch a denied port are split into bytes/words as Xen does.
 *
 * Virtualised for the hardware domain: the RTC/CMOS index (0x70 latched,
 * 0x71 accessed under a lock with the latched index) and PCI configuration
 * mechanism #1 (a dword write to 0xcf8 is latched; 0xcfc-0xcff access the
 * latched address under a lock).
 */
#include <xenia/lib.h>
#include <xenia/guest_access.h>
#include <xenia/acpi.h>
#include <xenia/sched.h>
#include <xenia/spinlock.h>
#include <asm/current.h>
#include <asm/pci.h>
#include "emul_internal.h"

#define RTC_INDEX       0x70
#define RTC_DATA        0x71
#define REP_BATCH       1024            /* iterations before letting the guest re-execute */

/* ---- port policy ---- */

enum port_kind {
    PORT_DIRECT,        /* hardware access (hardware domain only) */
    PORT_DENIED,        /* owned by the hypervisor: reads ~0, writes dropped */
    PORT_RTC,           /* virtualised CMOS index/data */
    PORT_PCI_DATA,      /* virtualised PCI config data */
};

struct port_range {
    uint16_t first, last;
    enum port_kind kind;
    const char *why;
};

/* The hardware domain's exceptions (Xen: dom0_setup_permissions(), ns16550, admin_io_okay()). */
static const struct port_range port_table[] = {
    { 0x0020, 0x0021, PORT_DENIED,   "master PIC" },
    { 0x0040, 0x0043, PORT_DENIED,   "PIT" },
    { 0x0061, 0x0061, PORT_DENIED,   "PIT channel 2 gate / speaker" },
    { 0x0070, 0x0071, PORT_RTC,      "RTC/CMOS" },
    { 0x00a0, 0x00a1, PORT_DENIED,   "slave PIC" },
    { 0x00f4, 0x00f4, PORT_DENIED,   "isa-debug-exit (Xenia's exit status)" },
    { 0x03f8, 0x03ff, PORT_DENIED,   "COM1 (hypervisor console)" },
    { 0x0cfc, 0x0cff, PORT_PCI_DATA, "PCI config data" },
};

/* Latched state of the hardware domain's virtualised ports, under io_lock. */
static DEFINE_SPINLOCK(io_lock);
static uint8_t hwdom_cmos_index;
static uint32_t hwdom_pci_cf8;

/* port_kind_of(): how the hardware domain's access to port is handled. */
static enum port_kind port_kind_of(unsigned int port)
{
    uint16_t pm1a = acpi_pm1a_control_port();

    /* PM1a_CNT: the hypervisor enters S5 itself (Xen: XENPF_enter_acpi_sleep). */
    if (pm1a && port >= pm1a && port <= pm1a + 1u)
        return PORT_DENIED;
    for (size_t i = 0; i < ARRAY_SIZE(port_table); i++)
        if (port >= port_table[i].first && port <= port_table[i].last)
            return port_table[i].kind;
    return PORT_DIRECT;
}

static bool port_direct(const struct domain *d, unsigned int port)
{
    return d->is_privileged && port <= 0xffff && port_kind_of(port) == PORT_DIRECT;
}

/* whole_access_direct(): Xen's admin_io_okay(): every byte reachable, not the CF8 dword. */
static bool whole_access_direct(const struct domain *d, unsigned int port, unsigned int bytes)
{
    if (port == PCI_CONF_ADDR && bytes == 4)
        return false;
    for (unsigned int i = 0; i < bytes; i++)
        if (!port_direct(d, port + i))
            return false;
    return true;
}

bool emul_io_iopl_ok(const struct vcpu *v)
{
    const struct domain *d = v->domain;
    unsigned int cpl = 3;

    if (emul_guest_kernel(v))
        cpl = (d->arch.vm_assist & (1UL << VMASST_TYPE_architectural_iopl)) ? 0 : 1;
    return cpl <= v->arch.iopl;
}

/* ---- virtualised ports ---- */

static uint32_t rtc_read(const struct domain *d, unsigned int port)
{
    uint32_t val;

    if (!d->is_privileged)
        return ~0u;
    spin_lock(&io_lock);
    if (port == RTC_INDEX) {
        val = hwdom_cmos_index;
    } else {
        emul_hw_out(RTC_INDEX, 1, hwdom_cmos_index & 0x7f);
        val = emul_hw_in(RTC_DATA, 1);
    }
    spin_unlock(&io_lock);
    return val;
}

static void rtc_write(const struct domain *d, unsigned int port, uint8_t val)
{
    if (!d->is_privileged)
        return;
    spin_lock(&io_lock);
    if (port == RTC_INDEX) {
        hwdom_cmos_index = val;
    } else {
        emul_hw_out(RTC_INDEX, 1, hwdom_cmos_index & 0x7f);
        emul_hw_out(RTC_DATA, 1, val);
    }
    spin_unlock(&io_lock);
}

/* pci_data_size(): bytes of one config-data access at port (Xen: no 3-byte accesses). */
static unsigned int pci_data_size(unsigned int port, unsigned int bytes)
{
    unsigned int size = MIN(bytes, 4 - (port & 3));
    return size == 3 ? 2 : size;
}

static uint32_t pci_data_read(const struct domain *d, unsigned int port, unsigned int size)
{
    uint32_t val;

    if (!d->is_privileged)
        return ~0u;
    spin_lock(&io_lock);
    spin_lock(&pci_conf_lock);          /* the hypervisor's MSI set-up uses 0xcf8 too */
    emul_hw_out(PCI_CONF_ADDR, 4, hwdom_pci_cf8);
    val = emul_hw_in((uint16_t)port, size);
    spin_unlock(&pci_conf_lock);
    spin_unlock(&io_lock);
    return val;
}

static void pci_data_write(const struct domain *d, unsigned int port, unsigned int size,
                           uint32_t val)
{
    if (!d->is_privileged)
        return;
    spin_lock(&io_lock);
    spin_lock(&pci_conf_lock);
    emul_hw_out(PCI_CONF_ADDR, 4, hwdom_pci_cf8);
    emul_hw_out((uint16_t)port, size, val);
    spin_unlock(&pci_conf_lock);
    spin_unlock(&io_lock);
}

/* ---- split accesses ---- */

/* read_piece(): one piece of a split read at port; *size is its width in bytes. */
static uint32_t read_piece(const struct domain *d, unsigned int port, unsigned int bytes,
                           unsigned int *size)
{
    *size = 1;
    if (port == PCI_CONF_ADDR && bytes == 4) {
        *size = 4;
        return d->is_privileged ? hwdom_pci_cf8 : ~0u;
    }
    if (!d->is_privileged || port > 0xffff)
        return ~0u;
    switch (port_kind_of(port)) {
    case PORT_RTC:
        return rtc_read(d, port);
    case PORT_PCI_DATA:
        *size = pci_data_size(port, bytes);
        return pci_data_read(d, port, *size);
    case PORT_DIRECT:
        if (bytes > 1 && !(port & 1) && port_direct(d, port + 1))
            *size = 2;
        return emul_hw_in((uint16_t)port, *size);
    default:
        return ~0u;
    }
}

/* write_piece(): one piece of a split write; returns its width in bytes. */
static unsigned int write_piece(const struct domain *d, unsigned int port, unsigned int bytes,
                                uint32_t val)
{
    if (port == PCI_CONF_ADDR && bytes == 4) {
        if (d->is_privileged)
            hwdom_pci_cf8 = val;
        return 4;
    }
    if (!d->is_privileged || port > 0xffff)
        return 1;
    switch (port_kind_of(port)) {
    case PORT_RTC:
        rtc_write(d, port, (uint8_t)val);
        return 1;
    case PORT_PCI_DATA: {
        unsigned int size = pci_data_size(port, bytes);
        pci_data_write(d, port, size, val);
        return size;
    }
    case PORT_DIRECT: {
        unsigned int size = (bytes > 1 && !(port & 1) && port_direct(d, port + 1)) ? 2 : 1;
        emul_hw_out((uint16_t)port, size, val);
        return size;
    }
    default:
        return 1;
    }
}

/* guest_io_read(): bytes (1, 2, 4) from port on behalf of d, policy applied. */
static uint32_t guest_io_read(const struct domain *d, unsigned int port, unsigned int bytes)
{
    uint32_t data = 0;
    unsigned int shift = 0;

    if (whole_access_direct(d, port, bytes))
        return emul_hw_in((uint16_t)port, bytes);
    while (bytes) {
        unsigned int size;
        uint32_t piece = read_piece(d, port, bytes, &size);
        if (size == 4)
            return piece;
        data |= (piece & ((1u << (size * 8)) - 1)) << shift;
        shift += size * 8;
        port += size;
        bytes -= size;
    }
    return data;
}

/* guest_io_write(): bytes (1, 2, 4) of val to port on behalf of d, policy applied. */
static void guest_io_write(const struct domain *d, unsigned int port, unsigned int bytes,
                           uint32_t val)
{
    if (bytes < 4)
        val &= (1u << (bytes * 8)) - 1;
    if (whole_access_direct(d, port, bytes)) {
        emul_hw_out((uint16_t)port, bytes, val);
        return;
    }
    while (bytes) {
        unsigned int size = write_piece(d, port, bytes, val);
        if (size >= bytes)
            return;
        port += size;
        bytes -= size;
        val >>= size * 8;
    }
}

/* ---- instructions ---- */

static unsigned int io_width(const struct emul_insn *in)
{
    if (!(in->opcode & 1))
        return 1;
    return in->opsize ? 2 : 4;
}

/* merge_result(): write an IN result into rAX as the CPU does (dword zero-extends). */
static void merge_result(struct cpu_user_regs *regs, unsigned int bytes, uint32_t val)
{
    switch (bytes) {
    case 1:  regs->rax = (regs->rax & ~0xffUL) | (val & 0xff); break;
    case 2:  regs->rax = (regs->rax & ~0xffffUL) | (val & 0xffff); break;
    default: regs->rax = val; break;
    }
}

enum emul_rc emul_in_out(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    const struct vcpu *v = current;
    unsigned int bytes = io_width(in);
    bool imm = (in->opcode & 0xf8) == 0xe0;
    bool is_out = in->opcode & 2;
    unsigned int port = imm ? in->imm8 : (uint16_t)regs->rdx;

    if (!emul_io_iopl_ok(v))
        return EMUL_FAIL;
    if (is_out)
        guest_io_write(v->domain, port, bytes, (uint32_t)regs->rax);
    else
        merge_result(regs, bytes, guest_io_read(v->domain, port, bytes));
    return EMUL_DONE;
}

/* String-operation state: the registers REP INS/OUTS advance, at address size. */
struct string_regs {
    unsigned long *index;       /* rdi (INS) or rsi (OUTS) */
    unsigned long *count;       /* rcx */
    unsigned long mask;         /* address-size mask */
    unsigned long base;         /* segment base */
};

/* segment_base(): base of the segment an OUTS reads through (flat except FS/GS in long mode). */
static bool segment_base(const struct emul_insn *in, unsigned long *base)
{
    const struct vcpu *v = current;
    uint64_t val = 0;

    *base = 0;
    if (!in->long_mode || (in->seg != SEG_FS && in->seg != SEG_GS))
        return true;
    if (in->seg == SEG_GS)
        *base = emul_guest_kernel(v) ? v->arch.gs_base_kernel : v->arch.gs_base_user;
    else if (emul_hw_rdmsr(0xc0000100 /* FS_BASE */, &val) == 0)
        *base = val;
    else
        return false;
    return true;
}

static void step_index(const struct cpu_user_regs *regs, struct string_regs *s, unsigned int bytes)
{
    unsigned long idx = *s->index & s->mask;

    idx = (regs->rflags & X86_EFLAGS_DF) ? idx - bytes : idx + bytes;
    *s->index = (*s->index & ~s->mask) | (idx & s->mask);
}

/* string_one(): one INS or OUTS element; false if guest memory faulted. */
static bool string_one(struct cpu_user_regs *regs, const struct emul_insn *in,
                       const struct string_regs *s, unsigned int port, unsigned int bytes)
{
    const struct domain *d = current->domain;
    unsigned long va = s->base + (*s->index & s->mask);
    uint32_t data = 0;

    if (!in->long_mode)
        va = (uint32_t)va;
    if (!(in->opcode & 2)) {
        data = guest_io_read(d, port, bytes);
        return raw_copy_to_guest((void *)va, &data, bytes) == 0;
    }
    if (raw_copy_from_guest(&data, (const void *)va, bytes))
        return false;
    guest_io_write(d, port, bytes, data);
    return true;
}

static void string_regs_init(struct cpu_user_regs *regs, const struct emul_insn *in,
                             struct string_regs *s)
{
    bool wide = in->long_mode && !in->adsize;

    s->index = (in->opcode & 2) ? &regs->rsi : &regs->rdi;
    s->count = &regs->rcx;
    s->mask = wide ? ~0UL : 0xffffffffUL;
}

/*
 * emul_ins_outs(): INS (6c/6d) stores to ES:rDI (flat); OUTS (6e/6f)
 * loads from seg:rSI (DS unless overridden; FS/GS bases honoured in long
 * mode). With REP, rCX elements, at most REP_BATCH per fault: the guest
 * then re-executes the instruction to continue (as Xen stops on
 * preemption). A fault on guest memory leaves the registers at the
 * failing element and refuses (#GP for the guest).
 */
enum emul_rc emul_ins_outs(struct cpu_user_regs *regs, const struct emul_insn *in)
{
    unsigned int bytes = io_width(in);
    unsigned int port = (uint16_t)regs->rdx;
    bool is_outs = in->opcode & 2;
    struct string_regs s;

    if (!emul_io_iopl_ok(current))
        return EMUL_FAIL;
    if (!in->long_mode && in->adsize)
        return EMUL_FAIL;       /* 16-bit addressing: not supported */
    string_regs_init(regs, in, &s);
    s.base = 0;                 /* INS always writes through (flat) ES */
    if (is_outs && !segment_base(in, &s.base))
        return EMUL_FAIL;

    if (!in->rep) {
        if (!string_one(regs, in, &s, port, bytes))
            return EMUL_FAIL;
        step_index(regs, &s, bytes);
        return EMUL_DONE;
    }
    for (unsigned int n = 0; (*s.count & s.mask) != 0; n++) {
        if (n == REP_BATCH)
            return EMUL_RETRY;
        if (!string_one(regs, in, &s, port, bytes))
            return EMUL_FAIL;
        step_index(regs, &s, bytes);
        *s.count = (*s.count & ~s.mask) | ((*s.count - 1) & s.mask);
    }
    return EMUL_DONE;
}
