/*
 * cpu.c - turns on the processor (cpu.h): a count of free turns, and the
 * threads waiting for one in the order they came, each handed its turn
 * by the thread that gives one up.  First come, first served: a thread
 * waking on a shared signal could otherwise be overtaken again and again
 * by newcomers, and under a crowd of clients a reader waited 200 ms.
 */
#include <pthread.h>
#include <stddef.h>

#include "base/cpu.h"

struct waiter {
    pthread_cond_t handed;
    bool granted;
    struct waiter *next;
};

static struct {
    pthread_mutex_t mu;
    unsigned free;
    bool limited;
    struct waiter *head, *tail;
} turns = {PTHREAD_MUTEX_INITIALIZER, 0, false, NULL, NULL};

static __thread bool holding;
static __thread struct waiter me;
static __thread bool me_ready;

void
cpu_turns_init(unsigned n)
{
    pthread_mutex_lock(&turns.mu);
    turns.free = n;
    turns.limited = n > 0;
    pthread_mutex_unlock(&turns.mu);
}

void
cpu_turn_take(void)
{
    if (holding)
        return;
    if (!me_ready) {
        pthread_cond_init(&me.handed, NULL);
        me_ready = true;
    }
    pthread_mutex_lock(&turns.mu);
    if (!turns.limited) {
        pthread_mutex_unlock(&turns.mu);
        return;
    }
    if (turns.free > 0 && !turns.head) {
        turns.free--;
    } else {
        me.granted = false;
        me.next = NULL;
        if (turns.tail)
            turns.tail->next = &me;
        else
            turns.head = &me;
        turns.tail = &me;
        while (!me.granted)
            pthread_cond_wait(&me.handed, &turns.mu);
    }
    holding = true;
    pthread_mutex_unlock(&turns.mu);
}

void
cpu_turn_give(void)
{
    struct waiter *w;

    if (!holding)
        return;
    holding = false;
    pthread_mutex_lock(&turns.mu);
    if ((w = turns.head) != NULL) {
        /* Handed on, never back to the pool, so no newcomer takes it. */
        turns.head = w->next;
        if (!turns.head)
            turns.tail = NULL;
        w->granted = true;
        pthread_cond_signal(&w->handed);
    } else {
        turns.free++;
    }
    pthread_mutex_unlock(&turns.mu);
}

bool
cpu_turn_pause(void)
{
    bool held = holding;

    cpu_turn_give();
    return held;
}

void
cpu_turn_resume(bool held)
{
    if (held)
        cpu_turn_take();
}
