/*
 * Debug keys, as Xen's: typed on the serial console once input is switched
 * to the hypervisor (Ctrl-A three times: common/console.c), or sent by
 * `xl debug-keys KEYS` (XEN_SYSCTL_debug_keys, common/sysctl.c). Each
 * prints part of the hypervisor's state; the headers match Xen's so the
 * same greps work on both.
 */
#include <xenia/lib.h>
#include <xenia/event.h>
#include <xenia/grant_table.h>
#include <xenia/mm.h>
#include <xenia/keyhandler.h>
#include <asm/pirq.h>
#include <asm/hvm/hvm.h>
#include <xenia/perfc.h>
#include <xenia/sched.h>
#include <xenia/time.h>
#include <asm/nmi.h>

static void dump_help(char key);

static const char *runstate_name(int state)
{
    switch (state) {
    case RUNSTATE_running:  return "running";
    case RUNSTATE_runnable: return "runnable";
    case RUNSTATE_blocked:  return "blocked";
    case RUNSTATE_offline:  return "offline";
    default:                return "?";
    }
}

static void dump_registers(char key)
{
    printk("'%c' pressed -> dumping registers\n", key);
    dump_execution_state();
}

static void dump_domain(struct domain *d)
{
    struct vcpu *v;

    printk("General information for domain %u:\n", d->domain_id);
    printk("    refcnt=%u dying=%u pause_count=%d controller_pause_count=%u shutting_down=%d\n",
           d->refcnt, d->is_dying, d->pause_count, d->controller_pause_count,
           d->is_shutting_down);
    printk("    nr_pages=%lu max_pages=%lu privileged=%d zombie=%d\n",
           d->tot_pages, d->max_pages, d->is_privileged, d->zombie);
    printk("VCPU information and callbacks for domain %u:\n", d->domain_id);
    for_each_vcpu(d, v) {
        const struct vcpu_info *vi = v->vcpu_info;
        printk("    VCPU%d: CPU%d [has=%c] %s pause_flags=%lx pause_count=%d "
               "upcall_pend=%02x upcall_mask=%02x poll_evtchn=%d\n",
               v->vcpu_id, v->processor, v->is_running ? 'T' : 'F',
               runstate_name(v->runstate.state), v->pause_flags, v->pause_count,
               vi ? vi->evtchn_upcall_pending : 0, vi ? vi->evtchn_upcall_mask : 0,
               ACCESS_ONCE(v->poll_evtchn));
        if (is_hvm_vcpu(v) && !(v->pause_flags & VPF_down))
            hvm_dump_vcpu(v);
    }
}

/* Every domain in id order, each held while it is printed. */
static void for_each_domain_held(void (*fn)(struct domain *))
{
    domid_t next = 0;
    struct domain *d;

    while ((d = domain_get_next(next)) != NULL) {
        fn(d);
        next = d->domain_id + 1;
        rcu_unlock_domain(d);
        if (!next)
            break;                       /* wrapped past DOMID_MASK */
    }
}

static void dump_domains(char key)
{
    printk("'%c' pressed -> dumping domain info (now = %ld ns)\n", key, (long)NOW());
    for_each_domain_held(dump_domain);
}

static void dump_evtchns(char key)
{
    printk("'%c' pressed -> dumping event-channel info\n", key);
    for_each_domain_held(evtchn_dump);
}

static void dump_runqueues(char key)
{
    printk("'%c' pressed -> dumping run queues\n", key);
    sched_dump();
}

/*
 * Xen 4.17's 'm' (pagealloc_info): free memory in kB, from the heap's own
 * count (exact to the page: kB / 4). Xenia has one heap for the
 * hypervisor's and the domains' frames, as Xen on x86-64 without a
 * separate xen heap: the "Xen heap" line is always 0, "Dom heap" has all.
 */
static void dump_heap(char key)
{
    (void)key;
    printk("Physical memory information:\n");
    printk("    Xen heap: 0kB free\n");
    printk("    Dom heap: %lukB free\n", total_free_pages() << (PAGE_SHIFT - 10));
}

/* Xen 4.17's 'g' (gnttab_usage_print_all): every domain's grant table. */
static void dump_grant_tables(char key)
{
    printk("gnttab_usage_print_all [ key '%c' pressed\n", key);
    for_each_domain_held(gnttab_dump);
    printk("gnttab_usage_print_all ] done\n");
}

/* Xen 4.17's 'i' (dump_irqs), for the PIRQs: where each device interrupt goes. */
static void dump_irqs(char key)
{
    printk("'%c' pressed -> dumping interrupt bindings\n", key);
    pirq_dump();
}

static const struct {
    char key;
    void (*fn)(char key);
    const char *desc;
} keys[] = {
    { 'd', dump_registers, "dump registers" },
    { 'e', dump_evtchns,   "dump evtchn info" },
    { 'g', dump_grant_tables, "print grant table usage" },
    { 'h', dump_help,      "show this message" },
    { 'i', dump_irqs,      "dump interrupt bindings" },
    { 'm', dump_heap,      "memory info" },
    { 'p', perfc_printall, "print performance counters" },
    { 'P', perfc_reset,    "reset performance counters" },
    { 'q', dump_domains,   "dump domain (and guest debug) info" },
    { 'r', dump_runqueues, "dump run queues" },
};

static void dump_help(char key)
{
    printk("'%c' pressed -> showing installed handlers\n", key);
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        printk(" key '%c' (ascii '%02x') => %s\n", keys[i].key, keys[i].key, keys[i].desc);
}

void handle_keypress(char key)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        if (keys[i].key == key) {
            keys[i].fn(key);
            return;
        }
}
