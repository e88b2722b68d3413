/*
 * HVM params (arch/x86/hvm/params.c): Xen 4.17's rules for
 * HVMOP_set_param/HVMOP_get_param (<xen/hvm/params.h>, Xen's
 * hvm_allow_set_param(), hvm_set_param(), hvm_allow_get_param(),
 * hvm_get_param()) on one domain's params[] array. Pure: the caller
 * (hvm_op.c) has looked the domain up, checked that it is HVM and that an
 * unprivileged caller names only itself, and holds d->lock; side effects
 * outside the array (the callback via) are the caller's.
 */
#ifndef XENIA_ASM_HVM_PARAMS_H
#define XENIA_ASM_HVM_PARAMS_H

#include <xenia/types.h>
#include <xen/hvm/params.h>

/*
 * hvm_params_init(): a new HVM domain's params, as Xen's
 * hvm_domain_initialise() leaves them: all 0 but
 * HVM_PARAM_TRIPLE_FAULT_REASON = SHUTDOWN_reboot (a triple fault resets
 * the domain, as it resets a machine; the toolstack may change it).
 */
void hvm_params_init(uint64_t params[HVM_NR_PARAMS]);

/*
 * hvm_param_set(): HVMOP_set_param of index (< HVM_NR_PARAMS) to value.
 * self: the caller sets a param of its own domain. Stores the value (for
 * HVM_PARAM_VM86_TSS: the sized form at HVM_PARAM_VM86_TSS_SIZED, as
 * Xen) and returns 0, or changes nothing and returns:
 *   -EINVAL   a deprecated param (PAE_ENABLED, DM_DOMAIN, MEMORY_EVENT_*,
 *             NESTEDHVM, BUFIOREQ_EVTCHN), or a value the param does not
 *             take (TIMER_MODE, VIRIDIAN, TRIPLE_FAULT_REASON, ALTP2M,
 *             X87_FIP_WIDTH, NR_IOREQ_SERVER_PAGES, MCA_CAP, ACPI_S_STATE,
 *             VM86_TSS, VM86_TSS_SIZED);
 *   -EPERM    self, and not one of the params a guest may set on itself
 *             (CALLBACK_IRQ, VM86_TSS(_SIZED), ACPI_IOPORTS_LOCATION,
 *             VM_GENERATION_ID_ADDR, STORE_EVTCHN, CONSOLE_EVTCHN,
 *             X87_FIP_WIDTH);
 *   -EEXIST   a set-once param (VIRIDIAN, IOREQ_PFN, BUFIOREQ_PFN,
 *             IOREQ_SERVER_PFN, NR_IOREQ_SERVER_PAGES, ALTP2M, MCA_CAP)
 *             already holds another non-zero value;
 *   -ENODEV   ACPI_IOPORTS_LOCATION: Xenia emulates no ACPI PM timer
 *             (Xen's answer for a domain without one, as PVH);
 *   -EOPNOTSUPP  ACPI_S_STATE 3 (S3 suspend) or ALTP2M non-zero: not
 *             built (Xen suspends the domain or turns altp2m on).
 * *crash_caller is set when Xen also crashes a domain that set a bad
 * VM86 TSS on itself.
 */
int hvm_param_set(uint64_t params[HVM_NR_PARAMS], uint32_t index, uint64_t value,
                  bool self, bool *crash_caller);

/*
 * hvm_param_get(): HVMOP_get_param of index (< HVM_NR_PARAMS) into *value.
 * 0; -EINVAL for a deprecated param; -EPERM when self and not one of the
 * params a guest may read of itself (CALLBACK_IRQ, VM86_TSS(_SIZED),
 * ACPI_IOPORTS_LOCATION, VM_GENERATION_ID_ADDR, STORE_PFN, STORE_EVTCHN,
 * CONSOLE_PFN, CONSOLE_EVTCHN, ALTP2M, X87_FIP_WIDTH). ACPI_S_STATE reads
 * 0 (never suspended), VM86_TSS the low 32 bits of the sized form.
 */
int hvm_param_get(const uint64_t params[HVM_NR_PARAMS], uint32_t index, bool self,
                  uint64_t *value);

#endif
