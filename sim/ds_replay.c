/* ds_replay.c: collectives computed in closed form while nothing shares their links; see
 * ds_set_replay in ds.h.
 *
 * A collective's step program is a max-plus recurrence. Rank r enters step s at C[r]; a message it
 * sends then moves at the narrowest capacity B of its route and arrives at (C[r] + bytes / B) + the
 * route's latency, which is, operation for operation, what the flow-level network computes for a
 * flow that is alone on every link of its route; the rank leaves the step at N[r], the latest of C[r],
 * its sends' arrivals and its receives' arrivals, and enters the next one then. So while no other
 * flow touches its links, a collective costs a walk over its messages: no event, no rate, no route
 * per message (a route per pair of ranks, computed once).
 *
 * Taken when, for every link its messages cross, either one pair of ranks uses it, or several do and
 * their narrowest capacities add up to less than the link's (then max-min fairness gives each its
 * own), and the route cannot change with load (not adaptive routing through a fat tree's spines,
 * not more flows on an adaptive dragonfly's direct bundle than UGAL keeps there). The first flow
 * that would cross a link it holds hands it back (ds_replay_clear): at that instant the ranks take the
 * state the message-level simulation would have, messages in flight become flows with the bytes
 * they have left, and the flows take it from there. */
#include "ds_int.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Two capacities summed this close to a link's are refused: max-min fairness would then be decided
 * by rounding. */
#define RP_HEADROOM 1e-9

typedef struct rp_edge {
    int src, dst;               /* ranks */
    int hop0, nhops;            /* its route: R->hops[hop0 .. hop0 + nhops) */
    double Bps, latency_s;      /* narrowest capacity of the route, and its latency */
    double bytes;               /* carried over the whole collective */
    int last_step;              /* the last step that sent on it (two messages at once: refused) */
} rp_edge;

typedef struct rp_msg {
    int src, dst, edge;
    double bytes, q_s;          /* q = bytes / B, the time on the wire */
} rp_msg;

struct ds_replay {
    rp_edge *edges;
    int nedges;
    size_t cap_edges;
    int *hops;
    int nhops;
    size_t cap_hops;
    int *table;                 /* open addressing on src * p + dst: edge + 1, 0 when free */
    size_t table_size;
    int *last_peer, *last_edge; /* per rank: the edge of its last send (rings hit it every time) */
    int *held;                  /* the links it holds, sorted */
    int nheld;
    rp_msg *msgs;               /* one step's messages */
    int nmsgs;
    size_t cap_msgs;
    coll_send *sendbuf;
    double *C, *N;              /* per rank: entry into and exit from the current step */
    double start_s, end_s;
    uint64_t messages;          /* walked */
    uint64_t message_hops;      /* links those messages cross (what a detailed timeline records) */
    uint64_t route_hops;        /* links of the pairs' routes, computed once each */
};

/* What a replay costs, in the units of ds_stats.work (an event or a flow-link visit of the flows,
 * 30-45 ns each in bench_sim): a walked message is a few arithmetic operations, 1.8 ns there, so
 * 16 count as one unit; routes count a unit per link; a detailed timeline records every message on
 * every link, as the flows would. */
#define RP_MESSAGES_PER_UNIT 16

static uint64_t replay_work(const ds *s, const struct ds_replay *R)
{
    return R->route_hops + (s->timeline->detail ? R->messages + R->message_hops : R->messages / RP_MESSAGES_PER_UNIT);
}

void ds_replay_free(struct ds_replay *R)
{
    if (!R) return;
    free(R->edges);
    free(R->hops);
    free(R->table);
    free(R->last_peer);
    free(R->last_edge);
    free(R->held);
    free(R->msgs);
    free(R->sendbuf);
    free(R->C);
    free(R->N);
    free(R);
}

static uint64_t hash_key(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static void table_insert(struct ds_replay *R, int p, int e)
{
    uint64_t key = (uint64_t)R->edges[e].src * (uint64_t)p + (uint64_t)R->edges[e].dst;
    size_t i = (size_t)hash_key(key) & (R->table_size - 1);
    while (R->table[i]) i = (i + 1) & (R->table_size - 1);
    R->table[i] = e + 1;
}

static int table_find(const struct ds_replay *R, int p, int src, int dst)
{
    if (!R->table_size) return -1;
    uint64_t key = (uint64_t)src * (uint64_t)p + (uint64_t)dst;
    for (size_t i = (size_t)hash_key(key) & (R->table_size - 1); R->table[i]; i = (i + 1) & (R->table_size - 1)) {
        const rp_edge *e = &R->edges[R->table[i] - 1];
        if (e->src == src && e->dst == dst) return R->table[i] - 1;
    }
    return -1;
}

/* Can a link carry one more pair of ranks of this collective, in closed form? acc_* count this
 * collective's pairs, replay_* those of the collectives replaying now. */
static int link_takes(const ds *s, int h, double Bps)
{
    const net *n = s->n;
    const net_link *l = &n->links[h];
    if (l->nflows) return 0;                                    /* a flow on it now */
    if (l->kind == NET_LINK_FABRIC && n->routing == PLAT_ROUTING_ADAPTIVE && n->leaf_uplinks)
        return 0;                                               /* the spine would depend on load */
    int users = s->acc_users[h] + l->replay_users + 1;
    if (users < 2) return 1;
    if (s->timeline->detail) return 0;       /* one load per link, in time order */
    if (s->acc_Bps[h] + l->replay_Bps + Bps > l->cap_Bps * (1 - RP_HEADROOM)) return 0;
    if (l->kind == NET_LINK_GLOBAL && n->routing == PLAT_ROUTING_ADAPTIVE && users > 2) return 0;   /* UGAL would detour */
    return 1;
}

/* The edge from rank src to rank dst, made (route, capacity, checks) the first time: -1 when the
 * collective cannot run in closed form. */
static int edge_of(ds *s, ds_coll *c, struct ds_replay *R, int src, int dst, int make, int step)
{
    int p = c->plan.p, e;
    if (R->last_peer[src] == dst) e = R->last_edge[src];
    else if ((e = table_find(R, p, src, dst)) < 0) {
        if (!make) return -1;
        int hops[NET_MAX_HOPS];
        double lat;
        int nh = net_route(s->n, c->gpus[src], c->gpus[dst], hops, &lat);
        if (nh <= 0) return -1;                                 /* two ranks on one GPU */
        int globals = 0;
        double Bps = INFINITY;
        for (int i = 0; i < nh; i++) {
            Bps = fmin(Bps, s->n->links[hops[i]].cap_Bps);
            globals += s->n->links[hops[i]].kind == NET_LINK_GLOBAL;
        }
        if (globals > 1 && s->n->routing == PLAT_ROUTING_ADAPTIVE) return -1;   /* a detour taken for load */
        for (int i = 0; i < nh; i++)
            if (!link_takes(s, hops[i], Bps)) return -1;
        for (int i = 0; i < nh; i++) {
            s->acc_users[hops[i]]++;
            s->acc_Bps[hops[i]] += Bps;
        }
        ut_grow(&R->hops, &R->cap_hops, (size_t)R->nhops + (size_t)nh, sizeof *R->hops);
        memcpy(R->hops + R->nhops, hops, (size_t)nh * sizeof *hops);
        ut_grow(&R->edges, &R->cap_edges, (size_t)R->nedges + 1, sizeof *R->edges);
        e = R->nedges++;
        R->edges[e] = (rp_edge){ src, dst, R->nhops, nh, Bps, lat, 0, -1 };
        R->nhops += nh;
        R->route_hops += (uint64_t)nh;
        if ((size_t)R->nedges * 2 > R->table_size) {            /* keep the table at most half full */
            free(R->table);
            R->table_size = R->table_size ? R->table_size * 2 : 64;
            while ((size_t)R->nedges * 2 > R->table_size) R->table_size *= 2;
            R->table = ut_calloc(R->table_size, sizeof *R->table);
            for (int i = 0; i < R->nedges; i++) table_insert(R, p, i);
        } else table_insert(R, p, e);
    }
    R->last_peer[src] = dst;
    R->last_edge[src] = e;
    if (make) {
        if (R->edges[e].last_step == step) return -1;          /* two messages at once on one pair */
        R->edges[e].last_step = step;
    }
    return e;
}

enum { WALK_PLAN, WALK_CHECK, WALK_TRACE, WALK_CUT };

/* What the flows would have done up to t (WALK_CUT), or everything (WALK_TRACE, detailed timelines):
 * one step of the recurrence, with C the entries and N the exits of every rank. */
static void act(ds *s, int ci, struct ds_replay *R, int mode, int step, double t, int *started)
{
    ds_coll *c = &s->colls[ci];
    tl *T = s->timeline;
    int p = c->plan.p, last = step == c->plan.steps - 1;
    const double *C = R->C, *N = R->N;
    *started = 0;
    for (int r = 0; r < p; r++) {
        if (mode == WALK_CUT && C[r] > t) continue;
        *started = 1;
        if (mode == WALK_CUT && N[r] > t) {                    /* in this step at t */
            rank_state *rs = &c->ranks[r];
            rs->step = step;
            rs->step_start_s = C[r];
            rs->pending = 0;
            *ds_recv_slot(rs, step) = 0;
            continue;
        }
        tl_add(T, c->gpus[r], TL_STEP, c->task, step, C[r], N[r]);
        if (last) {
            tl_add(T, c->gpus[r], TL_COMM, c->task, -1, R->start_s, N[r]);
            if (mode == WALK_CUT) {
                c->ranks[r].step = c->plan.steps;
                c->ranks_left--;
            }
        }
    }
    if (!*started) return;
    for (int i = 0; i < R->nmsgs; i++) {
        const rp_msg *m = &R->msgs[i];
        double c0 = C[m->src];
        if (mode == WALK_CUT && c0 > t) continue;
        const rp_edge *e = &R->edges[m->edge];
        double done = c0 + m->q_s, arrive = done + e->latency_s;
        int whole = mode == WALK_TRACE || done <= t;
        for (int k = 0; k < e->nhops; k++) {
            int h = R->hops[e->hop0 + k];
            if (T->detail) {
                tl_link(T, h, c0, e->Bps);
                if (whole) tl_link(T, h, done, 0);
            } else tl_link_add_bytes(T, h, whole ? m->bytes : e->Bps * (t - c0));
        }
        if (mode != WALK_CUT) continue;
        s->stats.flows++;
        if (arrive <= t) {                                      /* delivered */
            if (N[m->dst] > t) (*ds_recv_slot(&c->ranks[m->dst], step))++;
            continue;
        }
        double left = m->bytes - e->Bps * (t - c0);
        if (whole || left <= 0) {                               /* off the links, not yet arrived */
            int x = ds_xfer_new(s, ci, m->src, m->dst, step);
            eng_push(&s->q, arrive, EV_ARRIVE, x, 0, 0);
        } else ds_send(s, ci, m->src, m->dst, step, left);      /* in flight: a flow from now on */
    }
}

/* Run the recurrence. WALK_PLAN makes the edges and checks them (0: refused); WALK_CHECK only
 * makes and checks them, and counts the messages; the others replay what the plan found,
 * WALK_CUT only up to t. */
static int walk(ds *s, int ci, struct ds_replay *R, int mode, double t)
{
    ds_coll *c = &s->colls[ci];
    const coll_plan *pl = &c->plan;
    int p = pl->p;
    for (int r = 0; r < p; r++) R->C[r] = R->start_s, R->last_peer[r] = -1;
    int reps = 0;
    uint64_t list_hops = 0;
    for (int step = 0; step < pl->steps; step++) {
        if (!coll_sends_repeat(pl, step)) {                     /* list this step's messages */
            for (int i = 0; mode == WALK_PLAN && i < R->nmsgs; i++) R->edges[R->msgs[i].edge].bytes += R->msgs[i].bytes * reps;
            reps = 0;
            int make = mode == WALK_PLAN || mode == WALK_CHECK;
            R->nmsgs = 0;
            list_hops = 0;
            for (int r = 0; r < p; r++) {
                int ns = coll_sends(pl, r, step, R->sendbuf);
                ut_grow(&R->msgs, &R->cap_msgs, (size_t)R->nmsgs + (size_t)ns, sizeof *R->msgs);
                for (int k = 0; k < ns; k++) {
                    int e = edge_of(s, c, R, r, R->sendbuf[k].peer, make, step);
                    if (e < 0) return 0;
                    R->msgs[R->nmsgs++] = (rp_msg){ r, R->sendbuf[k].peer, e, R->sendbuf[k].bytes, R->sendbuf[k].bytes / R->edges[e].Bps };
                    list_hops += (uint64_t)R->edges[e].nhops;
                }
            }
        }
        reps++;
        if (mode == WALK_CHECK) {
            R->messages += (uint64_t)R->nmsgs;
            continue;
        }
        if (mode == WALK_PLAN) {
            R->messages += (uint64_t)R->nmsgs;
            R->message_hops += list_hops;
            if (s->max_work && ds_work(s) + replay_work(s, R) > s->max_work) return 0;   /* over the run's budget: the flows stop there */
        }
        double *restrict C = R->C, *restrict N = R->N;
        memcpy(N, C, (size_t)p * sizeof *N);
        for (int i = 0; i < R->nmsgs; i++) {
            const rp_msg *m = &R->msgs[i];
            double arrive = (C[m->src] + m->q_s) + R->edges[m->edge].latency_s;
            if (arrive > N[m->src]) N[m->src] = arrive;
            if (arrive > N[m->dst]) N[m->dst] = arrive;
        }
        if (mode != WALK_PLAN) {
            int started;
            act(s, ci, R, mode, step, t, &started);
            if (!started) return 1;
        }
        R->C = N, R->N = C;                                     /* this step's exits are the next one's entries */
    }
    for (int i = 0; mode == WALK_PLAN && i < R->nmsgs; i++) R->edges[R->msgs[i].edge].bytes += R->msgs[i].bytes * reps;
    return 1;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void hold(ds *s, struct ds_replay *R, int sign)
{
    for (int e = 0; e < R->nedges; e++)
        for (int k = 0; k < R->edges[e].nhops; k++) {
            net_link *l = &s->n->links[R->hops[R->edges[e].hop0 + k]];
            l->replay_users += sign;
            l->replay_Bps = l->replay_users ? l->replay_Bps + sign * R->edges[e].Bps : 0;
        }
}

/* Walk a collective as a plan (WALK_PLAN: with its times) or a check (WALK_CHECK): NULL when it
 * cannot run in closed form now. The scratch counts are cleared either way. */
static struct ds_replay *make(ds *s, int ci, int mode)
{
    ds_coll *c = &s->colls[ci];
    int p = c->plan.p;
    if (p < 2 || c->plan.steps < 1) return NULL;
    if (!s->acc_users) {
        s->acc_users = ut_calloc((size_t)s->n->nlinks, sizeof *s->acc_users);
        s->acc_Bps = ut_calloc((size_t)s->n->nlinks, sizeof *s->acc_Bps);
    }
    struct ds_replay *R = ut_calloc(1, sizeof *R);
    R->last_peer = ut_malloc((size_t)p * sizeof *R->last_peer);
    R->last_edge = ut_malloc((size_t)p * sizeof *R->last_edge);
    R->C = ut_malloc((size_t)p * sizeof *R->C);
    R->N = ut_malloc((size_t)p * sizeof *R->N);
    R->sendbuf = ut_malloc((size_t)coll_max_sends(&c->plan) * sizeof *R->sendbuf);
    R->start_s = s->now_s;
    int ok = walk(s, ci, R, mode, 0) && R->messages > 0;
    /* the links it crosses, sorted, and the scratch counts cleared */
    R->held = ut_malloc((size_t)(R->nhops ? R->nhops : 1) * sizeof *R->held);
    if (R->nhops) {
        memcpy(R->held, R->hops, (size_t)R->nhops * sizeof *R->hops);
        qsort(R->held, (size_t)R->nhops, sizeof *R->held, cmp_int);
    }
    for (int i = 0; i < R->nhops; i++) {
        if (i == 0 || R->held[i] != R->held[i - 1]) R->held[R->nheld++] = R->held[i];
        s->acc_users[R->hops[i]] = 0;
        s->acc_Bps[R->hops[i]] = 0;
    }
    if (!ok) {
        ds_replay_free(R);
        return NULL;
    }
    return R;
}

long long ds_collective_closed_form(ds *s, int task)
{
    if (s->ran || task < 0 || task >= s->ntasks || s->tasks[task].kind != TASK_COLLECTIVE || !s->replay_on) return -1;
    struct ds_replay *R = make(s, s->tasks[task].coll, WALK_CHECK);
    long long messages = R ? (long long)R->messages : -1;
    ds_replay_free(R);
    return messages;
}

int ds_replay_try(ds *s, int ci)
{
    struct ds_replay *R = make(s, ci, WALK_PLAN);
    if (!R) return 0;
    ds_coll *c = &s->colls[ci];
    int p = c->plan.p;
    R->end_s = R->start_s;
    for (int r = 0; r < p; r++) R->end_s = fmax(R->end_s, R->C[r]);
    hold(s, R, +1);
    c->replay = R;
    ut_grow(&s->replaying, &s->cap_replaying, (size_t)s->nreplaying + 1, sizeof *s->replaying);
    s->replaying[s->nreplaying++] = ci;
    s->replay_work += replay_work(s, R);
    eng_push(&s->q, R->end_s, EV_REPLAY_DONE, ci, 0, c->replay_gen);
    return 1;
}

/* Out of the closed form: its links released, its entry among the replays removed. */
static struct ds_replay *release(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    struct ds_replay *R = c->replay;
    hold(s, R, -1);
    for (int i = 0; i < s->nreplaying; i++)
        if (s->replaying[i] == ci) {
            s->replaying[i] = s->replaying[--s->nreplaying];
            break;
        }
    c->replay = NULL;
    c->replay_gen++;
    return R;
}

void ds_replay_done(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    struct ds_replay *R = release(s, ci);
    if (s->timeline->detail) walk(s, ci, R, WALK_TRACE, 0);
    else {
        for (int e = 0; e < R->nedges; e++)
            for (int k = 0; k < R->edges[e].nhops; k++) tl_link_add_bytes(s->timeline, R->hops[R->edges[e].hop0 + k], R->edges[e].bytes);
        for (int r = 0; r < c->plan.p; r++) tl_add(s->timeline, c->gpus[r], TL_COMM, c->task, -1, R->start_s, R->C[r]);
    }
    for (int r = 0; r < c->plan.p; r++) c->ranks[r].step = c->plan.steps;
    s->stats.flows += R->messages;
    s->stats.replayed++;
    c->ranks_left = 0;
    ds_replay_free(R);
    ds_finish_task(s, c->task);
}

/* Hand a replay back to the flows at s->now_s. */
static void cut(ds *s, int ci)
{
    struct ds_replay *R = release(s, ci);
    s->stats.handed_back++;
    walk(s, ci, R, WALK_CUT, s->now_s);
    ds_replay_free(R);
}

static int holds(const struct ds_replay *R, int link)
{
    return bsearch(&link, R->held, (size_t)R->nheld, sizeof *R->held, cmp_int) != NULL;
}

int ds_replay_clear(ds *s, const int *hops, int nhops)
{
    int handed = 0;
    for (;;) {
        int victim = -1;
        for (int k = 0; k < nhops && victim < 0; k++) {
            if (!s->n->links[hops[k]].replay_users) continue;
            for (int i = 0; i < s->nreplaying && victim < 0; i++) {
                const struct ds_replay *R = s->colls[s->replaying[i]].replay;
                /* one that ends now has nothing left on its links: its EV_REPLAY_DONE comes at this instant */
                if (R->end_s > s->now_s && holds(R, hops[k])) victim = s->replaying[i];
            }
        }
        if (victim < 0) return handed;
        cut(s, victim);
        handed++;
    }
}
