/*
 * HVM params: who may set or read which param and the values each takes,
 * as Xen 4.17 (see <asm/hvm/params.h>). Unit-tested in
 * tests/unit/test_hvm_params.c.
 *
 * Order of Xen's checks, kept here: a deprecated param is refused
 * (-EINVAL) before anything else; then a guest naming itself may touch
 * only its own short list (-EPERM); then a set-once param may not change
 * (-EEXIST); then the value itself is checked.
 */
#include <xenia/lib.h>
#include <xenia/errno.h>
#include <xen/sched.h>
#include <asm/hvm/params.h>

/* Xen keeps this flag in the stored sized VM86 TSS (internal, not ABI). */
#define VM86_TSS_UPDATED    (1ULL << 63)
/* Xen's cap on a sized VM86 TSS: struct tss32 (104 bytes), the interrupt
 * redirection bitmap (256 bits), the I/O bitmap (64k bits), one byte. */
#define VM86_TSS_MAX_SIZE   (104 + 0x100 / 8 + 0x10000 / 8 + 1)
#define TSS32_SIZE          104

static bool deprecated(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_PAE_ENABLED:
    case HVM_PARAM_DM_DOMAIN:
    case HVM_PARAM_MEMORY_EVENT_CR0:
    case HVM_PARAM_MEMORY_EVENT_CR3:
    case HVM_PARAM_MEMORY_EVENT_CR4:
    case HVM_PARAM_MEMORY_EVENT_INT3:
    case HVM_PARAM_NESTEDHVM:
    case HVM_PARAM_MEMORY_EVENT_SINGLE_STEP:
    case HVM_PARAM_BUFIOREQ_EVTCHN:
    case HVM_PARAM_MEMORY_EVENT_MSR:
        return true;
    default:
        return false;
    }
}

/* Params a guest may set on itself (Xen's hvm_allow_set_param()). */
static bool guest_may_set(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_X87_FIP_WIDTH:
        return true;
    default:
        return false;
    }
}

/* Params a guest may read of itself (Xen's hvm_allow_get_param()): those
 * it may set, and where its xenstore and console rings are, and ALTP2M. */
static bool guest_may_get(uint32_t index)
{
    return guest_may_set(index) || index == HVM_PARAM_STORE_PFN ||
           index == HVM_PARAM_CONSOLE_PFN || index == HVM_PARAM_ALTP2M;
}

static bool set_once(uint32_t index)
{
    switch (index) {
    case HVM_PARAM_VIRIDIAN:
    case HVM_PARAM_IOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_PFN:
    case HVM_PARAM_IOREQ_SERVER_PFN:
    case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
    case HVM_PARAM_ALTP2M:
    case HVM_PARAM_MCA_CAP:
        return true;
    default:
        return false;
    }
}

void hvm_params_init(uint64_t params[HVM_NR_PARAMS])
{
    for (unsigned int i = 0; i < HVM_NR_PARAMS; i++)
        params[i] = 0;
    params[HVM_PARAM_TRIPLE_FAULT_REASON] = SHUTDOWN_reboot;
}

/*
 * The value check of Xen's hvm_set_param(); may rewrite *index and
 * *value (the VM86 TSS forms). 0 or a negative errno value.
 */
static int check_value(uint32_t *index, uint64_t *value, bool self, bool *crash_caller)
{
    uint64_t v = *value;

    switch (*index) {
    case HVM_PARAM_TIMER_MODE:
        return v > HVMPTM_one_missed_tick_pending ? -EINVAL : 0;
    case HVM_PARAM_VIRIDIAN:
        return (v & ~(uint64_t)HVMPV_feature_mask) || !(v & HVMPV_base_freq) ? -EINVAL : 0;
    case HVM_PARAM_ACPI_S_STATE:
        if (v == 3)
            return -EOPNOTSUPP;
        return v == 0 ? 0 : -EINVAL;
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
        return -ENODEV;
    case HVM_PARAM_ALTP2M:
        if (v > XEN_ALTP2M_limited)
            return -EINVAL;
        return v ? -EOPNOTSUPP : 0;
    case HVM_PARAM_TRIPLE_FAULT_REASON:
        return v > SHUTDOWN_MAX ? -EINVAL : 0;
    case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
        return v == 0 || v > 64 ? -EINVAL : 0;
    case HVM_PARAM_X87_FIP_WIDTH:
        return v != 0 && v != 4 && v != 8 ? -EINVAL : 0;
    case HVM_PARAM_MCA_CAP:
        /* The only capability is LMCE, which Xenia does not offer: Xen's
         * answer on a host without LMCE. */
        return v ? -EINVAL : 0;
    case HVM_PARAM_VM86_TSS:
        if (v != (uint32_t)v) {
            *crash_caller = self;
            return -EINVAL;
        }
        if (v)          /* old hvmloaders assume 128 bytes */
            v |= (128ULL << 32) | VM86_TSS_UPDATED;
        *index = HVM_PARAM_VM86_TSS_SIZED;
        *value = v;
        return 0;
    case HVM_PARAM_VM86_TSS_SIZED:
        if ((v >> 32) < TSS32_SIZE) {
            *crash_caller = self;
            return -EINVAL;
        }
        if ((v >> 32) > VM86_TSS_MAX_SIZE)
            v = (uint32_t)v | ((uint64_t)VM86_TSS_MAX_SIZE << 32);
        *value = v | VM86_TSS_UPDATED;
        return 0;
    default:
        return 0;
    }
}

int hvm_param_set(uint64_t params[HVM_NR_PARAMS], uint32_t index, uint64_t value,
                  bool self, bool *crash_caller)
{
    int rc;

    *crash_caller = false;
    if (deprecated(index))
        return -EINVAL;
    if (self && !guest_may_set(index))
        return -EPERM;
    if (set_once(index) && params[index] != 0 && value != params[index])
        return -EEXIST;
    rc = check_value(&index, &value, self, crash_caller);
    if (rc)
        return rc;
    params[index] = value;
    return 0;
}

int hvm_param_get(const uint64_t params[HVM_NR_PARAMS], uint32_t index, bool self,
                  uint64_t *value)
{
    if (deprecated(index))
        return -EINVAL;
    if (self && !guest_may_get(index))
        return -EPERM;
    switch (index) {
    case HVM_PARAM_ACPI_S_STATE:
        *value = 0;
        break;
    case HVM_PARAM_VM86_TSS:
        *value = (uint32_t)params[HVM_PARAM_VM86_TSS_SIZED];
        break;
    case HVM_PARAM_VM86_TSS_SIZED:
        *value = params[HVM_PARAM_VM86_TSS_SIZED] & ~VM86_TSS_UPDATED;
        break;
    default:
        *value = params[index];
        break;
    }
    return 0;
}
