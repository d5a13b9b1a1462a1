/* ui_plot.c: the scaling curve and the roofline (see ui_plot.h). Two halves that never meet: the
 * data half asks the analytic model (train.h) and the real kernels (kn.h) for numbers and keeps
 * them in plain structures; the drawing half turns a structure into cairo paths and text, and
 * computes nothing but coordinates. Everything is sized in logical pixels times `scale`, so that a
 * HiDPI window, a PNG and an SVG come out with the same proportions. No SDL, no globals. */
#include "ui_plot.h"

#include <cairo-svg.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kn.h"
#include "util.h"
#include "app/app.h"

_Static_assert(KN_RUNGS <= UI_ROOF_POINTS_MAX, "UI_ROOF_POINTS_MAX must hold every rung of the ladder");

static void put_err(char *err, size_t size, const char *msg)
{
    if (err && size) ut_strlcpy(err, msg, size);
}

/* ========================================================================================== */
const tm_names ui_field_names = {
    [TM_GPUS] = N_("GPUs (n N)"), [TM_TP] = N_("tensor parallelism (t T)"), [TM_PP] = N_("pipeline parallelism (y Y)"),
    [TM_MBS] = N_("micro-batch (b B)"), [TM_GBS] = N_("global batch (v V)"),
};

/* Scaling data */

/* One optimizer step at `gpus` GPUs, with a context made for that count, as `usine predict` does. */
static int predict_at(const plat_platform *p, int partition, const tm_model *m, const tm_plan *base, int gpus,
                      tm_result *r, char *why, size_t why_size)
{
    tm_ctx *c = tm_ctx_create(p, partition, gpus, why, why_size);
    if (!c) return -1;
    tm_ctx_set_names(c, &ui_field_names);
    tm_plan pl = *base;
    pl.gpus = gpus;
    int rc = tm_predict(c, m, &pl, 0, r, why, why_size);
    tm_ctx_destroy(c);
    return rc;
}

/* Is the plan valid at `gpus`? The check needs a context that holds that many GPUs; `big` holds them all. */
static int valid_at(const tm_ctx *big, const tm_model *m, const tm_plan *base, int gpus)
{
    tm_plan pl = *base;
    pl.gpus = gpus;
    char why[256];
    return tm_plan_check(big, m, &pl, why, sizeof why) == 0;
}

int ui_scaling_compute(const plat_platform *p, int partition, const tm_model *m, const tm_plan *plan,
                       ui_scaling *out, char *err, size_t err_size)
{
    if (!out) {
        put_err(err, err_size, _("no place to put the scaling curve"));
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->analytic = 1;
    if (!p || !m || !plan || partition < 0 || partition >= p->npartitions) {
        put_err(err, err_size, _("no such partition"));
        return -1;
    }
    const plat_partition *pt = &p->partitions[partition];
    const plat_node *nd = &p->node_types[pt->node];
    ut_strlcpy(out->model, m->name[0] ? m->name : m->id, sizeof out->model);
    ut_strlcpy(out->platform, p->id, sizeof out->platform);
    ut_strlcpy(out->partition, pt->id, sizeof out->partition);
    out->plan = *plan;
    long total = nd->accel < 0 ? 0 : (long)pt->nodes * nd->accels_per_node;
    if (total > INT_MAX) total = INT_MAX;
    out->part_gpus = (int)total;

    char why[256];
    /* A context for the whole partition: it checks the plan at every count (and says why a
     * partition without accelerators cannot train). */
    tm_ctx *big = tm_ctx_create(p, partition, total > 0 ? (int)total : 1, why, sizeof why);
    if (big) tm_ctx_set_names(big, &ui_field_names);
    if (!big) {
        ut_strlcpy(out->skipped_why, why, sizeof out->skipped_why);
        put_err(err, err_size, why);
        return -1;
    }
    long mp = (long)(plan->tp > 0 ? plan->tp : 1) * (plan->pp > 0 ? plan->pp : 1) * (plan->cp > 0 ? plan->cp : 1);
    long dp_max = total / mp;
    if (dp_max < 1) {
        snprintf(why, sizeof why, _("the plan needs tp x pp x cp = %ld GPUs, the partition has %ld"), mp, total);
        ut_strlcpy(out->skipped_why, why, sizeof out->skipped_why);
        put_err(err, err_size, why);
        tm_ctx_destroy(big);
        return -1;
    }

    /* The data-parallel degrees, the global batch kept (strong scaling): at each power of two, the
     * largest degree at or below it that divides the batch's micro-batches (the batch 1,456 of
     * Jean Zay's whole H100 partition gives 1, 2, 4, 8, 16, 28, 56, 112: no 32, which would split
     * it unevenly), then the largest valid one above the last (the whole partition, say). */
    long dps[UI_SCALING_MAX];
    int ndp = 0;
    long last_pow = 1;
    long mbs = plan->mbs > 0 ? plan->mbs : 1, slots = plan->gbs > 0 && plan->gbs % mbs == 0 ? plan->gbs / mbs : 0;
    for (long target = 1; target <= dp_max && ndp < UI_SCALING_MAX; target *= 2) {
        long dp = target;
        while (slots && dp > 1 && slots % dp) dp--;                  /* a divisor of the micro-batches */
        if (ndp == 0 || dp > dps[ndp - 1]) dps[ndp++] = last_pow = dp;
    }
    if (dp_max != last_pow && ndp < UI_SCALING_MAX)
        for (long dp = dp_max; dp > last_pow; dp--)
            if (valid_at(big, m, plan, (int)(dp * mp))) {
                dps[ndp++] = dp;
                break;
            }
    tm_ctx_destroy(big);

    char first_why[256] = "";
    for (int i = 0; i < ndp; i++) {
        int gpus = (int)(dps[i] * mp);
        tm_result r;
        if (predict_at(p, partition, m, plan, gpus, &r, why, sizeof why) != 0) {
            if (!out->skipped++) ut_strlcpy(first_why, why, sizeof first_why);
            continue;
        }
        ui_scaling_point *q = &out->pts[out->npoints++];
        q->gpus = gpus;
        q->dp = r.dp;
        q->step_s = r.step_s;
        q->tokens_per_s = r.tokens_per_s;
        q->mfu = r.mfu;
        q->memory_gib = r.mem.total_gib;
        q->capacity_gib = r.mem.capacity_gib;
        q->fits = r.mem.fits;
    }
    ut_strlcpy(out->skipped_why, first_why, sizeof out->skipped_why);
    if (!out->npoints) {
        snprintf(why, sizeof why, _("no GPU count from %ld to %ld gives a valid plan: %s"), mp, dp_max * mp, first_why);
        put_err(err, err_size, why);
        return -1;
    }
    const ui_scaling_point *f = &out->pts[0];
    for (int i = 0; i < out->npoints; i++) {
        ui_scaling_point *q = &out->pts[i];
        q->efficiency = q->step_s > 0 ? f->step_s * f->gpus / (q->step_s * q->gpus) : 0;
    }
    return 0;
}

/* ========================================================================================== */
/* Roofline data */

/* The precision whose peak a roof shows: the one asked, else the fastest slower one the file gives
 * (bf16 -> fp16 on a V100, bf16 -> fp32 on a calibrated CPU). -1 when there is none. */
static int roof_prec(const plat_accel *a, plat_prec want)
{
    for (int q = want; q >= 0; q--)
        if (a->peak_tflops[q] > 0) return q;
    return -1;
}

static void append_label(char *dst, size_t size, const char *add)
{
    size_t len = strlen(dst);
    if (len && len + 3 + strlen(add) < size) strcat(dst, " / "), strcat(dst, add);
    else if (!len) ut_strlcpy(dst, add, size);
}

/* An accelerator's roof; accelerators with the same figures share one (and their names). */
static void add_roof(ui_roofline *r, const plat_accel *a, plat_prec want, int local)
{
    int q = roof_prec(a, want);
    if (q < 0 || !(a->memory_tbs > 0)) return;
    const char *name = a->name && a->name[0] ? a->name : a->id;
    for (int i = 0; i < r->nroofs; i++) {
        ui_roof *o = &r->roofs[i];
        if (o->local == local && o->prec == q && o->peak_tflops == a->peak_tflops[q] && o->memory_tbs == a->memory_tbs) {
            if (!strstr(o->label, name)) append_label(o->label, sizeof o->label, name);
            return;
        }
    }
    if (r->nroofs == UI_ROOF_MAX) {
        r->truncated = 1;
        return;
    }
    ui_roof *o = &r->roofs[r->nroofs++];
    ut_strlcpy(o->label, name, sizeof o->label);
    o->prec = q;
    o->peak_tflops = a->peak_tflops[q];
    o->memory_tbs = a->memory_tbs;
    o->ridge_flop_per_B = o->peak_tflops / o->memory_tbs; /* TFLOP/s over TB/s: FLOP per byte */
    o->local = local;
    r->has_local |= local;
}

int ui_roofline_compute(const plat_platform *const *plats, int nplats, const plat_platform *local,
                        plat_prec prec, ui_roofline *out)
{
    if (!out) return -1;
    memset(out, 0, sizeof *out);
    out->prec = prec;
    if (nplats < 0 || (nplats > 0 && !plats) || prec < 0 || prec >= PLAT_PREC_COUNT) return -1;
    for (int i = 0; i < nplats; i++) {
        const plat_platform *p = plats[i];
        /* this computer is drawn as itself, not as one more accelerator */
        if (!p || p == local || (local && p->id && local->id && !strcmp(p->id, local->id))) continue;
        for (int a = 0; a < p->naccels; a++) add_roof(out, &p->accels[a], prec, 0);
    }
    if (local)
        for (int a = 0; a < local->naccels; a++) add_roof(out, &local->accels[a], prec, 1);
    return out->nroofs;
}

int ui_roofline_measure(ui_roofline *r, int n, double min_s)
{
    if (!r || n < 1 || n > 32768) return -1;
    size_t nn = (size_t)n * n;
    float *A = kn_alloc(nn * sizeof *A), *B = kn_alloc(nn * sizeof *B), *C = kn_alloc(nn * sizeof *C),
          *R = kn_alloc(nn * sizeof *R);
    if (!A || !B || !C || !R) {
        kn_free(A), kn_free(B), kn_free(C), kn_free(R);
        return -1;
    }
    kn_fill(A, nn, 1);
    kn_fill(B, nn, 2);
    /* Measured into a local array, copied at the end: r changes in one go. */
    ui_roof_point pts[UI_ROOF_POINTS_MAX];
    int np = 0;
    double tol = kn_gemm_tolerance(n);
    for (int k = 0; k < KN_RUNGS; k++) {
        if (k == KN_NAIVE && n > 512) continue; /* minutes at n = 2048: not worth a point */
        kn_timing t;
        int ref = np == 0;                     /* the first rung run is the reference result */
        kn_gemm_time((kn_rung)k, n, A, B, ref ? R : C, min_s, &t);
        ui_roof_point *q = &pts[np++];
        memset(q, 0, sizeof *q);
        ut_strlcpy(q->name, kn_rung_name((kn_rung)k), sizeof q->name);
        q->rung = k;
        q->n = n;
        q->seconds = t.seconds;
        q->gflops = t.gflops;
        /* The ideal intensity: 2 n^3 FLOPs over the compulsory traffic, A and B read once and C
         * written once (3 x 4 n^2 bytes). Real rungs move more (the naive one re-reads B from
         * memory for every row), so their true intensity is lower; the ideal is what the roofline
         * promises to a rung that reuses its data perfectly from cache. */
        q->intensity_flop_per_B = 2.0 * n * (double)n * n / (3.0 * 4.0 * (double)nn);
        q->max_rel_diff = ref ? 0 : kn_max_rel_diff(C, R, nn);
        q->correct = q->max_rel_diff <= tol;
    }
    kn_free(A), kn_free(B), kn_free(C), kn_free(R);
    memcpy(r->points, pts, (size_t)np * sizeof *pts);
    r->npoints = np;
    r->threads = kn_threads();
    return 0;
}

/* ========================================================================================== */
/* Drawing helpers */

typedef struct box { double x0, y0, x1, y1; } box;

static const unsigned roof_rgbs[] = { 0x0072B2u, 0xD55E00u, 0x009E73u, 0xCC79A7u, 0xE69F00u, 0x56B4E9u };
#define NROOF_RGBS ((int)(sizeof roof_rgbs / sizeof *roof_rgbs))

unsigned ui_plot_roof_rgb(int i)
{
    if (i < 0) i = -i;
    return roof_rgbs[i % NROOF_RGBS];
}

static void rgb(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

static void rgba(cairo_t *cr, unsigned c, double a)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0, a);
}

#define RGB_TEXT 0x202020u
#define RGB_MUTED 0x606060u
#define RGB_GRID 0xE3E3E3u
#define RGB_FRAME 0x404040u
#define RGB_IDEAL 0x8C8C8Cu

static void font(cairo_t *cr, double px, int bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, px);
}

static double text_w(cairo_t *cr, const char *s)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

static double line_h(cairo_t *cr)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    return fe.ascent + fe.descent;
}

/* Show s anchored at (x, y): ax 0 left, 0.5 centre, 1 right; ay the same from the top to the
 * bottom of the line. Returns the box it covers. */
static box text_at(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double w = text_w(cr, s), h = fe.ascent + fe.descent;
    box b = { x - ax * w, y - ay * h, x - ax * w + w, y - ay * h + h };
    cairo_move_to(cr, b.x0, b.y0 + fe.ascent);
    cairo_show_text(cr, s);
    return b;
}

static int overlaps(box a, box b) { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }

/* v with about `sig` significant digits and no exponent, in the interface language: 989, 3.35,
 * 0.0421, 1230 (app_sig). */
static const char *num(char *buf, size_t size, double v, int sig)
{
    return app_sig(buf, size, v, sig);
}

/* A percentage on an axis or a label: "80%" in English, "80 %" in French (the translation). */
static const char *pct0(char *buf, size_t size, double v)
{
    char n[32];
    snprintf(buf, size, _("%s%%"), app_num(n, sizeof n, v, 0));
    return buf;
}

/* FLOP/s with an SI prefix: "100 G", "1 T". */
static const char *si(char *buf, size_t size, double v, int sig)
{
    static const char *const pre[] = { "", "k", "M", "G", "T", "P", "E", "Z" };
    int k = v >= 1 ? (int)floor(log10(v) / 3 + 1e-9) : 0;
    k = k < 0 ? 0 : k > 7 ? 7 : k;
    char m[32];
    snprintf(buf, size, "%s %s", num(m, sizeof m, v / pow(10, 3 * k), sig), pre[k]);
    return buf;
}

/* The plot area inside the margins, and its log or linear scales. */
typedef struct axes {
    double x0, y0, x1, y1;     /* plot rectangle, device pixels (y0 at the top) */
    double xmin, xmax;         /* data range of x */
    double ymin, ymax;         /* left axis */
    int xlog, ylog;
} axes;

static double ax_x(const axes *a, double v)
{
    double t = a->xlog ? (log(v) - log(a->xmin)) / (log(a->xmax) - log(a->xmin)) : (v - a->xmin) / (a->xmax - a->xmin);
    return a->x0 + t * (a->x1 - a->x0);
}

static double ax_y(const axes *a, double v)
{
    double t = a->ylog ? (log(v) - log(a->ymin)) / (log(a->ymax) - log(a->ymin)) : (v - a->ymin) / (a->ymax - a->ymin);
    return a->y1 - t * (a->y1 - a->y0);
}

static void background(cairo_t *cr, double w, double h)
{
    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);
    cairo_restore(cr);
}

static void frame(cairo_t *cr, const axes *a, double scale)
{
    rgb(cr, RGB_FRAME);
    cairo_set_line_width(cr, 1 * scale);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_rectangle(cr, a->x0, a->y0, a->x1 - a->x0, a->y1 - a->y0);
    cairo_stroke(cr);
}

static void grid_v(cairo_t *cr, const axes *a, double x, double scale)
{
    rgb(cr, RGB_GRID);
    cairo_set_line_width(cr, 1 * scale);
    cairo_move_to(cr, x, a->y0);
    cairo_line_to(cr, x, a->y1);
    cairo_stroke(cr);
}

static void grid_h(cairo_t *cr, const axes *a, double y, double scale)
{
    rgb(cr, RGB_GRID);
    cairo_set_line_width(cr, 1 * scale);
    cairo_move_to(cr, a->x0, y);
    cairo_line_to(cr, a->x1, y);
    cairo_stroke(cr);
}

static void message_centre(cairo_t *cr, const axes *a, double scale, const char *msg)
{
    font(cr, 14 * scale, 0);
    rgb(cr, RGB_MUTED);
    text_at(cr, (a->x0 + a->x1) / 2, (a->y0 + a->y1) / 2, msg, 0.5, 0.5);
}

typedef enum marker { MK_NONE, MK_CIRCLE, MK_SQUARE } marker;

static void draw_marker(cairo_t *cr, marker mk, double x, double y, double scale, unsigned c, int filled)
{
    double r = 3.8 * scale;
    if (mk == MK_NONE) return;
    cairo_new_path(cr);
    if (mk == MK_CIRCLE) cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    else cairo_rectangle(cr, x - r, y - r, 2 * r, 2 * r);
    if (filled) {
        rgb(cr, c);
        cairo_fill(cr);
    } else {
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        rgb(cr, c);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_line_width(cr, 1.5 * scale);
        cairo_stroke(cr);
    }
}

/* Dash patterns, in logical pixels (times scale). */
static void dash(cairo_t *cr, int kind, double scale)
{
    double d[2];
    if (kind == 1) d[0] = 7 * scale, d[1] = 4 * scale;        /* dashed */
    else if (kind == 2) d[0] = 2 * scale, d[1] = 3 * scale;   /* dotted */
    cairo_set_dash(cr, d, kind ? 2 : 0, 0);
}

typedef struct legend_entry {
    char text[200];
    unsigned color;
    int dash;                  /* 0 solid, 1 dashed, 2 dotted, -1 no line */
    double width;              /* line width, logical pixels */
    marker mk;
    int filled;
} legend_entry;

/* One entry: its line sample (sw wide) and marker at (lx, cy), then its text. */
static void legend_entry_at(cairo_t *cr, const legend_entry *e, double lx, double cy, double sw, double pad, double scale)
{
    if (e->dash >= 0) {
        rgb(cr, e->color);
        cairo_set_line_width(cr, e->width * scale);
        dash(cr, e->dash, scale);
        cairo_move_to(cr, lx, cy);
        cairo_line_to(cr, lx + sw, cy);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    draw_marker(cr, e->mk, lx + sw / 2, cy, scale, e->color, e->filled);
    rgb(cr, RGB_TEXT);
    text_at(cr, lx + sw + pad, cy, e->text, 0, 0.5);
}

/* ========================================================================================== */
/* Layout: what goes where, so that nothing covers anything else
 *
 * A plot is laid out from the outside in: the heading on top (wrapped to two lines, never cut
 * before that), the footer at the bottom (notes on the left, wrapped, the badge on the right
 * beside them), the axis titles and tick labels around the axes, and what is left is the axes.
 * Tick labels that would touch are thinned, the last one always kept. The legend goes in the
 * first corner of the axes where it crosses no curve, marker or label, else under the axes, which
 * then shrink for it. Every box drawn is noted in the ui_plot_layout given (NULL: none), which the
 * tests read: in the window a plot gets whatever room is left, so its layout is the thing to check. */

static void note_part(ui_plot_layout *lay, ui_plot_part part, box b)
{
    if (!lay || lay->n >= UI_PLOT_ITEMS_MAX) return;
    lay->item[lay->n++] = (ui_plot_item){ part, b.x0, b.y0, b.x1, b.y1 };
}

static void note_segment(ui_plot_layout *lay, double x0, double y0, double x1, double y1)
{
    if (!lay || lay->n >= UI_PLOT_ITEMS_MAX) return;
    lay->item[lay->n++] = (ui_plot_item){ UI_PP_SEGMENT, x0, y0, x1, y1 };
}

/* s cut at a character to fit max_w, ending with "…" when cut, into out (size >= 8). */
static void cut_to(cairo_t *cr, const char *s, double max_w, char *out, size_t size)
{
    ut_strlcpy(out, s, size);
    if (text_w(cr, out) <= max_w) return;
    size_t len = strlen(out) < size - 4 ? strlen(out) : size - 4;
    while (len > 0) {
        do len--;
        while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80);
        memcpy(out + len, "…", 4);
        if (text_w(cr, out) <= max_w) return;
    }
    ut_strlcpy(out, "…", size);
}

#define WRAP_LINES 3
typedef struct wrapped { int n; char line[WRAP_LINES][400]; } wrapped;

/* text in at most max_lines lines of max_w, broken at spaces; the last line is cut with "…" only
 * when the text needs more lines than that (or a word is wider than a line). */
static void wrap_text(cairo_t *cr, const char *text, double max_w, int max_lines, wrapped *out)
{
    out->n = 0;
    if (max_lines > WRAP_LINES) max_lines = WRAP_LINES;
    const char *p = text;
    while (*p && out->n < max_lines) {
        while (*p == ' ') p++;
        if (!*p) break;
        char *dst = out->line[out->n];
        size_t len = strlen(p), best = 0;
        char buf[400];
        for (size_t i = 1; i <= len && i < sizeof buf; i++)
            if (i == len || p[i] == ' ') {
                memcpy(buf, p, i), buf[i] = '\0';
                if (text_w(cr, buf) <= max_w) best = i;
                else break;
            }
        if (best == 0 || (out->n == max_lines - 1 && best < len)) {
            cut_to(cr, p, max_w, dst, sizeof out->line[0]);   /* the last line: the rest, cut */
            out->n++;
            return;
        }
        memcpy(dst, p, best), dst[best] = '\0';
        out->n++;
        p += best;
    }
}

/* A title that fits: at size, else at 85 % of it, else wrapped at 85 % into max_lines. Leaves the
 * font set. */
static void fit_lines(cairo_t *cr, const char *s, double max_w, double size, int bold, int max_lines, wrapped *out)
{
    font(cr, size, bold);
    if (text_w(cr, s) > max_w) font(cr, size * 0.85, bold);
    wrap_text(cr, s, max_w, max_lines, out);
}

/* Lines centred on x from y down, each noted as part; returns the y under the last. */
static double lines_at(cairo_t *cr, const wrapped *t, double x, double y, double ax, ui_plot_layout *lay, ui_plot_part part)
{
    double lh = line_h(cr);
    for (int i = 0; i < t->n; i++) note_part(lay, part, text_at(cr, x, y + i * lh, t->line[i], ax, 0));
    return y + t->n * lh;
}

/* Title and subtitle; returns the y under them. */
static double heading(cairo_t *cr, double w, double scale, const char *title, const char *subtitle, ui_plot_layout *lay)
{
    double max_w = w - 16 * scale, y = 8 * scale;
    wrapped t;
    rgb(cr, RGB_TEXT);
    fit_lines(cr, title, max_w, 15 * scale, 1, 2, &t);
    y = lines_at(cr, &t, w / 2, y, 0.5, lay, UI_PP_TITLE);
    if (subtitle && subtitle[0]) {
        rgb(cr, RGB_MUTED);
        fit_lines(cr, subtitle, max_w, 11 * scale, 0, 2, &t);
        y = lines_at(cr, &t, w / 2, y + 3 * scale, 0.5, lay, UI_PP_SUBTITLE);
    }
    return y;
}

/* A vertical axis' title, turned a quarter to the left (dir -1) or right (dir 1), centred on
 * (x, y), shrunk then cut to max_len; its box noted. */
static void title_up(cairo_t *cr, double x, double y, double max_len, const char *s, double size, int dir, ui_plot_layout *lay,
                     ui_plot_part part)
{
    char buf[256];
    font(cr, size, 0);
    if (text_w(cr, s) > max_len) font(cr, size * 0.85, 0);
    cut_to(cr, s, max_len, buf, sizeof buf);
    double len = text_w(cr, buf), th = line_h(cr);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, dir * M_PI / 2);
    text_at(cr, 0, 0, buf, 0.5, 0.5);
    cairo_restore(cr);
    note_part(lay, part, (box){ x - th / 2, y - len / 2, x + th / 2, y + len / 2 });
}

/* A horizontal axis' title under the tick labels: s, else the shorter alt, shrunk then cut to max_w. */
static box title_x(cairo_t *cr, double x, double y, double max_w, const char *s, const char *alt, double size)
{
    char buf[256];
    font(cr, size, 0);
    if (alt && text_w(cr, s) > max_w) s = alt;
    if (text_w(cr, s) > max_w) font(cr, size * 0.85, 0);
    cut_to(cr, s, max_w, buf, sizeof buf);
    return text_at(cr, x, y, buf, 0.5, 0);
}

/* Ticks along an axis: n positions (device pixels along the axis) and their labels; which to
 * show so that no two labels come closer than gap: the last always, the first when it leaves room,
 * and between them each that clears the one before and the last. len[i]: the label's extent along
 * the axis. keep[i] set to 1 for those shown. */
static void thin_ticks(const double *pos, const double *len, int n, double gap, int *keep)
{
    for (int i = 0; i < n; i++) keep[i] = 0;
    if (n <= 0) return;
    keep[n - 1] = 1;
    double last_lo = pos[n - 1] - len[n - 1] / 2, last_hi = pos[n - 1] + len[n - 1] / 2;
    int prev = -1;
    for (int i = 0; i < n - 1; i++) {
        double lo = pos[i] - len[i] / 2, hi = pos[i] + len[i] / 2;
        int clear_last = hi + gap <= last_lo || lo >= last_hi + gap;
        int clear_prev = prev < 0 || lo >= pos[prev] + len[prev] / 2 + gap || hi + gap <= pos[prev] - len[prev] / 2;
        if (clear_last && clear_prev) keep[i] = 1, prev = i;
    }
}

/* Does the segment (x0, y0)-(x1, y1) cross or touch the box b? (Liang-Barsky clipping.) */
static int segment_hits(box b, double x0, double y0, double x1, double y1)
{
    double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
    double p[4] = { -dx, dx, -dy, dy }, q[4] = { x0 - b.x0, b.x1 - x0, y0 - b.y0, b.y1 - y0 };
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0) return 0;
        } else {
            double t = q[i] / p[i];
            if (p[i] < 0) { if (t > t1) return 0; if (t > t0) t0 = t; }
            else { if (t < t0) return 0; if (t < t1) t1 = t; }
        }
    }
    return 1;
}

/* What a legend must not cover: curves as segments, markers and labels as boxes. */
#define OBST_MAX 256
typedef struct obstacles { int nseg, nbox; double seg[OBST_MAX][4]; box b[OBST_MAX]; } obstacles;

static void obst_seg(obstacles *o, double x0, double y0, double x1, double y1)
{
    if (o->nseg < OBST_MAX) o->seg[o->nseg][0] = x0, o->seg[o->nseg][1] = y0, o->seg[o->nseg][2] = x1, o->seg[o->nseg][3] = y1, o->nseg++;
}

static void obst_box(obstacles *o, box b)
{
    if (o->nbox < OBST_MAX) o->b[o->nbox++] = b;
}

static int obst_hit(const obstacles *o, box b)
{
    for (int i = 0; i < o->nseg; i++)
        if (segment_hits(b, o->seg[i][0], o->seg[i][1], o->seg[i][2], o->seg[i][3])) return 1;
    for (int i = 0; i < o->nbox; i++)
        if (overlaps(b, o->b[i])) return 1;
    return 0;
}

/* A legend box: its entries in one column at font size px. */
static void legend_size(cairo_t *cr, const legend_entry *e, int n, double px, double scale, double *bw, double *bh)
{
    font(cr, px, 0);
    double lh = line_h(cr) * 1.3, sw = 26 * scale, pad = 6 * scale, tw = 0;
    for (int i = 0; i < n; i++) tw = fmax(tw, text_w(cr, e[i].text));
    *bw = pad * 3 + sw + tw, *bh = pad * 2 + lh * n;
}

/* The first of the axes' corners (in the order given: 0 bottom-left, 1 top-right, 2 bottom-right,
 * 3 top-left) where a legend of bw x bh crosses nothing; 1 and *out when found, else 0. */
static int legend_inside(const axes *a, const obstacles *o, const int *corners, int ncorners, double bw, double bh, double scale,
                         box *out)
{
    double m = 8 * scale;
    for (int k = 0; k < ncorners; k++) {
        int c = corners[k];
        double x0 = c == 0 || c == 3 ? a->x0 + m : a->x1 - m - bw, y0 = c == 0 || c == 2 ? a->y1 - m - bh : a->y0 + m;
        box b = { x0, y0, x0 + bw, y0 + bh };
        if (b.x0 < a->x0 || b.x1 > a->x1 || b.y0 < a->y0 || b.y1 > a->y1) continue;
        box grown = { b.x0 - 2 * scale, b.y0 - 2 * scale, b.x1 + 2 * scale, b.y1 + 2 * scale };
        if (!obst_hit(o, grown)) {
            *out = b;
            return 1;
        }
    }
    return 0;
}

/* The legend in the first of the four corners where it covers nothing, at the normal font size
 * or a smaller one (*px then says which): 1 and *out, or 0 when no corner is free. */
static int legend_in_a_corner(cairo_t *cr, const axes *a, const obstacles *o, const int corners[4], const legend_entry *e, int n,
                              double scale, double *px, box *out)
{
    for (int k = 0; k < 2; k++) {
        double bw, bh;
        *px = (k ? 9.5 : 11) * scale;
        legend_size(cr, e, n, *px, scale, &bw, &bh);
        if (legend_inside(a, o, corners, 4, bw, bh, scale, out)) return 1;
    }
    return 0;
}

/* The legend box at b, its entries at font size px. */
static void legend_box(cairo_t *cr, const legend_entry *e, int n, box b, double px, double scale)
{
    if (n <= 0) return;
    font(cr, px, 0);
    double lh = line_h(cr) * 1.3, sw = 26 * scale, pad = 6 * scale;
    cairo_save(cr);
    rgba(cr, 0xFFFFFFu, 0.9);
    cairo_rectangle(cr, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    cairo_fill_preserve(cr);
    rgb(cr, 0xB0B0B0u);
    cairo_set_line_width(cr, 1 * scale);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
    for (int i = 0; i < n; i++) legend_entry_at(cr, &e[i], b.x0 + pad, b.y0 + pad + lh * (i + 0.5), sw, pad, scale);
    cairo_restore(cr);
}

/* A legend under the plot, in as many columns as the width w allows, each as wide as its widest
 * entry (entry i in column i % cols): its height, columns and their widths. */
#define LEGEND_MAX (UI_ROOF_MAX + 1)
static double legend_rows_h(cairo_t *cr, const legend_entry *e, int n, double w, double scale, int *cols, double *col_w)
{
    font(cr, 11 * scale, 0);
    double sw = 26 * scale, pad = 6 * scale, ew[LEGEND_MAX];
    if (n > LEGEND_MAX) n = LEGEND_MAX;
    for (int i = 0; i < n; i++) ew[i] = sw + pad + text_w(cr, e[i].text) + 3 * pad;
    int c = n > 0 ? n : 1;
    for (; c > 1; c--) {
        double total = 0;
        for (int k = 0; k < c; k++) {
            double m = 0;
            for (int i = k; i < n; i += c) m = fmax(m, ew[i]);
            total += m;
        }
        if (total <= w - 12 * scale) break;
    }
    for (int k = 0; k < c; k++) {
        col_w[k] = 0;
        for (int i = k; i < n; i += c) col_w[k] = fmax(col_w[k], ew[i]);
    }
    *cols = c;
    int rows = n ? (n + c - 1) / c : 0;
    return rows * line_h(cr) * 1.35;
}

/* The rows as legend_rows_h laid them out (entries cut to the width), noted as the legend. */
static void legend_rows(cairo_t *cr, const legend_entry *e, int n, double x, double y, double w, int cols, const double *col_w,
                        double scale, ui_plot_layout *lay)
{
    font(cr, 11 * scale, 0);
    double sw = 26 * scale, pad = 6 * scale, lh = line_h(cr) * 1.35, used = 0;
    if (n > LEGEND_MAX) n = LEGEND_MAX;
    for (int k = 0; k < cols; k++) used += col_w[k];
    cairo_save(cr);
    for (int i = 0; i < n; i++) {
        double lx = x;
        for (int k = 0; k < i % cols; k++) lx += col_w[k];
        double cy = y + (i / cols + 0.5) * lh;
        legend_entry t = e[i];
        cut_to(cr, e[i].text, w - (lx - x) - sw - 2 * pad, t.text, sizeof t.text);   /* a single column narrower than an entry */
        legend_entry_at(cr, &t, lx, cy, sw, pad, scale);
    }
    cairo_restore(cr);
    if (n) note_part(lay, UI_PP_LEGEND, (box){ x, y, x + fmin(w, used), y + ((n + cols - 1) / cols) * lh });
}

/* The badge's size (where the numbers come from), bottom-right. */
static void badge_size(cairo_t *cr, double scale, const char *text, double *bw, double *bh)
{
    font(cr, 10.5 * scale, 1);
    double pad = 4 * scale;
    *bw = text_w(cr, text) + 2 * pad, *bh = line_h(cr) + 2 * pad;
}

static void badge(cairo_t *cr, double x, double y, double scale, const char *text)
{
    font(cr, 10.5 * scale, 1);
    double pad = 4 * scale, tw = text_w(cr, text), th = line_h(cr);
    cairo_save(cr);
    rgb(cr, 0xF2F2F2u);
    cairo_rectangle(cr, x - tw - 2 * pad, y - th - 2 * pad, tw + 2 * pad, th + 2 * pad);
    cairo_fill_preserve(cr);
    rgb(cr, 0x909090u);
    cairo_set_line_width(cr, 1 * scale);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_stroke(cr);
    rgb(cr, RGB_TEXT);
    text_at(cr, x - tw - pad, y - th - pad, text, 0, 0);
    cairo_restore(cr);
}

/* Ticks at 1, 2 and 5 x 10^k on a log axis spanning less than three decades, else at powers of 10. */
static int log_ticks(double lo, double hi, double *t, int max)
{
    int n = 0, fine = log10(hi / lo) < 3;
    for (int e = (int)floor(log10(lo)) - 1; e <= (int)ceil(log10(hi)) && n < max; e++)
        for (int k = 0; k < 3 && n < max; k++) {
            static const double m[3] = { 1, 2, 5 };
            if (!fine && k) break;
            double v = m[k] * pow(10, e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t[n++] = v;
        }
    return n;
}

/* ========================================================================================== */
/* The scaling curve */

/* Where the curve's points fall on the axes: step time, efficiency, and the efficiency axis' top. */
typedef struct scaling_geom {
    double x[UI_SCALING_MAX], ys[UI_SCALING_MAX], ye[UI_SCALING_MAX];
    double eff_top;
    box val_s, val_e;          /* the last point's values */
    int show_val_e;
} scaling_geom;

static double eff_y(const axes *ax, double top, double e) { return ax->y1 - e / top * (ax->y1 - ax->y0); }

static void scaling_geometry(cairo_t *cr, const axes *ax, const ui_scaling *s, double emax_axis, double scale, scaling_geom *g,
                             char *vs, char *ve, size_t vsize)
{
    g->eff_top = 1.04 * emax_axis;   /* a little headroom above the top tick */
    for (int i = 0; i < s->npoints; i++) {
        g->x[i] = ax_x(ax, s->pts[i].gpus);
        g->ys[i] = ax_y(ax, s->pts[i].step_s);
        g->ye[i] = eff_y(ax, g->eff_top, s->pts[i].efficiency);
    }
    const ui_scaling_point *l = &s->pts[s->npoints - 1];
    int k = s->npoints - 1;
    char a[32];
    font(cr, 10.5 * scale, 1);
    snprintf(vs, vsize, "%s s", num(a, sizeof a, l->step_s, 3));
    pct0(ve, vsize, l->efficiency * 100);
    double lx = g->x[k] - 8 * scale, th = line_h(cr), ws = text_w(cr, vs), we = text_w(cr, ve);
    double ys = g->ys[k], ye = g->ye[k];
    double ts = ys < ye ? ys - 6 * scale - th : ys + 6 * scale;
    double te = ye <= ys ? ye - 6 * scale - th : ye + 6 * scale;
    g->val_s = (box){ lx - ws, ts, lx, ts + th };
    g->val_e = (box){ lx - we, te, lx, te + th };
    g->show_val_e = !overlaps(g->val_s, g->val_e);
}

static void scaling_obstacles(const axes *ax, const ui_scaling *s, const scaling_geom *g, double scale, obstacles *o)
{
    o->nseg = o->nbox = 0;
    const ui_scaling_point *f = &s->pts[0];
    double glast = s->pts[s->npoints - 1].gpus, r = 4.5 * scale;
    obst_seg(o, g->x[0], g->ys[0], ax_x(ax, glast), ax_y(ax, f->step_s * f->gpus / glast));
    for (int i = 0; i < s->npoints; i++) {
        if (i) obst_seg(o, g->x[i - 1], g->ys[i - 1], g->x[i], g->ys[i]), obst_seg(o, g->x[i - 1], g->ye[i - 1], g->x[i], g->ye[i]);
        obst_box(o, (box){ g->x[i] - r, g->ys[i] - r, g->x[i] + r, g->ys[i] + r });
        obst_box(o, (box){ g->x[i] - r, g->ye[i] - r, g->x[i] + r, g->ye[i] + r });
    }
    obst_box(o, g->val_s);
    if (g->show_val_e) obst_box(o, g->val_e);
}

static void scaling_draw(cairo_t *cr, double w, double h, double scale, const ui_scaling *s, ui_plot_layout *lay)
{
    if (lay) lay->n = 0;
    if (!cr || !(w > 0) || !(h > 0)) return;
    if (!(scale > 0)) scale = 1;
    cairo_save(cr);
    background(cr, w, h);
    char title[256], sub[320], a[32], b[32];
    int have = s && s->npoints > 0;
    if (s && s->model[0])
        snprintf(title, sizeof title, _("Strong scaling of %s on %s/%s"), s->model, s->platform, s->partition);
    else
        snprintf(title, sizeof title, "%s", _("Strong scaling"));
    sub[0] = '\0';
    if (s && s->model[0]) {
        char gbs[32];
        snprintf(sub, sizeof sub, _("global batch %s sequences, micro-batch %d, tp %d, pp %d, cp %d, %s; more GPUs add data parallelism"),
                 app_num(gbs, sizeof gbs, (double)s->plan.gbs, 0), s->plan.mbs, s->plan.tp, s->plan.pp, s->plan.cp,
                 plat_prec_name((plat_prec)s->plan.prec));
    }
    double top = heading(cr, w, scale, title, sub, lay);

    /* the footer: the badge on the right, the note beside it on the left, wrapped */
    const char *badge_text = s && s->model[0] ? (s->analytic ? _("analytic model") : _("simulation")) : NULL;
    double bdw = 0, bdh = 0;
    if (badge_text) badge_size(cr, scale, badge_text, &bdw, &bdh);
    wrapped note = { 0 };
    font(cr, 9.5 * scale, 0);
    double note_lh = line_h(cr);
    if (s && s->skipped && have) {
        char txt[400];
        snprintf(txt, sizeof txt, P_("%d GPU count skipped: %s", "%d GPU counts skipped: %s", s->skipped), s->skipped, s->skipped_why);
        wrap_text(cr, txt, w - 12 * scale - (bdw > 0 ? bdw + 12 * scale : 0), 2, &note);
    }
    double footer = fmax(bdh, note.n * note_lh) + 6 * scale;
    font(cr, 10.5 * scale, 0);
    double tick_h = line_h(cr), xgap = fmax(5 * scale, tick_h / 2 + 1.5 * scale);   /* clear of the lowest y label */
    font(cr, 11.5 * scale, 0);
    double xtitle_h = line_h(cr);
    /* below the axes: the tick labels, the axis title, the footer */
    double below = xgap + tick_h + 4 * scale + xtitle_h + 6 * scale + footer;
    double ytitle_w = 24 * scale;
    axes ax = { .x0 = ytitle_w + 46 * scale, .y0 = top + 12 * scale, .x1 = w - ytitle_w - 40 * scale, .y1 = h - below, .xlog = 1, .ylog = 1 };
    if (ax.x1 - ax.x0 < 40 * scale || ax.y1 - ax.y0 < 40 * scale) { /* too small to draw axes: the message alone */
        ax = (axes){ 0, 0, w, h, 1, 2, 1, 2, 1, 1 };
        message_centre(cr, &ax, scale, have ? title : _("No data to plot"));
        cairo_restore(cr);
        return;
    }
    /* ranges */
    double gmin = 1, gmax = 8, smin = 0.1, smax = 10, emax = 1;
    if (have) {
        gmin = s->pts[0].gpus, gmax = s->pts[s->npoints - 1].gpus;
        smin = INFINITY, smax = 0;
        for (int i = 0; i < s->npoints; i++) {
            const ui_scaling_point *q = &s->pts[i];
            if (q->step_s > 0) smin = fmin(smin, q->step_s), smax = fmax(smax, q->step_s);
            /* the ideal line starts where the curve does and falls below it */
            double ideal = s->pts[0].step_s * s->pts[0].gpus / q->gpus;
            if (ideal > 0) smin = fmin(smin, ideal);
            emax = fmax(emax, q->efficiency);
        }
        if (!(smax > 0) || !isfinite(smin)) smin = 0.1, smax = 10;
        if (gmax <= gmin) gmin /= 2, gmax *= 2;
        /* a quarter of a power of two of room on each side, so that end markers are whole */
        gmin /= pow(2, 0.25), gmax *= pow(2, 0.25);
        if (smax / smin < 2) smin /= 1.6, smax *= 1.6;
        smin /= 1.25, smax *= 1.25;
    }
    ax.xmin = gmin, ax.xmax = gmax, ax.ymin = smin, ax.ymax = smax;
    double emax_axis = emax > 1.0001 ? ceil(emax * 10) / 10 : 1; /* right axis: 0 to 100 % (more if super-linear) */
    {   /* the side margins: the widest tick label and the axis title ("100 %" is wider in French) */
        double tk[64], wl = 0;
        font(cr, 10.5 * scale, 0);
        int n = log_ticks(ax.ymin, ax.ymax, tk, 64);
        for (int i = 0; i < n; i++) wl = fmax(wl, text_w(cr, num(a, sizeof a, tk[i], 1)));
        double wr = text_w(cr, pct0(b, sizeof b, emax_axis * 100));
        ax.x0 = ytitle_w + 12 * scale + wl;
        ax.x1 = w - ytitle_w - 11 * scale - wr;
    }

    /* the legend: in a corner of the axes where it covers nothing, else in rows under the axes */
    legend_entry e[4];
    int ne = 0, any_out = 0;
    scaling_geom g;
    char vs[64], ve[64];
    box leg = { 0, 0, 0, 0 };
    int leg_inside = 0, leg_cols = 1;
    double leg_px = 11 * scale, leg_col_w[LEGEND_MAX] = { 0 }, leg_rows_y = 0;
    if (have) {
        for (int i = 0; i < s->npoints; i++) any_out |= !s->pts[i].fits;
        e[ne++] = (legend_entry){ "", UI_PLOT_RGB_STEP, 0, 2.2, MK_CIRCLE, 1 };
        ut_strlcpy(e[ne - 1].text, _("step time"), sizeof e[0].text);
        e[ne++] = (legend_entry){ "", RGB_IDEAL, 2, 1.5, MK_NONE, 0 };
        ut_strlcpy(e[ne - 1].text, _("ideal: linear scaling"), sizeof e[0].text);
        e[ne++] = (legend_entry){ "", UI_PLOT_RGB_EFFICIENCY, 1, 2.2, MK_SQUARE, 1 };
        ut_strlcpy(e[ne - 1].text, _("efficiency (right axis)"), sizeof e[0].text);
        if (any_out) {
            e[ne++] = (legend_entry){ "", RGB_FRAME, -1, 0, MK_CIRCLE, 0 };
            ut_strlcpy(e[ne - 1].text, _("hollow: does not fit in GPU memory"), sizeof e[0].text);
        }
        scaling_geometry(cr, &ax, s, emax_axis, scale, &g, vs, ve, sizeof vs);
        obstacles *o = malloc(sizeof *o);
        if (o) {
            scaling_obstacles(&ax, s, &g, scale, o);
            static const int corners[] = { 0, 2, 1, 3 };   /* strong scaling leaves the bottom-left free */
            leg_inside = legend_in_a_corner(cr, &ax, o, corners, e, ne, scale, &leg_px, &leg);
            free(o);
        }
        if (!leg_inside) {   /* under the axes, which shrink for it */
            double rows_h = legend_rows_h(cr, e, ne, w, scale, &leg_cols, leg_col_w);
            ax.y1 -= rows_h + 4 * scale;
            leg_rows_y = ax.y1 + xgap + tick_h + 4 * scale + xtitle_h + 4 * scale;
            if (ax.y1 - ax.y0 < 40 * scale) ax.y1 = ax.y0 + 40 * scale;
            scaling_geometry(cr, &ax, s, emax_axis, scale, &g, vs, ve, sizeof vs);
        }
    }
    double eff_top = 1.04 * emax_axis;
    note_part(lay, UI_PP_AXES, (box){ ax.x0, ax.y0, ax.x1, ax.y1 });

    /* grid and ticks, thinned so that labels keep a gap */
    font(cr, 10.5 * scale, 0);
    double t[64], pos[64] = { 0 }, len[64] = { 0 };
    int keep[64];
    int nt = log_ticks(ax.ymin, ax.ymax, t, 64);
    for (int i = 0; i < nt; i++) pos[nt - 1 - i] = ax_y(&ax, t[i]), len[nt - 1 - i] = tick_h; /* top first: the top one kept */
    thin_ticks(pos, len, nt, 2 * scale, keep);
    for (int i = 0; i < nt; i++) {
        double y = ax_y(&ax, t[i]);
        grid_h(cr, &ax, y, scale);
        if (!keep[nt - 1 - i]) continue;
        rgb(cr, RGB_TEXT);
        note_part(lay, UI_PP_YTICK, text_at(cr, ax.x0 - 6 * scale, y, num(a, sizeof a, t[i], 1), 1, 0.5));
    }
    int ne_ticks = (int)llround(emax_axis * 5) + 1;
    if (ne_ticks > 64) ne_ticks = 64;
    for (int k = 0; k < ne_ticks; k++) pos[ne_ticks - 1 - k] = eff_y(&ax, eff_top, k * 0.2), len[ne_ticks - 1 - k] = tick_h;
    thin_ticks(pos, len, ne_ticks, 2 * scale, keep);
    for (int k = 0; k < ne_ticks; k++) {
        double e2 = k * 0.2, y = eff_y(&ax, eff_top, e2);
        rgb(cr, UI_PLOT_RGB_EFFICIENCY);
        cairo_set_line_width(cr, 1 * scale);
        cairo_move_to(cr, ax.x1, y);
        cairo_line_to(cr, ax.x1 + 4 * scale, y);
        cairo_stroke(cr);
        if (!keep[ne_ticks - 1 - k]) continue;
        pct0(b, sizeof b, e2 * 100);
        note_part(lay, UI_PP_Y2TICK, text_at(cr, ax.x1 + 7 * scale, y, b, 0, 0.5));
    }
    if (have) {
        int n = s->npoints;
        for (int i = 0; i < n; i++) {
            snprintf(a, sizeof a, "%d", s->pts[i].gpus);
            pos[i] = ax_x(&ax, s->pts[i].gpus), len[i] = text_w(cr, a);
        }
        thin_ticks(pos, len, n, 6 * scale, keep);
        for (int i = 0; i < n; i++) {
            grid_v(cr, &ax, pos[i], scale);
            if (!keep[i]) continue;
            rgb(cr, RGB_TEXT);
            snprintf(a, sizeof a, "%d", s->pts[i].gpus);
            note_part(lay, UI_PP_XTICK, text_at(cr, pos[i], ax.y1 + xgap, a, 0.5, 0));
        }
    }
    frame(cr, &ax, scale);

    /* axis titles */
    rgb(cr, RGB_TEXT);
    note_part(lay, UI_PP_XTITLE, title_x(cr, (ax.x0 + ax.x1) / 2, ax.y1 + xgap + 4 * scale + tick_h, ax.x1 - ax.x0, _("GPUs (log scale)"), NULL, 11.5 * scale));
    rgb(cr, UI_PLOT_RGB_STEP);
    title_up(cr, 4 * scale + ytitle_w / 2, (ax.y0 + ax.y1) / 2, ax.y1 - ax.y0, _("step time (s, log scale)"), 11.5 * scale, -1, lay, UI_PP_YTITLE);
    rgb(cr, UI_PLOT_RGB_EFFICIENCY);
    title_up(cr, w - 4 * scale - ytitle_w / 2, (ax.y0 + ax.y1) / 2, ax.y1 - ax.y0, _("scaling efficiency"), 11.5 * scale, 1, lay, UI_PP_Y2TITLE);

    if (!have) {
        const char *msg = !s || !s->model[0] ? _("No data to plot")
                        : s->skipped_why[0]      ? s->skipped_why
                                                 : _("No data: no GPU count gives a valid plan");
        message_centre(cr, &ax, scale, msg);
    } else {
        cairo_save(cr);
        cairo_rectangle(cr, ax.x0, ax.y0, ax.x1 - ax.x0, ax.y1 - ax.y0);
        cairo_clip(cr);
        const ui_scaling_point *f = &s->pts[0];
        int n = s->npoints;
        /* ideal: linear scaling from the first point */
        rgb(cr, RGB_IDEAL);
        cairo_set_line_width(cr, 1.5 * scale);
        dash(cr, 2, scale);
        double glast = s->pts[n - 1].gpus, xl = ax_x(&ax, glast), yl = ax_y(&ax, f->step_s * f->gpus / glast);
        cairo_move_to(cr, g.x[0], g.ys[0]);
        cairo_line_to(cr, xl, yl);
        cairo_stroke(cr);
        note_segment(lay, g.x[0], g.ys[0], xl, yl);
        /* step time */
        rgb(cr, UI_PLOT_RGB_STEP);
        cairo_set_line_width(cr, 2.2 * scale);
        cairo_set_dash(cr, NULL, 0, 0);
        for (int i = 0; i < n; i++) {
            if (i) cairo_line_to(cr, g.x[i], g.ys[i]), note_segment(lay, g.x[i - 1], g.ys[i - 1], g.x[i], g.ys[i]);
            else cairo_move_to(cr, g.x[i], g.ys[i]);
        }
        cairo_stroke(cr);
        /* efficiency */
        rgb(cr, UI_PLOT_RGB_EFFICIENCY);
        cairo_set_line_width(cr, 2.2 * scale);
        dash(cr, 1, scale);
        for (int i = 0; i < n; i++) {
            if (i) cairo_line_to(cr, g.x[i], g.ye[i]), note_segment(lay, g.x[i - 1], g.ye[i - 1], g.x[i], g.ye[i]);
            else cairo_move_to(cr, g.x[i], g.ye[i]);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        double r = 3.8 * scale;
        for (int i = 0; i < n; i++) {
            draw_marker(cr, MK_SQUARE, g.x[i], g.ye[i], scale, UI_PLOT_RGB_EFFICIENCY, s->pts[i].fits);
            draw_marker(cr, MK_CIRCLE, g.x[i], g.ys[i], scale, UI_PLOT_RGB_STEP, s->pts[i].fits);
            note_part(lay, UI_PP_MARKER, (box){ g.x[i] - r, g.ye[i] - r, g.x[i] + r, g.ye[i] + r });
            note_part(lay, UI_PP_MARKER, (box){ g.x[i] - r, g.ys[i] - r, g.x[i] + r, g.ys[i] + r });
        }
        cairo_restore(cr);
        /* the last point's values, beside it */
        font(cr, 10.5 * scale, 1);
        rgba(cr, 0xFFFFFFu, 0.8);   /* over the lines they sit beside */
        cairo_rectangle(cr, g.val_s.x0 - 1 * scale, g.val_s.y0, g.val_s.x1 - g.val_s.x0 + 2 * scale, g.val_s.y1 - g.val_s.y0);
        if (g.show_val_e) cairo_rectangle(cr, g.val_e.x0 - 1 * scale, g.val_e.y0, g.val_e.x1 - g.val_e.x0 + 2 * scale, g.val_e.y1 - g.val_e.y0);
        cairo_fill(cr);
        rgb(cr, UI_PLOT_RGB_STEP);
        note_part(lay, UI_PP_LABEL, text_at(cr, g.val_s.x0, g.val_s.y0, vs, 0, 0));
        if (g.show_val_e) {
            rgb(cr, UI_PLOT_RGB_EFFICIENCY);
            note_part(lay, UI_PP_LABEL, text_at(cr, g.val_e.x0, g.val_e.y0, ve, 0, 0));
        }
        if (leg_inside) {
            legend_box(cr, e, ne, leg, leg_px, scale);
            note_part(lay, UI_PP_LEGEND, leg);
        } else
            legend_rows(cr, e, ne, 6 * scale, leg_rows_y, w - 12 * scale, leg_cols, leg_col_w, scale, lay);
    }

    /* where the numbers come from, and what was left out */
    if (badge_text) {
        badge(cr, w - 6 * scale, h - 6 * scale, scale, badge_text);
        note_part(lay, UI_PP_BADGE, (box){ w - 6 * scale - bdw, h - 6 * scale - bdh, w - 6 * scale, h - 6 * scale });
    }
    if (note.n) {
        font(cr, 9.5 * scale, 0);
        rgb(cr, RGB_MUTED);
        lines_at(cr, &note, 6 * scale, h - 6 * scale - note.n * note_lh, 0, lay, UI_PP_NOTE);
    }
    cairo_restore(cr);
}

void ui_plot_scaling_draw(cairo_t *cr, double w, double h, double scale, const ui_scaling *s)
{
    scaling_draw(cr, w, h, scale, s, NULL);
}

/* ========================================================================================== */
/* The roofline */

/* The roof's name without its vendor and parenthesis, for the label at its ridge. */
static void short_name(char *out, size_t size, const char *label)
{
    static const char *const drop[] = { "NVIDIA ", "AMD Instinct ", "AMD ", "Intel " };
    out[0] = '\0';
    char part[128];
    const char *s = label;
    while (*s) {
        const char *end = strstr(s, " / ");
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len >= sizeof part) len = sizeof part - 1;
        memcpy(part, s, len);
        part[len] = '\0';
        const char *p = part;
        for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
            if (!strncmp(p, drop[i], strlen(drop[i]))) {
                p += strlen(drop[i]);
                break;
            }
        char *paren = strstr(p, " (");
        if (paren) *paren = '\0';
        append_label(out, size, p);
        s = end ? end + 3 : s + strlen(s);
    }
}

/* Where a label of tw x th goes near the point (x, y) of a horizontal line: just above the line,
 * just below, then a row further up, a row further down, and so on; in each row sliding right past
 * whatever it would cover. The first place inside the plot free of the boxes already placed; 0
 * when there is none (axes too small for every label: the legend still names the roof). */
static int place_label(const axes *a, const box *placed, int nplaced, double x, double y, double tw, double th, double scale, box *out)
{
    double x_start = fmin(x + 4 * scale, a->x1 - tw - 4 * scale);
    for (int row = 0; row < 12; row++) {
        double y0 = row % 2 == 0 ? y - 3 * scale - th * (1 + row / 2) : y + 3 * scale + th * (row / 2);
        if (y0 < a->y0 || y0 + th > a->y1) continue;
        double lx = x_start;
        for (int guard = 0; guard <= nplaced; guard++) {
            box t = { lx, y0, lx + tw, y0 + th };
            if (t.x1 > a->x1 - 2 * scale) break;
            int j = 0;
            while (j < nplaced && !overlaps(t, placed[j])) j++;
            if (j == nplaced) return *out = t, 1;
            lx = placed[j].x1 + 6 * scale;
        }
    }
    return 0;
}

/* The roofline's ranges: every ridge and every point well inside, whole decades. */
static void roofline_ranges(const ui_roofline *r, int nroofs, const int *order, int no, axes *ax)
{
    double ilo = INFINITY, ihi = 0, flo = INFINITY, fhi = 0;
    for (int i = 0; i < nroofs; i++) {
        const ui_roof *o = &r->roofs[i];
        ilo = fmin(ilo, o->ridge_flop_per_B), ihi = fmax(ihi, o->ridge_flop_per_B);
        fhi = fmax(fhi, o->peak_tflops * 1e12);
    }
    for (int k = 0; k < no; k++) {
        const ui_roof_point *q = &r->points[order[k]];
        ilo = fmin(ilo, q->intensity_flop_per_B), ihi = fmax(ihi, q->intensity_flop_per_B);
        flo = fmin(flo, q->gflops * 1e9), fhi = fmax(fhi, q->gflops * 1e9);
    }
    if (!(ihi > 0)) ilo = 1, ihi = 100;
    ax->xmin = pow(10, floor(log10(fmin(ilo / 30, 0.1))));
    ax->xmax = pow(10, ceil(log10(ihi * 5)));
    for (int i = 0; i < nroofs; i++) flo = fmin(flo, r->roofs[i].memory_tbs * 1e12 * ax->xmin);
    if (!(fhi > 0)) flo = 1e9, fhi = 1e15;
    if (!isfinite(flo)) flo = fhi / 1e4;
    ax->ymin = pow(10, floor(log10(flo / 2)));
    ax->ymax = pow(10, ceil(log10(fhi * 2)));
    /* at most 12 decades: a roof far below the others is cut rather than squashing them */
    if (ax->ymax / ax->ymin > 1e12) ax->ymin = ax->ymax / 1e12;
}

/* The measured points' labels: to the right of each point (left near the edge), fastest on top,
 * pushed down so that none covers another. */
static int roofline_point_labels(cairo_t *cr, const axes *ax, const ui_roofline *r, const int *order, int no, double scale,
                                 box *out, char (*text)[128])
{
    char a[48];
    font(cr, 10 * scale, 0);
    double th = line_h(cr), next_top = -INFINITY;
    for (int k = 0; k < no; k++) {
        const ui_roof_point *q = &r->points[order[k]];
        double x = ax_x(ax, q->intensity_flop_per_B), y = ax_y(ax, q->gflops * 1e9);
        snprintf(text[k], 128, q->correct ? _("%s: %s GFLOP/s") : _("%s: %s GFLOP/s (wrong result)"), q->name, num(a, sizeof a, q->gflops, 3));
        double tw = text_w(cr, text[k]), top = fmax(y - th / 2, next_top);
        double lx = x + 8 * scale;
        if (lx + tw > ax->x1 - 4 * scale) lx = x - 8 * scale - tw;
        out[k] = (box){ lx, top, lx + tw, top + th };
        next_top = top + th;
    }
    /* a stack pushed past the bottom of the axes moves up, as a whole, as far as the top allows */
    double over = no ? out[no - 1].y1 - (ax->y1 - 2 * scale) : 0;
    if (over > 0) {
        if (over > out[0].y0 - ax->y0) over = fmax(0, out[0].y0 - ax->y0);
        for (int k = 0; k < no; k++) out[k].y0 -= over, out[k].y1 -= over;
    }
    return no;
}

static void roofline_draw(cairo_t *cr, double w, double h, double scale, const ui_roofline *r, ui_plot_layout *lay)
{
    if (lay) lay->n = 0;
    if (!cr || !(w > 0) || !(h > 0)) return;
    if (!(scale > 0)) scale = 1;
    cairo_save(cr);
    background(cr, w, h);
    int nroofs = r ? r->nroofs : 0, npts = r ? r->npoints : 0;
    char sub[256] = "", a[48], b[48];
    if (nroofs)
        snprintf(sub, sizeof sub, _("ceilings: dense peak at %s (or the nearest slower precision published) and memory bandwidth"),
                 plat_prec_name((plat_prec)r->prec));
    double top = heading(cr, w, scale, _("Roofline: attainable FLOP/s against arithmetic intensity"), sub, lay);

    /* the measured points worth drawing, fastest first */
    int order[UI_ROOF_POINTS_MAX], no = 0;
    for (int i = 0; i < npts && i < UI_ROOF_POINTS_MAX; i++)
        if (r->points[i].gflops > 0 && isfinite(r->points[i].gflops) && r->points[i].intensity_flop_per_B > 0) order[no++] = i;
    for (int i = 1; i < no; i++) /* insertion sort */
        for (int j = i; j > 0 && r->points[order[j]].gflops > r->points[order[j - 1]].gflops; j--) {
            int t = order[j];
            order[j] = order[j - 1], order[j - 1] = t;
        }

    /* styles and legend: accelerators in the Okabe-Ito colours (dashed once they are used up),
     * this computer in black */
    unsigned col[UI_ROOF_MAX];
    int dsh[UI_ROOF_MAX];
    double lw[UI_ROOF_MAX];
    legend_entry e[UI_ROOF_MAX + 1];
    int ne = 0, ncolor = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nroofs; i++) {
            const ui_roof *o = &r->roofs[i];
            if (o->local != pass) continue;
            col[i] = o->local ? UI_PLOT_RGB_LOCAL : ui_plot_roof_rgb(ncolor);
            dsh[i] = o->local ? 0 : (ncolor / NROOF_RGBS) % 2;
            lw[i] = o->local ? 2.6 : 2.0;
            ncolor += !o->local;
            legend_entry *le = &e[ne++];
            *le = (legend_entry){ "", col[i], dsh[i], lw[i], MK_NONE, 0 };
            char pk[32], mb[32];
            num(pk, sizeof pk, o->peak_tflops, 3);
            num(mb, sizeof mb, o->memory_tbs, 3);
            if (o->local)
                snprintf(le->text, sizeof le->text, _("this computer (%s), calibrated: %s %s TFLOP/s, %s TB/s"), o->label,
                         plat_prec_name((plat_prec)o->prec), pk, mb);
            else
                snprintf(le->text, sizeof le->text, _("%s: %s %s TFLOP/s, %s TB/s"), o->label, plat_prec_name((plat_prec)o->prec), pk, mb);
        }
    if (no) {
        legend_entry *le = &e[ne++];
        *le = (legend_entry){ "", UI_PLOT_RGB_LOCAL, -1, 0, MK_CIRCLE, 1 };
        snprintf(le->text, sizeof le->text,
                 P_("this computer, measured: single-precision C = A x B, n = %d, %d thread",
                    "this computer, measured: single-precision C = A x B, n = %d, %d threads", r->threads),
                 r->points[order[0]].n, r->threads);
    }

    /* the notes at the bottom, each wrapped to two lines at most */
    char notes[3][400];
    int nnotes = 0;
    if (no)
        snprintf(notes[nnotes++], sizeof notes[0], _("Points at the ideal intensity 2n^3 / 12n^2 = %s FLOP/B (each matrix moved once): slower rungs move more"),
                 num(b, sizeof b, r->points[order[0]].intensity_flop_per_B, 3));
    else
        snprintf(notes[nnotes++], sizeof notes[0], "%s", _("This computer's points appear once its matrix-multiplication ladder is measured"));
    if (r && !r->has_local) snprintf(notes[nnotes++], sizeof notes[0], "%s", _("No roof for this computer: run 'usine calibrate' to measure it"));
    if (r && r->truncated) snprintf(notes[nnotes++], sizeof notes[0], _("Only the first %d accelerators are drawn"), UI_ROOF_MAX);
    wrapped wn[3];
    font(cr, 9.5 * scale, 0);
    double note_lh = line_h(cr), notes_h = 0;
    for (int i = 0; i < nnotes; i++) wrap_text(cr, notes[i], w - 12 * scale, 2, &wn[i]), notes_h += wn[i].n * note_lh;

    font(cr, 10.5 * scale, 0);
    double tick_h = line_h(cr), xgap = fmax(5 * scale, tick_h / 2 + 1.5 * scale);   /* clear of the lowest y label */
    font(cr, 11.5 * scale, 0);
    double xtitle_h = line_h(cr), ytitle_w = 24 * scale;
    double below = xgap + tick_h + 4 * scale + xtitle_h + 6 * scale + notes_h + 6 * scale;
    axes ax = { .x0 = ytitle_w + 44 * scale, .y0 = top + 12 * scale, .x1 = w - 24 * scale, .y1 = h - below, .xlog = 1, .ylog = 1 };
    if (ax.x1 - ax.x0 < 40 * scale || ax.y1 - ax.y0 < 40 * scale) {
        ax = (axes){ 0, 0, w, h, 1, 2, 1, 2, 1, 1 };
        message_centre(cr, &ax, scale, _("Roofline"));
        cairo_restore(cr);
        return;
    }
    roofline_ranges(r, nroofs, order, no, &ax);
    {   /* the side margins: the widest tick label, half the last x label */
        double wl = 0;
        font(cr, 10.5 * scale, 0);
        for (double v = ax.ymax; v >= ax.ymin * 0.9999; v /= 10) wl = fmax(wl, text_w(cr, si(a, sizeof a, v, 1)));
        ax.x0 = ytitle_w + 12 * scale + wl;
        ax.x1 = w - fmax(24 * scale, text_w(cr, num(a, sizeof a, ax.xmax, 1)) / 2 + 6 * scale);
    }

    /* the legend: in a corner of the axes that no roof or point crosses (above the slopes, top
     * left; under the flat roofs, bottom right), else in rows under the axes, which shrink for it */
    box pl[UI_ROOF_POINTS_MAX];
    char pl_text[UI_ROOF_POINTS_MAX][128];
    box leg = { 0, 0, 0, 0 };
    int leg_inside = 0, leg_cols = 1;
    double leg_px = 11 * scale, leg_col_w[LEGEND_MAX] = { 0 }, leg_rows_y = 0;
    obstacles *o = malloc(sizeof *o);
    if (o && ne) {
        o->nseg = o->nbox = 0;
        for (int i = 0; i < nroofs; i++) {
            const ui_roof *rf = &r->roofs[i];
            double bw = rf->memory_tbs * 1e12, peak = rf->peak_tflops * 1e12;
            obst_seg(o, ax_x(&ax, ax.xmin), ax_y(&ax, bw * ax.xmin), ax_x(&ax, rf->ridge_flop_per_B), ax_y(&ax, peak));
            obst_seg(o, ax_x(&ax, rf->ridge_flop_per_B), ax_y(&ax, peak), ax_x(&ax, ax.xmax), ax_y(&ax, peak));
            /* and room for the ridge's label above its roof */
            font(cr, 10 * scale, 1);
            double rx = ax_x(&ax, rf->ridge_flop_per_B), ry = ax_y(&ax, peak);
            obst_box(o, (box){ rx - 4 * scale, ry - 4 * scale - line_h(cr), rx + 60 * scale, ry });
        }
        roofline_point_labels(cr, &ax, r, order, no, scale, pl, pl_text);
        for (int k = 0; k < no; k++) {
            const ui_roof_point *q = &r->points[order[k]];
            double x = ax_x(&ax, q->intensity_flop_per_B), y = ax_y(&ax, q->gflops * 1e9), rr = 4.5 * scale;
            obst_box(o, (box){ x - rr, y - rr, x + rr, y + rr });
            obst_box(o, pl[k]);
        }
        static const int corners[] = { 2, 3, 0, 1 };
        leg_inside = legend_in_a_corner(cr, &ax, o, corners, e, ne, scale, &leg_px, &leg);
    }
    free(o);
    if (ne && !leg_inside) {
        double rows_h = legend_rows_h(cr, e, ne, w, scale, &leg_cols, leg_col_w);
        ax.y1 -= rows_h + 4 * scale;
        if (ax.y1 - ax.y0 < 40 * scale) ax.y1 = ax.y0 + 40 * scale;
        leg_rows_y = ax.y1 + xgap + tick_h + 4 * scale + xtitle_h + 4 * scale;
    }
    note_part(lay, UI_PP_AXES, (box){ ax.x0, ax.y0, ax.x1, ax.y1 });

    /* grid and ticks: decades, thinned so that labels keep a gap, the last kept */
    font(cr, 10.5 * scale, 0);
    double tv[64], pos[64], len[64];
    int keep[64], nt = 0;
    for (double v = ax.ymax; v >= ax.ymin * 0.9999 && nt < 64; v /= 10) tv[nt] = v, pos[nt] = ax_y(&ax, v), len[nt] = tick_h, nt++;
    thin_ticks(pos, len, nt, 2 * scale, keep);   /* top first: the top one kept */
    for (int i = 0; i < nt; i++) {
        grid_h(cr, &ax, pos[i], scale);
        if (!keep[i]) continue;
        rgb(cr, RGB_TEXT);
        note_part(lay, UI_PP_YTICK, text_at(cr, ax.x0 - 6 * scale, pos[i], si(a, sizeof a, tv[i], 1), 1, 0.5));
    }
    nt = 0;
    for (double v = ax.xmin; v <= ax.xmax * 1.0001 && nt < 64; v *= 10)
        tv[nt] = v, pos[nt] = ax_x(&ax, v), len[nt] = text_w(cr, num(a, sizeof a, v, 1)), nt++;
    thin_ticks(pos, len, nt, 6 * scale, keep);
    for (int i = 0; i < nt; i++) {
        grid_v(cr, &ax, pos[i], scale);
        if (!keep[i]) continue;
        rgb(cr, RGB_TEXT);
        note_part(lay, UI_PP_XTICK, text_at(cr, pos[i], ax.y1 + xgap, num(a, sizeof a, tv[i], 1), 0.5, 0));
    }
    frame(cr, &ax, scale);
    rgb(cr, RGB_TEXT);
    note_part(lay, UI_PP_XTITLE,
              title_x(cr, (ax.x0 + ax.x1) / 2, ax.y1 + xgap + 4 * scale + tick_h, ax.x1 - ax.x0 + 20 * scale,
                      _("arithmetic intensity (FLOP per byte of memory traffic, log scale)"), _("arithmetic intensity (FLOP/B, log scale)"),
                      11.5 * scale));
    title_up(cr, 4 * scale + ytitle_w / 2, (ax.y0 + ax.y1) / 2, ax.y1 - ax.y0, _("FLOP/s (log scale)"), 11.5 * scale, -1, lay, UI_PP_YTITLE);
    if (ne && !leg_inside) legend_rows(cr, e, ne, 6 * scale, leg_rows_y, w - 12 * scale, leg_cols, leg_col_w, scale, lay);

    if (!nroofs && !no) {
        message_centre(cr, &ax, scale, _("Nothing to plot: no accelerator and no measurement"));
        cairo_restore(cr);
        return;
    }

    cairo_save(cr);
    cairo_rectangle(cr, ax.x0, ax.y0, ax.x1 - ax.x0, ax.y1 - ax.y0);
    cairo_clip(cr);
    /* the roofs: memory slope up to the ridge, then the flat peak; accelerators first, this
     * computer on top */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nroofs; i++) {
            const ui_roof *rf = &r->roofs[i];
            if (rf->local != pass) continue;
            double bw = rf->memory_tbs * 1e12, peak = rf->peak_tflops * 1e12, ridge = rf->ridge_flop_per_B;
            double xa = ax_x(&ax, ax.xmin), ya = ax_y(&ax, bw * ax.xmin), xr = ax_x(&ax, ridge), yr = ax_y(&ax, peak), xe = ax_x(&ax, ax.xmax);
            rgb(cr, col[i]);
            cairo_set_line_width(cr, lw[i] * scale);
            dash(cr, dsh[i], scale);
            cairo_move_to(cr, xa, ya);
            cairo_line_to(cr, xr, yr);
            cairo_line_to(cr, xe, yr);
            cairo_stroke(cr);
            note_segment(lay, xa, ya, xr, yr);
            note_segment(lay, xr, yr, xe, yr);
            cairo_set_dash(cr, NULL, 0, 0);
            cairo_arc(cr, xr, yr, 3 * scale, 0, 2 * M_PI);
            cairo_fill(cr);
        }

    /* this computer's measured points, at the ideal intensity of their product, and their labels */
    box placed[UI_ROOF_MAX + UI_ROOF_POINTS_MAX + 1];
    int nplaced = 0;
    roofline_point_labels(cr, &ax, r, order, no, scale, pl, pl_text);
    font(cr, 10 * scale, 0);
    for (int k = 0; k < no; k++) {
        const ui_roof_point *q = &r->points[order[k]];
        double x = ax_x(&ax, q->intensity_flop_per_B), y = ax_y(&ax, q->gflops * 1e9), rr = 3.8 * scale;
        draw_marker(cr, MK_CIRCLE, x, y, scale, q->correct ? UI_PLOT_RGB_LOCAL : UI_PLOT_RGB_EFFICIENCY, q->correct);
        note_part(lay, UI_PP_MARKER, (box){ x - rr, y - rr, x + rr, y + rr });
        rgba(cr, 0xFFFFFFu, 0.8);
        cairo_rectangle(cr, pl[k].x0 - 1 * scale, pl[k].y0, pl[k].x1 - pl[k].x0 + 2 * scale, pl[k].y1 - pl[k].y0);
        cairo_fill(cr);
        rgb(cr, RGB_TEXT);
        placed[nplaced++] = text_at(cr, pl[k].x0, pl[k].y0, pl_text[k], 0, 0);
        note_part(lay, UI_PP_LABEL, placed[nplaced - 1]);
    }
    if (leg_inside) placed[nplaced++] = leg;

    /* a label at each ridge, over every line, clear of the points' labels and the legend */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nroofs; i++) {
            const ui_roof *rf = &r->roofs[i];
            if (rf->local != pass) continue;
            char nm[128], lbl[200];
            if (rf->local) ut_strlcpy(nm, _("this computer"), sizeof nm);
            else short_name(nm, sizeof nm, rf->label);
            snprintf(lbl, sizeof lbl, _("%s: ridge %s FLOP/B"), nm, num(a, sizeof a, rf->ridge_flop_per_B, 3));
            font(cr, 10 * scale, 1);
            double rx = ax_x(&ax, rf->ridge_flop_per_B), ry = ax_y(&ax, rf->peak_tflops * 1e12);
            box bx;
            if (!place_label(&ax, placed, nplaced, rx, ry, text_w(cr, lbl), line_h(cr), scale, &bx)) continue;
            if (nplaced < (int)(sizeof placed / sizeof *placed)) placed[nplaced++] = bx;
            rgba(cr, 0xFFFFFFu, 0.8);
            cairo_rectangle(cr, bx.x0 - 1 * scale, bx.y0, bx.x1 - bx.x0 + 2 * scale, bx.y1 - bx.y0);
            cairo_fill(cr);
            rgb(cr, col[i]);
            text_at(cr, bx.x0, bx.y0, lbl, 0, 0);
            note_part(lay, UI_PP_LABEL, bx);
        }
    if (leg_inside) {
        legend_box(cr, e, ne, leg, leg_px, scale);
        note_part(lay, UI_PP_LEGEND, leg);
    }
    cairo_restore(cr);

    /* the notes at the bottom: what the points' intensity is, what is missing */
    font(cr, 9.5 * scale, 0);
    rgb(cr, RGB_MUTED);
    double ny = h - 6 * scale - notes_h;
    for (int i = 0; i < nnotes; i++) ny = lines_at(cr, &wn[i], 6 * scale, ny, 0, lay, UI_PP_NOTE);
    cairo_restore(cr);
}

void ui_plot_roofline_draw(cairo_t *cr, double w, double h, double scale, const ui_roofline *r)
{
    roofline_draw(cr, w, h, scale, r, NULL);
}

void ui_plot_layout_of(ui_plot_kind kind, const void *data, double w, double h, double scale, ui_plot_layout *out)
{
    if (!out) return;
    out->n = 0;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w > 1 ? (int)w : 1, h > 1 ? (int)h : 1);
    cairo_t *cr = cairo_create(img);
    if (kind == UI_PLOT_SCALING) scaling_draw(cr, w, h, scale, data, out);
    else if (kind == UI_PLOT_ROOFLINE) roofline_draw(cr, w, h, scale, data, out);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
}

/* ========================================================================================== */
/* Rendering and export */

int ui_plot_arrange(int w, int h, int gap, int *cols, int *pw, int *ph)
{
    int best = 0, bc = 2, bw = 0, bh = 0;
    for (int c = 2; c >= 1; c--) {
        int r = 3 - c, cw = (w - (c + 1) * gap) / c, ch = (h - (r + 1) * gap) / r;
        if (cw < 1 || ch < 1) continue;
        int q = cw < ch * 16 / 10 ? cw : ch * 16 / 10;
        if (q > best) best = q, bc = c, bw = cw, bh = ch;
    }
    if (cols) *cols = bc;
    if (pw) *pw = bw;
    if (ph) *ph = bh;
    return best;
}

static int draw_kind(cairo_t *cr, ui_plot_kind kind, const void *data, double w, double h, double scale)
{
    if (kind == UI_PLOT_SCALING) ui_plot_scaling_draw(cr, w, h, scale, data);
    else if (kind == UI_PLOT_ROOFLINE) ui_plot_roofline_draw(cr, w, h, scale, data);
    else return -1;
    return 0;
}

cairo_surface_t *ui_plot_render(ui_plot_kind kind, const void *data, int w, int h, double scale)
{
    if (w < 1 || h < 1 || (kind != UI_PLOT_SCALING && kind != UI_PLOT_ROOFLINE)) return NULL;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) goto fail;
    cairo_t *cr = cairo_create(img);
    draw_kind(cr, kind, data, w, h, scale);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st != CAIRO_STATUS_SUCCESS) goto fail;
    cairo_surface_flush(img);
    return img;
fail:
    cairo_surface_destroy(img);
    return NULL;
}

static int ends_with(const char *s, const char *ext)
{
    size_t n = strlen(s), m = strlen(ext);
    return n > m && !strcasecmp(s + n - m, ext);
}

int ui_plot_export(const char *path, ui_plot_kind kind, const void *data, int w, int h, char *err, size_t err_size)
{
    char msg[768];
    if (!path || !path[0]) {
        put_err(err, err_size, _("no file name for the plot"));
        return -1;
    }
    if (w < 1 || h < 1 || (kind != UI_PLOT_SCALING && kind != UI_PLOT_ROOFLINE)) {
        snprintf(msg, sizeof msg, _("%s: bad plot size or kind"), path);
        put_err(err, err_size, msg);
        return -1;
    }
    int png = ends_with(path, ".png"), svg = ends_with(path, ".svg");
    if (!png && !svg) {
        snprintf(msg, sizeof msg, _("%s: unknown image format; the name must end in .png or .svg"), path);
        put_err(err, err_size, msg);
        return -1;
    }
    cairo_status_t st;
    if (png) {
        cairo_surface_t *img = ui_plot_render(kind, data, w, h, 1);
        if (!img) st = CAIRO_STATUS_NO_MEMORY;
        else st = cairo_surface_write_to_png(img, path);
        cairo_surface_destroy(img);
    } else {
        cairo_surface_t *sv = cairo_svg_surface_create(path, w, h);
        st = cairo_surface_status(sv);
        if (st == CAIRO_STATUS_SUCCESS) {
            cairo_t *cr = cairo_create(sv);
            draw_kind(cr, kind, data, w, h, 1);
            st = cairo_status(cr);
            cairo_destroy(cr);
            cairo_surface_finish(sv); /* writes the file: its errors show in the surface's status */
            if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(sv);
        }
        cairo_surface_destroy(sv);
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(msg, sizeof msg, _("%s: cannot write the plot: %s"), path, cairo_status_to_string(st));
        put_err(err, err_size, msg);
        return -1;
    }
    return 0;
}
