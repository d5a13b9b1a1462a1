/* kn.h: real kernels on this computer, with OpenMP and the OpenMP build of OpenBLAS.
 *
 * What a student's machine can do, measured rather than read: a ladder of single-precision matrix
 * multiplications from the naive triple loop to OpenBLAS, a STREAM-style memory-bandwidth kernel,
 * and a multi-layer perceptron trained for real (forward, backward, SGD with momentum or Adam, every
 * dense layer on sgemm). Like the simulation core this layer never includes SDL or Lua; unlike the
 * core it is not deterministic in time (it measures), but its arithmetic is: the same seed gives the
 * same data, weights and losses for a given thread count.
 *
 * Threads: kn_set_threads() sets the OpenMP pool and OpenBLAS together. OpenBLAS's OpenMP build
 * runs inside that pool, so the process never has more compute threads than asked for. */
#ifndef USINE_KN_H
#define USINE_KN_H

#include <stddef.h>

/* ------------------------------------------------------------------------------------------ */
/* This computer */

typedef struct {
    char model[128];         /* "AMD EPYC 9454P 48-Core Processor" */
    char isa[32];            /* widest vector instructions used for the peak: "avx512", "avx2+fma", ... */
    int cores;               /* physical cores this process may run on (affinity mask, hyperthreads counted once) */
    int logical;             /* logical CPUs in the affinity mask */
    double ghz;              /* clock used for the peak: cpufreq's maximum, else /proc/cpuinfo's,
                              * or measured under load by kn_cpu_measure_clock */
    double nominal_ghz;      /* what the system reports, when the clock was measured */
    int clock_measured;
    int flops_per_cycle;     /* single precision, per core: 2 (FMA) x lanes x FMA units */
    double peak_gflops;      /* cores x ghz x flops_per_cycle */
    const char *peak_basis;  /* how flops_per_cycle was decided: an English sentence, marked for gettext */
    double l3_bytes;         /* last-level cache, 0 if unknown */
    double memory_bytes;     /* physical memory */
    int has_bf16;            /* bf16 instructions in the flags (AVX512_BF16, AMX-BF16, Arm BF16) */
} kn_cpu;

void kn_cpu_detect(kn_cpu *cpu);
double kn_memory_bytes(void);                 /* physical memory, 0 if unknown (cheap: no /proc parsing) */
/* Measure the clock with every thread busy (about 0.05 s; x86 only) and recompute the peak with
 * it. Returns 0, or -1 where it cannot (then the reported clock stays). */
int kn_cpu_measure_clock(kn_cpu *cpu);

/* Set the number of compute threads for OpenMP and OpenBLAS; n >= 1. */
void kn_set_threads(int n);
int kn_threads(void);                         /* what kn_set_threads set (or the default) */
int kn_process_threads(void);                 /* threads of this process now (/proc/self/task), -1 if unknown */
double kn_now(void);                          /* monotonic clock, seconds */

/* Allocation for kernels: 64-byte aligned, NULL (never abort) when the memory is not there. */
void *kn_alloc(size_t bytes);
void kn_free(void *p);

/* ------------------------------------------------------------------------------------------ */
/* The matrix-multiplication ladder: C = A x B, n x n, row-major, single precision. */

typedef enum {
    KN_NAIVE,          /* i, j, k: the textbook triple loop, B walked down its columns */
    KN_REORDER,        /* i, k, j: the same arithmetic, every inner access unit-stride */
    KN_BLOCKED,        /* i, k, j over tiles that stay in cache */
    KN_BLOCKED_OMP,    /* the tiles shared among OpenMP threads */
    KN_SIMD_OMP,       /* packed panels and a register-blocked micro-kernel the compiler vectorises */
    KN_SGEMM,          /* OpenBLAS cblas_sgemm */
    KN_RUNGS
} kn_rung;

const char *kn_rung_name(kn_rung r);          /* "naive", "reorder", ... (stable, for JSON) */
const char *kn_rung_label(kn_rung r);         /* a sentence for people (English; translate with _()) */
void kn_gemm(kn_rung r, int n, const float *A, const float *B, float *C);

/* Fill with deterministic values in [-1, 1). */
void kn_fill(float *x, size_t n, unsigned long long seed);
/* Largest |x - ref| / (|ref| + 1) over n values; the tolerance of the ladder's check follows. */
double kn_max_rel_diff(const float *x, const float *ref, size_t n);
double kn_gemm_tolerance(int n);

typedef struct {
    double seconds;      /* best time of one multiplication */
    double gflops;       /* 2 n^3 / seconds */
    int reps;
} kn_timing;

/* Run rung r at least once and until min_s seconds have passed; keep the best time. */
void kn_gemm_time(kn_rung r, int n, const float *A, const float *B, float *C, double min_s, kn_timing *t);

/* ------------------------------------------------------------------------------------------ */
/* STREAM (McCalpin): copy c=a, scale b=q*c, add c=a+b, triad a=b+q*c, doubles, OpenMP. */

typedef struct {
    double gbs[4];       /* best bandwidth of copy, scale, add, triad (counting STREAM's bytes) */
    double seconds[4];   /* best time of each */
    size_t n;            /* elements per array */
    int trials;
    double max_error;    /* validation of the final arrays against the expected values */
} kn_stream_result;

extern const char *const kn_stream_names[4];
/* Returns 0, or -1 if the arrays cannot be allocated. */
int kn_stream(size_t n, int trials, kn_stream_result *r);
/* Elements per array by STREAM's rule: 4 x the last-level cache, at least 2^24; then fewer if the
 * three arrays would exceed budget_bytes (0: no budget). */
size_t kn_stream_elements(const kn_cpu *cpu, double budget_bytes);

/* ------------------------------------------------------------------------------------------ */
/* A multi-layer perceptron trained for real.
 *
 * Data: a classification task the program makes itself: inputs drawn from a seeded normal
 * distribution, labels given by a fixed random "teacher" network (two layers with tanh), so the task
 * is learnable and the same for every run with the same seed. A training set of `samples` examples
 * and a held-out set of one batch. Network: inputs -> width (ReLU) x layers -> classes, softmax
 * cross-entropy. All parameters and all gradients live in one contiguous buffer each, so that an
 * all-reduce of the gradients is one call. */

typedef enum { KN_SGD, KN_ADAM } kn_optimizer;

typedef struct {
    int inputs, width, layers, classes;  /* layers = number of hidden layers (>= 1) */
    int batch;                           /* per step, per process */
    int samples;                         /* training set size (a multiple of batch is used) */
    kn_optimizer optimizer;
    double lr, momentum;                 /* SGD: lr and momentum; Adam: lr with beta1 0.9, beta2 0.999 */
    unsigned long long seed;
    int rank, ranks;                     /* data-parallel shard: this process reads batches rank, rank+ranks, ... */
} kn_mlp_config;

void kn_mlp_defaults(kn_mlp_config *c);

typedef struct {
    double forward, backward, optimizer;   /* seconds spent in each phase since the last reset */
    double gemm;                           /* of which in sgemm calls */
} kn_phase_times;

typedef struct kn_mlp kn_mlp;

/* NULL with a message in err when the shape is invalid or the memory is not there. */
kn_mlp *kn_mlp_create(const kn_mlp_config *c, char *err, size_t errsize);
void kn_mlp_destroy(kn_mlp *m);

/* One step = kn_mlp_gradients (forward + backward on the next batch, loss returned) then
 * kn_mlp_update (the optimizer). Data-parallel runs sum the gradient buffer between the two and
 * pass the number of processes to kn_mlp_update, which averages. */
double kn_mlp_gradients(kn_mlp *m, kn_phase_times *t);
void kn_mlp_update(kn_mlp *m, int ranks, kn_phase_times *t);
double kn_mlp_step(kn_mlp *m, kn_phase_times *t);

float *kn_mlp_grad_buffer(kn_mlp *m, size_t *count);
float *kn_mlp_param_buffer(kn_mlp *m, size_t *count);
size_t kn_mlp_params(const kn_mlp *m);
double kn_mlp_step_flops(const kn_mlp *m);        /* exact, from the layer shapes, per step */
double kn_mlp_step_flops_6nd(const kn_mlp *m);    /* 6 x parameters x samples, the usual count */
double kn_mlp_accuracy(kn_mlp *m, double *loss);  /* on the held-out batch */

/* The same sgemm calls as one training step (shapes and transposes), back to back, repeated for at
 * least min_s seconds: the rate the step is measured against (GFLOP/s, total over all repetitions, as
 * a training run's rate is). */
double kn_mlp_sgemm_rate(const kn_mlp *m, double min_s);

/* ------------------------------------------------------------------------------------------ */
/* Amdahl's law fitted to measured speed-ups S(p): 1/S = f + (1 - f)/p, least squares in 1/S. */
double kn_amdahl_fit(const int *threads, const double *speedup, int n);

#endif
