/* ds_replay.c: collectives computed in closed form while nothing else limits them on their links;
 * see ds_set_replay in ds.h.
 *
 * A collective's step program is a max-plus recurrence. Rank r enters step s at C[r]; a message it
 * sends then moves at the narrowest capacity B of its route and arrives at (C[r] + bytes / B) + the
 * route's latency, which is, operation for operation, what the flow-level network computes for a
 * flow that is alone on every link of its route; the rank leaves the step at N[r], the latest of C[r],
 * its sends' arrivals and its receives' arrivals, and enters the next one then. So while no other
 * flow touches its links, a collective costs a walk over its messages: no event, no rate, no route
 * per message (a route per pair of ranks, computed once).
 *
 * Taken when, for every link its messages cross, one pair of ranks uses it, or several do (and
 * other replays, and flows at the most their routes allow) and add up to less than the link (then
 * max-min fairness gives each its own), and the route cannot change with load (not adaptive routing
 * through a fat tree's spines; an adaptive dragonfly keeps a flow on the direct bundle while the
 * bundle has room for all at their narrowest capacities, which is that condition; lockstep
 * groups, whose pairs share links to the full, stay off its global links). Collectives started together that share links to the full are planned together in
 * lockstep (below). The first flow that would cross a link a replay holds, beyond what all there
 * can move at, hands it back (ds_replay_clear): at that instant the ranks take the state the message-level simulation would
 * have, messages in flight become flows with the bytes they have left, and the flows take it from
 * there; at steps 1, 2, 4, 8... after, ds_replay_resume takes it back into closed form from that
 * state if it is alone again. */
#include "ds_int.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct rp_edge {
    int src, dst;               /* ranks */
    int hop0, nhops;            /* its route: R->hops[hop0 .. hop0 + nhops) */
    double Bps, latency_s;      /* its rate (the narrowest capacity of the route, or its share in lockstep), and latency */
    double cap_Bps;             /* the narrowest capacity of the route */
    double bytes;               /* carried over the whole collective */
    int last_step;              /* the last step that sent on it (two messages at once: refused) */
    int checked;                /* it crosses a link its group shares to the full (lockstep, below) */
    uint64_t digest, count;     /* then: its messages' start and end times, hashed, and how many */
    double bin_t0, bin_t1, bin_bytes;   /* WALK_TRACE into bins: its messages so far that lie in one bin (trace_bin) */
    double bin_lo, bin_hi;      /* that bin, [lo, hi) (a bin only grows, merged with a neighbour) */
} rp_edge;

typedef struct rp_msg {
    int src, dst, edge;
    double bytes, q_s;          /* q = bytes / B, the time on the wire */
} rp_msg;

/* A message on its way when the closed form took over: when it leaves its links and arrives. */
typedef struct rp_out {
    int src, dst, step, edge;
    double done_s, arrive_s;
} rp_out;

typedef struct rp_pre {
    int step, count;
} rp_pre;

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
    int cap_ranks;              /* of those, C and N */
    int *held;                  /* the links it holds, sorted */
    int nheld;
    size_t cap_held;
    rp_msg *msgs;               /* one step's messages */
    int nmsgs;
    size_t cap_msgs;
    coll_send *sendbuf;
    int cap_sends;
    double *C, *N;              /* per rank: entry into and exit from the current step */
    /* where the walk starts: every rank at step 0, or (ds_replay_resume) where the flows left them */
    int resumed;
    int *bstep;                 /* per rank: its step then (steps: done) */
    unsigned char *bsent;       /* 1: its sends of that step are out (they are among `out` or arrived) */
    double *bC;                 /* when it entered that step */
    int minb, maxb;             /* the smallest and largest of bstep over the ranks not done */
    rp_out *out;                /* messages then on their way, with their known arrival */
    int nout;
    rp_pre *pre;                /* receives then counted for steps not finished, by rank */
    int npre, *pre_first;       /* pre of rank r: pre[pre_first[r] .. pre_first[r + 1]) */
    uint32_t group;             /* 0, or the id of the collectives planned with it (lockstep) */
    /* planned in chunks (rp_limit): walked up to step `planned` so far (the program's steps: all),
     * C then holding the entries into that step; the next chunk twice the last */
    int limit, planned, chunk, cont;   /* limit: where a plan or check stops (0: the end); cont: a walk goes on from `planned` */
    uint64_t counted;           /* its work counted in s->replay_work so far */
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
    free(R->bstep);
    free(R->bsent);
    free(R->bC);
    free(R->out);
    free(R->pre);
    free(R->pre_first);
    free(R);
}

static uint64_t hash_key(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
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
static int link_takes(ds *s, int h, double Bps)
{
    const net *n = s->n;
    const net_link *l = &n->links[h];
    if (s->rp_group == RP_ROUTES) return 1;                             /* its routes only */
    /* flows on it now, not the collective's own: they may stay if, at the most each can take, the
     * link still has room (it then never limits anyone) */
    int foreign = l->nflows;                                    /* (a resumed collective's own are off: take_off) */
    double foreign_Bps = foreign > 0 ? l->flows_cap_Bps : 0;
    if (l->kind == NET_LINK_FABRIC && n->routing == PLAT_ROUTING_ADAPTIVE && n->leaf_uplinks)
        return 0;                                               /* the spine would depend on load */
    if (foreign > 0 && s->timeline->detail) return 0;          /* its load recorded in time order */
    int users = s->acc_users[h] + l->replay_users + (foreign > 0 ? foreign : 0) + 1;
    if (users < 2) return 1;
    if (s->timeline->detail) return 0;                          /* one load per link, in time order */
    /* an adaptive dragonfly's bundle keeps its flows only while it has room for all at their
     * narrowest capacities (net.c), whatever they move at */
    int adaptive = l->kind == NET_LINK_GLOBAL && n->routing == PLAT_ROUTING_ADAPTIVE;
    if (adaptive && s->acc_Bps[h] + l->replay_cap_Bps + foreign_Bps + Bps > l->cap_Bps * (1 + DS_HEADROOM)) {
        s->rp_shared = s->rp_group == RP_ALONE;
        return 0;
    }
    if (s->rp_group == RP_GROUP) return 1;                      /* shared out by max-min (share_out) */
    if (s->acc_Bps[h] + l->replay_Bps + foreign_Bps + Bps > l->cap_Bps * (1 + DS_HEADROOM)) {
        s->rp_shared = 1;
        return 0;
    }
    return 1;
}

/* The edge from rank src to rank dst, made (route, capacity, checks) the first time: -1 when the
 * collective cannot run in closed form. make 2 (a cut's walk reaching the first step not planned
 * yet, whose messages start at that instant and go to the flows): made without checks. */
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
        if (make == 1 && globals > 1 && s->n->routing == PLAT_ROUTING_ADAPTIVE) return -1;   /* a detour taken for load */
        for (int i = 0; make == 1 && i < nh; i++)
            if (!link_takes(s, hops[i], Bps)) return -1;
        for (int i = 0; make == 1 && i < nh; i++) {
            s->acc_users[hops[i]]++;
            s->acc_Bps[hops[i]] += Bps;
        }
        ut_grow(&R->hops, &R->cap_hops, (size_t)R->nhops + (size_t)nh, sizeof *R->hops);
        memcpy(R->hops + R->nhops, hops, (size_t)nh * sizeof *hops);
        ut_grow(&R->edges, &R->cap_edges, (size_t)R->nedges + 1, sizeof *R->edges);
        e = R->nedges++;
        R->edges[e] = (rp_edge){ .src = src, .dst = dst, .hop0 = R->nhops, .nhops = nh, .Bps = Bps, .latency_s = lat, .cap_Bps = Bps, .last_step = -1 };
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
    if (make == 1) {
        if (R->edges[e].last_step == step) return -1;          /* two messages at once on one pair */
        R->edges[e].last_step = step;
    }
    return e;
}

enum { WALK_PLAN, WALK_CHECK, WALK_TRACE, WALK_CUT };

/* Did rank src send its messages of `step` before the walk's start? (Then they are among R->out,
 * or arrived.) */
static int sent_before(const struct ds_replay *R, int src, int step)
{
    return R->resumed && (step < R->bstep[src] || (step == R->bstep[src] && R->bsent[src]));
}

/* A rank takes the state the flows would give it at t: in `step` since C, its receives of the
 * steps from then on those counted before the walk's start (more are added as the walk delivers). */
static void set_rank(ds_coll *c, const struct ds_replay *R, int r, int step, double C)
{
    rank_state *rs = &c->ranks[r];
    free(rs->win);
    rs->win = NULL;
    rs->cap = 0;
    rs->step = step;
    rs->step_start_s = C;
    rs->pending = 0;
    *ds_recv_slot(rs, step) = 0;
    for (int i = R->pre ? R->pre_first[r] : 0; R->pre && i < R->pre_first[r + 1]; i++)
        if (R->pre[i].step >= step) *ds_recv_slot(rs, R->pre[i].step) += R->pre[i].count;
}

/* A message on its way at t (WALK_CUT): delivered, off the links and arriving, or moving, and then a
 * flow with the bytes it has left, on the route it took when it started at c0 (or, starting now, one
 * routed with the others sent now: ds_send). */
static void hand_message(ds *s, int ci, const struct ds_replay *R, int src, int dst, int step, const rp_edge *e,
                         double c0, double done, double arrive, double t)
{
    if (arrive <= t) {                                          /* delivered */
        if (R->N[dst] > t) (*ds_recv_slot(&s->colls[ci].ranks[dst], step))++;
        return;
    }
    double left = e->Bps * (done - t);
    if (done <= t || left <= 0) {                               /* off the links, not yet arrived */
        int x = ds_xfer_new(s, ci, src, dst, step);
        s->xfers[x].arrive_s = arrive;
        eng_push(&s->q, arrive, EV_ARRIVE, x, 0, s->xfers[x].gen);
    } else if (c0 < t) ds_send_on(s, ci, src, dst, step, left, R->hops + e->hop0, e->nhops, e->latency_s);
    else ds_send(s, ci, src, dst, step, left);
}

/* A whole message's bytes into a timeline's bins (WALK_TRACE without detail): an edge's messages
 * follow one another, so those that lie in one bin are added up and put on its links once, when
 * the next leaves that bin (or at the end: trace_flush), rather than each on every link. */
static void trace_flush(tl *T, const struct ds_replay *R, rp_edge *e)
{
    for (int k = 0; e->bin_bytes > 0 && k < e->nhops; k++) tl_link_add_bytes_over(T, R->hops[e->hop0 + k], e->bin_t0, e->bin_t1, e->bin_bytes);
    e->bin_bytes = 0;
}

static void trace_bin(tl *T, const struct ds_replay *R, rp_edge *e, double c0, double done, double bytes)
{
    if (e->bin_bytes > 0 && c0 >= e->bin_lo && done < e->bin_hi) {
        e->bin_t0 = fmin(e->bin_t0, c0), e->bin_t1 = fmax(e->bin_t1, done), e->bin_bytes += bytes;
        return;
    }
    trace_flush(T, R, e);
    double lo, hi;
    if (tl_bin_bounds(T, c0, &lo, &hi) && done < hi) {
        e->bin_lo = lo, e->bin_hi = hi;
        e->bin_t0 = c0, e->bin_t1 = done, e->bin_bytes = bytes;
        return;
    }
    for (int k = 0; k < e->nhops; k++) tl_link_add_bytes_over(T, R->hops[e->hop0 + k], c0, done, bytes);
}

/* What the flows would have done up to t (WALK_CUT), or everything (WALK_TRACE, detailed timelines):
 * one step of the recurrence, with C the entries and N the exits of every rank (C infinite for a
 * rank not in that step). Returns 0 once no rank is in this step or a later one by t. */
static int act(ds *s, int ci, struct ds_replay *R, int mode, int step, double t)
{
    ds_coll *c = &s->colls[ci];
    tl *T = s->timeline;
    int p = c->plan.p, last = step == c->plan.steps - 1, started = 0;
    const double *C = R->C, *N = R->N;
    for (int r = 0; r < p; r++) {
        if (!(C[r] <= t) && mode == WALK_CUT) continue;        /* not there yet (or past it before the walk) */
        if (!isfinite(C[r])) continue;
        started = 1;
        if (mode == WALK_CUT && N[r] > t) {                    /* in this step at t */
            set_rank(c, R, r, step, C[r]);
            continue;
        }
        tl_add(T, c->gpus[r], TL_STEP, c->task, step, C[r], N[r]);
        if (last) {
            tl_add(T, c->gpus[r], TL_COMM, c->task, -1, c->ranks[r].start_s, N[r]);
            if (mode == WALK_CUT) {
                c->ranks[r].step = c->plan.steps;
                c->ranks_left--;
            }
        }
    }
    for (int i = 0; i < R->nmsgs; i++) {
        const rp_msg *m = &R->msgs[i];
        double c0 = C[m->src];
        if ((mode == WALK_CUT && !(c0 <= t)) || sent_before(R, m->src, step)) continue;
        rp_edge *e = &R->edges[m->edge];
        double done = c0 + m->q_s, arrive = done + e->latency_s;
        int whole = mode == WALK_TRACE || done <= t;
        if (mode == WALK_TRACE && !T->detail) {
            trace_bin(T, R, e, c0, done, m->bytes);
            continue;
        }
        for (int k = 0; k < e->nhops; k++) {
            int h = R->hops[e->hop0 + k];
            if (T->detail) {
                tl_link(T, h, c0, e->Bps);
                if (whole) tl_link(T, h, done, 0);
            } else tl_link_add_bytes_over(T, h, c0, whole ? done : t, whole ? m->bytes : e->Bps * (t - c0));
        }
        if (mode != WALK_CUT) continue;
        s->stats.flows++;
        hand_message(s, ci, R, m->src, m->dst, step, e, c0, done, arrive, t);
    }
    for (int i = 0; i < R->nout; i++) {                         /* on their way since the walk's start (WALK_CUT only) */
        const rp_out *o = &R->out[i];
        if (o->step != step) continue;
        const rp_edge *e = &R->edges[o->edge];
        double until = mode == WALK_CUT ? fmin(o->done_s, t) : o->done_s;
        for (int k = 0; k < e->nhops; k++) tl_link_add_bytes_over(T, R->hops[e->hop0 + k], R->start_s, until, e->Bps * (until - R->start_s));
        if (mode != WALK_CUT) continue;
        hand_message(s, ci, R, o->src, o->dst, step, e, R->start_s - 1, o->done_s, o->arrive_s, t);   /* on its way since before */
    }
    return started || step < R->maxb;
}

/* Run the recurrence from where the ranks are (R->bstep..., or all at step 0). WALK_PLAN makes the
 * edges and checks them (0: refused); WALK_CHECK only makes and checks them, and counts the
 * messages; the others replay what the plan found, WALK_CUT only up to t. */
static int walk(ds *s, int ci, struct ds_replay *R, int mode, double t)
{
    ds_coll *c = &s->colls[ci];
    const coll_plan *pl = &c->plan;
    int p = pl->p;
    int first = R->cont ? R->planned : R->resumed ? R->minb : 0;   /* every rank is past the steps before */
    for (int r = 0; !R->cont && r < p; r++) {                   /* (going on: C holds the entries into `planned`) */
        R->C[r] = !R->resumed ? R->start_s : R->bstep[r] == first ? R->bC[r] : INFINITY;
        R->last_peer[r] = -1;
    }
    int reps = 0, end = (mode == WALK_PLAN || mode == WALK_CHECK) && R->limit ? R->limit : pl->steps;
    uint64_t list_hops = 0;
    for (int step = first; step < end; step++) {
        int mid = R->resumed && step <= R->maxb;               /* some ranks are past this step, or sent already */
        /* list this step's messages (the lists of the steps some ranks had sent are partial) */
        if (!coll_sends_repeat(pl, step) || step == first || (R->resumed && step <= R->maxb + 1)) {
            for (int i = 0; mode == WALK_PLAN && i < R->nmsgs; i++) R->edges[R->msgs[i].edge].bytes += R->msgs[i].bytes * reps;
            reps = 0;
            int make = mode == WALK_PLAN || mode == WALK_CHECK ? 1 : mode == WALK_CUT ? 2 : 0;
            R->nmsgs = 0;
            list_hops = 0;
            for (int r = 0; r < p; r++) {
                int ns = coll_sends(pl, r, step, R->sendbuf);
                ut_grow(&R->msgs, &R->cap_msgs, (size_t)R->nmsgs + (size_t)ns, sizeof *R->msgs);
                for (int k = 0; k < ns; k++) {
                    int e = edge_of(s, c, R, r, R->sendbuf[k].peer, make, step);
                    if (e < 0) return 0;
                    if (mode != WALK_CHECK && sent_before(R, r, step)) continue;   /* on its way or arrived */
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
            if (s->max_work && ds_work(s) + replay_work(s, R) - R->counted > s->max_work) return 0;   /* over the run's budget: the flows stop there */
        }
        double *restrict C = R->C, *restrict N = R->N;
        memcpy(N, C, (size_t)p * sizeof *N);
        for (int i = 0; i < R->nmsgs; i++) {
            const rp_msg *m = &R->msgs[i];
            double arrive = (C[m->src] + m->q_s) + R->edges[m->edge].latency_s;
            if (arrive > N[m->src]) N[m->src] = arrive;
            if (arrive > N[m->dst]) N[m->dst] = arrive;
        }
        for (int i = 0; R->group && mode == WALK_PLAN && i < R->nmsgs; i++) {   /* what lockstep is checked on */
            const rp_msg *m = &R->msgs[i];
            rp_edge *e = &R->edges[m->edge];
            if (!e->checked) continue;
            e->digest = hash_key(e->digest ^ bits_of(C[m->src])) + 0x9e3779b97f4a7c15ULL;
            e->digest = hash_key(e->digest ^ bits_of(C[m->src] + m->q_s));
            e->count++;
        }
        for (int i = 0; mid && i < R->nout; i++) {
            const rp_out *o = &R->out[i];
            if (o->step != step) continue;
            if (o->arrive_s > N[o->src]) N[o->src] = o->arrive_s;
            if (o->arrive_s > N[o->dst]) N[o->dst] = o->arrive_s;
        }
        /* a rank still in this step when the closed form took over leaves it then at the earliest
         * (all its messages in, it is about to: its advance comes later in the same instant) */
        for (int r = 0; mid && r < p; r++)
            if (R->bstep[r] == step && N[r] < R->start_s) N[r] = R->start_s;
        if (mode != WALK_PLAN && !act(s, ci, R, mode, step, t)) return 1;
        R->C = N, R->N = C;                                     /* this step's exits are the next one's entries */
        for (int r = 0; R->resumed && step + 1 <= R->maxb && r < p; r++)
            if (R->bstep[r] == step + 1) R->C[r] = R->bC[r];    /* a rank that was in the next step at the start */
    }
    for (int i = 0; mode == WALK_PLAN && i < R->nmsgs; i++) R->edges[R->msgs[i].edge].bytes += R->msgs[i].bytes * reps;
    if (mode == WALK_PLAN) R->planned = end;
    return 1;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void hold_from(ds *s, struct ds_replay *R, int e0, int sign)
{
    for (int e = e0; e < R->nedges; e++)
        for (int k = 0; k < R->edges[e].nhops; k++)
            ds_link_hold(&s->n->links[R->hops[R->edges[e].hop0 + k]], sign, R->edges[e].Bps, R->edges[e].cap_Bps);
}

static void hold(ds *s, struct ds_replay *R, int sign) { hold_from(s, R, 0, sign); }

void ds_replay_unhold_all(ds *s)
{
    for (int i = 0; i < s->nreplaying; i++) hold(s, s->colls[s->replaying[i]].replay, -1);
    s->nreplaying = 0;
}

/* Before walking again as a plan what a check walked: its counts cleared. */
static void rp_rewind(struct ds_replay *R)
{
    R->messages = R->message_hops = 0;
    for (int e = 0; e < R->nedges; e++) R->edges[e].last_step = -1;
}

/* Replays are tried far more often than they run (a group's try makes one per member, a resume
 * one per try): records given up are kept (rp_drop) and made again from their arrays, which keep
 * what they grew to. */
static void rp_drop(ds *s, struct ds_replay *R)
{
    if (!R) return;
    if (s->nrp_spares == DS_RP_SPARES) {
        ds_replay_free(R);
        return;
    }
    free(R->bstep);                                             /* (a resume's: rare, not kept) */
    free(R->bsent);
    free(R->bC);
    free(R->out);
    free(R->pre);
    free(R->pre_first);
    if (R->nedges) memset(R->table, 0, R->table_size * sizeof *R->table);
    struct ds_replay k = { .edges = R->edges, .cap_edges = R->cap_edges, .hops = R->hops, .cap_hops = R->cap_hops,
                           .table = R->table, .table_size = R->table_size, .last_peer = R->last_peer,
                           .last_edge = R->last_edge, .cap_ranks = R->cap_ranks, .held = R->held, .cap_held = R->cap_held,
                           .msgs = R->msgs, .cap_msgs = R->cap_msgs, .sendbuf = R->sendbuf, .cap_sends = R->cap_sends,
                           .C = R->C, .N = R->N };
    *R = k;
    s->rp_spares[s->nrp_spares++] = R;
}

void ds_replay_spares_free(ds *s)
{
    while (s->nrp_spares) ds_replay_free(s->rp_spares[--s->nrp_spares]);
}

static struct ds_replay *rp_new(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    int p = c->plan.p, sends = coll_max_sends(&c->plan);
    if (!s->acc_users) {
        s->acc_users = ut_calloc((size_t)s->n->nlinks, sizeof *s->acc_users);
        s->acc_Bps = ut_calloc((size_t)s->n->nlinks, sizeof *s->acc_Bps);
    }
    struct ds_replay *R = s->nrp_spares ? s->rp_spares[--s->nrp_spares] : ut_calloc(1, sizeof *R);
    if (R->cap_ranks < p) {
        R->cap_ranks = p;
        R->last_peer = ut_realloc(R->last_peer, (size_t)p * sizeof *R->last_peer);
        R->last_edge = ut_realloc(R->last_edge, (size_t)p * sizeof *R->last_edge);
        R->C = ut_realloc(R->C, (size_t)p * sizeof *R->C);
        R->N = ut_realloc(R->N, (size_t)p * sizeof *R->N);
    }
    if (R->cap_sends < sends) {
        R->cap_sends = sends;
        R->sendbuf = ut_realloc(R->sendbuf, (size_t)sends * sizeof *R->sendbuf);
    }
    R->start_s = s->now_s;
    return R;
}

/* Walk as a plan (WALK_PLAN: with its times) or a check (WALK_CHECK); then the links it crosses,
 * sorted, and the scratch counts cleared. 0: it cannot run in closed form now. */
static void held_links(struct ds_replay *R)
{
    ut_grow(&R->held, &R->cap_held, (size_t)(R->nhops ? R->nhops : 1), sizeof *R->held);
    R->nheld = 0;
    if (R->nhops) {
        memcpy(R->held, R->hops, (size_t)R->nhops * sizeof *R->hops);
        qsort(R->held, (size_t)R->nhops, sizeof *R->held, cmp_int);
    }
    for (int i = 0; i < R->nhops; i++)
        if (i == 0 || R->held[i] != R->held[i - 1]) R->held[R->nheld++] = R->held[i];
}

/* The planner's per-link counts (edge_of), cleared on the links of R's routes from hop h0 on. */
static void acc_clear(ds *s, const struct ds_replay *R, int h0)
{
    for (int i = h0; i < R->nhops; i++) s->acc_users[R->hops[i]] = 0, s->acc_Bps[R->hops[i]] = 0;
}

static int rp_walk_first(ds *s, int ci, struct ds_replay *R, int mode)
{
    int ok = walk(s, ci, R, mode, 0);
    held_links(R);
    if (s->rp_group == RP_ALONE) acc_clear(s, R, 0);           /* (the group's planner clears them) */
    return ok;
}

/* Collectives alone are planned RP_CHUNK steps ahead, then twice as far at each continuation
 * (EV_REPLAY_MORE, when the first rank enters the first step not planned): a hand-back then wastes
 * what was planned beyond it, at most as much as was done. Lockstep groups (checked over their
 * whole run) and detailed timelines are planned whole. The walk is the same recurrence cut into
 * pieces, so the times are the same to the bit. */
#define RP_CHUNK 64

/* Where the first chunk ends: whole when little is left; at least `past` (a resumed collective's
 * first steps, where ranks differ, in one chunk). */
static void rp_limit(const ds *s, struct ds_replay *R, int steps, int first, int past)
{
    R->chunk = RP_CHUNK;
    int end = first + RP_CHUNK > past ? first + RP_CHUNK : past;
    R->limit = R->group || s->timeline->detail || end + RP_CHUNK >= steps ? 0 : end;
}

/* A collective at its start, walked as a plan or a check: NULL when it cannot run in closed form. */
static struct ds_replay *make(ds *s, int ci, int mode, int chunked)
{
    ds_coll *c = &s->colls[ci];
    if (c->plan.p < 2 || c->plan.steps < 1) return NULL;
    struct ds_replay *R = rp_new(s, ci);
    if (chunked) rp_limit(s, R, c->plan.steps, 0, 0);
    if (!rp_walk_first(s, ci, R, mode) || !R->messages) {
        rp_drop(s, R);
        return NULL;
    }
    return R;
}

long long ds_collective_closed_form(ds *s, int task)
{
    if (s->ran || task < 0 || task >= s->ntasks || s->tasks[task].kind != TASK_COLLECTIVE || !s->replay_on) return -1;
    struct ds_replay *R = make(s, s->tasks[task].coll, WALK_CHECK, 0);
    long long messages = R ? (long long)R->messages : -1;
    rp_drop(s, R);
    return messages;
}

/* Who holds which link (ds.holders), so that a flow finds the replays on its route and the
 * lockstep planner the ones that meet a collective without a look at every replay. */
static void holders_add(ds *s, int ci, const struct ds_replay *R)
{
    if (!s->holders) s->holders = ut_calloc((size_t)s->n->nlinks, sizeof *s->holders);
    for (int k = 0; k < R->nheld; k++) ds_ids_push(&s->holders[R->held[k]], ci);
}

static void holders_remove(ds *s, int ci, const struct ds_replay *R)
{
    for (int k = 0; k < R->nheld; k++) {
        ds_ids *h = &s->holders[R->held[k]];
        for (int i = 0; i < h->n; i++)
            if (h->id[i] == ci) {
                h->id[i] = h->id[--h->n];
                break;
            }
    }
}

/* Its end on the queue (EV_REPLAY_DONE), or, planned in part, the continuation (EV_REPLAY_MORE)
 * when its first rank enters the first step not planned. */
static void schedule(ds *s, int ci, struct ds_replay *R)
{
    ds_coll *c = &s->colls[ci];
    int whole = R->planned >= c->plan.steps;
    double t = whole ? R->start_s : INFINITY;
    for (int r = 0; r < c->plan.p; r++)
        if (isfinite(R->C[r])) t = whole ? fmax(t, R->C[r]) : fmin(t, R->C[r]);
    if (!whole && !isfinite(t)) t = s->now_s;                 /* (every rank done: cannot be, but go on now) */
    R->end_s = whole ? t : INFINITY;
    uint64_t w = replay_work(s, R);
    s->replay_work += w - R->counted;
    R->counted = w;
    eng_push(&s->q, t, whole ? EV_REPLAY_DONE : EV_REPLAY_MORE, ci, 0, c->replay_gen);
}

/* From now on in closed form: its links held, its end (or its next chunk) on the queue. */
static void accept(ds *s, int ci, struct ds_replay *R)
{
    ds_coll *c = &s->colls[ci];
    hold(s, R, +1);
    c->replay = R;
    ut_grow(&s->replaying, &s->cap_replaying, (size_t)s->nreplaying + 1, sizeof *s->replaying);
    c->rp_pos = s->nreplaying;
    s->replaying[s->nreplaying++] = ci;
    holders_add(s, ci, R);
    schedule(s, ci, R);
}

/* ---------------------------------------------------------------------------------------------
 * Lockstep. Collectives that start at one instant and share links beyond their capacity (two
 * rings whose GPUs share NICs, an all-to-all's messages leaving one GPU) are planned together:
 * every pair of ranks of theirs as one flow, all at once, shared out by max-min fairness (as
 * net_update does), each message then moving at its pair's share. That is what the flows do as
 * long as the messages crossing each link shared to the full are always all there together: the
 * walk hashes, per pair crossing such a link, the start and end of each of its messages, and the
 * plan is taken only when every pair crossing each such link has the same sequence. */

/* The group's links and the pairs of ranks crossing each. */
typedef struct rp_pair { struct ds_replay *R; int e; } rp_pair;
typedef struct rp_links {
    int n;
    int *first, *on;            /* pairs crossing link l: pair[on[first[l] .. first[l + 1])] */
    rp_pair *pair;
    unsigned char *full;        /* shared to the full: its pairs must move in lockstep */
} rp_links;

static void rp_links_free(rp_links *L)
{
    free(L->first);
    free(L->on);
    free(L->pair);
    free(L->full);
}

static rp_edge *pair_edge(const rp_links *L, int g)
{
    return &L->pair[g].R->edges[L->pair[g].e];
}

static const int *pair_hops(const rp_links *L, int g)
{
    return L->pair[g].R->hops + pair_edge(L, g)->hop0;
}

/* Share the group's links out among its pairs (max-min, progressive filling as net_update); mark
 * the links shared to the full and the pairs crossing them. 0: the group cannot run so (it would
 * squeeze other replays or flows). */
static int share_out(ds *s, struct ds_replay **Rs, int nR, rp_links *L)
{
    const net *n = s->n;
    int *pos = ut_calloc((size_t)n->nlinks, sizeof *pos);     /* link -> its index + 1 */
    int *link = NULL, ne = 0;
    size_t cap_link = 0;
    memset(L, 0, sizeof *L);
    for (int i = 0; i < nR; i++) {
        ne += Rs[i]->nedges;
        for (int k = 0; k < Rs[i]->nheld; k++)
            if (!pos[Rs[i]->held[k]]) {
                ut_grow(&link, &cap_link, (size_t)L->n + 1, sizeof *link);
                link[L->n] = Rs[i]->held[k];
                pos[Rs[i]->held[k]] = ++L->n;
            }
    }
    int nl = L->n;
    L->pair = ut_malloc((size_t)(ne ? ne : 1) * sizeof *L->pair);
    L->first = ut_calloc((size_t)nl + 1, sizeof *L->first);
    L->full = ut_calloc((size_t)(nl ? nl : 1), 1);
    for (int i = 0, g = 0; i < nR; i++)
        for (int e = 0; e < Rs[i]->nedges; e++, g++) L->pair[g] = (rp_pair){ Rs[i], e };
    for (int g = 0; g < ne; g++)
        for (int k = 0; k < pair_edge(L, g)->nhops; k++) L->first[pos[pair_hops(L, g)[k]]]++;
    for (int l = 0; l < nl; l++) L->first[l + 1] += L->first[l];
    L->on = ut_malloc((size_t)(L->first[nl] ? L->first[nl] : 1) * sizeof *L->on);
    int *unf = ut_malloc((size_t)(nl ? nl : 1) * sizeof *unf);   /* first as a fill cursor, then the unfrozen count */
    memcpy(unf, L->first, (size_t)nl * sizeof *unf);
    for (int g = 0; g < ne; g++)
        for (int k = 0; k < pair_edge(L, g)->nhops; k++) L->on[unf[pos[pair_hops(L, g)[k]] - 1]++] = g;
    double *rem = ut_malloc((size_t)(nl ? nl : 1) * sizeof *rem), *rate = ut_calloc((size_t)(ne ? ne : 1), sizeof *rate);
    unsigned char *frozen = ut_calloc((size_t)(ne ? ne : 1), 1);
    net_heap_item *heap = NULL;
    size_t nheap = 0, cap = 0;
    int ok = 1;
    for (int l = 0; l < nl && ok; l++) {
        const net_link *K = &n->links[link[l]];
        rem[l] = K->cap_Bps - K->replay_Bps - K->flows_cap_Bps; /* what other replays and flows may take is theirs */
        unf[l] = L->first[l + 1] - L->first[l];
        if (!(rem[l] > 0)) ok = 0;                              /* they may take it all: they would feel the group */
        else net_heap_push(&heap, &cap, &nheap, rem[l] / unf[l], l);
    }
    while (ok && nheap) {
        net_heap_item it = net_heap_pop(heap, &nheap);
        if (unf[it.link] <= 0 || rem[it.link] / unf[it.link] != it.share) continue;   /* stale */
        for (int j = L->first[it.link]; j < L->first[it.link + 1]; j++) {
            int g = L->on[j];
            if (frozen[g]) continue;
            frozen[g] = 1;
            rate[g] = it.share;
            for (int k = 0; k < pair_edge(L, g)->nhops; k++) {
                int l = pos[pair_hops(L, g)[k]] - 1;
                rem[l] -= it.share;
                if (rem[l] < 0) rem[l] = 0;
                if (--unf[l] > 0 && l != it.link) net_heap_push(&heap, &cap, &nheap, rem[l] / unf[l], l);
            }
        }
    }
    for (int g = 0; g < ne; g++) {
        ok = ok && rate[g] > 0;
        pair_edge(L, g)->Bps = rate[g];
    }
    for (int l = 0; ok && l < nl; l++) {
        const net_link *K = &n->links[link[l]];
        if (L->first[l + 1] - L->first[l] < 2) continue;
        double sum = 0;
        for (int j = L->first[l]; j < L->first[l + 1]; j++) sum += rate[L->on[j]];
        if (sum + K->replay_Bps + K->flows_cap_Bps < K->cap_Bps * (1 - DS_HEADROOM)) continue;   /* shared with room to spare */
        if (K->replay_users || K->nflows) ok = 0;              /* full, and another replay or a flow on it */
        L->full[l] = 1;
        for (int j = L->first[l]; j < L->first[l + 1]; j++) pair_edge(L, L->on[j])->checked = 1;
    }
    free(pos);
    free(link);
    free(unf);
    free(rem);
    free(rate);
    free(frozen);
    free(heap);
    return ok;
}

/* After the walks: on every link shared to the full, every pair moved as the others did. */
static int in_lockstep(const rp_links *L)
{
    for (int l = 0; l < L->n; l++) {
        if (!L->full[l]) continue;
        const rp_edge *a = pair_edge(L, L->on[L->first[l]]);
        for (int j = L->first[l] + 1; j < L->first[l + 1]; j++) {
            const rp_edge *b = pair_edge(L, L->on[j]);
            if (a->digest != b->digest || a->count != b->count) return 0;
        }
    }
    return 1;
}

static struct ds_replay *release(ds *s, int ci);

/* Collectives in the order they began replaying (few: those that meet one collective). */
static void qsort_r_pos(const ds *s, int *cs, int n)
{
    for (int i = 1; i < n; i++) {
        int x = cs[i], j = i;
        for (; j > 0 && s->colls[cs[j - 1]].rp_pos > s->colls[x].rp_pos; j--) cs[j] = cs[j - 1];
        cs[j] = x;
    }
}

/* Collective ci, refused alone for sharing: planned with the replays started at this instant that
 * share its links. 1: all of them in closed form together. */
static int group_try(ds *s, int ci)
{
    double t = s->now_s;
    /* its routes, to find the others */
    s->rp_group = RP_ROUTES;
    struct ds_replay *R0 = rp_new(s, ci);
    int ok = rp_walk_first(s, ci, R0, WALK_CHECK) && R0->messages;
    s->rp_group = RP_ALONE;
    acc_clear(s, R0, 0);
    int *members = ut_malloc(((size_t)s->nreplaying + 1) * sizeof *members), nm = 0;
    uint32_t seen = ++s->rp_epoch;
    for (int k = 0; ok && s->holders && k < R0->nheld; k++) {  /* the replays holding one of its links */
        const ds_ids *h = &s->holders[R0->held[k]];
        for (int i = 0; ok && i < h->n; i++) {
            ds_coll *m = &s->colls[h->id[i]];
            if (m->rp_seen == seen) continue;
            m->rp_seen = seen;
            if (m->replay->start_s != t || m->replay->resumed || m->replay->group) ok = 0;   /* begun earlier: cannot be planned again */
            else members[nm++] = h->id[i];
        }
    }
    qsort_r_pos(s, members, nm);                               /* in the order they began replaying */
    rp_drop(s, R0);
    if (!ok) {
        free(members);
        return 0;
    }
    for (int i = 0; i < nm; i++) rp_drop(s, release(s, members[i]));   /* nothing of theirs happened yet */
    members[nm++] = ci;
    struct ds_replay **Rs = ut_calloc((size_t)nm, sizeof *Rs);
    s->rp_group = RP_GROUP;
    for (int i = 0; i < nm; i++) {
        Rs[i] = rp_new(s, members[i]);
        ok = ok && rp_walk_first(s, members[i], Rs[i], WALK_CHECK);
    }
    s->rp_group = RP_ALONE;
    for (int i = 0; i < nm; i++) acc_clear(s, Rs[i], 0);
    rp_links links = { 0 };
    ok = ok && share_out(s, Rs, nm, &links);
    uint32_t gid = ++s->rp_groups;
    for (int i = 0; ok && i < nm; i++) {
        Rs[i]->group = gid;
        rp_rewind(Rs[i]);
        ok = walk(s, members[i], Rs[i], WALK_PLAN, 0);
    }
    ok = ok && in_lockstep(&links);
    rp_links_free(&links);
    for (int i = 0; i < nm; i++) {
        if (ok) accept(s, members[i], Rs[i]);
        else rp_drop(s, Rs[i]);
    }
    if (ok) s->stats.lockstep += (uint64_t)nm;
    for (int i = 0; !ok && i < nm - 1; i++) {                  /* as they were: alone, or else as flows */
        struct ds_replay *R = make(s, members[i], WALK_PLAN, 1);
        if (R) accept(s, members[i], R);
        else ds_start_flows(s, members[i]);
    }
    free(Rs);
    free(members);
    return ok;
}

int ds_replay_try(ds *s, int ci)
{
    s->rp_shared = 0;
    struct ds_replay *R = make(s, ci, WALK_PLAN, 1);
    if (R) {
        accept(s, ci, R);
        return 1;
    }
    return s->rp_shared && !s->timeline->detail && group_try(s, ci);
}

/* The collective's messages on their way now (as flows, or off the links and arriving). */
static int outstanding(ds *s, int ci, int **xs, size_t *cap)
{
    int n = 0;
    for (int x = 0; x < s->nxfers; x++)
        if (s->xfers[x].live && !s->xfers[x].absorbed && s->xfers[x].coll == ci) {
            ut_grow(xs, cap, (size_t)n + 1, sizeof **xs);
            (*xs)[n++] = x;
        }
    return n;
}

/* The load of a link as it was before its own messages were taken off it. */
typedef struct own_load { int link, nflows, replay_users; double flows_cap_Bps, replay_Bps, replay_cap_Bps; } own_load;

/* Its own messages taken off their links while it is planned (flows, and messages in closed form):
 * the plan counts them as its own, and its next messages on the same pairs will not meet them (they
 * start when these end). Returns what put_back restores exactly. */
static own_load *take_off(ds *s, const int *xs, int nx, int *nsaved)
{
    own_load *saved = NULL;
    size_t cap = 0;
    *nsaved = 0;
    for (int i = 0; i < nx; i++) {
        const ds_xfer *x = &s->xfers[xs[i]];
        if (x->flow < 0 && x->park < 0) continue;
        const net_flow *F = x->flow >= 0 ? &s->n->flows[x->flow] : NULL;
        const ds_park *P = F ? NULL : &s->parks[x->park];
        int nh = F ? F->nhops : P->nhops;
        for (int h = 0; h < nh; h++) {
            int id = F ? F->hops[h] : P->hops[h];
            net_link *l = &s->n->links[id];
            ut_grow(&saved, &cap, (size_t)*nsaved + 1, sizeof *saved);
            saved[(*nsaved)++] = (own_load){ id, l->nflows, l->replay_users, l->flows_cap_Bps, l->replay_Bps, l->replay_cap_Bps };
            if (F) {
                l->nflows--;
                l->flows_cap_Bps = l->nflows ? l->flows_cap_Bps - F->bottleneck_Bps : 0;
            } else ds_link_hold(l, -1, P->Bps, P->Bps);
        }
    }
    return saved;
}

static void put_back(ds *s, own_load *saved, int nsaved)
{
    for (int i = nsaved - 1; i >= 0; i--) {                     /* the first saved of a link is its own */
        net_link *l = &s->n->links[saved[i].link];
        l->nflows = saved[i].nflows;
        l->flows_cap_Bps = saved[i].flows_cap_Bps;
        l->replay_users = saved[i].replay_users;
        l->replay_Bps = saved[i].replay_Bps;
        l->replay_cap_Bps = saved[i].replay_cap_Bps;
    }
    free(saved);
}

int ds_replay_resume(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    const coll_plan *pl = &c->plan;
    int p = pl->p;
    double t = s->now_s;
    if (c->replay || c->ranks_left <= 0 || p < 2) return 0;
    struct ds_replay *R = rp_new(s, ci);
    R->resumed = 1;
    R->bstep = ut_malloc((size_t)p * sizeof *R->bstep);
    R->bsent = ut_malloc((size_t)p * sizeof *R->bsent);
    R->bC = ut_malloc((size_t)p * sizeof *R->bC);
    R->minb = pl->steps, R->maxb = -1;
    for (int r = 0; r < p; r++) {
        const rank_state *rs = &c->ranks[r];
        R->bstep[r] = rs->step < pl->steps ? rs->step : pl->steps;
        R->bsent[r] = 1;                                        /* a rank sends a step's messages as it enters it */
        R->bC[r] = rs->step_start_s;
        if (rs->step >= pl->steps) continue;
        if (rs->step < R->minb) R->minb = rs->step;
        if (rs->step > R->maxb) R->maxb = rs->step;
    }
    int *xs = NULL;
    size_t cap = 0;
    int nx = outstanding(s, ci, &xs, &cap), ok = R->maxb >= 0 && R->minb >= 0;
    if (ok) rp_limit(s, R, pl->steps, R->minb, R->maxb + 2);
    if (ok) {
        int nsaved;
        own_load *saved = take_off(s, xs, nx, &nsaved);         /* its own flows do not bar its links */
        ok = rp_walk_first(s, ci, R, WALK_CHECK);
        put_back(s, saved, nsaved);
    }
    /* where its messages on their way will be: alone on their links, each flow moves at its route's
     * narrowest capacity from now on, as net_update would set it at this instant */
    R->out = ut_malloc((size_t)(nx ? nx : 1) * sizeof *R->out);
    for (int i = 0; ok && i < nx; i++) {
        const ds_xfer *x = &s->xfers[xs[i]];
        int e = table_find(R, p, x->src, x->dst);
        if (e < 0 || x->step != R->bstep[x->src]) {
            ok = 0;
            break;
        }
        const ds_park *P = x->park >= 0 ? &s->parks[x->park] : NULL;
        if (x->flow >= 0 || P) {                                /* routed for load when it started: it keeps that route */
            const int *hops = P ? P->hops : s->n->flows[x->flow].hops;
            int nh = P ? P->nhops : s->n->flows[x->flow].nhops;
            const rp_edge *E = &R->edges[e];
            if (nh != E->nhops || memcmp(hops, R->hops + E->hop0, (size_t)E->nhops * sizeof *hops)) {
                ok = 0;
                break;
            }
        }
        double Bps = R->edges[e].Bps, done = t, arrive = x->arrive_s;
        if (x->waiting) {                                       /* sent now, not yet routed: alone from now */
            done = t + x->bytes / Bps;
            arrive = done + R->edges[e].latency_s;
        } else if (P && P->done_s > t) {                        /* in closed form: at that rate already */
            done = P->Bps == Bps ? P->done_s : t + P->Bps * (P->done_s - t) / Bps;
            arrive = done + P->latency_s;
        } else if (x->flow >= 0) {
            const net_flow *f = &s->n->flows[x->flow];
            if (f->rate_Bps == Bps) done = f->done_s;           /* its completion stands */
            else {
                double left = f->bytes_left - f->rate_Bps * (t - f->t_upd);
                done = t + (left > 0 ? left : 0) / Bps;
            }
            arrive = done + f->latency_s;
        }
        R->out[R->nout++] = (rp_out){ x->src, x->dst, x->step, e, done, arrive };
    }
    if (ok) {                                                   /* the receives counted so far, by rank */
        R->pre_first = ut_malloc((size_t)(p + 1) * sizeof *R->pre_first);
        size_t cap_pre = 0;
        for (int r = 0; r < p; r++) {
            const rank_state *rs = &c->ranks[r];
            R->pre_first[r] = R->npre;
            for (int st = rs->step; rs->win && st < rs->step + rs->cap && st < pl->steps; st++) {
                int n = rs->win[st & (rs->cap - 1)];
                if (!n) continue;
                ut_grow(&R->pre, &cap_pre, (size_t)R->npre + 1, sizeof *R->pre);
                R->pre[R->npre++] = (rp_pre){ st, n };
            }
        }
        R->pre_first[p] = R->npre;
        rp_rewind(R);
        ok = walk(s, ci, R, WALK_PLAN, 0);
    }
    if (!ok) {
        free(xs);
        rp_drop(s, R);
        return 0;
    }
    for (int i = 0; i < nx; i++) {                              /* the closed form takes them over */
        ds_xfer *x = &s->xfers[xs[i]];
        if (x->waiting) ds_unwait(s, xs[i]);
        else if (x->flow >= 0) {
            net_flow_end(s->n, x->flow);
            ds_xfer_free(s, xs[i]);
        } else {                                                /* off the links, or in closed form: its EV_ARRIVE frees it */
            if (x->park >= 0) ds_park_release(s, xs[i], t);
            x->absorbed = 1;
        }
    }
    free(xs);
    accept(s, ci, R);
    s->stats.resumed++;
    return 1;
}

/* Out of the closed form: its links released, its entry among the replays removed. */
static struct ds_replay *release(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    struct ds_replay *R = c->replay;
    hold(s, R, -1);
    holders_remove(s, ci, R);
    int last = s->replaying[--s->nreplaying];
    s->replaying[c->rp_pos] = last;
    s->colls[last].rp_pos = c->rp_pos;
    c->rp_pos = -1;
    c->replay = NULL;
    c->replay_gen++;
    return R;
}

void ds_replay_done(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    struct ds_replay *R = release(s, ci);
    if (s->timeline->detail || s->timeline->bins) {           /* every message, at its time */
        walk(s, ci, R, WALK_TRACE, 0);
        for (int e = 0; e < R->nedges; e++) trace_flush(s->timeline, R, &R->edges[e]);
    } else {
        for (int e = 0; e < R->nedges; e++)
            for (int k = 0; k < R->edges[e].nhops; k++) tl_link_add_bytes(s->timeline, R->hops[R->edges[e].hop0 + k], R->edges[e].bytes);
        for (int i = 0; i < R->nout; i++) {
            const rp_edge *e = &R->edges[R->out[i].edge];
            for (int k = 0; k < e->nhops; k++) tl_link_add_bytes(s->timeline, R->hops[e->hop0 + k], e->Bps * (R->out[i].done_s - R->start_s));
        }
        for (int r = 0; r < c->plan.p; r++)   /* the ranks not done when it began */
            if (isfinite(R->C[r])) tl_add(s->timeline, c->gpus[r], TL_COMM, c->task, -1, c->ranks[r].start_s, R->C[r]);
    }
    for (int r = 0; r < c->plan.p; r++) c->ranks[r].step = c->plan.steps;
    s->stats.flows += R->messages;
    s->stats.replayed++;
    c->ranks_left = 0;
    rp_drop(s, R);
    ds_finish_task(s, c->task);
}

static void cut(ds *s, int ci);

void ds_replay_more(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    struct ds_replay *R = c->replay;
    int steps = c->plan.steps, e0 = R->nedges, h0 = R->nhops;
    R->chunk *= 2;
    R->limit = R->planned + R->chunk + RP_CHUNK >= steps ? 0 : R->planned + R->chunk;
    R->cont = 1;
    s->stats.continued++;
    int ok = walk(s, ci, R, WALK_PLAN, 0);                     /* new pairs checked against the links as they are now */
    R->cont = 0;
    acc_clear(s, R, h0);
    hold_from(s, R, e0, +1);                                    /* (released again at once when refused) */
    if (R->nedges > e0) {
        holders_remove(s, ci, R);
        held_links(R);
        holders_add(s, ci, R);
    }
    if (ok) schedule(s, ci, R);
    else cut(s, ci);                                            /* every rank is still in the steps planned */
}

/* Hand a replay back to the flows at s->now_s. */
static void cut(ds *s, int ci)
{
    struct ds_replay *R = release(s, ci);
    s->stats.handed_back++;
    walk(s, ci, R, WALK_CUT, s->now_s);
    rp_drop(s, R);
    s->colls[ci].retry_step = 0, s->colls[ci].retry_every = 0;   /* the closed form again once alone */
}


/* A flow that joins a link held in closed form hands back what holds it unless the link still has
 * room for all at their narrowest capacities (ds_link_room: link_takes' condition, from the other
 * side): then it limits nobody, before or after, and the closed forms' times stand. Messages in
 * closed form go first (ds_unpark_on), then replays, the first to have begun first. */
int ds_replay_clear(ds *s, const int *hops, int nhops)
{
    int handed = 0;
    double b = INFINITY;                                        /* the new flow's narrowest capacity */
    for (int k = 0; k < nhops; k++) b = fmin(b, s->n->links[hops[k]].cap_Bps);
    for (;;) {
        int victim = -1;
        for (int k = 0; k < nhops && victim < 0; k++) {
            const net_link *l = &s->n->links[hops[k]];
            if (!l->replay_users || (!s->timeline->detail && ds_link_room(l, b))) continue;
            if (s->parked_on && s->parked_on[hops[k]].n) {
                handed += ds_unpark_on(s, hops[k]);
                k = -1;                                         /* (it may have changed any link) */
                continue;
            }
            if (!s->holders) continue;
            /* the first to have begun replaying among those holding it; one that ends now has
             * nothing left on its links: its EV_REPLAY_DONE comes at this instant */
            const ds_ids *h = &s->holders[hops[k]];
            for (int i = 0; i < h->n; i++) {
                const ds_coll *m = &s->colls[h->id[i]];
                if (m->replay->end_s > s->now_s && (victim < 0 || m->rp_pos < s->colls[victim].rp_pos)) victim = h->id[i];
            }
        }
        if (victim < 0) return handed;
        uint32_t group = s->colls[victim].replay->group;
        cut(s, victim);
        handed++;
        for (int i = 0; group && i < s->nreplaying; i++)       /* its group moves in lockstep: all of it */
            if (s->colls[s->replaying[i]].replay->group == group) {
                cut(s, s->replaying[i]);
                handed++;
                i = -1;
            }
    }
}
