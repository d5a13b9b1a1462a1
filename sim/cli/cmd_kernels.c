/* cmd_kernels.c: `usine bench ladder|gemm|stream|mlp|scaling` and `usine train`: the real kernels
 * of kernels/kn.h run on this computer, reported for students (text) or for programs (JSON). */
#include "cli.h"
#include "util.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Options */

typedef struct kopts {
    long n, threads, steps, width, batch, layers, inputs, classes, samples, seed;
    double lr;
    const char *optimizer, *kernel, *platform;
    int json, mpi;
} kopts;

typedef struct kopt {
    const char *name;
    long *value;
    long min, max;
} kopt;

/* Parses argv[first..]; integer options named in `ints`, plus --json, --mpi and the string
 * options allowed by `strs` ("optimizer", "kernel", "platform", "lr"). Returns -1 when fine,
 * else the exit status. */
static int parse_kopts(int argc, char **argv, int first, const kopt *ints, int nints, const char *strs, kopts *o,
                       void (*usage)(FILE *))
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_OK;
        }
        if (!strcmp(a, "--json")) { o->json = 1; continue; }
        if (!strcmp(a, "--mpi") && strstr(strs, "mpi")) { o->mpi = 1; continue; }
        int known = 0;
        for (int k = 0; k < nints && !known; k++) {
            if (strcmp(a, ints[k].name)) continue;
            known = 1;
            if (i + 1 >= argc) {
                cli_error(_("%s needs a value"), a);
                return CLI_BAD_INPUT;
            }
            if (ut_parse_long(argv[++i], ints[k].min, ints[k].max, ints[k].value) != 0) {
                cli_error(_("%s %s: expected a whole number from %ld to %ld"), a, argv[i], ints[k].min, ints[k].max);
                return CLI_BAD_INPUT;
            }
        }
        if (known) continue;
        static const struct { const char *opt, *key; } sopts[] = {
            { "--optimizer", "optimizer" }, { "--kernel", "kernel" }, { "--platform", "platform" }, { "--lr", "lr" },
        };
        for (size_t k = 0; k < sizeof sopts / sizeof *sopts && !known; k++) {
            if (strcmp(a, sopts[k].opt) || !strstr(strs, sopts[k].key)) continue;
            known = 1;
            if (i + 1 >= argc) {
                cli_error(_("%s needs a value"), a);
                return CLI_BAD_INPUT;
            }
            const char *v = argv[++i];
            if (!strcmp(sopts[k].key, "optimizer")) {
                if (strcmp(v, "sgd") && strcmp(v, "adam")) {
                    cli_error(_("--optimizer %s: expected sgd or adam"), v);
                    return CLI_BAD_INPUT;
                }
                o->optimizer = v;
            } else if (!strcmp(sopts[k].key, "kernel")) {
                o->kernel = v;
            } else if (!strcmp(sopts[k].key, "platform")) {
                o->platform = v;
            } else if (ut_parse_double(v, &o->lr) != 0 || !(o->lr > 0 && o->lr < 10)) {
                cli_error(_("--lr %s: expected a learning rate between 0 and 10"), v);
                return CLI_BAD_INPUT;
            }
        }
        if (!known) {
            cli_error(_("unknown option '%s'; see --help"), a);
            return CLI_BAD_INPUT;
        }
    }
    return -1;
}

static kn_cpu g_cpu;

/* Threads asked for (0: every core of this process) set for OpenMP and OpenBLAS together. */
static void use_threads(const kopts *o)
{
    kn_cpu_detect(&g_cpu);
    int t = o->threads > 0 ? (int)o->threads : g_cpu.cores;
    if (t > g_cpu.cores)
        fprintf(stderr, _("usine: %d threads on %d cores: they will take turns, and the figures will show it\n"), t, g_cpu.cores);
    kn_set_threads(t);
    kn_cpu_measure_clock(&g_cpu);
}

/* Largest n x n single-precision matrices: `count` of them within half of the memory. */
static int check_matrix_size(long n, int count)
{
    double bytes = (double)count * 4.0 * (double)n * (double)n;
    if (g_cpu.memory_bytes > 0 && bytes > 0.5 * g_cpu.memory_bytes) {
        char a[48], b[48];
        cli_error(_("--n %ld: %d matrices of %ld x %ld take %s, more than half of this computer's %s of memory"), n, count, n, n,
                  app_bytes(a, sizeof a, bytes), app_bytes(b, sizeof b, g_cpu.memory_bytes));
        return -1;
    }
    return 0;
}

static cJSON *cpu_json(void)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "model", g_cpu.model);
    cJSON_AddStringToObject(c, "isa", g_cpu.isa);
    cJSON_AddNumberToObject(c, "cores", g_cpu.cores);
    cJSON_AddNumberToObject(c, "threads", kn_threads());
    cJSON_AddNumberToObject(c, "ghz", g_cpu.ghz);
    cJSON_AddBoolToObject(c, "clock_measured", g_cpu.clock_measured);
    cJSON_AddNumberToObject(c, "flops_per_cycle", g_cpu.flops_per_cycle);
    cJSON_AddNumberToObject(c, "peak_gflops", g_cpu.peak_gflops);
    cJSON_AddStringToObject(c, "peak_basis", g_cpu.peak_basis);
    return c;
}

/* Peak of the threads in use (not of every core). */
static double thread_peak(void)
{
    int t = kn_threads() < g_cpu.cores ? kn_threads() : g_cpu.cores;
    return g_cpu.peak_gflops * t / g_cpu.cores;
}

static void print_cpu(void)
{
    char a[48], b[48];
    if (g_cpu.clock_measured)
        printf(_("This computer: %s, %d cores (%s), %s GHz measured under load (%s GHz reported); %d threads used\n"),
               g_cpu.model, g_cpu.cores, g_cpu.isa, app_num(a, sizeof a, g_cpu.ghz, 2), app_num(b, sizeof b, g_cpu.nominal_ghz, 2),
               kn_threads());
    else
        printf(_("This computer: %s, %d cores (%s), %s GHz; %d threads used\n"), g_cpu.model, g_cpu.cores, g_cpu.isa,
               app_num(a, sizeof a, g_cpu.ghz, 2), kn_threads());
    printf(_("Peak of those threads: %s GFLOP/s single precision (%s)\n"), app_num(b, sizeof b, thread_peak(), 1), _(g_cpu.peak_basis));
}

/* Arrays of a STREAM run by STREAM's rule, the three of them within a quarter of the memory. */
static size_t stream_default_n(void) { return kn_stream_elements(&g_cpu, g_cpu.memory_bytes / 4); }

/* ------------------------------------------------------------------------------------------ */
/* bench */

static void bench_usage(FILE *out)
{
    fprintf(out, "%s", _("Usage:\n"
                         "  usine bench ladder  [--n N] [--threads T] [--json]   matrix multiplication, naive to OpenBLAS, on a roofline\n"
                         "  usine bench gemm    [--n N] [--threads T] [--json]   OpenBLAS sgemm alone\n"
                         "  usine bench stream  [--n N] [--threads T] [--json]   memory bandwidth (copy, scale, add, triad)\n"
                         "  usine bench mlp     [--width W] [--batch B] [--layers L] [--steps S] [--threads T] [--json]\n"
                         "                      a training step against the rate of its own sgemm calls\n"
                         "  usine bench scaling [--kernel blocked_omp|simd_omp|sgemm] [--n N] [--threads T] [--json]\n"
                         "                      speed-up from 1 to T threads, and Amdahl's serial fraction\n"
                         "--n is the matrix size (ladder 1024, gemm 2048, scaling 1024) or the elements per array (stream).\n"
                         "--threads defaults to the cores this process may use.\n"));
}

typedef struct rung_result {
    kn_timing t;
    double err;
    int ok;
} rung_result;

static int bench_ladder(const kopts *o)
{
    long n = o->n ? o->n : 1024;
    if (check_matrix_size(n, 4) != 0) return CLI_BAD_INPUT;
    size_t nn = (size_t)n * n;
    float *A = kn_alloc(nn * 4), *B = kn_alloc(nn * 4), *C = kn_alloc(nn * 4), *R = kn_alloc(nn * 4);
    if (!A || !B || !C || !R) {
        kn_free(A), kn_free(B), kn_free(C), kn_free(R);
        cli_error(_("--n %ld: not enough memory for the matrices"), n);
        return CLI_BAD_INPUT;
    }
    kn_fill(A, nn, 1), kn_fill(B, nn, 2);
    rung_result r[KN_RUNGS];
    double tol = kn_gemm_tolerance((int)n);
    /* The naive rung is the reference: its one run is also its timing. */
    for (int k = 0; k < KN_RUNGS; k++) {
        cli_progress(_("rung %d/%d: %s, n = %ld..."), k + 1, KN_RUNGS, kn_rung_name(k), n);
        if (k == KN_NAIVE) {
            double t0 = kn_now();
            kn_gemm(KN_NAIVE, (int)n, A, B, R);
            double dt = kn_now() - t0;
            r[k].t = (kn_timing){ .seconds = dt, .gflops = 2.0 * (double)nn * n / dt * 1e-9, .reps = 1 };
            r[k].err = 0, r[k].ok = 1;
            continue;
        }
        kn_gemm_time(k, (int)n, A, B, C, 0.5, &r[k].t);
        r[k].err = kn_max_rel_diff(C, R, nn);
        r[k].ok = r[k].err <= tol;
    }
    cli_progress(_("memory bandwidth for the roofline..."));
    kn_stream_result s;
    int have_stream = kn_stream(stream_default_n(), 5, &s) == 0;
    cli_progress_done();
    kn_free(A), kn_free(B), kn_free(C), kn_free(R);

    double peak = thread_peak(), sg = r[KN_SGEMM].t.gflops, bw = have_stream ? s.gbs[3] : 0;
    /* Compulsory traffic of C = A x B: read A and B, write C once: 12 n^2 bytes for 2 n^3 FLOPs. */
    double ai = 2.0 * n / 12.0;
    int all_ok = 1;
    for (int k = 0; k < KN_RUNGS; k++) all_ok &= r[k].ok;
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "cpu", cpu_json());
        cJSON_AddNumberToObject(j, "n", (double)n);
        cJSON_AddNumberToObject(j, "peak_gflops", peak);
        cJSON_AddNumberToObject(j, "sgemm_gflops", sg);
        cJSON_AddNumberToObject(j, "tolerance", tol);
        cJSON *steps = cJSON_AddArrayToObject(j, "steps");
        for (int k = 0; k < KN_RUNGS; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", kn_rung_name(k));
            cJSON_AddNumberToObject(e, "seconds", r[k].t.seconds);
            cJSON_AddNumberToObject(e, "gflops", r[k].t.gflops);
            cJSON_AddNumberToObject(e, "fraction_of_peak", r[k].t.gflops / peak);
            cJSON_AddNumberToObject(e, "fraction_of_sgemm", r[k].t.gflops / sg);
            cJSON_AddNumberToObject(e, "speedup_vs_naive", r[k].t.gflops / r[KN_NAIVE].t.gflops);
            cJSON_AddNumberToObject(e, "max_rel_diff", r[k].err);
            cJSON_AddBoolToObject(e, "correct", r[k].ok);
            cJSON_AddItemToArray(steps, e);
        }
        cJSON *rf = cJSON_AddObjectToObject(j, "roofline");
        cJSON_AddNumberToObject(rf, "peak_gflops", peak);
        cJSON_AddNumberToObject(rf, "bandwidth_gbs", bw);
        cJSON_AddNumberToObject(rf, "ridge_flops_per_byte", bw > 0 ? peak / bw : 0);
        cJSON_AddNumberToObject(rf, "gemm_intensity_flops_per_byte", ai);
        cli_print_json(j, "usine.bench.ladder/1");
    } else {
        char a[48], b[48], c[48], d[48], e[48], f[200];
        print_cpu();
        printf(_("Single-precision C = A x B, n = %ld; every rung checked against the naive result (tolerance %s)\n\n"), n,
           app_sci((char[48]){ 0 }, 48, tol, 1));
        char h[4][64];
        printf("%-3s %s %s %s %10s %s %s %s\n", "", ut_pad(h[0], sizeof h[0], _("rung"), 12), ut_pad(f, sizeof f, _("what changes"), 52),
               ut_pad(h[1], sizeof h[1], _("time"), -10), "GFLOP/s", ut_pad(h[2], sizeof h[2], _("of peak"), -8),
               ut_pad(h[3], sizeof h[3], _("of sgemm"), -8), ut_pad(e, sizeof e, _("speed-up"), -9));
        for (int k = 0; k < KN_RUNGS; k++) {
            char lbl[160];
            snprintf(lbl, sizeof lbl, "%s", _(kn_rung_label(k)));
            char tm[48];
            printf("%-3d %-12s %s %s %10s %6s %% %6s %% %8sx%s\n", k + 1, kn_rung_name(k), ut_pad(f, sizeof f, lbl, 52),
                   ut_pad(tm, sizeof tm, app_time(a, sizeof a, r[k].t.seconds), -10), app_num(b, sizeof b, r[k].t.gflops, 2),
                   app_num(c, sizeof c, 100 * r[k].t.gflops / peak, 1), app_num(d, sizeof d, 100 * r[k].t.gflops / sg, 1),
                   app_num(e, sizeof e, r[k].t.gflops / r[KN_NAIVE].t.gflops, 1), r[k].ok ? "" : _("  WRONG RESULT"));
        }
        if (have_stream) {
            printf(_("\nRoofline of this computer: compute roof %s GFLOP/s, memory roof %s GB/s (STREAM triad),\n"
                     "ridge at %s FLOP/byte. A multiplication of n = %ld can do up to %s FLOPs per byte of memory traffic\n"
                     "(2n^3 FLOPs over at least 12n^2 bytes), far right of the ridge: if it reuses its data from cache, it\n"
                     "can reach the compute roof. What separates the rungs is how well each one uses caches, vector units\n"
                     "and cores.\n"),
                   app_num(a, sizeof a, peak, 1), app_num(b, sizeof b, bw, 1), app_num(c, sizeof c, peak / bw, 1), n,
                   app_num(d, sizeof d, ai, 0));
            printf(_("For contrast, STREAM's triad does 2 FLOPs per 24 bytes (0.083 FLOP/byte): at most %s GFLOP/s here.\n"),
                   app_num(e, sizeof e, bw * 2 / 24, 2));
        }
        if (sg > 1.02 * peak)
            printf(_("sgemm beats the peak computed from the %s GHz clock: the clock or the FLOPs per cycle assumed here are too low for this CPU.\n"),
                   app_num(a, sizeof a, g_cpu.ghz, 2));
    }
    if (!all_ok) cli_error(_("a rung's result differs from the naive one beyond the tolerance"));
    return all_ok ? CLI_OK : CLI_FAILED;
}

static int bench_gemm(const kopts *o)
{
    long n = o->n ? o->n : 2048;
    if (check_matrix_size(n, 3) != 0) return CLI_BAD_INPUT;
    size_t nn = (size_t)n * n;
    float *A = kn_alloc(nn * 4), *B = kn_alloc(nn * 4), *C = kn_alloc(nn * 4);
    if (!A || !B || !C) {
        kn_free(A), kn_free(B), kn_free(C);
        cli_error(_("--n %ld: not enough memory for the matrices"), n);
        return CLI_BAD_INPUT;
    }
    kn_fill(A, nn, 1), kn_fill(B, nn, 2);
    kn_timing t;
    kn_gemm_time(KN_SGEMM, (int)n, A, B, C, 1.0, &t);
    kn_free(A), kn_free(B), kn_free(C);
    double peak = thread_peak();
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "cpu", cpu_json());
        cJSON_AddNumberToObject(j, "n", (double)n);
        cJSON_AddNumberToObject(j, "seconds", t.seconds);
        cJSON_AddNumberToObject(j, "sgemm_gflops", t.gflops);
        cJSON_AddNumberToObject(j, "peak_gflops", peak);
        cJSON_AddNumberToObject(j, "fraction_of_peak", t.gflops / peak);
        cli_print_json(j, "usine.bench.gemm/1");
    } else {
        char a[48], b[48], c[48];
        print_cpu();
        printf(_("OpenBLAS sgemm, n = %ld: %s per multiplication (best of %d), %s GFLOP/s, %s %% of peak\n"), n,
               app_time(a, sizeof a, t.seconds), t.reps, app_num(b, sizeof b, t.gflops, 1), app_num(c, sizeof c, 100 * t.gflops / peak, 1));
    }
    return CLI_OK;
}

static int bench_stream(const kopts *o)
{
    size_t n = o->n ? (size_t)o->n : stream_default_n();
    double bytes = 3.0 * 8 * (double)n;
    if (g_cpu.memory_bytes > 0 && bytes > 0.5 * g_cpu.memory_bytes) {
        char a[48], b[48];
        cli_error(_("--n %zu: three arrays of %zu doubles take %s, more than half of this computer's %s of memory"), n, n,
                  app_bytes(a, sizeof a, bytes), app_bytes(b, sizeof b, g_cpu.memory_bytes));
        return CLI_BAD_INPUT;
    }
    kn_stream_result s;
    cli_progress(_("STREAM, 3 arrays of %zu doubles..."), n);
    int rc = kn_stream(n, 10, &s);
    cli_progress_done();
    if (rc != 0) {
        cli_error(_("--n %zu: not enough memory for the arrays"), n);
        return CLI_BAD_INPUT;
    }
    int ok = s.max_error < 1e-12;
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "cpu", cpu_json());
        cJSON_AddNumberToObject(j, "n", (double)n);
        cJSON_AddNumberToObject(j, "trials", s.trials);
        for (int k = 0; k < 4; k++) {
            char key[32];
            snprintf(key, sizeof key, "%s_gbs", kn_stream_names[k]);
            cJSON_AddNumberToObject(j, key, s.gbs[k]);
        }
        cJSON_AddBoolToObject(j, "correct", ok);
        cli_print_json(j, "usine.bench.stream/1");
    } else {
        char a[48], b[48], c[48];
        print_cpu();
        printf(_("STREAM: 3 arrays of %zu doubles (%s each), best of %d trials, results checked\n"), n,
               app_bytes(a, sizeof a, 8.0 * (double)n), s.trials - 1);
        static const char *const what[4] = { "c = a", "b = q c", "c = a + b", "a = b + q c" };
        for (int k = 0; k < 4; k++)
            printf("  %-6s %-12s %10s GB/s  %10s\n", kn_stream_names[k], what[k], app_num(b, sizeof b, s.gbs[k], 1),
                   app_time(c, sizeof c, s.seconds[k]));
    }
    if (!ok) cli_error(_("STREAM's arrays do not hold the expected values (largest relative error %s)"), app_g((char[48]){ 0 }, 48, s.max_error));
    return ok ? CLI_OK : CLI_FAILED;
}

/* The network of bench mlp and train, from the options (0: default). */
static void mlp_config(const kopts *o, kn_mlp_config *c, long width, long batch, long layers)
{
    kn_mlp_defaults(c);
    c->width = (int)(o->width ? o->width : width);
    c->batch = (int)(o->batch ? o->batch : batch);
    c->layers = (int)(o->layers ? o->layers : layers);
    if (o->inputs) c->inputs = (int)o->inputs;
    if (o->classes) c->classes = (int)o->classes;
    if (o->samples) c->samples = (int)o->samples;
    if (o->seed) c->seed = (unsigned long long)o->seed;
    if (o->optimizer) c->optimizer = !strcmp(o->optimizer, "sgd") ? KN_SGD : KN_ADAM;
    if (c->optimizer == KN_SGD) c->lr = 0.05;
    if (o->lr > 0) c->lr = o->lr;
    if (c->samples < c->batch) c->samples = c->batch;
}

static int bench_mlp(const kopts *o)
{
    kn_mlp_config cfg;
    mlp_config(o, &cfg, 2048, 256, 4);
    long steps = o->steps ? o->steps : 20;
    char err[256];
    cfg.samples = cfg.batch * 4;
    kn_mlp *m = kn_mlp_create(&cfg, err, sizeof err);
    if (!m) {
        cli_error("%s", err);
        return CLI_BAD_INPUT;
    }
    cli_progress(_("warming up..."));
    kn_mlp_step(m, NULL); /* first touch of every buffer, OpenBLAS's own buffers */
    /* Steps and the same sgemm calls alone, interleaved, so that both see the same clock and the
     * same state of the machine. */
    kn_phase_times pt = { 0 };
    double wall = 0, sgemm_wall = 0, first = 0, last = 0;
    for (long s = 0; s < steps; s++) {
        cli_progress(_("step %ld/%ld"), s + 1, steps);
        double t0 = kn_now();
        kn_mlp_sgemm_rate(m, 0);
        double t1 = kn_now();
        last = kn_mlp_step(m, &pt);
        wall += kn_now() - t1, sgemm_wall += t1 - t0;
        if (s == 0) first = last;
    }
    cli_progress_done();
    double sg = kn_mlp_step_flops(m) * steps / sgemm_wall * 1e-9;
    double flops = kn_mlp_step_flops(m) * steps, rate = flops / wall * 1e-9, ratio = rate / sg;
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "cpu", cpu_json());
        cJSON_AddNumberToObject(j, "width", cfg.width);
        cJSON_AddNumberToObject(j, "batch", cfg.batch);
        cJSON_AddNumberToObject(j, "layers", cfg.layers);
        cJSON_AddNumberToObject(j, "params", (double)kn_mlp_params(m));
        cJSON_AddNumberToObject(j, "steps", (double)steps);
        cJSON_AddNumberToObject(j, "step_s", wall / steps);
        cJSON_AddNumberToObject(j, "gflops", rate);
        cJSON_AddNumberToObject(j, "gflops_6nd", kn_mlp_step_flops_6nd(m) * steps / wall * 1e-9);
        cJSON_AddNumberToObject(j, "sgemm_gflops", sg);
        cJSON_AddNumberToObject(j, "fraction_of_sgemm", ratio);
        cJSON_AddNumberToObject(j, "forward_s", pt.forward / steps);
        cJSON_AddNumberToObject(j, "backward_s", pt.backward / steps);
        cJSON_AddNumberToObject(j, "optimizer_s", pt.optimizer / steps);
        cJSON_AddNumberToObject(j, "gemm_s", pt.gemm / steps);
        cJSON_AddNumberToObject(j, "loss_first", first);
        cJSON_AddNumberToObject(j, "loss_last", last);
        cli_print_json(j, "usine.bench.mlp/1");
    } else {
        char a[48], b[48], c[48], d[48], e[48];
        print_cpu();
        printf(_("Network %d -> %d x %d -> %d, %s parameters, batch %d, Adam; %ld steps after one warm-up step\n"), cfg.inputs,
               cfg.width, cfg.layers, cfg.classes, app_num(a, sizeof a, (double)kn_mlp_params(m), 0), cfg.batch, steps);
        printf(_("Step: %s (forward %s, backward %s, optimizer %s); %s %% of it in sgemm\n"), app_time(a, sizeof a, wall / steps),
               app_time(b, sizeof b, pt.forward / steps), app_time(c, sizeof c, pt.backward / steps),
               app_time(d, sizeof d, pt.optimizer / steps), app_num(e, sizeof e, 100 * pt.gemm / wall, 1));
        printf(_("Training step: %s GFLOP/s (exact count from the layer shapes)\n"), app_num(a, sizeof a, rate, 1));
        printf(_("sgemm alone, the same calls back to back: %s GFLOP/s\n"), app_num(b, sizeof b, sg, 1));
        if (ratio < 0.99)
            printf(_("The step runs at %s %% of its own sgemm rate: the rest goes to bias, ReLU, softmax and the optimizer.\n"),
                   app_num(c, sizeof c, 100 * ratio, 1));
        else
            printf(_("The step runs at %s %% of its own sgemm rate: the element-wise work hides in the measurement noise.\n"),
                   app_num(c, sizeof c, 100 * ratio, 1));
    }
    kn_mlp_destroy(m);
    return CLI_OK;
}

static int bench_scaling(const kopts *o)
{
    const char *kname = o->kernel ? o->kernel : "blocked_omp";
    kn_rung rung = KN_RUNGS;
    for (int k = KN_BLOCKED_OMP; k < KN_RUNGS; k++)
        if (!strcmp(kname, kn_rung_name(k))) rung = k;
    if (rung == KN_RUNGS) {
        cli_error(_("--kernel %s: expected blocked_omp, simd_omp or sgemm"), kname);
        return CLI_BAD_INPUT;
    }
    long n = o->n ? o->n : 1024;
    if (check_matrix_size(n, 3) != 0) return CLI_BAD_INPUT;
    int tmax = kn_threads();
    size_t nn = (size_t)n * n;
    float *A = kn_alloc(nn * 4), *B = kn_alloc(nn * 4), *C = kn_alloc(nn * 4);
    int *p = ut_calloc((size_t)tmax, sizeof *p);
    double *sp = ut_calloc((size_t)tmax, sizeof *sp), *gf = ut_calloc((size_t)tmax, sizeof *gf);
    if (!A || !B || !C) {
        kn_free(A), kn_free(B), kn_free(C), free(p), free(sp), free(gf);
        cli_error(_("--n %ld: not enough memory for the matrices"), n);
        return CLI_BAD_INPUT;
    }
    kn_fill(A, nn, 1), kn_fill(B, nn, 2);
    for (int t = 1; t <= tmax; t++) {
        cli_progress(_("%d thread(s)..."), t);
        kn_set_threads(t);
        kn_timing tm;
        kn_gemm_time(rung, (int)n, A, B, C, 0.5, &tm);
        p[t - 1] = t, gf[t - 1] = tm.gflops, sp[t - 1] = tm.gflops / gf[0];
    }
    cli_progress_done();
    kn_set_threads(tmax);
    double f = kn_amdahl_fit(p, sp, tmax);
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "cpu", cpu_json());
        cJSON_AddStringToObject(j, "kernel", kname);
        cJSON_AddNumberToObject(j, "n", (double)n);
        cJSON *pts = cJSON_AddArrayToObject(j, "points");
        for (int i = 0; i < tmax; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "threads", p[i]);
            cJSON_AddNumberToObject(e, "gflops", gf[i]);
            cJSON_AddNumberToObject(e, "speedup", sp[i]);
            cJSON_AddNumberToObject(e, "efficiency", sp[i] / p[i]);
            cJSON_AddItemToArray(pts, e);
        }
        cJSON_AddNumberToObject(j, "serial_fraction", f);
        cJSON_AddNumberToObject(j, "max_speedup", f > 0 ? 1 / f : -1);
        cli_print_json(j, "usine.bench.scaling/1");
    } else {
        char a[48], b[48], c[48], d[48];
        print_cpu();
        printf(_("Thread scaling of %s, n = %ld\n"), kname, n);
        char h[4][64];
        printf("%s %10s %s %s %s\n", ut_pad(h[0], sizeof h[0], _("threads"), -8), "GFLOP/s", ut_pad(h[1], sizeof h[1], _("speed-up"), -9),
               ut_pad(h[2], sizeof h[2], _("efficiency"), -11), ut_pad(h[3], sizeof h[3], _("Amdahl fit"), -14));
        for (int i = 0; i < tmax; i++)
            printf("%8d %10s %8sx %9s %% %13sx\n", p[i], app_num(a, sizeof a, gf[i], 2), app_num(b, sizeof b, sp[i], 2),
                   app_num(c, sizeof c, 100 * sp[i] / p[i], 1), app_num(d, sizeof d, 1 / (f + (1 - f) / p[i]), 2));
        printf(_("Amdahl's law, 1/S = f + (1 - f)/p, fitted by least squares: serial fraction f = %s %%.\n"),
               app_num(a, sizeof a, 100 * f, 1));
        if (f > 0) printf(_("However many cores it gets, this kernel would never run more than %s times faster than on one.\n"),
                          app_num(b, sizeof b, 1 / f, 1));
        if (tmax < 2) printf("%s", _("With one thread there is nothing to fit: run with --threads 2 or more.\n"));
    }
    kn_free(A), kn_free(B), kn_free(C);
    free(p), free(sp), free(gf);
    return CLI_OK;
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2) {
        cli_error(_("bench needs what to run: ladder, gemm, stream, mlp or scaling; see 'usine bench --help'"));
        return CLI_BAD_INPUT;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        bench_usage(stdout);
        return CLI_OK;
    }
    static const struct { const char *name; int (*run)(const kopts *); } kinds[] = {
        { "ladder", bench_ladder }, { "gemm", bench_gemm }, { "stream", bench_stream }, { "mlp", bench_mlp }, { "scaling", bench_scaling },
    };
    int (*run)(const kopts *) = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(argv[1], kinds[i].name)) run = kinds[i].run;
    if (!run) {
        cli_error(_("bench %s: expected ladder, gemm, stream, mlp or scaling"), argv[1]);
        return CLI_BAD_INPUT;
    }
    kopts o = { 0 };
    const kopt ints[] = {
        { "--n", &o.n, 1, 1L << 34 }, { "--threads", &o.threads, 1, 4096 }, { "--width", &o.width, 1, 1 << 20 },
        { "--batch", &o.batch, 1, 1 << 20 }, { "--layers", &o.layers, 1, 64 }, { "--steps", &o.steps, 1, 1000000 },
    };
    int rc = parse_kopts(argc, argv, 2, ints, sizeof ints / sizeof *ints, !strcmp(argv[1], "scaling") ? "kernel" : "", &o, bench_usage);
    if (rc >= 0) return rc;
    if (!strcmp(argv[1], "ladder") || !strcmp(argv[1], "gemm") || !strcmp(argv[1], "scaling")) {
        if (o.n > 65536) {
            cli_error(_("--n %ld: matrices larger than 65536 x 65536 are out of reach of this computer"), o.n);
            return CLI_BAD_INPUT;
        }
    }
    use_threads(&o);
    return run(&o);
}

/* ------------------------------------------------------------------------------------------ */
/* train */

static void train_usage(FILE *out)
{
    fprintf(out, "%s", _("Usage: usine train [--steps N] [--width W] [--batch B] [--layers L] [--inputs I] [--classes C]\n"
                         "                   [--samples N] [--optimizer adam|sgd] [--lr R] [--seed S] [--threads T] [--json]\n"
                         "       mpirun -np P usine train --mpi [same options] [--platform FILE|NAME]\n"
                         "Trains a multi-layer perceptron for real on a classification task it makes itself (seeded),\n"
                         "every dense layer on OpenBLAS sgemm. Defaults: 100 steps, 256 -> 1024 x 3 -> 10, batch 256, Adam.\n"));
}

/* Under mpirun or srun every process parses the same arguments: only the first says what is wrong. */
static int secondary_rank(int argc, char **argv)
{
    int mpi = 0;
    for (int i = 1; i < argc; i++) mpi |= !strcmp(argv[i], "--mpi");
    static const char *const vars[] = { "OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID" };
    for (size_t i = 0; mpi && i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 0) return 1;
    }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    kopts o = { 0 };
    if (secondary_rank(argc, argv)) {
        FILE *quiet = freopen("/dev/null", "w", stderr); /* the run itself reports through rank 0 */
        (void)quiet;
    }
    const kopt ints[] = {
        { "--steps", &o.steps, 1, 10000000 }, { "--width", &o.width, 1, 1 << 20 }, { "--batch", &o.batch, 1, 1 << 20 },
        { "--layers", &o.layers, 1, 64 }, { "--inputs", &o.inputs, 1, 1 << 20 }, { "--classes", &o.classes, 2, 1 << 20 },
        { "--samples", &o.samples, 1, 1 << 30 }, { "--seed", &o.seed, 1, 1L << 40 }, { "--threads", &o.threads, 1, 4096 },
    };
    int rc = parse_kopts(argc, argv, 1, ints, sizeof ints / sizeof *ints, "optimizer lr platform mpi", &o, train_usage);
    if (rc >= 0) return rc;
    kn_mlp_config cfg;
    mlp_config(&o, &cfg, 1024, 256, 3);
    long steps = o.steps ? o.steps : 100;
    if (o.mpi) {
#ifdef USINE_HAVE_MPI
        return train_mpi(&cfg, (int)steps, (int)o.threads, o.json, o.platform);
#else
        cli_error(_("this usine was built without MPI: install Open MPI (libopenmpi-dev, openmpi-bin; 'make deps' does) and "
                    "run 'make' again"));
        return CLI_BAD_INPUT;
#endif
    }
    if (o.platform) {
        cli_error(_("--platform is for --mpi, where it gives the network used by the prediction"));
        return CLI_BAD_INPUT;
    }
    use_threads(&o);
    char err[256];
    kn_mlp *m = kn_mlp_create(&cfg, err, sizeof err);
    if (!m) {
        cli_error("%s", err);
        return CLI_BAD_INPUT;
    }
    double loss0 = 0, acc0 = kn_mlp_accuracy(m, &loss0);
    kn_phase_times pt = { 0 };
    double *loss = ut_calloc((size_t)steps, sizeof *loss);
    double t0 = kn_now();
    for (long s = 0; s < steps; s++) {
        loss[s] = kn_mlp_step(m, &pt);
        if (!isfinite(loss[s])) {
            char a[48], b[48];
            cli_error(_("the loss became %s at step %ld: the learning rate %s is too high for this network"),
                      app_g(b, sizeof b, loss[s]), s + 1, app_g(a, sizeof a, cfg.lr));
            free(loss);
            kn_mlp_destroy(m);
            return CLI_FAILED;
        }
        char l4[48];
        cli_progress(_("step %ld/%ld, loss %s"), s + 1, steps, app_num(l4, sizeof l4, loss[s], 4));
    }
    double wall = kn_now() - t0;
    cli_progress_done();
    double loss1 = 0, acc1 = kn_mlp_accuracy(m, &loss1);
    double sps = (double)steps * cfg.batch / wall, gf = kn_mlp_step_flops(m) * steps / wall * 1e-9;
    double gf6 = kn_mlp_step_flops_6nd(m) * steps / wall * 1e-9;
    /* Mean of the first and last tenth of the steps: single-batch losses are noisy. */
    long w = steps >= 10 ? steps / 10 : 1;
    double lf = 0, ll = 0;
    for (long s = 0; s < w; s++) lf += loss[s] / w, ll += loss[steps - 1 - s] / w;
    if (o.json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "cpu", cpu_json());
        cJSON_AddNumberToObject(j, "inputs", cfg.inputs);
        cJSON_AddNumberToObject(j, "width", cfg.width);
        cJSON_AddNumberToObject(j, "layers", cfg.layers);
        cJSON_AddNumberToObject(j, "classes", cfg.classes);
        cJSON_AddNumberToObject(j, "batch", cfg.batch);
        cJSON_AddNumberToObject(j, "params", (double)kn_mlp_params(m));
        cJSON_AddStringToObject(j, "optimizer", cfg.optimizer == KN_SGD ? "sgd" : "adam");
        cJSON_AddNumberToObject(j, "steps", (double)steps);
        cJSON_AddNumberToObject(j, "loss_first", loss[0]);
        cJSON_AddNumberToObject(j, "loss_last", loss[steps - 1]);
        cJSON_AddNumberToObject(j, "loss_first_tenth", lf);
        cJSON_AddNumberToObject(j, "loss_last_tenth", ll);
        cJSON_AddNumberToObject(j, "heldout_accuracy_before", acc0);
        cJSON_AddNumberToObject(j, "heldout_accuracy_after", acc1);
        cJSON_AddNumberToObject(j, "seconds", wall);
        cJSON_AddNumberToObject(j, "samples_per_s", sps);
        cJSON_AddNumberToObject(j, "gflops", gf);
        cJSON_AddNumberToObject(j, "gflops_6nd", gf6);
        cJSON_AddNumberToObject(j, "forward_s", pt.forward / steps);
        cJSON_AddNumberToObject(j, "backward_s", pt.backward / steps);
        cJSON_AddNumberToObject(j, "optimizer_s", pt.optimizer / steps);
        cJSON_AddNumberToObject(j, "gemm_s", pt.gemm / steps);
        cJSON *curve = cJSON_AddArrayToObject(j, "loss");
        for (long s = 0; s < steps; s++) cJSON_AddItemToArray(curve, cJSON_CreateNumber(loss[s]));
        cli_print_json(j, "usine.train/1");
    } else {
        char a[48], b[48], c[48], d[48];
        print_cpu();
        printf(_("Network %d -> %d x %d -> %d (%s parameters), batch %d, %s, learning rate %s\n"), cfg.inputs, cfg.width, cfg.layers,
               cfg.classes, app_num(a, sizeof a, (double)kn_mlp_params(m), 0), cfg.batch, cfg.optimizer == KN_SGD ? "SGD + momentum" : "Adam",
               app_g(b, sizeof b, cfg.lr));
        printf(_("Data: %d examples made by a seeded random teacher network, %d classes, and a held-out batch\n\n"),
               (cfg.samples + cfg.batch - 1) / cfg.batch * cfg.batch, cfg.classes);
        printf("%s %s\n", ut_pad(a, sizeof a, _("step"), -8), ut_pad(b, sizeof b, _("loss"), -10));
        long every = steps >= 10 ? steps / 10 : 1;
        for (long s = 0; s < steps; s++)
            if (s == 0 || (s + 1) % every == 0) printf("%8ld %10s\n", s + 1, app_num(a, sizeof a, loss[s], 4));
        printf(_("\nLoss: %s over the first tenth of the steps, %s over the last\n"), app_num(a, sizeof a, lf, 4), app_num(b, sizeof b, ll, 4));
        printf(_("Held-out accuracy: %s %% before training, %s %% after (chance: %s %%)\n"), app_num(a, sizeof a, 100 * acc0, 1),
               app_num(b, sizeof b, 100 * acc1, 1), app_num(c, sizeof c, 100.0 / cfg.classes, 1));
        printf(_("Speed: %s samples/s, %s GFLOP/s (exact count; 6 x parameters x samples gives %s)\n"), app_num(a, sizeof a, sps, 0),
               app_num(b, sizeof b, gf, 1), app_num(c, sizeof c, gf6, 1));
        printf(_("Time per step: %s = forward %s + backward %s + optimizer %s\n"), app_time(a, sizeof a, wall / steps),
               app_time(b, sizeof b, pt.forward / steps), app_time(c, sizeof c, pt.backward / steps),
               app_time(d, sizeof d, pt.optimizer / steps));
    }
    int down = ll < lf;
    free(loss);
    kn_mlp_destroy(m);
    if (!down) cli_error(_("the loss did not go down over %ld steps; try more steps or another learning rate"), steps);
    return down ? CLI_OK : CLI_FAILED;
}
