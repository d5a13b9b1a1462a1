/* tl.h: the timeline of a simulation: what each GPU did when, and how busy each link was.
 *
 * Written by the simulator (ds.c), read by the desktop app frame by frame and by the trace export.
 * Per GPU: intervals of compute and of communication (one per collective and, in detailed mode,
 * one per step of a collective). Per link: the times at which its load changed and the load from
 * then on (a step function). After tl_finish() the timeline is read-only and queries are
 * logarithmic in its size. */
#ifndef USINE_TL_H
#define USINE_TL_H

#include <stddef.h>
#include <stdio.h>

typedef enum tl_kind { TL_COMPUTE, TL_COMM, TL_STEP, TL_KIND_COUNT } tl_kind;

/* What a task is in a training step, for whoever draws it (the label is for people). */
typedef enum tl_phase { TL_PHASE_NONE, TL_PHASE_FORWARD, TL_PHASE_BACKWARD, TL_PHASE_OPTIMIZER, TL_PHASE_COUNT } tl_phase;

typedef struct tl_interval {
    double t0_s, t1_s;
    int gpu;
    tl_kind kind;
    int task;                   /* the simulator's task (its label is tl_task_label) */
    int step;                   /* TL_STEP: the step of the collective; else -1 */
} tl_interval;

typedef struct tl_sample {
    double t_s;
    double used_Bps;
} tl_sample;

typedef struct tl {
    int gpus, links;
    tl_interval *iv;            /* after tl_finish: sorted by GPU, then start time */
    size_t niv, cap_iv;
    size_t *gpu_first;          /* after tl_finish: intervals of GPU g are [gpu_first[g], gpu_first[g+1]) */
    double *gpu_max_end;        /* after tl_finish: running maximum of t1 within each GPU's list */
    tl_sample **samples;        /* per link, in time order */
    size_t *nsamples, *cap_samples;
    char **labels;              /* per task */
    unsigned char *phases;      /* per task: tl_phase */
    int ntasks;
    size_t cap_labels;
    double end_s;
    int detail;                 /* record steps and link loads */
    double *link_bytes;         /* per link: bytes carried so far (always kept, detail or not) */
    double *link_t, *link_Bps;  /* per link: when its load last changed, and that load */
    /* without detail, optionally (tl_set_bins): per link, the bytes it carried in each of nbins
     * bins of bin_s, from 0; when the run outlasts them, neighbours merge and bin_s doubles */
    float *bins;
    int nbins;
    double bin_s;
    int finished;               /* tl_finish was called: read-only from then on (asserted) */
} tl;

tl *tl_create(int gpus, int links, int detail);                    /* an empty timeline */
void tl_destroy(tl *t);                                             /* NULL is fine */
void tl_set_label(tl *t, int task, const char *label);              /* name of a task, for display */
const char *tl_task_label(const tl *t, int task);                   /* "" when unnamed */
void tl_set_phase(tl *t, int task, tl_phase phase);                 /* after tl_set_label */
tl_phase tl_task_phase(const tl *t, int task);                      /* TL_PHASE_NONE when not set */
void tl_add(tl *t, int gpu, tl_kind kind, int task, int step, double t0_s, double t1_s); /* record an interval */
void tl_link(tl *t, int link, double t_s, double used_Bps);         /* record a link's new load */
void tl_link_add_bytes(tl *t, int link, double bytes);              /* bytes carried, where no load is recorded */
void tl_link_add_bytes_over(tl *t, int link, double t0_s, double t1_s, double bytes);   /* the same, carried evenly over [t0, t1] */
/* Loads over time without detail: bytes per link in nbins bins of width_s (coarser as the run
 * outlasts them), at a float per bin and link. Only for a timeline without detail. */
void tl_set_bins(tl *t, int nbins, double width_s);
double tl_link_binned_Bps(const tl *t, int link, double t_s);       /* its mean load over the bin of t; NaN without bins */
int tl_bin_bounds(const tl *t, double t_s, double *lo_s, double *hi_s);   /* the bin of t now: 0 without bins or past them */
void tl_finish(tl *t);                                              /* sort and index; call once */

/* Queries (after tl_finish). */
unsigned tl_gpu_state(const tl *t, int gpu, double t_s);            /* bit (1 << kind) set for each kind active at t */
int tl_gpu_intervals(const tl *t, int gpu, const tl_interval **first); /* a GPU's intervals, sorted by start */
double tl_link_load_Bps(const tl *t, int link, double t_s);         /* a link's load at t */
/* The same, from where the last look-up of this link left *hint (0 at first): a window playing a
 * step asks every link at every frame for a time a little later than the last. */
double tl_link_load_near(const tl *t, int link, double t_s, size_t *hint);
double tl_gpu_busy_s(const tl *t, int gpu, tl_kind kind);           /* total time of a kind (union of intervals) */
double tl_link_bytes(const tl *t, int link);                        /* bytes it carried (any time, detail or not) */

/* Chrome's trace event format (JSON), which Perfetto and chrome://tracing open. Processes are
 * nodes, threads are GPUs; link loads are counters. link_label may be NULL. */
int tl_write_chrome_trace(const tl *t, FILE *out, int gpus_per_node,
                          void (*link_label)(const void *ctx, int link, char *buf, size_t size), const void *ctx,
                          const double *link_cap_Bps);

#endif
