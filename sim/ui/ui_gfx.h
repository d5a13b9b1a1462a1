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
    /* camera: screen = (world - cam) * zoom + view origin */
    float cam_x, cam_y, zoom;
    int camera_set;
    int dragging, drag_x, drag_y;
    int mouse_x, mouse_y;
    int hover_kind, hover_index; /* 0 none, 1 GPU, 2 node, 3 switch, 4 cable, 5 rack */
    int sel_kind, sel_index;
    /* regions */
    SDL_Rect r_top, r_left, r_factory, r_timeline, r_panel;
    /* overlays and modes */
    int show_help, show_panel, gantt_per_gpu;
    ui_view view;
    char message[512];
    double message_until;
    int message_error;
    /* the course panel and the plots */
    struct ui_panel *panel;
    struct ui_plots *plots;
    /* frame statistics */
    double last_frame_ms;
} ui_app;

int ui_app_init(ui_app *a, const ui_options *o, char *err, size_t err_size);
void ui_app_quit(ui_app *a);
void ui_app_frame(ui_app *a, double dt_s);                          /* advance the clock and draw */
int ui_app_event(ui_app *a, const SDL_Event *e);                    /* 1: quit asked */
void ui_app_set_message(ui_app *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_app_request(ui_app *a);                                     /* scenario changed: re-simulate soon */
void ui_app_layout_regions(ui_app *a);
void ui_app_set_lang(ui_app *a, const char *lang);                 /* "fr" or "en", at once (app_lang() says which) */

static inline int ui_inside(const SDL_Rect *r, int x, int y) { return SDL_PointInRect(&(SDL_Point){ x, y }, r); } /* (x, y) in r */

/* Drawing (ui_draw.c). */
void ui_draw_all(ui_app *a);
void ui_draw_fill(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c);
void ui_draw_frame(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c);
void ui_draw_thick_line(SDL_Renderer *r, float x0, float y0, float x1, float y1, float width, SDL_Color c);
int ui_draw_button(ui_app *a, int x, int y, int w, int h, const char *label, int active);
extern const SDL_Color ui_bg, ui_panel_bg, ui_fg, ui_dim, ui_accent, ui_good, ui_bad;

/* Controls in the left column (ui_draw.c), one per scenario setting. */
typedef enum ui_control {
    UI_C_PLATFORM, UI_C_PARTITION, UI_C_MODEL, UI_C_GPUS, UI_C_TP, UI_C_PP, UI_C_MBS, UI_C_RECOMPUTE, UI_C_PREC,
    UI_C_COUNT
} ui_control;
int ui_controls_click(ui_app *a, int x, int y);                     /* 1 when a control took it */
void ui_controls_change(ui_app *a, ui_control c, int delta);        /* next (+1) or previous (-1) value, then re-simulate */

/* The course panel (ui_panel.c). */
struct ui_panel *ui_panel_create(ui_app *a, const char *course_dir, const char *exercise_id);
void ui_panel_destroy(struct ui_panel *p);
void ui_panel_draw(ui_app *a, struct ui_panel *p, SDL_Rect r);
int ui_panel_click(ui_app *a, struct ui_panel *p, int x, int y);
void ui_panel_scroll(struct ui_panel *p, int dy);
void ui_panel_tick(ui_app *a, struct ui_panel *p);                  /* watch the file, collect checks */
void ui_panel_open_editor(ui_app *a, struct ui_panel *p);
void ui_panel_check_now(ui_app *a, struct ui_panel *p);
void ui_panel_next_exercise(ui_app *a, struct ui_panel *p, int delta);
void ui_panel_relayout(struct ui_panel *p);                         /* language or size changed */
int ui_panel_busy(struct ui_panel *p);
const char *ui_panel_error(const struct ui_panel *p);                 /* the course's or exercise's load error, or NULL */

/* The plots view (ui_plots.c, on ui_plot.c). */
struct ui_plots *ui_plots_create(void);
void ui_plots_destroy(struct ui_plots *p);
void ui_plots_draw(ui_app *a, struct ui_plots *p, SDL_Rect r);
void ui_plots_scene_changed(struct ui_plots *p);
int ui_plots_export(ui_app *a, struct ui_plots *p, char *msg, size_t size);
void ui_plots_measure(ui_app *a, struct ui_plots *p);

#endif
