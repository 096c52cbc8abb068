/*
 * cpu.h - turns on the processor for the server's requests.
 *
 * The server runs more threads than the machine has cores, so that
 * requests waiting for the disk (a write is answered once it is synced)
 * do not hold up the others.  Threads computing at the same time only
 * share the same cores and stretch each other's answers: a request
 * computes in one of a few turns, and gives its turn up while it waits
 * (for the writer thread, the writers' turn, the disk).
 * A thread holding no turn takes and gives nothing, so that commands and
 * the store's own threads are not limited.
 */
#ifndef CG_CPU_H
#define CG_CPU_H

#include <stdbool.h>

/* n turns in all (0: no limit), before the first turn is taken. */
void cpu_turns_init(unsigned n);
/* Waits for a turn, and holds it until cpu_turn_give. */
void cpu_turn_take(void);
void cpu_turn_give(void);
/* Around a wait: gives up this thread's turn, if it holds one (the
 * answer says whether), and takes one again after. */
bool cpu_turn_pause(void);
void cpu_turn_resume(bool held);

#endif
