/* ui_gfx.h: the SDL side of the desktop app: fonts and text, the app's state, drawing and input.
 * Only sim/ui/ includes SDL (the Makefile's `layers` target checks it). */
#ifndef USINE_UI_GFX_H
#define USINE_UI_GFX_H

#include <SDL2/SDL.h>

#include "ui.h"
#include "ui_run.h"

/* ----------------------------------------------------------------------------------------- */
/* Text: DejaVu fonts found through fontconfig, sized by the interface scale; rendered strings are
 * cached as textures (a frame of the factory draws a few hundred strings, most of them unchanged). */
typedef enum ui_font {
    UI_F_BODY, UI_F_BOLD, UI_F_ITALIC, UI_F_BOLDITALIC, UI_F_MONO, UI_F_SMALL, UI_F_H1, UI_F_H2, UI_F_H3,
    UI_F_TITLE, UI_F_COUNT
} ui_font;

enum { UI_LEFT, UI_CENTER, UI_RIGHT };

typedef struct ui_text ui_text;
ui_text *ui_text_create(SDL_Renderer *r, float scale, char *err, size_t err_size); /* NULL + why if no font */
void ui_text_destroy(ui_text *t);                                   /* NULL is fine */
void ui_text_set_scale(ui_text *t, float scale);                    /* reopen fonts at a new size */
int ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align); /* width drawn */
int ui_text_width(ui_text *t, ui_font f, const char *s, size_t len); /* pixels */
int ui_text_line(ui_text *t, ui_font f);                            /* line height in pixels */
void ui_text_end_frame(ui_text *t);                                 /* evict strings not drawn lately */
int ui_text_fit(ui_text *t, ui_font f, const char *s, int max_w, char *out, size_t size); /* cut with "…" to fit */
/* Plain text (messages, hints) wrapped at spaces and '\n' to width pixels; a word wider than the
 * line is cut at a character. The lines are cached by (font, width, text), so drawing the same
 * text every frame measures it once; the result is valid until the next ui_text_wrap call. */
typedef struct ui_wrapped { int n; char **line; } ui_wrapped;
const ui_wrapped *ui_text_wrap(ui_text *t, ui_font f, const char *text, int width);

/* ----------------------------------------------------------------------------------------- */
/* Colours: Okabe and Ito's colour-blind-safe palette for the phases, a dark room around them. */
extern const SDL_Color ui_phase_color[UI_PHASE_COUNT];
SDL_Color ui_load_color(double utilisation);                        /* links: grey -> blue -> orange -> vermillion */

/* ----------------------------------------------------------------------------------------- */
struct ui_panel;

typedef enum ui_view { UI_VIEW_FACTORY, UI_VIEW_PLOTS } ui_view;

/* Controls in the left column (ui_draw.c), one per scenario setting. */
typedef enum ui_control {
    UI_C_PLATFORM, UI_C_PARTITION, UI_C_NODES, UI_C_MODEL, UI_C_GPUS, UI_C_TP, UI_C_PP, UI_C_STAGES, UI_C_MBS, UI_C_GBS, UI_C_RECOMPUTE,
    UI_C_PREC, UI_C_STACK, UI_C_COUNT
} ui_control;

/* What the mouse is over in the factory (or what was clicked there); index is into the layout's
 * array of that kind: gpu, node, sw, cables or rack. */
typedef enum ui_hover_kind {
    UI_HOVER_NONE, UI_HOVER_GPU, UI_HOVER_NODE, UI_HOVER_SWITCH, UI_HOVER_CABLE, UI_HOVER_RACK
} ui_hover_kind;

typedef struct ui_hit {
    ui_hover_kind kind;
    int index;
} ui_hit;

/* The course panel's buttons as a frame drew them. The exercise list is one row of list_row_h
 * pixels per exercise, list_first at the top of list. Below the buttons the panel has two areas,
 * each scrolled on its own: the exercise's text (its title and statement) and, under it, the checks
 * of the student's file (their score line stays, the checks scroll); the wheel scrolls the one under
 * the mouse. */
typedef enum ui_panel_area { UI_PANEL_TEXT, UI_PANEL_CHECKS } ui_panel_area;

typedef struct ui_panel_hits {
    SDL_Rect prev, next, edit, check, list;
    int list_first, list_row_h;
    SDL_Rect text, checks;       /* the two areas (checks.h 0: none drawn) */
    int text_scroll, checks_scroll; /* how far each was scrolled when drawn, in pixels */
    int text_max, checks_max;    /* how far each scrolls */
} ui_panel_hits;

/* A text cut to fit its place is read whole under the mouse: drawing notes it in the frame's tip,
 * drawn last over everything, wrapped. */
#define UI_TIP_SIZE 768

/* What a drawn frame leaves for the input code: where its buttons were. Drawing writes this and
 * nothing else; the events that follow the frame read it, so a click lands on what the user saw. */
typedef struct ui_frame {
    SDL_Rect ctl_minus[UI_C_COUNT], ctl_plus[UI_C_COUNT];
    ui_panel_hits panel;
    SDL_Rect explain;            /* the explanation overlay, when shown (it takes the clicks and the wheel) */
    int explain_max_top;         /* how far its rows scroll */
    int explain_page;            /* how many rows it showed */
    char tip[UI_TIP_SIZE];       /* the whole text of the cut line under the mouse ("": none) */
    int left_max;                /* how far the left column (controls and figures) scrolls: 0 when it fits */
} ui_frame;

typedef struct ui_app {
    SDL_Window *win;
    SDL_Renderer *ren;
    ui_text *tx;
    int w, h;                    /* output size in pixels */
    float scale;                 /* interface scale (HiDPI and window size) */
    int headless;
    /* the scene */
    ui_worker worker;
    ui_scene *scene;             /* the one drawn (may hold an error) */
    ui_layout *layout;
    ui_scenario sc;              /* what the controls say (may be newer than the scene) */
    double sc_changed_at;        /* debounce: the request goes after a short pause */
    int sc_dirty;
    char platform_dirs[2048], local_path[1024];
    char **presets;              /* platform names for the picker */
    int npresets;
    /* playback: position in the step, total simulated time, speed */
    double t_step_s, elapsed_s, speed;
    long steps_done;
    int playing;
    double anim_s;               /* presentation clock, for moving flows (never in results) */
    /* camera: screen = (world - cam) * zoom + view origin; fitted before a frame when not set */
    float cam_x, cam_y, zoom;
    int camera_set;
    int dragging, drag_x, drag_y;
    int mouse_x, mouse_y;
    ui_hit hover;                /* under the mouse, picked before each frame is drawn */
    ui_hit sel;                  /* clicked: a GPU, a node or a switch */
    /* regions */
    SDL_Rect r_top, r_left, r_factory, r_timeline, r_panel;
    /* overlays and modes */
    int show_help, show_panel, gantt_per_gpu;
    int show_explain;            /* the analytic step, term by term (D) */
    int explain_top;             /* its first row shown */
    int left_scroll;             /* the left column scrolled by this many pixels (a short window: the wheel over it) */
    ui_view view;
    char lang_wanted[3];         /* L pressed: the language to switch to between frames ("": none) */
    char message[512];
    double message_until;
    int message_error;
    /* the course panel and the plots */
    struct ui_panel *panel;
    struct ui_plots *plots;
    struct ui_explain *explain;  /* the explanation's rows, laid out */
    ui_frame frame;              /* the last frame drawn: its hit areas */
    /* The course panel is drawn into a layer of its own and copied while nothing it shows has
     * changed: panel_gen counts what may change it (every event, a tick of the panel that says
     * so); the layer also redraws for a new place, scale or language (ui_draw.c). */
    unsigned panel_gen;
    struct ui_layer *panel_layer;
    unsigned scene_gen;          /* a new scene adopted: the timeline's layer follows it */
    struct ui_layer *timeline_layer;
    /* per link of the scene's network: where its last load look-up ended (tl_link_load_near), so
     * that a frame of a step playing costs a step or two per cable, not a search */
    size_t *link_hint;
    int nlink_hint;
    int *gpu_hint;               /* the same per GPU of the scene, into its track (ui_track_at_near) */
    int ngpu_hint;
    /* frame statistics */
    double last_frame_ms;
} ui_app;

int ui_app_init(ui_app *a, const ui_options *o, char *err, size_t err_size);
void ui_app_quit(ui_app *a);
void ui_app_frame(ui_app *a, double dt_s);                          /* advance the clock, prepare and draw */
int ui_app_event(ui_app *a, const SDL_Event *e);                    /* 1: quit asked */
void ui_app_set_message(ui_app *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_app_request(ui_app *a);                                     /* scenario changed: re-simulate soon */
void ui_app_layout_regions(ui_app *a);
/* The language at once ("fr" or "en"; app_lang() says which): only while no other thread of the
 * window is at work (see ui_lang_switch_due). Pressing L asks for it through ui_app_want_lang. */
void ui_app_set_lang(ui_app *a, const char *lang);
void ui_app_want_lang(ui_app *a, const char *lang);                 /* switch between frames, once it is safe */
/* Whether a wanted language ("": none) may be applied now: only when the scene worker and the
 * course checker are both idle (they format translated text and numbers, and the checker passes
 * the environment to the grader; switching changes the locale and the environment under them). */
int ui_lang_switch_due(const char *wanted, int worker_busy, int checker_busy);

static inline int ui_inside(const SDL_Rect *r, int x, int y) { return SDL_PointInRect(&(SDL_Point){ x, y }, r); } /* (x, y) in r */
/* Which view the frame shows. */
static inline int ui_factory_shown(const ui_app *a) { return !(a->view == UI_VIEW_PLOTS && a->plots); }

/* Drawing (ui_draw.c): reads the app and writes only the renderer, the text cache, the layers'
 * textures and *out. */
void ui_draw_all(const ui_app *a, ui_frame *out);
struct ui_layer *ui_layer_create(void);                              /* an empty layer: drawn on first use */
void ui_layer_destroy(struct ui_layer *l);                          /* NULL is fine */
void ui_draw_fill(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c);
void ui_draw_frame(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c);
void ui_draw_thick_line(SDL_Renderer *r, float x0, float y0, float x1, float y1, float width, SDL_Color c);
int ui_draw_button(const ui_app *a, int x, int y, int w, int h, const char *label, int active, char *tip); /* label cut to fit, whole in tip under the mouse; 1 when hovered */
/* s at (x, y), cut with "…" to w pixels if it must be; cut and under the mouse (within the clip
 * rectangle set, if any), s whole in tip (UI_TIP_SIZE bytes, the frame's). 1 when cut. */
int ui_draw_fit(const ui_app *a, ui_font f, const char *s, int x, int y, int w, SDL_Color c, char *tip);
/* A thin bar at an area's right saying where its scrolled content sits (none when it fits). */
void ui_draw_scroll_bar(const ui_app *a, SDL_Rect area, int content, int scroll, int w, int inset);
extern const SDL_Color ui_bg, ui_panel_bg, ui_fg, ui_dim, ui_accent, ui_good, ui_bad;

/* The factory's camera and what is where on it (ui_draw.c, the same geometry as the drawing). */
void ui_camera_fit(ui_app *a);                                      /* the whole layout in the view */
ui_hit ui_factory_pick(const ui_app *a, int x, int y);              /* what the factory shows at (x, y) */

int ui_controls_click(ui_app *a, const ui_frame *f, int x, int y);  /* 1 when a control of frame f took it */
void ui_controls_change(ui_app *a, ui_control c, int delta);        /* next (+1) or previous (-1) value, then re-simulate */

/* The course panel (ui_panel.c). */
struct ui_panel *ui_panel_create(ui_app *a, const char *course_dir, const char *exercise_id);
void ui_panel_destroy(struct ui_panel *p);
void ui_panel_prepare(ui_app *a, struct ui_panel *p, SDL_Rect r);   /* before drawing: lay out the text for r */
void ui_panel_draw(const ui_app *a, const struct ui_panel *p, SDL_Rect r, ui_panel_hits *out, char *tip);
int ui_panel_click(ui_app *a, struct ui_panel *p, const ui_panel_hits *h, int x, int y);
/* Scroll one area by dy pixels, within what the last frame drew (h). */
void ui_panel_scroll(struct ui_panel *p, const ui_panel_hits *h, ui_panel_area area, int dy);
ui_panel_area ui_panel_area_at(const ui_panel_hits *h, int x, int y); /* the area under (x, y): the checks', else the text's */
int ui_panel_tick(ui_app *a, struct ui_panel *p);                   /* watch the file, collect checks: 1 if that changed something to draw */
void ui_panel_open_editor(ui_app *a, struct ui_panel *p);
void ui_panel_check_now(ui_app *a, struct ui_panel *p);
void ui_panel_next_exercise(ui_app *a, struct ui_panel *p, int delta);
void ui_panel_relayout(struct ui_panel *p);                         /* language or size changed */
int ui_panel_busy(struct ui_panel *p);
int ui_panel_checking(const struct ui_panel *p);                    /* the checker thread is at work */
const char *ui_panel_error(const struct ui_panel *p);                 /* the course's or exercise's load error, or NULL */

/* The explanation overlay (ui_explain.c): the scene's terms, over the factory and the panel. */
typedef struct ui_explain ui_explain;
ui_explain *ui_explain_create(void);
void ui_explain_destroy(ui_explain *e);                             /* NULL is fine */
void ui_explain_scene_changed(ui_explain *e);                       /* a new scene: lay out again */
SDL_Rect ui_explain_region(const ui_app *a);                        /* where it is drawn */
void ui_explain_prepare(ui_app *a, ui_explain *e);                  /* before drawing: cut the rows, clamp the scroll */
void ui_explain_draw(const ui_app *a, const ui_explain *e, ui_frame *out);
void ui_explain_scroll(ui_app *a, int rows, int pages);             /* by rows and pages, within the rows */

/* The plots view (ui_plots.c, on ui_plot.c). */
struct ui_plots *ui_plots_create(void);
void ui_plots_destroy(struct ui_plots *p);
void ui_plots_prepare(ui_app *a, struct ui_plots *p, SDL_Rect r);   /* before drawing: the measurement, the images */
void ui_plots_draw(const ui_app *a, const struct ui_plots *p, SDL_Rect r);
void ui_plots_scene_changed(struct ui_plots *p);
int ui_plots_export(ui_app *a, struct ui_plots *p, char *msg, size_t size);
void ui_plots_measure(ui_app *a, struct ui_plots *p);
/* Where the plots go: the factory's place and the timeline's, and the course panel's too when
 * without it they would be too small to read (ui_plots_cover_panel: the panel is then not drawn;
 * Tab brings it back with the factory). */
SDL_Rect ui_plots_region(const ui_app *a);
int ui_plots_cover_panel(const ui_app *a);

#endif
