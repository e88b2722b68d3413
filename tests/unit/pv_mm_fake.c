/* The fake machine of pv_mm_fake.h: stand-ins for everything the PV MMU links against. */
#include <stdlib.h>
#include <string.h>
#include <assert.h>
#include <xenia/mm.h>
#include <xenia/sched.h>
#include <xenia/guest_access.h>
#include <asm/current.h>
#include <asm/pv_mm.h>
#include "pv_mm_fake.h"

struct page_info *frame_table;
unsigned long max_page;
unsigned long *machine_to_phys_mapping;
bool cpu_has_nx = true;
struct vcpu *host_test_current;
struct domain fake_dom[3];
struct vcpu fake_vcpu[3];
int fake_free_calls[FAKE_FRAMES];
int fake_flush_local, fake_flush_domain, fake_flush_va_local, fake_flush_va_domain;
int fake_cr3_reloads, fake_ldt_loads;

static uint8_t *fake_mem;
static struct page_info fake_frames[FAKE_FRAMES];
static unsigned long fake_m2p[FAKE_FRAMES];
static unsigned long next_free;

void fake_reset(void)
{
    if (!fake_mem)
        fake_mem = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
    memset(fake_mem, 0, FAKE_FRAMES * PAGE_SIZE);
    memset(fake_frames, 0, sizeof(fake_frames));
    for (int i = 0; i < FAKE_FRAMES; i++) {
        fake_frames[i].count_info = PGC_reserved;
        fake_m2p[i] = INVALID_M2P_ENTRY;
    }
    frame_table = fake_frames;
    max_page = FAKE_FRAMES;
    machine_to_phys_mapping = fake_m2p;
    memset(fake_dom, 0, sizeof(fake_dom));
    memset(fake_vcpu, 0, sizeof(fake_vcpu));
    for (int i = 0; i < 3; i++) {
        fake_dom[i].domain_id = i;
        fake_dom[i].is_privileged = (i == 0);
        fake_dom[i].max_vcpus = 1;
        fake_dom[i].vcpu[0] = &fake_vcpu[i];
        fake_dom[i].max_pages = FAKE_FRAMES;
        INIT_PAGE_LIST_HEAD(&fake_dom[i].page_list);
        fake_vcpu[i].domain = &fake_dom[i];
        fake_vcpu[i].arch.flags = TF_kernel_mode;
    }
    memset(fake_free_calls, 0, sizeof(fake_free_calls));
    fake_flush_local = fake_flush_domain = fake_flush_va_local = fake_flush_va_domain = 0;
    fake_flush_domain_hook = NULL;
    fake_cr3_reloads = fake_ldt_loads = 0;
    next_free = 8;
    fake_preempt = false;
    fake_set_current(1);
}

void fake_set_current(int dom)
{
    host_test_current = &fake_vcpu[dom];
}

unsigned long fake_alloc(struct domain *d)
{
    unsigned long mfn = next_free++;

    assert(mfn < FAKE_FRAMES);
    page_set_owner(&fake_frames[mfn], d);
    fake_frames[mfn].count_info = PGC_allocated | 1;
    fake_frames[mfn].type_info = 0;
    return mfn;
}

pte_t *fake_map(unsigned long mfn)
{
    assert(mfn < FAKE_FRAMES);
    return (pte_t *)(fake_mem + mfn * PAGE_SIZE);
}

void *host_mfn_to_virt(unsigned long mfn)
{
    return fake_map(mfn);
}

unsigned long host_virt_to_mfn(const void *va)
{
    return (unsigned long)((const uint8_t *)va - fake_mem) / PAGE_SIZE;
}

/* The allocator: the last general reference went away. */
void free_domheap_pages(struct page_info *pg, unsigned int order)
{
    unsigned long mfn = pg - frame_table;

    assert(order == 0 && mfn < FAKE_FRAMES);
    assert((pg->count_info & PGC_count_mask) == 0);
    fake_free_calls[mfn]++;
    page_set_owner(pg, NULL);
    pg->count_info = PGC_free;
    pg->type_info = 0;
}

void hv_install_l4_slots(pte_t *l4)
{
    for (unsigned int i = HV_L4_FIRST_SLOT; i <= HV_L4_LAST_SLOT; i++)
        l4[i] = HV_MARK(i);
}

bool pv_mfn_is_io(unsigned long mfn)
{
    return mfn >= FAKE_FRAMES || mfn == FAKE_IO_MFN;
}

bool pv_io_access_permitted(const struct domain *d, unsigned long mfn)
{
    return d->is_privileged;
}

void pv_flush_tlb_local(void) { fake_flush_local++; }
void pv_flush_va_local(unsigned long va) { fake_flush_va_local++; }
void (*fake_flush_domain_hook)(struct domain *d);
void pv_flush_tlb_domain(struct domain *d)
{
    fake_flush_domain++;
    if (fake_flush_domain_hook)
        fake_flush_domain_hook(d);
}
uint32_t fake_flush_since_stamp;
void pv_flush_tlb_domain_since(struct domain *d, uint32_t stamp)
{
    fake_flush_domain++;
    fake_flush_since_stamp = stamp;
}
void pv_flush_va_domain(struct domain *d, unsigned long va) { fake_flush_va_domain++; }
void pv_flush_cache_local(void) { }
void pv_flush_cache_all(void) { }
void pv_update_cr3(struct vcpu *v) { fake_cr3_reloads++; }
void pv_sync_lazy(struct vcpu *v) { }
bool pv_lazy_holds_table(unsigned long mfn) { return false; }
void pv_load_ldt(struct vcpu *v) { fake_ldt_loads++; }
int pv_validate_segdesc_page(struct page_info *pg) { return 0; }

static bool bad(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return n && a < FAKE_BAD_HI && a + n > FAKE_BAD_LO;
}

bool guest_range_ok(unsigned long va, size_t bytes)
{
    return !bad((const void *)va, bytes);
}

size_t raw_copy_from_guest(void *dst, const void *src, size_t n)
{
    if (bad(src, n))
        return n;
    memcpy(dst, src, n);
    return 0;
}

size_t raw_copy_to_guest(void *dst, const void *src, size_t n)
{
    if (bad(dst, n))
        return n;
    memcpy(dst, src, n);
    return 0;
}

struct domain *rcu_lock_domain_by_id(domid_t id)
{
    return id < 3 ? &fake_dom[id] : NULL;
}

void rcu_unlock_domain(struct domain *d) { }

/* The fake machine keeps no dying domains apart: the same lookup. */
struct domain *rcu_lock_domain_by_id_any(domid_t id)
{
    return rcu_lock_domain_by_id(id);
}

void domain_last_page_freed(struct domain *d) { }

/* Continuations: a test sets fake_preempt to make the next check say yes. */
bool fake_preempt;
unsigned long fake_hc_args[5];
bool hypercall_preempt_check(void) { return fake_preempt; }
void hypercall_set_arg(unsigned int index, unsigned long value) { fake_hc_args[index] = value; }

/* No HVM domain in the PV memory tests: a GFN of one is never looked up. */
#include <xenia/errno.h>
#include <asm/hvm/hvm.h>
int hvm_gfn_to_mappable_mfn(struct domain *d, unsigned long gfn, unsigned long *mfn)
{
    return -EINVAL;
}
