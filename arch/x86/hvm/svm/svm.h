/* SVM back end internals shared by svm.c and entry.S's C side. */
#ifndef HVM_SVM_SVM_H
#define HVM_SVM_SVM_H

#include <asm/hvm/svm_vmcb.h>

struct svm_vcpu {
    struct vmcb *vmcb;              /* one xen-heap page */
    paddr_t vmcb_pa;
    uint32_t asid;
};

#endif
