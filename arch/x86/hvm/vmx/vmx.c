/*
 * The Intel VMX back end of the HVM core: not written yet. It has its
 * place: vmx_probe() returning a struct hvm_function_table is all the
 * common code (arch/x86/hvm/hvm.c) asks of it, so adding it touches no
 * common code. Today it reports that VMX is not supported.
 */
#include <xenia/lib.h>
#include <asm/hvm/hvm.h>

const struct hvm_function_table *vmx_probe(void)
{
    return NULL;                        /* -EOPNOTSUPP: no VMX back end yet */
}
