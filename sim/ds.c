/* ds.c: the simulator's event loop; see ds.h.
 *
 * Events: a compute task ends; a flow has moved its last byte (its links are released, and the
 * message arrives one route latency later); a message arrives (its sender's send is done and its
 * receiver counts it). Rates change only through net_update(), which the loop calls once per
 * instant, after every event of that instant: flows that start together are shared out once. */
#include "ds_int.h"
#include "util.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void park_hold(ds *s, const ds_park *P, int sign);

ds *ds_create(net *n, int detail)
{
    ds *s = ut_calloc(1, sizeof *s);
    s->n = n;
    s->timeline = tl_create(n->gpus, n->nlinks, detail);
    eng_init(&s->q);
    s->replay_on = 1;
    return s;
}

void ds_destroy(ds *s)
{
    if (!s) return;
    /* a run stopped early leaves its flows and its closed forms' holds on the network: taken off,
     * so that the network can carry another run as if new */
    for (int pk = 0; pk < s->nparks; pk++)
        if (s->parks[pk].x >= 0) park_hold(s, &s->parks[pk], -1);
    ds_replay_unhold_all(s);
    for (int x = 0; x < s->nxfers; x++)
        if (s->xfers[x].live && s->xfers[x].flow >= 0) net_flow_end(s->n, s->xfers[x].flow);
    for (int i = 0; i < s->ntasks; i++) free(s->tasks[i].succ);
    for (int i = 0; i < s->ncolls; i++) {
        ds_coll *c = &s->colls[i];
        for (int r = 0; r < c->plan.p; r++) free(c->ranks[r].win);
        free(c->ranks);
        free(c->gpus);
        ds_replay_free(c->replay);
        coll_plan_free(&c->plan);
    }
    ds_replay_spares_free(s);
    free(s->tasks);
    free(s->colls);
    free(s->xfers);
    free(s->free_xfers);
    free(s->waiting);
    free(s->wmsg);
    free(s->lmark);
    free(s->lpos);
    free(s->parks);
    free(s->free_parks);
    ds_ids_free(s->parked_on, s->n->nlinks);
    free(s->sendbuf);
    free(s->replaying);
    free(s->resumes);
    ds_ids_free(s->holders, s->n->nlinks);
    free(s->acc_Bps);
    free(s->acc_users);
    eng_free(&s->q);
    tl_destroy(s->timeline);
    free(s);
}

static int add_task(ds *s, int kind, const char *label, const int *deps, int ndeps, char *err, size_t err_size)
{
    for (int i = 0; i < ndeps; i++)
        if (deps[i] < 0 || deps[i] >= s->ntasks) {
            snprintf(err, err_size, _("dependency %d is not a task added before"), deps[i]);
            return -1;
        }
    ut_grow(&s->tasks, &s->cap_tasks, (size_t)s->ntasks + 1, sizeof *s->tasks);
    int id = s->ntasks++;
    ds_task *t = &s->tasks[id];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->deps_left = ndeps;
    t->start_s = t->end_s = NAN;
    t->coll = -1;
    for (int i = 0; i < ndeps; i++) {
        ds_task *d = &s->tasks[deps[i]];
        ut_grow(&d->succ, &d->cap_succ, (size_t)d->nsucc + 1, sizeof *d->succ);
        d->succ[d->nsucc++] = id;
    }
    tl_set_label(s->timeline, id, label ? label : "");
    return id;
}

void ds_set_gpu_base(ds *s, int base)
{
    s->gpu_base = base;
}

int ds_compute(ds *s, int gpu, double duration_s, const char *label, const int *deps, int ndeps, char *err, size_t err_size)
{
    gpu += s->gpu_base;
    if (s->ran || gpu < 0 || gpu >= s->n->gpus || !(duration_s >= 0) || !isfinite(duration_s)) {
        snprintf(err, err_size, _("compute task on GPU %d for %g s: no such GPU or not a duration"), gpu, duration_s);
        return -1;
    }
    int id = add_task(s, TASK_COMPUTE, label, deps, ndeps, err, err_size);
    if (id < 0) return -1;
    s->tasks[id].gpu = gpu;
    s->tasks[id].duration_s = duration_s;
    return id;
}

void ds_collective_cost(const net *n, const int *gpus, int p, coll_cost *k)
{
    memset(k, 0, sizeof *k);
    int gpn = n->gpus_per_node;
    int first = gpus ? gpus[0] : 0;
    int per_node = 0;
    for (int r = 0; r < p && (gpus ? gpus[r] : r) / gpn == first / gpn; r++) per_node++;
    k->ranks_per_node = per_node > 0 ? per_node : 1;
    /* inside a node: the scale-up pair of the first node */
    int hops[NET_MAX_HOPS];
    int a = first, b = first % gpn + 1 < gpn ? first + 1 : first - 1;
    if (gpn > 1 && b >= 0 && b < n->gpus) {
        net_route(n, a, b, hops, &k->alpha_intra_s);
        k->bw_intra_Bps = net_route_bottleneck_Bps(n, a, b);
    } else {
        k->alpha_intra_s = n->links[n->scaleup_base].latency_s;
        k->bw_intra_Bps = n->links[n->scaleup_base].cap_Bps;
    }
    /* between nodes: the slowest of the ring's crossings (consecutive ranks on different nodes) */
    k->alpha_inter_s = 0;
    k->bw_inter_Bps = INFINITY;
    for (int r = 0; r < p; r++) {
        int x = gpus ? gpus[r] : r, y = gpus ? gpus[(r + 1) % p] : (r + 1) % p;
        if (x / gpn == y / gpn) continue;
        double lat;
        net_route(n, x, y, hops, &lat);
        k->alpha_inter_s = fmax(k->alpha_inter_s, lat);
        k->bw_inter_Bps = fmin(k->bw_inter_Bps, net_route_bottleneck_Bps(n, x, y));
    }
    if (!isfinite(k->bw_inter_Bps)) {   /* one node: no crossing */
        k->alpha_inter_s = k->alpha_intra_s;
        k->bw_inter_Bps = k->bw_intra_Bps;
    }
    /* every GPU of a node off the node at once: the node's NICs shared by its GPUs */
    int node = first / gpn;
    double nic_total = 0;
    for (int i = 0; i < n->node_nics[node]; i++) nic_total += n->links[n->node_nic_base[node] + 2 * i].cap_Bps;
    k->bw_inter_all_Bps = fmin(k->bw_inter_Bps, nic_total / k->ranks_per_node);
}

int ds_collective(ds *s, coll_op op, coll_algo algo, const int *gpus, int p, double bytes, const char *label,
                  const int *deps, int ndeps, char *err, size_t err_size)
{
    if (s->ran || p < 1 || p > s->n->gpus) {
        snprintf(err, err_size, _("a collective over %d GPUs on a network of %d GPUs"), p, s->n->gpus);
        return -1;
    }
    int *at = ut_malloc((size_t)p * sizeof *at);               /* the GPUs, counted from the base */
    for (int r = 0; r < p; r++) at[r] = (gpus ? gpus[r] : r) + s->gpu_base;
    for (int r = 0; r < p; r++)
        if (at[r] < 0 || at[r] >= s->n->gpus) {
            snprintf(err, err_size, _("GPU %d is not on this network"), at[r]);
            free(at);
            return -1;
        }
    coll_cost cost;
    ds_collective_cost(s->n, gpus || s->gpu_base ? at : NULL, p, &cost);
    coll_plan plan;
    if (coll_plan_init(&plan, op, algo, p, bytes, &cost, err, err_size) != 0) {
        free(at);
        return -1;
    }
    int id = add_task(s, TASK_COLLECTIVE, label, deps, ndeps, err, err_size);
    if (id < 0) {
        coll_plan_free(&plan);
        free(at);
        return -1;
    }
    ut_grow(&s->colls, &s->cap_colls, (size_t)s->ncolls + 1, sizeof *s->colls);
    ds_coll *c = &s->colls[s->ncolls];
    memset(c, 0, sizeof *c);
    c->plan = plan;
    c->gpus = at;
    c->ranks = ut_calloc((size_t)p, sizeof *c->ranks);
    c->task = id;
    s->tasks[id].coll = s->ncolls++;
    return id;
}

int ds_collective_at(ds *s, coll_op op, coll_algo algo, const int *gpus, int p, double bytes, double start_s,
                     const char *label, char *err, size_t err_size)
{
    int *waits = NULL, nw = 0;
    if (start_s > 0 && p >= 1 && p <= s->n->gpus) {   /* (other sizes: ds_collective says what is wrong) */
        waits = ut_malloc((size_t)p * sizeof *waits);
        for (; nw < p; nw++)
            if ((waits[nw] = ds_compute(s, gpus ? gpus[nw] : nw, start_s, "wait", NULL, 0, err, err_size)) < 0) {
                free(waits);
                return -1;
            }
    }
    int id = ds_collective(s, op, algo, gpus, p, bytes, label, waits, nw, err, err_size);
    free(waits);
    return id;
}

/* ---------------------------------------------------------------------------------------------
 * Running. */

int *ds_recv_slot(rank_state *r, int step)
{
    if (step - r->step >= r->cap || !r->win) {
        int cap = r->cap ? r->cap : 4;
        while (step - r->step >= cap) cap *= 2;
        int *win = ut_calloc((size_t)cap, sizeof *win);
        for (int s = r->step; r->win && s < r->step + r->cap; s++) win[s & (cap - 1)] = r->win[s & (r->cap - 1)];
        free(r->win);
        r->win = win;
        r->cap = cap;
    }
    return &r->win[step & (r->cap - 1)];
}

int ds_xfer_new(ds *s, int ci, int src, int dst, int step)
{
    int x;
    uint32_t gen = 1;
    if (s->nfree_xfers) {
        x = s->free_xfers[--s->nfree_xfers];
        gen = s->xfers[x].gen + 1;                              /* events of its last use go stale */
    } else {
        ut_grow(&s->xfers, &s->cap_xfers, (size_t)s->nxfers + 1, sizeof *s->xfers);
        x = s->nxfers++;
    }
    s->xfers[x] = (ds_xfer){ .coll = ci, .src = src, .dst = dst, .step = step, .flow = -1, .arrive_s = NAN, .live = 1,
                             .park = -1, .gen = gen };
    s->colls[ci].ranks[src].pending++;
    return x;
}

void ds_xfer_free(ds *s, int x)
{
    s->xfers[x].live = 0;
    ut_grow(&s->free_xfers, &s->cap_free_xfers, (size_t)s->nfree_xfers + 1, sizeof *s->free_xfers);
    s->free_xfers[s->nfree_xfers++] = x;
}

/* A message as a flow, starting now. It is routed when every event of this instant is over, with
 * the others sent at this instant, in the order of what they are (route_waiting): where routes
 * depend on load (adaptive routing counts the flows on links), the order in which messages sent at
 * one instant are routed would otherwise be the order in which events came to send them, and the
 * closed form, which reaches an instant through other events than the flows, would route them
 * differently. */
void ds_send(ds *s, int ci, int src, int dst, int step, double bytes)
{
    int x = ds_xfer_new(s, ci, src, dst, step);
    s->xfers[x].waiting = 1;
    s->xfers[x].bytes = bytes;
    ut_grow(&s->waiting, &s->cap_waiting, (size_t)s->nwaiting + 1, sizeof *s->waiting);
    s->waiting[s->nwaiting++] = x;
}

/* ---------------------------------------------------------------------------------------------
 * Messages in closed form. A message whose route has room for it beside everything on its links
 * (ds_link_room, on every link) moves at its route's narrowest capacity until it is off them,
 * whatever else happens, as long as nothing joins them beyond their capacity: its arrival is known
 * when it starts, and it needs no flow, no rate and no completion event, only its arrival. It
 * holds its links as a replay does (their replay_* counts, and ds.parked_on), until it arrives;
 * a flow that would meet it beyond capacity makes it a flow, with the bytes it has left
 * (ds_unpark, from ds_replay_clear). Routes read the load of flows only: like a replay's, a
 * message in closed form never changes a route, since a route over its links sees room there
 * either way. Not with a detailed timeline (loads in time order), nor on a fat tree's adaptive
 * uplinks (routes there count flows). */

static void park_hold(ds *s, const ds_park *P, int sign)
{
    for (int k = 0; k < P->nhops; k++) ds_link_hold(&s->n->links[P->hops[k]], sign, P->Bps, P->Bps);
}

/* Can a message routed on hops move in closed form now? Then *b is its rate. */
static int can_park(const ds *s, const int *hops, int nhops, double *b)
{
    const net *n = s->n;
    if (!s->replay_on || s->timeline->detail || nhops <= 0 || nhops > DS_PARK_HOPS) return 0;
    double B = INFINITY;
    for (int k = 0; k < nhops; k++) B = fmin(B, n->links[hops[k]].cap_Bps);
    for (int k = 0; k < nhops; k++) {
        const net_link *l = &n->links[hops[k]];
        if (l->kind == NET_LINK_FABRIC && n->routing == PLAT_ROUTING_ADAPTIVE && n->leaf_uplinks) return 0;
        if (!ds_link_room(l, B)) return 0;
    }
    *b = B;
    return 1;
}

static void park(ds *s, int x, const int *hops, int nhops, double latency_s, double Bps)
{
    int pk;
    if (s->nfree_parks) pk = s->free_parks[--s->nfree_parks];
    else {
        ut_grow(&s->parks, &s->cap_parks, (size_t)s->nparks + 1, sizeof *s->parks);
        pk = s->nparks++;
    }
    if (!s->parked_on) s->parked_on = ut_calloc((size_t)s->n->nlinks, sizeof *s->parked_on);
    ds_park *P = &s->parks[pk];
    ds_xfer *X = &s->xfers[x];
    P->x = x;
    P->nhops = nhops;
    memcpy(P->hops, hops, (size_t)nhops * sizeof *hops);
    P->Bps = Bps;
    P->start_s = s->now_s;
    P->done_s = s->now_s + X->bytes / Bps;                     /* as net_update times a flow at that rate */
    P->latency_s = latency_s;
    park_hold(s, P, +1);
    for (int k = 0; k < nhops; k++) P->slot[k] = ds_ids_push(&s->parked_on[hops[k]], pk);
    X->park = pk;
    X->arrive_s = P->done_s + latency_s;
    eng_push(&s->q, X->arrive_s, EV_ARRIVE, x, 0, X->gen);
    s->nparked++;
    s->stats.parked++;
    s->replay_work += 2 * (uint64_t)nhops;                     /* its links held and released, beside its arrival (an event) */
}

/* Hand back the closed forms on these links that a new message would squeeze. */
static void clear_route(ds *s, const int *hops, int nhops)
{
    while ((s->nreplaying || s->nparked) && ds_replay_clear(s, hops, nhops));
}

/* Message x (its bytes set) on its way from now on this route, cleared (clear_route): in closed
 * form if it may and can be, else as a flow. */
static void start_on(ds *s, int x, const int *hops, int nhops, double latency_s, int may_park)
{
    double b;
    if (may_park && can_park(s, hops, nhops, &b)) {
        park(s, x, hops, nhops, latency_s, b);
        return;
    }
    s->xfers[x].flow = net_flow_start_on(s->n, hops, nhops, latency_s, s->xfers[x].bytes, s->now_s, x);
}

void ds_park_release(ds *s, int x, double until_s)
{
    ds_xfer *X = &s->xfers[x];
    int pk = X->park;
    ds_park *P = &s->parks[pk];
    double end = fmin(until_s, P->done_s);
    double bytes = end >= P->done_s ? X->bytes : P->Bps * (end - P->start_s);
    for (int k = 0; k < P->nhops; k++) {
        int l = P->hops[k], i = P->slot[k];
        ds_ids *on = &s->parked_on[l];
        tl_link_add_bytes_over(s->timeline, l, P->start_s, end, bytes);
        int moved = on->id[i] = on->id[--on->n];               /* the last one takes its place */
        ds_park *M = &s->parks[moved];
        for (int j = 0; j < M->nhops; j++)
            if (M->hops[j] == l) M->slot[j] = i;
    }
    park_hold(s, P, -1);
    P->x = -1;
    ut_grow(&s->free_parks, &s->cap_free_parks, (size_t)s->nfree_parks + 1, sizeof *s->free_parks);
    s->free_parks[s->nfree_parks++] = pk;
    X->park = -1;
    s->nparked--;
}

void ds_unpark(ds *s, int x)
{
    ds_park P = s->parks[s->xfers[x].park];
    ds_park_release(s, x, s->now_s);
    double left = P.done_s > s->now_s ? s->xfers[x].bytes - P.Bps * (s->now_s - P.start_s) : 0;   /* as net_update counts a flow's bytes */
    s->stats.unparked++;
    if (!(left > 0)) return;                                    /* off its links: its arrival stands */
    s->xfers[x].gen++;                                          /* its EV_ARRIVE goes stale */
    s->xfers[x].arrive_s = NAN;
    s->xfers[x].bytes = left;
    clear_route(s, P.hops, P.nhops);
    start_on(s, x, P.hops, P.nhops, P.latency_s, 0);   /* (what meets it is about to join) */
}

int ds_unpark_on(ds *s, int link)
{
    int n = 0;
    while (s->parked_on[link].n) {
        ds_unpark(s, s->parks[s->parked_on[link].id[0]].x);
        n++;
    }
    return n;
}

/* A message on its way since earlier (a replay handed back), on the route it took then. */
void ds_send_on(ds *s, int ci, int src, int dst, int step, double bytes, const int *hops, int nhops, double latency_s)
{
    int x = ds_xfer_new(s, ci, src, dst, step);
    s->xfers[x].bytes = bytes;
    clear_route(s, hops, nhops);
    start_on(s, x, hops, nhops, latency_s, 1);
}

void ds_unwait(ds *s, int x)
{
    for (int i = 0; i < s->nwaiting; i++)
        if (s->waiting[i] == x) {
            memmove(&s->waiting[i], &s->waiting[i + 1], (size_t)(s->nwaiting - i - 1) * sizeof *s->waiting);
            s->nwaiting--;
            break;
        }
    s->xfers[x].waiting = 0;
    ds_xfer_free(s, x);
}

static int by_message(const void *a, const void *b)
{
    const waiting_msg *x = a, *y = b;
    if (x->task != y->task) return x->task < y->task ? -1 : 1;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    return (x->step > y->step) - (x->step < y->step);
}

/* After a hand-back while routing m[i] (of the sorted m[0 .. i) already routed; the messages that
 * joined the waiting from s->waiting[w0] on): the first of m[0 .. i) whose route may now differ.
 * A route that depends on load reads some links (net_route_reads); a message that joins and sorts
 * before it would have been routed first, and may take one of them. The hand-back's flows need not
 * be looked at: a route never depends on what a closed form holds (every link of a route it takes
 * has room for all, closed forms included, or holds none: ds_replay_clear), so the routes taken
 * with the closed form there are the ones taken with its messages as flows. Routes that read no
 * load never change. */
static int reroute_from(ds *s, const waiting_msg *m, int i, int w0)
{
    int nl = s->n->nlinks, reads[64], nr;
    if (!s->lmark) {
        s->lmark = ut_calloc((size_t)nl, sizeof *s->lmark);
        s->lpos = ut_calloc((size_t)nl, sizeof *s->lpos);
    }
    if (++s->lepoch == 0) {                                     /* (wrapped: every mark is old) */
        memset(s->lmark, 0, (size_t)nl * sizeof *s->lmark);
        s->lepoch = 1;
    }
    for (int k = w0; k < s->nwaiting; k++) {
        const ds_xfer *x = &s->xfers[s->waiting[k]];
        const ds_coll *c = &s->colls[x->coll];
        if ((nr = net_route_reads(s->n, c->gpus[x->src], c->gpus[x->dst], reads, 64)) < 0) return 0;
        if (!nr) continue;
        waiting_msg w = { c->task, x->src, x->dst, x->step, s->waiting[k] };
        int lo = 0, hi = i;                                     /* its place among m[0 .. i) */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (by_message(&m[mid], &w) < 0) lo = mid + 1;
            else hi = mid;
        }
        for (int r = 0; r < nr; r++) {
            int l = reads[r];
            if (s->lmark[l] != s->lepoch) s->lmark[l] = s->lepoch, s->lpos[l] = lo;
            else if (lo < s->lpos[l]) s->lpos[l] = lo;
        }
    }
    for (int j = 0; j < i; j++) {
        const ds_coll *c = &s->colls[s->xfers[m[j].x].coll];
        if ((nr = net_route_reads(s->n, c->gpus[m[j].src], c->gpus[m[j].dst], reads, 64)) < 0) return j;
        for (int r = 0; r < nr; r++)
            if (s->lmark[reads[r]] == s->lepoch && s->lpos[reads[r]] <= j) return j;
    }
    return i;
}

/* The messages sent at this instant, routed and started in the order of their collective, ranks and
 * step. Routing one may hand a replay back: its messages on their way become flows (which the
 * ones routed before it did not see) and those that start at this instant join the waiting; then
 * the ones started before whose routes that may change (reroute_from) are taken off the links and
 * routed again with the rest, in order. (Each replay is handed back once, so this ends.) */
static void route_waiting(ds *s)
{
    for (int again = 1; again;) {
        again = 0;
        int n = 0;
        for (int i = 0; i < s->nwaiting; i++)                  /* (those kept routed are out) */
            if (s->xfers[s->waiting[i]].waiting) s->waiting[n++] = s->waiting[i];
        s->nwaiting = n;
        ut_grow(&s->wmsg, &s->cap_wmsg, (size_t)n, sizeof *s->wmsg);
        waiting_msg *m = s->wmsg;
        for (int i = 0; i < n; i++) {
            const ds_xfer *x = &s->xfers[s->waiting[i]];
            m[i] = (waiting_msg){ s->colls[x->coll].task, x->src, x->dst, x->step, s->waiting[i] };
        }
        qsort(m, (size_t)n, sizeof *m, by_message);
        uint64_t handed = s->stats.handed_back;
        for (int i = 0; i < n && !again; i++) {
            const ds_coll *c = &s->colls[s->xfers[m[i].x].coll];
            int a = c->gpus[m[i].src], b = c->gpus[m[i].dst], hops[NET_MAX_HOPS], nhops;
            double latency_s;
            do   /* handing back makes flows whose load may route this one elsewhere: route it again */
                nhops = net_route(s->n, a, b, hops, &latency_s);
            while ((s->nreplaying || s->nparked) && ds_replay_clear(s, hops, nhops));   /* (clear_route; it may move s->xfers) */
            if (s->stats.handed_back != handed && s->nwaiting > n) {   /* a replay's messages joined */
                int j0 = reroute_from(s, m, i, n);
                for (int j = j0; j < i; j++) {
                    ds_xfer *y = &s->xfers[m[j].x];
                    if (y->park >= 0) {                         /* (nothing carried yet) */
                        ds_park_release(s, m[j].x, s->now_s);
                        y->gen++;
                    } else net_flow_end(s->n, y->flow);
                    y->flow = -1;
                    y->waiting = 1;
                }
                again = 1;
                break;
            }
            s->xfers[m[i].x].waiting = 0;
            start_on(s, m[i].x, hops, nhops, latency_s, 1);
        }
    }
    s->nwaiting = 0;
}

/* A collective running as flows tries the closed form again at most this many steps apart. A try
 * that fails costs about a step's routes (the first step's pairs are checked against the links),
 * a step as flows all its messages' events and rate updates: trying every few steps wastes little,
 * while doubling without bound let a 5,568-rank ring run as flows for hundreds of steps after the
 * traffic that had met it was gone (El Capitan whole: 9.4 M flows, 6.5 M with this bound; with
 * messages alone in closed form, 17.7 s of CPU against 19.9 s unbounded). */
#define RETRY_MAX 8

/* Move a rank on as far as it can: past every step whose sends have arrived and whose receives are in. */
static void advance(ds *s, int ci, int r)
{
    ds_coll *c = &s->colls[ci];
    rank_state *rs = &c->ranks[r];
    for (;;) {
        if (rs->step >= c->plan.steps || c->replay) return;
        if (rs->step >= 0) {
            if (rs->pending > 0 || *ds_recv_slot(rs, rs->step) < coll_recvs(&c->plan, r, rs->step)) return;
            tl_add(s->timeline, c->gpus[r], TL_STEP, c->task, rs->step, rs->step_start_s, s->now_s);
            *ds_recv_slot(rs, rs->step) = 0;
        }
        rs->step++;
        if (rs->step == c->plan.steps) {
            tl_add(s->timeline, c->gpus[r], TL_COMM, c->task, -1, rs->start_s, s->now_s);
            if (--c->ranks_left == 0) ds_finish_task(s, c->task);
            return;
        }
        rs->step_start_s = s->now_s;
        ut_grow(&s->sendbuf, &s->cap_sendbuf, (size_t)coll_max_sends(&c->plan), sizeof *s->sendbuf);
        int nsend = coll_sends(&c->plan, r, rs->step, s->sendbuf);
        for (int k = 0; k < nsend; k++) ds_send(s, ci, r, s->sendbuf[k].peer, rs->step, s->sendbuf[k].bytes);
        s->stats.flows += (uint64_t)nsend;
        /* as flows: now and then, whether it is alone on its links again (at steps 1, 2, 4, 8, then
         * every RETRY_MAX, after it was refused or handed back), once the messages sent at this
         * instant are routed: a collective's messages that start together with this one's would
         * hand it back at once */
        if (s->replay_on && rs->step >= c->retry_step && !s->timeline->detail && !c->resume_asked) {
            c->resume_asked = 1;
            c->retry_every = !c->retry_every ? 1 : 2 * c->retry_every < RETRY_MAX ? 2 * c->retry_every : RETRY_MAX;
            c->retry_step = rs->step + c->retry_every;
            ut_grow(&s->resumes, &s->cap_resumes, (size_t)s->nresumes + 1, sizeof *s->resumes);
            s->resumes[s->nresumes++] = ci;
        }
    }
}

static void start_task(ds *s, int id)
{
    ds_task *t = &s->tasks[id];
    t->start_s = s->now_s;
    if (t->kind == TASK_COMPUTE) {
        eng_push(&s->q, s->now_s + t->duration_s, EV_COMPUTE_DONE, id, 0, 0);
        return;
    }
    ds_coll *c = &s->colls[t->coll];
    c->ranks_left = c->plan.p;
    for (int r = 0; r < c->plan.p; r++) {
        c->ranks[r].step = -1;
        c->ranks[r].start_s = s->now_s;
    }
    if (s->replay_on && ds_replay_try(s, t->coll)) return;
    ds_start_flows(s, t->coll);
}

void ds_start_flows(ds *s, int ci)
{
    ds_coll *c = &s->colls[ci];
    c->retry_step = 1, c->retry_every = 0;
    for (int r = 0; r < c->plan.p; r++) advance(s, ci, r);
}

void ds_finish_task(ds *s, int id)
{
    ds_task *t = &s->tasks[id];
    t->end_s = s->now_s;
    if (t->kind == TASK_COMPUTE) tl_add(s->timeline, t->gpu, TL_COMPUTE, id, -1, t->start_s, t->end_s);
    for (int i = 0; i < t->nsucc; i++)
        if (--s->tasks[t->succ[i]].deps_left == 0) start_task(s, t->succ[i]);
}

/* A flow's completion moved. Its queued event stands if it is not later than the new time: it
 * then fires early and is queued again at the completion of then (a rate that only falls costs one
 * event, not one per fall). */
static void on_rate(void *ctx, int flow, double done_s, uint32_t version)
{
    ds *s = ctx;
    net_flow *f = &s->n->flows[flow];
    if (f->queued_s >= 0 && f->queued_s <= done_s) return;
    f->queued_s = done_s;
    f->queued_version = version;
    eng_push(&s->q, done_s, EV_FLOW_DONE, flow, 0, version);
}

static void on_link(void *ctx, int link, double t_s, double used_Bps)
{
    ds *s = ctx;
    tl_link(s->timeline, link, t_s, used_Bps);
}

void ds_set_phase(ds *s, int task, tl_phase phase)
{
    if (task >= 0 && task < s->ntasks) tl_set_phase(s->timeline, task, phase);
}

void ds_set_replay(ds *s, int on)
{
    s->replay_on = on != 0;
}

void ds_set_stop(ds *s, int (*stop)(void *ctx), void *ctx)
{
    s->stop = stop;
    s->stop_ctx = ctx;
}

void ds_set_progress(ds *s, void (*progress)(void *ctx, double now_s), void *ctx)
{
    s->progress = progress;
    s->progress_ctx = ctx;
}

void ds_limit_work(ds *s, uint64_t max_work)
{
    s->max_work = max_work;
}

uint64_t ds_work(const ds *s)
{
    return s->stats.events + s->stale + s->replay_work + (s->n->work - s->net_work0);
}

int ds_run(ds *s, ds_stats *stats)
{
    int stopped = 0;
    unsigned polls = 0;
    if (s->ran) return -1;
    s->ran = 1;
    /* The network may have carried an earlier run: count this run's share of its statistics. */
    uint64_t updates0 = s->n->updates;
    s->net_work0 = s->n->work;
    s->now_s = 0;
    for (int i = 0; i < s->ntasks; i++)
        if (s->tasks[i].deps_left == 0 && isnan(s->tasks[i].start_s)) start_task(s, i);
    for (;;) {
        if (s->max_work && ds_work(s) > s->max_work) {
            stopped = 1;
            break;
        }
        if ((s->stop || s->progress) && !(++polls & 4095)) {
            if (s->progress) s->progress(s->progress_ctx, s->now_s);
            if (s->stop && s->stop(s->stop_ctx)) {
                stopped = 1;
                break;
            }
        }
        const eng_event *next = eng_peek(&s->q);
        if (s->nwaiting && (!next || next->time_s > s->now_s)) {
            route_waiting(s);
            continue;
        }
        if (s->nresumes && (!next || next->time_s > s->now_s)) {
            for (int i = 0; i < s->nresumes; i++) {              /* in the order they asked */
                ds_coll *c = &s->colls[s->resumes[i]];
                c->resume_asked = 0;
                ds_replay_resume(s, s->resumes[i]);
            }
            s->nresumes = 0;
            continue;
        }
        if (net_dirty(s->n) && (!next || next->time_s > s->now_s)) {
            net_update(s->n, s->now_s, on_rate, on_link, s);
            continue;
        }
        eng_event e;
        if (!eng_pop(&s->q, &e)) break;
        assert(e.time_s >= s->now_s);                /* time never runs backwards */
        if (e.kind == EV_FLOW_DONE) {
            net_flow *f = &s->n->flows[e.a];
            if (!f->active || f->queued_version != e.version || f->queued_s != e.time_s) {   /* ended, or queued again earlier */
                s->stale++;
                continue;
            }
            if (f->done_s > e.time_s) {                         /* slowed since: at its completion now */
                s->stale++;
                f->queued_s = f->done_s;
                f->queued_version = f->version;
                eng_push(&s->q, f->done_s, EV_FLOW_DONE, e.a, 0, f->version);
                continue;
            }
            s->now_s = e.time_s;
            int x = f->user;
            double latency = f->latency_s;
            net_flow_end(s->n, e.a);
            s->xfers[x].flow = -1;
            s->xfers[x].arrive_s = s->now_s + latency;
            eng_push(&s->q, s->xfers[x].arrive_s, EV_ARRIVE, x, 0, s->xfers[x].gen);
        } else if (e.kind == EV_ARRIVE) {
            if (s->xfers[e.a].gen != e.version) {               /* it left the closed form since */
                s->stale++;
                continue;
            }
            s->now_s = e.time_s;
            if (s->xfers[e.a].park >= 0) ds_park_release(s, e.a, INFINITY);
            ds_xfer x = s->xfers[e.a];
            ds_xfer_free(s, e.a);
            if (x.absorbed) continue;                   /* a closed form took it */
            ds_coll *c = &s->colls[x.coll];
            c->ranks[x.src].pending--;
            (*ds_recv_slot(&c->ranks[x.dst], x.step))++;
            advance(s, x.coll, x.src);
            advance(s, x.coll, x.dst);
        } else if (e.kind == EV_REPLAY_DONE) {
            ds_coll *c = &s->colls[e.a];
            if (!c->replay || c->replay_gen != e.version) continue;   /* handed back to the flows */
            s->now_s = e.time_s;
            ds_replay_done(s, e.a);
        } else if (e.kind == EV_REPLAY_MORE) {
            ds_coll *c = &s->colls[e.a];
            if (!c->replay || c->replay_gen != e.version) continue;
            s->now_s = e.time_s;
            ds_replay_more(s, e.a);
        } else {
            s->now_s = e.time_s;
            ds_finish_task(s, e.a);
        }
        s->stats.events++;
    }
    s->stats.end_s = s->now_s;
    s->stats.rate_updates = s->n->updates - updates0;
    s->stats.work = ds_work(s);
    tl_finish(s->timeline);
    if (stats) *stats = s->stats;
    return stopped;
}

double ds_task_start_s(const ds *s, int task)
{
    return task >= 0 && task < s->ntasks ? s->tasks[task].start_s : NAN;
}

double ds_task_end_s(const ds *s, int task)
{
    return task >= 0 && task < s->ntasks ? s->tasks[task].end_s : NAN;
}

tl *ds_timeline(ds *s)
{
    return s->timeline;
}

const coll_plan *ds_collective_plan(const ds *s, int task)
{
    return task >= 0 && task < s->ntasks && s->tasks[task].kind == TASK_COLLECTIVE ? &s->colls[s->tasks[task].coll].plan : NULL;
}
