/*
 * cpu.c - turns on the processor (cpu.h): a counter of free turns under a
 * mutex, and the turn this thread holds.
 */
#include <pthread.h>

#include "base/cpu.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    unsigned free;
    bool limited;
} turns = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false};

static __thread bool holding;

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
    pthread_mutex_lock(&turns.mu);
    if (turns.limited) {
        while (turns.free == 0)
            pthread_cond_wait(&turns.freed, &turns.mu);
        turns.free--;
        holding = true;
    }
    pthread_mutex_unlock(&turns.mu);
}

void
cpu_turn_give(void)
{
    if (!holding)
        return;
    holding = false;
    pthread_mutex_lock(&turns.mu);
    turns.free++;
    pthread_cond_signal(&turns.freed);
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
