/* SOURCES: common/timer_queue.c */
/* Per-CPU software timer queue: deadline order, FIFO ties, expiry, removal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <xenia/time.h>
#include "host_stubs.h"

#define N 500

static struct timer timers[N];

static void init_all(struct list_head *q)
{
    INIT_LIST_HEAD(q);
    memset(timers, 0, sizeof(timers));
    for (int i = 0; i < N; i++)
        INIT_LIST_HEAD(&timers[i].entry);
}

static void empty_queue(void **state)
{
    struct list_head q;
    init_all(&q);
    assert_null(timerq_first(&q));
    assert_null(timerq_pop_expired(&q, STIME_MAX));
}

static void pops_in_deadline_order(void **state)
{
    struct list_head q;
    init_all(&q);
    srand(1);
    for (int i = 0; i < N; i++) {
        timers[i].expires = rand() % 1000;     /* many ties */
        timers[i].data = (void *)(uintptr_t)i;
        timerq_insert(&q, &timers[i]);
    }
    s_time_t last = -1;
    int last_idx = -1, popped = 0;
    struct timer *t;
    while ((t = timerq_pop_expired(&q, STIME_MAX)) != NULL) {
        int idx = (int)(uintptr_t)t->data;
        assert_true(t->expires >= last);
        if (t->expires == last)
            assert_true(idx > last_idx);       /* FIFO among equal deadlines */
        last = t->expires;
        last_idx = idx;
        popped++;
    }
    assert_int_equal(popped, N);
    assert_true(list_empty(&q));
}

static void pop_respects_now(void **state)
{
    struct list_head q;
    init_all(&q);
    s_time_t when[] = { 50, 10, 30, 20, 40 };
    for (int i = 0; i < 5; i++) {
        timers[i].expires = when[i];
        timerq_insert(&q, &timers[i]);
    }
    assert_ptr_equal(timerq_first(&q), &timers[1]);
    assert_null(timerq_pop_expired(&q, 9));
    assert_ptr_equal(timerq_pop_expired(&q, 25), &timers[1]);
    assert_ptr_equal(timerq_pop_expired(&q, 25), &timers[3]);
    assert_null(timerq_pop_expired(&q, 25));
    assert_int_equal(timerq_first(&q)->expires, 30);
}

static void remove_and_rearm(void **state)
{
    struct list_head q;
    init_all(&q);
    for (int i = 0; i < 10; i++) {
        timers[i].expires = 100 + i;
        timerq_insert(&q, &timers[i]);
    }
    /* Remove the head and a middle one; re-arm one earlier than everything. */
    list_del(&timers[0].entry);
    list_del(&timers[5].entry);
    timers[9].expires = 1;
    list_del(&timers[9].entry);
    timerq_insert(&q, &timers[9]);
    int expect[] = { 9, 1, 2, 3, 4, 6, 7, 8 };
    for (int i = 0; i < 8; i++)
        assert_ptr_equal(timerq_pop_expired(&q, 1000), &timers[expect[i]]);
    assert_null(timerq_first(&q));
}

static void negative_and_extreme_deadlines(void **state)
{
    struct list_head q;
    init_all(&q);
    timers[0].expires = STIME_MAX;
    timers[1].expires = -5;
    timers[2].expires = 0;
    for (int i = 0; i < 3; i++)
        timerq_insert(&q, &timers[i]);
    assert_ptr_equal(timerq_pop_expired(&q, 0), &timers[1]);
    assert_ptr_equal(timerq_pop_expired(&q, 0), &timers[2]);
    assert_null(timerq_pop_expired(&q, STIME_MAX - 1));
    assert_ptr_equal(timerq_pop_expired(&q, STIME_MAX), &timers[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_queue),
        cmocka_unit_test(pops_in_deadline_order),
        cmocka_unit_test(pop_respects_now),
        cmocka_unit_test(remove_and_rearm),
        cmocka_unit_test(negative_and_extreme_deadlines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
