/*
 * test.h: what a Xenia test guest sees.
 *
 * A test file defines test_name[] and test_main(); the runtime (lib/)
 * maps shared_info, installs trap and event handlers, runs test_main()
 * and prints the single result line
 *     XENIA-TEST: <name> PASS | FAIL (<n> of <m> checks failed)
 * then shuts down (poweroff on PASS, crash on FAIL).
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include "hypercall.h"

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define barrier() asm volatile ("" ::: "memory")
#define ACCESS_ONCE(x) (*(volatile __typeof__(x) *)&(x))

/* x86 page-table entry bits. */
#define _PAGE_PRESENT 0x001UL
#define _PAGE_RW      0x002UL
#define _PAGE_USER    0x004UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY   0x040UL
#define _PAGE_PSE     0x080UL
#define PTE_ADDR_MASK 0x000ffffffffff000UL

/* Registers as saved by entry.S; vector 0x100 means an event upcall. */
struct guest_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* The last exception a guest_trap() fixup absorbed. */
struct trap_record {
    unsigned int count;
    uint64_t vector, error_code, rip, cr2;
};

extern const char test_name[];
void test_main(void);
/* Optional: a test that defines it is called first thing in every event upcall. */
void test_upcall(void) __attribute__((weak));

extern start_info_t *start_info;
extern shared_info_t *shared;
extern struct trap_record last_trap;
extern volatile unsigned long events_seen[]; /* ports seen by the upcall */
extern volatile unsigned int upcalls;

#include "report.h"     /* printk, check, expect_eq, test_finish, test_abort */

/* Install the runtime's trap table and callbacks again. */
void guest_reinstall_handlers(void);

/* Event channels as the guest-side runtime sees them. */
void evtchn_mask(unsigned int port);
void evtchn_unmask(unsigned int port);
void evtchn_clear(unsigned int port);
bool evtchn_pending(unsigned int port);
bool event_seen(unsigned int port);   /* seen by the upcall; clears it */
void events_enable(void);              /* clear vcpu0's upcall mask */
void events_disable(void);

/* Memory helpers: no libc. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Guest frame numbers <-> machine frame numbers, from start_info/M2P. */
unsigned long pfn_to_mfn(unsigned long pfn);
unsigned long mfn_to_pfn(unsigned long mfn);
unsigned long virt_to_mfn(const void *va);
/* Machine address of the L1 entry mapping va (walks the guest's tables). */
uint64_t pte_maddr(const void *va);
/* The pte mapping va, read through the tables' own mappings. */
uint64_t read_pte(const void *va, int level);
uint64_t read_tsc(void);
/* Xen system time in ns, read from vcpu 0's pvclock. */
uint64_t xen_now(void);
/*
 * Xen fires a timer up to its timer_slop (50 us by default) before the
 * deadline, and a vCPU that moved to another pCPU reads that pCPU's time
 * record: "not before the deadline" checks allow this much.
 */
#define XEN_TIMER_SLOP_NS 50000ULL

/*
 * A secondary vCPU's first context for VCPUOP_initialise: kernel mode on
 * the stack ending at stack_top, running the test's secondary_main() (it
 * must not return), this guest's page tables and event/failsafe callbacks.
 */
void secondary_main(void);
void build_vcpu_context(vcpu_guest_context_t *ctx, void *stack_top);

/*
 * Run an instruction that must fault: on an exception at label 1 the trap
 * handler records it in last_trap and resumes at label 2.
 */
#define EXPECT_FAULT(insn, ...) do {                              \
    asm volatile ("1: " insn "\n2:\n"                             \
                  ".pushsection .ex_table, \"a\"\n"               \
                  ".quad 1b, 2b\n.popsection" __VA_ARGS__);         \
    barrier(); /* last_trap changed behind the compiler's back */ \
} while ( 0 )

#endif
