/* gemm.c: the matrix-multiplication ladder, C = A x B in single precision, n x n, row-major.
 *
 * Each rung changes one thing, so that a student can name what each speed-up comes from:
 *   naive        i, j, k: the inner loop walks B down a column, one cache line per element;
 *   reorder      i, k, j: the same arithmetic with unit-stride inner loops (and the compiler may
 *                now vectorise them with the baseline instruction set);
 *   blocked      tiles (TILE x TILE of A, TILE x TILE_J of B), reused from cache;
 *   blocked_omp  the same with the tile rows shared among OpenMP threads;
 *   simd_omp     the GotoBLAS/BLIS structure: panels of A and B packed contiguously, a
 *                register-blocked MR x NR micro-kernel that the compiler vectorises for the widest
 *                vector unit of this CPU (function multi-versioning), threads over row blocks;
 *   sgemm        OpenBLAS, hand-written assembly kernels for this CPU.
 * Rungs 1-4 are compiled for the baseline instruction set of the distribution (SSE2 on x86-64),
 * as any portable program is; only the micro-kernel is cloned for AVX2 and AVX-512. */
#include "kn.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#define N_(s) s /* marks text that the command line translates (xgettext finds it) */
#define TILE 64    /* rows of C and depth of a tile */
#define TILE_J 256 /* columns: a 64 x 256 tile of B (64 KiB) stays in L2, inner loops stay long */

static void gemm_naive(int n, const float *A, const float *B, float *C)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            float s = 0;
            for (int k = 0; k < n; k++) s += A[(size_t)i * n + k] * B[(size_t)k * n + j];
            C[(size_t)i * n + j] = s;
        }
}

static void gemm_reorder(int n, const float *A, const float *B, float *C)
{
    memset(C, 0, (size_t)n * n * sizeof *C);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            float a = A[(size_t)i * n + k];
            const float *b = B + (size_t)k * n;
            float *c = C + (size_t)i * n;
            for (int j = 0; j < n; j++) c[j] += a * b[j];
        }
}

/* One row band of tiles: rows [i0, i1) of C, all of its columns. */
static void tile_band(int n, int i0, int i1, const float *A, const float *B, float *C)
{
    for (int k0 = 0; k0 < n; k0 += TILE) {
        int k1 = k0 + TILE < n ? k0 + TILE : n;
        for (int j0 = 0; j0 < n; j0 += TILE_J) {
            int j1 = j0 + TILE_J < n ? j0 + TILE_J : n;
            for (int i = i0; i < i1; i++) {
                float *c = C + (size_t)i * n;
                for (int k = k0; k < k1; k++) {
                    float a = A[(size_t)i * n + k];
                    const float *b = B + (size_t)k * n;
                    for (int j = j0; j < j1; j++) c[j] += a * b[j];
                }
            }
        }
    }
}

static void gemm_blocked(int n, const float *A, const float *B, float *C)
{
    memset(C, 0, (size_t)n * n * sizeof *C);
    for (int i0 = 0; i0 < n; i0 += TILE) tile_band(n, i0, i0 + TILE < n ? i0 + TILE : n, A, B, C);
}

static void gemm_blocked_omp(int n, const float *A, const float *B, float *C)
{
    int bands = (n + TILE - 1) / TILE;
#pragma omp parallel for schedule(dynamic, 1)
    for (int t = 0; t < bands; t++) {
        int i0 = t * TILE, i1 = i0 + TILE < n ? i0 + TILE : n;
        memset(C + (size_t)i0 * n, 0, (size_t)(i1 - i0) * n * sizeof *C);
        tile_band(n, i0, i1, A, B, C);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The packed, register-blocked rung. MR x NR accumulators stay in vector registers (6 x 16 floats:
 * 6 AVX-512 or 12 AVX2 registers); KC x NR panels of B stay in L1, MC x KC blocks of A in L2. */
enum { MR = 6, NR = 16, KC = 256, MC = 96, NC = 3072 };

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define KN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KN_CLONES
#endif

/* One row of NR floats as a GCC vector: the compiler maps it onto 1 AVX-512, 2 AVX2 or 4 SSE
 * registers, whichever clone runs. */
typedef float vrow __attribute__((vector_size(NR * sizeof(float))));

KN_CLONES
static void micro_kernel(int kc, const float *restrict a, const float *restrict b, float *restrict c, int ldc, int mr, int nr)
{
    vrow acc[MR] = { 0 };
    for (int k = 0; k < kc; k++) {
        vrow bk = *(const vrow *)(b + (size_t)k * NR); /* packed panels are 64-byte aligned */
        const float *ak = a + (size_t)k * MR;
        for (int i = 0; i < MR; i++) acc[i] += ak[i] * bk;
    }
    for (int i = 0; i < mr; i++) {
        float *ci = c + (size_t)i * ldc;
        if (nr == NR) {
            vrow cv;
            memcpy(&cv, ci, sizeof cv);
            cv += acc[i];
            memcpy(ci, &cv, sizeof cv);
        } else {
            for (int j = 0; j < nr; j++) ci[j] += acc[i][j];
        }
    }
}

/* B[k0:k0+kc, j0:j0+nc] into panels of NR columns, k-major inside a panel, zero-padded. */
static void pack_b(int n, int k0, int kc, int j0, int nc, const float *B, float *bp)
{
    int panels = (nc + NR - 1) / NR;
#pragma omp for schedule(static)
    for (int p = 0; p < panels; p++) {
        float *dst = bp + (size_t)p * kc * NR;
        int jn = nc - p * NR < NR ? nc - p * NR : NR;
        for (int k = 0; k < kc; k++) {
            const float *src = B + (size_t)(k0 + k) * n + j0 + p * NR;
            int j = 0;
            for (; j < jn; j++) dst[(size_t)k * NR + j] = src[j];
            for (; j < NR; j++) dst[(size_t)k * NR + j] = 0;
        }
    }
}

/* A[i0:i0+mc, k0:k0+kc] into panels of MR rows, k-major inside a panel, zero-padded. */
static void pack_a(int n, int i0, int mc, int k0, int kc, const float *A, float *ap)
{
    for (int p = 0; p * MR < mc; p++) {
        float *dst = ap + (size_t)p * kc * MR;
        int in = mc - p * MR < MR ? mc - p * MR : MR;
        for (int k = 0; k < kc; k++)
            for (int i = 0; i < MR; i++) dst[(size_t)k * MR + i] = i < in ? A[(size_t)(i0 + p * MR + i) * n + k0 + k] : 0;
    }
}

static void gemm_simd_omp(int n, const float *A, const float *B, float *C)
{
    size_t bsize = (size_t)KC * ((NC + NR - 1) / NR * NR);
    float *bp = kn_alloc(bsize * sizeof *bp);
    int nt = omp_get_max_threads();
    float *apool = kn_alloc((size_t)nt * KC * ((MC + MR - 1) / MR * MR) * sizeof *apool);
    if (!bp || !apool) { /* not enough memory for the packed panels: the unpacked tiles do the work */
        kn_free(bp), kn_free(apool);
        gemm_blocked_omp(n, A, B, C);
        return;
    }
#pragma omp parallel
    {
        float *ap = apool + (size_t)omp_get_thread_num() * KC * ((MC + MR - 1) / MR * MR);
        int blocks = (n + MC - 1) / MC;
#pragma omp for schedule(static)
        for (int b = 0; b < blocks; b++)
            memset(C + (size_t)b * MC * n, 0, (size_t)(n - b * MC < MC ? n - b * MC : MC) * n * sizeof *C);
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = n - j0 < NC ? n - j0 : NC;
            for (int k0 = 0; k0 < n; k0 += KC) {
                int kc = n - k0 < KC ? n - k0 : KC;
                pack_b(n, k0, kc, j0, nc, B, bp); /* ends with the barrier of its omp for */
#pragma omp for schedule(dynamic, 1)
                for (int b = 0; b < blocks; b++) {
                    int i0 = b * MC, mc = n - i0 < MC ? n - i0 : MC;
                    pack_a(n, i0, mc, k0, kc, A, ap);
                    for (int jp = 0; jp * NR < nc; jp++)
                        for (int ip = 0; ip * MR < mc; ip++) {
                            int mr = mc - ip * MR < MR ? mc - ip * MR : MR, nr = nc - jp * NR < NR ? nc - jp * NR : NR;
                            micro_kernel(kc, ap + (size_t)ip * kc * MR, bp + (size_t)jp * kc * NR,
                                         C + (size_t)(i0 + ip * MR) * n + j0 + jp * NR, n, mr, nr);
                        }
                }
            }
        }
    }
    kn_free(bp);
    kn_free(apool);
}

static void gemm_sgemm(int n, const float *A, const float *B, float *C)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
}

/* ------------------------------------------------------------------------------------------ */
static const struct {
    const char *name, *label;
    void (*fn)(int, const float *, const float *, float *);
} rungs[KN_RUNGS] = {
    { "naive", N_("triple loop i, j, k"), gemm_naive },
    { "reorder", N_("loops i, k, j: unit stride"), gemm_reorder },
    { "blocked", N_("cache tiles: 64 x 64 of A, 64 x 256 of B"), gemm_blocked },
    { "blocked_omp", N_("tiles + OpenMP threads"), gemm_blocked_omp },
    { "simd_omp", N_("packed panels + vectorised micro-kernel + OpenMP"), gemm_simd_omp },
    { "sgemm", N_("OpenBLAS sgemm"), gemm_sgemm },
};

const char *kn_rung_name(kn_rung r) { return r < KN_RUNGS ? rungs[r].name : "?"; }
const char *kn_rung_label(kn_rung r) { return r < KN_RUNGS ? rungs[r].label : "?"; }

void kn_gemm(kn_rung r, int n, const float *A, const float *B, float *C) { rungs[r].fn(n, A, B, C); }

double kn_max_rel_diff(const float *x, const float *ref, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)x[i] - ref[i]) / (fabs((double)ref[i]) + 1);
        if (!(d <= worst)) worst = d; /* a NaN is the worst */
    }
    return worst;
}

/* Single-precision sums of n products in different orders differ by about sqrt(n) ulps; n ulps
 * (relative to |ref| + 1) is generous for correct code and far below what a wrong index gives. */
double kn_gemm_tolerance(int n) { return 1.2e-7 * (n > 16 ? n : 16); }

void kn_gemm_time(kn_rung r, int n, const float *A, const float *B, float *C, double min_s, kn_timing *t)
{
    double start = kn_now(), best = INFINITY;
    int reps = 0;
    do {
        double t0 = kn_now();
        kn_gemm(r, n, A, B, C);
        double dt = kn_now() - t0;
        if (dt < best) best = dt;
        reps++;
    } while (kn_now() - start < min_s);
    t->seconds = best;
    t->reps = reps;
    t->gflops = best > 0 ? 2.0 * n * (double)n * n / best * 1e-9 : 0;
}
