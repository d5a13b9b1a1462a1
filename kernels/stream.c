/* stream.c: memory bandwidth the STREAM way (J. D. McCalpin): four loops over arrays much larger
 * than the caches, best of several trials, bytes counted as STREAM counts them (copy and scale
 * read one array and write one, add and triad read two and write one), and the arrays checked
 * against the values the loops must have produced. */
#include "kn.h"

#include <math.h>

const char *const kn_stream_names[4] = { "copy", "scale", "add", "triad" };

size_t kn_stream_elements(const kn_cpu *cpu, double budget_bytes)
{
    size_t n = (size_t)1 << 24;
    if (cpu->l3_bytes > 0) {
        size_t want = (size_t)ceil(4 * cpu->l3_bytes / sizeof(double));
        if (want > n) n = want;
    }
    if (budget_bytes > 0 && 3.0 * sizeof(double) * (double)n > budget_bytes) n = (size_t)(budget_bytes / (3 * sizeof(double)));
    return n;
}

int kn_stream(size_t n, int trials, kn_stream_result *r)
{
    double *a = kn_alloc(n * sizeof *a), *b = kn_alloc(n * sizeof *b), *c = kn_alloc(n * sizeof *c);
    if (!a || !b || !c) {
        kn_free(a), kn_free(b), kn_free(c);
        return -1;
    }
    if (trials < 2) trials = 2;
    const double q = 3.0;
    /* First touch in parallel, with the loops' static schedule, so pages sit near their thread. */
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) a[i] = 1.0, b[i] = 2.0, c[i] = 0.0;

    static const double words[4] = { 2, 2, 3, 3 };
    for (int k = 0; k < 4; k++) r->seconds[k] = INFINITY;
    for (int t = 0; t < trials; t++) {
        double t0 = kn_now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) c[i] = a[i];
        double t1 = kn_now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) b[i] = q * c[i];
        double t2 = kn_now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) c[i] = a[i] + b[i];
        double t3 = kn_now();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = b[i] + q * c[i];
        double t4 = kn_now();
        /* The first trial warms the pages and the threads; STREAM skips it too. */
        if (t == 0) continue;
        double dt[4] = { t1 - t0, t2 - t1, t3 - t2, t4 - t3 };
        for (int k = 0; k < 4; k++)
            if (dt[k] < r->seconds[k]) r->seconds[k] = dt[k];
    }
    for (int k = 0; k < 4; k++) r->gbs[k] = words[k] * sizeof(double) * (double)n / r->seconds[k] * 1e-9;

    /* Expected values after `trials` rounds, from the scalar recurrence. */
    double ea = 1.0, eb = 2.0, ec = 0.0;
    for (int t = 0; t < trials; t++) ec = ea, eb = q * ec, ec = ea + eb, ea = eb + q * ec;
    double err = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(a[i] - ea) / ea + fabs(b[i] - eb) / eb + fabs(c[i] - ec) / ec;
        if (!(e <= err)) err = e;
    }
    r->max_error = err;
    r->n = n;
    r->trials = trials;
    kn_free(a), kn_free(b), kn_free(c);
    return 0;
}
