/* tl.c: timeline storage, queries and Chrome trace export; see tl.h. */
#include "tl.h"
#include "util.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

tl *tl_create(int gpus, int links, int detail)
{
    tl *t = ut_calloc(1, sizeof *t);
    t->gpus = gpus;
    t->links = links;
    t->detail = detail;
    t->link_bytes = ut_calloc((size_t)(links > 0 ? links : 1), sizeof *t->link_bytes);
    t->link_t = ut_calloc((size_t)(links > 0 ? links : 1), sizeof *t->link_t);
    t->link_Bps = ut_calloc((size_t)(links > 0 ? links : 1), sizeof *t->link_Bps);
    if (detail) {
        t->samples = ut_calloc((size_t)links, sizeof *t->samples);
        t->nsamples = ut_calloc((size_t)links, sizeof *t->nsamples);
        t->cap_samples = ut_calloc((size_t)links, sizeof *t->cap_samples);
    }
    return t;
}

void tl_destroy(tl *t)
{
    if (!t) return;
    for (int i = 0; t->samples && i < t->links; i++) free(t->samples[i]);
    for (int i = 0; i < t->ntasks; i++) free(t->labels[i]);
    free(t->samples);
    free(t->nsamples);
    free(t->cap_samples);
    free(t->link_bytes);
    free(t->link_t);
    free(t->link_Bps);
    free(t->bins);
    free(t->labels);
    free(t->phases);
    free(t->iv);
    free(t->gpu_first);
    free(t->gpu_max_end);
    free(t);
}

void tl_set_label(tl *t, int task, const char *label)
{
    if (task < 0) return;
    if (task >= t->ntasks) {
        size_t cap = t->cap_labels;
        ut_grow(&t->labels, &t->cap_labels, (size_t)task + 1, sizeof *t->labels);
        if (t->cap_labels != cap) t->phases = ut_realloc(t->phases, t->cap_labels);
        for (int i = t->ntasks; i <= task; i++) t->labels[i] = NULL, t->phases[i] = TL_PHASE_NONE;
        t->ntasks = task + 1;
    }
    free(t->labels[task]);
    t->labels[task] = ut_strdup(label);
}

void tl_set_phase(tl *t, int task, tl_phase phase)
{
    assert(!t->finished && task >= 0 && task < t->ntasks);
    t->phases[task] = (unsigned char)phase;
}

tl_phase tl_task_phase(const tl *t, int task)
{
    return task >= 0 && task < t->ntasks ? (tl_phase)t->phases[task] : TL_PHASE_NONE;
}

const char *tl_task_label(const tl *t, int task)
{
    return task >= 0 && task < t->ntasks && t->labels[task] ? t->labels[task] : "";
}

void tl_add(tl *t, int gpu, tl_kind kind, int task, int step, double t0_s, double t1_s)
{
    assert(!t->finished && gpu >= 0 && gpu < t->gpus && t0_s <= t1_s);
    if (kind == TL_STEP && !t->detail) return;
    ut_grow(&t->iv, &t->cap_iv, t->niv + 1, sizeof *t->iv);
    t->iv[t->niv++] = (tl_interval){ t0_s, t1_s, gpu, kind, task, step };
    if (t1_s > t->end_s) t->end_s = t1_s;
}

void tl_set_bins(tl *t, int nbins, double width_s)
{
    assert(!t->detail && !t->bins && nbins > 1 && nbins % 2 == 0 && width_s > 0);
    t->nbins = nbins;
    t->bin_s = width_s;
    t->bins = ut_calloc((size_t)(t->links > 0 ? t->links : 1) * (size_t)nbins, sizeof *t->bins);
}

/* bytes carried evenly over [t0, t1] into the bins, merged pairwise until t1 fits */
static void spread(tl *t, int link, double t0, double t1, double bytes)
{
    if (!t->bins || !(bytes > 0)) return;
    while (t1 >= t->nbins * t->bin_s) {
        for (int l = 0; l < t->links; l++) {
            float *b = &t->bins[(size_t)l * t->nbins];
            for (int i = 0; i < t->nbins / 2; i++) b[i] = b[2 * i] + b[2 * i + 1];
            memset(b + t->nbins / 2, 0, (size_t)(t->nbins / 2) * sizeof *b);
        }
        t->bin_s *= 2;
    }
    float *b = &t->bins[(size_t)link * t->nbins];
    int i0 = (int)(t0 / t->bin_s), i1 = (int)(t1 / t->bin_s);
    if (i0 < 0) i0 = 0;
    if (i1 >= t->nbins) i1 = t->nbins - 1;
    if (i1 <= i0 || !(t1 > t0)) {
        b[i0] += (float)bytes;
        return;
    }
    double rate = bytes / (t1 - t0);
    for (int i = i0; i <= i1; i++) {
        double a = fmax(t0, i * t->bin_s), z = fmin(t1, (i + 1) * t->bin_s);
        if (z > a) b[i] += (float)(rate * (z - a));
    }
}

int tl_bin_bounds(const tl *t, double t_s, double *lo_s, double *hi_s)
{
    if (!t->bins || !(t_s >= 0) || t_s >= t->nbins * t->bin_s) return 0;
    double i = floor(t_s / t->bin_s);
    *lo_s = i * t->bin_s;
    *hi_s = (i + 1) * t->bin_s;
    return 1;
}

double tl_link_binned_Bps(const tl *t, int link, double t_s)
{
    if (!t->bins || link < 0 || link >= t->links || !(t_s >= 0)) return NAN;
    int i = (int)(t_s / t->bin_s);
    return i < t->nbins ? t->bins[(size_t)link * t->nbins + i] / t->bin_s : 0;
}

void tl_link(tl *t, int link, double t_s, double used_Bps)
{
    assert(!t->finished);
    if (link < 0 || link >= t->links) return;
    /* the bytes carried at the load that ends now */
    double bytes = t->link_Bps[link] * (t_s - t->link_t[link]);
    t->link_bytes[link] += bytes;
    spread(t, link, t->link_t[link], t_s, bytes);
    t->link_t[link] = t_s, t->link_Bps[link] = used_Bps;
    if (!t->detail) return;
    size_t n = t->nsamples[link];
    assert(n == 0 || t->samples[link][n - 1].t_s <= t_s);    /* in time order */
    if (n && t->samples[link][n - 1].t_s == t_s) {   /* several changes at one instant: keep the last */
        t->samples[link][n - 1].used_Bps = used_Bps;
        return;
    }
    ut_grow(&t->samples[link], &t->cap_samples[link], n + 1, sizeof **t->samples);
    t->samples[link][n] = (tl_sample){ t_s, used_Bps };
    t->nsamples[link] = n + 1;
    if (t_s > t->end_s) t->end_s = t_s;
}

void tl_link_add_bytes(tl *t, int link, double bytes)
{
    assert(!t->finished);
    if (link >= 0 && link < t->links) t->link_bytes[link] += bytes;
}

void tl_link_add_bytes_over(tl *t, int link, double t0_s, double t1_s, double bytes)
{
    assert(!t->finished);
    if (link < 0 || link >= t->links) return;
    t->link_bytes[link] += bytes;
    spread(t, link, t0_s, t1_s, bytes);
}

static int by_gpu_then_start(const void *a, const void *b)
{
    const tl_interval *x = a, *y = b;
    if (x->gpu != y->gpu) return x->gpu < y->gpu ? -1 : 1;
    if (x->t0_s != y->t0_s) return x->t0_s < y->t0_s ? -1 : 1;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    if (x->task != y->task) return x->task < y->task ? -1 : 1;
    return x->step < y->step ? -1 : x->step > y->step;
}

void tl_finish(tl *t)
{
    assert(!t->finished);                                     /* once */
    t->finished = 1;
    free(t->gpu_first);
    free(t->gpu_max_end);
    t->gpu_first = ut_calloc((size_t)t->gpus + 1, sizeof *t->gpu_first);
    t->gpu_max_end = ut_calloc(t->niv ? t->niv : 1, sizeof *t->gpu_max_end);
    /* by GPU (counted, in the order added), then each GPU's by start: the order one sort of the
     * whole by (GPU, start, ...) gives, at a sort of each GPU's few intervals */
    for (size_t i = 0; i < t->niv; i++) t->gpu_first[t->iv[i].gpu + 1]++;
    for (int g = 0; g < t->gpus; g++) t->gpu_first[g + 1] += t->gpu_first[g];
    if (t->niv > 0) {                                         /* (iv is NULL when empty) */
        tl_interval *by_gpu = ut_malloc(t->niv * sizeof *by_gpu);
        size_t *fill = ut_malloc(((size_t)t->gpus + 1) * sizeof *fill);
        memcpy(fill, t->gpu_first, ((size_t)t->gpus + 1) * sizeof *fill);
        for (size_t i = 0; i < t->niv; i++) by_gpu[fill[t->iv[i].gpu]++] = t->iv[i];
        free(fill);
        free(t->iv);
        t->iv = by_gpu;
        t->cap_iv = t->niv;
        for (int g = 0; g < t->gpus; g++) {
            size_t k = t->gpu_first[g], m = t->gpu_first[g + 1] - k;
            if (m > 1) qsort(&t->iv[k], m, sizeof *t->iv, by_gpu_then_start);
        }
    }
    for (int g = 0; g < t->gpus; g++) {
        double m = -INFINITY;
        for (size_t k = t->gpu_first[g]; k < t->gpu_first[g + 1]; k++) {
            m = fmax(m, t->iv[k].t1_s);
            t->gpu_max_end[k] = m;
        }
    }
}

int tl_gpu_intervals(const tl *t, int gpu, const tl_interval **first)
{
    if (gpu < 0 || gpu >= t->gpus || !t->gpu_first) { *first = NULL; return 0; }
    *first = &t->iv[t->gpu_first[gpu]];
    return (int)(t->gpu_first[gpu + 1] - t->gpu_first[gpu]);
}

unsigned tl_gpu_state(const tl *t, int gpu, double t_s)
{
    if (gpu < 0 || gpu >= t->gpus || !t->gpu_first) return 0;
    size_t lo = t->gpu_first[gpu], hi = t->gpu_first[gpu + 1];
    /* last interval starting at or before t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->iv[mid].t0_s <= t_s) lo = mid + 1;
        else hi = mid;
    }
    unsigned state = 0;
    for (size_t k = lo; k-- > t->gpu_first[gpu];) {
        if (t->gpu_max_end[k] <= t_s) break;   /* nothing earlier reaches t */
        if (t->iv[k].t1_s > t_s) state |= 1u << t->iv[k].kind;
    }
    return state;
}

double tl_link_load_Bps(const tl *t, int link, double t_s)
{
    if (!t->detail || link < 0 || link >= t->links) return 0;
    const tl_sample *s = t->samples[link];
    size_t lo = 0, hi = t->nsamples[link];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].t_s <= t_s) lo = mid + 1;
        else hi = mid;
    }
    return lo ? s[lo - 1].used_Bps : 0;
}

double tl_link_load_near(const tl *t, int link, double t_s, size_t *hint)
{
    if (!t->detail || link < 0 || link >= t->links) return 0;
    const tl_sample *s = t->samples[link];
    size_t n = t->nsamples[link], i = *hint <= n ? *hint : n;
    /* i: the samples at or before t_s, as tl_link_load_Bps counts them; a few steps on from the
     * hint, else (back in time, or far on) the binary search */
    int back = i > 0 && s[i - 1].t_s > t_s;
    for (int k = 0; !back && k < 8 && i < n && s[i].t_s <= t_s; k++) i++;
    if (back || (i < n && s[i].t_s <= t_s)) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s[mid].t_s <= t_s) lo = mid + 1;
            else hi = mid;
        }
        i = lo;
    }
    *hint = i;
    return i ? s[i - 1].used_Bps : 0;
}

double tl_gpu_busy_s(const tl *t, int gpu, tl_kind kind)
{
    const tl_interval *iv;
    int n = tl_gpu_intervals(t, gpu, &iv);
    double busy = 0, covered_to = -INFINITY;
    for (int i = 0; i < n; i++) {       /* sorted by start: merge overlaps */
        if (iv[i].kind != kind) continue;
        double a = fmax(iv[i].t0_s, covered_to), b = iv[i].t1_s;
        if (b > a) busy += b - a;
        covered_to = fmax(covered_to, b);
    }
    return busy;
}

/* Labels are ours (task names, link names) but may come from a user's file: escape them. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

int tl_write_chrome_trace(const tl *t, FILE *out, int gpus_per_node,
                          void (*link_label)(const void *ctx, int link, char *buf, size_t size), const void *ctx,
                          const double *link_cap_Bps)
{
    static const char *const kind_names[TL_KIND_COUNT] = { "compute", "communication", "step" };
    if (gpus_per_node < 1) gpus_per_node = 1;
    fprintf(out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    int first = 1;
    for (int g = 0; g < t->gpus; g++) {
        fprintf(out, "%s{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":\"GPU %d\"}}",
                first ? "" : ",\n", g / gpus_per_node, g, g);
        first = 0;
        if (g % gpus_per_node == 0)
            fprintf(out, ",\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":\"node %d\"}}",
                    g / gpus_per_node, g / gpus_per_node);
    }
    for (size_t i = 0; i < t->niv; i++) {
        const tl_interval *v = &t->iv[i];
        fprintf(out, "%s{\"ph\":\"X\",\"pid\":%d,\"tid\":%d,\"ts\":%.6f,\"dur\":%.6f,\"cat\":\"%s\",\"name\":",
                first ? "" : ",\n", v->gpu / gpus_per_node, v->gpu, v->t0_s * 1e6, (v->t1_s - v->t0_s) * 1e6,
                kind_names[v->kind]);
        first = 0;
        const char *label = tl_task_label(t, v->task);
        if (v->kind == TL_STEP) {
            char name[160];
            snprintf(name, sizeof name, "%s step %d", label, v->step);
            json_string(out, name);
        } else {
            json_string(out, *label ? label : kind_names[v->kind]);
        }
        fputc('}', out);
    }
    /* link loads as counters, in a process of their own */
    int links_pid = t->gpus / gpus_per_node + 1;
    for (int l = 0; t->detail && l < t->links; l++) {
        if (!t->nsamples[l]) continue;
        char name[128];
        if (link_label) link_label(ctx, l, name, sizeof name);
        else snprintf(name, sizeof name, "link %d", l);
        for (size_t k = 0; k < t->nsamples[l]; k++) {
            double pct = link_cap_Bps && link_cap_Bps[l] > 0 ? 100 * t->samples[l][k].used_Bps / link_cap_Bps[l] : 0;
            fprintf(out, "%s{\"ph\":\"C\",\"pid\":%d,\"ts\":%.6f,\"name\":", first ? "" : ",\n", links_pid,
                    t->samples[l][k].t_s * 1e6);
            first = 0;
            json_string(out, name);
            fprintf(out, ",\"args\":{\"GB/s\":%.6g,\"%%\":%.4g}}", t->samples[l][k].used_Bps / 1e9, pct);
        }
    }
    fprintf(out, "%s{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":\"links\"}}\n]}\n",
            first ? "" : ",\n", links_pid);
    return ferror(out) ? -1 : 0;
}

double tl_link_bytes(const tl *t, int link)
{
    return link >= 0 && link < t->links ? t->link_bytes[link] : 0;
}
