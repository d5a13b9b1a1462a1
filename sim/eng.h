/* eng.h: the event queue of the discrete-event simulator: a binary heap of timed events.
 *
 * Determinism: events are ordered by time, then by the order in which they were pushed, so two
 * events at the same simulated time always come out in the same order, on any machine. Times are
 * simulated seconds (double). The queue knows nothing of what events mean: `kind`, `a`, `b` and
 * `version` are the caller's (a version lets the caller drop events made stale by a later change). */
#ifndef USINE_ENG_H
#define USINE_ENG_H

#include <stddef.h>
#include <stdint.h>

typedef struct eng_event {
    double time_s;
    uint64_t seq;       /* push order, the tie-breaker */
    int kind;
    int a, b;
    uint32_t version;
} eng_event;

typedef struct eng_queue {
    eng_event *heap;
    size_t count, cap;
    uint64_t next_seq;
    uint64_t pushed;    /* events pushed since creation (a statistic) */
} eng_queue;

void eng_init(eng_queue *q);                                                  /* empty queue */
void eng_free(eng_queue *q);                                                  /* release memory; the queue is empty after */
void eng_push(eng_queue *q, double time_s, int kind, int a, int b, uint32_t version); /* add an event */
int eng_pop(eng_queue *q, eng_event *out);                                    /* earliest event into *out; 0 when empty */
const eng_event *eng_peek(const eng_queue *q);                                /* earliest event, or NULL */

#endif
