/*
 * Error numbers: Xen's own values, generated from <xen/errno.h> through its
 * XEN_ERRNO() hook, under the short names (EINVAL, ENOSYS, ...). Hypercalls
 * return the negated values.
 */
#ifndef XENIA_ERRNO_H
#define XENIA_ERRNO_H

#ifndef __ASSEMBLY__
#define XEN_ERRNO(name, value) name = value,
enum xenia_errno {
#include <xen/errno.h>
};
#endif

#endif
