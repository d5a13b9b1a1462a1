/* bench_kernels.c: the bars of the real kernels on this computer, measured and printed.
 *   - the ladder's OpenBLAS rung within 10 % of a plain sgemm call;
 *   - the best hand-written rung at least a quarter of sgemm;
 *   - a training step (width 2048, batch 256) at least 80 % of its own sgemm rate (aim: 90 %);
 *   - never more compute threads in the process than asked for.
 * Prints figures and PASS/MISS for each bar; the exit status is 0 either way (speed is not a test).
 * Run with 'make bench'. */
#include <cblas.h>
#include <stdio.h>

#include "kn.h"

static void bar(const char *what, double value, double goal, const char *unit)
{
    printf("  %-58s %8.3f %s (bar %.2f)  %s\n", what, value, unit, goal, value >= goal ? "PASS" : "MISS");
}

static void band(const char *what, double value, double lo, double hi)
{
    printf("  %-58s %8.3f x (bar %.2f-%.2f)  %s\n", what, value, lo, hi, value >= lo && value <= hi ? "PASS" : "MISS");
}

int main(void)
{
    kn_cpu cpu;
    kn_cpu_detect(&cpu);
    kn_set_threads(cpu.cores);
    kn_cpu_measure_clock(&cpu);
    printf("bench_kernels: %s, %d cores, %.2f GHz under load, peak %.1f GFLOP/s (%s)\n", cpu.model, cpu.cores, cpu.ghz,
           cpu.peak_gflops, cpu.peak_basis);

    int n = 1024;
    size_t nn = (size_t)n * n;
    float *A = kn_alloc(nn * 4), *B = kn_alloc(nn * 4), *C = kn_alloc(nn * 4);
    if (!A || !B || !C) return 1;
    kn_fill(A, nn, 1), kn_fill(B, nn, 2);

    kn_timing t[KN_RUNGS];
    printf("ladder, n = %d (the naive rung is left out here: `usine bench ladder` runs it)\n", n);
    for (int r = KN_REORDER; r < KN_RUNGS; r++) {
        kn_gemm_time(r, n, A, B, C, 1.0, &t[r]);
        printf("  %-12s %9.2f GFLOP/s  %5.1f %% of peak\n", kn_rung_name(r), t[r].gflops, 100 * t[r].gflops / cpu.peak_gflops);
    }
    /* A plain sgemm call, timed the same way as the rungs (best over 1 s), right after them. */
    double fastest = 1e30, start = kn_now();
    do {
        double t0 = kn_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, A, n, B, n, 0, C, n);
        double dt = kn_now() - t0;
        fastest = dt < fastest ? dt : fastest;
    } while (kn_now() - start < 1.0);
    double plain = 2.0 * nn * n / fastest * 1e-9;
    printf("  plain sgemm  %9.2f GFLOP/s\n", plain);
    band("ladder's sgemm rung / plain sgemm call (within 10 %)", t[KN_SGEMM].gflops / plain, 0.90, 1.10);
    double best = 0;
    for (int r = KN_REORDER; r < KN_SGEMM; r++) best = t[r].gflops > best ? t[r].gflops : best;
    bar("best hand-written rung / sgemm", best / t[KN_SGEMM].gflops, 0.25, "x");
    kn_free(A), kn_free(B), kn_free(C);

    kn_mlp_config c;
    kn_mlp_defaults(&c);
    c.width = 2048, c.batch = 256, c.layers = 4, c.samples = 1024;
    char err[256];
    kn_mlp *m = kn_mlp_create(&c, err, sizeof err);
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kn_mlp_step(m, NULL);
    double step = 0, sg = 0;
    kn_phase_times pt = { 0 };
    int steps = 20;
    for (int s = 0; s < steps; s++) { /* interleaved, as `usine bench mlp` does */
        double a = kn_now();
        kn_mlp_sgemm_rate(m, 0);
        double b = kn_now();
        kn_mlp_step(m, &pt);
        step += kn_now() - b, sg += b - a;
    }
    double flops = kn_mlp_step_flops(m) * steps;
    printf("mlp 256 -> 2048 x 4 -> 10, batch 256: step %.1f ms (forward %.1f, backward %.1f, optimizer %.1f), "
           "%.1f GFLOP/s; its sgemm calls alone %.1f GFLOP/s\n",
           1e3 * step / steps, 1e3 * pt.forward / steps, 1e3 * pt.backward / steps, 1e3 * pt.optimizer / steps, flops / step * 1e-9,
           flops / sg * 1e-9);
    bar("training step / its own sgemm rate (aim 0.90)", sg / step, 0.80, "x");
    kn_mlp_destroy(m);

    int seen = kn_process_threads();
    bar("threads asked / threads in the process (no oversubscription)", (double)cpu.cores / seen, 1.0, "x");
    return 0;
}
