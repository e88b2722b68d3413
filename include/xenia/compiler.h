/*
 * Compiler glue included first by every hypervisor object (via -include).
 *
 * The hypervisor is compiled position-independent (-fpie) so that it can run
 * at XEN_VIRT_START, far above the 2 GiB reach of -mcmodel=kernel; hidden
 * visibility makes every symbol reference PC-relative instead of via a GOT.
 */
#ifndef XENIA_COMPILER_H
#define XENIA_COMPILER_H

#if !defined(__ASSEMBLY__) && !defined(XENIA_HOST_TEST)
#pragma GCC visibility push(hidden)
#endif

/*
 * <xen/arch-x86/xen-x86_64.h> defines machine_to_phys_mapping as the
 * guests' read-only view unless it is already defined; the hypervisor has
 * its own writable M2P under that name (include/xenia/mm.h).
 */
#define machine_to_phys_mapping machine_to_phys_mapping

#define __used          __attribute__((__used__))
#define __packed        __attribute__((__packed__))
#define __aligned(a)    __attribute__((__aligned__(a)))
#define __section(s)    __attribute__((__section__(s)))
#define __noreturn      __attribute__((__noreturn__))
#define __printf(a, b)  __attribute__((__format__(__printf__, a, b)))
#define __must_check    __attribute__((__warn_unused_result__))
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)
/*
 * __guest_path: code run on every guest system call, hypercall and event
 * upcall, kept beside entry.S's paths (section .text.guest_path, first in
 * .text: arch/x86/xenia.lds.S). Each CR3 switch between a PV guest's user
 * and kernel tables empties QEMU TCG's TLB and its jump cache, and every
 * page touched after it is refilled: fewer pages, cheaper switches.
 */
#define __guest_path    __attribute__((__section__(".text.guest_path")))
/* __guest_path_data: the variables those paths read or write, on one page (.data.guest_path). */
#define __guest_path_data __attribute__((__section__(".data.guest_path")))
#define barrier()       __asm__ __volatile__("" ::: "memory")

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define ACCESS_ONCE(x)  (*(volatile __typeof__(x) *)&(x))

#endif
