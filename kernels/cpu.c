/* cpu.c: what this computer is (cores, clock, vector width, peak), the thread count shared by
 * OpenMP and OpenBLAS, aligned allocation and deterministic data. */
#define _GNU_SOURCE
#include "kn.h"

#include <cblas.h>
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N_(s) s /* marks text that the command line translates (xgettext finds it) */

/* The kernels' own monotonic clock, the same as util.h's ut_now_s: libkernels.a links below the
 * core and depends on nothing of Usine's, so it cannot call it. */
double kn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void *kn_alloc(size_t bytes)
{
    void *p = NULL;
    if (bytes == 0) bytes = 64;
    if (posix_memalign(&p, 64, (bytes + 63) / 64 * 64) != 0) return NULL;
    return p;
}

void kn_free(void *p) { free(p); }

/* splitmix64: a counter-based generator, so that value i depends only on (seed, i). */
static unsigned long long mix(unsigned long long z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void kn_fill(float *x, size_t n, unsigned long long seed)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] = (float)((double)(mix(seed * 0x100000001B3ULL + i) >> 11) * 0x1p-52 - 1.0);
}

/* ------------------------------------------------------------------------------------------ */
static int g_threads;

void kn_set_threads(int n)
{
    if (n < 1) n = 1;
    g_threads = n;
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}

int kn_threads(void) { return g_threads ? g_threads : omp_get_max_threads(); }

int kn_process_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* A "key : value" line of /proc/cpuinfo (first occurrence). */
static int cpuinfo(const char *key, char *out, size_t size)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return -1;
    char line[4096];
    int found = -1;
    size_t kl = strlen(key);
    while (found < 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) || (line[kl] != ' ' && line[kl] != '\t' && line[kl] != ':')) continue;
        char *v = strchr(line, ':');
        if (!v) continue;
        for (v++; *v == ' ' || *v == '\t'; v++) {}
        v[strcspn(v, "\n")] = 0;
        snprintf(out, size, "%s", v);
        found = 0;
    }
    fclose(f);
    return found;
}

/* The number a sysfs file holds; -1 if the file is missing or holds none. */
static double read_number(const char *path)
{
    FILE *f = fopen(path, "r");
    double v = -1;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1) v = -1;
        fclose(f);
    }
    return v;
}

static int has_flag(const char *flags, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = flags; (p = strstr(p, flag)); p += n)
        if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return 1;
    return 0;
}

/* Cores this process may run on, counting a core once however many hardware threads it has
 * (two hyperthreads share one core's vector units). Logical CPUs in *logical. */
static int physical_cores(int *logical)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return *logical = n > 0 ? (int)n : 1;
    }
    *logical = CPU_COUNT(&set);
    long seen[CPU_SETSIZE];
    int cores = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set)) continue;
        char path[128];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        double core = read_number(path);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
        double package = read_number(path);
        if (core < 0 || package < 0) return *logical; /* no topology: count logical CPUs */
        long key = (long)package * 100000 + (long)core;
        int dup = 0;
        for (int i = 0; i < cores && !dup; i++) dup = seen[i] == key;
        if (!dup) seen[cores++] = key;
    }
    return cores > 0 ? cores : *logical;
}

void kn_cpu_detect(kn_cpu *c)
{
    memset(c, 0, sizeof *c);
    c->cores = physical_cores(&c->logical);
    if (cpuinfo("model name", c->model, sizeof c->model) != 0) snprintf(c->model, sizeof c->model, "unknown CPU");

    /* Clock: the highest frequency cpufreq allows, else what /proc/cpuinfo reports (VMs). */
    double khz = read_number("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
    char buf[4096];
    if (khz > 0) c->ghz = khz * 1e-6;
    else if (cpuinfo("cpu MHz", buf, sizeof buf) == 0) c->ghz = atof(buf) * 1e-3;
    if (!(c->ghz > 0)) c->ghz = 1.0;

    /* Vector width and FMA units. x86: from the CPU flags. One or two FMA pipes is not in the
     * flags; the rule follows the vendors' optimisation manuals for recent cores. */
    char flags[4096] = "", vendor[64] = "", family[16] = "";
    cpuinfo("flags", flags, sizeof flags);
    cpuinfo("vendor_id", vendor, sizeof vendor);
    cpuinfo("cpu family", family, sizeof family);
    int amd = strstr(vendor, "AMD") != NULL, fam = atoi(family);
    char features[4096] = "";
    cpuinfo("Features", features, sizeof features); /* Arm's name for the flags */
    c->has_bf16 = has_flag(flags, "avx512_bf16") || has_flag(flags, "amx_bf16") || has_flag(features, "bf16");
    if (has_flag(flags, "avx512f")) {
        snprintf(c->isa, sizeof c->isa, "avx512");
        if (amd && fam < 26) {
            c->flops_per_cycle = 32;
            c->peak_basis = N_("AVX-512 on AMD Zen 4: 512-bit FMAs on two 256-bit pipes, 32 FLOP/cycle");
        } else {
            c->flops_per_cycle = 64;
            c->peak_basis = N_("AVX-512: 16 lanes x 2 (FMA) x 2 FMA units (assumed), 64 FLOP/cycle");
        }
    } else if (has_flag(flags, "avx2") && has_flag(flags, "fma")) {
        snprintf(c->isa, sizeof c->isa, "avx2+fma");
        c->flops_per_cycle = 32;
        c->peak_basis = N_("AVX2 with FMA: 8 lanes x 2 (FMA) x 2 FMA units, 32 FLOP/cycle");
    } else if (has_flag(flags, "avx")) {
        snprintf(c->isa, sizeof c->isa, "avx");
        c->flops_per_cycle = 16;
        c->peak_basis = N_("AVX without FMA: 8 lanes x (1 add + 1 multiply), 16 FLOP/cycle");
    } else if (flags[0]) {
        snprintf(c->isa, sizeof c->isa, "sse2");
        c->flops_per_cycle = 8;
        c->peak_basis = N_("SSE2: 4 lanes x (1 add + 1 multiply), 8 FLOP/cycle");
    } else {
#if defined(__aarch64__)
        snprintf(c->isa, sizeof c->isa, "neon");
        c->flops_per_cycle = 16;
        c->peak_basis = N_("Arm NEON: 4 lanes x 2 (FMA) x 2 pipes (assumed), 16 FLOP/cycle");
#else
        snprintf(c->isa, sizeof c->isa, "scalar");
        c->flops_per_cycle = 2;
        c->peak_basis = N_("unknown vector unit: 2 FLOP/cycle assumed");
#endif
    }
    c->peak_gflops = c->cores * c->ghz * c->flops_per_cycle;

    long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (l3 <= 0) l3 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    c->l3_bytes = l3 > 0 ? (double)l3 : 0;
    c->memory_bytes = kn_memory_bytes();
}

double kn_memory_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    return pages > 0 && psize > 0 ? (double)pages * (double)psize : 0;
}

/* The clock under load, measured: every thread runs a chain of dependent integer additions, one
 * cycle each on every x86 core since the Pentium, so additions per second are cycles per second.
 * All threads at once, as the kernels run, so that the all-core boost is what is measured. */
int kn_cpu_measure_clock(kn_cpu *c)
{
#if defined(__x86_64__) && defined(__GNUC__)
    const long iters = 4000000;
    double sum = 0;
    int threads = 0;
#pragma omp parallel reduction(+ : sum, threads)
    {
        double best = 0;
        for (int rep = 0; rep < 5; rep++) {
            long x = 0;
            double t0 = kn_now();
            for (long i = 0; i < iters; i++)
                __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                                 "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                                 : "+r"(x));
            double ghz = 8.0 * iters / (kn_now() - t0) * 1e-9;
            if (ghz > best) best = ghz;
        }
        sum += best, threads++;
    }
    double ghz = sum / threads;
    if (!(ghz > 0.2 && ghz < 8)) return -1;
    c->nominal_ghz = c->ghz;
    c->ghz = ghz;
    c->clock_measured = 1;
    c->peak_gflops = c->cores * c->ghz * c->flops_per_cycle;
    return 0;
#else
    (void)c;
    return -1;
#endif
}

double kn_amdahl_fit(const int *p, const double *s, int n)
{
    /* 1/S - 1/p = f (1 - 1/p): one unknown, least squares through the origin. */
    double num = 0, den = 0;
    for (int i = 0; i < n; i++) {
        if (!(s[i] > 0) || p[i] < 1) continue;
        double x = 1 - 1.0 / p[i], y = 1 / s[i] - 1.0 / p[i];
        num += x * y, den += x * x;
    }
    if (!(den > 0)) return 0;
    double f = num / den;
    return f < 0 ? 0 : f > 1 ? 1 : f;
}
