/* ui_plot.h: the desktop app's two plots, drawn with cairo: how a training step scales with the
 * GPUs of a partition (strong scaling, from the analytic model of train.h), and the roofline of the
 * accelerators next to this computer's measured matrix-multiplication ladder (kn.h). No SDL here:
 * a plot is drawn on any cairo context, rendered to an image surface that the window turns into a
 * texture, or exported as PNG or SVG.
 *
 * Usage:
 *     ui_scaling s;
 *     if (ui_scaling_compute(plat, part, &model, &plan, &s, err, sizeof err) != 0) ...  // err says why
 *     cairo_surface_t *img = ui_plot_render(UI_PLOT_SCALING, &s, 960, 600, 2.0);      // HiDPI: scale 2
 *     ... cairo_surface_destroy(img);
 *     ui_plot_export("scaling.svg", UI_PLOT_SCALING, &s, 960, 600, err, sizeof err);
 *
 *     ui_roofline r;
 *     ui_roofline_compute(plats, nplats, local, PLAT_BF16, &r);   // vendor ceilings, this computer's
 *     ui_roofline_measure(&r, 512, 0.2);                         // on a worker thread: the ladder
 *
 * The data structures are plain values with fixed arrays: they own nothing, can be copied between
 * threads, and outlive the platform they were computed from. Which numbers come from where is part
 * of the data (ui_scaling.analytic, ui_roof.local, ui_roof_point): the plots say it. Strings for
 * people go through gettext (domain "usine"); units are in the field names. */
#ifndef USINE_UI_PLOT_H
#define USINE_UI_PLOT_H

#include <stddef.h>

#include <cairo.h>

#include "plat.h"
#include "train.h"

/* ----------------------------------------------------------------------------------------- */
/* Strong scaling: the plan's global batch on more and more GPUs. */

#define UI_SCALING_MAX 32

typedef struct ui_scaling_point {
    int gpus, dp;               /* gpus = tp x pp x cp x dp */
    double step_s;              /* one optimizer step */
    double tokens_per_s;        /* whole job */
    double mfu;                 /* model FLOP/s over peak, 0-1 */
    double efficiency;          /* step_s(first) x gpus(first) / (step_s x gpus): 1 = linear scaling */
    double memory_gib, capacity_gib; /* per GPU: needed, available */
    int fits;                   /* the step fits in the GPU's memory */
} ui_scaling_point;

typedef struct ui_scaling {
    char model[64];             /* the model's name, "Megatron-LM 1.7B" */
    char platform[64];          /* platform id, "classroom" */
    char partition[64];         /* partition id, "gpu" */
    int analytic;               /* 1: figures from the analytic model (train.h), not the simulation */
    tm_plan plan;               /* the plan as given (gpus and dp change along the curve) */
    int part_gpus;              /* GPUs in the partition */
    int npoints;                /* in increasing GPU order */
    ui_scaling_point pts[UI_SCALING_MAX];
    int skipped;                /* GPU counts the model refused (the plan is not valid there) */
    char skipped_why[256];      /* why the first refused count was refused, or why there is no curve; "" when neither */
} ui_scaling;

/* Strong scaling of the plan (tp, pp, cp, mbs, gbs, precision... as given; plan->gpus ignored) at
 * dp = 1, 2, 4, ... up to the partition, plus the largest valid dp in between when the partition's
 * dp is not a power of two; one tm_ctx per count, as usine predict makes. Counts the model refuses
 * are skipped; points that do not fit in memory are kept (fits = 0). Returns 0, or -1 with why in
 * err and in out->skipped_why (no such partition, or no count gives a valid plan: the model's own
 * reason), out then still naming the model and platform so that the plot can show the reason. */
int ui_scaling_compute(const plat_platform *p, int partition, const tm_model *m, const tm_plan *plan,
                       ui_scaling *out, char *err, size_t err_size);

/* ----------------------------------------------------------------------------------------- */
/* Roofline: attainable FLOP/s = min(peak, intensity x memory bandwidth). */

#define UI_ROOF_MAX 16
#define UI_ROOF_POINTS_MAX 8

typedef struct ui_roof {
    char label[128];            /* accelerator names ("NVIDIA H100 SXM5 80 GB"); merged when figures are equal */
    int prec;                   /* plat_prec of peak_tflops */
    double peak_tflops;         /* vendor (or calibrated) peak, dense */
    double memory_tbs;          /* memory bandwidth, TB/s */
    double ridge_flop_per_B;    /* peak / bandwidth: the intensity where the two roofs meet */
    int local;                  /* 1: this computer, from its calibration (usine calibrate) */
} ui_roof;

typedef struct ui_roof_point {
    char name[24];              /* the rung, "sgemm" (kn_rung_name) */
    int rung;                   /* kn_rung */
    int n;                      /* matrix size */
    double seconds;             /* best time of one multiplication */
    double gflops;              /* 2 n^3 / seconds */
    double intensity_flop_per_B;/* the ideal intensity of the product: 2 n^3 / (12 n^2) = n / 6 */
    double max_rel_diff;        /* against the first rung run (the reference) */
    int correct;                /* within kn_gemm_tolerance */
} ui_roof_point;

typedef struct ui_roofline {
    int prec;                   /* the precision asked for the ceilings */
    int nroofs;
    ui_roof roofs[UI_ROOF_MAX];
    int truncated;              /* 1: more accelerators than UI_ROOF_MAX; the first ones are kept */
    int has_local;              /* a roof of this computer is among them */
    int npoints;                /* 0 until measured */
    ui_roof_point points[UI_ROOF_POINTS_MAX];
    int threads;                /* compute threads of the measurement (kn_threads) */
} ui_roofline;

/* The ceilings: every accelerator of the platforms (equal ones once), at prec or, where the file
 * has no peak at prec, the fastest slower precision it has; then this computer from its calibrated
 * platform `local` (NULL: none). No points. Returns the number of roofs, or -1 on bad arguments. */
int ui_roofline_compute(const plat_platform *const *plats, int nplats, const plat_platform *local,
                        plat_prec prec, ui_roofline *out);
/* Run the ladder on this computer at size n (the naive rung only when n <= 512), each rung for at
 * least min_s seconds, and fill r's points. Slow (seconds): meant for a worker thread, touches no
 * global state of its own; r must not be read meanwhile. Returns 0, or -1 (n outside 1-32768, no memory). */
int ui_roofline_measure(ui_roofline *r, int n, double min_s);

/* ----------------------------------------------------------------------------------------- */
/* Drawing. w and h in device pixels; scale multiplies fonts and line widths (2 on a HiDPI screen).
 * Empty or NULL data draws the axes and a message. */

typedef enum ui_plot_kind { UI_PLOT_SCALING, UI_PLOT_ROOFLINE } ui_plot_kind;

/* Okabe-Ito colours (colour-blind safe), 0xRRGGBB. */
#define UI_PLOT_RGB_STEP       0x0072B2u   /* blue: step time */
#define UI_PLOT_RGB_EFFICIENCY 0xD55E00u   /* vermillion: efficiency */
#define UI_PLOT_RGB_LOCAL      0x000000u   /* black: this computer, its roof and its points */
unsigned ui_plot_roof_rgb(int i);          /* colour of the i-th accelerator roof, 0xRRGGBB */

void ui_plot_scaling_draw(cairo_t *cr, double w, double h, double scale, const ui_scaling *s);   /* draw the scaling curve */
void ui_plot_roofline_draw(cairo_t *cr, double w, double h, double scale, const ui_roofline *r); /* draw the roofline */

/* What a drawing put where, in device pixels (y down): each text, the axes, the legend, the data.
 * A segment is a piece of a curve from (x0, y0) to (x1, y1); every other part is a box. Tests
 * read it to check that, at the size the window gives, nothing covers anything else. */
typedef enum ui_plot_part {
    UI_PP_TITLE, UI_PP_SUBTITLE, UI_PP_AXES, UI_PP_XTICK, UI_PP_YTICK, UI_PP_Y2TICK, UI_PP_XTITLE, UI_PP_YTITLE,
    UI_PP_Y2TITLE, UI_PP_LEGEND, UI_PP_NOTE, UI_PP_BADGE, UI_PP_MARKER, UI_PP_LABEL, UI_PP_SEGMENT
} ui_plot_part;

typedef struct ui_plot_item {
    ui_plot_part part;
    double x0, y0, x1, y1;
} ui_plot_item;

#define UI_PLOT_ITEMS_MAX 512
typedef struct ui_plot_layout {
    int n;
    ui_plot_item item[UI_PLOT_ITEMS_MAX];
} ui_plot_layout;

/* Draw the plot on a scratch image of w x h and note in *out where each part went. */
void ui_plot_layout_of(ui_plot_kind kind, const void *data, double w, double h, double scale, ui_plot_layout *out);

/* How a region of w x h pixels shows the two plots: side by side (*cols 2) or one above the other
 * (*cols 1), gap pixels around and between them, whichever gives each plot the larger 16:10
 * rectangle; *pw and *ph are each plot's size. Returns the width of that rectangle (0 when none). */
int ui_plot_arrange(int w, int h, int gap, int *cols, int *pw, int *ph);

/* An ARGB32 image of w x h pixels with the plot (data: ui_scaling or ui_roofline as kind says);
 * the caller destroys it with cairo_surface_destroy. NULL when w or h < 1 or cairo fails. */
cairo_surface_t *ui_plot_render(ui_plot_kind kind, const void *data, int w, int h, double scale);
/* Write the plot to path, PNG or SVG by its extension (.png, .svg), w x h pixels (points for SVG).
 * Returns 0, or -1 with a message naming the path in err (unknown extension, cannot write). */
int ui_plot_export(const char *path, ui_plot_kind kind, const void *data, int w, int h, char *err, size_t err_size);

/* The plan's fields as the window names its controls, for the core's messages about a plan
 * ("try the global batch (v V) 1,456" rather than an option of the command line). */
extern const tm_names ui_field_names;

#endif
