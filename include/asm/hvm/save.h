/*
 * HVM context records (<xen/hvm/save.h>, Xen 4.17's hvm_save()/hvm_load()):
 * what XEN_DOMCTL_gethvmcontext returns and XEN_DOMCTL_sethvmcontext takes.
 * A context is a sequence of records, each a struct hvm_save_descriptor
 * (typecode, instance, length in bytes) followed by length bytes: HEADER
 * first, END (typecode 0) last.
 *
 * The walk over a buffer (arch/x86/hvm/save_parse.c) is pure and
 * unit-tested (tests/unit/test_hvm_save.c); arch/x86/hvm/save.c applies
 * the records to a domain.
 */
#ifndef ASM_HVM_SAVE_H
#define ASM_HVM_SAVE_H

#include <xenia/types.h>
#include <xenia/ctl_abi.h>

/*
 * hvm_context_header_check(): the HEADER record at the start of buf (size
 * bytes), as Xen's hvm_load() and arch_hvm_load(): -ENODATA unless a
 * HEADER descriptor of exactly sizeof(struct hvm_save_header) bytes comes
 * first and fits; -EINVAL for a magic other than HVM_FILE_MAGIC or a
 * version other than HVM_FILE_VERSION (a different CPUID signature is
 * accepted, as Xen). 0: *off is the offset of the next descriptor.
 */
int hvm_context_header_check(const uint8_t *buf, uint32_t size, uint32_t *off);

/*
 * hvm_context_next(): the record at *off. -ENODATA when fewer bytes than a
 * descriptor remain (no END record: Xen's "save did not end with a null
 * entry"); 0 at END; 1 for a record: *desc and *data point into buf and
 * *off moves past it, unless its length overruns the buffer (-EINVAL, as
 * Xen's record loaders answer).
 */
int hvm_context_next(const uint8_t *buf, uint32_t size, uint32_t *off,
                     const struct hvm_save_descriptor **desc, const void **data);

/*
 * hvm_cpu_record_boot_ok(): does a CPU record describe what Xenia can
 * load today: a vCPU at its start, flat 32-bit protected mode with paging
 * off (CR0 = PE|ET, CR4 = 0, EFER = 0), a 32-bit RIP and RBX, as
 * libxenguest's vcpu_hvm() writes for a PVH domU.
 */
bool hvm_cpu_record_boot_ok(const struct hvm_hw_cpu *c);

struct domain;

/*
 * hvm_save_size(): the bytes hvm_save() may write for d (HEADER, a CPU
 * and an MTRR record per vCPU, END).
 * hvm_save(): d's context into buf (size bytes, at least hvm_save_size());
 * returns the bytes written. d's vCPUs are paused by the caller. CPU
 * records: the general registers, RIP, RFLAGS, CR0/3/4 and EFER of each
 * vCPU that is up (Xen skips vCPUs that are down, too); MTRR records as
 * the guest sees them (no MTRRs: capability and default type 0).
 */
uint32_t hvm_save_size(const struct domain *d);
uint32_t hvm_save(struct domain *d, uint8_t *buf, uint32_t size);

/*
 * hvm_load(): apply a context to HVM domain d (vCPUs paused by the caller),
 * as Xen 4.17's hvm_load(): the header checked, then every vCPU is put
 * down, then each record loaded; a CPU record brings its vCPU up
 * (is_initialised, VPF_down clear) at the state it names. 0 or -errno:
 * -EINVAL for a dying domain, a typecode Xen does not know, a HEADER after
 * the first record, an instance without a vCPU, a record length Xen
 * refuses; -ENODATA for a missing header or END; -EOPNOTSUPP for records
 * Xen loads but Xenia does not yet (PIC, IOAPIC, LAPIC, ...) and for a CPU
 * record that is not a boot state (hvm_cpu_record_boot_ok()). MTRR records
 * are checked and not applied (the guest sees no MTRRs).
 */
int hvm_load(struct domain *d, const uint8_t *buf, uint32_t size);

#endif
