/* lb_train.c: the training model in Lua: usine.predict (one plan, train.h's tm_predict),
 * usine.plan (every plan, tm_search) and usine.step (one step replayed by the discrete-event
 * simulator). The three read the same option table, with tm_plan_default() for what is not given;
 * plan leaves out what it searches (tp, pp, vpp, mbs, zero, recompute).
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
enum { STEP_MAX_GPUS = 1024, STEP_MAX_WORK = 1 << 17, PLAN_MAX_TOP = 100, MAX_GBS = 1 << 30 };

static const char *const predict_keys[] = {
    "platform", "partition", "model", "gpus", "tp", "pp", "vpp", "cp", "gbs", "mbs", "zero", "seq_parallel",
    "flash", "dp_overlap", "recompute", "precision", "tokens", NULL,
};
static const char *const plan_keys[] = {
    "platform", "partition", "model", "gpus", "cp", "gbs", "seq_parallel", "flash", "dp_overlap", "precision",
    "top", NULL,
};

typedef struct train_in {
    const plat_platform *p;
    int part;
    tm_model m;
    tm_plan pl;
    double tokens;
    int top;
} train_in;

/* Read opts (argument 1) into in. Pushes the platform userdata, which keeps in->p alive. */
static void read_opts(lua_State *L, int kind, train_in *in)
{
    lb_tab t = lb_table(L, 1, 1, NULL);
    lb_keys(L, &t, kind == KIND_PLAN ? plan_keys : predict_keys);
    long have;
    in->p = lb_platform_field(L, &t, lb_flags(L), &in->part, &have);
    lb_check_model(L, &t, "model", &in->m);
    tm_plan *pl = &in->pl;
    *pl = tm_plan_default();
    long max_gpus = kind == KIND_STEP && have > STEP_MAX_GPUS ? STEP_MAX_GPUS : have;
    pl->gpus = (int)lb_int(L, &t, "gpus", 1, 0, 1, max_gpus);
    pl->gbs = lb_int(L, &t, "gbs", 1, 0, 1, MAX_GBS);
    pl->cp = (int)lb_int(L, &t, "cp", 0, pl->cp, 1, 1024);
    pl->seq_parallel = lb_bool(L, &t, "seq_parallel", pl->seq_parallel);
    pl->flash = lb_bool(L, &t, "flash", pl->flash);
    pl->dp_overlap = lb_bool(L, &t, "dp_overlap", pl->dp_overlap);
    const char *prec = lb_str(L, &t, "precision", plat_prec_name((plat_prec)pl->prec));
    pl->prec = plat_prec_from_name(prec);
    if (pl->prec < 0 || pl->prec == PLAT_FP64) {
        lb_get(L, &t, "precision");
        lb_field_error(L, &t, "precision", _("one of fp32, tf32, fp16, bf16, fp8"), -1);
    }
    const plat_node *nd = &in->p->node_types[in->p->partitions[in->part].node];
    const plat_accel *acc = &in->p->accels[nd->accel];
    if (!(acc->peak_tflops[pl->prec] > 0))
        luaL_argerror(L, 1, lua_pushfstring(L, _("the %s has no %s peak in the platform file"), acc->name ? acc->name : acc->id, prec));
    in->top = 10;
    in->tokens = 0;
    if (kind == KIND_PLAN) {
        in->top = (int)lb_int(L, &t, "top", 0, 10, 1, PLAN_MAX_TOP);
        return;
    }
    pl->tp = (int)lb_int(L, &t, "tp", 0, pl->tp, 1, 1024);
    pl->pp = (int)lb_int(L, &t, "pp", 0, pl->pp, 1, 10000);
    pl->vpp = (int)lb_int(L, &t, "vpp", 0, pl->vpp, 1, 1000);
    pl->mbs = (int)lb_int(L, &t, "mbs", 0, pl->mbs, 1, 1 << 20);
    pl->zero = (int)lb_int(L, &t, "zero", 0, pl->zero, 0, 3);
    const char *rc = lb_str(L, &t, "recompute", tm_recompute_name(pl->recompute));
    int r = tm_recompute_from_name(rc);
    if (r < 0) {
        lb_get(L, &t, "recompute");
        lb_field_error(L, &t, "recompute", _("one of none, selective, full"), -1);
    }
    pl->recompute = (tm_recompute)r;
    in->tokens = lb_num(L, &t, "tokens", 0, 0, 0, 1e18, 0);
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

static void push_result(lua_State *L, const tm_result *r)
{
    lua_createtable(L, 0, 40);
    lb_setint(L, "dp", r->dp);
    lb_setint(L, "micro_batches", r->micro_batches);
    const struct { const char *k; double v; } f[] = {
        { "params", r->params }, { "params_per_gpu", r->params_per_gpu }, { "step_s", r->step_s },
        { "tokens_per_step", r->tokens_per_step }, { "tokens_per_s", r->tokens_per_s },
        { "model_flops_step", r->model_flops_step }, { "hw_flops_step", r->hw_flops_step },
        { "model_tflops_per_gpu", r->model_tflops_per_gpu }, { "hardware_tflops_per_gpu", r->hardware_tflops_per_gpu },
        { "mfu", r->mfu }, { "hfu", r->hfu }, { "peak_tflops", r->peak_tflops }, { "tokens", r->tokens },
        { "steps", r->steps }, { "time_to_train_s", r->time_to_train_s }, { "wall_time_s", r->wall_time_s },
        { "gpu_hours", r->gpu_hours }, { "power_it_mw", r->power_it_mw }, { "energy_it_mwh", r->energy_it_mwh },
        { "energy_mwh", r->energy_mwh }, { "carbon_t", r->carbon_t }, { "cost_eur", r->cost_eur },
        { "job_mtbf_s", r->job_mtbf_s }, { "interruptions", r->interruptions }, { "checkpoint_bytes", r->checkpoint_B },
        { "checkpoint_write_s", r->checkpoint_write_s }, { "checkpoint_interval_s", r->checkpoint_interval_s },
        { "goodput", r->goodput }, { "data_Bps", r->data_Bps },
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) lb_setnum(L, f[i].k, f[i].v);
    const tm_breakdown *b = &r->b;
    const struct { const char *k; double v; } bd[] = {
        { "compute_s", b->compute_s }, { "gemm_s", b->gemm_s }, { "memops_s", b->memops_s },
        { "recompute_s", b->recompute_s }, { "tp_s", b->tp_s }, { "cp_s", b->cp_s }, { "pp_s", b->pp_s },
        { "dp_s", b->dp_s }, { "zero_s", b->zero_s }, { "dp_total_s", b->dp_total_s },
        { "zero_total_s", b->zero_total_s }, { "bubble_s", b->bubble_s }, { "optimizer_s", b->optimizer_s },
    };
    lua_createtable(L, 0, (int)(sizeof bd / sizeof *bd));
    for (size_t i = 0; i < sizeof bd / sizeof *bd; i++) lb_setnum(L, bd[i].k, bd[i].v);
    lua_setfield(L, -2, "breakdown");
    const tm_memory *m = &r->mem;
    const struct { const char *k; double v; } mem[] = {
        { "weights_gib", m->weights_gib }, { "grads_gib", m->grads_gib }, { "optimizer_gib", m->optimizer_gib },
        { "activations_gib", m->activations_gib }, { "buffers_gib", m->buffers_gib },
        { "runtime_gib", m->runtime_gib }, { "total_gib", m->total_gib }, { "capacity_gib", m->capacity_gib },
    };
    lua_createtable(L, 0, (int)(sizeof mem / sizeof *mem) + 1);
    for (size_t i = 0; i < sizeof mem / sizeof *mem; i++) lb_setnum(L, mem[i].k, mem[i].v);
    lb_setbool(L, "fits", m->fits);
    lua_setfield(L, -2, "memory");
}

int lb_usine_predict(lua_State *L)
{
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
    train_in in;
    read_opts(L, KIND_PLAN, &in);
    /* The ranking goes into Lua memory: nothing to free if pushing the results raises. */
    tm_ranked *best = lua_newuserdatauv(L, (size_t)in.top * sizeof *best, 0);
    char err[512];
    long evaluated = 0;
    tm_ctx *c = tm_ctx_create(in.p, in.part, in.pl.gpus, err, sizeof err);
    if (!c) return lb_raise(L, err);
    int found = tm_search(c, &in.m, &in.pl, best, in.top, &evaluated);
    tm_ctx_destroy(c);
    int shown = found < in.top ? found : in.top;
    lua_createtable(L, 0, 3);
    lb_setint(L, "count", found);
    lb_setint(L, "evaluated", evaluated);
    lua_createtable(L, shown, 0);
    for (int i = 0; i < shown; i++) {
        const tm_plan *pl = &best[i].plan;
        const tm_result *r = &best[i].r;
        lua_createtable(L, 0, 11);
        lb_setint(L, "tp", pl->tp);
        lb_setint(L, "pp", pl->pp);
        lb_setint(L, "vpp", pl->vpp);
        lb_setint(L, "dp", r->dp);
        lb_setint(L, "mbs", pl->mbs);
        lb_setint(L, "zero", pl->zero);
        lb_setstr(L, "recompute", tm_recompute_name(pl->recompute));
        lb_setnum(L, "step_s", r->step_s);
        lb_setnum(L, "mfu", r->mfu);
        lb_setnum(L, "tokens_per_s", r->tokens_per_s);
        lb_setnum(L, "memory_gib", r->mem.total_gib);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "plans");
    return 1;
}

/* As `usine simulate step` does: the analytic prediction, then the same step replayed by the
 * simulator on the context's network (tm_step_simulate). */
int lb_usine_step(lua_State *L)
{
    train_in in;
    read_opts(L, KIND_STEP, &in);
    char err[512] = "";
    tm_result r;
    ds_stats st = { 0 };
    tm_ctx *c = tm_ctx_create(in.p, in.part, in.pl.gpus, err, sizeof err);
    int ok = c && tm_plan_check(c, &in.m, &in.pl, err, sizeof err) == 0 &&
             tm_predict(c, &in.m, &in.pl, in.tokens, &r, err, sizeof err) == 0;
    if (ok && (double)in.pl.gpus * r.micro_batches > STEP_MAX_WORK) {
        snprintf(err, sizeof err, _("a step of %d GPUs with %d micro-batches each is more than one call may simulate "
                                    "(GPUs x micro-batches at most %d): use fewer GPUs or a smaller batch"),
                 in.pl.gpus, r.micro_batches, STEP_MAX_WORK);
        ok = 0;
    }
    tm_step *step = ok ? tm_step_simulate(c, &in.m, &in.pl, &(tm_step_opts){ .max_work = lb_sim_work_limit(L) }, err, sizeof err)
                       : NULL;
    int stopped = 0;
    if (step) {
        st = *tm_step_stats(step);
        stopped = tm_step_stopped(step);
    }
    ok = step != NULL;
    tm_step_free(step);
    tm_ctx_destroy(c);
    if (!ok) return lb_raise(L, err);
    lb_sim_charge(L, st.work, stopped,
                  _("this step needs more work than one call may simulate: use fewer GPUs or a smaller batch"));
    lua_createtable(L, 0, 4);
    lb_setnum(L, "simulated_s", st.end_s);
    lb_setnum(L, "predicted_s", r.step_s);
    lb_setnum(L, "events", (double)st.events);
    lb_setnum(L, "messages", (double)st.flows);
    return 1;
}
