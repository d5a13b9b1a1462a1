/* ds.h: the discrete-event simulator. A job is a graph of tasks on the GPUs of a network: compute
 * tasks (a GPU busy for a given time, which the training model computes) and collectives (run as
 * the step programs of coll.h, their messages as flows on the network). A task starts when every
 * task it depends on has ended. Running the graph fills a timeline.
 *
 * Usage:
 *     net *n = net_create(platform, partition, gpus, err, sizeof err);
 *     ds *s = ds_create(n, 1);                         // 1: detailed timeline (steps, link loads)
 *     int fw = ds_compute(s, 0, 1e-3, "forward", NULL, 0, err, sizeof err);
 *     int ar = ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, gpus, 1 << 30, "grads", &fw, 1, err, sizeof err);
 *     ds_stats st; ds_run(s, &st);                      // st.end_s: simulated time
 *     tl *t = ds_timeline(s);                           // owned by s
 *     ds_destroy(s); net_destroy(n);
 *
 * Deterministic: the same graph on the same network gives the same timeline, bit for bit. */
#ifndef USINE_DS_H
#define USINE_DS_H

#include <stddef.h>
#include <stdint.h>

#include "coll.h"
#include "net.h"
#include "tl.h"

typedef struct ds ds;

typedef struct ds_stats {
    double end_s;               /* simulated time when the last task ended */
    uint64_t events;            /* events processed (stale ones excluded) */
    uint64_t flows;             /* messages sent */
    uint64_t rate_updates;      /* max-min recomputations */
    uint64_t work;              /* events + the network's flow-link visits: the cost of the run */
    uint64_t replayed;          /* collectives whose end was computed in closed form (from their start or resumed) */
    uint64_t handed_back;       /* times a collective in closed form was handed back to the flows */
    uint64_t resumed;           /* times a collective running as flows went (back) into closed form */
    uint64_t lockstep;          /* collectives in closed form together, sharing links in lockstep */
    uint64_t continued;         /* times a collective in closed form was planned further (it is planned in chunks) */
    uint64_t parked;            /* messages of collectives running as flows that moved in closed form, alone on their links */
    uint64_t unparked;          /* of those, the ones that became flows on the way (met beyond their links' capacity) */
} ds_stats;

ds *ds_create(net *n, int detail);                 /* the network must outlive the simulator */
void ds_destroy(ds *s);                            /* NULL is fine; the timeline goes with it */

/* Add tasks; they return the task id, or -1 with a message in err. deps are task ids. */
/* GPUs given to ds_compute and ds_collective from now on count from base (0 by default): a second
 * job built by the same code as the first, on the GPUs after it. */
void ds_set_gpu_base(ds *s, int base);
int ds_compute(ds *s, int gpu, double duration_s, const char *label, const int *deps, int ndeps, char *err, size_t err_size);
int ds_collective(ds *s, coll_op op, coll_algo algo, const int *gpus, int ngpus, double bytes, const char *label,
                  const int *deps, int ndeps, char *err, size_t err_size); /* gpus NULL: 0..ngpus-1 */
/* A collective that starts start_s after the run does (each of its GPUs waits until then, a
 * compute task labelled "wait"): background traffic, a scenario's later collective. */
int ds_collective_at(ds *s, coll_op op, coll_algo algo, const int *gpus, int ngpus, double bytes, double start_s,
                     const char *label, char *err, size_t err_size);

void ds_set_phase(ds *s, int task, tl_phase phase);  /* what the task is in a step, kept in the timeline */
int ds_run(ds *s, ds_stats *stats);                /* run to the end; 0, or -1 if it was run already */
/* Closed-form replay (on by default). A collective whose messages, in every step, would each get
 * the whole of their route's narrowest link (nothing else on its links can limit them, and routing
 * does not depend on load) moves exactly as the max-plus recurrence of its program says: a step
 * ends when its last message has arrived, a message takes bytes / B + the route's latency. Such a
 * collective is computed without events, at a cost that grows with its messages only (and
 * collectives started together that share links to the full, at their max-min shares, when their
 * messages on those links always move together). The first flow that would squeeze one of its
 * links (take it beyond what all on it can move at) hands it back, at that instant, to the
 * flow-level simulation (messages in flight become flows with the bytes they have left), and it
 * goes back into closed form once alone again. Meanwhile each of its messages that has its route
 * to itself in that sense moves in closed form too, one by one, until something squeezes it. So
 * the timeline is the one every message simulated as a flow gives: bit for bit where nothing is
 * shared, to rounding otherwise. Only whole replays (not resumed ones or groups, nor messages one
 * by one) in a detailed timeline.
 * Off: every message is a flow (to compare the two, or to time the message-level simulation). */
void ds_set_replay(ds *s, int on);
/* Before ds_run: whether a collective, started alone on the idle network, would run in closed form,
 * and then how many messages its walk computes (-1: it would run as flows, or replay is off). To
 * size a run before starting it. */
long long ds_collective_closed_form(ds *s, int task);
/* Stop a run once its work (ds_stats.work) passes max_work (0: no limit, the default); ds_run then
 * returns 1 with the stats so far. The work is counted in operations, not in seconds, so where a
 * run stops does not depend on the machine. */
void ds_limit_work(ds *s, uint64_t max_work);
/* Stop when stop(ctx) says so (polled every few thousand events; 1: stop): for a caller that
 * gives a run a deadline of its own, such as the window's wall-clock budget. The run then ends
 * as at max_work. NULL: never. */
void ds_set_stop(ds *s, int (*stop)(void *ctx), void *ctx);
/* Tell progress(ctx, now_s) the simulated time reached, at the same polls: for a caller that shows
 * a long run going on. It may not touch the simulator. NULL: never. */
void ds_set_progress(ds *s, void (*progress)(void *ctx, double now_s), void *ctx);
double ds_task_start_s(const ds *s, int task);
double ds_task_end_s(const ds *s, int task);
tl *ds_timeline(ds *s);
const coll_plan *ds_collective_plan(const ds *s, int task); /* NULL for a compute task */

/* Alpha and B of the messages a collective over these GPUs sends, measured on the network. */
void ds_collective_cost(const net *n, const int *gpus, int ngpus, coll_cost *cost);

#endif
