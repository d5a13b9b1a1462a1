/* ui.h: the desktop app (SDL2 + SDL2_ttf). It draws what the core computes and never models
 * anything itself: a scene (ui_scene.c) is built on a worker thread from a scenario by the
 * simulation core (a discrete-event step, its timeline) and the analytic model (the extrapolations);
 * the window (ui_app.c) reads a finished scene frame by frame.
 *
 * Modules:
 *   ui_scene.c   scenario -> scene, on a worker thread (no SDL)
 *   ui_layout.c  where racks, nodes, GPUs, switches and cables sit, in world units (no SDL)
 *   ui_text.c    fonts (fontconfig + SDL_ttf) and a cache of rendered strings
 *   ui_draw.c    the factory, the timeline, the heads-up display, the controls, the overlays
 *   ui_explain.c the analytic step term by term (the scene's tm_predict_explain terms, laid out)
 *   ui_panel.c   the course panel (ui_md.c lays out Markdown, ui_course.c keeps the student's work)
 *   ui_app.c     the window, the event loop, headless frames and screenshots (ui_run.h, for sim/cli/cmd_gui.c)
 *   ui_plot.c    scaling curve and roofline with cairo, exported as PNG or SVG
 *
 * The simulation advances from plain inputs (the scenario, the playback clock) and the drawing
 * reads the state; SDL events only change the scenario, the camera and the playback clock. */
#ifndef USINE_UI_H
#define USINE_UI_H

#include <pthread.h>

#include "ds.h"
#include "net.h"
#include "plat.h"
#include "tl.h"
#include "train.h"

/* ----------------------------------------------------------------------------------------- */
/* What a GPU does at an instant, as the timeline says; the palette follows this order. */
typedef enum ui_phase {
    UI_IDLE,          /* waiting: the pipeline bubble, a dependency */
    UI_FORWARD,
    UI_BACKWARD,
    UI_OPTIMIZER,
    UI_COMM,          /* in a collective or a pipeline send, not computing */
    UI_OUTSIDE,       /* not part of the simulated job */
    UI_PHASE_COUNT
} ui_phase;

/* A GPU's phases over one step, as a step function: phase[i] from t[i] to t[i + 1]. */
typedef struct ui_track {
    double *t;
    unsigned char *phase;
    unsigned char *comm;       /* 1 while a collective runs on it, even under compute (overlap) */
    int n;
} ui_track;

/* What to simulate. Strings are preset names or file paths. */
typedef struct ui_scenario {
    char platform[512];       /* a file, or a preset name */
    char partition[64];       /* "" : the platform's first */
    long nodes;               /* the partition with that many nodes, a what-if machine; 0: as the file has it */
    char model[32];
    int gpus;                 /* simulated GPUs; 0: as many as the plan and the partition allow (capped) */
    int tp, pp, mbs;
    long gbs;                 /* 0: one sequence per micro-batch slot (dp x mbs x 8) */
    int recompute;            /* tm_recompute */
    int prec;                 /* plat_prec */
    int stack;                /* the software stack, an index into tm_stacks() (tm_stack_apply gives its defaults) */
    int first_layers, last_layers; /* the pipeline's end stages; 0 and 0: the rule (tm_stage_layers) */
} ui_scenario;

/* One term of the analytic step as tm_predict_terms keeps it: its group ("rates", "layer",
 * "stage", "step", "total"), name, seconds (0 for a rate) and how it was obtained, in the
 * language and number style the scene was built in. */
typedef tm_term ui_term;

/* The same job analytically, on another machine or at full scale. */
typedef struct ui_extra {
    char label[96];           /* "jean-zay/h100", "this computer" */
    int ok;                   /* 0: see why */
    int replanned;            /* the scenario's plan is not valid or does not fit there: the model's best instead */
    int same;                 /* the scenario's own partition, whole: the full-partition line says it already */
    char why[160];
    tm_plan plan;
    tm_result r;
} ui_extra;

enum { UI_EXTRA_FULL, UI_EXTRA_JEANZAY, UI_EXTRA_ALICE, UI_EXTRA_LOCAL, UI_EXTRA_COUNT };

/* A finished scene: read-only once published, freed by ui_scene_free. */
typedef struct ui_scene {
    ui_scenario sc;
    char error[768];          /* non-empty: building failed, the rest may be empty */
    char notice[256];         /* something the user should know (GPUs capped, ...) */
    plat_platform *plat;
    char plat_path[512];
    int part;
    int file_nodes;           /* the partition's nodes in the file (sc.nodes resizes it in plat) */
    long part_gpus;           /* GPUs in the partition */
    int gpn;                  /* GPUs per node */
    tm_model model;
    tm_plan plan;             /* as checked (dp filled in), also when the simulator refuses it */
    tm_result r;              /* analytic, for the simulated GPUs */
    ui_term *terms;           /* the explanation of r.step_s, term by term (tm_predict_terms) */
    int nterms;               /* 0: the plan could not be predicted (see error) */
    tm_ctx *ctx;              /* the simulated GPUs' context: it owns the network */
    tm_step *step;            /* the simulated step: it owns the timeline */
    const net *nw;            /* the context's */
    const tl *timeline;       /* the step's */
    ds_stats st;              /* st.end_s: the simulated step time (0: not simulated, see error) */
    int detailed;             /* link loads over time kept (up to 2,048 GPUs); else cables show their mean over the step */
    double sim_wall_s;        /* how long the simulation took */
    ui_track *tracks;         /* per simulated GPU */
    double *link_cap_Bps;     /* per network link */
    ui_extra extra[UI_EXTRA_COUNT];
    plat_platform *other[UI_EXTRA_COUNT]; /* the comparison machines, loaded once (FULL: NULL, it is plat) */
    /* the plan does not fit in GPU memory (!r.mem.fits): the step could not run; what fits instead,
     * among what the window's controls can set (tp, pp, micro-batch, recomputation), if anything */
    int fit_found;
    tm_plan fit_plan;
    double fit_gib;
    char unfit[512];          /* the banner's words; "" when the plan fits */
    int pending;              /* the analytic figures only: the step is being simulated (the full scene follows) */
    int words_only;           /* built again for a language switch: pending, its step to be taken from the scene shown */
} ui_scene;

/* Build a scene synchronously (the worker calls it). platform_dirs: ':'-separated preset folders;
 * local_path: this computer's calibrated platform file or NULL. Never NULL: errors go in ->error. */
ui_scene *ui_scene_build(const ui_scenario *sc, const char *platform_dirs, const char *local_path);
/* The same without the simulation (pending set): what the worker publishes first. */
ui_scene *ui_scene_build_analytic(const ui_scenario *sc, const char *platform_dirs, const char *local_path);
void ui_scene_free(ui_scene *s);                                   /* NULL is fine */
int ui_scenario_same(const ui_scenario *a, const ui_scenario *b);  /* the same scenario, field by field (names by their text) */
/* The simulated step of `from` (the scene shown) moved into s, a pending scene of the same
 * scenario built in another language (words_only): its words (labels, notices, the banner, the
 * explanation) are the new language's, its step, timeline, tracks and figures from's, without a
 * second simulation. 0: s is whole and from keeps nothing but what ui_scene_free frees; -1 (not the
 * same scenario, or from has no step): both unchanged. */
int ui_scene_take_step(ui_scene *s, ui_scene *from);
/* The pipeline's end stages one step lighter (delta < 0) or heavier (> 0): the next split in the
 * order of the layers the two ends hold, among the rule's (0 and 0) and the splits whose first and
 * last stages hold as many layers each and the others an even share. 1 and *first, *last changed;
 * 0 when there is none further that way (or pp < 3: the ends are the whole pipeline). */
int ui_stage_step(const tm_model *m, int pp, int *first, int *last, int delta);
/* The scenario's split for people: "5, 6 x 10, 5", or "8 x 4" when even ("" if it is not valid). */
const char *ui_stage_text(const tm_model *m, int pp, int first, int last, char *buf, size_t size);
ui_phase ui_track_at(const ui_track *tr, double t_s, int *comm);   /* phase at t (binary search) */
/* The same, from where the last look-up of this track left *hint (0 at first): a few steps on as a
 * step plays, the search only when time jumps. */
ui_phase ui_track_at_near(const ui_track *tr, double t_s, int *comm, int *hint);
const char *ui_phase_name(ui_phase p);                             /* translated, for legends */

/* A worker thread that builds scenes; the newest request wins. */
typedef struct ui_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ui_scenario want;
    int pending, busy, quit, started;
    int words;                /* the pending request is for the words only (ui_worker_request_words) */
    long simulated;           /* steps simulated so far (scenes built whole) */
    ui_scene *done;           /* finished, not yet taken */
    char platform_dirs[2048], local_path[512];
} ui_worker;

int ui_worker_start(ui_worker *w, const char *platform_dirs, const char *local_path);
void ui_worker_request(ui_worker *w, const ui_scenario *sc);       /* replaces a pending request */
/* The scene shown again in the interface language: its analytic part only, published as a
 * words_only scene whose step the window takes from the one it shows (ui_scene_take_step). A full
 * request pending is kept (it is built in the new language anyway). */
void ui_worker_request_words(ui_worker *w, const ui_scenario *sc);
long ui_worker_simulated(const ui_worker *w);                      /* steps simulated since the start */
ui_scene *ui_worker_take(ui_worker *w);                            /* a finished scene, or NULL */
int ui_worker_busy(const ui_worker *w);                                  /* a request pending or running, or a scene not taken */
void ui_worker_stop(ui_worker *w);                                 /* waits for the thread */

/* ----------------------------------------------------------------------------------------- */
/* Layout, in world units (1 unit = one GPU's side at zoom 1). */
typedef struct ui_rect { float x, y, w, h; } ui_rect;

typedef struct ui_box {
    ui_rect r;
    int first, count;         /* nodes or GPUs it holds */
} ui_box;

typedef struct ui_cable {
    float x0, y0, x1, y1;
    int *links;               /* network links whose loads it shows (both directions) */
    int nlinks;
    int kind;                 /* 0: rack to leaf, 1: switch to switch */
} ui_cable;

typedef struct ui_layout {
    int nodes, gpn, racks, nodes_per_rack, rack_cols;
    ui_rect *gpu;             /* per GPU of the partition */
    ui_rect *node;            /* per node */
    ui_box *rack;             /* per rack: nodes [first, first + count) */
    ui_box *sw;               /* switches drawn (leaves, spines, core, routers) */
    char (*sw_label)[32];
    int nsw;
    ui_cable *cables;
    int ncables;
    ui_rect world;            /* bounding box */
} ui_layout;

ui_layout *ui_layout_build(const plat_platform *p, int part, const net *nw, double aspect); /* aspect: width / height of the view */
void ui_layout_free(ui_layout *l);                                 /* NULL is fine */

#endif
