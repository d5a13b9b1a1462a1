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

/* The columns read; the integer ones are 1 to 12. */
static const char *const cols[] = { "name", "layers", "hidden", "heads", "seq", "vocab", "gpus", "tp", "pp", "dp",
                                    "global_batch", "mbs", "zero", "recompute", "tflops_per_gpu", "days_300b" };
enum { NCOLS = sizeof cols / sizeof *cols, COL_MBS = 11 };

/* One data line into r; 0, or -1 with "path:line: why" in err. */
static int read_row(char **f, int nf, const int *idx, const char *path, int lineno, tm_run *r, char *err, size_t n)
{
    memset(r, 0, sizeof *r);
    r->line = lineno;
    long v[COL_MBS + 2];
    for (int k = 1; k <= 12; k++) {
        const char *s = idx[k] < nf ? f[idx[k]] : "";
        if (k == COL_MBS && !*s) { v[k] = 0; continue; }    /* mbs: not stated */
        if (ut_parse_long(s, 0, 1L << 40, &v[k]) != 0) {
            snprintf(err, n, _("%s:%d: column '%s' should be a whole number, not '%s'"), path, lineno, cols[k], s);
            return -1;
        }
    }
    ut_strlcpy(r->name, f[idx[0]], sizeof r->name);
    tm_model *m = &r->model;
    snprintf(m->id, sizeof m->id, "%.31s", r->name);
    snprintf(m->name, sizeof m->name, "%s", r->name);
    m->layers = (int)v[1], m->hidden = (int)v[2], m->heads = m->kv_heads = (int)v[3], m->seq = (int)v[4];
    m->vocab = (int)v[5], m->ffn = 4 * m->hidden, m->tied = 1, m->pos_emb = 1;
    tm_plan *pl = &r->plan;
    *pl = tm_plan_default();
    pl->gpus = (int)v[6], pl->tp = (int)v[7], pl->pp = (int)v[8], pl->dp = (int)v[9], pl->gbs = v[10];
    pl->mbs = v[COL_MBS] ? (int)v[COL_MBS] : 1, r->mbs_given = v[COL_MBS] > 0, pl->zero = (int)v[12];
    pl->prec = PLAT_FP16;
    int rcm = tm_recompute_from_name(idx[13] < nf ? f[idx[13]] : "");
    pl->recompute = rcm < 0 ? TM_RC_NONE : (tm_recompute)rcm;
    /* The software of the runs, not a fitted constant: Megatron-LM (2021) reduced gradients after
     * the backward pass (its DDP had no overlap then); DeepSpeed's ZeRO prefetches and overlaps. */
    pl->dp_overlap = pl->zero > 0;
    double d;
    r->tflops = idx[14] < nf && ut_parse_double(f[idx[14]], &d) == 0 ? d : 0;
    r->days = idx[15] < nf && ut_parse_double(f[idx[15]], &d) == 0 ? d : 0;
    if ((long)pl->tp * pl->pp * pl->dp != pl->gpus) {
        snprintf(err, n, _("%s:%d: tp x pp x dp = %ld, not the %d GPUs of the row"), path, lineno,
                 (long)pl->tp * pl->pp * pl->dp, pl->gpus);
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
    tm_run *rows = NULL;
    size_t cap = 0;
    for (char *line = strtok(text, "\n"); line && rc == 0; line = strtok(NULL, "\n")) {
        lineno++;     /* strtok skips empty lines: the data file has none */
        if (line[0] == '#' || !line[0]) continue;
        char *f[64];
        int nf = csv_split(line, f, 64);
        if (!header) {
            for (int k = 0; k < NCOLS && rc == 0; k++) {
                idx[k] = -1;
                for (int i = 0; i < nf && i < 64; i++)
                    if (!strcmp(f[i], cols[k])) idx[k] = i;
                if (idx[k] < 0) {
                    snprintf(err, n, _("%s:%d: no column '%s' in the header"), path, lineno, cols[k]);
                    rc = -1;
                }
            }
            header = 1;
            continue;
        }
        ut_grow(&rows, &cap, (size_t)nrows + 1, sizeof *rows);
        rc = read_row(f, nf, idx, path, lineno, &rows[nrows], err, n);
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
    int found = 0;
    char err[512];
    tm_plan base = row->plan;
    for (int mbs = row->mbs_given ? base.mbs : 1; mbs <= (row->mbs_given ? base.mbs : 16); mbs *= 2) {
        for (int v = 1; v <= (base.pp > 1 ? 8 : 1); v++) {
            tm_plan pl = base;
            pl.mbs = mbs, pl.vpp = v;
            tm_result r;
            if (tm_predict(c, &row->model, &pl, 300e9, &r, err, sizeof err) != 0 || !r.mem.fits) continue;
            if (!found || r.step_s < best->step_s) *best = r, row->plan = pl, row->plan.dp = r.dp;
            found = 1;
        }
    }
    return found ? 0 : -1;
}

/* Sum of squared log errors of the hardware TFLOP/s of the runs in use[] with a matmul efficiency. */
static double fit_loss(tm_ctx *c, const tm_run *rows, int n, const int *use, double eff, double memory)
{
    tm_ctx_set_efficiency(c, eff, memory);
    double loss = 0;
    for (int i = 0; i < n; i++) {
        if (!use[i] || !(rows[i].tflops > 0)) continue;
        tm_run row = rows[i];
        tm_result r;
        if (tm_run_predict(c, &row, &r) != 0) return INFINITY;
        double l = log(r.hardware_tflops_per_gpu / row.tflops);
        loss += l * l;
    }
    return loss;
}

double tm_fit_matmul(tm_ctx *c, const tm_run *rows, int n, const int *use)
{
    double m0, memory;
    tm_ctx_efficiency(c, &m0, &memory);
    /* golden-section search in (0.2, 1] */
    double lo = 0.2, hi = 1.0, g = (sqrt(5) - 1) / 2;
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = fit_loss(c, rows, n, use, x1, memory), f2 = fit_loss(c, rows, n, use, x2, memory);
    while (hi - lo > 1e-4) {
        if (f1 < f2) hi = x2, x2 = x1, f2 = f1, x1 = hi - g * (hi - lo), f1 = fit_loss(c, rows, n, use, x1, memory);
        else lo = x1, x1 = x2, f1 = f2, x2 = lo + g * (hi - lo), f2 = fit_loss(c, rows, n, use, x2, memory);
    }
    tm_ctx_set_efficiency(c, m0, memory);
    return (lo + hi) / 2;
}

int tm_fit_leave_one_out(tm_ctx *c, const tm_run *rows, int n, const int *use_in, tm_held_out *out)
{
    double m0, memory;
    tm_ctx_efficiency(c, &m0, &memory);
    int *use = ut_malloc((size_t)(n > 0 ? n : 1) * sizeof *use);
    memcpy(use, use_in, (size_t)n * sizeof *use);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!use[i] || !(rows[i].tflops > 0)) continue;
        use[i] = 0;
        double e_i = tm_fit_matmul(c, rows, n, use);
        use[i] = 1;
        tm_ctx_set_efficiency(c, e_i, memory);
        tm_run row = rows[i];
        tm_result r;
        int ok = tm_run_predict(c, &row, &r) == 0;
        tm_ctx_set_efficiency(c, m0, memory);
        if (!ok) continue;
        out[k++] = (tm_held_out){ i, e_i, (r.hardware_tflops_per_gpu - row.tflops) / row.tflops * 100 };
    }
    free(use);
    return k;
}
