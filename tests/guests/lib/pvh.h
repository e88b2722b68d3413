/*
 * pvh.h: what a Xenia PVH test guest sees.
 *
 * A PVH test file defines test_name[] and test_main(); the runtime
 * (pvh_head.S, pvh_lib.c) enters long mode with an identity map, finds
 * the Xen CPUID leaves, has the hypervisor fill the hypercall page (MSR
 * write), installs an IDT, runs test_main() and prints the result line
 * (to the hypervisor's console, or a domU's PV console ring)
 *     XENIA-TEST: <name> PASS | FAIL (<n> of <m> checks failed)
 * then shuts down (poweroff on PASS, crash on FAIL).
 */
#ifndef GUEST_PVH_H
#define GUEST_PVH_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/arch-x86/hvm/start_info.h>
#include "hypercall.h"

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define barrier() asm volatile ("" ::: "memory")
#define ACCESS_ONCE(x) (*(volatile __typeof__(x) *)&(x))

#define PVH_HIGH_WINDOW (64UL << 30)   /* mapped by pvh_head.S, nothing behind it */

/* Registers as saved by pvh_head.S's exception stubs. */
struct pvh_frame {
    uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* The last exception an EXPECT_FAULT fixup absorbed. */
struct trap_record {
    unsigned int count;
    uint64_t vector, error_code, rip, cr2;
};

/*
 * Interrupt handlers (vectors 32-255, and 2: NMIs) run with interrupts
 * off on the interrupt's frame; a vector without one aborts the test.
 */
typedef void (*pvh_irq_handler_t)(struct pvh_frame *f);
void pvh_set_irq_handler(unsigned int vector, pvh_irq_handler_t fn);

extern const char test_name[];
void test_main(void);

extern const struct hvm_start_info *start_info;   /* as the hypervisor left it (EBX) */
extern uint32_t xen_cpuid_base;                   /* 0x40000000 + n * 0x100 */
extern struct trap_record last_trap;
extern char _text[], _end[];

#include "report.h"     /* printk, check, expect_eq, test_finish, test_abort */

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    asm volatile ("cpuid" : "=a" (*a), "=b" (*b), "=c" (*c), "=d" (*d) : "a" (leaf), "c" (0));
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile ("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
    asm volatile ("wrmsr" :: "c" (msr), "a" ((uint32_t)val), "d" ((uint32_t)(val >> 32)) : "memory");
}

#define HYPERVISOR_hvm_op(cmd, arg)  HC(__HYPERVISOR_hvm_op, cmd, arg, 0, 0, 0)

/* System time (ns) from a vcpu_time_info (pvclock): version protocol, TSC scaled. */
static inline uint64_t pvclock_read(const volatile struct vcpu_time_info *t)
{
    uint32_t ver, lo, hi;
    uint64_t delta, ns;

    do {
        ver = t->version;
        asm volatile ("" ::: "memory");
        asm volatile ("rdtsc" : "=a" (lo), "=d" (hi));
        delta = (((uint64_t)hi << 32) | lo) - t->tsc_timestamp;
        if ( t->tsc_shift < 0 )
            delta >>= -t->tsc_shift;
        else
            delta <<= t->tsc_shift;
        ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        asm volatile ("" ::: "memory");
    } while ( (ver & 1) || ver != t->version );
    return ns;
}

/*
 * Run an instruction that must fault: on an exception at label 1 the trap
 * handler records it in last_trap and resumes at label 2.
 */
#define EXPECT_FAULT(insn, ...) do {                              \
    asm volatile ("1: " insn "\n2:\n"                             \
                  ".pushsection .ex_table, \"a\"\n"               \
                  ".quad 1b, 2b\n.popsection" __VA_ARGS__);         \
    barrier();                                                    \
} while ( 0 )

#endif
