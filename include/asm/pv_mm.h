/*
 * The PV MMU: page types, guest page-table validation and the MMU
 * hypercalls (mmu_update, mmuext_op, update_va_mapping), as in Xen 4.17's
 * PV ABI (<xen/xen.h>: MMU_*, MMUEXT_*, UVMF_*).
 *
 * Implementation: arch/x86/mm/page_type.c (type counts),
 * arch/x86/mm/pt_validate.c (entry checks, table (de)validation, entry
 * updates), arch/x86/pv/{mmu_update,mmuext,update_va_mapping}.c (the
 * hypercalls), arch/x86/pv/pv_mm_init.c (dom0 builder helper),
 * arch/x86/pv/mm_glue.c (TLB/cache hooks), arch/x86/pv/mm_iomem.c
 * (which frames are I/O memory). The invariants are in page_type.c.
 *
 * This header is what the rest of the hypervisor calls, and the few
 * functions the PV MMU expects others to provide.
 */
#ifndef ASM_PV_MM_H
#define ASM_PV_MM_H

#include <xenia/types.h>
#include <xenia/mm.h>
#include <asm/page.h>

struct domain;
struct vcpu;

/* ---- called by the dom0 builder and the vCPU code ---- */

/*
 * pv_validate_initial_tables(): turn a page-table hierarchy that the
 * domain builder wrote by hand into guest page tables the PV MMU owns,
 * with the end state of Xen's dom0 builder:
 *   - every frame reachable from l4 as an L3/L2/L1 table gets that type
 *     (validated, type count = number of referencing entries);
 *   - every L1 entry that maps one of those table frames (or l4 itself)
 *     loses _PAGE_RW, so the guest sees its tables read-only;
 *   - l4 is typed PGT_l4_page_table and pinned (PGT_pinned: one type ref
 *     and one general ref that MMUEXT_UNPIN_TABLE later drops).
 * Hypervisor slots 256..271 of l4 are (re)written by the validator.
 * It does not set any vCPU's guest_table: call pv_set_guest_table() for
 * that (which takes its own type ref, as Xen's guest_table does).
 *
 * Units: l4 is an MFN owned by d. The builder must not run d yet and
 * must hold no other type refs on these frames. No lock is taken; d must
 * not be running. Returns 0, or the validation error (-EINVAL bad entry,
 * -EBUSY frame in use as another type / foreign frame / writable
 * mapping of a table that is not part of the hierarchy, -EPERM I/O
 * frame for a domain without I/O access). On error nothing is pinned
 * and every reference taken is dropped again (_PAGE_RW bits already
 * cleared stay cleared).
 */
int pv_validate_initial_tables(struct domain *d, mfn_t l4);

/*
 * pv_set_guest_table(): make mfn v's kernel (user == false) or user
 * (user == true) L4, as MMUEXT_NEW_BASEPTR / MMUEXT_NEW_USER_BASEPTR do.
 * Takes a general + PGT_l4_page_table type reference on the new L4
 * (validating it if needed), stores it in v->arch.guest_table(_user),
 * calls pv_update_cr3(v) for the kernel table, then drops the references
 * the old table held (which may devalidate and free it). mfn 0 is
 * allowed for the user table only (= none). Setting the table already
 * installed only reloads CR3.
 * Returns 0, -EINVAL (not v's domain's frame, or not a valid L4), or a
 * validation error of the new table (-EBUSY, -EPERM). preemptible (a
 * hypercall of current == v that can be re-issued): the validation may
 * stop with -ERESTART (nothing changed; re-issuing resumes it) and a
 * preempted release of the old table is left in v's old_guest_table
 * (0 is returned). Caller: v is current, or v's domain is not running
 * (then not preemptible).
 */
int pv_set_guest_table(struct vcpu *v, unsigned long mfn, bool user, bool preemptible);

/*
 * Preemptible type references (arch/x86/mm/page_type.c): see the comments
 * there. get_*: 0, -ERESTART (nothing held: re-issue the hypercall) or
 * get_page_type()'s errors; put_*: 0 or -ERESTART (the rest waits in
 * current's old_guest_table); pv_put_old_guest_table(): 0 or -ERESTART.
 */
int get_page_type_preemptible(struct page_info *pg, unsigned long type);
int get_page_and_type_preemptible(struct page_info *pg, struct domain *d, unsigned long type);
int put_page_and_type_preemptible(struct page_info *pg);
int pv_put_old_guest_table(struct vcpu *v, bool preemptible);

/*
 * pv_drop_guest_tables(): release v's guest_table and guest_table_user
 * references and finish its old_guest_table (vCPU / domain destruction;
 * not preemptible). Sets the fields to 0. The caller must no longer run
 * on those tables.
 */
void pv_drop_guest_tables(struct vcpu *v);

/*
 * pv_put_l1e(): drop the references one present L1 entry holds (general
 * ref, plus the PGT_writable_page type ref if it is writable; nothing for
 * I/O frames). For the grant-table code, which installs L1 entries
 * itself (grant mappings), and for domain teardown.
 */
void pv_put_l1e(pte_t l1e);

/* ---- provided by others, called by the PV MMU ---- */

/*
 * pv_update_cr3() (arch/x86/pv/, the lead): v->arch.guest_table changed;
 * if v is running on this CPU, load the new CR3. (Guest mappings are
 * kept non-global for now: see PV_GLOBAL_USER_PAGES in pt_validate.c;
 * turning Xen's global user pages on needs every guest-visible flush and
 * context switch to drop global entries too.)
 */
void pv_update_cr3(struct vcpu *v);

/*
 * pv_load_ldt() (descriptor-table code): v->arch.ldt_base / ldt_ents
 * changed (MMUEXT_SET_LDT); drop the old LDT shadow mappings and load the
 * new LDT if v runs here. Weak no-op fallback in mm_glue.c.
 */
void pv_load_ldt(struct vcpu *v);

/*
 * pv_validate_segdesc_page() (descriptor-table code): check every
 * descriptor of a frame about to become PGT_seg_desc_page (GDT/LDT) as
 * Xen's check_descriptor() does. Returns 0 or -EINVAL. Weak fallback in
 * mm_glue.c refuses every frame (-EINVAL) until it exists.
 */
int pv_validate_segdesc_page(struct page_info *pg);

/* ---- hooks with default implementations (mm_glue.c, mm_iomem.c) ---- */

/*
 * pv_mfn_is_io(): mfn is I/O memory (not RAM, no page_info, or the first
 * MiB), which PV page tables map without reference counting. Stable for
 * the lifetime of the system (a frame never changes between I/O and RAM).
 */
bool pv_mfn_is_io(unsigned long mfn);

/* pv_io_access_permitted(): d may map I/O frame mfn (Xen: iomem_caps). */
bool pv_io_access_permitted(const struct domain *d, unsigned long mfn);

/*
 * TLB and cache maintenance used by the MMU hypercalls and by type
 * changes. "domain" variants reach every CPU that may cache d's
 * mappings; va variants may flush more than asked.
 */
void pv_flush_tlb_local(void);
void pv_flush_va_local(unsigned long va);
void pv_flush_tlb_domain(struct domain *d);
/* pv_flush_tlb_domain_since(): only the CPUs not flushed since stamp (<asm/flushtlb.h>). */
void pv_flush_tlb_domain_since(struct domain *d, uint32_t stamp);
void pv_flush_va_domain(struct domain *d, unsigned long va);
void pv_flush_cache_local(void);
void pv_flush_cache_all(void);

/*
 * pv_guest_l1_frame(): MFN of the L1 table that maps guest virtual address
 * va under the L4 table l4_mfn, or 0 when there is none (not present,
 * superpage, or va in the hypervisor's range). Lock-free reads: the caller
 * takes references on what it then uses.
 */
unsigned long pv_guest_l1_frame(unsigned long l4_mfn, unsigned long va);

#endif
