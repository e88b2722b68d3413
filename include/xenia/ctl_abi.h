/*
 * <xen/domctl.h> and <xen/sysctl.h> for the hypervisor. domctl.h pulls in
 * <xen/hvm/save.h>, which under __XEN__ wants Xen's own <xen/lib.h> (for
 * BUG() in HVM save-record fix-ups Xenia never uses); the structures are
 * the same without __XEN__ (they are guarded by __XEN_TOOLS__), so the
 * headers are read with __XEN__ hidden.
 */
#ifndef XENIA_CTL_ABI_H
#define XENIA_CTL_ABI_H

#include <xen/xen.h>
#pragma push_macro("__XEN__")
#undef __XEN__
#include <xen/domctl.h>
#include <xen/sysctl.h>
#pragma pop_macro("__XEN__")

#endif
