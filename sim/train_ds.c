/* train_ds.c: one training step as a graph of tasks for the discrete-event simulator (ds.h): the
 * same pieces as the analytic model (tm_result.parts), but the communication runs as flows on the
 * network, so contention and the pipeline's real schedule decide the time. */
#include "train.h"
#include "train_int.h"

#include "ds.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PEND = 3 };

typedef struct builder {
    ds *s;
    const tm_plan *pl;
    int tp, pp, dp, m, v;       /* v: model chunks per stage (vpp; 1: plain 1F1B) */
    int cp, lr;                 /* context parallelism; local ranks of a (replica, stage): cp x tp, rank ci x tp + r */
    int *ids, *gpus, *cores, *start, *done, *ring_group, *ring_deps;   /* add_op's scratch, sized for lr */
    const net *net;             /* the step's network (for the context ring's channels) */
    const int *layers;          /* per stage (tm_stage_layers) */
    int *prev;                  /* per GPU: its last task so far (-1: none) */
    int *f_out, *b_out;         /* per (d, virtual stage, j, r): the task that delivers F / B onwards to rank r */
    int *pend_f, *pend_b;       /* per (GPU, micro-batch), PEND each: ZeRO-3 gathers its forward / backward waits for */
    int *snap;                  /* per GPU: prev as it was before the forward just added (when it could start) */
    int *gathered;              /* per GPU: the last ZeRO-3 gather issued for its replicas (-1: none): one stream */
    int *last_b_deps;           /* per GPU: what its last backward waited for (its start) */
    int *nlast_b_deps;
    char *err;
    size_t err_size;
} builder;

/* GPU of local rank r (context rank r / tp, tensor rank r % tp) of replica d on stage s: tensor
 * ranks innermost, then context, data and pipeline, as the analytic model strides them. */
static int gpu_of(const builder *b, int d, int s, int r) { return r + b->lr * (d + b->dp * s); }
/* Virtual stage vs = chunk x pp + stage (Narayanan et al. SC'21, section 2.2.2: chunk c of every
 * stage before chunk c + 1 of any). */
static size_t at(const builder *b, int d, int vs, int j, int r)
{
    return (((size_t)d * b->pp * b->v + vs) * b->m + j) * b->lr + r;
}

/* Layers of chunk c of stage s: the stage's layers shared out, the first chunks one more when
 * they do not divide (a stack with unequal chunks; the others divide, tm_plan_check says). */
static int chunk_layers(const builder *b, int s, int c)
{
    return b->layers[s] / b->v + (c < b->layers[s] % b->v);
}

static int channels(ds *s, const net *nw, coll_op op, const int *group, int p, double bytes, const char *label,
                    const int *deps, int nd, char *err, size_t n);

/* A forward or backward compute task on GPU g, labelled and phased for the timeline. */
static int pass_task(builder *b, int g, double seconds, int fwd, const int *deps, int nd)
{
    int t = ds_compute(b->s, g, seconds, fwd ? "forward" : "backward", deps, nd, b->err, b->err_size);
    if (t >= 0) ds_set_phase(b->s, t, fwd ? TL_PHASE_FORWARD : TL_PHASE_BACKWARD);
    return t;
}

/* One forward (fwd = 1) or backward of micro-batch j on chunk c of stage s of replica d. With
 * context parallelism the pass's attention core runs first, beside the ring of keys and values
 * among the context ranks (once forward; twice backward, thrice with full recomputation), and the
 * rest of the pass waits for both. */
static int add_op(builder *b, const tm_parts *P, int d, int s, int c, int j, int fwd)
{
    int tp = b->tp, lr = b->lr, *ids = b->ids, *gpus = b->gpus, *start = b->start, *cores = b->cores, *done = b->done;
    int nstart = 0;
    int vs = c * b->pp + s, nvs = b->pp * b->v;
    double n = chunk_layers(b, s, c);
    int first = vs == 0, last = vs == nvs - 1, full = b->pl->recompute == TM_RC_FULL;
    double dur = fwd ? n * P->f_layer_s + (first ? P->first_f_s : 0) + (last ? P->last_f_s : 0)
                     : n * P->b_layer_s + n * P->rc_layer_s + (first ? P->first_b_s : 0) + (last ? P->last_b_s : 0);
    int ring = b->cp > 1 && P->cp_bytes > 0;
    double core = !ring ? 0 : fwd ? n * P->core_f_s : n * (P->core_b_s + (full ? P->core_f_s : 0));
    for (int r = 0; r < lr; r++) {
        int g = gpu_of(b, d, s, r), deps[3 + PEND], nd = 0;
        gpus[r] = g;
        if (b->prev[g] >= 0) deps[nd++] = b->prev[g];
        if (b->pl->zero == 3) {                           /* the ZeRO-3 gathers this pass waits for */
            int *pend = fwd ? &b->pend_f[((size_t)g * b->m + j) * PEND] : &b->pend_b[((size_t)g * b->m + j) * PEND];
            for (int k = 0; k < PEND; k++)
                if (pend[k] >= 0) deps[nd++] = pend[k], pend[k] = -1;
        }
        if (fwd && vs > 0) deps[nd++] = b->f_out[at(b, d, vs - 1, j, r)];
        if (!fwd && vs < nvs - 1) deps[nd++] = b->b_out[at(b, d, vs + 1, j, r)];
        if (!fwd) {
            memcpy(&b->last_b_deps[(size_t)g * (3 + PEND)], deps, (size_t)nd * sizeof *deps);
            b->nlast_b_deps[g] = nd;
        }
        memcpy(&start[nstart], deps, (size_t)nd * sizeof *deps);
        nstart += nd;
        /* with a context ring, its attention core now and the rest below; else the whole pass */
        int task = pass_task(b, g, ring ? core : dur, fwd, deps, nd);
        if (task < 0) return -1;
        cores[r] = ring ? task : -1;
        if (!ring) ids[r] = task;
    }
    if (ring) {
        /* per tensor rank, the ring among its context ranks, started with the cores; then the rest */
        double bytes = P->cp_bytes * n * (fwd ? 1 : 2 + full);
        int *group = b->ring_group, *sdeps = b->ring_deps;
        for (int r = 0; r < tp; r++) {
            int nstart_r = 0;
            for (int ci = 0; ci < b->cp; ci++) {
                group[ci] = gpus[ci * tp + r];
                int k = b->prev[group[ci]];
                if (k >= 0) sdeps[nstart_r++] = k;
            }
            /* as NCCL runs it across nodes: one ring per GPU of a node, each leaving by its own NIC */
            int x = channels(b->s, b->net, COLL_ALLGATHER, group, b->cp, bytes, "context parallel", sdeps, nstart_r, b->err,
                             b->err_size);
            if (x < 0) return -1;
            for (int ci = 0; ci < b->cp; ci++) {
                int lr_i = ci * tp + r, both[2] = { cores[lr_i], x };
                if ((ids[lr_i] = pass_task(b, gpus[lr_i], dur - core, fwd, both, 2)) < 0) return -1;
            }
        }
    }
    int n_tp = (fwd ? P->tp_f : P->tp_b) * (int)n;
    int overlap = b->pl->tp_overlap;
    for (int ci = 0; ci < b->cp; ci++) {
        /* per context rank, its tensor-parallel group: after the compute, or with --tp-overlap
         * alongside it (fused with the matrix multiplies: it starts with them, and the pass ends
         * when both have) */
        done[ci] = -1;
        if (tp > 1 && n_tp > 0) {
            const int *gs = &gpus[ci * tp], *is = &ids[ci * tp];
            done[ci] = overlap ? ds_collective(b->s, COLL_ALLREDUCE, COLL_RING, gs, tp, P->tp_bytes * n_tp,
                                               "tensor parallel (overlapped)", start, nstart, b->err, b->err_size)
                               : ds_collective(b->s, COLL_ALLREDUCE, COLL_RING, gs, tp, P->tp_bytes * n_tp, "tensor parallel", is,
                                               tp, b->err, b->err_size);
            if (done[ci] < 0) return -1;
        }
    }
    int next = fwd ? vs + 1 : vs - 1;         /* the virtual stage the result goes to, on stage next % pp */
    int *out = fwd ? b->f_out : b->b_out;
    for (int r = 0; r < lr; r++) {
        int g = gpus[r], dn = done[r / tp], end = dn >= 0 ? dn : ids[r];
        if (overlap && dn >= 0) {
            int both[2] = { ids[r], dn };
            if ((end = ds_compute(b->s, g, 0, "overlap", both, 2, b->err, b->err_size)) < 0) return -1;
        }
        b->prev[g] = end;
        int o = end;
        if (next >= 0 && next < nvs) {
            int pair[2] = { g, gpu_of(b, d, next % b->pp, r) };
            o = ds_collective(b->s, COLL_P2P, COLL_DIRECT, pair, 2, P->p2p_bytes, fwd ? "send activations" : "send gradients",
                              &end, 1, b->err, b->err_size);
            if (o < 0) return -1;
        }
        out[at(b, d, vs, j, r)] = o;
    }
    /* Megatron's scatter-gather: each tensor rank sent its 1/tp of the result; the receiving
     * ranks all-gather the whole over their scale-up links before they use it */
    if (next >= 0 && next < nvs && tp > 1 && P->p2p_gather_bytes > 0) {
        for (int ci = 0; ci < b->cp; ci++) {
            int *group = b->ids, *sent = b->cores;   /* both free again: ids and cores are read above */
            for (int t = 0; t < tp; t++) {
                group[t] = gpu_of(b, d, next % b->pp, ci * tp + t);
                sent[t] = out[at(b, d, vs, j, ci * tp + t)];
            }
            int x = ds_collective(b->s, COLL_ALLGATHER, COLL_RING, group, tp, P->p2p_gather_bytes,
                                  fwd ? "gather activations" : "gather gradients", sent, tp, b->err, b->err_size);
            if (x < 0) return -1;
            for (int t = 0; t < tp; t++) out[at(b, d, vs, j, ci * tp + t)] = x;
        }
    }
    return 0;
}

/* The k-th forward (or backward) of a stage in the interleaved schedule, as Megatron-LM orders it
 * (megatron/core/pipeline_parallel/schedules.py, get_model_chunk_id): micro-batches go in groups of
 * pp through chunk 0, then the same group through chunk 1, ...; backwards take the chunks from the
 * last. With one chunk this is plain 1F1B's order. */
static void op_of(const builder *b, int k, int fwd, int *c, int *j)
{
    int group = b->pp * b->v;
    int chunk = (k % group) / b->pp;
    *c = fwd ? chunk : b->v - 1 - chunk;
    *j = k / group * b->pp + k % b->pp;
}

/* A reduce-scatter or all-gather over a group with several GPUs per node, as NCCL runs it: one ring
 * per GPU of a node (channels), each carrying its share of the bytes and rotated so that each leaves
 * the node from a different GPU, hence a different NIC. Returns a task that ends when all have. */
static int channels(ds *s, const net *nw, coll_op op, const int *group, int p, double bytes, const char *label,
                    const int *deps, int nd, char *err, size_t n)
{
    int gpn = nw->gpus_per_node, per = 0;
    for (int i = 0; i < p && group[i] / gpn == group[0] / gpn; i++) per++;
    int nodes = group[p - 1] / gpn - group[0] / gpn + 1;
    if (per < 2 || nodes < 2 || p % per)
        return ds_collective(s, op, COLL_RING, group, p, bytes, label, deps, nd, err, n);
    int *order = ut_malloc((size_t)p * sizeof *order), *ids = ut_malloc((size_t)per * sizeof *ids), last = 0;
    for (int k = 0; k < per && last >= 0; k++) {
        for (int i = 0; i < p; i++) order[i] = group[i / per * per + (i % per + k) % per];
        last = ids[k] = ds_collective(s, op, COLL_RING, order, p, bytes / per, label, deps, nd, err, n);
    }
    if (last >= 0) last = ds_compute(s, group[0], 0, label, ids, per, err, n);
    free(order);
    free(ids);
    return last;
}

/* ZeRO-3 (Rajbhandari et al., SC'20, section 5.3: parameters gathered wherever a layer runs): for
 * micro-batch j on stage st, issued when its forward is (prefetched, as the stacks the simulator
 * replays do), the gather of this backward's weights (and of the recomputed forward's) and of the
 * next forward's; each an all-gather of the stage's parameters over the replicas. A pass waits for
 * its first layer's share only, the rest arriving while it runs, and the pass after it waits for
 * all (the layers are needed one after the other). */
static void pend_add(int *slots, int task)
{
    for (int k = 0; k < PEND; k++)
        if (slots[k] < 0) {
            slots[k] = task;
            return;
        }
}

/* One gather: its head (the first layer's share) before `head_of`'s pass of micro-batch head_j,
 * its tail before `tail_of`'s pass of micro-batch tail_j (tail_j < 0: none waits). */
static int gather(builder *b, const tm_ctx *c, const int *group, const int *deps, int nd, double bytes, int layers,
                  int *head_of, int head_j, int *tail_of, int tail_j)
{
    double head = bytes / (layers > 0 ? layers : 1);
    /* after the gathers issued before it, as a stack's prefetch stream runs them: shared fairly,
     * the one the next pass needs would end with the ones after it */
    int *after = ut_malloc(((size_t)nd + 1) * sizeof *after), na = nd;
    if (nd) memcpy(after, deps, (size_t)nd * sizeof *deps);
    if (b->gathered[group[0]] >= 0) after[na++] = b->gathered[group[0]];
    int h = channels(b->s, tm_ctx_net(c), COLL_ALLGATHER, group, b->dp, head, "gather weights", after, na, b->err, b->err_size);
    free(after);
    if (h < 0) return -1;
    int t = bytes - head > 0 ? channels(b->s, tm_ctx_net(c), COLL_ALLGATHER, group, b->dp, bytes - head, "gather weights", &h, 1,
                                        b->err, b->err_size)
                             : h;
    if (t < 0) return -1;
    for (int d = 0; d < b->dp; d++) {
        size_t g = (size_t)group[d];
        b->gathered[g] = t;
        pend_add(&head_of[(g * b->m + head_j) * PEND], h);
        if (tail_j >= 0) pend_add(&tail_of[(g * b->m + tail_j) * PEND], t);
    }
    return 0;
}

/* What the last backward added on the GPUs of group waited for (when it could start), into deps:
 * how many. deps has room for dp x (3 + PEND). */
static int backward_start_deps(const builder *b, const int *group, int *deps)
{
    int nd = 0;
    for (int d = 0; d < b->dp; d++)
        for (int k = 0; k < b->nlast_b_deps[group[d]]; k++) deps[nd++] = b->last_b_deps[(size_t)group[d] * (3 + PEND) + k];
    return nd;
}

/* A stage's gradients reduced over the replicas in group: the share `overlap` from when the
 * backward just added could start (its buckets reduced as it produces them), after `prior` (one
 * stream; -1: none), the rest after the backward and that share. The last task, or -1. */
static int reduce_behind_backward(builder *b, const tm_ctx *c, coll_op op, const int *group, double bytes, double overlap,
                                  int prior, const char *during_label, const char *label)
{
    const net *nw = tm_ctx_net(c);
    coll_algo al = tm_group_algo(nw, group, b->dp, op);
    int *deps = ut_malloc(((size_t)b->dp * (3 + PEND) + 1) * sizeof *deps), nd = 0, during = -1, last = -1;
    if (overlap > 0) {
        nd = backward_start_deps(b, group, deps);
        if (prior >= 0) deps[nd++] = prior;
        during = op == COLL_ALLREDUCE ? ds_collective(b->s, op, al, group, b->dp, bytes * overlap, during_label, deps, nd, b->err, b->err_size)
                                      : channels(b->s, nw, op, group, b->dp, bytes * overlap, during_label, deps, nd, b->err, b->err_size);
        nd = 0;
    }
    if (overlap <= 0 || during >= 0) {
        for (int d = 0; d < b->dp; d++) deps[nd++] = b->prev[group[d]];
        if (during >= 0) deps[nd++] = during;
        else if (prior >= 0) deps[nd++] = prior;
        last = op == COLL_ALLREDUCE ? ds_collective(b->s, op, al, group, b->dp, bytes * (1 - overlap), label, deps, nd, b->err, b->err_size)
                                    : channels(b->s, nw, op, group, b->dp, bytes * (1 - overlap), label, deps, nd, b->err, b->err_size);
    }
    free(deps);
    return last;
}

/* Before the first forward: its first layer's weights, with nothing to hide behind. A step of
 * the steady state has the rest of them gathered during the previous step's last backward, as it
 * gathers the next step's during its own (zero3_next_step). */
static int zero3_first(builder *b, const tm_ctx *c, const tm_parts *P, int st)
{
    int group[4096];
    if (b->dp > 4096) return -1;
    int L = b->layers[st] > 0 ? b->layers[st] : 1;
    for (int r = 0; r < b->lr; r++) {
        for (int d = 0; d < b->dp; d++) group[d] = gpu_of(b, d, st, r);
        if (gather(b, c, group, NULL, 0, P->param_bytes / L, 1, b->pend_f, 0, b->pend_b, -1) != 0) return -1;
    }
    return 0;
}

/* Once the last backward is added: the next step's first forward weights but its first layer's,
 * prefetched beside it (after the gathers before them); nothing of this step waits for them. */
static int zero3_next_step(builder *b, const tm_ctx *c, const tm_parts *P, int st)
{
    int group[4096];
    if (b->dp > 4096) return -1;
    int L = b->layers[st] > 0 ? b->layers[st] : 1, *deps = ut_malloc(((size_t)b->dp * (3 + PEND) + 1) * sizeof *deps), rc = 0;
    for (int r = 0; r < b->lr && rc == 0 && L > 1; r++) {
        for (int d = 0; d < b->dp; d++) group[d] = gpu_of(b, d, st, r);
        int nd = backward_start_deps(b, group, deps);
        if (b->gathered[group[0]] >= 0) deps[nd++] = b->gathered[group[0]];
        int x = channels(b->s, tm_ctx_net(c), COLL_ALLGATHER, group, b->dp, P->param_bytes * (1 - 1.0 / L), "gather weights (next step)",
                         deps, nd, b->err, b->err_size);
        if (x < 0) rc = -1;
        for (int d = 0; d < b->dp && rc == 0; d++) b->gathered[group[d]] = x;
    }
    free(deps);
    return rc;
}

/* Once micro-batch j's forward is added: the gather of its backward's weights (and of the
 * recomputed forward's), the rest of it due by the next forward, and the gather of the next
 * forward's, the rest due by that micro-batch's backward; both issued when the forward starts. */
static int zero3_gathers(builder *b, const tm_ctx *c, const tm_parts *P, int st, int j)
{
    int group[4096], deps[4096];
    if (b->dp > 4096) return -1;
    int gathers = 1 + (P->rc_layer_s > 0 && b->pl->recompute == TM_RC_FULL), L = b->layers[st];
    for (int r = 0; r < b->lr; r++) {
        int nd = 0;
        for (int d = 0; d < b->dp; d++) {
            group[d] = gpu_of(b, d, st, r);
            if (b->snap[group[d]] >= 0) deps[nd++] = b->snap[group[d]];   /* when the forward could start */
        }
        int more = j + 1 < b->m;
        if (gather(b, c, group, deps, nd, P->param_bytes * gathers, L, b->pend_b, j, more ? b->pend_f : b->pend_b,
                   more ? j + 1 : j) != 0)
            return -1;
        if (more && gather(b, c, group, deps, nd, P->param_bytes, L, b->pend_f, j + 1, b->pend_b, j + 1) != 0) return -1;
    }
    return 0;
}

/* ZeRO 2-3: the gradients of the backward just added, reduce-scattered over the replicas, one
 * reduction after the other (one stream of the stack); the optimizer waits for the last. Where the
 * stack overlaps them (as the analytic model has it), all but the last layer's bucket reduce
 * during the backward that produces them, the last bucket after it; else the whole after it,
 * while the next micro-batch computes. */
static int zero_reduce(builder *b, const tm_ctx *c, const tm_parts *P, int st, int *rs_last)
{
    int group[4096];
    if (b->dp > 4096) return -1;
    const tm_stack *sk = tm_stack_of(b->pl);
    int L = b->layers[st];
    double overlap = b->pl->dp_overlap && sk->dp_overlap && (b->pl->zero == 2 || sk->zero3_prefetch) && L > 1 ? 1 - 1.0 / L : 0;
    for (int r = 0; r < b->lr; r++) {
        for (int d = 0; d < b->dp; d++) group[d] = gpu_of(b, d, st, r);
        int rs = reduce_behind_backward(b, c, COLL_REDUCESCATTER, group, P->grad_bytes, overlap, rs_last[group[0]],
                                        "reduce gradients (overlapped)", "reduce gradients");
        if (rs < 0) return -1;
        for (int d = 0; d < b->dp; d++) rs_last[group[d]] = rs;
    }
    return 0;
}

int tm_step_runs(const tm_plan *pl)
{
    /* ZeRO 2-3 as the stacks that bucket and prefetch them run them (a blocking gather per tensor,
     * DeepSpeed's of 2021, is the analytic model's only) */
    const tm_stack *sk = tm_stack_of(pl);
    int zero_ok = pl->zero <= 1 || (sk->zero3_tensor_s == 0 && (pl->zero == 2 || sk->zero3_prefetch));
    return zero_ok;
}

/* Put the step into the simulator s (built on the context's network); r is its prediction. The id
 * of the last task, or -1 with a message. */
static int build_step(const tm_ctx *c, const tm_plan *plan, const int *layers, const tm_result *r, ds *s, char *err,
                      size_t n)
{
    if (!tm_step_runs(plan)) {
        snprintf(err, n, _("the discrete-event step runs ZeRO 0-3 bucketed and prefetched; %s 3 gathered tensor by tensor "
                           "(stack %s) is in the analytic model only"),
                 tm_ctx_field_name(c, TM_ZERO), tm_stack_of(plan)->id);
        return -1;
    }
    const tm_parts *P = &r->parts;
    builder b = { 0 };
    b.s = s, b.pl = plan, b.tp = plan->tp, b.pp = plan->pp, b.dp = r->dp, b.m = r->micro_batches, b.layers = layers;
    b.cp = plan->cp > 1 ? plan->cp : 1, b.lr = b.tp * b.cp, b.net = tm_ctx_net(c);
    b.ids = ut_malloc((size_t)b.lr * sizeof *b.ids);
    b.gpus = ut_malloc((size_t)b.lr * sizeof *b.gpus);
    b.cores = ut_malloc((size_t)b.lr * sizeof *b.cores);
    b.start = ut_malloc((size_t)b.lr * (3 + PEND) * sizeof *b.start);
    b.done = ut_malloc((size_t)b.cp * sizeof *b.done);
    b.ring_group = ut_malloc((size_t)b.cp * sizeof *b.ring_group);
    b.ring_deps = ut_malloc((size_t)b.cp * sizeof *b.ring_deps);
    b.v = plan->vpp > 1 ? plan->vpp : 1;
    b.err = err, b.err_size = n;
    int gpus = plan->gpus;
    size_t slots = (size_t)b.dp * b.pp * b.v * b.m * b.lr;
    b.prev = ut_malloc((size_t)gpus * sizeof *b.prev);
    for (int g = 0; g < gpus; g++) b.prev[g] = -1;
    b.f_out = ut_malloc(slots * sizeof *b.f_out);
    b.b_out = ut_malloc(slots * sizeof *b.b_out);
    b.last_b_deps = ut_malloc((size_t)gpus * (3 + PEND) * sizeof *b.last_b_deps);
    size_t npend = plan->zero == 3 ? (size_t)gpus * b.m * PEND : 1;
    b.pend_f = ut_malloc(npend * sizeof *b.pend_f);
    b.pend_b = ut_malloc(npend * sizeof *b.pend_b);
    for (size_t k = 0; k < npend; k++) b.pend_f[k] = b.pend_b[k] = -1;
    b.snap = ut_malloc((size_t)gpus * sizeof *b.snap);
    b.gathered = ut_malloc((size_t)gpus * sizeof *b.gathered);
    for (int g = 0; g < gpus; g++) b.gathered[g] = -1;
    int *rs_last = ut_malloc((size_t)gpus * sizeof *rs_last);     /* ZeRO 2-3: each GPU's last reduce-scatter */
    for (int g = 0; g < gpus; g++) rs_last[g] = -1;
    b.nlast_b_deps = ut_calloc((size_t)gpus, sizeof *b.nlast_b_deps);
    int last = -1, rc = 0;

    /* ZeRO-1 where the stack gathers the updated parameters bucket by bucket during the next step's
     * first forward (Megatron-Core's --overlap-param-gather): a step of the steady state begins
     * with the previous step's gather, all but its last bucket beside the first forward, which the
     * op after it waits for; the last bucket is gathered after the optimizer, as the analytic model
     * has it. */
    const tm_stack *sk = tm_stack_of(plan);
    int param_overlap = plan->zero == 1 && b.dp > 1 && plan->dp_overlap && sk->dp_overlap && sk->param_overlap;
    int *lead = param_overlap ? ut_malloc((size_t)gpus * sizeof *lead) : NULL;   /* per GPU: its leading gather (-1: none) */
    for (int g = 0; lead && g < gpus; g++) lead[g] = -1;
    for (int st = 0; param_overlap && st < b.pp && rc == 0; st++) {
        int group[4096], L = layers[st];
        for (int tr = 0; tr < b.lr && rc == 0 && b.dp <= 4096 && L > 1; tr++) {
            for (int d = 0; d < b.dp; d++) group[d] = gpu_of(&b, d, st, tr);
            int x = channels(s, tm_ctx_net(c), COLL_ALLGATHER, group, b.dp, P->param_bytes * (1 - 1.0 / L), "gather weights (overlapped)",
                             NULL, 0, err, n);
            if (x < 0) rc = -1;
            for (int d = 0; d < b.dp; d++) lead[group[d]] = x;
        }
    }

    /* 1F1B: stage s runs its warm-up forwards (plain: min(pp - s - 1, m); interleaved: (pp - s - 1) x 2
     * + (vpp - 1) x pp, Megatron-LM's count), then alternates one forward and one backward, then drains
     * the backwards. Ops are added in an order where what they wait for exists. */
    int nv = b.pp * b.v, ops = b.m * b.v;
    int *nf = ut_calloc((size_t)b.pp, sizeof *nf), *nb = ut_calloc((size_t)b.pp, sizeof *nb);
    char *f_done = ut_calloc((size_t)b.m * nv, 1), *b_done = ut_calloc((size_t)b.m * nv, 1);
    int total = 2 * ops * b.pp, added = 0;
    while (added < total && rc == 0) {
        int progress = 0;
        for (int st = 0; st < b.pp && rc == 0; st++) {
            for (;;) {
                int want = b.v > 1 ? (b.pp - st - 1) * 2 + (b.v - 1) * b.pp : b.pp - st - 1;
                int warm = want < ops ? want : ops;
                int fwd;
                if (nf[st] < warm) fwd = 1;
                else if (nf[st] == ops) fwd = 0;
                else fwd = nf[st] - warm == nb[st];   /* steady state: F then B */
                if (!fwd && nb[st] == ops) break;
                int ch, j;
                op_of(&b, fwd ? nf[st] : nb[st], fwd, &ch, &j);
                int vs = ch * b.pp + st;
                /* ready? the previous virtual stage's forward / the next one's backward of j exists
                 * (the last virtual stage's backward follows its own forward) */
                if (fwd && vs > 0 && !f_done[(size_t)j * nv + vs - 1]) break;
                if (!fwd && (vs < nv - 1 ? !b_done[(size_t)j * nv + vs + 1] : !f_done[(size_t)j * nv + vs])) break;
                /* ZeRO-3 prefetches: while this op runs, the gathers its successors need (the next
                 * forward's weights; this micro-batch's backward ones, recomputation included) */
                if (plan->zero == 3 && b.dp > 1 && fwd && j == 0) rc = zero3_first(&b, c, P, st);
                if (plan->zero == 3 && b.dp > 1 && fwd) memcpy(b.snap, b.prev, (size_t)gpus * sizeof *b.snap);
                for (int d = 0; d < b.dp && rc == 0; d++) rc = add_op(&b, P, d, st, ch, j, fwd);
                for (int d = 0; lead && fwd && nf[st] == 0 && d < b.dp && rc == 0; d++)   /* the op after waits for the weights */
                    for (int tr = 0; tr < b.lr && rc == 0; tr++) {
                        int g = gpu_of(&b, d, st, tr), both[2] = { b.prev[g], lead[g] };
                        if (lead[g] >= 0 && (b.prev[g] = ds_compute(s, g, 0, "wait for weights", both, 2, err, n)) < 0) rc = -1;
                    }
                if (rc == 0 && plan->zero == 3 && b.dp > 1 && fwd) rc = zero3_gathers(&b, c, P, st, j);
                if (rc == 0 && plan->zero == 3 && b.dp > 1 && !fwd && nb[st] == ops - 1) rc = zero3_next_step(&b, c, P, st);
                /* ZeRO 2-3: this backward's gradients reduce-scattered at once, behind what follows */
                if (rc == 0 && plan->zero >= 2 && b.dp > 1 && !fwd) rc = zero_reduce(&b, c, P, st, rs_last);
                if (rc) break;
                (fwd ? f_done : b_done)[(size_t)j * nv + vs] = 1;
                if (fwd) nf[st]++;
                else nb[st]++;
                added++, progress = 1;
            }
        }
        if (!progress && rc == 0) {
            snprintf(err, n, "%s", "1F1B schedule deadlock (a bug)");
            rc = -1;
        }
    }
    free(f_done);
    free(b_done);
    free(nf);
    free(nb);

    /* data parallel: each (stage, tensor rank) reduces its gradients over the replicas; the part
     * that can overlap starts with the last backward, the last bucket after it */
    int *group = ut_malloc((size_t)(b.dp > 0 ? b.dp : 1) * sizeof *group);
    for (int st = 0; st < b.pp && rc == 0; st++) {
        /* what can reduce during the stage's last backward: all but its last layer's gradients */
        double overlap = plan->dp_overlap && tm_stack_of(plan)->dp_overlap ? 1 - 1 / (double)layers[st] : 0;
        for (int tr = 0; tr < b.lr && rc == 0; tr++) {
            for (int d = 0; d < b.dp; d++) group[d] = gpu_of(&b, d, st, tr);
            int done = -1;
            if (plan->zero >= 2 && b.dp > 1) {
                /* the reductions ran per micro-batch: the optimizer waits for the last of them */
                for (int d = 0; d < b.dp; d++)
                    if (rs_last[group[d]] >= 0) b.prev[group[d]] = rs_last[group[d]];
            } else if (b.dp > 1 && P->grad_bytes > 0) {
                done = reduce_behind_backward(&b, c, plan->zero == 1 ? COLL_REDUCESCATTER : COLL_ALLREDUCE, group, P->grad_bytes,
                                              overlap, -1, "gradients (overlapped)", "gradients");
                if (done < 0) { rc = -1; break; }
            }
            int *opt = ut_malloc((size_t)b.dp * sizeof *opt);
            for (int d = 0; d < b.dp && rc == 0; d++) {
                int dep = done >= 0 ? done : b.prev[group[d]];
                opt[d] = last = ds_compute(s, group[d], P->optimizer_s, "optimizer", &dep, 1, err, n);
                if (opt[d] < 0) rc = -1;
                else ds_set_phase(s, opt[d], TL_PHASE_OPTIMIZER);
            }
            if (rc == 0 && (plan->zero == 1 || plan->zero == 2) && b.dp > 1) {
                int led = lead && lead[group[0]] >= 0;   /* (the rest at the step's start) */
                last = channels(s, tm_ctx_net(c), COLL_ALLGATHER, group, b.dp, P->param_bytes / (led ? layers[st] : 1), "gather weights",
                                opt, b.dp, err, n);
                if (last < 0) rc = -1;
            }
            free(opt);
        }
    }
    free(group);
    free(b.prev);
    free(b.f_out);
    free(b.b_out);
    free(b.last_b_deps);
    free(b.nlast_b_deps);
    free(b.pend_f);
    free(b.pend_b);
    free(b.snap);
    free(b.gathered);
    free(b.ids);
    free(b.gpus);
    free(b.cores);
    free(b.start);
    free(b.done);
    free(b.ring_group);
    free(b.ring_deps);
    free(rs_last);
    free(lead);
    return rc ? -1 : last;
}

/* ------------------------------------------------------------------------------------------ */

struct tm_step {
    ds *sim;
    const net *net;
    ds_stats stats;
    int stopped;
    int jobs;
    tm_plan *plan;              /* per job: its plan (checked), */
    tm_result *predicted;       /* its prediction alone, */
    int *first;                 /* its first GPU */
    int *last;                  /* and its last task (job k's are last[k - 1] + 1 .. last[k]) */
};

tm_step *tm_step_simulate(tm_ctx *c, const tm_model *m, const tm_plan *pl, const tm_step_opts *o, char *err, size_t n)
{
    return tm_steps_simulate(c, m, pl, 1, o, err, n);
}

tm_step *tm_steps_simulate(tm_ctx *c, const tm_model *m, const tm_plan *pl, int jobs, const tm_step_opts *o, char *err, size_t n)
{
    if (jobs < 1) {
        snprintf(err, n, _("at least 1 job, not %d"), jobs);
        return NULL;
    }
    tm_job *list = ut_malloc((size_t)jobs * sizeof *list);
    for (int k = 0; k < jobs; k++) list[k] = (tm_job){ m, pl };
    tm_step *st = tm_jobs_simulate(c, list, jobs, o, err, n);
    free(list);
    return st;
}

tm_step *tm_jobs_simulate(tm_ctx *c, const tm_job *jobs, int njobs, const tm_step_opts *o, char *err, size_t n)
{
    if (njobs < 1) {
        snprintf(err, n, _("at least 1 job, not %d"), njobs);
        return NULL;
    }
    tm_step *st = ut_calloc(1, sizeof *st);
    st->jobs = njobs;
    st->plan = ut_calloc((size_t)njobs, sizeof *st->plan);
    st->predicted = ut_calloc((size_t)njobs, sizeof *st->predicted);
    st->first = ut_calloc((size_t)njobs, sizeof *st->first);
    st->last = ut_calloc((size_t)njobs, sizeof *st->last);
    net *nw = tm_ctx_net_for_step(c);
    long span = 0;
    double build = 0, longest = 0;
    for (int k = 0; k < njobs; k++) {
        st->plan[k] = *jobs[k].pl;
        if (k && jobs[k].m == jobs[k - 1].m && !memcmp(jobs[k].pl, jobs[k - 1].pl, sizeof *jobs[k].pl)) {   /* a copy */
            st->plan[k] = st->plan[k - 1];
            st->predicted[k] = st->predicted[k - 1];
        } else if (tm_plan_check(c, jobs[k].m, &st->plan[k], err, n) != 0 ||
                   tm_predict(c, jobs[k].m, &st->plan[k], 0, &st->predicted[k], err, n) != 0) {
            tm_step_free(st);
            return NULL;
        }
        st->first[k] = (int)span;
        span += st->plan[k].gpus;
        build += (double)st->plan[k].gpus * st->predicted[k].micro_batches;
        longest = fmax(longest, st->predicted[k].step_s);
    }
    char ca[32], cb[32], cc[32];   /* counts as the interface writes them */
    if (o && o->max_build && build > (double)o->max_build) {
        if (njobs == 1)
            snprintf(err, n, _("a step of %s GPUs with %d micro-batches each is more than one call may simulate "
                               "(GPUs x micro-batches at most %s): use fewer GPUs or a smaller batch"),
                     ut_count(ca, sizeof ca, st->plan[0].gpus), st->predicted[0].micro_batches, ut_count(cb, sizeof cb, (double)o->max_build));
        else
            snprintf(err, n, _("%d jobs side by side are more than one call may simulate (GPUs x micro-batches %s in all, "
                               "at most %s): use fewer jobs, fewer GPUs or smaller batches"),
                     njobs, ut_count(ca, sizeof ca, build), ut_count(cb, sizeof cb, (double)o->max_build));
        tm_step_free(st);
        return NULL;
    }
    if (span > nw->gpus) {
        snprintf(err, n, _("%d jobs side by side need %s GPUs; the simulated network has %s"), njobs, ut_count(ca, sizeof ca, (double)span),
                 ut_count(cc, sizeof cc, nw->gpus));
        tm_step_free(st);
        return NULL;
    }
    st->net = nw;
    st->sim = ds_create(nw, o ? o->detail : 0);
    /* bins over the longest predicted step and a quarter more; they grow coarser if the run outlasts them */
    int bins = o && !o->detail && o->bins > 1 ? o->bins + o->bins % 2 : 0;   /* (an even count: they merge in pairs) */
    if (bins) tl_set_bins(ds_timeline(st->sim), bins, 1.25 * longest / bins);
    int rc = 0, *layers = NULL;
    for (int k = 0; rc == 0 && k < njobs; k++) {   /* each job on the GPUs after the one before */
        if (!k || jobs[k].m != jobs[k - 1].m || memcmp(&st->plan[k], &st->plan[k - 1], sizeof st->plan[k])) {
            layers = ut_realloc(layers, (size_t)st->plan[k].pp * sizeof *layers);
            rc = tm_stage_layers(jobs[k].m, &st->plan[k], layers, NULL, err, n);
        }
        ds_set_gpu_base(st->sim, st->first[k]);
        if (rc == 0 && (st->last[k] = build_step(c, &st->plan[k], layers, &st->predicted[k], st->sim, err, n)) < 0) rc = -1;
    }
    free(layers);
    ds_set_gpu_base(st->sim, 0);
    if (rc == 0 && o && o->extra) rc = o->extra(st->sim, o->extra_ctx, err, n);
    if (rc < 0) {
        tm_step_free(st);
        return NULL;
    }
    if (o && o->max_work) ds_limit_work(st->sim, o->max_work);
    if (o && o->stop) ds_set_stop(st->sim, o->stop, o->stop_ctx);
    if (o && o->progress) ds_set_progress(st->sim, o->progress, o->progress_ctx);
    if (o && o->every_message) ds_set_replay(st->sim, 0);
    st->stopped = ds_run(st->sim, &st->stats) == 1;
    return st;
}

void tm_step_free(tm_step *s)
{
    if (!s) return;
    ds_destroy(s->sim);
    free(s->plan);
    free(s->predicted);
    free(s->first);
    free(s->last);
    free(s);
}

int tm_step_jobs(const tm_step *s) { return s->jobs; }

double tm_step_job_end_s(const tm_step *s, int job)
{
    if (job < 0 || job >= s->jobs) return NAN;
    double end = 0;
    for (int t = job ? s->last[job - 1] + 1 : 0; t <= s->last[job]; t++) {
        double e = ds_task_end_s(s->sim, t);
        if (e > end) end = e;
    }
    return end;
}

const ds_stats *tm_step_stats(const tm_step *s) { return &s->stats; }
int tm_step_stopped(const tm_step *s) { return s->stopped; }
const tm_result *tm_step_predicted(const tm_step *s) { return &s->predicted[0]; }
const tm_plan *tm_step_plan(const tm_step *s) { return &s->plan[0]; }
const tm_result *tm_step_job_predicted(const tm_step *s, int job) { return job >= 0 && job < s->jobs ? &s->predicted[job] : NULL; }
const tm_plan *tm_step_job_plan(const tm_step *s, int job) { return job >= 0 && job < s->jobs ? &s->plan[job] : NULL; }
int tm_step_job_first_gpu(const tm_step *s, int job) { return job >= 0 && job < s->jobs ? s->first[job] : -1; }
tl *tm_step_timeline(const tm_step *s) { return ds_timeline(s->sim); }
ds *tm_step_sim(const tm_step *s) { return s->sim; }
const net *tm_step_net(const tm_step *s) { return s->net; }
