/* train_runs.c: the model against published training runs: reading the table of runs
 * (assets/data/published-runs.csv, by column name), predicting each as its authors ran it, fitting
 * the accelerator's matrix-multiply efficiency on some of them, and leave-one-out cross-validation.
 * No printing: the command line (usine validate), the tests and the Lua library call these. */
#include "train.h"

#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int csv_split(char *line, char **f, int max)
{
    int n = 0;
    for (char *s = line;; s++) {
        if (n < max) f[n] = s;
        n++;
        s = strchr(s, ',');
        if (!s) break;
        *s = '\0';
    }
    return n;
}

/* The columns: name, whether a row must give it, and its kind. A plan choice left blank is one the
 * source does not state, searched (tm_run_predict); a model column left blank takes the GPT-style
 * value (ffn 4 x hidden, kv_heads = heads, tied embeddings, learned positions). */
enum { C_TEXT, C_INT, C_NUM, C_BOOL };
static const struct { const char *name; int required, kind; } cols[] = {
    { "name", 1, C_TEXT }, { "source", 1, C_TEXT }, { "where", 1, C_TEXT }, { "stack", 1, C_TEXT }, { "set", 1, C_TEXT },
    { "platform", 1, C_TEXT }, { "partition", 1, C_TEXT },
    { "layers", 1, C_INT }, { "hidden", 1, C_INT }, { "heads", 1, C_INT }, { "kv_heads", 0, C_INT }, { "ffn", 0, C_INT },
    { "gated", 0, C_BOOL }, { "tied", 0, C_BOOL }, { "pos_emb", 0, C_BOOL }, { "seq", 1, C_INT }, { "vocab", 1, C_INT },
    { "gpus", 1, C_INT }, { "tp", 1, C_INT }, { "pp", 1, C_INT }, { "vpp", 0, C_INT }, { "cp", 0, C_INT }, { "dp", 1, C_INT },
    { "global_batch", 1, C_INT }, { "mbs", 0, C_INT }, { "zero", 0, C_INT }, { "recompute", 0, C_TEXT },
    { "seq_parallel", 0, C_BOOL }, { "flash", 0, C_BOOL }, { "tp_overlap", 0, C_BOOL }, { "prec", 0, C_TEXT },
    { "step_s", 0, C_NUM }, { "tflops_per_gpu", 0, C_NUM }, { "model_tflops_per_gpu", 0, C_NUM }, { "days_300b", 0, C_NUM },
    { "memory_gb", 0, C_NUM },
};
enum {
    NAME, SOURCE, WHERE, STACK, SET, PLATFORM, PARTITION, LAYERS, HIDDEN, HEADS, KV_HEADS, FFN, GATED, TIED, POS_EMB, SEQ,
    VOCAB, GPUS, TP, PP, VPP, CP, DP, GBS, MBS, ZERO, RECOMPUTE, SEQ_PARALLEL, FLASH, TP_OVERLAP, PREC, STEP_S, TFLOPS, MODEL_TFLOPS,
    DAYS, MEMORY, NCOLS
};
_Static_assert(sizeof cols / sizeof *cols == NCOLS, "one enum entry per column");

/* The file's declared sources ("# source KEY: citation"), to catch a row naming one that is not. */
typedef struct sources { char key[64][32]; int n; } sources;

/* One data line into r; 0, or -1 with "path:line: why" in err. */
static int read_row(char **f, int nf, const int *idx, const sources *src, const char *path, int lineno, tm_run *r,
                    char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    r->line = lineno;
    const char *t[NCOLS];
    long v[NCOLS] = { 0 };
    double d[NCOLS] = { 0 };
    for (int k = 0; k < NCOLS; k++) {
        t[k] = idx[k] >= 0 && idx[k] < nf ? f[idx[k]] : "";
        if (!*t[k]) {
            if (cols[k].required) {
                snprintf(err, n, _("%s:%d: column '%s' is empty"), path, lineno, cols[k].name);
                return -1;
            }
            v[k] = -1;          /* blank: the default */
            continue;
        }
        long hi = cols[k].kind == C_BOOL ? 1 : 1L << 40;
        if ((cols[k].kind == C_INT || cols[k].kind == C_BOOL) && ut_parse_long(t[k], 0, hi, &v[k]) != 0) {
            snprintf(err, n, cols[k].kind == C_BOOL ? _("%s:%d: column '%s' should be 0 or 1, not '%s'")
                                                    : _("%s:%d: column '%s' should be a whole number, not '%s'"),
                     path, lineno, cols[k].name, t[k]);
            return -1;
        }
        if (cols[k].kind == C_NUM && (ut_parse_double(t[k], &d[k]) != 0 || !(d[k] > 0))) {
            snprintf(err, n, _("%s:%d: column '%s' should be a positive number, not '%s'"), path, lineno, cols[k].name, t[k]);
            return -1;
        }
    }
    ut_strlcpy(r->name, t[NAME], sizeof r->name);
    ut_strlcpy(r->source, t[SOURCE], sizeof r->source);
    ut_strlcpy(r->where, t[WHERE], sizeof r->where);
    ut_strlcpy(r->platform, t[PLATFORM], sizeof r->platform);
    ut_strlcpy(r->partition, t[PARTITION], sizeof r->partition);
    int declared = 0;
    for (int i = 0; i < src->n; i++) declared |= !strcmp(src->key[i], r->source);
    if (!declared) {
        snprintf(err, n, _("%s:%d: source '%s' is not declared by a '# source %s: ...' line above"), path, lineno, r->source,
                 r->source);
        return -1;
    }
    if (!strcmp(t[SET], "calibration")) r->set = TM_SET_CALIBRATION;
    else if (!strcmp(t[SET], "validation")) r->set = TM_SET_VALIDATION;
    else {
        snprintf(err, n, _("%s:%d: column 'set' should be 'calibration' or 'validation', not '%s'"), path, lineno, t[SET]);
        return -1;
    }
    int stack = tm_stack_find(t[STACK]);
    if (stack < 0) {
        snprintf(err, n, _("%s:%d: unknown stack '%s' (see 'usine stacks')"), path, lineno, t[STACK]);
        return -1;
    }
    tm_model *m = &r->model;
    snprintf(m->id, sizeof m->id, "%.31s", r->name);
    snprintf(m->name, sizeof m->name, "%s", r->name);
    m->layers = (int)v[LAYERS], m->hidden = (int)v[HIDDEN], m->heads = (int)v[HEADS], m->seq = (int)v[SEQ];
    m->kv_heads = v[KV_HEADS] > 0 ? (int)v[KV_HEADS] : m->heads;
    m->vocab = (int)v[VOCAB], m->ffn = v[FFN] > 0 ? (int)v[FFN] : 4 * m->hidden;
    m->gated = v[GATED] == 1, m->tied = v[TIED] != 0, m->pos_emb = v[POS_EMB] != 0;
    tm_plan *pl = &r->plan;
    *pl = tm_plan_default();
    tm_stack_apply(stack, pl);
    pl->gpus = (int)v[GPUS], pl->tp = (int)v[TP], pl->pp = (int)v[PP], pl->dp = (int)v[DP], pl->gbs = v[GBS];
    pl->cp = v[CP] > 0 ? (int)v[CP] : 1;
    r->given = TM_FIX(TM_TP) | TM_FIX(TM_PP) | TM_FIX(TM_CP) | TM_FIX(TM_FIRST_LAYERS) | TM_FIX(TM_LAST_LAYERS) | TM_FIX_OVERLAP;
    /* each choice stated, and its bit; a blank one keeps the stack's default until searched */
    const struct { int col; unsigned bit; int *slot; } stated[] = {
        { MBS, TM_FIX(TM_MBS), &pl->mbs }, { VPP, TM_FIX(TM_VPP), &pl->vpp }, { ZERO, TM_FIX(TM_ZERO), &pl->zero },
        { SEQ_PARALLEL, TM_FIX_SEQ_PARALLEL, &pl->seq_parallel }, { FLASH, TM_FIX_FLASH, &pl->flash },
        { TP_OVERLAP, TM_FIX_TP_OVERLAP, &pl->tp_overlap },
    };
    for (size_t k = 0; k < sizeof stated / sizeof *stated; k++)
        if (v[stated[k].col] >= 0) *stated[k].slot = (int)v[stated[k].col], r->given |= stated[k].bit;
    if (pl->mbs < 1) pl->mbs = 1;
    if (pl->vpp < 1) pl->vpp = 1;
    pl->prec = *t[PREC] ? plat_prec_from_name(t[PREC]) : PLAT_FP16;
    if (pl->prec < 0) {
        snprintf(err, n, _("%s:%d: unknown precision '%s' (fp32, tf32, fp16, bf16 or fp8)"), path, lineno, t[PREC]);
        return -1;
    }
    if (*t[RECOMPUTE]) {
        int rcm = tm_recompute_from_name(t[RECOMPUTE]);
        if (rcm < 0) {
            snprintf(err, n, _("%s:%d: column 'recompute' should be none, selective or full, not '%s'"), path, lineno,
                     t[RECOMPUTE]);
            return -1;
        }
        pl->recompute = (tm_recompute)rcm, r->given |= TM_FIX_RECOMPUTE;
    }
    r->step_s = d[STEP_S], r->tflops = d[TFLOPS], r->model_tflops = d[MODEL_TFLOPS], r->days = d[DAYS];
    r->memory_gb = d[MEMORY];
    if (!(r->step_s > 0 || r->tflops > 0 || r->model_tflops > 0 || r->days > 0)) {
        snprintf(err, n, _("%s:%d: run %s gives no measurement (step_s, tflops_per_gpu, model_tflops_per_gpu or days_300b)"),
                 path, lineno, r->name);
        return -1;
    }
    if ((long)pl->tp * pl->pp * pl->cp * pl->dp != pl->gpus) {
        snprintf(err, n, _("%s:%d: tp x pp x cp x dp = %ld, not the %d GPUs of the row"), path, lineno,
                 (long)pl->tp * pl->pp * pl->cp * pl->dp, pl->gpus);
        return -1;
    }
    return 0;
}

int tm_runs_read(const char *path, tm_run **out, int *count, char *err, size_t n)
{
    char *text, why[256];
    size_t len;
    *out = NULL, *count = 0;
    if (ut_read_file(path, 1 << 20, &text, &len, why, sizeof why) != 0) {
        snprintf(err, n, _("cannot read %s: %s"), path, why);
        return -1;
    }
    int idx[NCOLS], header = 0, lineno = 0, nrows = 0, rc = 0;
    sources src = { .n = 0 };
    tm_run *rows = NULL;
    size_t cap = 0;
    for (char *line = text, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (!strncmp(line, "# source ", 9)) {
            const char *key = line + 9, *colon = strchr(key, ':');
            if (colon && colon > key && colon - key < 32 && src.n < 64) {
                memcpy(src.key[src.n], key, (size_t)(colon - key));
                src.key[src.n++][colon - key] = '\0';
            }
            continue;
        }
        if (line[0] == '#' || !line[0]) continue;
        char *f[64];
        int nf = csv_split(line, f, 64);
        if (!header) {
            for (int k = 0; k < NCOLS; k++) {
                idx[k] = -1;
                for (int i = 0; i < nf && i < 64; i++)
                    if (!strcmp(f[i], cols[k].name)) idx[k] = i;
                if (idx[k] < 0 && cols[k].required && rc == 0) {
                    snprintf(err, n, _("%s:%d: no column '%s' in the header"), path, lineno, cols[k].name);
                    rc = -1;
                }
            }
            header = 1;
            continue;
        }
        ut_grow(&rows, &cap, (size_t)nrows + 1, sizeof *rows);
        rc = read_row(f, nf, idx, &src, path, lineno, &rows[nrows], err, n);
        if (rc == 0) nrows++;
    }
    free(text);
    if (rc != 0) {
        free(rows);
        return -1;
    }
    *out = rows;
    *count = nrows;
    return 0;
}

int tm_run_predict(const tm_ctx *c, tm_run *row, tm_result *best)
{
    /* the fastest plan that fits, or is at the limit (within the model's stated margin), among the
     * choices the source leaves open */
    tm_ranked top;
    char err[512];
    if (tm_search_fixed(c, &row->model, &row->plan, row->given, &top, 1, NULL) > 0 &&
        tm_predict(c, &row->model, &top.plan, 300e9, best, err, sizeof err) == 0) {    /* with the days for 300B tokens */
        row->plan = top.plan;
        row->memory_refused = 0;
        return 0;
    }
    /* none is: the run ran, so the model's memory is what is wrong (row->memory_refused says so);
     * the plan needing least memory, its open choices at their leanest (full recomputation,
     * sequence parallelism and the highest ZeRO stage the stack and the pipeline allow) */
    tm_plan lean = row->plan;
    const tm_stack *sk = tm_stack_of(&lean);
    unsigned g = row->given;
    if (!(g & TM_FIX_RECOMPUTE)) lean.recompute = TM_RC_FULL;
    if (!(g & TM_FIX_SEQ_PARALLEL)) lean.seq_parallel = lean.tp > 1 && sk->seq_parallel != TM_OFFER_NO;
    if (!(g & TM_FIX_FLASH)) lean.flash = sk->flash != TM_OFFER_NO;
    if (!(g & TM_FIX_TP_OVERLAP)) lean.tp_overlap = 0;
    int zmax = lean.pp > 1 ? tm_stack_zero_pp(sk) : 3;
    if (!(g & TM_FIX(TM_ZERO))) lean.zero = sk->zero_max < zmax ? sk->zero_max : zmax;
    int found = 0;
    int v_lo = g & TM_FIX(TM_VPP) ? lean.vpp : 1, v_hi = g & TM_FIX(TM_VPP) ? lean.vpp : (lean.pp > 1 ? 8 : 1);
    for (int mbs = g & TM_FIX(TM_MBS) ? lean.mbs : 1; mbs <= (g & TM_FIX(TM_MBS) ? lean.mbs : 16); mbs *= 2) {
        for (int v = v_lo; v <= v_hi; v++) {
            tm_plan pl = lean;
            pl.mbs = mbs, pl.vpp = v;
            tm_result r;
            if (tm_predict(c, &row->model, &pl, 300e9, &r, err, sizeof err) != 0) continue;
            if (!found || r.mem.total_gib < best->mem.total_gib) *best = r, row->plan = pl, row->plan.dp = r.dp;
            found = 1;
        }
    }
    row->memory_refused = found;
    return found ? 0 : -1;
}

int tm_run_metrics(const tm_run *row, const tm_result *r, tm_run_metric *out)
{
    const tm_run_metric all[] = {
        { "step_s", row->step_s, r->step_s, 0 },
        { "model_tflops_per_gpu", row->model_tflops, r->model_tflops_per_gpu, 0 },
        { "tflops_per_gpu", row->tflops, r->hardware_tflops_per_gpu, 0 },
        { "days_300b", row->days, r->time_to_train_s / 86400, 0 },
    };
    int k = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        if (!(all[i].published > 0)) continue;
        out[k] = all[i];
        out[k].error_pct = (all[i].predicted - all[i].published) / all[i].published * 100;
        k++;
    }
    return k;
}

/* Sum of squared log errors of the first metric of the runs in use[], with a training factor. */
static double fit_loss(const tm_fit_set *s, const int *use, double factor)
{
    double loss = 0;
    for (int i = 0; i < s->n; i++) {
        if (!use[i] || !s->ctx[i]) continue;
        tm_run row = s->rows[i];
        tm_result r;
        tm_ctx_set_matmul_factor(s->ctx[i], factor);
        int rc = tm_run_predict(s->ctx[i], &row, &r);
        tm_ctx_set_matmul_factor(s->ctx[i], 0);
        if (rc != 0) return INFINITY;
        tm_run_metric m[4];
        tm_run_metrics(&row, &r, m);
        double l = log(m[0].predicted / m[0].published);
        loss += l * l;
    }
    return loss;
}

double tm_fit_matmul(const tm_fit_set *s, const int *use)
{
    /* golden-section search in (0.2, 1] */
    double lo = 0.2, hi = 1.0, g = (sqrt(5) - 1) / 2;
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = fit_loss(s, use, x1), f2 = fit_loss(s, use, x2);
    while (hi - lo > 1e-4) {
        if (f1 < f2) hi = x2, x2 = x1, f2 = f1, x1 = hi - g * (hi - lo), f1 = fit_loss(s, use, x1);
        else lo = x1, x1 = x2, f1 = f2, x2 = lo + g * (hi - lo), f2 = fit_loss(s, use, x2);
    }
    return (lo + hi) / 2;
}

int tm_fit_cross_validate(const tm_fit_set *s, const int *use_in, int by_source, tm_held_out *out)
{
    int n = s->n;
    int *use = ut_malloc((size_t)(n > 0 ? n : 1) * sizeof *use);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!use_in[i] || !s->ctx[i]) continue;
        for (int j = 0; j < n; j++)
            use[j] = use_in[j] && (by_source ? strcmp(s->rows[j].source, s->rows[i].source) != 0 : j != i);
        int others = 0;
        for (int j = 0; j < n; j++) others += use[j];
        if (!others) continue;  /* nothing left to fit on */
        /* leaving a source out gives one fit per source: a row of a source already held out reuses it */
        int same = -1;
        for (int h = 0; by_source && h < k && same < 0; h++)
            if (!strcmp(s->rows[out[h].row].source, s->rows[i].source)) same = h;
        double f = same >= 0 ? out[same].matmul : tm_fit_matmul(s, use);
        tm_run row = s->rows[i];
        tm_result r;
        tm_ctx_set_matmul_factor(s->ctx[i], f);
        int ok = tm_run_predict(s->ctx[i], &row, &r) == 0;
        tm_ctx_set_matmul_factor(s->ctx[i], 0);
        if (!ok) continue;
        tm_run_metric m[4];
        tm_run_metrics(&row, &r, m);
        out[k++] = (tm_held_out){ i, f, m[0].error_pct };
    }
    free(use);
    return k;
}
