/*
 * The vendor-neutral HVM core (arch/x86/hvm/): what an HVM domain and vCPU
 * are, and the interface a hardware back end (svm/, vmx/) implements.
 *
 * An HVM vCPU's general-purpose registers live where a PV vCPU's do: in
 * the pCPU's cpu_info frame while it runs (struct cpu_user_regs, all of
 * rax..r15, rip, rsp, rflags), in v->arch.user_regs otherwise. The back end
 * copies rip/rsp/rflags/rax between that frame and its control structure
 * (the VMCB) at each #VMEXIT and VM entry, so the common exit handlers
 * (CPUID, MSRs, hypercalls, I/O) work on the frame only. Everything else
 * (control registers, segments, EFER, pending events) stays in the back
 * end's structure and is reached through struct hvm_function_table.
 *
 * Today: dom0 built as PVH (dom0=pvh) and PVH domUs the toolstack builds
 * (common/domctl.c, hvm/save.c), on AMD SVM with nested paging; the VMX
 * back end reports -EOPNOTSUPP.
 */
#ifndef ASM_HVM_HVM_H
#define ASM_HVM_HVM_H

#include <xenia/types.h>
#include <xenia/spinlock.h>
#include <xen/xen.h>
#include <xen/hvm/params.h>
#include <asm/e820.h>
#include <asm/hvm/p2m.h>
#include <asm/hvm/vcpu_state.h>
#include <xenia/grant_table.h>

struct vcpu;
struct domain;

/* Control-register bits the HVM core reads in guest state. */
#define HVM_CR0_PE      (1UL << 0)
#define HVM_CR0_ET      (1UL << 4)
#define HVM_CR0_WP      (1UL << 16)
#define HVM_CR0_PG      (1UL << 31)
#define HVM_CR4_PAE     (1UL << 5)

/* #PF error code bits. */
#define PFEC_PRESENT    (1U << 0)
#define PFEC_WRITE      (1U << 1)
#define PFEC_USER       (1U << 2)

/* d->arch.hvm: an HVM domain (NULL for PV). */
struct hvm_domain {
    spinlock_t p2m_lock;            /* p2m_set_entry(); outside d->page_alloc_lock */
    struct p2m_table p2m;
    uint64_t params[HVM_NR_PARAMS]; /* HVMOP_set_param/get_param */
    unsigned long shared_info_gfn;  /* where XENMEM_add_to_physmap put it, or HVM_GFN_NONE; p2m_lock */
    unsigned long gnttab_gfn[GNTTAB_MAX_FRAMES];  /* each shared grant frame's GFN, or HVM_GFN_NONE; p2m_lock */
    uint8_t callback_vector;        /* HVM_PARAM_CALLBACK_IRQ of vector type, 0: none */
    uint64_t paging_mempool_bytes;  /* XEN_DOMCTL_set_paging_mempool_size's last size (reported only) */
    /*
     * XEN_DOMCTL_set_cpu_policy's leaves (its topology is applied:
     * <asm/hvm/cpuid_topology.h>), or NULL. Set only before the domain
     * first runs (domctl_lock), read by its CPUID exits; freed with it.
     */
    xen_cpuid_leaf_t *cpuid_policy;
    unsigned int nr_cpuid_policy;
};
#define HVM_GFN_NONE    (~0UL)

/*
 * hvm_gnttab_frame_gfn(): the GFN at which XENMEM_add_to_physmap put d's
 * shared grant frame idx, or HVM_GFN_NONE (Xen's INVALID_GFN) if none: what
 * GNTTABOP_setup_table reports for a translated domain (Xen's
 * gnttab_shared_gmfn()). A snapshot, read without p2m_lock.
 */
unsigned long hvm_gnttab_frame_gfn(struct domain *d, unsigned int idx);

/* v->arch.hvm: an HVM vCPU (NULL for PV). */
struct hvm_vcpu {
    void *vendor;                   /* back end's state (struct svm_vcpu) */
    uint64_t guest_efer;            /* EFER as the guest sees it (MSR_EFER) */
    uint64_t msr_pat;
    uint64_t apic_base;             /* MSR_APIC_BASE as the guest sees it */
    uint8_t evtchn_upcall_vector;   /* HVMOP_set_evtchn_upcall_vector, 0: none */
    /*
     * An NMI (an NMI IPI of its local APIC) not injected yet: one at most,
     * as Xen's v->arch.nmi_pending. Set by any pCPU (hvm_inject_nmi()),
     * taken by v's own at VM entry once the back end says NMIs are not
     * blocked.
     */
    bool nmi_pending;
    struct vlapic *vlapic;          /* the emulated local APIC (vlapic.c) */
    /*
     * A start state set from outside the vCPU (VCPUOP_initialise, a SIPI):
     * loaded by the vCPU's own pCPU at its next VM entry
     * (hvm_vcpu_load_pending_state()), so nothing writes a VMCB another
     * pCPU may be running. state_lock (irqsave) covers both fields and the
     * is_initialised/VPF_down changes made with them.
     */
    spinlock_t state_lock;
    bool state_pending;
    struct hvm_cpu_state *pending;  /* allocated with struct hvm_vcpu */
};

/* What a vCPU starts with (Xen's vcpu_hvm_context VCPU_HVM_MODE_32B subset). */
struct hvm_boot_state {
    uint32_t eip, ebx;              /* PVH: entry point, start_info's address */
};


/*
 * The back end's interface (Xen's struct hvm_function_table). All
 * functions run on the pCPU that runs v (or with v not running).
 */
struct hvm_function_table {
    const char *name;
    /*
     * VM entry (assembly, jumped to from ret_to_guest with %rsp = the
     * cpu_info frame, IF = 0): runs the current vCPU, handles its exit and
     * jumps back to ret_to_guest.
     */
    const void *vmentry;
    /* Enable the extension on this pCPU; 0 or -EOPNOTSUPP/-ENOMEM. */
    int (*cpu_up)(void);
    /* Allocate v's control structure; 0 or -ENOMEM (nothing left allocated). */
    int (*vcpu_initialise)(struct vcpu *v);
    /* Free what vcpu_initialise() allocated; v never runs again. */
    void (*vcpu_destroy)(struct vcpu *v);
    /*
     * Load s's control registers, EFER and segments into v's control
     * structure (CPL from CS.DPL; no event pending, no interrupt shadow).
     * General registers are the caller's (they live in the frame). v is
     * current or not running.
     */
    void (*set_cpu_state)(struct vcpu *v, const struct hvm_cpu_state *s);
    /* Guest paging state for linear-address walks. */
    void (*get_paging)(const struct vcpu *v, uint64_t *cr0, uint64_t *cr3,
                       uint64_t *cr4, uint64_t *efer);
    unsigned int (*get_cpl)(const struct vcpu *v);
    bool (*long_mode_code)(const struct vcpu *v);   /* CS.L with EFER.LMA */
    /* Queue a hardware exception for the next entry (ec < 0: none). */
    void (*inject_exception)(struct vcpu *v, unsigned int vector, int ec);
    /* Queue a #PF for the next entry: error code pfec, CR2 = cr2. */
    void (*inject_page_fault)(struct vcpu *v, uint32_t pfec, uint64_t cr2);
    /* A guest write of MSR_EFER (validated by the caller). */
    void (*set_efer)(struct vcpu *v, uint64_t efer);
    /* An STI or MOV SS interrupt shadow is active (blocks interrupts). */
    bool (*interrupt_shadow)(const struct vcpu *v);
    /* NMIs are blocked: one is being handled (until its IRET), or a shadow. */
    bool (*nmi_blocked)(const struct vcpu *v);
    /* Debug key 'q': print v's entry state (racy if v runs elsewhere). */
    void (*dump_vcpu)(const struct vcpu *v);
};

extern const struct hvm_function_table *hvm_funcs;  /* NULL: no HVM on this machine */
extern const void *hvm_vmentry_target;              /* hvm_funcs->vmentry, for entry.S */

const struct hvm_function_table *svm_probe(void);   /* svm/svm.c: NULL without SVM+NPT */
const struct hvm_function_table *vmx_probe(void);   /* vmx/vmx.c: always NULL today */

static inline bool is_hvm_domain(const struct domain *d);
static inline bool is_hvm_vcpu(const struct vcpu *v);

/*
 * hvm_init(): find a back end (SVM, then VMX) on the boot CPU. Returns
 * true when HVM guests can run (hvm_funcs set). Boot CPU, once.
 */
bool hvm_init(void);
/* hvm_cpu_up(): enable the back end on this pCPU if not yet done; panics on failure. */
void hvm_cpu_up(void);

/* arch/x86/hvm/domain.c: HVM domains and vCPUs, creation and destruction. */
/*
 * hvm_domain_initialise(): make the new domain d (no vCPUs yet) an HVM
 * domain: struct hvm_domain, an empty P2M (one xen-heap root table),
 * params as Xen's (hvm_params_init(): 0 but TRIPLE_FAULT_REASON).
 * 0, -EOPNOTSUPP (no HVM support), -ENOMEM (nothing left
 * allocated). Domain creation context, d not yet running.
 */
int hvm_domain_initialise(struct domain *d);
/*
 * hvm_vcpu_initialise(): v (vcpu_create()d, of an HVM domain) gets struct
 * hvm_vcpu, its local APIC and the back end's VMCB. 0, -ENOMEM (nothing
 * left allocated, v->arch.hvm NULL).
 */
int hvm_vcpu_initialise(struct vcpu *v);
/*
 * hvm_vcpu_kill(): domain_kill() step 1 for an HVM vCPU (paused, off its
 * pCPU): kill its local APIC timer; waits out a callback running on
 * another pCPU. No locks held.
 */
void hvm_vcpu_kill(struct vcpu *v);
/* hvm_vcpu_migrate_timers(): v's local-APIC timer to pCPU cpu (vcpu_timers_migrate()). */
void hvm_vcpu_migrate_timers(struct vcpu *v, unsigned int cpu);
/*
 * hvm_vcpu_destroy(): domain_free(): free everything
 * hvm_vcpu_initialise() allocated (APIC, VMCB, struct hvm_vcpu);
 * v->arch.hvm is NULL after. Nothing may run v or reach it any more.
 */
void hvm_vcpu_destroy(struct vcpu *v);
/*
 * hvm_domain_destroy(): domain_free(), after every vCPU's
 * hvm_vcpu_destroy(): free every P2M table (root included) and struct
 * hvm_domain; d->arch.hvm is NULL after. The RAM the P2M mapped went
 * back in domain_kill() (d->page_list).
 */
void hvm_domain_destroy(struct domain *d);
/* hvm.c: the P2M's table memory: xen-heap frames through the direct map. */
extern const struct p2m_ops hvm_p2m_ops;

/* Context switch hooks (common/schedule.c through arch_context_*). */
void hvm_context_save(struct vcpu *v, const struct cpu_user_regs *frame);
void hvm_context_restore(struct vcpu *v, struct cpu_user_regs *frame);

/*
 * Exit handlers shared by the back ends. Each works on the cpu_info frame
 * of the current vCPU and advances frame->rip itself when the instruction
 * completes (insn_len bytes). Return 0, or -1 when the back end should
 * inject #GP(0) (MSRs) / #UD (hypercalls from a non-64-bit mode do not).
 */
void hvm_cpuid(struct cpu_user_regs *frame, unsigned int insn_len);
int hvm_msr_read(struct cpu_user_regs *frame, unsigned int insn_len);
int hvm_msr_write(struct cpu_user_regs *frame, unsigned int insn_len);
void hvm_hypercall(struct cpu_user_regs *frame, unsigned int insn_len);
/*
 * hvm_vcpu_down(): the current HVM vCPU halted with interrupts off (Xen
 * 4.17's hvm_hlt()/hvm_vcpu_down()): it goes down (VPF_down, never runs
 * again unless brought up), and when no vCPU of its domain is left up the
 * domain shuts down with SHUTDOWN_poweroff. Takes nothing; the scheduler
 * runs before the next VM entry.
 */
void hvm_vcpu_down(struct vcpu *v);
/*
 * hvm_triple_fault(): v (current) hit a triple fault (its back end has
 * printed its state): its domain shuts down with the reason in
 * HVM_PARAM_TRIPLE_FAULT_REASON (SHUTDOWN_reboot unless the toolstack set
 * another), as Xen 4.17's hvm_triple_fault(). Takes d->lock to read it.
 */
void hvm_triple_fault(struct vcpu *v);
/* arch/x86/hvm/vcpu_start.c: starting vCPUs (VCPUOP_initialise, INIT/STARTUP IPIs). */
/*
 * hvm_set_boot_state(): v (not running) starts in PVH's entry state: flat
 * 32-bit protected mode, paging off, at b->eip with EBX = b->ebx; other
 * general registers 0. Domain build and HVM context load.
 */
void hvm_set_boot_state(struct vcpu *v, const struct hvm_boot_state *b);
/*
 * hvm_vcpu_load_pending_state(): at VM entry of the current vCPU v
 * (interrupts off): a start state set by VCPUOP_initialise or a STARTUP
 * IPI since its last entry goes into its VMCB and frame. Takes
 * hv->state_lock.
 */
void hvm_vcpu_load_pending_state(struct vcpu *v, struct cpu_user_regs *frame);
/*
 * hvm_vcpu_op_initialise(): VCPUOP_initialise of HVM vCPU v with the
 * struct vcpu_hvm_context at guest address arg (Xen 4.17's
 * arch_initialise_vcpu() for HVM): -EFAULT (arg unreadable), -EEXIST (v
 * already initialised), -EINVAL (the context fails
 * hvm_vcpu_context_decode()), else 0: v is initialised and down; it
 * starts in that state at its first VM entry after VCPUOP_up. Takes
 * hv->state_lock; any vCPU of v's domain may call it.
 */
long hvm_vcpu_op_initialise(struct vcpu *v, const void *arg);
/*
 * hvm_vcpu_init_ipi(): an INIT IPI reached v (Xen's vlapic INIT
 * handling): an initialised vCPU goes down (hvm_vcpu_down(): the last one
 * down powers the domain off) and back to reset, its local APIC too; one
 * at reset already is left alone. Any pCPU, no locks held.
 */
void hvm_vcpu_init_ipi(struct vcpu *v);
/*
 * hvm_vcpu_startup_ipi(): a STARTUP IPI with vector vec reached v: a vCPU
 * that is down and at reset is initialised in real mode at vec << 12
 * (hvm_real_mode_state()) and woken; otherwise nothing (as Xen: a second
 * STARTUP is ignored). Any pCPU, no locks held.
 */
void hvm_vcpu_startup_ipi(struct vcpu *v, uint8_t vec);
/* cpuid_msr.c: the CR4 and EFER bits v's CPUID allows (Xen's hvm_cr4_guest_valid_bits()/hvm_efer_valid()). */
uint64_t hvm_cr4_guest_valid_bits(struct vcpu *v);
uint64_t hvm_efer_guest_valid_bits(struct vcpu *v);
/* Port I/O: IN reads all ones, OUT is dropped (no device models yet). */
void hvm_portio(struct cpu_user_regs *frame, unsigned int port, unsigned int bytes,
                bool in, uint64_t next_rip);
/* An INS or OUTS (with or without REP) that exited, as the back end decoded it. */
struct hvm_string_io {
    unsigned int port;
    unsigned int bytes;             /* element size: 1, 2 or 4 */
    unsigned int addr_bytes;        /* address size: 2, 4 or 8 */
    bool in;                        /* INS (else OUTS) */
    bool rep;
    uint64_t seg_base;              /* ES's base for INS, DS's for OUTS (0 in 64-bit mode) */
    uint64_t next_rip;
};
/*
 * hvm_string_portio(): complete io for the current vCPU as Xen does for a
 * port without a device: INS stores all ones at ES:rDI, OUTS reads
 * DS:rSI and drops it; rDI/rSI move by the element size (backwards with
 * EFLAGS.DF), REP counts rCX down, all within the address size. At most
 * 256 elements per exit: RIP moves past the instruction only when rCX
 * reaches 0, so the guest re-executes it for the rest (interrupts can come
 * in between). A guest page the walk refuses gets a #PF (CR2 = the
 * address) with the registers as far as the instruction got; memory that
 * is not RAM reads all ones and drops stores; an address the walk cannot
 * resolve (a page table outside RAM) crashes the domain.
 */
void hvm_string_portio(struct cpu_user_regs *frame, const struct hvm_string_io *io);
/*
 * hvm_nested_page_fault(): the current vCPU's access to gpa (write: a
 * store, fetch: an instruction fetch) found no usable P2M entry. Where the
 * P2M has nothing (Xen's p2m_mmio_dm without an ioreq server), the
 * instruction at frame->rip is decoded (<asm/hvm/emulate.h>) and completed
 * as Xen completes it: a load reads all ones, a store is dropped; RIP moves
 * on. Returns true if completed; false if the domain was crashed (a fetch,
 * a present entry, an instruction that is not a plain load/store).
 */
bool hvm_nested_page_fault(struct cpu_user_regs *frame, uint64_t gpa, bool write, bool fetch);

/* arch/x86/hvm/guest_copy.c: HVM guest memory through the P2M and the guest's page tables. */
/*
 * hvm_copy_to/from_guest_phys(): bytes at guest-physical gpa. Only RAM and
 * shared hypervisor frames are reached. Returns bytes NOT copied.
 */
size_t hvm_copy_to_guest_phys(struct domain *d, uint64_t gpa, const void *src, size_t bytes);
size_t hvm_copy_from_guest_phys(struct domain *d, void *dst, uint64_t gpa, size_t bytes);
/*
 * hvm_copy_to/from_guest_linear(): bytes at linear address va of the
 * current vCPU, translated by its page tables as a supervisor access
 * (writes need RW when CR0.WP). Returns bytes NOT copied.
 */
size_t hvm_copy_to_guest_linear(void *va, const void *src, size_t bytes);
size_t hvm_copy_from_guest_linear(void *dst, const void *va, size_t bytes);
size_t hvm_clear_guest_linear(void *va, size_t bytes);
/*
 * hvm_linear_to_gpa(): translate the current vCPU's linear address va for
 * a write or read, by a user (CPL 3) or supervisor access. 0 with *gpa;
 * -EFAULT with *pfec the #PF error code to inject; -EINVAL if it cannot be
 * walked (a page table outside RAM, paging other than long mode).
 */
int hvm_linear_to_gpa(unsigned long va, bool write, bool user, uint64_t *gpa, uint32_t *pfec);
/*
 * hvm_dump_linear_walk(): print how v's page tables translate linear
 * address va, level by level: each table's GFN, the MFN and P2M type
 * behind it, that frame's owner and reference counts, the entry. For
 * crash reports; v need not be current (reads only, no locks).
 */
void hvm_dump_linear_walk(struct vcpu *v, unsigned long va);
/*
 * hvm_dump_vcpu() (irq.c): debug key 'q' for an HVM vCPU: the vector it
 * would take next, its entry state and its local APIC. Reads only, no
 * locks: racy while v runs on another pCPU.
 */
void hvm_dump_vcpu(struct vcpu *v);
/*
 * hvm_p2m_audit() (physmap.c): check that every RAM entry of d's P2M names
 * a frame d owns with its allocation reference; print the first 8 that do
 * not. Returns how many do not. For crash reports: no lock (a racing
 * change can show up as one false entry), O(max GFN).
 */
unsigned long hvm_p2m_audit(struct domain *d);

/*
 * hvm_add_to_physmap() (arch/x86/hvm/physmap.c): XENMEM_add_to_physmap of
 * one frame for the HVM domain d (the caller has done Xen's lookup and
 * permission checks): space XENMAPSPACE_*, idx within it, gfn where.
 * Takes d's p2m lock, then (freeing RAM the GFN held) its page_alloc_lock.
 * Spaces: shared_info (idx 0), grant_table (shared frame idx, version 1
 * and 2; the table grows to idx + 1 frames). A frame already mapped at
 * another GFN moves.
 * Returns 0, -EINVAL (INVALID_GFN, a GFN above P2M_MAX_GFN, idx or space
 * with no frame), -EPERM (the GFN holds passed-through MMIO), -ENOMEM
 * (P2M tables), -ENOSYS (grant status frames, gmfn spaces: not built yet).
 */
int hvm_add_to_physmap(struct domain *d, unsigned int space, unsigned long idx,
                       unsigned long gfn);

/*
 * hvm_gfn_to_ram_mfn(): the machine frame of the HVM domain d's own RAM at
 * gfn (Xen's get_page_from_gfn() lookup, without the reference): 0 and
 * *mfn, or -EINVAL (d not HVM, nothing there, MMIO, a shared hypervisor
 * frame). No lock: the caller takes its page reference with get_page*(pg,
 * d), which fails if the frame left d since.
 */
int hvm_gfn_to_ram_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn);
/*
 * hvm_remove_from_physmap(): XENMEM_remove_from_physmap of gfn in the HVM
 * domain d (Xen 4.17: get_page_from_gfn(), guest_physmap_remove_page()):
 * RAM or a shared hypervisor frame (shared_info, a grant frame: no longer
 * recorded at gfn) leaves the P2M; RAM stays d's, unmapped, until d is
 * destroyed, as on Xen. Takes d's p2m lock. 0, or -ENOENT (nothing there,
 * MMIO, a GFN past P2M_MAX_GFN).
 */
int hvm_remove_from_physmap(struct domain *d, unsigned long gfn);
/*
 * hvm_gfn_to_mappable_mfn(): as hvm_gfn_to_ram_mfn(), shared hypervisor
 * frames (shared_info, grant frames) included: what a foreign mapping of
 * d's GFN may reach (mmu_update from a PV dom0). 0 and *mfn, or -EINVAL.
 */
int hvm_gfn_to_mappable_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn);

/*
 * hvm_physmap_add_ram(): XENMEM_populate_physmap for the HVM domain d: map
 * its fresh frames mfn .. mfn + 2^order - 1 (already d's) at gfn onwards.
 * RAM already at one of the GFNs is unhooked and stays d's until
 * destruction, as on Xen. Takes d's p2m lock. Returns 0, -EINVAL (GFNs past
 * P2M_MAX_GFN), -EBUSY (a GFN holds a hypervisor frame or MMIO; nothing
 * changed), -ENOMEM (P2M tables; nothing left mapped).
 */
int hvm_physmap_add_ram(struct domain *d, unsigned long gfn, unsigned long mfn, unsigned int order);
/*
 * hvm_physmap_remove_ram(): XENMEM_decrease_reservation of one GFN of the
 * HVM domain d (Xen's guest_remove_page() for translated domains): its RAM
 * leaves the P2M (loads there read all ones after) and d's allocation
 * reference on the frame is dropped. Takes d's p2m lock, then
 * page_alloc_lock. Returns 0, or -ENOENT (no RAM at gfn: a hole, MMIO, a
 * hypervisor frame).
 */
int hvm_physmap_remove_ram(struct domain *d, unsigned long gfn);

/* arch/x86/hvm/irq.c: events to HVM vCPUs (<asm/hvm/intr.h> has the entry decision). */
/*
 * hvm_set_callback_via(): HVM_PARAM_CALLBACK_IRQ was set to via (Xen's
 * hvm_set_callback_via()): a HVM_PARAM_CALLBACK_TYPE_VECTOR via makes its
 * low byte the domain's callback vector; other types change nothing (PVH
 * has no emulated PIC/IO-APIC, as on Xen). Every vCPU is then asserted.
 */
void hvm_set_callback_via(struct domain *d, uint64_t via);
/*
 * hvm_assert_evtchn_irq(): v's upcall_pending was set: raise its upcall
 * vector in its local APIC, or (callback vector) kick it so its next VM
 * entry delivers. Any context, no locks held; v any vCPU.
 */
void hvm_assert_evtchn_irq(struct vcpu *v);
/*
 * hvm_inject_nmi(): an NMI for v (an NMI IPI, Xen's vlapic_accept_irq()
 * APIC_DM_NMI): pending until v's next VM entry where NMIs are not
 * blocked; one already pending absorbs it. Kicks v. Any context.
 */
void hvm_inject_nmi(struct vcpu *v);
/*
 * hvm_pending_vector(): the vector v would take next (callback vector
 * first, then the local APIC's), -1 if none; *from_lapic says whether it
 * must be acknowledged in the APIC (vlapic_ack()). v current or not running.
 */
int hvm_pending_vector(struct vcpu *v, bool *from_lapic);
/* hvm_local_events_need_delivery(): current v has a vector it can take now (IF, no shadow). */
bool hvm_local_events_need_delivery(struct vcpu *v);
/* HVMOP_set_evtchn_upcall_vector: 0, -EINVAL (not HVM, vector < 0x10), -EFAULT, -ENOENT (vcpu). */
long hvmop_set_evtchn_upcall_vector(unsigned long arg);
/* vcpu_kick(): wake v and, if it runs on another pCPU, make it exit (event check IPI). */
void hvm_vcpu_kick(struct vcpu *v);

/* arch/x86/hvm/hvm_op.c: hvm_write_hypercall_page(): fill the guest frame gfn with VMMCALL stubs. */
int hvm_write_hypercall_page(struct domain *d, unsigned long gfn);
/* arch/x86/hvm/dom0_build.c */
struct domain *construct_dom0_pvh(const void *kernel, size_t kernel_bytes,
                                  const void *initrd, size_t initrd_bytes,
                                  const char *cmdline);
extern bool opt_dom0_pvh;

#include <xenia/sched.h>
static inline bool is_hvm_domain(const struct domain *d) { return d->arch.hvm != NULL; }
static inline bool is_hvm_vcpu(const struct vcpu *v) { return v->arch.hvm != NULL; }

#endif
