/* ds_int.h: the simulator's state, shared by its event loop (ds.c) and its closed-form replay of
 * uncontended collectives (ds_replay.c). Not part of the simulator's interface: include ds.h. */
#ifndef USINE_DS_INT_H
#define USINE_DS_INT_H

#include "ds.h"
#include "eng.h"
#include "util.h"

#include <stdlib.h>

#define DS_RP_SPARES 32         /* replay records kept for reuse (ds_replay.c's rp_drop) */

enum { EV_COMPUTE_DONE, EV_FLOW_DONE, EV_ARRIVE, EV_REPLAY_DONE, EV_REPLAY_MORE };
enum { TASK_COMPUTE, TASK_COLLECTIVE };
/* How ds_replay.c checks a link: for one collective, for a group planned together (shared beyond
 * capacity, shared out by max-min), or not at all (its routes only). */
enum { RP_ALONE, RP_GROUP, RP_ROUTES };

typedef struct waiting_msg { int task, src, dst, step, x; } waiting_msg;   /* a message to route, by what it is */

/* A rank's receives for the steps from `base` on, in a circular window that grows when a faster
 * neighbour sends further ahead. */
typedef struct rank_state {
    int step;                   /* current step (-1 before the start) */
    int pending;                /* its sends of this step not yet arrived */
    int *win;                   /* receives of step s at win[s & (cap - 1)], for s in [step, step + cap) */
    int cap;
    double step_start_s, start_s;
} rank_state;

typedef struct ds_coll {
    coll_plan plan;
    int *gpus;
    rank_state *ranks;
    int ranks_left;
    int task;
    struct ds_replay *replay;   /* non-NULL while it runs in closed form (ds_replay.c) */
    uint32_t replay_gen;        /* bumped when a replay ends or is handed back: its EV_REPLAY_DONE goes stale */
    int retry_step, retry_every;/* as flows: the step at which to try the closed form again, and the next interval */
    int rp_pos;                 /* in closed form: its index in ds.replaying */
    int resume_asked;           /* it is among ds.resumes (a try at the end of this instant) */
    uint32_t rp_seen;           /* scratch of the lockstep planner */
} ds_coll;

typedef struct ds_task {
    int kind;
    int deps_left;
    int *succ;
    int nsucc;
    size_t cap_succ;
    double start_s, end_s;
    int gpu;                    /* compute */
    double duration_s;
    int coll;                   /* collective */
} ds_task;

typedef struct ds_xfer {
    int coll, src, dst, step;
    int flow;                   /* its flow while it moves, else -1 */
    double arrive_s;            /* once off the links: when it arrives */
    double bytes;               /* while waiting */
    unsigned char live;         /* 0: on the free list */
    unsigned char absorbed;     /* taken into a closed form: its EV_ARRIVE only frees it */
    unsigned char waiting;      /* sent at this instant, not yet routed (route_waiting in ds.c) */
    int park;                   /* moving in closed form (ds.parks): its record, else -1 */
    uint32_t gen;               /* bumped at each use of the slot and when it leaves the closed form: its EV_ARRIVE carries it */
} ds_xfer;

/* A message alone on its links, moving in closed form at its route's narrowest capacity (ds.c,
 * park): it holds its links as a replay does until it arrives, and becomes a flow with the bytes
 * it has left if a flow would meet it there beyond their capacity. */
#define DS_PARK_HOPS 8           /* the longest route a message in closed form may have (a record stays small) */
/* A list of ids (per link: who holds it), in no order. */
typedef struct ds_ids {
    int *id;
    int n, cap;
} ds_ids;

static inline int ds_ids_push(ds_ids *v, int id)              /* its place */
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 4;
        v->id = ut_realloc(v->id, (size_t)v->cap * sizeof *v->id);
    }
    v->id[v->n] = id;
    return v->n++;
}

static inline void ds_ids_free(ds_ids *v, int count)          /* count lists, and the array */
{
    for (int k = 0; v && k < count; k++) free(v[k].id);
    free(v);
}

typedef struct ds_park {
    int x;                      /* its message (-1: on the free list) */
    int nhops;
    double Bps, start_s, done_s, latency_s;
    int hops[DS_PARK_HOPS];
    int slot[DS_PARK_HOPS];     /* its place in ds.parked_on[hops[k]] */
} ds_park;

struct ds {
    net *n;
    tl *timeline;
    eng_queue q;
    ds_task *tasks;
    int ntasks;
    size_t cap_tasks;
    ds_coll *colls;
    int ncolls;
    size_t cap_colls;
    ds_xfer *xfers;
    int nxfers;
    size_t cap_xfers;
    int *free_xfers;
    int nfree_xfers;
    size_t cap_free_xfers;
    coll_send *sendbuf;
    size_t cap_sendbuf;
    int *waiting;               /* messages sent at this instant, routed when it is over */
    int nwaiting;
    int *resumes;               /* collectives to try in closed form again once this instant's messages are routed */
    int nresumes;
    size_t cap_resumes;
    size_t cap_waiting;
    struct waiting_msg *wmsg;   /* route_waiting's scratch, kept from instant to instant */
    size_t cap_wmsg;
    uint32_t *lmark, lepoch;    /* per link: route_waiting's scratch (marked in epoch lepoch) */
    int *lpos;
    ds_park *parks;             /* messages in closed form (park) */
    int nparks, nparked;        /* records made, and in use */
    size_t cap_parks;
    int *free_parks;
    int nfree_parks;
    size_t cap_free_parks;
    ds_ids *parked_on;          /* per link: the records holding it (NULL until one does) */
    double now_s;
    int ran;
    uint64_t max_work;
    int gpu_base;               /* ds_set_gpu_base */
    int (*stop)(void *ctx);     /* ds_set_stop */
    void *stop_ctx;
    void (*progress)(void *ctx, double now_s);   /* ds_set_progress */
    void *progress_ctx;
    uint64_t stale;             /* events popped that a later change made stale (work, not events) */
    uint64_t net_work0;         /* the network's work before this run (it may have carried others) */
    ds_stats stats;
    /* closed-form replays (ds_replay.c) */
    int replay_on;              /* 1 (the default): uncontended collectives run in closed form */
    int *replaying;             /* the collectives running in closed form now */
    int nreplaying;
    size_t cap_replaying;
    ds_ids *holders;            /* per link: the collectives in closed form that hold it (NULL until one does) */
    uint32_t rp_epoch;
    uint64_t replay_work;       /* what the closed forms cost (messages and route visits; messages alone, their links), counted in ds_stats.work */
    double *acc_Bps;            /* per link: scratch of ds_replay_try */
    int *acc_users;
    int rp_group;               /* RP_ALONE, RP_GROUP or RP_ROUTES: how ds_replay.c checks links now */
    int rp_shared;              /* the last refusal was a link that replays share beyond its capacity */
    uint32_t rp_groups;         /* groups made so far (their ids) */
    struct ds_replay *rp_spares[DS_RP_SPARES];   /* records given up, kept to be made again (ds_replay.c) */
    int nrp_spares;
};


/* Room on a link for one more user that can move at b, with its flows and the closed forms' pairs
 * (replays, messages in closed form) each at its narrowest capacity: then it limits nobody, and
 * max-min fairness gives each its own capacity. Half the network's own margin (NET_ROOM), so that
 * an adaptive route sees room wherever a closed form counted on it. */
#define DS_HEADROOM (NET_ROOM / 2)
static inline int ds_link_room(const net_link *l, double b)
{
    return l->flows_cap_Bps + l->replay_cap_Bps + b <= l->cap_Bps * (1 + DS_HEADROOM);
}

/* A closed form's pair (a replay's edge, a message alone) taking (sign 1) or leaving (-1) a link:
 * its users and the sums of their rates and narrowest capacities (zeroed with the last user, so
 * that sums do not drift). */
static inline void ds_link_hold(net_link *l, int sign, double Bps, double cap_Bps)
{
    l->replay_users += sign;
    l->replay_Bps = l->replay_users ? l->replay_Bps + sign * Bps : 0;
    l->replay_cap_Bps = l->replay_users ? l->replay_cap_Bps + sign * cap_Bps : 0;
}

/* ds.c */
void ds_send(ds *s, int coll, int src, int dst, int step, double bytes);   /* a message as a flow, from now */
void ds_send_on(ds *s, int coll, int src, int dst, int step, double bytes, const int *hops, int nhops,
                double latency_s);          /* one on its way since earlier, as a flow on the route it took then */
void ds_unwait(ds *s, int x);               /* a waiting message taken by a closed form: no flow, freed */
void ds_unpark(ds *s, int x);               /* a message in closed form becomes a flow (or, off its links, only arrives) */
void ds_park_release(ds *s, int x, double until_s);   /* its links released, its bytes until then counted */
int ds_unpark_on(ds *s, int link);          /* the messages in closed form on a link become flows; how many */
int ds_xfer_new(ds *s, int coll, int src, int dst, int step);   /* a message in transit (its sender waits for it) */
void ds_finish_task(ds *s, int task);
void ds_xfer_free(ds *s, int x);
void ds_start_flows(ds *s, int coll);         /* a collective at its start, as flows */
uint64_t ds_work(const ds *s);                /* ds_stats.work so far */
int *ds_recv_slot(rank_state *r, int step);

/* ds_replay.c */
int ds_replay_try(ds *s, int coll);           /* 1: the collective runs in closed form until it ends or meets traffic */
int ds_replay_resume(ds *s, int coll);        /* the same for one running as flows, from where it is now */
void ds_replay_done(ds *s, int coll);         /* its end, at its EV_REPLAY_DONE */
void ds_replay_more(ds *s, int coll);         /* its next chunk planned, at its EV_REPLAY_MORE (or handed back) */
int ds_replay_clear(ds *s, const int *hops, int nhops);   /* hand back, as flows, the replays holding these links; how many */
void ds_replay_free(struct ds_replay *r);
void ds_replay_spares_free(ds *s);
void ds_replay_unhold_all(ds *s);             /* the links of every collective in closed form released (a run's end) */

#endif
