/* SVM back end internals shared by svm.c and entry.S's C side. */
#ifndef HVM_SVM_SVM_H
#define HVM_SVM_SVM_H

#include <asm/hvm/svm_vmcb.h>

/* One #VMEXIT as svm_vmexit_handler() found it, and what the next entry injected. */
struct svm_exit_record {
    uint64_t exitcode, rip, exitinfo1, exitintinfo, injected;
};

#define SVM_EXIT_HISTORY 16         /* a power of two */

struct svm_vcpu {
    struct vmcb *vmcb;              /* one xen-heap page */
    paddr_t vmcb_pa;
    uint32_t asid;
    /* The vCPU's last exits, printed when it crashes (svm_crash()); its own pCPU only. */
    struct svm_exit_record history[SVM_EXIT_HISTORY];
    unsigned int history_next;
};

#endif
