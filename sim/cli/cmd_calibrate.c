/* cmd_calibrate.c: `usine calibrate`: measure this computer with the real kernels (OpenBLAS sgemm,
 * STREAM triad) and write it as a platform file, the preset 'local', so that `usine predict
 * --platform local` answers for the student's own machine.
 *
 * The file says one node whose CPU plays the accelerator. What was measured goes in <source>
 * lines; every figure that was not measured (fp64 as half of fp32, the power, the placeholder
 * network, the PUE) carries an <assumption> in French and in English, as the presets do. The XML
 * is produced by libxml2's writer (so the CPU name is escaped), checked with the project's own
 * loader, and only then put in place by a rename: a failed or interrupted run leaves the previous
 * file untouched and no half-written one. */
#include "cli.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Assumed power per core when RAPL is not readable: a desktop or laptop CPU draws 10 to 20 W per
 * core under an all-core vector load; 15 W is the middle, and the file says it is an assumption. */
#define ASSUMED_W_PER_CORE 15.0

typedef struct calib_opts {
    const char *out;      /* NULL: the user data folder's local.xml */
    int threads;          /* 0: one per core */
    int quick, json;
    int force;            /* write the profile even when the machine was busy */
} calib_opts;

typedef struct calib {
    kn_cpu cpu;
    int threads, used_cores;          /* threads asked; cores they can occupy (min(threads, cores)) */
    double nominal_gflops;            /* peak of the cores used at the detected clock */
    double per_core_gflops;           /* peak per core written to the file (raised if sgemm beat it) */
    int peak_raised;
    double implied_ghz;               /* clock that the measured sgemm implies when it beat the peak */
    int sgemm_n, sgemm_reps;
    double sgemm_gflops, matmul_eff;
    size_t stream_n;
    int stream_trials, stream_shrunk;
    double triad_gbs;
    double tdp_w;
    int tdp_from_rapl, rapl_packages;
    char date[32];
    double cpu_s, asked_s;            /* processor time the kernels got, and what their threads asked for */
    double load1;                     /* the load average over a minute before measuring (-1: unknown) */
} calib;

/* Below the first share of the processor the kernels asked for, the figures are a busy machine's
 * and no profile is written without --force; below the second, it is written with a warning.
 * An idle machine gives 0.9 to 1 (the measurement counts only the parallel kernels). */
#define BUSY_REFUSE 0.5
#define BUSY_WARN 0.75

/* What one parallel kernel got of the processor: its CPU time, and its wall time x threads. */
static void meter_add(calib *c, double wall0, double cpu0, int threads)
{
    c->cpu_s += ut_cpu_s() - cpu0;
    c->asked_s += (ut_now_s() - wall0) * threads;
}

static double cpu_share(const calib *c) { return c->asked_s > 0 ? fmin(1, c->cpu_s / c->asked_s) : 1; }

/* How busy the machine was, in words: the share of the processor, and the load average when known. */
static void busy_words(const calib *c, char *buf, size_t size)
{
    char a[32], b[32];
    if (c->load1 >= 0)
        snprintf(buf, size, _("the kernels got %s %% of the processor they asked for; the load average was %s on %d cores before measuring"),
                 app_num(a, sizeof a, 100 * cpu_share(c), 0), app_num(b, sizeof b, c->load1, 1), c->cpu.cores);
    else
        snprintf(buf, size, _("the kernels got %s %% of the processor they asked for"), app_num(a, sizeof a, 100 * cpu_share(c), 0));
}

static void calibrate_usage(FILE *out)
{
    fprintf(out, "%s", _("Usage: usine calibrate [--out FILE] [--threads N] [--quick] [--force] [--json]\n"
                         "Measure this computer with the real kernels (OpenBLAS sgemm, STREAM triad) and write it as a\n"
                         "platform file: by default $XDG_DATA_HOME/usine/local.xml (else ~/.local/share/usine/local.xml),\n"
                         "which every command then knows as '--platform local'.\n"
                         "  --out FILE     write there instead (its folder must exist)\n"
                         "  --threads N    compute threads (default: one per core)\n"
                         "  --quick        small sizes, a few seconds: figures for tests, not for predictions\n"
                         "  --force        write the profile even if another program held the processor\n"
                         "  --json         the measured figures as JSON\n"));
}

/* Returns -1 when the arguments are fine, else the exit status. */
static int calibrate_parse(int argc, char **argv, calib_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { calibrate_usage(stdout); return CLI_OK; }
        if (!strcmp(a, "--quick")) { o->quick = 1; continue; }
        if (!strcmp(a, "--json")) { o->json = 1; continue; }
        if (!strcmp(a, "--force")) { o->force = 1; continue; }
        if (strncmp(a, "--", 2)) {
            cli_error(_("unexpected argument '%s'; see 'usine %s --help'"), a, "calibrate");
            return CLI_BAD_INPUT;
        }
        if (strcmp(a, "--out") && strcmp(a, "--threads")) {
            cli_error(_("unknown option '%s' for 'usine %s'; see 'usine %s --help'"), a, "calibrate", "calibrate");
            return CLI_BAD_INPUT;
        }
        if (i + 1 >= argc) {
            cli_error(_("%s needs a value; see 'usine %s --help'"), a, "calibrate");
            return CLI_BAD_INPUT;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--out")) {
            if (!*v) {
                cli_error(_("%s needs a value; see 'usine %s --help'"), a, "calibrate");
                return CLI_BAD_INPUT;
            }
            o->out = v;
        } else {
            long n;
            if (ut_parse_long(v, 1, 4096, &n) != 0) {
                cli_error(_("%s takes a whole number from %ld to %ld, not '%s'"), a, 1L, 4096L, v);
                return CLI_BAD_INPUT;
            }
            o->threads = (int)n;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Where the file goes */

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p with mode 0700, as the XDG base directory specification asks for the folders a program
 * creates; folders that exist are left as they are. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (ut_strlcpy(buf, path, sizeof buf) >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST) return -1;
    return is_dir(buf) ? 0 : (errno = ENOTDIR, -1);
}

/* Decide the target path and check, before measuring, that it can be written: the folder
 * exists (or, for the default location, can be made) and is writable, and the target is not a
 * folder. Returns 0, or prints why and returns -1. */
static int target_path(const calib_opts *o, char *path, size_t size)
{
    char dir[PATH_MAX];
    if (!o->out) {
        if (app_user_data_dir(dir, sizeof dir) != 0) {
            cli_error(_("neither XDG_DATA_HOME nor HOME is set: give the file to write with --out FILE"));
            return -1;
        }
        if (make_dirs(dir) != 0) {
            cli_error(_("cannot create the folder '%s': %s"), dir, strerror(errno));
            return -1;
        }
        snprintf(path, size, "%s/local.xml", dir);
    } else {
        if (ut_strlcpy(path, o->out, size) >= size) {
            cli_error(_("cannot write '%s': %s"), o->out, strerror(ENAMETOOLONG));
            return -1;
        }
        const char *slash = strrchr(path, '/');
        if (!slash) ut_strlcpy(dir, ".", sizeof dir);
        else if (slash == path) ut_strlcpy(dir, "/", sizeof dir);
        else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        if (slash && !slash[1]) {
            cli_error(_("cannot write '%s': %s"), o->out, strerror(EISDIR));
            return -1;
        }
        if (!is_dir(dir)) {
            if (access(dir, F_OK) == 0) cli_error(_("cannot write '%s': %s"), o->out, strerror(ENOTDIR));
            else cli_error(_("cannot write '%s': the folder '%s' does not exist"), o->out, dir);
            return -1;
        }
    }
    if (is_dir(path)) {
        cli_error(_("cannot write '%s': %s"), path, strerror(EISDIR));
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        cli_error(_("cannot write '%s': %s"), path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Measuring */

/* MemAvailable of /proc/meminfo in bytes, 0 if unknown. */
static double available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    double kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

/* The package power limits of RAPL (constraint 0, the long-term limit that firmware sets to the
 * TDP), summed over packages; 0 if powercap is absent or unreadable (some kernels restrict it). */
static double rapl_watts(int *packages)
{
    double total = 0;
    *packages = 0;
    for (int i = 0; i < 64; i++) {
        char path[128], name[64] = "";
        snprintf(path, sizeof path, "/sys/class/powercap/intel-rapl:%d/name", i);
        FILE *f = fopen(path, "r");
        if (!f) break;
        if (!fgets(name, sizeof name, f)) name[0] = '\0';
        fclose(f);
        if (strncmp(name, "package", 7)) continue;
        snprintf(path, sizeof path, "/sys/class/powercap/intel-rapl:%d/constraint_0_power_limit_uw", i);
        f = fopen(path, "r");
        if (!f) continue;
        double uw = 0;
        if (fscanf(f, "%lf", &uw) == 1 && uw > 0 && uw < 1e10) total += uw * 1e-6, (*packages)++;
        fclose(f);
    }
    return total;
}

static int measure_sgemm(calib *c, int quick)
{
    int n = c->sgemm_n;
    size_t elems = (size_t)n * (size_t)n;
    float *A = kn_alloc(elems * sizeof *A), *B = kn_alloc(elems * sizeof *B), *C = kn_alloc(elems * sizeof *C);
    if (!A || !B || !C) {
        kn_free(A), kn_free(B), kn_free(C);
        cli_error(_("not enough memory for the sgemm measurement (3 matrices of %d x %d)"), n, n);
        return -1;
    }
    kn_fill(A, elems, 1);
    kn_fill(B, elems, 2);
    kn_gemm(KN_SGEMM, n, A, B, C);      /* warm-up: OpenBLAS starts its threads, pages are touched */
    kn_timing t;
    double w0 = ut_now_s(), c0 = ut_cpu_s();
    kn_gemm_time(KN_SGEMM, n, A, B, C, quick ? 0.15 : 2.0, &t);
    meter_add(c, w0, c0, c->used_cores);
    kn_free(A), kn_free(B), kn_free(C);
    c->sgemm_gflops = t.gflops;
    c->sgemm_reps = t.reps;
    return t.gflops > 0 ? 0 : -1;
}

/* STREAM's rule: each array at least 4 times the last-level cache, and at least 2^24 elements.
 * The three arrays may use at most half of the memory available now. */
static int measure_stream(calib *c, int quick)
{
    size_t n = kn_stream_elements(&c->cpu, 0);
    c->stream_trials = 5;
    if (quick) n = (size_t)1 << 21, c->stream_trials = 3;
    double avail = available_bytes();
    if (!(avail > 0)) avail = c->cpu.memory_bytes;
    size_t fit = kn_stream_elements(&c->cpu, avail / 2); /* the three arrays in half of what is free */
    if (!quick && fit < n) {
        if (fit < ((size_t)1 << 24)) {
            char a[48];
            cli_error(_("not enough free memory for STREAM: 3 arrays of %s are needed, %s is available"),
                      app_bytes(a, sizeof a, (double)((size_t)1 << 24) * sizeof(double)),
                      app_bytes((char[48]){ 0 }, 48, avail));
            return -1;
        }
        n = fit, c->stream_shrunk = 1;
    }
    char a[48];
    cli_progress(_("measuring memory bandwidth (STREAM triad, 3 arrays of %s)...\n"),
             app_bytes(a, sizeof a, (double)n * sizeof(double)));
    kn_stream_result r;
    double w0 = ut_now_s(), c0 = ut_cpu_s();
    int failed = kn_stream(n, c->stream_trials, &r) != 0;
    meter_add(c, w0, c0, c->used_cores);
    if (failed) {
        cli_error(_("not enough memory for STREAM (3 arrays of %s)"), app_bytes(a, sizeof a, (double)n * sizeof(double)));
        return -1;
    }
    if (!(r.max_error < 1e-9) || !(r.gbs[3] > 0)) {
        cli_error(_("STREAM's arrays do not hold the expected values (error %s): the measurement is not trusted"),
                  app_g(a, sizeof a, r.max_error));
        return -1;
    }
    c->stream_n = n;
    c->triad_gbs = r.gbs[3];
    return 0;
}

/* The peak and the matrix efficiency. The peak of the clock (measured under load where the CPU
 * allows, else cpufreq's maximum or the clock /proc/cpuinfo shows in a virtual machine) can be beaten by turbo or by a VM that shows
 * the base clock. Capping the efficiency at 1 would then make the training model slower than the
 * measured sgemm, since it uses peak x efficiency; so the peak is raised to the measured rate and
 * the clock it implies is stated: peak x efficiency stays equal to the measurement either way. */
static void derive(calib *c)
{
    const kn_cpu *cpu = &c->cpu;
    c->used_cores = c->threads < cpu->cores ? c->threads : cpu->cores;
    c->nominal_gflops = c->used_cores * cpu->ghz * cpu->flops_per_cycle;
    c->per_core_gflops = cpu->ghz * cpu->flops_per_cycle;
    if (c->sgemm_gflops > c->nominal_gflops) {
        c->peak_raised = 1;
        c->per_core_gflops = c->sgemm_gflops / c->used_cores;
        c->implied_ghz = c->per_core_gflops / cpu->flops_per_cycle;
        c->matmul_eff = 1.0;
    } else {
        c->matmul_eff = c->sgemm_gflops / c->nominal_gflops;
    }
    c->tdp_w = rapl_watts(&c->rapl_packages);
    c->tdp_from_rapl = c->tdp_w > 0;
    if (!c->tdp_from_rapl) c->tdp_w = ASSUMED_W_PER_CORE * cpu->cores;
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || !strftime(c->date, sizeof c->date, "%Y-%m-%d", &tm)) ut_strlcpy(c->date, "?", sizeof c->date);
}

/* ------------------------------------------------------------------------------------------ */
/* Writing */

/* A number in the text of a note, with the decimal mark of the note's language (the file holds
 * both notes, whatever the interface's language) and no grouping, as the notes always had. */
static const char *fmt_num(char *buf, size_t size, double v, int decimals, int french)
{
    ut_numstyle st = { .mark = french ? "," : ".", .group = "", .decimals = decimals };
    return ut_fmt_num(buf, size, v, &st);
}

/* The CPU's name as /proc/cpuinfo gives it, with anything but printable ASCII replaced, so that
 * the file is valid UTF-8 whatever the kernel reports; the writer escapes &, <, > and quotes. */
static void clean_model(char *out, size_t size, const char *model)
{
    size_t o = 0;
    for (const char *s = model; *s && o + 1 < size; s++) out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    out[o] = '\0';
    while (o && out[o - 1] == ' ') out[--o] = '\0';
    if (!o) ut_strlcpy(out, "unknown CPU", size);
}

typedef struct xw {
    xmlTextWriterPtr w;
    int failed;
} xw;

static void xw_check(xw *x, int rc) { if (rc < 0) x->failed = 1; }
static void xw_start(xw *x, const char *name) { xw_check(x, xmlTextWriterStartElement(x->w, BAD_CAST name)); }
static void xw_end(xw *x) { xw_check(x, xmlTextWriterEndElement(x->w)); }

static void xw_attr(xw *x, const char *name, const char *value)
{
    xw_check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

static void xw_attrf(xw *x, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void xw_attrf(xw *x, const char *name, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    xw_attr(x, name, buf);
}

/* <name lang="lang">text</name>; lang may be NULL. */
static void xw_text(xw *x, const char *name, const char *lang, const char *text)
{
    xw_start(x, name);
    if (lang) xw_attr(x, "lang", lang);
    xw_check(x, xmlTextWriterWriteString(x->w, BAD_CAST text));
    xw_end(x);
}

static void xw_pair(xw *x, const char *name, const char *fr, const char *en)
{
    xw_text(x, name, "fr", fr);
    xw_text(x, name, "en", en);
}

/* The platform file, as a NUL-terminated buffer that the caller frees with xmlBufferFree. */
static xmlBufferPtr write_xml(const calib *c, int quick)
{
    const kn_cpu *cpu = &c->cpu;
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf) return NULL;
    xw x = { xmlNewTextWriterMemory(buf, 0), 0 };
    if (!x.w) { xmlBufferFree(buf); return NULL; }
    xmlTextWriterSetIndent(x.w, 1);
    xmlTextWriterSetIndentString(x.w, BAD_CAST "  ");

    char model[128], fr[2048], en[2048], a[32], b[32], d[32], e[32];
    clean_model(model, sizeof model, cpu->model);
    double peak_fp32_tflops = cpu->cores * c->per_core_gflops / 1000;
    double memory_gb = cpu->memory_bytes / 1e9;
    double sgemm = c->sgemm_gflops, triad = c->triad_gbs;

    xw_check(&x, xmlTextWriterStartDocument(x.w, NULL, "UTF-8", NULL));
    xw_check(&x, xmlTextWriterWriteComment(x.w, BAD_CAST " This computer, measured by 'usine calibrate'. Run it again rather than edit"
                                                        " this file: a new run replaces it. "));
    xw_start(&x, "platform");
    xw_attr(&x, "version", "1");
    xw_attr(&x, "id", "local");
    xw_attrf(&x, "name", "This computer (%s)", model);

    snprintf(fr, sizeof fr, "Cet ordinateur (processeur %s, %d cœurs, %s), mesuré par usine calibrate le %s%s : un seul nœud, "
             "dont le processeur tient lieu d'accélérateur.", model, cpu->cores, cpu->isa, c->date,
             quick ? " en mode rapide (--quick : petites tailles, chiffres pour les tests et non pour prédire)" : "");
    snprintf(en, sizeof en, "This computer (CPU %s, %d cores, %s), measured by usine calibrate on %s%s: a single node whose "
             "CPU plays the accelerator.", model, cpu->cores, cpu->isa, c->date,
             quick ? " in quick mode (--quick: small sizes, figures for tests, not for predictions)" : "");
    xw_pair(&x, "description", fr, en);

    /* --- the CPU as the accelerator */
    xw_start(&x, "accelerator");
    xw_attr(&x, "id", "cpu");
    xw_attr(&x, "name", model);
    xw_attrf(&x, "memory_gb", "%.4g", memory_gb);
    xw_attrf(&x, "memory_tbs", "%.4g", triad / 1000);
    xw_attrf(&x, "tdp_w", "%.4g", c->tdp_w);
    xw_start(&x, "peak");
    xw_attr(&x, "precision", "fp64");
    xw_attrf(&x, "tflops", "%.4g", peak_fp32_tflops / 2);
    xw_end(&x);
    xw_start(&x, "peak");
    xw_attr(&x, "precision", "fp32");
    xw_attrf(&x, "tflops", "%.4g", peak_fp32_tflops);
    xw_end(&x);
    xw_start(&x, "efficiency");
    xw_attrf(&x, "matmul", "%.4g", c->matmul_eff);
    xw_attr(&x, "memory", "1");
    xw_end(&x);

    snprintf(en, sizeof en, "measured by usine calibrate on %s with %d thread%s: sgemm n=%d, %.1f GFLOP/s; STREAM triad %.1f GB/s "
             "(%zu doubles per array, best of %d trials)%s.", c->date, c->threads, c->threads > 1 ? "s" : "", c->sgemm_n, sgemm, triad, c->stream_n,
             c->stream_trials - 1, quick ? " [--quick: small sizes]" : "");
    xw_text(&x, "source", NULL, en);
    if (cpu->clock_measured)
        snprintf(en, sizeof en,
                 "CPU detected from /proc/cpuinfo and sysfs: %s, %d cores usable by the process, %s; %s. Clock %.3f GHz, measured "
                 "with every thread running a chain of dependent additions (%.3f GHz reported by the system).",
                 model, cpu->cores, cpu->isa, cpu->peak_basis, cpu->ghz, cpu->nominal_ghz);
    else
        snprintf(en, sizeof en, "CPU detected from /proc/cpuinfo and sysfs: %s, %d cores usable by the process, %.3f GHz, %s; %s.",
                 model, cpu->cores, cpu->ghz, cpu->isa, cpu->peak_basis);
    xw_text(&x, "source", NULL, en);

    if (!c->peak_raised) {
        const char *clock_fr = cpu->clock_measured ? "fréquence mesurée avec tous les fils occupés"
                                                   : "fréquence maximale de cpufreq, ou celle de /proc/cpuinfo dans une machine virtuelle";
        const char *clock_en = cpu->clock_measured ? "the clock measured with every thread busy"
                                                   : "cpufreq's maximum clock, or /proc/cpuinfo's in a virtual machine";
        snprintf(fr, sizeof fr, "fp32 = %s TFLOP/s : crête théorique, cœurs × fréquence × FLOP par cycle = %d × %s GHz × %d "
                 "(%s). matmul = %s : sgemm mesuré "
                 "(%s GFLOP/s sur %d cœur(s)) divisé par la crête de ces cœurs (%s GFLOP/s).",
                 fmt_num(a, sizeof a, peak_fp32_tflops, 4, 1), cpu->cores, fmt_num(b, sizeof b, cpu->ghz, 3, 1), cpu->flops_per_cycle,
                 clock_fr, fmt_num(d, sizeof d, c->matmul_eff, 3, 1), fmt_num(e, sizeof e, sgemm, 1, 1), c->used_cores,
                 fmt_num((char[32]){ 0 }, 32, c->nominal_gflops, 1, 1));
        snprintf(en, sizeof en, "fp32 = %s TFLOP/s: the theoretical peak, cores x clock x FLOP per cycle = %d x %s GHz x %d "
                 "(%s). matmul = %s: the measured sgemm "
                 "(%s GFLOP/s on %d core(s)) over the peak of those cores (%s GFLOP/s).",
                 fmt_num(a, sizeof a, peak_fp32_tflops, 4, 0), cpu->cores, fmt_num(b, sizeof b, cpu->ghz, 3, 0), cpu->flops_per_cycle,
                 clock_en, fmt_num(d, sizeof d, c->matmul_eff, 3, 0), fmt_num(e, sizeof e, sgemm, 1, 0), c->used_cores,
                 fmt_num((char[32]){ 0 }, 32, c->nominal_gflops, 1, 0));
    } else {
        snprintf(fr, sizeof fr, "fp32 = %s TFLOP/s : le sgemm mesuré (%s GFLOP/s sur %d cœur(s)) dépasse la crête à la fréquence "
                 "détectée (%d × %s GHz × %d FLOP par cycle = %s GFLOP/s) : turbo, ou machine virtuelle qui montre la fréquence de base. "
                 "La crête est donc relevée au débit mesuré, ce qui revient à une fréquence de %s GHz, et matmul = 1 : le modèle "
                 "d'entraînement utilise crête × rendement, qui reste égal à la mesure (plafonner le rendement à 1 sans relever la "
                 "crête le rendrait plus lent que la mesure).",
                 fmt_num(a, sizeof a, peak_fp32_tflops, 4, 1), fmt_num(e, sizeof e, sgemm, 1, 1), c->used_cores, c->used_cores,
                 fmt_num(b, sizeof b, cpu->ghz, 3, 1), cpu->flops_per_cycle, fmt_num(d, sizeof d, c->nominal_gflops, 1, 1),
                 fmt_num((char[32]){ 0 }, 32, c->implied_ghz, 3, 1));
        snprintf(en, sizeof en, "fp32 = %s TFLOP/s: the measured sgemm (%s GFLOP/s on %d core(s)) beats the peak at the detected "
                 "clock (%d x %s GHz x %d FLOP per cycle = %s GFLOP/s): turbo, or a virtual machine that shows the base clock. The "
                 "peak is therefore raised to the measured rate, which amounts to a %s GHz clock, and matmul = 1: the training model "
                 "uses peak x efficiency, which stays equal to the measurement (capping the efficiency at 1 without raising the peak "
                 "would make it slower than measured).",
                 fmt_num(a, sizeof a, peak_fp32_tflops, 4, 0), fmt_num(e, sizeof e, sgemm, 1, 0), c->used_cores, c->used_cores,
                 fmt_num(b, sizeof b, cpu->ghz, 3, 0), cpu->flops_per_cycle, fmt_num(d, sizeof d, c->nominal_gflops, 1, 0),
                 fmt_num((char[32]){ 0 }, 32, c->implied_ghz, 3, 0));
    }
    xw_pair(&x, "assumption", fr, en);
    if (c->used_cores < cpu->cores) {
        snprintf(fr, sizeof fr, "Mesuré avec %d fil(s) sur %d cœurs : le rendement matmul de ces cœurs est supposé valoir pour "
                 "tous ; le débit mémoire reste celui qui a été mesuré, sans extrapolation, et sous-estime donc probablement celui "
                 "de tous les cœurs.", c->threads, cpu->cores);
        snprintf(en, sizeof en, "Measured with %d thread(s) on %d cores: the matmul efficiency of those cores is assumed to hold "
                 "for all of them; the memory bandwidth is kept as measured, not extrapolated, so it probably underestimates "
                 "that of all the cores.", c->threads, cpu->cores);
        xw_pair(&x, "assumption", fr, en);
    }
    xw_pair(&x, "assumption",
            "fp64 = la moitié de fp32 : mêmes unités vectorielles, deux fois moins de voies par registre. Non mesuré ; le "
            "rendement matmul mesuré en fp32 est supposé valoir aussi en fp64.",
            "fp64 = half of fp32: the same vector units, half as many lanes per register. Not measured; the matmul efficiency "
            "measured in fp32 is assumed to hold in fp64 too.");
    snprintf(fr, sizeof fr, "Pas de crête bf16 ni fp16 : usine calibrate ne mesure que sgemm (fp32)%s. Prédire sur cette "
             "plateforme demande donc --precision fp32.",
             cpu->has_bf16 ? ", et les instructions bf16 de ce processeur ne sont pas mesurées" : ", et ce processeur n'a pas d'instructions bf16");
    snprintf(en, sizeof en, "No bf16 or fp16 peak: usine calibrate measures only sgemm (fp32)%s. Predictions on this platform "
             "therefore need --precision fp32.",
             cpu->has_bf16 ? ", and this CPU's bf16 instructions are not measured" : ", and this CPU has no bf16 instructions");
    xw_pair(&x, "assumption", fr, en);
    snprintf(fr, sizeof fr, "memory_tbs = %s To/s, le débit mesuré par la triade STREAM, et memory = 1 : le débit théorique de "
             "la DRAM (canaux × fréquence des barrettes) ne se lit pas sans droits d'administrateur, donc la mesure tient lieu de "
             "crête%s. memory_gb = toute la mémoire physique, que le processeur partage avec le système.",
             fmt_num(a, sizeof a, triad / 1000, 4, 1),
             c->stream_shrunk ? " ; tableaux réduits pour tenir dans la moitié de la mémoire libre" : "");
    snprintf(en, sizeof en, "memory_tbs = %s TB/s, the bandwidth measured by STREAM triad, and memory = 1: the theoretical DRAM "
             "bandwidth (channels x DIMM speed) is not readable without root, so the measurement stands for the peak%s. "
             "memory_gb = all of the physical memory, which the CPU shares with the system.",
             fmt_num(a, sizeof a, triad / 1000, 4, 0), c->stream_shrunk ? "; arrays shrunk to fit in half of the free memory" : "");
    xw_pair(&x, "assumption", fr, en);
    if (c->tdp_from_rapl) {
        snprintf(fr, sizeof fr, "tdp_w = %s W : limite de puissance à long terme (PL1) de RAPL pour %d boîtier(s) "
                 "(/sys/class/powercap), que le micrologiciel règle d'ordinaire au TDP ; ce n'est pas une mesure de la consommation, "
                 "et le reste de l'ordinateur (mémoire, disque, écran) n'est pas compté.",
                 fmt_num(a, sizeof a, c->tdp_w, 0, 1), c->rapl_packages);
        snprintf(en, sizeof en, "tdp_w = %s W: RAPL's long-term power limit (PL1) of %d package(s) (/sys/class/powercap), which "
                 "firmware usually sets to the TDP; not a measurement of consumption, and the rest of the computer (memory, disk, "
                 "screen) is not counted.", fmt_num(a, sizeof a, c->tdp_w, 0, 0), c->rapl_packages);
    } else {
        snprintf(fr, sizeof fr, "tdp_w = %s W est une hypothèse : %d cœurs × %s W par cœur, car RAPL (/sys/class/powercap) n'est pas "
                 "lisible ici. Le reste de l'ordinateur (mémoire, disque, écran) n'est pas compté.",
                 fmt_num(a, sizeof a, c->tdp_w, 0, 1), cpu->cores, fmt_num(b, sizeof b, ASSUMED_W_PER_CORE, 0, 1));
        snprintf(en, sizeof en, "tdp_w = %s W is an assumption: %d cores x %s W per core, as RAPL (/sys/class/powercap) is not "
                 "readable here. The rest of the computer (memory, disk, screen) is not counted.",
                 fmt_num(a, sizeof a, c->tdp_w, 0, 0), cpu->cores, fmt_num(b, sizeof b, ASSUMED_W_PER_CORE, 0, 0));
    }
    xw_pair(&x, "assumption", fr, en);
    xw_pair(&x, "assumption",
            "Pas de mtbf_h : le taux de pannes d'un seul ordinateur n'est pas connu ; predict ne calcule donc pas les interruptions.",
            "No mtbf_h: the failure rate of a single computer is not known, so predict does not compute interruptions.");
    xw_end(&x);

    /* --- the node */
    xw_start(&x, "node");
    xw_attr(&x, "id", "local");
    xw_attr(&x, "accelerator", "cpu");
    xw_attr(&x, "accelerators", "1");
    xw_start(&x, "cpu");
    xw_attr(&x, "model", model);
    xw_attr(&x, "count", "1");
    xw_attrf(&x, "cores", "%d", cpu->cores);
    xw_attr(&x, "tdp_w", "0");
    xw_end(&x);
    xw_start(&x, "nic");
    xw_attr(&x, "count", "1");
    xw_attr(&x, "gbit_s", "1");
    xw_end(&x);
    xw_pair(&x, "assumption",
            "Le processeur est l'accélérateur : sa puissance est celle de l'accélérateur (tdp_w du <cpu> à 0 pour ne pas la compter "
            "deux fois) et sa mémoire celle de l'accélérateur (pas de memory_gb pour l'hôte). cores compte les cœurs physiques "
            "que le programme peut utiliser (un cœur à deux fils matériels compte une fois). La carte réseau (1 × 1 Gbit/s) est une valeur de remplissage que le format exige : un "
            "seul nœud n'envoie rien sur le réseau.",
            "The CPU is the accelerator: its power is the accelerator's (the <cpu>'s tdp_w is 0 so as not to count it twice) and its "
            "memory the accelerator's (no host memory_gb). cores counts the physical cores the program may run on (a core with two hardware threads counts once). The NIC "
            "(1 x 1 Gbit/s) is a placeholder the format requires: a single node sends nothing over the network.");
    xw_end(&x);

    /* --- a network and a partition: the format wants both, even for one node */
    xw_start(&x, "network");
    xw_attr(&x, "id", "none");
    xw_attr(&x, "name", "No network (one node)");
    xw_attr(&x, "technology", "none");
    xw_attr(&x, "topology", "switch");
    xw_attr(&x, "hop_latency_us", "1");
    xw_pair(&x, "assumption",
            "Réseau de remplissage : le format demande un réseau pour chaque partition, et le plus simple (un commutateur) suffit ; "
            "avec un seul nœud aucune communication ne le traverse, donc ses chiffres (1 Gbit/s, 1 µs) ne comptent pas.",
            "A placeholder network: the format asks for a network for every partition, and the simplest (one switch) will do; "
            "with a single node no communication crosses it, so its figures (1 Gbit/s, 1 µs) do not matter.");
    xw_end(&x);

    xw_start(&x, "partition");
    xw_attr(&x, "id", "local");
    xw_attr(&x, "name", "This computer");
    xw_attr(&x, "node", "local");
    xw_attr(&x, "nodes", "1");
    xw_attr(&x, "network", "none");
    xw_attr(&x, "nodes_per_rack", "1");
    xw_end(&x);

    /* --- the facility */
    xw_start(&x, "facility");
    xw_attr(&x, "pue", "1");
    xw_attr(&x, "carbon_g_per_kwh", "32");
    xw_text(&x, "source", NULL, "French grid carbon intensity: about 32 gCO2e/kWh in 2023 (RTE, eCO2mix annual figure).");
    xw_pair(&x, "assumption",
            "PUE = 1 : un ordinateur de bureau ou portable n'a pas de salle machine à refroidir (la climatisation de la pièce, s'il "
            "y en a, n'est pas comptée). Carbone : le réseau électrique français ; ailleurs, remplacez carbon_g_per_kwh. Pas de prix "
            "de l'électricité : predict ne donne pas de coût.",
            "PUE = 1: a desktop or laptop has no machine room to cool (room air conditioning, if any, is not counted). Carbon: the "
            "French grid; elsewhere, replace carbon_g_per_kwh. No electricity price: predict gives no cost.");
    xw_end(&x);

    xw_end(&x);  /* platform */
    xw_check(&x, xmlTextWriterEndDocument(x.w));
    xmlFreeTextWriter(x.w);
    if (x.failed) {
        xmlBufferFree(buf);
        return NULL;
    }
    return buf;
}

/* Write to a temporary file next to the target, check it with the loader, rename over the target.
 * Returns 0, or prints why and returns the exit status (nothing is left behind). */
static int install_file(const char *path, const xmlBufferPtr buf)
{
    const char *text = (const char *)xmlBufferContent(buf);
    size_t len = (size_t)xmlBufferLength(buf);
    plat_error err;
    plat_platform *p = plat_load_memory(text, len, path, &err);
    if (!p) {
        cli_error(_("the platform written is not valid, nothing was saved (a bug; please report it): %s"), err.msg);
        return CLI_FAILED;
    }
    plat_free(p);

    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp) {
        cli_error(_("cannot write '%s': %s"), path, strerror(ENAMETOOLONG));
        return CLI_BAD_INPUT;
    }
    /* Ctrl-C between mkstemp and rename would leave the temporary file: hold the usual signals
     * for these few milliseconds; they are delivered after, as usual. */
    sigset_t block, saved_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGINT), sigaddset(&block, SIGTERM), sigaddset(&block, SIGHUP), sigaddset(&block, SIGQUIT);
    sigprocmask(SIG_BLOCK, &block, &saved_mask);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int saved = errno;
        sigprocmask(SIG_SETMASK, &saved_mask, NULL);
        cli_error(_("cannot write '%s': %s"), path, strerror(saved));
        return CLI_BAD_INPUT;
    }
    FILE *f = fdopen(fd, "w");
    int ok = f != NULL;
    if (!f) close(fd);
    if (ok) ok = fwrite(text, 1, len, f) == len;
    if (f) ok = (fflush(f) == 0) & ok, ok = (fsync(fileno(f)) == 0) & ok, ok = (fclose(f) == 0) & ok;
    if (ok) ok = chmod(tmp, 0644) == 0;
    if (ok) ok = rename(tmp, path) == 0;
    int saved = errno;
    if (!ok) unlink(tmp);
    sigprocmask(SIG_SETMASK, &saved_mask, NULL);
    if (!ok) {
        cli_error(_("cannot write '%s': %s"), path, strerror(saved));
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Output */

static int is_default_location(const char *path)
{
    char dir[PATH_MAX], want[PATH_MAX];
    if (app_user_data_dir(dir, sizeof dir) != 0) return 0;
    snprintf(want, sizeof want, "%s/local.xml", dir);
    char a[PATH_MAX], b[PATH_MAX];
    return realpath(path, a) && realpath(want, b) && !strcmp(a, b);
}

static void print_json(const calib *c, const char *path, int quick)
{
    cJSON *j = cJSON_CreateObject();
    char real[PATH_MAX];
    cJSON_AddStringToObject(j, "path", realpath(path, real) ? real : path);
    cJSON_AddStringToObject(j, "cpu", c->cpu.model);
    cJSON_AddStringToObject(j, "isa", c->cpu.isa);
    cJSON_AddNumberToObject(j, "cores", c->cpu.cores);
    cJSON_AddNumberToObject(j, "threads", c->threads);
    cJSON_AddNumberToObject(j, "ghz", c->cpu.ghz);
    cJSON_AddNumberToObject(j, "flops_per_cycle", c->cpu.flops_per_cycle);
    cJSON_AddNumberToObject(j, "peak_gflops", c->cpu.cores * c->per_core_gflops);
    cJSON_AddBoolToObject(j, "peak_raised", c->peak_raised);
    cJSON_AddNumberToObject(j, "sgemm_n", c->sgemm_n);
    cJSON_AddNumberToObject(j, "sgemm_gflops", c->sgemm_gflops);
    cJSON_AddNumberToObject(j, "matmul_efficiency", c->matmul_eff);
    cJSON_AddNumberToObject(j, "stream_elements", (double)c->stream_n);
    cJSON_AddNumberToObject(j, "triad_gbs", c->triad_gbs);
    cJSON_AddNumberToObject(j, "memory_gb", c->cpu.memory_bytes / 1e9);
    cJSON_AddNumberToObject(j, "tdp_w", c->tdp_w);
    cJSON_AddBoolToObject(j, "tdp_assumed", !c->tdp_from_rapl);
    cJSON_AddBoolToObject(j, "quick", quick);
    cJSON_AddNumberToObject(j, "cpu_share", cpu_share(c));
    cJSON_AddBoolToObject(j, "busy", cpu_share(c) < BUSY_WARN);
    if (c->load1 >= 0) cJSON_AddNumberToObject(j, "load_average", c->load1);
    cli_print_json(j, "usine.calibrate/1");
}

static void print_text(const calib *c, const char *path, int quick)
{
    const kn_cpu *cpu = &c->cpu;
    char a[48], b[48], d[48], e[48];
    printf(_("This computer: %s, %d cores, %s\n"), cpu->model, cpu->cores, cpu->isa);
    printf(_("  peak fp32      %s GFLOP/s = %d cores x %s GHz x %d FLOP/cycle\n"), app_num(a, sizeof a, cpu->cores * cpu->ghz * cpu->flops_per_cycle, 1),
           cpu->cores, app_num(b, sizeof b, cpu->ghz, 2), cpu->flops_per_cycle);
    printf(P_("  sgemm          %s GFLOP/s (OpenBLAS, n = %d, %d thread), %s %% of the peak of the cores used\n",
              "  sgemm          %s GFLOP/s (OpenBLAS, n = %d, %d threads), %s %% of the peak of the cores used\n", c->threads),
           app_num(a, sizeof a, c->sgemm_gflops, 1), c->sgemm_n, c->threads,
           app_num(b, sizeof b, 100 * c->sgemm_gflops / c->nominal_gflops, 1));
    if (c->peak_raised)
        printf(_("                 above the peak (turbo?): the peak written is the measured rate (%s GHz), efficiency 1\n"),
               app_num(a, sizeof a, c->implied_ghz, 2));
    printf(_("  STREAM triad   %s GB/s (3 arrays of %s)\n"), app_num(a, sizeof a, c->triad_gbs, 1),
           app_bytes(b, sizeof b, (double)c->stream_n * sizeof(double)));
    if (c->tdp_from_rapl) printf(_("  power          %s W (RAPL package limit)\n"), app_num(a, sizeof a, c->tdp_w, 0));
    else printf(_("  power          %s W (assumed: %s W per core, RAPL not readable)\n"), app_num(a, sizeof a, c->tdp_w, 0),
                app_num(b, sizeof b, ASSUMED_W_PER_CORE, 0));
    printf(_("  written        fp32 %s TFLOP/s, fp64 %s TFLOP/s, matmul efficiency %s, memory %s TB/s\n"),
           app_num(a, sizeof a, cpu->cores * c->per_core_gflops / 1000, 4), app_num(b, sizeof b, cpu->cores * c->per_core_gflops / 2000, 4),
           app_num(d, sizeof d, c->matmul_eff, 3), app_num(e, sizeof e, c->triad_gbs / 1000, 4));
    if (quick) printf("%s", _("  (--quick: small sizes; run without --quick before predicting)\n"));
    if (cpu_share(c) < BUSY_WARN) {
        char why[256];
        busy_words(c, why, sizeof why);
        printf(_("  warning        a busy machine: %s; the figures are below this computer's at rest\n"), why);
    }
    printf(_("Wrote %s\n"), path);
    const char *plat = is_default_location(path) ? "local" : path;
    printf(_("Try:\n  usine platform show %s\n"
             "  usine predict --platform %s --layers 12 --hidden 768 --heads 12 --vocab 50257 --seq 1024 --gpus 1 --gbs 8 --precision fp32\n"
             "(the shape of GPT-2 small, 124 million parameters, in fp32: a CPU has no bf16 peak here; the smallest preset,\n"
             "--model megatron-1.7b, needs about 28 GiB of memory in fp32)\n"),
           plat, plat);
}

/* A busy machine's figures are not this computer's: say so, and write nothing unless --force. */
static int busy_refused(const calib *c, const calib_opts *o, const char *path)
{
    if (cpu_share(c) >= BUSY_REFUSE || o->force) return 0;
    char why[256];
    busy_words(c, why, sizeof why);
    cli_error(_("another program held the processor while measuring (%s): the figures would be below this computer's at rest, "
                "so %s was not written; run it again on an idle machine, or give --force to write them anyway"), why, path);
    return 1;
}

/* ------------------------------------------------------------------------------------------ */

int cmd_calibrate(int argc, char **argv)
{
    calib_opts o;
    int rc = calibrate_parse(argc, argv, &o);
    if (rc >= 0) return rc;

    char path[PATH_MAX];
    if (target_path(&o, path, sizeof path) != 0) return CLI_BAD_INPUT;

    calib c;
    memset(&c, 0, sizeof c);
    kn_cpu_detect(&c.cpu);
    c.threads = o.threads ? o.threads : c.cpu.cores;
    c.used_cores = c.threads < c.cpu.cores ? c.threads : c.cpu.cores;
    double load[1];
    c.load1 = getloadavg(load, 1) == 1 ? load[0] : -1;
    kn_set_threads(c.threads);
    kn_cpu_measure_clock(&c.cpu); /* the clock under load, not the base clock a VM shows */
    c.sgemm_n = o.quick ? 512 : c.cpu.cores >= 16 ? 4096 : 2048;

    cli_progress(_("measuring sgemm (OpenBLAS, n = %d, %d threads)...\n"), c.sgemm_n, c.threads);
    if (measure_sgemm(&c, o.quick) != 0) return CLI_FAILED;
    if (measure_stream(&c, o.quick) != 0) return CLI_FAILED;
    derive(&c);
    if (busy_refused(&c, &o, path)) return CLI_FAILED;

    xmlBufferPtr buf = write_xml(&c, o.quick);
    if (!buf) {
        cli_error(_("cannot produce the platform file (libxml2's writer failed)"));
        return CLI_FAILED;
    }
    rc = install_file(path, buf);
    xmlBufferFree(buf);
    if (rc != CLI_OK) return rc;

    if (o.json) print_json(&c, path, o.quick);
    else print_text(&c, path, o.quick);
    return CLI_OK;
}
