/*
 * The ordered queue behind each CPU's software timers: a list sorted by
 * deadline, earliest first, FIFO among equal deadlines. Pure; the caller
 * (common/timer.c) holds the queue's lock.
 */
#include <xenia/time.h>

void timerq_insert(struct list_head *q, struct timer *t)
{
    struct list_head *pos = q->prev;

    /* Walk back from the latest: re-arming near-future timers is the common case. */
    while (pos != q && list_entry(pos, struct timer, entry)->expires > t->expires)
        pos = pos->prev;
    __list_add(&t->entry, pos, pos->next);
}

struct timer *timerq_first(const struct list_head *q)
{
    if (list_empty(q))
        return NULL;
    return list_first_entry(q, struct timer, entry);
}

struct timer *timerq_pop_expired(struct list_head *q, s_time_t now)
{
    struct timer *t = timerq_first(q);

    if (!t || t->expires > now)
        return NULL;
    list_del(&t->entry);
    return t;
}
