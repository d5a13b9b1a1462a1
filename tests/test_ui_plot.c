/* test_ui_plot.c: the desktop app's plots (ui_plot.h). The scaling curve agrees point by point with
 * the analytic model asked directly, refuses plans that are valid nowhere with the model's reason,
 * and keeps its shape (GPU order, efficiency 1 at the start, step time that does not grow); the
 * roofline's ceilings are the platform files' figures; this computer's ladder gives finite rates;
 * rendered images are not blank and carry the plot's colours; PNG and SVG files are what their
 * names say; bad names and unwritable paths give -1 and a message. Run from the repository root
 * (the Makefile does): platforms come from assets/platforms/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>

#include "kn.h"
#include "plat.h"
#include "train.h"
#include "ui_plot.h"
#include "util.h"
#include "app/app.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/usine-plot-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static plat_platform *load(const char *path)
{
    plat_error e;
    plat_platform *p = plat_load_file(path, &e);
    if (!p) fail_msg("%s", e.msg);
    return p;
}

/* A calibrated computer as 'usine calibrate' writes it: a CPU as the accelerator, fp64 and fp32 only. */
static const char local_xml[] =
    "<platform version=\"1\" id=\"local\" name=\"This computer\">"
    "<accelerator id=\"cpu\" name=\"Test CPU\" memory_gb=\"16\" memory_tbs=\"0.05\" tdp_w=\"65\">"
    "<peak precision=\"fp64\" tflops=\"0.5\"/><peak precision=\"fp32\" tflops=\"1\"/>"
    "<efficiency matmul=\"0.8\" memory=\"1\"/></accelerator>"
    "<node id=\"local\" accelerator=\"cpu\" accelerators=\"1\"><cpu count=\"1\" cores=\"8\" tdp_w=\"0\"/>"
    "<nic count=\"1\" gbit_s=\"1\"/></node>"
    "<network id=\"none\" topology=\"switch\" hop_latency_us=\"1\"/>"
    "<partition id=\"local\" node=\"local\" nodes=\"1\" network=\"none\"/>"
    "<facility pue=\"1\" carbon_g_per_kwh=\"32\"/></platform>";

static tm_plan small_plan(void)
{
    tm_plan pl = tm_plan_default();
    pl.tp = 1, pl.pp = 1, pl.mbs = 1, pl.gbs = 512;
    return pl;
}

/* Each point is what tm_predict says for that many GPUs, with a context made for that count. */
static void check_against_model(const plat_platform *p, int part, const tm_model *m, const ui_scaling *s)
{
    char err[512];
    for (int i = 0; i < s->npoints; i++) {
        const ui_scaling_point *q = &s->pts[i];
        tm_ctx *c = tm_ctx_create(p, part, q->gpus, err, sizeof err);
        assert_non_null(c);
        tm_plan pl = s->plan;
        pl.gpus = q->gpus;
        tm_result r;
        assert_int_equal(tm_predict(c, m, &pl, 0, &r, err, sizeof err), 0);
        if (!(fabs(q->step_s - r.step_s) <= 1e-12 * r.step_s))
            fail_msg("%d GPUs: step %.9g s, tm_predict says %.9g s", q->gpus, q->step_s, r.step_s);
        assert_true(fabs(q->tokens_per_s - r.tokens_per_s) <= 1e-9 * r.tokens_per_s);
        assert_true(fabs(q->mfu - r.mfu) <= 1e-12);
        assert_int_equal(q->fits, r.mem.fits);
        assert_int_equal(q->dp, r.dp);
        tm_ctx_destroy(c);
    }
}

static void test_scaling_follows_the_model(void **state)
{
    (void)state;
    plat_platform *p = load("assets/platforms/classroom.xml");
    int part = plat_find_partition(p, "gpu");
    assert_true(part >= 0);
    const tm_model *m = tm_model_preset("megatron-1.7b");
    assert_non_null(m);
    tm_plan pl = small_plan();
    ui_scaling s;
    char err[512];
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), 0);
    assert_true(s.analytic);
    assert_string_equal(s.model, m->name);
    assert_string_equal(s.platform, "classroom");
    assert_string_equal(s.partition, "gpu");
    /* 16 nodes of 8 GPUs: dp = 1, 2, ..., 128 */
    assert_int_equal(s.part_gpus, 128);
    assert_int_equal(s.npoints, 8);
    assert_int_equal(s.pts[0].gpus, 1);
    assert_int_equal(s.pts[s.npoints - 1].gpus, 128);
    assert_int_equal(s.skipped, 0);
    assert_true(fabs(s.pts[0].efficiency - 1) < 1e-12);
    int any_fit = 0;
    for (int i = 0; i < s.npoints; i++) {
        const ui_scaling_point *q = &s.pts[i];
        if (i) {
            assert_true(q->gpus > s.pts[i - 1].gpus);
            if (!(q->step_s <= s.pts[i - 1].step_s * 1.03))
                fail_msg("step time grows from %d to %d GPUs: %g -> %g s", s.pts[i - 1].gpus, q->gpus, s.pts[i - 1].step_s, q->step_s);
        }
        if (!(q->efficiency > 0 && q->efficiency <= 1.05)) fail_msg("%d GPUs: efficiency %g", q->gpus, q->efficiency);
        double want = s.pts[0].step_s * s.pts[0].gpus / (q->step_s * q->gpus);
        assert_true(fabs(q->efficiency - want) <= 1e-12);
        assert_true(q->tokens_per_s > 0 && q->mfu > 0 && q->mfu < 1);
        any_fit |= q->fits;
    }
    assert_true(any_fit);
    check_against_model(p, part, m, &s);

    /* tensor and pipeline parallelism: counts are multiples of tp x pp */
    pl.tp = 2, pl.pp = 2;
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), 0);
    assert_int_equal(s.pts[0].gpus, 4);
    assert_int_equal(s.pts[s.npoints - 1].gpus, 128);
    for (int i = 0; i < s.npoints; i++) assert_int_equal(s.pts[i].gpus % 4, 0);
    check_against_model(p, part, m, &s);
    plat_free(p);
}

/* Jean Zay's H100 partition has 364 nodes of 4: with tp 4, dp goes up to 364, not a power of two.
 * The last point is the largest dp the global batch allows. */
static void test_scaling_partition_not_a_power_of_two(void **state)
{
    (void)state;
    plat_platform *p = load("assets/platforms/jean-zay.xml");
    int part = plat_find_partition(p, "h100");
    assert_true(part >= 0);
    const tm_model *m = tm_model_preset("llama2-7b");
    tm_plan pl = small_plan();
    pl.tp = 4;
    pl.gbs = 256 * 91; /* divisible by 256 and by 364 = 4 x 91 */
    ui_scaling s;
    char err[512];
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), 0);
    assert_int_equal(s.npoints, 10);
    assert_int_equal(s.pts[8].gpus, 4 * 256);
    assert_int_equal(s.pts[9].gpus, 4 * 364);
    check_against_model(p, part, m, &s);
    /* 2048 sequences: no dp between 257 and 364 divides it, so the curve stops at 256 */
    pl.gbs = 2048;
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), 0);
    assert_int_equal(s.npoints, 9);
    assert_int_equal(s.pts[8].gpus, 4 * 256);
    /* 2912 = 32 x 91 = 8 x 364: 64, 128 and 256 do not divide it; at each power of two the curve
     * takes the largest degree below it that does (56, 112, 224), so that no stretch of the curve
     * is missing, then 364 */
    pl.gbs = 2912;
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), 0);
    static const int dps[] = { 1, 2, 4, 8, 16, 32, 56, 112, 224, 364 };
    assert_int_equal(s.npoints, 10);
    for (int i = 0; i < 10; i++) assert_int_equal(s.pts[i].gpus, 4 * dps[i]);
    assert_int_equal(s.skipped, 0);
    check_against_model(p, part, m, &s);
    plat_free(p);
}

static void test_scaling_refuses_with_the_models_reason(void **state)
{
    (void)state;
    plat_platform *p = load("assets/platforms/classroom.xml");
    int part = plat_find_partition(p, "gpu");
    const tm_model *m = tm_model_preset("megatron-1.7b");
    ui_scaling s;
    char err[512];
    /* 3 sequences in micro-batches of 2: no data-parallel degree works */
    tm_plan pl = small_plan();
    pl.gbs = 3, pl.mbs = 2;
    err[0] = '\0';
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), -1);
    assert_int_equal(s.npoints, 0);
    assert_non_null(strstr(err, "valid plan"));
    assert_non_null(strstr(err, "global batch 3"));
    /* tensor parallelism 3 does not divide a node's 8 GPUs */
    pl = small_plan();
    pl.tp = 3;
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor parallelism 3"));
    /* a plan larger than the partition */
    pl = small_plan();
    pl.tp = 8, pl.pp = 24;
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "192"));
    /* no such partition */
    assert_int_equal(ui_scaling_compute(p, 7, m, &pl, &s, err, sizeof err), -1);
    assert_int_equal(ui_scaling_compute(p, part, m, &pl, NULL, err, sizeof err), -1);
    plat_free(p);
}

static const ui_roof *find_roof(const ui_roofline *r, const char *name)
{
    for (int i = 0; i < r->nroofs; i++)
        if (strstr(r->roofs[i].label, name)) return &r->roofs[i];
    return NULL;
}

static void test_roofline_ceilings_are_the_files(void **state)
{
    (void)state;
    plat_platform *cls = load("assets/platforms/classroom.xml"), *jz = load("assets/platforms/jean-zay.xml");
    plat_error pe;
    plat_platform *local = plat_load_memory(local_xml, sizeof local_xml - 1, "local.xml", &pe);
    if (!local) fail_msg("%s", pe.msg);
    const plat_platform *plats[] = { cls, jz, local };
    ui_roofline r;
    /* the local platform among the others is not drawn twice */
    int n = ui_roofline_compute(plats, 3, local, PLAT_BF16, &r);
    assert_int_equal(n, r.nroofs);
    /* H100 (in both files, once), V100, A100, and this computer */
    assert_int_equal(r.nroofs, 4);
    assert_true(r.has_local);
    assert_int_equal(r.npoints, 0);
    const plat_accel *h = &cls->accels[plat_find_accel(cls, "h100-sxm5-80gb")];
    const ui_roof *o = find_roof(&r, "H100");
    assert_non_null(o);
    assert_int_equal(o->prec, PLAT_BF16);
    assert_true(o->peak_tflops == h->peak_tflops[PLAT_BF16]);
    assert_true(o->memory_tbs == h->memory_tbs);
    assert_true(fabs(o->ridge_flop_per_B - h->peak_tflops[PLAT_BF16] / h->memory_tbs) <= 1e-12 * o->ridge_flop_per_B);
    assert_int_equal(o->local, 0);
    /* every roof shows the fastest precision at most as fast as bf16 that its file gives */
    for (int i = 0; i < r.nroofs; i++) {
        o = &r.roofs[i];
        const plat_platform *src = o->local ? local : NULL;
        const plat_accel *acc = NULL;
        for (int k = 0; k < 2 && !src; k++) {
            const plat_platform *q = k ? jz : cls;
            for (int a = 0; a < q->naccels; a++)
                if (strstr(o->label, q->accels[a].name)) src = q, acc = &q->accels[a];
        }
        if (o->local) acc = &local->accels[0];
        assert_non_null(acc);
        assert_true(o->peak_tflops == acc->peak_tflops[o->prec] && o->peak_tflops > 0);
        for (int q = o->prec + 1; q <= PLAT_BF16; q++) assert_true(acc->peak_tflops[q] == 0);
        assert_true(fabs(o->ridge_flop_per_B * o->memory_tbs - o->peak_tflops) <= 1e-12 * o->peak_tflops);
    }
    o = find_roof(&r, "Test CPU");
    assert_non_null(o);
    assert_true(o->local);
    assert_int_equal(o->prec, PLAT_FP32);
    o = find_roof(&r, "V100");
    assert_non_null(o);
    assert_int_equal(o->prec, PLAT_FP16); /* no bf16 on a V100 */

    /* without a calibration: the accelerators only */
    assert_int_equal(ui_roofline_compute(plats, 2, NULL, PLAT_FP32, &r), 3);
    assert_false(r.has_local);
    assert_int_equal(ui_roofline_compute(NULL, 0, NULL, PLAT_FP32, &r), 0);
    assert_int_equal(ui_roofline_compute(NULL, 2, NULL, PLAT_FP32, &r), -1);
    assert_int_equal(ui_roofline_compute(plats, 2, NULL, PLAT_PREC_COUNT, &r), -1);
    plat_free(cls), plat_free(jz), plat_free(local);
}

static void test_roofline_measures_the_ladder(void **state)
{
    (void)state;
    kn_set_threads(2);
    ui_roofline r;
    assert_int_equal(ui_roofline_compute(NULL, 0, NULL, PLAT_FP32, &r), 0);
    assert_int_equal(ui_roofline_measure(&r, 96, 0.002), 0);
    assert_int_equal(r.npoints, KN_RUNGS); /* n <= 512: the naive rung too */
    assert_int_equal(r.threads, 2);
    for (int i = 0; i < r.npoints; i++) {
        const ui_roof_point *q = &r.points[i];
        assert_int_equal(q->rung, i);
        assert_string_equal(q->name, kn_rung_name((kn_rung)i));
        assert_int_equal(q->n, 96);
        if (!(isfinite(q->gflops) && q->gflops > 0)) fail_msg("%s: %g GFLOP/s", q->name, q->gflops);
        assert_true(fabs(q->gflops - 2.0 * 96 * 96 * 96 / q->seconds * 1e-9) <= 1e-9 * q->gflops);
        assert_true(fabs(q->intensity_flop_per_B - 96 / 6.0) < 1e-12);
        assert_true(q->correct);
    }
    assert_int_equal(ui_roofline_measure(&r, 0, 0.001), -1);
    assert_int_equal(ui_roofline_measure(NULL, 64, 0.001), -1);
}

/* ------------------------------------------------------------------------------------------ */
/* Images */

static int has_pixel(cairo_surface_t *img, uint32_t argb)
{
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (((const uint32_t *)(const void *)(d + (size_t)y * stride))[x] == argb) return 1;
    return 0;
}

/* Distinct colours, up to `cap`. */
static int colours(cairo_surface_t *img, int cap)
{
    uint32_t seen[64];
    int n = 0, w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    if (cap > 64) cap = 64;
    for (int y = 0; y < h && n < cap; y++)
        for (int x = 0; x < w && n < cap; x++) {
            uint32_t v = ((const uint32_t *)(const void *)(d + (size_t)y * stride))[x];
            int k = 0;
            while (k < n && seen[k] != v) k++;
            if (k == n) seen[n++] = v;
        }
    return n;
}

static ui_scaling classroom_scaling(void)
{
    plat_platform *p = load("assets/platforms/classroom.xml");
    ui_scaling s;
    char err[512];
    tm_plan pl = small_plan();
    if (ui_scaling_compute(p, plat_find_partition(p, "gpu"), tm_model_preset("megatron-1.7b"), &pl, &s, err, sizeof err))
        fail_msg("%s", err);
    plat_free(p);
    return s;
}

static void test_png_is_a_plot(void **state)
{
    (void)state;
    ui_scaling s = classroom_scaling();
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/scaling.png", tmpdir);
    assert_int_equal(ui_plot_export(path, UI_PLOT_SCALING, &s, 800, 500, err, sizeof err), 0);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 800);
    assert_int_equal(cairo_image_surface_get_height(img), 500);
    assert_true(colours(img, 40) >= 20);
    assert_true(has_pixel(img, 0xFF000000u | UI_PLOT_RGB_STEP));
    assert_true(has_pixel(img, 0xFF000000u | UI_PLOT_RGB_EFFICIENCY));
    assert_true(has_pixel(img, 0xFFFFFFFFu));
    cairo_surface_destroy(img);

    /* the roofline, with its measured points; HiDPI through render */
    plat_platform *cls = load("assets/platforms/classroom.xml");
    plat_error pe;
    plat_platform *local = plat_load_memory(local_xml, sizeof local_xml - 1, "local.xml", &pe);
    const plat_platform *plats[] = { cls };
    ui_roofline r;
    assert_int_equal(ui_roofline_compute(plats, 1, local, PLAT_BF16, &r), 2);
    assert_int_equal(ui_roofline_measure(&r, 64, 0.001), 0);
    img = ui_plot_render(UI_PLOT_ROOFLINE, &r, 1200, 800, 2.0);
    assert_non_null(img);
    assert_int_equal(cairo_image_surface_get_format(img), CAIRO_FORMAT_ARGB32);
    assert_int_equal(cairo_image_surface_get_width(img), 1200);
    assert_true(colours(img, 40) >= 20);
    assert_true(has_pixel(img, 0xFF000000u | ui_plot_roof_rgb(0)));
    assert_true(has_pixel(img, 0xFF000000u | UI_PLOT_RGB_LOCAL));
    cairo_surface_destroy(img);
    snprintf(path, sizeof path, "%s/roofline.PNG", tmpdir);
    assert_int_equal(ui_plot_export(path, UI_PLOT_ROOFLINE, &r, 900, 600, err, sizeof err), 0);
    assert_int_equal(access(path, R_OK), 0);
    plat_free(cls), plat_free(local);
}

static void test_svg_is_svg(void **state)
{
    (void)state;
    ui_scaling s = classroom_scaling();
    char path[128], err[512], head[256] = "";
    snprintf(path, sizeof path, "%s/scaling.svg", tmpdir);
    assert_int_equal(ui_plot_export(path, UI_PLOT_SCALING, &s, 800, 500, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[got] = '\0';
    assert_true(!strncmp(head, "<?xml", 5));
    assert_non_null(strstr(head, "<svg"));
}

static void test_export_errors(void **state)
{
    (void)state;
    ui_scaling s = classroom_scaling();
    char err[512] = "";
    assert_int_equal(ui_plot_export("plot.jpg", UI_PLOT_SCALING, &s, 400, 300, err, sizeof err), -1);
    assert_non_null(strstr(err, "plot.jpg"));
    assert_non_null(strstr(err, ".png"));
    assert_int_equal(ui_plot_export("png", UI_PLOT_SCALING, &s, 400, 300, err, sizeof err), -1);
    const char *bad[] = { "/nonexistent-usine-dir/plot.png", "/nonexistent-usine-dir/plot.svg" };
    for (int i = 0; i < 2; i++) {
        err[0] = '\0';
        assert_int_equal(ui_plot_export(bad[i], UI_PLOT_SCALING, &s, 400, 300, err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i]));
        assert_non_null(strstr(err, "cannot write"));
    }
    char path[128];
    snprintf(path, sizeof path, "%s/x.png", tmpdir);
    assert_int_equal(ui_plot_export(path, UI_PLOT_SCALING, &s, 0, 300, err, sizeof err), -1);
    assert_int_equal(ui_plot_export(path, (ui_plot_kind)9, &s, 10, 10, err, sizeof err), -1);
    assert_int_equal(ui_plot_export(NULL, UI_PLOT_SCALING, &s, 10, 10, err, sizeof err), -1);
}

/* No data, no points, tiny images: axes and a message, never a crash. */
static void test_empty_data_draws(void **state)
{
    (void)state;
    ui_scaling s;
    memset(&s, 0, sizeof s);
    ui_roofline r;
    memset(&r, 0, sizeof r);
    const int sizes[][2] = { { 640, 400 }, { 60, 40 }, { 1, 1 } };
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        const void *data[2][2] = { { &s, NULL }, { &r, NULL } };
        for (int kind = 0; kind < 2; kind++)
            for (int d = 0; d < 2; d++) {
                cairo_surface_t *img = ui_plot_render((ui_plot_kind)kind, data[kind][d], sizes[k][0], sizes[k][1], 1.5);
                assert_non_null(img);
                if (k == 0) assert_true(colours(img, 8) >= 3); /* white, the frame, text */
                cairo_surface_destroy(img);
            }
    }
    /* roofs but no points yet, and points but no roofs */
    plat_platform *cls = load("assets/platforms/classroom.xml");
    const plat_platform *plats[] = { cls };
    ui_roofline_compute(plats, 1, NULL, PLAT_FP8, &r);
    cairo_surface_t *img = ui_plot_render(UI_PLOT_ROOFLINE, &r, 640, 400, 1);
    assert_non_null(img);
    assert_true(has_pixel(img, 0xFF000000u | ui_plot_roof_rgb(0)));
    cairo_surface_destroy(img);
    ui_roofline_compute(NULL, 0, NULL, PLAT_FP32, &r);
    assert_int_equal(ui_roofline_measure(&r, 32, 0.0005), 0);
    img = ui_plot_render(UI_PLOT_ROOFLINE, &r, 640, 400, 1);
    assert_non_null(img);
    cairo_surface_destroy(img);
    assert_null(ui_plot_render(UI_PLOT_SCALING, &s, 0, 10, 1));
    assert_null(ui_plot_render((ui_plot_kind)5, &s, 10, 10, 1));
    /* a scaling that failed shows its reason */
    tm_plan pl = small_plan();
    pl.gbs = 3, pl.mbs = 2;
    char err[512];
    assert_int_equal(ui_scaling_compute(cls, 0, tm_model_preset("megatron-1.7b"), &pl, &s, err, sizeof err), -1);
    img = ui_plot_render(UI_PLOT_SCALING, &s, 640, 400, 1);
    assert_non_null(img);
    cairo_surface_destroy(img);
    plat_free(cls);
}

/* ---------------------------------------------------------------------------------------------- */
/* Layout: at every size the window gives a plot, in both languages, nothing covers anything else. */

static const char *const part_names[] = { "title", "subtitle", "axes", "x tick", "y tick", "right tick", "x title", "y title",
                                          "right title", "legend", "note", "badge", "marker", "label", "segment" };

static int is_text(ui_plot_part p) { return p != UI_PP_AXES && p != UI_PP_MARKER && p != UI_PP_SEGMENT; }

/* Texts laid out around the axes, never on them (labels and the legend may sit inside). */
static int is_outside(ui_plot_part p) { return is_text(p) && p != UI_PP_LABEL && p != UI_PP_LEGEND; }

static int boxes_overlap(const ui_plot_item *a, const ui_plot_item *b)
{
    const double e = 0.5;   /* boxes that only touch do not overlap */
    return a->x0 + e < b->x1 && b->x0 + e < a->x1 && a->y0 + e < b->y1 && b->y0 + e < a->y1;
}

/* Does the segment s cross the box b? Sampled every half pixel: an independent oracle for the
 * clipping the plot uses. */
static int segment_crosses(const ui_plot_item *s, const ui_plot_item *b)
{
    double len = hypot(s->x1 - s->x0, s->y1 - s->y0);
    int n = (int)(len * 2) + 1;
    for (int i = 0; i <= n; i++) {
        double t = (double)i / n, x = s->x0 + t * (s->x1 - s->x0), y = s->y0 + t * (s->y1 - s->y0);
        if (x > b->x0 + 0.5 && x < b->x1 - 0.5 && y > b->y0 + 0.5 && y < b->y1 - 0.5) return 1;
    }
    return 0;
}

static int count_part(const ui_plot_layout *l, ui_plot_part p)
{
    int n = 0;
    for (int i = 0; i < l->n; i++) n += l->item[i].part == p;
    return n;
}

static void check_layout(const ui_plot_layout *l, const char *what, double w, double h)
{
    if (l->n >= UI_PLOT_ITEMS_MAX) fail_msg("%s: layout full (%d items)", what, l->n);
    const ui_plot_item *axes = NULL;
    for (int i = 0; i < l->n; i++)
        if (l->item[i].part == UI_PP_AXES) axes = &l->item[i];
    if (!axes) fail_msg("%s: no axes", what);
    if (!count_part(l, UI_PP_TITLE) || !count_part(l, UI_PP_LEGEND) || count_part(l, UI_PP_XTICK) < 2 || count_part(l, UI_PP_YTICK) < 2)
        fail_msg("%s: a title, a legend and two ticks a side expected (%d, %d, %d, %d)", what, count_part(l, UI_PP_TITLE),
                 count_part(l, UI_PP_LEGEND), count_part(l, UI_PP_XTICK), count_part(l, UI_PP_YTICK));
    for (int i = 0; i < l->n; i++) {
        const ui_plot_item *a = &l->item[i];
        if (!is_text(a->part)) continue;
        if (a->x0 < -0.5 || a->y0 < -0.5 || a->x1 > w + 0.5 || a->y1 > h + 0.5)
            fail_msg("%s: %s [%.1f %.1f %.1f %.1f] outside the %gx%g image", what, part_names[a->part], a->x0, a->y0, a->x1, a->y1, w, h);
        if (is_outside(a->part) && boxes_overlap(a, axes))
            fail_msg("%s: %s [%.1f %.1f %.1f %.1f] on the axes", what, part_names[a->part], a->x0, a->y0, a->x1, a->y1);
        for (int j = i + 1; j < l->n; j++) {
            const ui_plot_item *b = &l->item[j];
            if (is_text(b->part) && boxes_overlap(a, b))
                fail_msg("%s: %s [%.1f %.1f %.1f %.1f] overlaps %s [%.1f %.1f %.1f %.1f]", what, part_names[a->part], a->x0, a->y0,
                         a->x1, a->y1, part_names[b->part], b->x0, b->y0, b->x1, b->y1);
        }
        if (a->part != UI_PP_LEGEND) continue;
        for (int j = 0; j < l->n; j++) {
            const ui_plot_item *b = &l->item[j];
            if ((b->part == UI_PP_SEGMENT && segment_crosses(b, a)) || (b->part == UI_PP_MARKER && boxes_overlap(a, b)))
                fail_msg("%s: the legend [%.1f %.1f %.1f %.1f] covers a %s at (%.1f, %.1f)", what, a->x0, a->y0, a->x1, a->y1,
                         part_names[b->part], b->x0, b->y0);
        }
    }
}

/* The x tick of the last point (scaling) or of the last decade (roofline) is kept. */
static void check_last_xtick(const ui_plot_layout *l, const char *what, double x)
{
    for (int i = 0; i < l->n; i++)
        if (l->item[i].part == UI_PP_XTICK && fabs((l->item[i].x0 + l->item[i].x1) / 2 - x) < 1) return;
    fail_msg("%s: no tick label at the last x, %.1f", what, x);
}

/* The sizes a plot gets in the window at 1024x640, 1366x768, 1600x900 and 1920x1080 (ui_app.c's
 * regions, arranged by ui_plot_arrange), a few in between, and the export's. */
static const struct { double w, h, scale; } plot_sizes[] = {
    { 707, 283, 0.85 }, { 573, 352, 0.85 }, { 807, 418, 0.85 }, { 990, 508, 1 },
    { 470, 300, 0.85 }, { 640, 400, 1 }, { 480, 560, 0.85 }, { 1200, 750, 1 }, { 1400, 480, 1.2 },
};

static void test_layout_leaves_everything_readable(void **state)
{
    (void)state;
    app_init_language("en");
    bindtextdomain("usine", "build/locale");   /* the translations the build made, from the repository root */
    plat_platform *jz = load("assets/platforms/jean-zay.xml"), *al = load("assets/platforms/alice-recoque.xml");
    plat_platform *cls = load("assets/platforms/classroom.xml");
    char lp[128];
    snprintf(lp, sizeof lp, "%s/local.xml", tmpdir);
    FILE *f = fopen(lp, "w");
    assert_non_null(f);
    fputs(local_xml, f);
    fclose(f);
    plat_platform *local = load(lp);
    /* the window's scenario: Llama 2 7B on Jean Zay's 1,456 H100, tp 2, pp 4; and the classroom */
    tm_plan pl = tm_plan_default();
    pl.tp = 2, pl.pp = 4, pl.mbs = 1, pl.gbs = 1456;
    static ui_scaling sc[3];
    char err[512];
    assert_int_equal(ui_scaling_compute(jz, plat_find_partition(jz, "h100"), tm_model_preset("llama2-7b"), &pl, &sc[0], err, sizeof err), 0);
    tm_plan small = small_plan();
    assert_int_equal(ui_scaling_compute(cls, 0, tm_model_preset("megatron-1.7b"), &small, &sc[1], err, sizeof err), 0);
    /* counts skipped, with a long reason for the note, and points out of memory for the fourth entry */
    sc[2] = sc[0];
    sc[2].skipped = 3;
    snprintf(sc[2].skipped_why, sizeof sc[2].skipped_why, "%s",
             "the global batch 1456 is not a multiple of dp x mbs = 32 x 1 = 32; try --gbs 1472 or another count of GPUs");
    sc[2].pts[0].fits = 0;
    /* the roofline: the window's ceilings, without and with this computer's ladder measured */
    static ui_roofline rf[3];
    const plat_platform *plats[] = { jz, al };
    ui_roofline_compute(plats, 2, NULL, PLAT_BF16, &rf[0]);
    ui_roofline_compute(plats, 2, local, PLAT_BF16, &rf[1]);
    static const char *const rungs[] = { "naive", "blocked", "blocked_omp", "simd", "simd_omp", "sgemm" };
    static const double gf[] = { 0.6, 4.2, 8.1, 30.5, 58.7, 201 };
    rf[1].npoints = 6, rf[1].threads = 2;
    for (int k = 0; k < 6; k++) {
        ui_roof_point *q = &rf[1].points[k];
        snprintf(q->name, sizeof q->name, "%s", rungs[k]);
        q->rung = k, q->n = 512, q->gflops = gf[k], q->seconds = 2.0 * 512 * 512 * 512 / (gf[k] * 1e9);
        q->intensity_flop_per_B = 512 / 6.0, q->correct = 1;
    }
    ui_roofline_compute((const plat_platform *[]){ cls }, 1, NULL, PLAT_FP8, &rf[2]);
    static ui_plot_layout lay;
    static const char *const langs[] = { "en", "fr" };
    for (int li = 0; li < 2; li++) {
        app_set_language(langs[li]);
        if (li == 1 && strcmp(_("analytic model"), "modèle analytique"))
            fail_msg("the French translations are not found (run from the repository root after make)");
        for (size_t k = 0; k < sizeof plot_sizes / sizeof *plot_sizes; k++) {
            double w = plot_sizes[k].w, h = plot_sizes[k].h, scale = plot_sizes[k].scale;
            char what[160];
            for (int i = 0; i < 3; i++) {
                snprintf(what, sizeof what, "%s, scaling %d, %gx%g at scale %g", langs[li], i, w, h, scale);
                ui_plot_layout_of(UI_PLOT_SCALING, &sc[i], w, h, scale, &lay);
                if (getenv("USINE_PLOT_DUMP")) {
                    char png[512];
                    snprintf(png, sizeof png, "%s/scaling-%d-%s-%gx%g.png", getenv("USINE_PLOT_DUMP"), i, langs[li], w, h);
                    cairo_surface_t *img = ui_plot_render(UI_PLOT_SCALING, &sc[i], (int)w, (int)h, scale);
                    cairo_surface_write_to_png(img, png);
                    cairo_surface_destroy(img);
                }
                check_layout(&lay, what, w, h);
                /* the last point's tick: the last marker drawn is the last point's */
                double last_x = 0;
                for (int j = 0; j < lay.n; j++)
                    if (lay.item[j].part == UI_PP_MARKER) last_x = (lay.item[j].x0 + lay.item[j].x1) / 2;
                check_last_xtick(&lay, what, last_x);
                if (i == 2 && !count_part(&lay, UI_PP_NOTE)) fail_msg("%s: the skipped counts are not said", what);
                if (!count_part(&lay, UI_PP_BADGE)) fail_msg("%s: no badge", what);
            }
            for (int i = 0; i < 3; i++) {
                snprintf(what, sizeof what, "%s, roofline %d, %gx%g at scale %g", langs[li], i, w, h, scale);
                ui_plot_layout_of(UI_PLOT_ROOFLINE, &rf[i], w, h, scale, &lay);
                if (getenv("USINE_PLOT_DUMP")) {   /* to look at them: USINE_PLOT_DUMP=folder */
                    char png[512];
                    snprintf(png, sizeof png, "%s/roofline-%d-%s-%gx%g.png", getenv("USINE_PLOT_DUMP"), i, langs[li], w, h);
                    cairo_surface_t *img = ui_plot_render(UI_PLOT_ROOFLINE, &rf[i], (int)w, (int)h, scale);
                    cairo_surface_write_to_png(img, png);
                    cairo_surface_destroy(img);
                }
                check_layout(&lay, what, w, h);
                for (int j = 0; j < lay.n; j++)
                    if (lay.item[j].part == UI_PP_AXES) check_last_xtick(&lay, what, lay.item[j].x1);
                if (i == 1 && count_part(&lay, UI_PP_MARKER) != 6) fail_msg("%s: %d points drawn, 6 measured", what, count_part(&lay, UI_PP_MARKER));
            }
        }
    }
    app_set_language("en");
    plat_free(jz), plat_free(al), plat_free(cls), plat_free(local);
}

/* The window's arrangement: one above the other in a tall region, side by side in a wide one. */
static void test_arrangement_follows_the_region(void **state)
{
    (void)state;
    int cols, w, h;
    assert_true(ui_plot_arrange(1010, 1036, 10, &cols, &w, &h) > 0);
    assert_int_equal(cols, 1);
    assert_int_equal(w, 990);
    assert_true(2 * h + 30 <= 1036);
    assert_true(ui_plot_arrange(1600, 500, 10, &cols, &w, &h) > 0);
    assert_int_equal(cols, 2);
    assert_true(2 * w + 30 <= 1600 && h == 480);
    assert_int_equal(ui_plot_arrange(10, 10, 10, &cols, &w, &h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scaling_follows_the_model),
        cmocka_unit_test(test_scaling_partition_not_a_power_of_two),
        cmocka_unit_test(test_scaling_refuses_with_the_models_reason),
        cmocka_unit_test(test_roofline_ceilings_are_the_files),
        cmocka_unit_test(test_roofline_measures_the_ladder),
        cmocka_unit_test_setup_teardown(test_png_is_a_plot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_svg_is_svg, setup, teardown),
        cmocka_unit_test(test_export_errors),
        cmocka_unit_test(test_empty_data_draws),
        cmocka_unit_test_setup_teardown(test_layout_leaves_everything_readable, setup, teardown),
        cmocka_unit_test(test_arrangement_follows_the_region),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    /* cairo keeps the faces of its toy font API, and fontconfig its configuration, for the life of
     * the process; release both so that LeakSanitizer sees only what this program leaks. */
    cairo_debug_reset_static_data();
    FcFini();
    return failed;
}
