/* test_kernels.c: the real kernels compute the right thing. Every rung of the ladder agrees with
 * the naive product on awkward sizes, STREAM's arrays hold what the loops must leave, the
 * perceptron's gradients match finite differences and its loss goes down, runs are repeatable,
 * Amdahl's fit recovers a known serial fraction, and the process never holds more compute threads
 * than it was given. Speed is for the benchmarks (make bench), not for tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kn.h"

/* First, before any OpenMP pool exists: one thread asked, one thread in the process; two asked,
 * at most two, through sgemm, the ladder's OpenMP rungs and a training step. */
static void test_no_oversubscription(void **state)
{
    (void)state;
    kn_set_threads(1); /* before any parallel region: the pool is made at the first one */
    int n = 200;
    float *A = kn_alloc(4 * (size_t)n * n), *B = kn_alloc(4 * (size_t)n * n), *C = kn_alloc(4 * (size_t)n * n);
    assert_non_null(A), assert_non_null(B), assert_non_null(C);
    kn_fill(A, (size_t)n * n, 1), kn_fill(B, (size_t)n * n, 2);
    kn_mlp_config cfg;
    kn_mlp_defaults(&cfg);
    cfg.inputs = 64, cfg.width = 256, cfg.layers = 2, cfg.batch = 128, cfg.samples = 256;
    char err[256];
    for (int t = 1; t <= 2; t++) {
        kn_set_threads(t);
        assert_int_equal(kn_threads(), t);
        for (int r = KN_REORDER; r < KN_RUNGS; r++) kn_gemm(r, n, A, B, C);
        kn_mlp *m = kn_mlp_create(&cfg, err, sizeof err);
        assert_non_null(m);
        kn_mlp_step(m, NULL);
        kn_mlp_destroy(m);
        int seen = kn_process_threads();
        assert_true(seen > 0);
        if (t == 1) assert_int_equal(seen, 1);
        else assert_true(seen <= t);
    }
    kn_free(A), kn_free(B), kn_free(C);
}

static void test_ladder_agrees_with_naive(void **state)
{
    (void)state;
    kn_set_threads(2);
    /* 1 and 7: smaller than every block; 65, 97, 130: one past a tile, odd, two panels and a bit;
     * 300: past a 256-column tile and a 256-deep packed panel. */
    const int sizes[] = { 1, 7, 65, 97, 130, 300 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int n = sizes[s];
        size_t nn = (size_t)n * n;
        float *A = kn_alloc(4 * nn), *B = kn_alloc(4 * nn), *C = kn_alloc(4 * nn), *R = kn_alloc(4 * nn);
        kn_fill(A, nn, 10 + s), kn_fill(B, nn, 20 + s);
        kn_gemm(KN_NAIVE, n, A, B, R);
        /* The naive rung itself against a double-precision product. */
        for (int i = 0; i < n; i += 1 + n / 7)
            for (int j = 0; j < n; j += 1 + n / 5) {
                double d = 0;
                for (int k = 0; k < n; k++) d += (double)A[(size_t)i * n + k] * B[(size_t)k * n + j];
                assert_true(fabs(d - R[(size_t)i * n + j]) <= 1e-5 * (fabs(d) + 1) * n);
            }
        for (int r = KN_REORDER; r < KN_RUNGS; r++) {
            for (size_t i = 0; i < nn; i++) C[i] = NAN; /* every element must be written */
            kn_gemm(r, n, A, B, C);
            double d = kn_max_rel_diff(C, R, nn);
            if (!(d <= kn_gemm_tolerance(n))) fail_msg("rung %s, n = %d: max relative difference %g", kn_rung_name(r), n, d);
        }
        kn_free(A), kn_free(B), kn_free(C), kn_free(R);
    }
}

static void test_tolerance_catches_a_wrong_product(void **state)
{
    (void)state;
    int n = 64;
    size_t nn = (size_t)n * n;
    float *A = kn_alloc(4 * nn), *B = kn_alloc(4 * nn), *C = kn_alloc(4 * nn), *R = kn_alloc(4 * nn);
    kn_fill(A, nn, 1), kn_fill(B, nn, 2);
    kn_gemm(KN_NAIVE, n, A, B, R);
    kn_gemm(KN_SGEMM, n, B, A, C); /* B x A: a plausible mistake */
    assert_true(kn_max_rel_diff(C, R, nn) > 100 * kn_gemm_tolerance(n));
    kn_gemm(KN_SGEMM, n, A, B, C);
    C[nn / 2] += 0.5f; /* one element off */
    assert_true(kn_max_rel_diff(C, R, nn) > kn_gemm_tolerance(n));
    kn_free(A), kn_free(B), kn_free(C), kn_free(R);
}

static void test_stream_values(void **state)
{
    (void)state;
    kn_stream_result r;
    assert_int_equal(kn_stream(100003, 4, &r), 0);
    assert_true(r.max_error < 1e-12);
    for (int k = 0; k < 4; k++) assert_true(r.gbs[k] > 0 && isfinite(r.gbs[k]));
    assert_int_equal(r.n, 100003);
}

static kn_mlp *small_mlp(kn_optimizer opt, int samples)
{
    kn_mlp_config c;
    kn_mlp_defaults(&c);
    c.inputs = 16, c.width = 48, c.layers = 2, c.classes = 5, c.batch = 32, c.samples = samples, c.optimizer = opt;
    c.lr = opt == KN_SGD ? 0.05 : 3e-3;
    char err[256];
    kn_mlp *m = kn_mlp_create(&c, err, sizeof err);
    if (!m) fail_msg("%s", err);
    return m;
}

/* Central differences of the loss against the backward pass, on one fixed batch. */
static void test_gradients_match_finite_differences(void **state)
{
    (void)state;
    kn_set_threads(1);
    kn_mlp *m = small_mlp(KN_ADAM, 32); /* one batch: every call sees the same examples */
    size_t n, ng;
    float *p = kn_mlp_param_buffer(m, &n), *g = kn_mlp_grad_buffer(m, &ng);
    assert_int_equal(n, ng);
    assert_int_equal(n, (size_t)(16 * 48 + 48 + 48 * 48 + 48 + 48 * 5 + 5));
    kn_mlp_gradients(m, NULL);
    float *g0 = malloc(n * sizeof *g0);
    memcpy(g0, g, n * sizeof *g0);
    /* A ReLU whose input sits within h of zero for some example bends the loss inside the
     * difference; smaller steps fix that but bring single-precision noise, so a rare parameter may
     * still disagree, never many. A wrong transpose, a missing mask or a wrong scale makes most of
     * them disagree. */
    int checked = 0, off = 0;
    for (size_t i = 0; i < n; i += 37) {
        if (fabsf(g0[i]) < 1e-3f) continue;
        /* Near a kink the difference converges as h shrinks: try three steps. */
        float keep = p[i];
        double fd = 0;
        int agree = 0;
        for (float h = 2e-3f; h > 1e-4f && !agree; h /= 4) {
            p[i] = keep + h;
            double up = kn_mlp_gradients(m, NULL);
            p[i] = keep - h;
            double down = kn_mlp_gradients(m, NULL);
            p[i] = keep;
            fd = (up - down) / (2 * h);
            agree = fabs(fd - g0[i]) <= 0.05 * fabs(g0[i]) + 2e-4;
        }
        if (!agree) {
            print_message("parameter %zu: backward %g, finite difference %g\n", i, g0[i], fd);
            off++;
        }
        checked++;
    }
    assert_true(checked >= 20);
    if (off * 20 > checked) fail_msg("%d of %d gradients disagree with finite differences", off, checked);
    free(g0);
    kn_mlp_destroy(m);
}

static void test_loss_goes_down(void **state)
{
    (void)state;
    kn_set_threads(2);
    for (int opt = KN_SGD; opt <= KN_ADAM; opt++) {
        kn_mlp *m = small_mlp((kn_optimizer)opt, 2048);
        double before_loss, acc0 = kn_mlp_accuracy(m, &before_loss);
        double first = 0, last = 0;
        for (int s = 0; s < 400; s++) {
            double l = kn_mlp_step(m, NULL);
            assert_true(isfinite(l));
            if (s < 20) first += l / 20;
            if (s >= 380) last += l / 20;
        }
        double after_loss, acc1 = kn_mlp_accuracy(m, &after_loss);
        if (!(last < 0.7 * first)) fail_msg("%s: loss %g -> %g", opt == KN_SGD ? "sgd" : "adam", first, last);
        assert_true(after_loss < before_loss);
        assert_true(acc1 > acc0 && acc1 > 0.4); /* five classes: chance is 0.2 */
        kn_mlp_destroy(m);
    }
}

static void test_runs_repeat(void **state)
{
    (void)state;
    kn_set_threads(2);
    double l[2][30];
    for (int run = 0; run < 2; run++) {
        kn_mlp *m = small_mlp(KN_ADAM, 256);
        for (int s = 0; s < 30; s++) l[run][s] = kn_mlp_step(m, NULL);
        kn_mlp_destroy(m);
    }
    assert_memory_equal(l[0], l[1], sizeof l[0]);
}

static void test_flop_counts(void **state)
{
    (void)state;
    kn_mlp *m = small_mlp(KN_SGD, 32);
    /* Forward 2BIO per layer; backward 2BIO for dW, 2BIO for dX except the first layer. */
    double B = 32, want = 2 * B * (16 * 48 * 2 + 48 * 48 * 3 + 48 * 5 * 3);
    assert_true(fabs(kn_mlp_step_flops(m) - want) < 1e-6 * want);
    assert_true(fabs(kn_mlp_step_flops_6nd(m) - 6.0 * kn_mlp_params(m) * 32) < 1);
    kn_mlp_destroy(m);
}

static void test_bad_shapes_are_refused(void **state)
{
    (void)state;
    kn_mlp_config c;
    char err[256];
    kn_mlp_defaults(&c);
    c.width = 0;
    assert_null(kn_mlp_create(&c, err, sizeof err));
    assert_non_null(strstr(err, "width"));
    kn_mlp_defaults(&c);
    c.width = 1 << 20, c.layers = 64; /* 2^46 parameters */
    assert_null(kn_mlp_create(&c, err, sizeof err));
    assert_non_null(strstr(err, "memory"));
    kn_mlp_defaults(&c);
    c.rank = 2, c.ranks = 2;
    assert_null(kn_mlp_create(&c, err, sizeof err));
}

static void test_amdahl_fit(void **state)
{
    (void)state;
    int p[] = { 1, 2, 4, 8, 16 };
    double s[5];
    for (int i = 0; i < 5; i++) s[i] = 1 / (0.1 + 0.9 / p[i]);
    assert_true(fabs(kn_amdahl_fit(p, s, 5) - 0.1) < 1e-12);
    for (int i = 0; i < 5; i++) s[i] = p[i];
    assert_true(kn_amdahl_fit(p, s, 5) < 1e-12);
    double superlinear[] = { 1, 2.2 };
    assert_true(kn_amdahl_fit(p, superlinear, 2) == 0); /* clamped, not negative */
}

static void test_cpu_detect(void **state)
{
    (void)state;
    kn_cpu c;
    kn_cpu_detect(&c);
    assert_true(c.cores >= 1);
    assert_true(c.ghz > 0 && c.flops_per_cycle >= 2);
    assert_true(fabs(c.peak_gflops - c.cores * c.ghz * c.flops_per_cycle) < 1e-9);
    assert_true(c.memory_bytes > 0);
    if (kn_cpu_measure_clock(&c) == 0) {
        assert_true(c.clock_measured && c.ghz > 0.2 && c.ghz < 8);
        assert_true(fabs(c.peak_gflops - c.cores * c.ghz * c.flops_per_cycle) < 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_oversubscription),
        cmocka_unit_test(test_ladder_agrees_with_naive),
        cmocka_unit_test(test_tolerance_catches_a_wrong_product),
        cmocka_unit_test(test_stream_values),
        cmocka_unit_test(test_gradients_match_finite_differences),
        cmocka_unit_test(test_loss_goes_down),
        cmocka_unit_test(test_runs_repeat),
        cmocka_unit_test(test_flop_counts),
        cmocka_unit_test(test_bad_shapes_are_refused),
        cmocka_unit_test(test_amdahl_fit),
        cmocka_unit_test(test_cpu_detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
