/* SOURCES: common/page_alloc.c arch/x86/mm/page_ref.c */
/*
 * The buddy allocator over a fake frame table of NR_FRAMES frames whose
 * contents live in one host buffer. The heap is global state in
 * page_alloc.c, so every test must leave it exactly as it found it: each
 * ends by checking the free count and that the largest block re-formed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <xenia/lib.h>
#include <xenia/mm.h>
#include <xenia/page_alloc.h>
#include <xenia/sched.h>
#include "host_stubs.h"

#define NR_FRAMES   4096UL
#define HEAP_FIRST  3UL             /* heap = [3, NR_FRAMES): blocks of orders 0..11 */
#define TOP_ORDER   11              /* the one order-11 block, [2048, 4096) */

struct page_info *frame_table;
unsigned long max_page;
__attribute__((weak)) struct vcpu *host_test_current;  /* host_stubs may own it later */
static uint8_t *memory;
static unsigned long initial_free;

/* The allocator tells the domain layer when a domain's last frame goes. */
static unsigned int last_page_calls;
void domain_last_page_freed(struct domain *d) { last_page_calls++; }

void *host_mfn_to_virt(unsigned long mfn)
{
    assert_true(mfn < NR_FRAMES);
    return memory + mfn * PAGE_SIZE;
}

unsigned long host_virt_to_mfn(const void *va)
{
    return (unsigned long)((const uint8_t *)va - memory) / PAGE_SIZE;
}

static int group_setup(void **state)
{
    memory = aligned_alloc(PAGE_SIZE, NR_FRAMES * PAGE_SIZE);
    frame_table = calloc(NR_FRAMES, sizeof(*frame_table));
    if (!memory || !frame_table)
        return -1;
    max_page = NR_FRAMES;
    memset(memory, 0xee, NR_FRAMES * PAGE_SIZE);   /* what firmware left in RAM */
    for (unsigned long i = 0; i < NR_FRAMES; i++)
        frame_table[i].count_info = PGC_reserved;
    init_heap_pages(_mfn(HEAP_FIRST), NR_FRAMES - HEAP_FIRST);
    initial_free = total_free_pages();
    return 0;
}

static int group_teardown(void **state)
{
    free(memory);
    free(frame_table);
    return 0;
}

static void domain_init(struct domain *d, unsigned long max_pages)
{
    memset(d, 0, sizeof(*d));
    spin_lock_init(&d->page_alloc_lock);
    INIT_PAGE_LIST_HEAD(&d->page_list);
    INIT_PAGE_LIST_HEAD(&d->relmem_list);
    d->max_pages = max_pages;
}

/* The heap is back to its first state: same free count, top block whole. */
static void assert_heap_pristine(void)
{
    assert_int_equal(total_free_pages(), initial_free);
    struct page_info *pg = alloc_domheap_pages(NULL, TOP_ORDER, 0);
    assert_non_null(pg);
    assert_int_equal(mfn_x(page_to_mfn(pg)), 2048);
    free_domheap_pages(pg, TOP_ORDER);
    assert_int_equal(total_free_pages(), initial_free);
}

static void test_init_state(void **state)
{
    assert_int_equal(initial_free, NR_FRAMES - HEAP_FIRST);
    for (unsigned long i = 0; i < HEAP_FIRST; i++)
        assert_true(frame_table[i].count_info & PGC_reserved);
    assert_null(alloc_domheap_pages(NULL, TOP_ORDER + 1, 0));
    assert_null(alloc_domheap_pages(NULL, MAX_ORDER + 1, 0));
    assert_heap_pristine();
}

static void test_split_and_merge(void **state)
{
    static struct page_info *pgs[2048];

    /* 2048 single frames: all small blocks (2045 frames) plus 3 split off the top block. */
    for (unsigned int i = 0; i < 2048; i++) {
        pgs[i] = alloc_domheap_pages(NULL, 0, 0);
        assert_non_null(pgs[i]);
        assert_true(mfn_x(page_to_mfn(pgs[i])) >= HEAP_FIRST);
    }
    assert_int_equal(total_free_pages(), initial_free - 2048);
    assert_null(alloc_domheap_pages(NULL, TOP_ORDER, 0));     /* top block is split */
    for (unsigned int i = 0; i < 2048; i++)
        free_domheap_pages(pgs[i], 0);
    assert_heap_pristine();

    /* An order-3 allocation is 8-frame aligned. */
    struct page_info *pg = alloc_domheap_pages(NULL, 3, 0);
    assert_non_null(pg);
    assert_int_equal(mfn_x(page_to_mfn(pg)) & 7, 0);
    free_domheap_pages(pg, 3);
    assert_heap_pristine();
}

static void test_exhaustion(void **state)
{
    struct page_info **pgs = calloc(NR_FRAMES, sizeof(*pgs));
    unsigned long n = 0;

    assert_non_null(pgs);
    while ((pgs[n] = alloc_domheap_pages(NULL, 0, 0)) != NULL)
        n++;
    assert_int_equal(n, initial_free);
    assert_int_equal(total_free_pages(), 0);
    assert_null(alloc_xenheap_pages(0));
    assert_null(xzalloc_bytes(1));
    for (unsigned long i = 0; i < n; i++)
        free_domheap_pages(pgs[n - 1 - i], 0);
    free(pgs);
    assert_heap_pristine();
}

static void test_domain_quota(void **state)
{
    struct domain d;
    struct page_info *a, *b, *pg;
    unsigned long n = 0;

    domain_init(&d, 10);
    a = alloc_domheap_pages(&d, 3, 0);
    b = alloc_domheap_pages(&d, 1, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(d.tot_pages, 10);
    assert_null(alloc_domheap_pages(&d, 0, 0));               /* over quota */
    assert_int_equal(total_free_pages(), initial_free - 10);
    page_list_for_each(pg, &d.page_list) {
        assert_ptr_equal(page_get_owner(pg), &d);
        assert_int_equal(pg->count_info, PGC_allocated | 1);
        n++;
    }
    assert_int_equal(n, 10);

    /* MEMF_no_owner: not charged, not owned. */
    pg = alloc_domheap_pages(&d, 0, MEMF_no_owner);
    assert_non_null(pg);
    assert_null(page_get_owner(pg));
    assert_int_equal(d.tot_pages, 10);
    free_domheap_pages(pg, 0);

    free_domheap_pages(a, 3);
    assert_int_equal(d.tot_pages, 2);
    free_domheap_pages(b, 1);
    assert_int_equal(d.tot_pages, 0);
    assert_true(last_page_calls > 0);             /* the last free told the domain layer */
    assert_true(page_list_empty(&d.page_list));
    assert_heap_pristine();
}

/* Walk h both ways: n frames, each link the mirror of its neighbour's. */
static void assert_page_list(const struct page_list_head *h, unsigned long n)
{
    const struct page_info *pg, *prev = NULL;
    unsigned long seen = 0;

    page_list_for_each(pg, h) {
        assert_int_equal(pg->list.prev, prev ? (uint32_t)(prev - frame_table) : PAGE_LIST_NULL);
        prev = pg;
        seen++;
    }
    assert_int_equal(seen, n);
    assert_ptr_equal(page_list_last(h), prev);
}

/*
 * A domain being destroyed has frames on two lists (page_list and
 * relmem_list); freeing one takes it off whichever it is on, from the
 * front, the back or the middle, and leaves both lists whole.
 */
static void test_free_from_either_list(void **state)
{
    struct domain d;
    struct page_info *pg[8];

    domain_init(&d, 8);
    for (int i = 0; i < 8; i++)
        assert_non_null(pg[i] = alloc_domheap_pages(&d, 0, 0));
    for (int i = 0; i < 4; i++)                     /* as relinquish_memory() moves them */
        page_list_add_tail(page_list_remove_head(&d.page_list), &d.relmem_list);
    assert_page_list(&d.page_list, 4);
    assert_page_list(&d.relmem_list, 4);

    const int order_freed[8] = { 0, 3, 5, 1, 7, 6, 2, 4 };  /* relmem head, tail, ... */
    for (int k = 0; k < 8; k++) {
        free_domheap_pages(pg[order_freed[k]], 0);
        unsigned long on_relmem = 0, on_page = 0;
        for (int j = k + 1; j < 8; j++)
            order_freed[j] < 4 ? on_relmem++ : on_page++;
        assert_page_list(&d.relmem_list, on_relmem);
        assert_page_list(&d.page_list, on_page);
    }
    assert_int_equal(d.tot_pages, 0);
    assert_heap_pristine();
}

static void test_get_put_page(void **state)
{
    struct domain d, other;
    struct page_info *pg;

    domain_init(&d, 4);
    domain_init(&other, 4);
    pg = alloc_domheap_pages(&d, 0, 0);
    assert_non_null(pg);
    assert_true(get_page(pg, &d));
    assert_true(get_page(pg, NULL));
    assert_false(get_page(pg, &other));
    assert_int_equal(pg->count_info & PGC_count_mask, 3);
    put_page(pg);
    put_page(pg);
    /* Relinquish as domain destruction does: drop PGC_allocated and its ref. */
    pg->count_info &= ~PGC_allocated;
    put_page(pg);                                   /* last ref: frame is freed */
    assert_int_equal(d.tot_pages, 0);
    assert_true(pg->count_info & PGC_free);
    assert_false(get_page(pg, NULL));               /* free frames give no refs */
    assert_heap_pristine();
}

static void test_many_cycles(void **state)
{
    struct { struct page_info *pg; unsigned int order; } held[256];
    struct domain d;
    unsigned int nheld = 0;

    domain_init(&d, 600);
    srand(1234);
    for (unsigned int step = 0; step < 20000; step++) {
        bool do_alloc = nheld == 0 || (nheld < ARRAY_SIZE(held) && rand() % 2);
        if (do_alloc) {
            unsigned int order = rand() % 6;
            struct page_info *pg = alloc_domheap_pages(rand() % 2 ? &d : NULL, order, 0);
            if (pg)
                held[nheld++] = (typeof(held[0])){ pg, order };
            continue;
        }
        unsigned int i = rand() % nheld;
        free_domheap_pages(held[i].pg, held[i].order);
        held[i] = held[--nheld];
    }
    while (nheld--)
        free_domheap_pages(held[nheld].pg, held[nheld].order);
    assert_int_equal(d.tot_pages, 0);
    assert_heap_pristine();
}

static void test_zeroed(void **state)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 2, 0);
    assert_non_null(pg);
    uint8_t *p = host_mfn_to_virt(mfn_x(page_to_mfn(pg)));
    memset(p, 0xa5, 4 * PAGE_SIZE);
    free_domheap_pages(pg, 2);

    struct page_info *again = alloc_domheap_pages(NULL, 2, 0);
    assert_ptr_equal(again, pg);                    /* LIFO: same block back */
    for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
        assert_int_equal(p[i], 0);
    memset(p, 0x5a, 4 * PAGE_SIZE);
    free_domheap_pages(again, 2);

    uint8_t *x = xzalloc_bytes(3 * PAGE_SIZE + 1);  /* rounds up to order 2 */
    assert_non_null(x);
    assert_true(frame_table[host_virt_to_mfn(x)].count_info & PGC_xen_heap);
    for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
        assert_int_equal(x[i], 0);
    assert_int_equal(total_free_pages(), initial_free - 4);
    xfree_bytes(x, 3 * PAGE_SIZE + 1);
    free_xenheap_pages(NULL, 0);                    /* no-op */
    assert_heap_pristine();
}

static bool frame_is_zero(unsigned long mfn)
{
    const uint8_t *p = host_mfn_to_virt(mfn);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (p[i])
            return false;
    return true;
}

/*
 * The scrubbing invariants, checked over the whole frame table: a free
 * frame that is not marked PGC_need_scrub holds only zeroes, and the
 * marked free frames are exactly total_dirty_pages().
 */
static void assert_scrub_invariants(void)
{
    unsigned long marked = 0;

    for (unsigned long mfn = HEAP_FIRST; mfn < NR_FRAMES; mfn++) {
        unsigned long ci = frame_table[mfn].count_info;
        if (!(ci & PGC_free))
            continue;
        if (ci & PGC_need_scrub)
            marked++;
        else if (!frame_is_zero(mfn))
            fail_msg("free MFN %lu is not marked for scrubbing but holds data", mfn);
    }
    assert_int_equal(marked, total_dirty_pages());
}

/* Run the idle scrubber to the end; it must get there in a bounded number of calls. */
static void scrub_all(void)
{
    unsigned long calls = 0;
    while (total_dirty_pages()) {
        scrub_free_pages(8);
        assert_true(++calls < 4 * NR_FRAMES);
    }
}

/* Boot memory is marked for scrubbing; the idle scrubber zeroes all of it. */
static void test_scrub_boot_memory(void **state)
{
    assert_true(total_dirty_pages() > 0);
    assert_scrub_invariants();
    assert_int_equal(scrub_free_pages(8), 8);       /* 8 at most per call */
    assert_scrub_invariants();
    scrub_all();
    assert_scrub_invariants();
    assert_int_equal(scrub_free_pages(8), 0);       /* nothing left: no work */
    for (unsigned long mfn = HEAP_FIRST; mfn < NR_FRAMES; mfn++)
        assert_true(frame_is_zero(mfn));
    assert_heap_pristine();
}

/*
 * Freed frames wait for the scrubber; meanwhile allocations prefer clean
 * blocks, and one that is handed marked frames gets them zeroed.
 */
static void test_scrub_freed(void **state)
{
    scrub_all();
    struct page_info *pg = alloc_domheap_pages(NULL, 3, 0);
    assert_non_null(pg);
    unsigned long mfn = mfn_x(page_to_mfn(pg));
    memset(host_mfn_to_virt(mfn), 0xa5, 8 * PAGE_SIZE);
    free_domheap_pages(pg, 3);
    assert_int_equal(total_dirty_pages(), 8);
    assert_scrub_invariants();

    /* A clean block is preferred: the 8 marked frames stay marked. */
    struct page_info *clean = alloc_domheap_pages(NULL, 3, 0);
    assert_non_null(clean);
    assert_int_equal(total_dirty_pages(), 8);
    for (unsigned int i = 0; i < 8; i++)
        assert_true(frame_is_zero(mfn_x(page_to_mfn(clean)) + i));
    free_domheap_pages(clean, 3);
    assert_int_equal(total_dirty_pages(), 16);

    /* Take every frame: marked ones come back zeroed and unmarked. */
    struct page_info **pgs = calloc(NR_FRAMES, sizeof(*pgs));
    unsigned long n = 0;
    assert_non_null(pgs);
    while ((pgs[n] = alloc_domheap_pages(NULL, 0, 0)) != NULL) {
        assert_false(pgs[n]->count_info & PGC_need_scrub);
        assert_true(frame_is_zero(mfn_x(page_to_mfn(pgs[n]))));
        n++;
    }
    assert_int_equal(n, initial_free);
    assert_int_equal(total_dirty_pages(), 0);
    for (unsigned long i = 0; i < n; i++)
        free_domheap_pages(pgs[i], 0);
    free(pgs);
    assert_int_equal(total_dirty_pages(), initial_free);
    assert_scrub_invariants();
    scrub_all();
    assert_scrub_invariants();
    assert_heap_pristine();
}

/* Random allocations, dirty frees and partial scrubbing keep the invariants. */
static void test_scrub_random(void **state)
{
    struct { struct page_info *pg; unsigned int order; } held[128];
    unsigned int nheld = 0;

    srand(4321);
    for (unsigned int step = 0; step < 6000; step++) {
        unsigned int what = rand() % 3;
        if (what == 0 || nheld == 0) {
            if (nheld == ARRAY_SIZE(held))
                continue;
            unsigned int order = rand() % 7;
            struct page_info *pg = alloc_domheap_pages(NULL, order, 0);
            if (!pg)
                continue;
            unsigned long mfn = mfn_x(page_to_mfn(pg));
            for (unsigned long i = 0; i < (1UL << order); i++) {
                assert_true(frame_is_zero(mfn + i));
                memset(host_mfn_to_virt(mfn + i), 0x40 + (step & 63), PAGE_SIZE);
            }
            held[nheld++] = (typeof(held[0])){ pg, order };
        } else if (what == 1) {
            unsigned int i = rand() % nheld;
            free_domheap_pages(held[i].pg, held[i].order);
            held[i] = held[--nheld];
        } else {
            for (unsigned int k = rand() % 20; k; k--)
                scrub_free_pages(1 + rand() % 8);
        }
        if (step % 500 == 0)
            assert_scrub_invariants();
    }
    while (nheld--)
        free_domheap_pages(held[nheld].pg, held[nheld].order);
    assert_scrub_invariants();
    scrub_all();
    assert_scrub_invariants();
    assert_heap_pristine();
}

/* Run fn in a child; it must die through panic() (abort). */
static void assert_panics(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(2);                                   /* keep the expected panic quiet */
        fn();
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void double_free_block(void)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 1, 0);
    free_domheap_pages(pg, 1);
    free_domheap_pages(pg, 1);
}

static void double_free_tail(void)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 2, 0);
    free_domheap_pages(pg, 2);
    free_domheap_pages(pg + 3, 0);                  /* a frame inside a free block */
}

static void free_reserved(void)
{
    free_domheap_pages(&frame_table[0], 0);
}

static void put_unreferenced(void)
{
    struct page_info *pg = alloc_domheap_pages(NULL, 0, 0);
    put_page(pg);                                   /* count is 0: no ref to drop */
}

static void test_double_free_detected(void **state)
{
    assert_panics(double_free_block);
    assert_panics(double_free_tail);
    assert_panics(free_reserved);
    assert_panics(put_unreferenced);
    assert_heap_pristine();                         /* the parent's heap is untouched */
}

/*
 * TLB-flush filtering: a freed frame carries the TLB clock of its freeing,
 * and handing out a block asks for a flush since the newest stamp among
 * its frames (across the clock's 32-bit wrap, newest by age); boot memory
 * and frames freed while the clock read 0 carry stamp 0.
 */
static void test_tlb_stamps(void **state)
{
    struct page_info *top;

    host_tlbflush_clock = 5;
    host_flush_since_calls = 0;
    top = alloc_domheap_pages(NULL, TOP_ORDER, 0);  /* stamp 0: boot, or freed at clock 0 */
    assert_int_equal(mfn_x(page_to_mfn(top)), 2048);
    assert_int_equal(host_flush_since_calls, 1);
    assert_int_equal(host_flush_since_stamp, 0);

    const uint32_t lower[2] = { 100, 0xfffffff0u }, upper[2] = { 150, 0x10 };
    for (int k = 0; k < 2; k++) {
        host_tlbflush_clock = lower[k];
        free_domheap_pages(top, TOP_ORDER - 1);
        host_tlbflush_clock = upper[k];
        free_domheap_pages(top + (1UL << (TOP_ORDER - 1)), TOP_ORDER - 1);
        assert_int_equal(top->tlbflush_timestamp, lower[k]);
        scrub_all();
        host_tlbflush_clock = upper[k] + 16;
        top = alloc_domheap_pages(NULL, TOP_ORDER, 0);      /* the two halves, merged */
        assert_int_equal(mfn_x(page_to_mfn(top)), 2048);
        assert_int_equal(host_flush_since_stamp, upper[k]);
    }
    host_tlbflush_clock = 0;
    free_domheap_pages(top, TOP_ORDER);
    assert_heap_pristine();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_state),
        cmocka_unit_test(test_split_and_merge),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_domain_quota),
        cmocka_unit_test(test_free_from_either_list),
        cmocka_unit_test(test_get_put_page),
        cmocka_unit_test(test_many_cycles),
        cmocka_unit_test(test_zeroed),
        cmocka_unit_test(test_double_free_detected),
        cmocka_unit_test(test_scrub_boot_memory),
        cmocka_unit_test(test_scrub_freed),
        cmocka_unit_test(test_scrub_random),
        cmocka_unit_test(test_tlb_stamps),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
