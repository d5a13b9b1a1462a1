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
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    /* cairo keeps the faces of its toy font API, and fontconfig its configuration, for the life of
     * the process; release both so that LeakSanitizer sees only what this program leaks. */
    cairo_debug_reset_static_data();
    FcFini();
    return failed;
}
