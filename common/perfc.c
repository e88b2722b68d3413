/*
 * Performance counters: per hypercall, per domctl and per memory_op
 * subcommand, calls and system time, and counted scheduler events, since
 * boot or the last 'P' (include/xenia/perfc.h).
 */
#include <xenia/lib.h>
#include <xenia/perfc.h>
#include <xenia/hypercall.h>

#define PERFC_HYPERCALLS    64
#define PERFC_DOMCTLS       128
#define PERFC_MEMOPS        64

struct perfc_counter {
    uint64_t calls;
    uint64_t ns;
};

static struct perfc_counter hypercalls[PERFC_HYPERCALLS];
static struct perfc_counter domctls[PERFC_DOMCTLS];
static const char *domctl_names[PERFC_DOMCTLS];
static struct perfc_counter memops[PERFC_MEMOPS];
static struct perfc_counter waits[PERFC_WAITS];
static const char *const wait_names[PERFC_WAITS] = {
    [PERFC_WAIT_FLUSH_TLB] = "flush_tlb_ipi",
    [PERFC_WAIT_CALL_FUNCTION] = "call_function_ipi",
};
static const char *memop_names[PERFC_MEMOPS];
static uint64_t events[PERFC_EVENTS];
static const char *const event_names[PERFC_EVENTS] = {
    [PERFC_EVENT_VCPU_MIGRATED] = "vcpu_migrated",
    [PERFC_EVENT_TICKLE_DEFERRED] = "tickle_deferred",
};

/*
 * Hypercalls whose first argument is a sub-command, counted per command
 * too: their row in subops[] plus one (0: none), one look-up a call.
 */
#define PERFC_SUBOPS        32
#define PERFC_SUBOP_ROWS    6
static const uint8_t subop_row[PERFC_HYPERCALLS] = {
    [__HYPERVISOR_sched_op] = 1, [__HYPERVISOR_event_channel_op] = 2,
    [__HYPERVISOR_physdev_op] = 3, [__HYPERVISOR_vcpu_op] = 4,
    [__HYPERVISOR_grant_table_op] = 5, [__HYPERVISOR_hvm_op] = PERFC_SUBOP_ROWS,
};
static struct perfc_counter subops[PERFC_SUBOP_ROWS][PERFC_SUBOPS];
static s_time_t perfc_since;


static void count(struct perfc_counter *c, s_time_t ns)
{
    __atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&c->ns, ns > 0 ? (uint64_t)ns : 0, __ATOMIC_RELAXED);
}

void perfc_hypercall(unsigned long nr, unsigned long arg0, s_time_t ns)
{
    if (nr >= PERFC_HYPERCALLS)
        return;
    count(&hypercalls[nr], ns);
    unsigned int row = subop_row[nr], cmd = (uint32_t)arg0;     /* the ABI's int cmd */
    if (row && cmd < PERFC_SUBOPS)
        count(&subops[row - 1][cmd], ns);
}

void perfc_domctl(unsigned int cmd, const char *name, s_time_t ns)
{
    if (cmd >= PERFC_DOMCTLS)
        return;
    domctl_names[cmd] = name;
    count(&domctls[cmd], ns);
}

void perfc_memop(unsigned int op, const char *name, s_time_t ns)
{
    if (op >= PERFC_MEMOPS)
        return;
    memop_names[op] = name;
    count(&memops[op], ns);
}

void perfc_wait(enum perfc_wait what, s_time_t ns)
{
    if (what < PERFC_WAITS)
        count(&waits[what], ns);
}

void perfc_event(enum perfc_event what)
{
    if (what < PERFC_EVENTS)
        __atomic_add_fetch(&events[what], 1, __ATOMIC_RELAXED);
}

static void print_row(const char *kind, const char *name, unsigned int nr,
                      const struct perfc_counter *c)
{
    uint64_t calls = __atomic_load_n(&c->calls, __ATOMIC_RELAXED);
    uint64_t ns = __atomic_load_n(&c->ns, __ATOMIC_RELAXED);

    if (calls)
        printk("perfc %s %s (%u): calls=%lu ns=%lu mean_ns=%lu\n", kind, name, nr,
               (unsigned long)calls, (unsigned long)ns, (unsigned long)(ns / calls));
}

void perfc_printall(char key)
{
    uint64_t total = 0;

    printk("Xenia performance counters [ key '%c' pressed, %lu ms counted\n", key,
           (unsigned long)((NOW() - perfc_since) / 1000000));
    for (unsigned int i = 0; i < PERFC_HYPERCALLS; i++) {
        print_row("hypercall", hypercall_name(i), i, &hypercalls[i]);
        total += __atomic_load_n(&hypercalls[i].ns, __ATOMIC_RELAXED);
    }
    for (unsigned int nr = 0; nr < PERFC_HYPERCALLS; nr++)
        for (unsigned int cmd = 0; subop_row[nr] && cmd < PERFC_SUBOPS; cmd++)
            print_row("subop", hypercall_name(nr), cmd, &subops[subop_row[nr] - 1][cmd]);
    for (unsigned int i = 0; i < PERFC_DOMCTLS; i++)
        print_row("domctl", domctl_names[i] ?: "?", i, &domctls[i]);
    for (unsigned int i = 0; i < PERFC_MEMOPS; i++)
        print_row("memop", memop_names[i] ?: "?", i, &memops[i]);
    for (unsigned int i = 0; i < PERFC_WAITS; i++)
        print_row("wait", wait_names[i], i, &waits[i]);
    for (unsigned int i = 0; i < PERFC_EVENTS; i++) {
        uint64_t n = __atomic_load_n(&events[i], __ATOMIC_RELAXED);
        if (n)
            printk("perfc event %s: count=%lu\n", event_names[i], (unsigned long)n);
    }
    printk("perfc total hypercall_ns=%lu ]\n", (unsigned long)total);
}

void perfc_reset(char key)
{
    printk("Xenia performance counters reset [ key '%c' pressed ]\n", key);
    for (unsigned int i = 0; i < PERFC_HYPERCALLS; i++) {
        __atomic_store_n(&hypercalls[i].calls, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&hypercalls[i].ns, 0, __ATOMIC_RELAXED);
    }
    for (unsigned int i = 0; i < PERFC_DOMCTLS; i++) {
        __atomic_store_n(&domctls[i].calls, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&domctls[i].ns, 0, __ATOMIC_RELAXED);
    }
    for (unsigned int i = 0; i < PERFC_MEMOPS; i++) {
        __atomic_store_n(&memops[i].calls, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&memops[i].ns, 0, __ATOMIC_RELAXED);
    }
    for (unsigned int i = 0; i < PERFC_WAITS; i++) {
        __atomic_store_n(&waits[i].calls, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&waits[i].ns, 0, __ATOMIC_RELAXED);
    }
    for (unsigned int i = 0; i < PERFC_EVENTS; i++)
        __atomic_store_n(&events[i], 0, __ATOMIC_RELAXED);
    for (unsigned int i = 0; i < PERFC_SUBOP_ROWS; i++)
        for (unsigned int cmd = 0; cmd < PERFC_SUBOPS; cmd++) {
            __atomic_store_n(&subops[i][cmd].calls, 0, __ATOMIC_RELAXED);
            __atomic_store_n(&subops[i][cmd].ns, 0, __ATOMIC_RELAXED);
        }
    perfc_since = NOW();
}
