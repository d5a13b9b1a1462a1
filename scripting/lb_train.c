/* lb_train.c: the training model in Lua: usine.predict (one plan, train.h's tm_predict),
 * usine.plan (every plan, tm_search) and usine.step (one step replayed by the discrete-event
 * simulator). The three read the same option table, with tm_plan_default() for what is not given;
 * plan searches what is not given (tp, pp, vpp, cp, mbs, zero, recompute, seq_parallel, flash,
 * dp_overlap) and keeps what is, as `usine plan` does.
 *
 * The C objects (tm_ctx, net, ds) are created after every option has been read and destroyed
 * before any result is pushed, so an error raised in between never leaks them. */
#include "lb.h"
#include "lb_int.h"

#include "ds.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { KIND_PREDICT, KIND_PLAN, KIND_STEP };
/* A simulated step has tasks for every micro-batch on every GPU (and, with tensor parallelism, a
 * collective for each): GPUs x micro-batches caps what is built (2^17 is about 8 million events);
 * what is run is capped by its work (LB_SIM_MAX_WORK). */
enum { STEP_MAX_GPUS = 1024, STEP_MAX_WORK = 1 << 17, PLAN_MAX_TOP = 100 };

static const char *const predict_keys[] = {
    "platform", "partition", "nodes", "model", "gpus", "tp", "pp", "vpp", "cp", "gbs", "mbs", "zero", "seq_parallel",
    "flash", "dp_overlap", "tp_overlap", "recompute", "precision", "tokens", "first_layers", "last_layers", "stack", NULL,
};
static const char *const step_keys[] = {
    "platform", "partition", "nodes", "model", "gpus", "tp", "pp", "vpp", "cp", "gbs", "mbs", "zero", "seq_parallel",
    "flash", "dp_overlap", "tp_overlap", "recompute", "precision", "tokens", "first_layers", "last_layers", "stack", "jobs",
    "background", "beside", NULL,
};
static const char *const beside_keys[] = {   /* another job in usine.step: the platform is the first job's */
    "model", "gpus", "tp", "pp", "vpp", "cp", "gbs", "mbs", "zero", "seq_parallel", "flash", "dp_overlap", "tp_overlap",
    "recompute", "precision", "first_layers", "last_layers", "stack", NULL,
};
static const char *const plan_keys[] = {
    "platform", "partition", "nodes", "model", "gpus", "cp", "gbs", "seq_parallel", "flash", "dp_overlap", "tp_overlap", "precision",
    "top", "tp", "pp", "vpp", "mbs", "zero", "recompute", "first_layers", "last_layers", "stack", NULL,
};

typedef struct train_in {
    const plat_platform *p;
    int part;
    tm_model m;
    tm_plan pl;
    double tokens;
    int top;
    unsigned fixed;             /* usine.plan: TM_FIX bits of the knobs given */
    int jobs;                   /* usine.step: copies of the job side by side */
    long have;                  /* GPUs of the partition */
} train_in;

/* A number of the plan, named and ranged as the core says. */
static long plan_int(lua_State *L, const lb_tab *t, tm_field f, int required, long def)
{
    const tm_limit *l = tm_limit_of(f);
    return lb_int(L, t, l->name, required, def, l->min, l->max);
}

/* Read the options in table t into in: those of a call (argument 1, parent NULL; pushes the
 * platform userdata, which keeps in->p alive), or of a job beside parent's in usine.step (its
 * platform). */
static void read_opts_at(lua_State *L, lb_tab t, int kind, train_in *in, const train_in *parent)
{
    lb_keys(L, &t, parent ? beside_keys : kind == KIND_PLAN ? plan_keys : kind == KIND_STEP ? step_keys : predict_keys);
    long have;
    if (parent) {
        in->p = parent->p, in->part = parent->part, have = parent->have;
    } else in->p = lb_platform_field(L, &t, lb_flags(L), &in->part, &have);
    in->have = have;
    lb_check_model(L, &t, "model", &in->m);
    tm_plan *pl = &in->pl;
    *pl = tm_plan_default();
    const char *stack = lb_str(L, &t, "stack", NULL);
    if (stack) {
        int k = tm_stack_find(stack);
        if (k < 0) {
            lb_get(L, &t, "stack");
            lb_field_error(L, &t, "stack", _("one of the stacks 'usine stacks' lists"), -1);
        }
        tm_stack_apply(k, pl);                          /* its defaults; flash and the overlaps given override them */
    }
    long max_gpus = kind == KIND_STEP && have > STEP_MAX_GPUS ? STEP_MAX_GPUS : have;
    pl->gpus = (int)lb_int(L, &t, "gpus", 1, 0, tm_limit_of(TM_GPUS)->min, max_gpus);
    in->jobs = kind == KIND_STEP && !parent ? (int)lb_int(L, &t, "jobs", 0, 1, 1, max_gpus / pl->gpus) : 1;   /* all on the GPUs allowed */
    pl->gbs = plan_int(L, &t, TM_GBS, 1, 0);
    pl->cp = (int)plan_int(L, &t, TM_CP, 0, pl->cp);
    pl->seq_parallel = lb_bool(L, &t, "seq_parallel", pl->seq_parallel);
    pl->flash = lb_bool(L, &t, "flash", pl->flash);
    pl->dp_overlap = lb_bool(L, &t, "dp_overlap", pl->dp_overlap);
    pl->tp_overlap = lb_bool(L, &t, "tp_overlap", pl->tp_overlap);
    const char *prec = lb_str(L, &t, "precision", plat_prec_name((plat_prec)pl->prec));
    pl->prec = plat_prec_from_name(prec);
    if (pl->prec < 0 || pl->prec == PLAT_FP64) {
        lb_get(L, &t, "precision");
        lb_field_error(L, &t, "precision", _("one of fp32, tf32, fp16, bf16, fp8"), -1);
    }
    const plat_node *nd = &in->p->node_types[in->p->partitions[in->part].node];
    const plat_accel *acc = &in->p->accels[nd->accel];
    if (!(acc->peak_tflops[pl->prec] > 0)) {   /* as the core says it (tm_plan_check), before the options are read on */
        char has[128], others[256];
        plat_prec_offer(in->p, in->part, (plat_prec)pl->prec, has, sizeof has, others, sizeof others);
        luaL_argerror(L, t.arg, lua_pushfstring(L, _("%sthe %s has no %s peak in the platform file (it trains in %s; partitions with %s: %s)"),
                                                t.path ? lua_pushfstring(L, _("%s: "), t.path) : "", acc->name ? acc->name : acc->id,
                                                prec, has[0] ? has : "-", prec, others[0] ? others : "-"));
    }
    in->top = 10;
    in->tokens = 0;
    in->fixed = 0;
    if (kind == KIND_PLAN) {
        in->top = (int)lb_int(L, &t, "top", 0, 10, 1, PLAN_MAX_TOP);
        /* the knobs given are fixed, the others searched */
        static const tm_field knobs[] = { TM_TP, TM_PP, TM_VPP, TM_CP, TM_MBS, TM_ZERO, TM_FIRST_LAYERS, TM_LAST_LAYERS };
        for (size_t k = 0; k < sizeof knobs / sizeof *knobs; k++) {
            int given = lb_get(L, &t, tm_limit_of(knobs[k])->name) != LUA_TNIL;
            lua_pop(L, 1);
            if (given) in->fixed |= TM_FIX(knobs[k]);
        }
        static const struct { const char *key; unsigned bit; } switches[] = {
            { "recompute", TM_FIX_RECOMPUTE }, { "seq_parallel", TM_FIX_SEQ_PARALLEL }, { "flash", TM_FIX_FLASH },
            { "dp_overlap", TM_FIX_OVERLAP }, { "tp_overlap", TM_FIX_TP_OVERLAP },
        };
        for (size_t k = 0; k < sizeof switches / sizeof *switches; k++) {
            if (lb_get(L, &t, switches[k].key) != LUA_TNIL) in->fixed |= switches[k].bit;
            lua_pop(L, 1);
        }
    }
    if (kind == KIND_PLAN && !in->fixed) return;
    pl->tp = (int)plan_int(L, &t, TM_TP, 0, pl->tp);
    pl->pp = (int)plan_int(L, &t, TM_PP, 0, pl->pp);
    pl->vpp = (int)plan_int(L, &t, TM_VPP, 0, pl->vpp);
    pl->mbs = (int)plan_int(L, &t, TM_MBS, 0, pl->mbs);
    pl->zero = (int)plan_int(L, &t, TM_ZERO, 0, pl->zero);
    pl->first_layers = (int)plan_int(L, &t, TM_FIRST_LAYERS, 0, 0);
    pl->last_layers = (int)plan_int(L, &t, TM_LAST_LAYERS, 0, 0);
    const char *rc = lb_str(L, &t, "recompute", tm_recompute_name(pl->recompute));
    int r = tm_recompute_from_name(rc);
    if (r < 0) {
        lb_get(L, &t, "recompute");
        lb_field_error(L, &t, "recompute", _("one of none, selective, full"), -1);
    }
    pl->recompute = (tm_recompute)r;
    in->tokens = parent ? 0 : lb_num(L, &t, "tokens", 0, 0, 0, 1e18, 0);
}

static void read_opts(lua_State *L, int kind, train_in *in)
{
    read_opts_at(L, lb_table(L, 1, 1, NULL), kind, in, NULL);
}

enum { BESIDE_MAX = 8 };

/* Field key of argument 1, an array of 1 to max entries (what it should be: `what`): pushed, and
 * its length; 0 and nothing pushed when the field is absent. */
static int read_array(lua_State *L, const char *key, int max, const char *what)
{
    lb_tab t = lb_table(L, 1, 1, NULL);
    if (lb_get(L, &t, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    int i = lua_gettop(L);
    lb_table(L, i, 1, key);
    lua_Integer n = (lua_Integer)lua_rawlen(L, i);
    if (n < 1 || n > max) lb_field_error(L, &t, key, what, i);
    return (int)n;
}

/* usine.step's beside = { {model = ..., gpus = ..., tp = ...}, ... }: other jobs, on the GPUs after
 * the first job's copies, each after the one before. Pushes their array (a userdata, or nil). */
static train_in *read_beside(lua_State *L, const train_in *in, int *n)
{
    int count = *n = read_array(L, "beside", BESIDE_MAX, _("an array of 1 to 8 jobs")), bi = lua_gettop(L);
    if (!count) return NULL;
    train_in *b = lua_newuserdatauv(L, (size_t)count * sizeof *b, 0);
    for (int i = 0; i < count; i++) {
        lua_rawgeti(L, bi, i + 1);
        const char *where = lua_pushfstring(L, "beside[%d]", i + 1);   /* (on the stack for the messages) */
        read_opts_at(L, lb_table(L, -2, 1, where), KIND_STEP, &b[i], in);
        lua_pop(L, 2);
    }
    lua_remove(L, bi);                                          /* the jobs read, their array stays */
    return b;
}
/* Create the context and check the plan; NULL with the reason in err. */
static tm_ctx *open_ctx(train_in *in, char *err, size_t n)
{
    tm_ctx *c = tm_ctx_create(in->p, in->part, in->pl.gpus, err, n);
    if (c && tm_plan_check(c, &in->m, &in->pl, err, n) != 0) {
        tm_ctx_destroy(c);
        return NULL;
    }
    return c;
}

/* The prediction as a table: every field of tm_result_fields under its name (and the legacy names
 * Lua had before), the groups as nested tables. */
static void push_result(lua_State *L, const tm_result *r)
{
    int n;
    const tm_result_field *f = tm_result_fields(&n);
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        if (!(f[i].out & TM_OUT_LUA)) continue;
        if (f[i].group) {                       /* into result[group], made on first use */
            if (lua_getfield(L, -1, f[i].group) != LUA_TTABLE) {
                lua_pop(L, 1);
                lua_createtable(L, 0, 16);
                lua_pushvalue(L, -1);
                lua_setfield(L, -3, f[i].group);
            }
        }
        double v = tm_result_value(r, &f[i]);
        if (f[i].type == TM_FIELD_BOOL) lb_setbool(L, f[i].name, v != 0);
        else if (f[i].type == TM_FIELD_INT) lb_setint(L, f[i].name, (long)v);
        else lb_setnum(L, f[i].name, v);
        if (f[i].group) lua_pop(L, 1);
    }
}

int lb_usine_predict(lua_State *L)
{
    lb_use(L, "predict");
    train_in in;
    read_opts(L, KIND_PREDICT, &in);
    char err[512];
    tm_result r;
    tm_ctx *c = open_ctx(&in, err, sizeof err);
    int rc = c ? tm_predict(c, &in.m, &in.pl, in.tokens, &r, err, sizeof err) : -1;
    tm_ctx_destroy(c);
    if (rc != 0) return lb_raise(L, err);
    push_result(L, &r);
    return 1;
}

int lb_usine_plan(lua_State *L)
{
    lb_use(L, "plan");
    train_in in;
    read_opts(L, KIND_PLAN, &in);
    /* The ranking goes into Lua memory: nothing to free if pushing the results raises. */
    tm_ranked *best = lua_newuserdatauv(L, (size_t)in.top * sizeof *best, 0);
    char err[512];
    long evaluated = 0;
    tm_ctx *c = tm_ctx_create(in.p, in.part, in.pl.gpus, err, sizeof err);
    if (!c) return lb_raise(L, err);
    if (tm_search_check(c, &in.m, &in.pl, in.fixed, err, sizeof err) != 0) {   /* a knob given that no plan can have */
        tm_ctx_destroy(c);
        return lb_raise(L, err);
    }
    int found = tm_search_fixed(c, &in.m, &in.pl, in.fixed, best, in.top, &evaluated);
    tm_ctx_destroy(c);
    int shown = found < in.top ? found : in.top;
    lua_createtable(L, 0, 3);
    lb_setint(L, "count", found);
    lb_setint(L, "evaluated", evaluated);
    lua_createtable(L, shown, 0);
    for (int i = 0; i < shown; i++) {
        const tm_plan *pl = &best[i].plan;
        const tm_result *r = &best[i].r;
        lua_createtable(L, 0, 19);
        lb_setint(L, "tp", pl->tp);
        lb_setint(L, "pp", pl->pp);
        lb_setint(L, "vpp", pl->vpp);
        lb_setint(L, "cp", pl->cp);
        lb_setint(L, "dp", r->dp);
        lb_setint(L, "mbs", pl->mbs);
        lb_setint(L, "zero", pl->zero);
        lb_setstr(L, "recompute", tm_recompute_name(pl->recompute));
        lb_setbool(L, "seq_parallel", pl->seq_parallel);
        lb_setbool(L, "flash", pl->flash);
        lb_setbool(L, "dp_overlap", pl->dp_overlap);
        lb_setbool(L, "tp_overlap", pl->tp_overlap);
        lb_setbool(L, "fits", r->mem.fits);
        lb_setbool(L, "at_limit", r->mem.at_limit);
        lb_setnum(L, "step_time_s", r->step_s);           /* the names of usine.predict and --json */
        lb_setnum(L, "mfu", r->mfu);
        lb_setnum(L, "tokens_per_s", r->tokens_per_s);
        lb_setnum(L, "memory_per_gpu_gib", r->mem.total_gib);
        lb_setnum(L, "step_s", r->step_s);                /* legacy names */
        lb_setnum(L, "memory_gib", r->mem.total_gib);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "plans");
    return 1;
}

/* usine.step's background: collectives that run during the step on the same network, as `usine
 * simulate step --background FILE` runs them, on any GPUs a step may have (STEP_MAX_GPUS). The
 * set is Lua userdata (freed whatever raises). */
enum { BG_MAX = 64 };
typedef struct bg_coll {
    int op, algo, nranks, task;
    int ranks[STEP_MAX_GPUS];
    double bytes, start_s;
} bg_coll;
typedef struct bg_set {
    int n, span;                /* span: one more than the highest GPU named */
    bg_coll c[];
} bg_set;

/* opts.background (argument 1's), if any: an array of { op =, algo =, bytes =, ranks = { GPU, ... }
 * or gpus = N (and first = F: GPUs F .. F + N - 1), start = seconds }, GPUs counted from 0 over
 * the partition (the job has the first ones). Pushes the set. */
static bg_set *read_background(lua_State *L, long have)
{
    int n = read_array(L, "background", BG_MAX, _("an array of 1 to 64 collectives")), bi = lua_gettop(L);
    if (!n) return NULL;
    size_t size = sizeof(bg_set) + (size_t)n * sizeof(bg_coll);
    bg_set *b = lua_newuserdatauv(L, size, 0);
    memset(b, 0, size);
    static const char *const keys[] = { "op", "algo", "bytes", "ranks", "gpus", "first", "start", NULL };
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, bi, i + 1);
        const char *where = lua_pushfstring(L, "background[%d]", i + 1);   /* (on the stack for the messages) */
        lb_tab e = lb_table(L, -2, 1, where);
        lb_keys(L, &e, keys);
        bg_coll *c = &b->c[i];
        const char *op = lb_str(L, &e, "op", NULL);
        c->op = op ? coll_op_from_name(op) : -1;
        if (c->op < 0) {
            lb_get(L, &e, "op");
            lb_field_error(L, &e, "op", _("one of allreduce, reducescatter, allgather, alltoall, broadcast, p2p"), -1);
        }
        const char *algo = lb_str(L, &e, "algo", NULL);
        c->algo = algo ? coll_algo_from_name(algo) : (int)coll_default_algo((coll_op)c->op);
        if (c->algo < 0) {
            lb_get(L, &e, "algo");
            lb_field_error(L, &e, "algo", _("one of ring, tree, rhd, hier, direct"), -1);
        }
        c->bytes = lb_num(L, &e, "bytes", 1, 0, 0, 1e12, 1);
        c->start_s = lb_num(L, &e, "start", 0, 0, 0, 3600, 0);
        if (lb_get(L, &e, "ranks") != LUA_TNIL) {
            int ri = lua_gettop(L);
            lua_Integer nr = lua_type(L, ri) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, ri) : 0;
            if (nr < 2 || nr > have)
                lb_field_error(L, &e, "ranks", lua_pushfstring(L, _("an array of 2 to %d GPUs"), (int)have), ri);
            c->nranks = (int)nr;
            unsigned char seen[STEP_MAX_GPUS] = { 0 };
            for (lua_Integer k = 1; k <= nr; k++) {
                lua_rawgeti(L, ri, k);
                int isint, vi = lua_gettop(L);
                lua_Integer g = lua_tointegerx(L, vi, &isint);
                if (!isint || g < 0 || g >= have)
                    lb_field_error(L, &e, "ranks", lua_pushfstring(L, _("GPUs from 0 to %d (element %d)"), (int)have - 1, (int)k), vi);
                if (seen[g]++)
                    lb_field_error(L, &e, "ranks", lua_pushfstring(L, _("distinct GPUs (element %d)"), (int)k), vi);
                c->ranks[k - 1] = (int)g;
                lua_pop(L, 1);
            }
        } else {
            c->nranks = (int)lb_int(L, &e, "gpus", 1, 0, 2, have);
            int first = (int)lb_int(L, &e, "first", 0, 0, 0, have - c->nranks);
            for (int k = 0; k < c->nranks; k++) c->ranks[k] = first + k;
        }
        lua_pop(L, 3);                                          /* the ranks (or nil), the path, the element */
        for (int k = 0; k < c->nranks; k++)
            if (c->ranks[k] + 1 > b->span) b->span = c->ranks[k] + 1;
        b->n++;
    }
    return b;
}

/* tm_step_opts.extra: the background's collectives, each from its start on. */
static int add_background(struct ds *s, void *ctx, char *err, size_t n)
{
    bg_set *b = ctx;
    for (int i = 0; i < b->n; i++) {
        bg_coll *c = &b->c[i];
        char label[32];
        snprintf(label, sizeof label, "#%d %s", i + 1, coll_op_name((coll_op)c->op));
        if ((c->task = ds_collective_at(s, (coll_op)c->op, (coll_algo)c->algo, c->ranks, c->nranks, c->bytes, c->start_s, label,
                                        err, n)) < 0) {
            char m[512];
            snprintf(m, sizeof m, "background[%d]: %s", i + 1, err);
            ut_strlcpy(err, m, n);
            return -1;
        }
    }
    return 0;
}

/* As `usine simulate step` does: the analytic prediction, then the same step replayed by the
 * simulator on the context's network (tm_step_simulate), with a background if one is given. */
int lb_usine_step(lua_State *L)
{
    lb_use(L, "step");
    train_in in;
    read_opts(L, KIND_STEP, &in);
    int nb;
    train_in *bs = read_beside(L, &in, &nb);
    long max_gpus = in.have < STEP_MAX_GPUS ? in.have : STEP_MAX_GPUS;
    bg_set *bg = read_background(L, max_gpus);
    char err[512] = "";
    tm_result r = { 0 };
    ds_stats st = { 0 };
    int span = in.pl.gpus * in.jobs, njobs = in.jobs + nb;
    for (int k = 0; k < nb; k++) span += bs[k].pl.gpus;
    if (span > max_gpus) {
        snprintf(err, sizeof err, _("the jobs side by side need %d GPUs; a step may use %ld here"), span, max_gpus);
        return lb_raise(L, err);
    }
    if (bg && bg->span > span) span = bg->span;
    tm_job *list = lua_newuserdatauv(L, (size_t)njobs * sizeof *list, 0);
    for (int k = 0; k < njobs; k++)
        list[k] = k < in.jobs ? (tm_job){ &in.m, &in.pl } : (tm_job){ &bs[k - in.jobs].m, &bs[k - in.jobs].pl };
    tm_ctx *c = tm_ctx_create(in.p, in.part, span, err, sizeof err);
    tm_step_opts o = { .max_work = lb_sim_work_limit(L), .max_build = STEP_MAX_WORK,
                       .extra = bg ? add_background : NULL, .extra_ctx = bg };
    tm_step *step = c ? tm_jobs_simulate(c, list, njobs, &o, err, sizeof err) : NULL;
    int stopped = 0;
    /* what is kept of the step once freed, in Lua's memory (freed whatever raises): each job's end,
     * its prediction alone and its first GPU; each background collective's end */
    struct job_end { double end_s, alone_s; int first; } *jobs = lua_newuserdatauv(L, (size_t)njobs * sizeof *jobs, 0);
    double *bg_end = lua_newuserdatauv(L, (size_t)(bg ? bg->n : 1) * sizeof *bg_end, 0);
    if (step) {
        st = *tm_step_stats(step);
        r = *tm_step_predicted(step);
        stopped = tm_step_stopped(step);
        for (int k = 0; k < njobs; k++)
            jobs[k] = (struct job_end){ tm_step_job_end_s(step, k), tm_step_job_predicted(step, k)->step_s, tm_step_job_first_gpu(step, k) };
        for (int i = 0; bg && i < bg->n; i++) bg_end[i] = ds_task_end_s(tm_step_sim(step), bg->c[i].task);
    }
    int ok = step != NULL;
    tm_step_free(step);
    tm_ctx_destroy(c);
    if (!ok) return lb_raise(L, err);
    lb_sim_charge(L, st.work, stopped,
                  _("this step needs more work than one call may simulate: use fewer GPUs or a smaller batch"));
    double step_s = 0;                                  /* when the last job ended (a background may go on) */
    for (int k = 0; k < in.jobs; k++) step_s = fmax(step_s, jobs[k].end_s);
    lua_createtable(L, 0, 7);
    lb_setnum(L, "simulated_s", step_s);
    lb_setnum(L, "makespan_s", st.end_s);
    lb_setnum(L, "predicted_s", r.step_s);
    lb_setnum(L, "events", (double)st.events);
    lb_setnum(L, "messages", (double)st.flows);
    lua_createtable(L, in.jobs, 0);                     /* each job's step: the slowest is simulated_s */
    for (int k = 0; k < in.jobs; k++) {
        lua_pushnumber(L, jobs[k].end_s);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "jobs_s");
    if (bg) {
        lua_createtable(L, bg->n, 0);                   /* each background collective: when it ran */
        for (int i = 0; i < bg->n; i++) {
            lua_createtable(L, 0, 2);
            lb_setnum(L, "start_s", bg->c[i].start_s);
            lb_setnum(L, "end_s", bg_end[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "background");
    }
    if (nb) {
        lua_createtable(L, nb, 0);                      /* each job beside: its step, alone and with the others */
        for (int k = in.jobs; k < njobs; k++) {
            lua_createtable(L, 0, 3);
            lb_setnum(L, "simulated_s", jobs[k].end_s);
            lb_setnum(L, "predicted_s", jobs[k].alone_s);
            lb_setnum(L, "first_gpu", jobs[k].first);
            lua_rawseti(L, -2, k - in.jobs + 1);
        }
        lua_setfield(L, -2, "beside");
    }
    return 1;
}
