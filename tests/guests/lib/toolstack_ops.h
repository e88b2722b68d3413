/*
 * toolstack_ops.h: a test guest making the toolstack's hypercalls as libxc
 * does, through one static argument struct each: the caller fills dc.u or
 * sc.u, domctl()/sysctl() set the command, the domain and the interface
 * version, and return the hypercall's result (0 or -XEN_Exxx). For either
 * runtime (lib/test.h or lib/pvh.h give hypercall()); define
 * __XEN_TOOLS__ before including it.
 */
#ifndef GUEST_TOOLSTACK_OPS_H
#define GUEST_TOOLSTACK_OPS_H

#include <xen/domctl.h>
#include <xen/sysctl.h>

static struct xen_domctl dc __attribute__((unused));
static struct xen_sysctl sc __attribute__((unused));

static inline long domctl(uint32_t cmd, domid_t dom)
{
    dc.cmd = cmd;
    dc.domain = dom;
    dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    return hypercall(__HYPERVISOR_domctl, (unsigned long)&dc, 0, 0, 0, 0);
}

static inline long sysctl(uint32_t cmd)
{
    sc.cmd = cmd;
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return hypercall(__HYPERVISOR_sysctl, (unsigned long)&sc, 0, 0, 0, 0);
}

#endif
