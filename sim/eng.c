/* eng.c: binary min-heap of events keyed by (time, seq). */
#include "eng.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int before(const eng_event *x, const eng_event *y)
{
    return x->time_s < y->time_s || (x->time_s == y->time_s && x->seq < y->seq);
}

void eng_init(eng_queue *q)
{
    memset(q, 0, sizeof *q);
}

void eng_free(eng_queue *q)
{
    free(q->heap);
    eng_init(q);
}

void eng_push(eng_queue *q, double time_s, int kind, int a, int b, uint32_t version)
{
    ut_grow(&q->heap, &q->cap, q->count + 1, sizeof *q->heap);
    eng_event e = { time_s, q->next_seq++, kind, a, b, version };
    size_t i = q->count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&e, &q->heap[parent])) break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = e;
    q->pushed++;
}

const eng_event *eng_peek(const eng_queue *q)
{
    return q->count ? &q->heap[0] : NULL;
}

int eng_pop(eng_queue *q, eng_event *out)
{
    if (!q->count) return 0;
    *out = q->heap[0];
    eng_event last = q->heap[--q->count];
    size_t i = 0, n = q->count;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && before(&q->heap[child + 1], &q->heap[child])) child++;
        if (!before(&q->heap[child], &last)) break;
        q->heap[i] = q->heap[child];
        i = child;
    }
    if (n) q->heap[i] = last;
    return 1;
}
