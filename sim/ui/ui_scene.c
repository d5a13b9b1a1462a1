/* ui_scene.c: from a scenario to what the window shows, computed by the core and nothing else.
 * A scene holds one training step run by the discrete-event simulator (ds.h) on the first GPUs
 * of a partition, its timeline turned into per-GPU phase tracks for fast lookups while animating,
 * and the same job predicted analytically (train.h) at full scale and on other machines.
 *
 * Building takes from milliseconds (the classroom) to a second or two (Jean Zay's 1,456 H100),
 * so it runs on a worker thread; the window keeps drawing the previous scene meanwhile. A scene is
 * never changed after it is handed over, but by ui_scene_take_step on the window's thread: a
 * language switch moves the step of the scene it drops into the one that replaces it. No SDL here. */
#include "ui.h"
#include "ui_plot.h"

#include "app/app.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Up to this many GPUs the step is simulated with its links' loads over time (a detailed timeline:
 * every message on every link, as the flows would record it); a bigger machine is simulated whole
 * with its links' loads in UI_LOAD_BINS slices of the step (tl_set_bins), unless that takes more than
 * UI_WHOLE_S of wall time (a window's budget, not the simulator's: the closed form makes Alice
 * Recoque's 12,824 GPUs take about 2.5 s here with the bins, JUPITER's 24,000 12 s, El Capitan's 44,544 about 20 s): then its first
 * UI_DETAIL_GPUS are, and the rest is extrapolated analytically. */
#define UI_DETAIL_GPUS 2048
#define UI_WHOLE_S 10.0
#define UI_LOAD_BINS 200

/* UI_WHOLE_S, or USINE_WHOLE_S from the environment (seconds; 0: never try the whole machine), for
 * a slow laptop or a test that must not spend them. */
static double whole_budget_s(void)
{
    const char *v = getenv("USINE_WHOLE_S");
    char *end;
    double x = v && *v ? strtod(v, &end) : -1;
    return v && *v && !*end && x >= 0 && x <= 3600 ? x : UI_WHOLE_S;
}

static int past_deadline(void *ctx)
{
    return ut_now_s() > *(const double *)ctx;
}

/* The machines whose whole took too long, so that every change of the scenario on them does not
 * wait UI_WHOLE_S again: the platform file, partition and node count, and the fewest GPUs that
 * took too long. Scenes are built one at a time (by the worker, or by a caller that has none). */
enum { UI_SLOW_MAX = 16 };
static struct { char path[512]; int part; long nodes, gpus; } slow_machines[UI_SLOW_MAX];
static int nslow;
static pthread_mutex_t slow_mu = PTHREAD_MUTEX_INITIALIZER;

static int known_slow(const ui_scene *s, long want)
{
    pthread_mutex_lock(&slow_mu);
    int slow = 0;
    for (int i = 0; i < nslow && !slow; i++)
        slow = !strcmp(slow_machines[i].path, s->plat_path) && slow_machines[i].part == s->part &&
               slow_machines[i].nodes == s->sc.nodes && want >= slow_machines[i].gpus;
    pthread_mutex_unlock(&slow_mu);
    return slow;
}

static void remember_slow(const ui_scene *s, long want)
{
    pthread_mutex_lock(&slow_mu);
    int i = nslow < UI_SLOW_MAX ? nslow++ : UI_SLOW_MAX - 1;
    snprintf(slow_machines[i].path, sizeof slow_machines[i].path, "%s", s->plat_path);
    slow_machines[i].part = s->part, slow_machines[i].nodes = s->sc.nodes, slow_machines[i].gpus = want;
    pthread_mutex_unlock(&slow_mu);
}

const char *ui_phase_name(ui_phase p)
{
    switch (p) {
    case UI_IDLE: return _("idle (bubble, waiting)");
    case UI_FORWARD: return _("forward");
    case UI_BACKWARD: return _("backward");
    case UI_OPTIMIZER: return _("optimizer");
    case UI_COMM: return _("communication");
    case UI_OUTSIDE: return _("not in the job");
    default: return "?";
    }
}

/* ----------------------------------------------------------------------------------------- */
/* Tracks: per GPU, a step function of phases. Compute intervals carry the task's phase (set by
 * train_ds.c, kept by the timeline); communication intervals are collectives.
 * Where they overlap, compute is what the GPU's cores do and the collective is flagged. */

typedef struct edge { double t; int delta, cat; } edge;

static int edge_cmp(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->delta - y->delta;   /* ends before starts at the same instant */
}

static int category(const tl *t, const tl_interval *iv)
{
    if (iv->kind == TL_COMM) return UI_COMM;
    if (iv->kind != TL_COMPUTE) return -1;
    switch (tl_task_phase(t, iv->task)) {
    case TL_PHASE_FORWARD: return UI_FORWARD;
    case TL_PHASE_BACKWARD: return UI_BACKWARD;
    case TL_PHASE_OPTIMIZER: return UI_OPTIMIZER;
    default: return -1;   /* bookkeeping tasks of zero length */
    }
}

static void track_push(ui_track *tr, size_t *cap, double t, int phase, int comm)
{
    if (tr->n && tr->phase[tr->n - 1] == phase && tr->comm[tr->n - 1] == comm) return;
    if (tr->n && tr->t[tr->n - 1] == t) {   /* replaced at the same instant */
        tr->phase[tr->n - 1] = (unsigned char)phase;
        tr->comm[tr->n - 1] = (unsigned char)comm;
        if (tr->n > 1 && tr->phase[tr->n - 2] == phase && tr->comm[tr->n - 2] == comm) tr->n--;
        return;
    }
    if ((size_t)tr->n + 1 > *cap) {
        *cap = *cap ? *cap * 2 : 16;
        tr->t = ut_realloc(tr->t, *cap * sizeof *tr->t);
        tr->phase = ut_realloc(tr->phase, *cap);
        tr->comm = ut_realloc(tr->comm, *cap);
    }
    tr->t[tr->n] = t;
    tr->phase[tr->n] = (unsigned char)phase;
    tr->comm[tr->n] = (unsigned char)comm;
    tr->n++;
}

static void build_track(const tl *t, int gpu, ui_track *tr)
{
    const tl_interval *iv;
    int n = tl_gpu_intervals(t, gpu, &iv);
    edge *e = ut_malloc((size_t)(2 * n + 1) * sizeof *e);
    int ne = 0;
    for (int i = 0; i < n; i++) {
        int cat = category(t, &iv[i]);
        if (cat < 0 || !(iv[i].t1_s > iv[i].t0_s)) continue;
        e[ne++] = (edge){ iv[i].t0_s, +1, cat };
        e[ne++] = (edge){ iv[i].t1_s, -1, cat };
    }
    qsort(e, (size_t)ne, sizeof *e, edge_cmp);
    size_t cap = 0;
    int cnt[UI_PHASE_COUNT] = { 0 };
    track_push(tr, &cap, 0, UI_IDLE, 0);
    for (int i = 0; i < ne; i++) {
        cnt[e[i].cat] += e[i].delta;
        if (i + 1 < ne && e[i + 1].t == e[i].t) continue;
        int ph = cnt[UI_BACKWARD] > 0 ? UI_BACKWARD : cnt[UI_FORWARD] > 0 ? UI_FORWARD
               : cnt[UI_OPTIMIZER] > 0 ? UI_OPTIMIZER : cnt[UI_COMM] > 0 ? UI_COMM : UI_IDLE;
        track_push(tr, &cap, e[i].t, ph, cnt[UI_COMM] > 0);
    }
    free(e);
}

/* The last i with t[i] <= t_s (0 before the first). */
static int track_index(const ui_track *tr, double t_s)
{
    int lo = 0, hi = tr->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (tr->t[mid] <= t_s) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

ui_phase ui_track_at(const ui_track *tr, double t_s, int *comm)
{
    int hint = -1;
    return ui_track_at_near(tr, t_s, comm, &hint);
}

ui_phase ui_track_at_near(const ui_track *tr, double t_s, int *comm, int *hint)
{
    if (!tr || tr->n == 0) {
        if (comm) *comm = 0;
        return UI_IDLE;
    }
    int i = *hint;
    if (i < 0 || i >= tr->n || (i > 0 && tr->t[i] > t_s)) i = track_index(tr, t_s);   /* none yet, or back in time */
    else {
        int k = 0;
        while (k++ < 8 && i + 1 < tr->n && tr->t[i + 1] <= t_s) i++;
        if (i + 1 < tr->n && tr->t[i + 1] <= t_s) i = track_index(tr, t_s);       /* far on */
    }
    *hint = i;
    if (comm) *comm = tr->comm[i];
    return (ui_phase)tr->phase[i];
}

/* ----------------------------------------------------------------------------------------- */
/* The analytic extrapolations. The plan keeps its tensor and pipeline sizes and its micro-batch,
 * and its global batch grows with the data-parallel size (each replica keeps its share). When that
 * plan is not valid or does not fit there, the best plan the model finds is shown instead. */

static void extrapolate(ui_extra *x, const plat_platform *p, int part, const tm_model *m, const tm_plan *base,
                        int base_dp, int gpus)
{
    char err[512];
    x->ok = 0;
    tm_ctx *c = tm_ctx_create(p, part, gpus, err, sizeof err);
    if (!c) {
        snprintf(x->why, sizeof x->why, "%s", err);
        return;
    }
    tm_ctx_set_names(c, &ui_field_names);
    tm_plan pl = *base;
    int per = pl.tp * pl.pp * pl.cp;
    pl.gpus = gpus / per * per;
    long per_replica = base->gbs / (base_dp > 0 ? base_dp : 1);
    if (pl.gpus >= per) {
        pl.gbs = per_replica * (pl.gpus / per);
        tm_result r;
        if (tm_predict(c, m, &pl, 0, &r, err, sizeof err) == 0 && r.mem.fits) {   /* tm_predict checks the plan */
            pl.dp = r.dp;
            x->plan = pl, x->r = r, x->ok = 1;
            tm_ctx_destroy(c);
            return;
        }
    }
    /* search: all the GPUs, a global batch near the same number of sequences per GPU */
    tm_plan b = *base;
    b.gpus = gpus;
    b.gbs = (long)fmax(1, round((double)base->gbs / base->gpus * gpus));
    tm_ranked best;
    long evaluated = 0;
    if (tm_search(c, m, &b, &best, 1, &evaluated) > 0) {
        x->plan = best.plan, x->r = best.r, x->ok = 1, x->replanned = 1;
    } else {
        snprintf(x->why, sizeof x->why, "%s", _("no plan fits in memory"));
    }
    tm_ctx_destroy(c);
}

/* The comparison platforms, loaded once per scene (the extrapolations and the roofline use them):
 * NULL with why when a file is missing or broken. */
static plat_platform *load_other(const char *name, const char *dirs, char *why, size_t n)
{
    char path[1024];
    if (plat_find_file(name, dirs, path, sizeof path) != 0) {
        snprintf(why, n, _("platform '%s' not found"), name);
        return NULL;
    }
    plat_error pe;
    plat_platform *p = plat_load_file(path, &pe);
    if (!p) snprintf(why, n, "%s", pe.msg);
    return p;
}

/* The same job on partition `partition` (NULL: the first) of another machine p; nothing to
 * compute when that is the scene's own partition, whole (the full-partition line says it). */
static void extra_on(ui_extra *x, const ui_scene *s, const plat_platform *p, const char *partition, const char *label,
                     const tm_model *m, const tm_plan *base, int base_dp)
{
    snprintf(x->label, sizeof x->label, "%s", label);
    if (!p) return;   /* x->why says why */
    int part = partition ? plat_find_partition(p, partition) : 0;
    if (part < 0) part = 0;
    if (!s->sc.nodes && !strcmp(p->id, s->plat->id) && !strcmp(p->partitions[part].id, s->plat->partitions[s->part].id)) {
        x->same = 1;
        return;
    }
    plat_totals t;
    plat_partition_totals(p, part, &t);
    if (t.accels < 1) snprintf(x->why, sizeof x->why, "%s", _("no accelerators"));
    else extrapolate(x, p, part, m, base, base_dp, (int)(t.accels > 1 << 20 ? 1 << 20 : t.accels));
}

/* ----------------------------------------------------------------------------------------- */
/* The pipeline's end stages. A split is a (first, last) pair for tm_stage_layers; the rule is
 * (0, 0). The control walks the rule and the splits with equal ends in the order of the layers the
 * two ends hold, a split that gives the same stages as the rule standing for it. */

typedef struct split { int first, last, ends; } split;

static int stages_of(const tm_model *m, int pp, int first, int last, int *out)
{
    tm_plan pl = tm_plan_default();
    pl.pp = pp, pl.first_layers = first, pl.last_layers = last;
    char err[256];
    return pp >= 1 && pp <= m->layers && tm_stage_layers(m, &pl, out, NULL, err, sizeof err) == 0 ? 0 : -1;
}

/* The candidates, sorted by the ends' layers (the rule first among equals); returns how many. */
static int splits_of(const tm_model *m, int pp, split *out, int max)
{
    int *rule = ut_malloc((size_t)pp * sizeof *rule), *st = ut_malloc((size_t)pp * sizeof *st), n = 0;
    int has_rule = stages_of(m, pp, 0, 0, rule) == 0;
    if (has_rule) out[n++] = (split){ 0, 0, rule[0] + rule[pp - 1] };
    for (int e = 1; pp >= 3 && n < max && 2 * e <= m->layers; e++) {
        if (stages_of(m, pp, e, e, st) != 0) continue;
        if (has_rule && !memcmp(st, rule, (size_t)pp * sizeof *st)) continue;   /* the rule itself */
        split sp = { e, e, 2 * e };
        int i = n++;
        while (i > 0 && out[i - 1].ends > sp.ends) out[i] = out[i - 1], i--;
        out[i] = sp;
    }
    free(rule);
    free(st);
    return n;
}

int ui_stage_step(const tm_model *m, int pp, int *first, int *last, int delta)
{
    if (!m || pp < 3 || pp > m->layers || !delta) return 0;
    split *c = ut_malloc((size_t)(m->layers + 1) * sizeof *c);
    int n = splits_of(m, pp, c, m->layers + 1), to = -1, found = 0, moved = 0;
    for (int i = 0; i < n && !found; i++)
        if (c[i].first == *first && c[i].last == *last) to = i + (delta > 0 ? 1 : -1), found = 1;
    if (!found) {
        /* a split not in the list: the nearest one lighter or heavier than its ends */
        int *st = ut_malloc((size_t)pp * sizeof *st), ends = stages_of(m, pp, *first, *last, st) == 0 ? st[0] + st[pp - 1] : 0;
        free(st);
        int below = -1, above = n;
        for (int i = 0; i < n; i++) {
            if (c[i].ends < ends) below = i;
            if (c[i].ends > ends && above == n) above = i;
        }
        to = delta > 0 ? above : below;
    }
    if (n && to >= 0 && to < n) {
        *first = c[to].first, *last = c[to].last;
        moved = 1;
    }
    free(c);
    return moved;
}

const char *ui_stage_text(const tm_model *m, int pp, int first, int last, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!m || pp < 1 || pp > m->layers) return buf;
    tm_plan pl = tm_plan_default();
    pl.pp = pp, pl.first_layers = first, pl.last_layers = last;
    int *st = ut_malloc((size_t)pp * sizeof *st);
    if (stages_of(m, pp, first, last, st) == 0) {
        tm_stage_split_text(m, &pl, buf, size);
        if (!buf[0]) snprintf(buf, size, "%d x %d", st[0], pp);   /* even */
    }
    free(st);
    return buf;
}

/* ----------------------------------------------------------------------------------------- */

static int fail(ui_scene *s, const char *msg)
{
    snprintf(s->error, sizeof s->error, "%s", msg);
    return -1;
}


/* The plan needs more memory than a GPU has: the banner says so, with the fastest plan that fits
 * among those the controls can set (tp, pp, micro-batch, recomputation; the batch kept), which
 * Shift+F takes. */
static void unfit(ui_scene *s, const tm_plan *pl)
{
    char a[48], b[48];
    int n = snprintf(s->unfit, sizeof s->unfit, _("DOES NOT FIT IN MEMORY: %s GiB per GPU of %s. This step could not run; the animation "
                                                   "only shows its schedule."),
                     app_num(a, sizeof a, s->r.mem.total_gib, 1), app_num(b, sizeof b, s->r.mem.capacity_gib, 0));
    tm_ranked best;
    long evaluated;
    unsigned fixed = TM_FIX(TM_GPUS) | TM_FIX(TM_GBS) | TM_FIX(TM_VPP) | TM_FIX(TM_CP) | TM_FIX(TM_ZERO) | TM_FIX(TM_FIRST_LAYERS) |
                     TM_FIX(TM_LAST_LAYERS) | TM_FIX_SEQ_PARALLEL | TM_FIX_FLASH | TM_FIX_OVERLAP | TM_FIX_TP_OVERLAP | TM_FIT_SURE;
    if (tm_search_fixed(s->ctx, &s->model, pl, fixed, &best, 1, &evaluated) > 0) {
        s->fit_found = 1;
        s->fit_plan = best.plan;
        s->fit_gib = best.r.mem.total_gib;
        snprintf(s->unfit + n, sizeof s->unfit - (size_t)n, _(" Shift+F takes the fastest plan that fits: tp %d, pp %d, micro-batch %d, "
                                                              "recomputation %s (%s GiB per GPU)."),
                 best.plan.tp, best.plan.pp, best.plan.mbs, _(tm_recompute_name(best.plan.recompute)), app_num(a, sizeof a, best.r.mem.total_gib, 1));
    } else {
        snprintf(s->unfit + n, sizeof s->unfit - (size_t)n, "%s", _(" No plan the controls can set fits: more GPUs (n), or a smaller model (m)."));
    }
}

/* The scene's plan on `want` GPUs of its partition: the analytic step term by term, the same job
 * elsewhere, and the step simulated (with link loads over time when s->detailed, else within
 * UI_WHOLE_S). 0: done; 1: stopped at UI_WHOLE_S (nothing kept but the analytic figures);
 * -1: failed, with the reason in s->error. A pending scene (s->pending) stops before the
 * simulation: its analytic figures are shown while the full scene is built. */
static int simulate_on(ui_scene *s, tm_plan pl, long want)
{
    const ui_scenario *sc = &s->sc;
    char err[768];
    int per = pl.tp * pl.pp;
    pl.gpus = (int)(want / per * per);
    if (pl.gpus < per) {
        char w[32];
        snprintf(err, sizeof err, _("tensor x pipeline = %d GPUs, more than the %s available"), per, app_num(w, sizeof w, (double)want, 0));
        return fail(s, err);
    }
    if (pl.gpus != want) {        /* say so: the command line refuses such a count */
        size_t used = strlen(s->notice);
        char w[32], g[32];
        snprintf(s->notice + used, sizeof s->notice - used, _("%s%s GPUs are not a multiple of tp x pp = %d: %s are simulated"),
                 used ? "; " : "", app_num(w, sizeof w, (double)want, 0), per, app_num(g, sizeof g, pl.gpus, 0));
    }
    int dp = pl.gpus / per;
    long unit = (long)dp * pl.mbs;              /* a global batch is a multiple of dp x micro-batch */
    pl.gbs = sc->gbs > 0 ? sc->gbs : unit * 8;
    if (pl.gbs % unit) {                        /* the scenario's, on GPUs that changed since: the nearest multiple */
        long k = (pl.gbs + unit / 2) / unit;
        size_t used = strlen(s->notice);
        char g0[32], g1[32], u[32];
        snprintf(s->notice + used, sizeof s->notice - used, _("%sthe global batch %s is not a multiple of dp x micro-batch = %s: %s is simulated"),
                 used ? "; " : "", app_num(g0, sizeof g0, (double)pl.gbs, 0), app_num(u, sizeof u, (double)unit, 0),
                 app_num(g1, sizeof g1, (double)((k > 0 ? k : 1) * unit), 0));
        pl.gbs = (k > 0 ? k : 1) * unit;
    }

    s->ctx = tm_ctx_create(s->plat, s->part, pl.gpus, err, sizeof err);
    if (!s->ctx) return fail(s, err);
    tm_ctx_set_names(s->ctx, &ui_field_names);
    s->nw = tm_ctx_net(s->ctx);
    /* the analytic step, term by term: it stands even when the simulator cannot replay the plan */
    ut_numstyle numbers = app_style();
    if (tm_predict_terms(s->ctx, &s->model, &pl, 0, &s->r, &numbers, &s->terms, &s->nterms, err, sizeof err) != 0)
        return fail(s, err);
    pl.dp = s->r.dp;
    s->plan = pl;
    if (!s->r.mem.fits) unfit(s, &pl);

    /* the same job, analytically, elsewhere */
    const plat_partition *pt = &s->plat->partitions[s->part];
    char label[96];
    snprintf(label, sizeof label, "%s/%s", s->plat->id, pt->id);
    snprintf(s->extra[UI_EXTRA_FULL].label, sizeof s->extra[0].label, "%s", label);
    extrapolate(&s->extra[UI_EXTRA_FULL], s->plat, s->part, &s->model, &pl, s->r.dp, (int)(s->part_gpus > 1 << 20 ? 1 << 20 : s->part_gpus));
    extra_on(&s->extra[UI_EXTRA_JEANZAY], s, s->other[UI_EXTRA_JEANZAY], "h100", "jean-zay/h100", &s->model, &pl, s->r.dp);
    extra_on(&s->extra[UI_EXTRA_ALICE], s, s->other[UI_EXTRA_ALICE], NULL, "alice-recoque", &s->model, &pl, s->r.dp);
    extra_on(&s->extra[UI_EXTRA_LOCAL], s, s->other[UI_EXTRA_LOCAL], NULL, _("this computer"), &s->model, &pl, s->r.dp);

    if (s->pending) return 0;

    /* the step replayed by the discrete-event simulator, which refuses what it cannot replay */
    double t0 = ut_now_s();
    double deadline = t0 + whole_budget_s();
    tm_step_opts o = { .detail = s->detailed, .bins = s->detailed ? 0 : UI_LOAD_BINS, .stop = s->detailed ? NULL : past_deadline,
                       .stop_ctx = &deadline };
    s->step = tm_step_simulate(s->ctx, &s->model, &pl, &o, err, sizeof err);
    if (!s->step) return fail(s, err);
    if (tm_step_stopped(s->step)) return 1;
    s->sim_wall_s = ut_now_s() - t0;
    s->plan = *tm_step_plan(s->step);
    s->r = *tm_step_predicted(s->step);
    s->st = *tm_step_stats(s->step);
    s->nw = tm_step_net(s->step);
    s->timeline = tm_step_timeline(s->step);
    return 0;
}

/* The whole machine simulated with its cables' loads binned: the notice says over what. */
static void note_binned(ui_scene *s)
{
    size_t used = strlen(s->notice);
    char w[32];
    snprintf(s->notice + used, sizeof s->notice - used, _("%severy GPU simulated; cables show their mean load over each %s"),
             used ? "; " : "", app_time(w, sizeof w, s->timeline->bin_s));
}

static int build(ui_scene *s, const char *dirs, const char *local_path)
{
    const ui_scenario *sc = &s->sc;
    char err[768];
    s->other[UI_EXTRA_JEANZAY] = load_other("jean-zay", dirs, s->extra[UI_EXTRA_JEANZAY].why, sizeof s->extra[0].why);
    s->other[UI_EXTRA_ALICE] = load_other("alice-recoque", dirs, s->extra[UI_EXTRA_ALICE].why, sizeof s->extra[0].why);
    struct stat st;
    if (local_path && stat(local_path, &st) == 0)
        s->other[UI_EXTRA_LOCAL] = load_other(local_path, dirs, s->extra[UI_EXTRA_LOCAL].why, sizeof s->extra[0].why);
    else
        snprintf(s->extra[UI_EXTRA_LOCAL].why, sizeof s->extra[0].why, "%s", _("not calibrated: run 'usine calibrate'"));
    if (plat_find_file(sc->platform, dirs, s->plat_path, sizeof s->plat_path) != 0) {
        snprintf(err, sizeof err, _("platform '%s' not found (a file, or a preset name)"), sc->platform);
        return fail(s, err);
    }
    plat_error pe;
    s->plat = plat_load_file(s->plat_path, &pe);
    if (!s->plat) return fail(s, pe.msg);
    s->part = sc->partition[0] ? plat_find_partition(s->plat, sc->partition) : 0;
    if (s->part < 0) {
        snprintf(err, sizeof err, _("%s: no partition '%s'"), s->plat_path, sc->partition);
        s->part = 0;
        return fail(s, err);
    }
    const plat_partition *pt = &s->plat->partitions[s->part];
    s->file_nodes = pt->nodes;
    if (sc->nodes > 0 && sc->nodes != pt->nodes) {   /* a what-if machine: the scene's platform is its own */
        char why[512];
        if (plat_resize_partition(s->plat, s->part, sc->nodes, why, sizeof why) != 0) {
            snprintf(err, sizeof err, _("%ld nodes: %s"), sc->nodes, why);
            return fail(s, err);
        }
        snprintf(s->notice, sizeof s->notice, _("what-if: partition %s with %d nodes (the file has %d)"), pt->id, pt->nodes,
                 s->file_nodes);
    }
    const plat_node *nd = &s->plat->node_types[pt->node];
    s->gpn = nd->accel >= 0 ? nd->accels_per_node : 0;
    s->part_gpus = (long)pt->nodes * s->gpn;
    if (s->part_gpus < 1) {
        snprintf(err, sizeof err, _("%s: partition '%s' has no accelerators to train on"), s->plat_path, pt->id);
        return fail(s, err);
    }
    const tm_model *m = tm_model_preset(sc->model);
    if (!m) {
        snprintf(err, sizeof err, _("unknown model '%s'"), sc->model);
        return fail(s, err);
    }
    s->model = *m;

    tm_plan pl = tm_plan_default();
    tm_stack_apply(sc->stack, &pl);                 /* an index out of range is the default */
    pl.first_layers = sc->first_layers, pl.last_layers = sc->last_layers;
    pl.tp = sc->tp > 0 ? sc->tp : 1;
    pl.pp = sc->pp > 0 ? sc->pp : 1;
    pl.mbs = sc->mbs > 0 ? sc->mbs : 1;
    pl.recompute = (tm_recompute)sc->recompute;
    pl.prec = sc->prec;
    tm_stack_restrict(&pl);                         /* what the stack does not offer is off */
    long want = sc->gpus > 0 ? sc->gpus : s->part_gpus;
    if (want > s->part_gpus) want = s->part_gpus;
    s->detailed = want <= UI_DETAIL_GPUS;
    int r = !s->detailed && (whole_budget_s() == 0 || known_slow(s, want)) ? 1 : simulate_on(s, pl, want);
    if (r > 0) {                                    /* the whole machine would take too long here */
        if (s->step) remember_slow(s, want);        /* (else known already) */
        tm_step_free(s->step);
        tm_ctx_destroy(s->ctx);
        s->step = NULL, s->ctx = NULL;
        free(s->terms);
        s->terms = NULL, s->nterms = 0;
        s->detailed = 1;
        size_t used = strlen(s->notice);
        snprintf(s->notice + used, sizeof s->notice - used,
                 _("%sthe whole machine would take too long to simulate here: its first %d GPUs are, the rest is extrapolated"),
                 used ? "; " : "", UI_DETAIL_GPUS);
        r = simulate_on(s, pl, UI_DETAIL_GPUS);
    } else if (r == 0 && !s->detailed && !s->pending) {
        note_binned(s);
    }
    if (r != 0) return -1;
    if (s->pending) return 0;                       /* the analytic figures only, for now */
    pl = s->plan;
    s->tracks = ut_calloc((size_t)pl.gpus, sizeof *s->tracks);
    for (int g = 0; g < pl.gpus; g++) build_track(s->timeline, g, &s->tracks[g]);
    s->link_cap_Bps = ut_malloc((size_t)(s->nw->nlinks ? s->nw->nlinks : 1) * sizeof *s->link_cap_Bps);
    for (int i = 0; i < s->nw->nlinks; i++) s->link_cap_Bps[i] = s->nw->links[i].cap_Bps;
    return 0;
}

ui_scene *ui_scene_build(const ui_scenario *sc, const char *dirs, const char *local_path)
{
    ui_scene *s = ut_calloc(1, sizeof *s);
    s->sc = *sc;
    build(s, dirs, local_path);
    return s;
}

ui_scene *ui_scene_build_analytic(const ui_scenario *sc, const char *dirs, const char *local_path)
{
    ui_scene *s = ut_calloc(1, sizeof *s);
    s->sc = *sc;
    s->pending = 1;
    build(s, dirs, local_path);
    return s;
}

int ui_scenario_same(const ui_scenario *a, const ui_scenario *b)
{
    return !strcmp(a->platform, b->platform) && !strcmp(a->partition, b->partition) && a->nodes == b->nodes &&
           !strcmp(a->model, b->model) && a->gpus == b->gpus && a->tp == b->tp && a->pp == b->pp && a->mbs == b->mbs &&
           a->gbs == b->gbs && a->recompute == b->recompute && a->prec == b->prec && a->stack == b->stack &&
           a->first_layers == b->first_layers && a->last_layers == b->last_layers;
}

/* The step moves with the context that simulated it and the platform that context reads (the
 * context keeps pointers into it); s's own context, from its analytic build, goes first, and its
 * platform (the same file, loaded again) goes to from, to be freed with it. The words built for s
 * stay: they describe the same plan, and the explanation's terms are the same prediction. */
int ui_scene_take_step(ui_scene *s, ui_scene *from)
{
    if (!s || !from || !s->pending || s->error[0] || from->pending || !from->step || !from->tracks ||
        !ui_scenario_same(&s->sc, &from->sc) || strcmp(s->plat_path, from->plat_path) || s->part != from->part)
        return -1;
    tm_ctx_destroy(s->ctx);
    plat_platform *p = s->plat;
    s->plat = from->plat, from->plat = p;
    s->ctx = from->ctx, from->ctx = NULL;
    s->step = from->step, from->step = NULL;
    s->tracks = from->tracks, from->tracks = NULL;
    s->link_cap_Bps = from->link_cap_Bps, from->link_cap_Bps = NULL;
    s->nw = from->nw, s->timeline = from->timeline;
    s->st = from->st, s->sim_wall_s = from->sim_wall_s, s->detailed = from->detailed;
    s->plan = from->plan, s->r = from->r;   /* the simulator's, as a whole build keeps them */
    s->pending = 0;
    if (!s->detailed) note_binned(s);
    return 0;
}

void ui_scene_free(ui_scene *s)
{
    if (!s) return;
    if (s->tracks) {
        for (int g = 0; g < s->plan.gpus; g++) {
            free(s->tracks[g].t);
            free(s->tracks[g].phase);
            free(s->tracks[g].comm);
        }
        free(s->tracks);
    }
    free(s->link_cap_Bps);
    free(s->terms);
    tm_step_free(s->step);
    tm_ctx_destroy(s->ctx);
    plat_free(s->plat);
    for (int i = 0; i < UI_EXTRA_COUNT; i++) plat_free(s->other[i]);
    free(s);
}

/* ----------------------------------------------------------------------------------------- */
/* The worker: one request slot (the newest wins) and one result slot. */

static void *worker_main(void *arg)
{
    ui_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->pending && !w->quit) pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit) break;
        ui_scenario sc = w->want;
        int words = w->words;
        w->pending = w->words = 0;
        w->busy = 1;
        pthread_mutex_unlock(&w->mu);
        /* the analytic figures first (milliseconds), so that the window never shows the last
         * scenario's while the step is simulated (seconds on a large machine) */
        const char *local = w->local_path[0] ? w->local_path : NULL;
        ui_scene *first = ui_scene_build_analytic(&sc, w->platform_dirs, local);
        first->words_only = words;
        pthread_mutex_lock(&w->mu);
        int newer = w->pending, published = 0;
        if (!newer && !first->error[0]) {
            ui_scene_free(w->done);
            w->done = first;
            first = NULL;
            published = 1;
        }
        pthread_mutex_unlock(&w->mu);
        ui_scene_free(first);
        /* the words only: the window takes the step from the scene it shows (an error, which has
         * no step to go with it, is simulated whole) */
        if (newer || (words && published)) {
            pthread_mutex_lock(&w->mu);
            w->busy = 0;
            continue;
        }
        ui_scene *s = ui_scene_build(&sc, w->platform_dirs, local);
        pthread_mutex_lock(&w->mu);
        w->simulated++;
        w->busy = 0;
        if (w->pending) {          /* already out of date */
            ui_scene_free(s);
            continue;
        }
        ui_scene_free(w->done);
        w->done = s;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int ui_worker_start(ui_worker *w, const char *dirs, const char *local_path)
{
    memset(w, 0, sizeof *w);
    snprintf(w->platform_dirs, sizeof w->platform_dirs, "%s", dirs ? dirs : "");
    snprintf(w->local_path, sizeof w->local_path, "%s", local_path ? local_path : "");
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) return -1;
    w->started = 1;
    return 0;
}

void ui_worker_request(ui_worker *w, const ui_scenario *sc)
{
    pthread_mutex_lock(&w->mu);
    w->want = *sc;
    w->pending = 1;
    w->words = 0;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void ui_worker_request_words(ui_worker *w, const ui_scenario *sc)
{
    pthread_mutex_lock(&w->mu);
    if (!w->pending) {   /* a full request waiting stays one */
        w->want = *sc;
        w->pending = w->words = 1;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

long ui_worker_simulated(const ui_worker *w)
{
    ui_worker *m = (ui_worker *)w;   /* the lock changes, the worker does not */
    pthread_mutex_lock(&m->mu);
    long n = w->simulated;
    pthread_mutex_unlock(&m->mu);
    return n;
}

ui_scene *ui_worker_take(ui_worker *w)
{
    pthread_mutex_lock(&w->mu);
    ui_scene *s = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->mu);
    return s;
}

int ui_worker_busy(const ui_worker *w)
{
    ui_worker *m = (ui_worker *)w;   /* the lock changes, the worker does not */
    pthread_mutex_lock(&m->mu);
    int b = w->pending || w->busy || w->done;   /* a scene not yet taken: the window has not caught up */
    pthread_mutex_unlock(&m->mu);
    return b;
}

void ui_worker_stop(ui_worker *w)
{
    if (!w->started) return;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    ui_scene_free(w->done);
    w->done = NULL;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    w->started = 0;
}
