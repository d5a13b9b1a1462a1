/* lb_sim.c: the discrete-event simulator in Lua: usine.collective (one collective, beside its
 * alpha-beta closed form, as `usine simulate collective` prints it) and usine.schedule (a message
 * schedule a student wrote, step by step, run on the same network).
 *
 * One call must not run for minutes, and the cost of a simulation is in its messages, above all
 * in those that share links at the same time: a collective is refused when its program sends more
 * than MAX_MESSAGES messages, or more than MAX_AT_ONCE in one step; a schedule holds at most
 * MAX_SCHEDULE messages, and is refused when messages of many sizes crowd the same links
 * (MAX_CONTENTION, below). Those caps bound what is built; what is run is bounded by its work
 * (LB_SIM_MAX_WORK, and the caller's instruction budget, which the work is charged to). The
 * simulator is created after every argument is read and destroyed before results are pushed; the
 * schedule's arrays are Lua userdata. */
#include "lb.h"
#include "lb_int.h"

#include "ds.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_GPUS = 4096,
    MAX_MESSAGES = 1 << 22,     /* a ring all-reduce over 1024 GPUs sends 2 x 1023 x 1024 */
    MAX_AT_ONCE = 1 << 18,      /* an all-to-all over 512 GPUs sends 512 x 511 in its one step */
    MAX_SCHEDULE = 100000,
};
#define MAX_CONTENTION 33554432.0  /* 2^25: about 4000 messages of different sizes on one route */

/* Count the messages of a collective's program: 0 when they are within the caps, else -1. */
static int within_caps(const coll_plan *c)
{
    int max = coll_max_sends(c);
    coll_send *buf = ut_malloc((size_t)(max > 0 ? max : 1) * sizeof *buf);
    long total = 0;
    int ok = 1;
    for (int s = 0; s < c->steps && ok; s++) {
        long step = 0;
        for (int r = 0; r < c->p; r++) step += coll_sends(c, r, s, buf);
        total += step;
        ok = step <= MAX_AT_ONCE && total <= MAX_MESSAGES;
    }
    free(buf);
    return ok ? 0 : -1;
}

/* routing = POLICY: the network's routing replaced for this simulation (-1: the file's). */
static int routing_field(lua_State *L, lb_tab *t, const plat_platform *p, int part)
{
    const char *name = lb_str(L, t, "routing", NULL);
    if (!name) return -1;
    char err[256];
    int r = plat_routing_parse(&p->networks[p->partitions[part].network], name, err, sizeof err);
    if (r < 0) {
        lb_get(L, t, "routing");
        lb_field_error(L, t, "routing", err, -1);
    }
    return r;
}

int lb_usine_collective(lua_State *L)
{
    lb_use(L, "collective");
    static const char *const keys[] = { "platform", "partition", "nodes", "op", "algo", "gpus", "bytes", "routing", NULL };
    lb_tab t = lb_table(L, 1, 1, NULL);
    lb_keys(L, &t, keys);
    int part;
    long have;
    const plat_platform *p = lb_platform_field(L, &t, lb_flags(L), &part, &have);
    int op = coll_op_from_name(lb_str(L, &t, "op", "allreduce"));
    if (op < 0) {
        lb_get(L, &t, "op");
        lb_field_error(L, &t, "op", _("one of allreduce, reducescatter, allgather, alltoall, broadcast, p2p"), -1);
    }
    const char *algo_name = lb_str(L, &t, "algo", NULL);
    int algo = algo_name ? coll_algo_from_name(algo_name) : (int)coll_default_algo((coll_op)op);
    if (algo < 0) {
        lb_get(L, &t, "algo");
        lb_field_error(L, &t, "algo", _("one of ring, tree, rhd, hier, direct"), -1);
    }
    int gpus = (int)lb_int(L, &t, "gpus", 1, 0, 1, have < MAX_GPUS ? have : MAX_GPUS);
    double bytes = lb_num(L, &t, "bytes", 1, 0, 0, 1e12, 1);
    int routing = routing_field(L, &t, p, part);

    char err[512] = "", formula[256] = "";
    ds_stats st = { 0 };
    coll_cost cost;
    coll_plan plan;
    double closed = 0;
    net *n = net_create_routed(p, part, gpus, routing, err, sizeof err);
    ds *s = NULL;
    int ok = n != NULL;
    if (ok) {
        ds_collective_cost(n, NULL, gpus, &cost);
        ok = coll_plan_init(&plan, (coll_op)op, (coll_algo)algo, gpus, bytes, &cost, err, sizeof err) == 0;
    }
    if (ok) {
        if (within_caps(&plan) != 0) {
            snprintf(err, sizeof err, _("%s (%s) over %d GPUs sends more messages than one call may simulate "
                                        "(%d in all, %d in one step): use fewer GPUs"),
                     coll_op_name((coll_op)op), coll_algo_name((coll_algo)algo), gpus, MAX_MESSAGES, MAX_AT_ONCE);
            ok = 0;
        }
        coll_plan_free(&plan);
    }
    int stopped = 0;
    if (ok) {
        s = ds_create(n, 0);
        int task = ds_collective(s, (coll_op)op, (coll_algo)algo, NULL, gpus, bytes, coll_op_name((coll_op)op), NULL, 0,
                                 err, sizeof err);
        ok = task >= 0;
        if (ok) {
            ds_limit_work(s, lb_sim_work_limit(L));
            stopped = ds_run(s, &st) == 1;
        }
        if (ok && !stopped) {
            const coll_plan *run = ds_collective_plan(s, task);
            closed = coll_closed_form_s(run, &cost);
            ut_strlcpy(formula, coll_formula(run), sizeof formula);
        }
    }
    ds_destroy(s);
    net_destroy(n);
    if (!ok) return lb_raise(L, err);
    lb_sim_charge(L, st.work, stopped, _("this collective needs more work than one call may simulate: use fewer GPUs"));

    double algbw = st.end_s > 0 ? bytes / st.end_s / 1e9 : 0;
    lua_createtable(L, 0, 16);
    lb_setnum(L, "simulated_s", st.end_s);
    lb_setnum(L, "closed_form_s", closed);
    lb_setstr(L, "formula", formula);
    lb_setstr(L, "op", coll_op_name((coll_op)op));
    lb_setstr(L, "algo", coll_algo_name((coll_algo)algo));
    lb_setint(L, "gpus", gpus);
    lb_setnum(L, "bytes", bytes);
    lb_setnum(L, "algbw_gbs", algbw);
    lb_setnum(L, "busbw_gbs", algbw * coll_busbw_factor((coll_op)op, gpus));
    lb_setnum(L, "alpha_intra_s", cost.alpha_intra_s);
    lb_setnum(L, "bw_intra_Bps", cost.bw_intra_Bps);
    lb_setnum(L, "alpha_inter_s", cost.alpha_inter_s);
    lb_setnum(L, "bw_inter_Bps", cost.bw_inter_Bps);
    lb_setnum(L, "messages", (double)st.flows);
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Schedules.
 *
 * Steps run in order on each GPU: a GPU enters step k once everything it sent and received in its
 * previous steps is done, so a message of step k waits for every earlier message of its sender
 * and of its receiver (in practice for those of the last step each took part in: the earlier
 * ones are done by then). Rather than an edge from each of those messages to each message of the
 * next step (quadratic for a GPU that sends many), every GPU that takes part in a step gets a
 * barrier, a compute task of 0 seconds on it that waits for its messages of the step; the next
 * messages of that GPU wait for its barrier. Zero-length tasks end at the instant they start, so
 * the barriers change no time. step_end_s[k] is when every message of steps 1..k has arrived.
 *
 * Cost: flows that share a link are re-rated whenever one of them ends, so many messages of
 * different sizes through one link cost the square of their number (equal sizes end together and
 * cost little). Before running, every link's messages are counted, c, with their distinct sizes,
 * d, over the whole schedule (messages of different steps may overlap), and the schedule is
 * refused when the sum of c x d over the links exceeds MAX_CONTENTION. */

typedef struct sched_msg {
    int from, to;
    double bytes;
} sched_msg;

/* Scratch arrays, in one Lua userdata. */
typedef struct sched {
    sched_msg *msg;             /* every message, step after step */
    int *first;                 /* messages of step k: msg[first[k] .. first[k + 1]) */
    int *task;                  /* simulator task of each message */
    int *last;                  /* per GPU: its barrier of the last step it took part in, or -1 */
    int *count, *start, *touched; /* per GPU, for the current step */
    int *deps;                  /* the messages of the current step, grouped by GPU */
    double *step_end;
} sched;

static void *carve(char **at, size_t bytes)
{
    void *p = *at;
    *at += (bytes + 15) / 16 * 16;
    return p;
}

static sched *sched_alloc(lua_State *L, int nmsg, int nsteps, int gpus)
{
    size_t m = (size_t)nmsg, k = (size_t)nsteps, g = (size_t)gpus;
    size_t bytes = 10 * 16 + m * sizeof(sched_msg) + (k + 1) * sizeof(int) + m * sizeof(int) + 4 * g * sizeof(int) +
                   2 * m * sizeof(int) + k * sizeof(double);
    char *at = lua_newuserdatauv(L, sizeof(sched) + bytes, 0);
    sched *s = (sched *)at;
    at += (sizeof(sched) + 15) / 16 * 16;
    s->msg = carve(&at, m * sizeof *s->msg);
    s->first = carve(&at, (k + 1) * sizeof *s->first);
    s->task = carve(&at, m * sizeof *s->task);
    s->last = carve(&at, g * sizeof *s->last);
    s->count = carve(&at, g * sizeof *s->count);
    s->start = carve(&at, g * sizeof *s->start);
    s->touched = carve(&at, g * sizeof *s->touched);
    s->deps = carve(&at, 2 * m * sizeof *s->deps);
    s->step_end = carve(&at, k * sizeof *s->step_end);
    return s;
}

/* Read steps (at index si) into sc; every message is checked here, before the simulator exists. */
static void read_steps(lua_State *L, int si, int nsteps, int gpus, sched *sc)
{
    static const char *const keys[] = { "from", "to", "bytes", NULL };
    int m = 0;
    for (int k = 0; k < nsteps; k++) {
        sc->first[k] = m;
        lua_rawgeti(L, si, k + 1);
        int n = (int)lua_rawlen(L, -1);
        for (int i = 0; i < n; i++) {
            char path[64];
            snprintf(path, sizeof path, "steps[%d][%d]", k + 1, i + 1);
            lua_rawgeti(L, -1, i + 1);
            lb_tab t = lb_table(L, -1, 1, path);
            lb_keys(L, &t, keys);
            sched_msg *g = &sc->msg[m++];
            g->from = (int)lb_int(L, &t, "from", 1, 0, 0, gpus - 1);
            g->to = (int)lb_int(L, &t, "to", 1, 0, 0, gpus - 1);
            g->bytes = lb_num(L, &t, "bytes", 1, 0, 0, HUGE_VAL, 1);
            if (g->from == g->to)
                luaL_argerror(L, 1, lua_pushfstring(L, _("field '%s': a GPU does not send to itself (from = to = %d)"), path, g->from));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    sc->first[nsteps] = m;
}

typedef struct sized { double bytes; int msg; } sized;

static int by_bytes(const void *a, const void *b)
{
    const sized *x = a, *y = b;
    return x->bytes < y->bytes ? -1 : x->bytes > y->bytes ? 1 : x->msg - y->msg;
}

/* Sum of c x d over the links (see above); the worst link in *worst. */
static double contention(const net *n, const sched *sc, int nmsg, int *worst)
{
    sized *order = ut_malloc((size_t)(nmsg > 0 ? nmsg : 1) * sizeof *order);
    for (int i = 0; i < nmsg; i++) order[i] = (sized){ sc->msg[i].bytes, i };
    qsort(order, (size_t)nmsg, sizeof *order, by_bytes);
    double *c = ut_calloc((size_t)n->nlinks, sizeof *c), *d = ut_calloc((size_t)n->nlinks, sizeof *d);
    double *last = ut_calloc((size_t)n->nlinks, sizeof *last);
    for (int i = 0; i < nmsg; i++) {
        const sched_msg *g = &sc->msg[order[i].msg];
        int hops[NET_MAX_HOPS];
        int nh = net_route(n, g->from, g->to, hops, NULL);
        for (int h = 0; h < nh; h++) {
            c[hops[h]]++;
            if (last[hops[h]] != g->bytes) d[hops[h]]++, last[hops[h]] = g->bytes;
        }
    }
    double sum = 0, max = -1;
    for (int l = 0; l < n->nlinks; l++) {
        sum += c[l] * d[l];
        if (c[l] * d[l] > max) max = c[l] * d[l], *worst = l;
    }
    free(order), free(c), free(d), free(last);
    return sum;
}

/* Build and run the schedule, at most max_work of it; 0, 1 when it stopped there (*work: what it
 * did), or -1 with the simulator's message. */
static int run_schedule(ds *s, net *n, sched *sc, int nsteps, int gpus, unsigned long long max_work, double *end_s,
                        unsigned long long *work, char *err, size_t errsz)
{
    int worst = 0;
    if (contention(n, sc, sc->first[nsteps], &worst) > MAX_CONTENTION) {
        char link[96];
        net_link_label(n, worst, link, sizeof link);
        snprintf(err, errsz, _("this schedule would take too long to simulate: too many messages of different sizes "
                               "share links (the busiest: %s); use fewer messages or fewer different sizes"), link);
        return -1;
    }
    for (int g = 0; g < gpus; g++) sc->last[g] = -1, sc->count[g] = 0;
    for (int k = 0; k < nsteps; k++) {
        int ntouched = 0;
        for (int i = sc->first[k]; i < sc->first[k + 1]; i++) {
            const sched_msg *g = &sc->msg[i];
            int pair[2] = { g->from, g->to }, deps[2], nd = 0;
            if (sc->last[g->from] >= 0) deps[nd++] = sc->last[g->from];
            if (sc->last[g->to] >= 0 && sc->last[g->to] != sc->last[g->from]) deps[nd++] = sc->last[g->to];
            sc->task[i] = ds_collective(s, COLL_P2P, COLL_DIRECT, pair, 2, g->bytes, "message", deps, nd, err, errsz);
            if (sc->task[i] < 0) return -1;
            for (int e = 0; e < 2; e++)
                if (sc->count[pair[e]]++ == 0) sc->touched[ntouched++] = pair[e];
        }
        int at = 0;
        for (int j = 0; j < ntouched; j++) {
            int g = sc->touched[j];
            sc->start[g] = at;
            at += sc->count[g];
            sc->count[g] = 0;
        }
        for (int i = sc->first[k]; i < sc->first[k + 1]; i++) {
            int ends[2] = { sc->msg[i].from, sc->msg[i].to };
            for (int e = 0; e < 2; e++) sc->deps[sc->start[ends[e]] + sc->count[ends[e]]++] = sc->task[i];
        }
        for (int j = 0; j < ntouched; j++) {
            int g = sc->touched[j];
            sc->last[g] = ds_compute(s, g, 0, "step", &sc->deps[sc->start[g]], sc->count[g], err, errsz);
            sc->count[g] = 0;
            if (sc->last[g] < 0) return -1;
        }
    }
    ds_stats st = { 0 };
    ds_limit_work(s, max_work);
    int stopped = ds_run(s, &st) == 1;
    *work = st.work;
    if (stopped) return 1;
    double end = 0;
    for (int k = 0; k < nsteps; k++) {
        for (int i = sc->first[k]; i < sc->first[k + 1]; i++) {
            double e = ds_task_end_s(s, sc->task[i]);
            if (e > end) end = e;
        }
        sc->step_end[k] = end;
    }
    *end_s = st.end_s;
    return 0;
}

int lb_usine_schedule(lua_State *L)
{
    lb_use(L, "schedule");
    static const char *const keys[] = { "platform", "partition", "nodes", "gpus", "steps", "routing", NULL };
    lb_tab t = lb_table(L, 1, 1, NULL);
    lb_keys(L, &t, keys);
    int part;
    long have;
    const plat_platform *p = lb_platform_field(L, &t, lb_flags(L), &part, &have);
    int gpus = (int)lb_int(L, &t, "gpus", 1, 0, 1, have < MAX_GPUS ? have : MAX_GPUS);
    int routing = routing_field(L, &t, p, part);
    lb_get(L, &t, "steps");
    lb_tab steps = lb_table(L, -1, 1, "steps");
    lua_Unsigned nsteps = lua_rawlen(L, steps.idx), nmsg = 0;
    if (nsteps > MAX_SCHEDULE) luaL_argerror(L, 1, _("field 'steps': at most 100000 steps"));
    for (lua_Unsigned k = 1; k <= nsteps; k++) {
        char path[32];
        snprintf(path, sizeof path, "steps[%d]", (int)k);
        lua_rawgeti(L, steps.idx, (lua_Integer)k);
        lb_table(L, -1, 1, path);
        nmsg += lua_rawlen(L, -1);
        lua_pop(L, 1);
        if (nmsg > MAX_SCHEDULE)
            luaL_argerror(L, 1, _("field 'steps': a schedule holds at most 100000 messages"));
    }
    sched *sc = sched_alloc(L, (int)nmsg, (int)nsteps, gpus);
    read_steps(L, steps.idx, (int)nsteps, gpus, sc);

    /* Nothing to send, nothing to simulate (and an empty simulation's timeline sorts NULL). */
    char err[512] = "";
    double end_s = 0;
    memset(sc->step_end, 0, (size_t)nsteps * sizeof *sc->step_end);
    if (nmsg > 0) {
        unsigned long long max_work = lb_sim_work_limit(L), work = 0;
        net *n = net_create_routed(p, part, gpus, routing, err, sizeof err);
        ds *s = n ? ds_create(n, 0) : NULL;
        int rc = s ? run_schedule(s, n, sc, (int)nsteps, gpus, max_work, &end_s, &work, err, sizeof err) : -1;
        ds_destroy(s);
        net_destroy(n);
        if (rc < 0) return lb_raise(L, err);
        lb_sim_charge(L, work, rc == 1, _("this schedule needs more work than one call may simulate: use fewer messages"));
    }

    lua_createtable(L, 0, 3);
    lb_setnum(L, "time_s", end_s);
    lua_createtable(L, (int)nsteps, 0);
    for (int k = 0; k < (int)nsteps; k++) {
        lua_pushnumber(L, sc->step_end[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "step_end_s");
    lb_setint(L, "messages", (long)nmsg);
    return 1;
}
