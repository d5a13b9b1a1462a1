/* ui_app.c: the window and its loop, and the runs the command line asks for through ui_run.h
 * (sim/cli/cmd_gui.c parses the options of `usine gui` and `usine screenshot`): the desktop app,
 * headless frame times, and one frame offscreen to a PNG, for documentation and tests.
 *
 * Headless runs use SDL's offscreen video driver and its software renderer, the renderer a
 * student's laptop without a GPU driver falls back to, so that the frame times measured are the
 * slow case. Playback in headless runs advances by 1/60 s of wall time per frame, whatever the
 * machine's speed, so that a screenshot shows the same instant everywhere. */
#include "ui_gfx.h"
#include "ui_course.h"
#include "ui_plot.h"

#include "app/app.h"
#include "util.h"

#include <SDL2/SDL_ttf.h>
#include <cairo.h>
#include <cJSON.h>
#include <dirent.h>
#include <fontconfig/fontconfig.h>
#include <errno.h>
#include <libxml/parser.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


/* ----------------------------------------------------------------------------------------- */

void ui_app_layout_regions(ui_app *a)
{
    int ow = a->w, oh = a->h;
    float s = fminf((float)ow / 1920.0f, (float)oh / 1080.0f);
    if (a->win && !a->headless) {
        int ww, wh;
        SDL_GetWindowSize(a->win, &ww, &wh);
        if (ww > 0) s *= (float)ow / (float)ww;    /* HiDPI: more pixels than window units */
    }
    if (s < 0.85f) s = 0.85f;
    if (s > 4) s = 4;
    if (fabsf(s - a->scale) > 0.01f) {
        a->scale = s;
        if (a->tx) ui_text_set_scale(a->tx, s);
        if (a->panel) ui_panel_relayout(a->panel);
    }
    int top = (int)(44 * s), left = (int)(350 * s), panel = a->show_panel && a->panel ? (int)(560 * s) : 0;
    if (ow - left - panel < (int)(360 * s)) panel = ow - left - (int)(360 * s) > (int)(300 * s) ? ow - left - (int)(360 * s) : 0;
    int tlh = (int)(200 * s);
    if (oh < 900 * s) tlh = (int)(160 * s);
    a->r_top = (SDL_Rect){ 0, 0, ow, top };
    a->r_left = (SDL_Rect){ 0, top, left, oh - top };
    a->r_panel = (SDL_Rect){ ow - panel, top, panel, oh - top };
    a->r_factory = (SDL_Rect){ left, top, ow - left - panel, oh - top - tlh };
    a->r_timeline = (SDL_Rect){ left, oh - tlh, ow - left - panel, tlh };
    a->camera_set = 0;
}

/* Shift+F: the plan the banner of a step that does not fit offers, with the batch it was found for. */
static void take_fitting_plan(ui_app *a)
{
    const ui_scene *s = a->scene;
    if (!s || !s->unfit[0]) return;
    if (!s->fit_found) {
        ui_app_set_message(a, 1, "%s", _("no plan the controls can set fits: more GPUs (n), or a smaller model (m)"));
        return;
    }
    a->sc.tp = s->fit_plan.tp, a->sc.pp = s->fit_plan.pp, a->sc.mbs = s->fit_plan.mbs;
    a->sc.recompute = (int)s->fit_plan.recompute;
    a->sc.gbs = s->fit_plan.gbs;
    a->sc.first_layers = a->sc.last_layers = 0;
    ui_app_request(a);
}

void ui_app_request(ui_app *a)
{
    a->sc_dirty = 1;
    a->sc_changed_at = a->anim_s;
}

void ui_app_set_lang(ui_app *a, const char *lang)
{
    app_set_language(lang);   /* the interface language, as --lang sets it at start-up */
    /* The scene's own words (labels, notices, the banner, the explanation) are in the language it
     * was built in: its analytic part is built again, and the step it simulated moves into it
     * (adopt_scene), since nothing but words changed. Simulated afresh only when there is no step
     * of this very scenario to keep: none yet, one on its way, or a change waiting to be asked. */
    const ui_scene *s = a->scene;
    if (!a->sc_dirty && s && !s->pending && s->tracks && ui_scenario_same(&s->sc, &a->sc))
        ui_worker_request_words(&a->worker, &a->sc);
    else ui_app_request(a);
    if (a->panel) ui_panel_relayout(a->panel);
    if (a->plots) ui_plots_scene_changed(a->plots);
}

/* Asking for the language it already has cancels a switch still waiting. */
void ui_app_want_lang(ui_app *a, const char *lang)
{
    ut_strlcpy(a->lang_wanted, strcmp(lang, app_lang()) ? lang : "", sizeof a->lang_wanted);
}

int ui_lang_switch_due(const char *wanted, int worker_busy, int checker_busy)
{
    return wanted[0] && !worker_busy && !checker_busy;
}

/* Switching the language calls setlocale and setenv and binds gettext again. glibc makes none of
 * them safe while another thread translates a message with _(), formats a number with a decimal
 * mark (setlocale(LC_ALL, "") gives LC_NUMERIC the user's locale before setting it back to C) or
 * reads the environment (posix_spawn passes environ): the scene worker builds its notices, errors
 * and labels that way, the course checker its errors, and it spawns the grader. So the switch
 * waits, frame after frame, until both are idle; the window keeps drawing in the old language
 * meanwhile. Only this thread gives them work, so once idle they stay idle until the switch is
 * done and this thread asks again. (The roofline measurement thread only times kernels.) */
static void switch_lang_when_safe(ui_app *a)
{
    if (!ui_lang_switch_due(a->lang_wanted, ui_worker_busy(&a->worker), ui_panel_checking(a->panel))) return;
    char lang[sizeof a->lang_wanted];
    ut_strlcpy(lang, a->lang_wanted, sizeof lang);
    a->lang_wanted[0] = '\0';
    ui_app_set_lang(a, lang);
}

/* The platform picker's names: the presets, then "local" when this computer has been measured. */
static void list_presets(ui_app *a)
{
    a->npresets = app_list_presets(&a->presets);
    if (a->local_path[0]) {
        a->presets = ut_realloc(a->presets, (size_t)(a->npresets + 1) * sizeof *a->presets);
        a->presets[a->npresets++] = ut_strdup("local");
    }
}

/* The default course: installed next to the platforms, or in the source tree. */
static int default_course(char *buf, size_t size)
{
    if (app_data_file("courses/fondamentaux/index.lua", buf, size) == 0) {
        buf[strlen(buf) - strlen("/index.lua")] = '\0';
        return 0;
    }
    snprintf(buf, size, "%s/../courses/fondamentaux", app_exe_dir());
    char idx[4096];
    snprintf(idx, sizeof idx, "%s/index.lua", buf);
    FILE *f = fopen(idx, "r");
    if (!f) return -1;
    fclose(f);
    return 0;
}

int ui_app_init(ui_app *a, const ui_options *o, char *err, size_t n)
{
    memset(a, 0, sizeof *a);
    a->headless = o->headless;
    a->w = o->w, a->h = o->h;
    a->speed = 0;      /* chosen when the first scene arrives */
    a->playing = 1;
    a->show_panel = 1;
    xmlInitParser();   /* before threads that read platform files */

    if (app_local_platform(a->local_path, sizeof a->local_path) != 0) a->local_path[0] = '\0';
    app_platform_dirs(a->platform_dirs, sizeof a->platform_dirs);
    list_presets(a);

    if (a->headless) {
        /* offscreen, and the window's pixels in plain memory: without this hint SDL presents a
         * software frame through an OpenGL texture, which Mesa emulates on the CPU */
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    }
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
    const char *no_display = _("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set); "
                               "'usine screenshot --out FILE.png' renders a view without one, 'usine --help' lists the commands");
    if (!a->headless && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY") && !getenv("SDL_VIDEODRIVER")) {
        snprintf(err, n, "%s", no_display);
        return -1;
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, n, _("cannot open a window: %s (no display? try 'usine screenshot' or 'usine gui --headless')"), SDL_GetError());
        return -1;
    }
    /* without a display SDL falls back to its offscreen driver: a window nobody would see */
    const char *drv = SDL_GetCurrentVideoDriver(), *asked = getenv("SDL_VIDEODRIVER");
    if (!a->headless && drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) && !(asked && !strcmp(asked, drv))) {
        snprintf(err, n, "%s", no_display);
        return -1;
    }
    Uint32 flags = a->headless ? SDL_WINDOW_HIDDEN : SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    a->win = SDL_CreateWindow("Usine", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, a->w, a->h, flags);
    if (!a->win) {
        snprintf(err, n, _("cannot open a window: %s"), SDL_GetError());
        return -1;
    }
    a->ren = SDL_CreateRenderer(a->win, -1, a->headless ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!a->ren) a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    if (!a->ren) {
        snprintf(err, n, _("cannot draw in the window: %s"), SDL_GetError());
        return -1;
    }
    SDL_GetRendererOutputSize(a->ren, &a->w, &a->h);
    a->scale = 0;
    ui_app_layout_regions(a);
    a->tx = ui_text_create(a->ren, a->scale, err, n);
    if (!a->tx) return -1;

    /* the course */
    char course[4096];
    const char *cdir = o->course;
    if (!cdir && default_course(course, sizeof course) == 0) cdir = course;
    if (cdir && !*cdir) cdir = NULL;   /* --no-course */
    if (cdir) a->panel = ui_panel_create(a, cdir, o->exercise);
    else a->show_panel = 0;
    a->plots = ui_plots_create();
    a->explain = ui_explain_create();
    a->panel_layer = ui_layer_create();
    a->timeline_layer = ui_layer_create();
    ui_app_layout_regions(a);
    /* the scenario: the command line, else the exercise's platform, else the classroom */
    ui_scenario *sc = &a->sc;
    if (o->platform || !a->panel || !a->sc.platform[0]) {   /* else the exercise's scenario */
        snprintf(sc->platform, sizeof sc->platform, "%s", o->platform ? o->platform : "classroom");
        snprintf(sc->partition, sizeof sc->partition, "%s", o->partition ? o->partition : "");
    }
    snprintf(sc->model, sizeof sc->model, "%s", o->model ? o->model : "llama2-7b");
    sc->tp = o->tp > 0 ? o->tp : 2;
    sc->pp = o->pp > 0 ? o->pp : 4;
    sc->mbs = o->mbs > 0 ? o->mbs : 1;
    sc->gbs = o->gbs > 0 ? o->gbs : 0;   /* one that is not a multiple of dp x micro-batch: the scene takes the nearest */
    sc->gpus = o->gpus;
    sc->nodes = o->nodes;
    sc->stack = o->stack && tm_stack_find(o->stack) > 0 ? tm_stack_find(o->stack) : 0;
    sc->recompute = TM_RC_NONE;
    sc->prec = PLAT_BF16;

    a->sc_dirty = 0;
    /* the factory itself is on the first frame: its layout needs the platform file only, the
     * simulation comes later from the worker */
    char path[1024];
    plat_error pe;
    plat_platform *p = plat_find_file(sc->platform, a->platform_dirs, path, sizeof path) == 0 ? plat_load_file(path, &pe) : NULL;
    if (p) {
        int part = sc->partition[0] ? plat_find_partition(p, sc->partition) : 0;
        char why[512];   /* a what-if the scene will refuse is drawn as the file has it until then */
        if (part >= 0 && sc->nodes) plat_resize_partition(p, part, sc->nodes, why, sizeof why);
        if (part >= 0 && p->node_types[p->partitions[part].node].accel >= 0)
            a->layout = ui_layout_build(p, part, NULL, (double)a->r_factory.w / (a->r_factory.h > 0 ? a->r_factory.h : 1));
        plat_free(p);
    }
    if (ui_worker_start(&a->worker, a->platform_dirs, a->local_path[0] ? a->local_path : NULL) != 0) {
        snprintf(err, n, "%s", _("cannot start the simulation thread"));
        return -1;
    }
    ui_worker_request(&a->worker, &a->sc);
    return 0;
}

void ui_app_quit(ui_app *a)
{
    ui_worker_stop(&a->worker);
    ui_panel_destroy(a->panel);
    ui_layer_destroy(a->panel_layer);
    ui_layer_destroy(a->timeline_layer);
    free(a->link_hint);
    free(a->gpu_hint);
    ui_plots_destroy(a->plots);
    ui_explain_destroy(a->explain);
    ui_scene_free(a->scene);
    ui_layout_free(a->layout);
    ui_text_destroy(a->tx);
    app_free_names(a->presets, a->npresets);
    if (a->ren) SDL_DestroyRenderer(a->ren);
    if (a->win) SDL_DestroyWindow(a->win);
    if (TTF_WasInit()) TTF_Quit();
    SDL_Quit();
    /* cairo and fontconfig keep caches for the life of the process; give them back, so that
     * leak checkers see only real leaks */
    cairo_debug_reset_static_data();
    FcFini();
}

/* A new scene arrived: keep the playback position as a fraction of the step. */
static void adopt_scene(ui_app *a, ui_scene *s)
{
    a->scene_gen++;
    /* the words again (L): the step shown goes with them, else it is simulated again */
    if (s->words_only && (!a->scene || ui_scene_take_step(s, a->scene) != 0)) ui_app_request(a);
    free(a->link_hint);
    a->nlink_hint = s->nw ? s->nw->nlinks : 0;
    a->link_hint = a->nlink_hint ? ut_calloc((size_t)a->nlink_hint, sizeof *a->link_hint) : NULL;
    free(a->gpu_hint);
    a->ngpu_hint = s->tracks ? s->plan.gpus : 0;
    a->gpu_hint = a->ngpu_hint > 0 ? ut_calloc((size_t)a->ngpu_hint, sizeof *a->gpu_hint) : NULL;
    double frac = a->scene && a->scene->st.end_s > 0 ? a->t_step_s / a->scene->st.end_s : 0;
    int same_plat = a->scene && a->scene->plat && s->plat && !strcmp(a->scene->plat_path, s->plat_path) &&
                    a->scene->part == s->part;
    if (s->plat) {
        ui_layout_free(a->layout);
        a->layout = ui_layout_build(s->plat, s->part, s->nw, (double)a->r_factory.w / (a->r_factory.h > 0 ? a->r_factory.h : 1));
        if (!same_plat) a->camera_set = 0, a->sel = (ui_hit){ UI_HOVER_NONE, 0 };
    } else {
        ui_layout_free(a->layout);
        a->layout = NULL;
    }
    ui_scene_free(a->scene);
    a->scene = s;
    a->t_step_s = s->st.end_s > 0 ? frac * s->st.end_s : 0;
    if (a->speed <= 0 && s->st.end_s > 0) {
        /* slow enough to follow the pipeline: one step in about eight seconds */
        double sp = s->st.end_s / 8;
        a->speed = pow(10, floor(log10(sp)));
        if (a->speed > 1e6) a->speed = 1e6;
        if (a->speed < 1e-3) a->speed = 1e-3;
    }
    if (a->plots) ui_plots_scene_changed(a->plots);
    ui_explain_scene_changed(a->explain);
}

/* What drawing reads but must not compute: the camera, the object under the mouse, the panel's
 * text layout and the plots' images. */
static void prepare_frame(ui_app *a)
{
    if (a->layout && !a->camera_set) ui_camera_fit(a);
    if (a->left_scroll > a->frame.left_max) a->left_scroll = a->frame.left_max;   /* as far as the column went (a taller window) */
    a->hover = ui_factory_shown(a) ? ui_factory_pick(a, a->mouse_x, a->mouse_y) : (ui_hit){ UI_HOVER_NONE, 0 };
    if (a->show_panel && a->panel) ui_panel_prepare(a, a->panel, a->r_panel);
    if (!ui_factory_shown(a)) ui_plots_prepare(a, a->plots, ui_plots_region(a));
    if (a->show_explain && a->explain) ui_explain_prepare(a, a->explain);
}

/* Every tick of the panel goes through here: a change it reports redraws the panel's layer. */
static int panel_tick(ui_app *a)
{
    int changed = a->panel && ui_panel_tick(a, a->panel);
    a->panel_gen += (unsigned)changed;
    return changed;
}

void ui_app_frame(ui_app *a, double dt)
{
    a->anim_s += dt;
    switch_lang_when_safe(a);
    ui_scene *s = ui_worker_take(&a->worker);
    if (s) adopt_scene(a, s);
    if (a->sc_dirty && a->anim_s - a->sc_changed_at > 0.15) {
        a->sc_dirty = 0;
        ui_worker_request(&a->worker, &a->sc);
    }
    panel_tick(a);
    ui_reap_children();
    const ui_scene *sc = a->scene;
    if (sc && sc->st.end_s > 0 && a->playing) {
        double adv = dt * a->speed;
        a->elapsed_s += adv;
        double T = sc->st.end_s;
        double t = a->t_step_s + adv;
        double k = floor(t / T);
        a->steps_done += (long)k;
        a->t_step_s = t - k * T;
    }
    prepare_frame(a);
    ui_frame f;
    ui_draw_all(a, &f);
    a->frame = f;
    ui_text_end_frame(a->tx);
}

/* ----------------------------------------------------------------------------------------- */
/* Input. */

static void zoom_at(ui_app *a, int mx, int my, float factor)
{
    float wx = (mx - a->r_factory.x) / a->zoom + a->cam_x, wy = (my - a->r_factory.y) / a->zoom + a->cam_y;
    a->zoom *= factor;
    if (a->zoom < 0.02f) a->zoom = 0.02f;
    if (a->zoom > 200) a->zoom = 200;
    a->cam_x = wx - (mx - a->r_factory.x) / a->zoom;
    a->cam_y = wy - (my - a->r_factory.y) / a->zoom;
}

static void scrub_to(ui_app *a, int x)
{
    if (!a->scene || a->scene->st.end_s <= 0) return;
    int pad = (int)(10 * a->scale), label_w = (int)(110 * a->scale);
    int x0 = a->r_timeline.x + pad + label_w, x1 = a->r_timeline.x + a->r_timeline.w - pad;
    double f = (double)(x - x0) / (x1 - x0);
    if (f < 0) f = 0;
    if (f > 0.9999) f = 0.9999;
    a->t_step_s = f * a->scene->st.end_s;
    a->playing = 0;
}

static void export_plots(ui_app *a)
{
    char msg[1024];
    int rc = ui_plots_export(a, a->plots, msg, sizeof msg);
    ui_app_set_message(a, rc != 0, "%s", msg);
}

int ui_app_event(ui_app *a, const SDL_Event *e)
{
    a->panel_gen++;   /* a key, a click, the mouse over a button: the panel may show it */
    switch (e->type) {
    case SDL_QUIT: return 1;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            SDL_GetRendererOutputSize(a->ren, &a->w, &a->h);
            ui_app_layout_regions(a);
            /* the rack grid follows the view's shape */
            if (a->scene && a->scene->plat) {
                ui_layout_free(a->layout);
                a->layout = ui_layout_build(a->scene->plat, a->scene->part, a->scene->nw,
                                            (double)a->r_factory.w / (a->r_factory.h > 0 ? a->r_factory.h : 1));
            }
        }
        break;
    case SDL_MOUSEMOTION:
        a->mouse_x = e->motion.x, a->mouse_y = e->motion.y;
        if (a->win && !a->headless) {   /* HiDPI: events are in window units */
            int ww, wh;
            SDL_GetWindowSize(a->win, &ww, &wh);
            if (ww > 0) a->mouse_x = e->motion.x * a->w / ww, a->mouse_y = e->motion.y * a->h / wh;
        }
        if (a->dragging == 1) {
            a->cam_x -= (a->mouse_x - a->drag_x) / a->zoom;
            a->cam_y -= (a->mouse_y - a->drag_y) / a->zoom;
            a->drag_x = a->mouse_x, a->drag_y = a->mouse_y;
        } else if (a->dragging == 2) scrub_to(a, a->mouse_x);
        break;
    case SDL_MOUSEWHEEL:
        if (a->show_explain && ui_inside(&a->frame.explain, a->mouse_x, a->mouse_y))
            ui_explain_scroll(a, -3 * e->wheel.y, 0);
        else if (ui_inside(&a->r_factory, a->mouse_x, a->mouse_y) && a->view == UI_VIEW_FACTORY)
            zoom_at(a, a->mouse_x, a->mouse_y, e->wheel.y > 0 ? 1.25f : 0.8f);
        else if (ui_inside(&a->r_left, a->mouse_x, a->mouse_y)) {   /* a column taller than the window */
            int v = a->left_scroll - e->wheel.y * (int)(60 * a->scale);
            a->left_scroll = v < 0 ? 0 : v > a->frame.left_max ? a->frame.left_max : v;
        } else if (a->show_panel && a->panel && ui_inside(&a->r_panel, a->mouse_x, a->mouse_y))   /* the area under the mouse */
            ui_panel_scroll(a->panel, &a->frame.panel, ui_panel_area_at(&a->frame.panel, a->mouse_x, a->mouse_y),
                            -e->wheel.y * (int)(60 * a->scale));
        break;
    case SDL_MOUSEBUTTONDOWN: {
        int x = a->mouse_x, y = a->mouse_y;
        if (e->button.button != SDL_BUTTON_LEFT) break;
        if (a->show_help) {
            a->show_help = 0;
            break;
        }
        if (ui_controls_click(a, &a->frame, x, y)) break;
        if (a->show_explain && ui_inside(&a->frame.explain, x, y)) break;   /* over the factory and the panel */
        if (a->show_panel && a->panel && ui_inside(&a->r_panel, x, y)) {
            ui_panel_click(a, a->panel, &a->frame.panel, x, y);
            break;
        }
        if (ui_inside(&a->r_timeline, x, y) && a->view == UI_VIEW_FACTORY) {
            a->dragging = 2;
            scrub_to(a, x);
            break;
        }
        if (ui_inside(&a->r_factory, x, y)) {
            a->dragging = 1, a->drag_x = x, a->drag_y = y;
            /* a cable or a rack is shown while hovered, not pinned */
            int pin = a->hover.kind != UI_HOVER_CABLE && a->hover.kind != UI_HOVER_RACK;
            a->sel = pin ? a->hover : (ui_hit){ UI_HOVER_NONE, 0 };
        }
        break;
    }
    case SDL_MOUSEBUTTONUP: a->dragging = 0; break;
    case SDL_KEYDOWN: {
        SDL_Keycode k = e->key.keysym.sym;
        int shift = (e->key.keysym.mod & KMOD_SHIFT) != 0;
        if (a->show_help && k != SDLK_F1) {
            a->show_help = 0;
            if (k == SDLK_ESCAPE) break;
        }
        if (a->show_explain && (k == SDLK_ESCAPE || k == SDLK_UP || k == SDLK_DOWN || k == SDLK_PAGEUP || k == SDLK_PAGEDOWN)) {
            if (k == SDLK_ESCAPE) a->show_explain = 0;
            else ui_explain_scroll(a, k == SDLK_UP ? -1 : k == SDLK_DOWN ? 1 : 0, k == SDLK_PAGEUP ? -1 : k == SDLK_PAGEDOWN ? 1 : 0);
            break;
        }
        switch (k) {
        case SDLK_ESCAPE:
        case SDLK_q: return 1;
        case SDLK_F1:
        case SDLK_h:
        case SDLK_QUESTION: a->show_help = !a->show_help; break;
        case SDLK_SPACE: a->playing = !a->playing; break;
        case SDLK_PLUS:
        case SDLK_EQUALS:
        case SDLK_KP_PLUS: a->speed = fmin(a->speed * 10, 1e6); break;
        case SDLK_MINUS:
        case SDLK_KP_MINUS: a->speed = fmax(a->speed / 10, 1e-3); break;
        case SDLK_HOME: a->t_step_s = 0, a->elapsed_s = 0, a->steps_done = 0; break;
        case SDLK_PERIOD:
        case SDLK_COMMA:
        case SDLK_LEFT:
        case SDLK_RIGHT:
            if (a->scene && a->scene->st.end_s > 0) {
                double T = a->scene->st.end_s, d = (k == SDLK_PERIOD || k == SDLK_RIGHT ? 1 : -1) * T / 100;
                a->t_step_s = fmod(a->t_step_s + d + T, T);
                if (k == SDLK_PERIOD || k == SDLK_COMMA) a->playing = 0;
            }
            break;
        case SDLK_p: ui_controls_change(a, UI_C_PLATFORM, shift ? -1 : 1); break;
        case SDLK_a: ui_controls_change(a, UI_C_PARTITION, 1); break;
        case SDLK_o: ui_controls_change(a, UI_C_NODES, shift ? 1 : -1); break;
        case SDLK_m: ui_controls_change(a, UI_C_MODEL, shift ? -1 : 1); break;
        case SDLK_n: ui_controls_change(a, UI_C_GPUS, shift ? 1 : -1); break;
        case SDLK_t: ui_controls_change(a, UI_C_TP, shift ? 1 : -1); break;
        case SDLK_y: ui_controls_change(a, UI_C_PP, shift ? 1 : -1); break;
        case SDLK_j: ui_controls_change(a, UI_C_STAGES, shift ? 1 : -1); break;
        case SDLK_s: ui_controls_change(a, UI_C_STACK, shift ? -1 : 1); break;
        case SDLK_d: a->show_explain = !a->show_explain; break;
        case SDLK_b: ui_controls_change(a, UI_C_MBS, shift ? 1 : -1); break;
        case SDLK_v: ui_controls_change(a, UI_C_GBS, shift ? 1 : -1); break;
        case SDLK_r:
            if (shift) ui_plots_measure(a, a->plots);
            else ui_controls_change(a, UI_C_RECOMPUTE, 1);
            break;
        case SDLK_f:
            if (shift) take_fitting_plan(a);
            else ui_controls_change(a, UI_C_PREC, 1);
            break;
        case SDLK_g: a->gantt_per_gpu = !a->gantt_per_gpu; break;
        case SDLK_TAB: a->view = a->view == UI_VIEW_FACTORY ? UI_VIEW_PLOTS : UI_VIEW_FACTORY; break;
        case SDLK_x: export_plots(a); break;
        case SDLK_c: {
            a->show_panel = !a->show_panel;
            ui_app_layout_regions(a);
            SDL_Event ev = { .window = { .type = SDL_WINDOWEVENT, .event = SDL_WINDOWEVENT_SIZE_CHANGED } };
            ui_app_event(a, &ev);   /* the factory's view changed shape */
            break;
        }
        case SDLK_e:
            if (a->panel) ui_panel_open_editor(a, a->panel);
            break;
        case SDLK_k:
            if (a->panel) ui_panel_check_now(a, a->panel);
            break;
        case SDLK_UP:
        case SDLK_DOWN:
            if (a->panel && a->show_panel)   /* the exercise's text; with Shift, the checks */
                ui_panel_scroll(a->panel, &a->frame.panel, shift ? UI_PANEL_CHECKS : UI_PANEL_TEXT,
                                (k == SDLK_DOWN ? 1 : -1) * (int)(60 * a->scale));
            break;
        case SDLK_PAGEUP:
        case SDLK_PAGEDOWN:
            if (a->panel) ui_panel_next_exercise(a, a->panel, k == SDLK_PAGEDOWN ? 1 : -1);
            break;
        case SDLK_l: {   /* the other language than the one shown or already asked for */
            const char *now = a->lang_wanted[0] ? a->lang_wanted : app_lang();
            ui_app_want_lang(a, strcmp(now, "fr") ? "fr" : "en");
            break;
        }
        case SDLK_0: a->camera_set = 0; break;
        default: break;
        }
        break;
    }
    default: break;
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------- */
/* Runs, for the command line (ui_run.h). */

static void report_error(ui_report *r, const char *msg)
{
    if (r->nerrors < (int)(sizeof r->errors / sizeof *r->errors)) ut_strlcpy(r->errors[r->nerrors++], msg, sizeof r->errors[0]);
}

/* Press keys, as the window would receive them: "Tab,Shift+t,F1" (SDL's key names). With a NULL
 * app, only checks the names. Returns 0, or -1 at the first unknown name. */
static int press_keys(ui_app *a, const char *list)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        Uint16 mod = 0;
        if (!strncasecmp(k, "Shift+", 6)) mod = KMOD_LSHIFT, k += 6;
        SDL_Keycode code = SDL_GetKeyFromName(k);
        if (code == SDLK_UNKNOWN) return -1;
        if (!a) continue;
        SDL_Event e = { .key = { .type = SDL_KEYDOWN, .state = SDL_PRESSED, .keysym = { .sym = code, .mod = mod } } };
        ui_app_event(a, &e);
    }
    return 0;
}

int ui_keys_valid(const char *list)
{
    return press_keys(NULL, list) == 0;
}

/* Wait for the worker's scene (and the exercise's first check) so that a headless frame shows them;
 * a language asked for is switched to, and a changed scenario simulated, meanwhile. */
static int wait_ready(ui_app *a, double limit_s)
{
    double t0 = ut_now_s();
    while (ut_now_s() - t0 < limit_s) {
        ui_scene *s = ui_worker_take(&a->worker);
        if (s) adopt_scene(a, s);
        panel_tick(a);
        switch_lang_when_safe(a);
        if (a->sc_dirty) {   /* a changed scenario: simulate it now, without the window's pause */
            a->sc_dirty = 0;
            ui_worker_request(&a->worker, &a->sc);
        }
        int busy = ui_worker_busy(&a->worker) || (a->panel && ui_panel_busy(a->panel));
        if (a->scene && !busy && !a->lang_wanted[0]) return 0;
        SDL_Delay(5);
    }
    return -1;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int write_png(ui_app *a, const char *path, char *err, size_t n)
{
    int stride = a->w * 4;
    unsigned char *px = ut_malloc((size_t)stride * a->h);
    if (SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, stride) != 0) {
        snprintf(err, n, _("cannot read the frame back: %s"), SDL_GetError());
        free(px);
        return -1;
    }
    int cs = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, a->w);
    cairo_surface_t *s = NULL;
    if (cs == stride) s = cairo_image_surface_create_for_data(px, CAIRO_FORMAT_RGB24, a->w, a->h, stride);
    cairo_status_t st = s ? cairo_surface_write_to_png(s, path) : CAIRO_STATUS_INVALID_STRIDE;
    if (s) cairo_surface_destroy(s);
    free(px);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, n, _("cannot write '%s': %s"), path, cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

/* Nothing moves on screen and nothing is on its way: paused, no scene or check coming, no
 * message fading. The window then sleeps until an event (or a quarter of a second, for the
 * student's file, which the panel watches). */
static int idle(const ui_app *a)
{
    return !a->playing && !a->sc_dirty && !a->lang_wanted[0] && !ui_worker_busy(&a->worker) &&
           !(a->panel && ui_panel_busy(a->panel)) && !(a->message[0] && a->anim_s < a->message_until);
}

/* The times of the frames and what the window shows, for `usine gui --headless --json`. */
static cJSON *frames_json(ui_app *a, int frames, double first_ms, double ready_ms, double p50, double p99, double mx)
{
    const ui_scene *s = a->scene;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "platform", s && s->plat ? s->plat->id : a->sc.platform);
    cJSON_AddStringToObject(j, "partition", s && s->plat ? s->plat->partitions[s->part].id : "");
    cJSON_AddNumberToObject(j, "gpus_drawn", a->layout ? (double)a->layout->nodes * a->layout->gpn : 0);
    cJSON_AddNumberToObject(j, "gpus_simulated", s ? s->plan.gpus : 0);
    cJSON_AddNumberToObject(j, "width", a->w);
    cJSON_AddNumberToObject(j, "height", a->h);
    SDL_RendererInfo info;
    SDL_GetRendererInfo(a->ren, &info);
    cJSON_AddStringToObject(j, "renderer", info.name);
    cJSON_AddNumberToObject(j, "frames", frames);
    cJSON_AddNumberToObject(j, "startup_to_first_frame_ms", first_ms);
    cJSON_AddNumberToObject(j, "simulation_ms", s ? s->sim_wall_s * 1e3 : 0);
    cJSON_AddNumberToObject(j, "simulation_work", s ? (double)s->st.work : 0);
    cJSON_AddNumberToObject(j, "simulations_run", (double)ui_worker_simulated(&a->worker));   /* steps simulated by this run */
    cJSON_AddNumberToObject(j, "ready_ms", ready_ms);
    cJSON_AddNumberToObject(j, "frame_ms_p50", p50);
    cJSON_AddNumberToObject(j, "frame_ms_p99", p99);
    cJSON_AddNumberToObject(j, "frame_ms_max", mx);
    if (s && s->error[0]) cJSON_AddStringToObject(j, "error", s->error);
    /* what the window shows, for tests of the keys */
    cJSON *v = cJSON_AddObjectToObject(j, "state");
    cJSON_AddStringToObject(v, "platform", a->sc.platform);
    cJSON_AddNumberToObject(v, "nodes", (double)a->sc.nodes);
    cJSON_AddStringToObject(v, "model", a->sc.model);
    cJSON_AddNumberToObject(v, "tp", a->sc.tp);
    cJSON_AddNumberToObject(v, "pp", a->sc.pp);
    cJSON_AddNumberToObject(v, "mbs", a->sc.mbs);
    cJSON_AddNumberToObject(v, "gbs", (double)a->sc.gbs);   /* 0: the scene's choice */
    cJSON_AddNumberToObject(v, "global_batch", s ? (double)s->plan.gbs : 0);   /* the batch predicted and simulated */
    cJSON_AddNumberToObject(v, "micro_batches", s ? s->r.micro_batches : 0);
    cJSON_AddStringToObject(v, "recompute", tm_recompute_name((tm_recompute)a->sc.recompute));
    cJSON_AddStringToObject(v, "precision", plat_prec_name((plat_prec)a->sc.prec));
    cJSON_AddStringToObject(v, "stack", tm_stack_at(a->sc.stack)->id);
    cJSON_AddNumberToObject(v, "first_layers", a->sc.first_layers);
    cJSON_AddNumberToObject(v, "last_layers", a->sc.last_layers);
    char split[64];
    cJSON_AddStringToObject(v, "stages", ui_stage_text(tm_model_preset(a->sc.model), a->sc.pp, a->sc.first_layers, a->sc.last_layers,
                                                       split, sizeof split));
    cJSON_AddBoolToObject(v, "fits", s && s->nterms && s->r.mem.fits);
    cJSON_AddStringToObject(v, "unfit", s ? s->unfit : "");
    cJSON *els = cJSON_AddArrayToObject(v, "elsewhere");   /* the lines of "The same job elsewhere" */
    for (int i = 0; s && i < UI_EXTRA_COUNT; i++) {
        if (s->extra[i].same) continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "label", s->extra[i].label);
        cJSON_AddBoolToObject(e, "ok", s->extra[i].ok);
        cJSON_AddBoolToObject(e, "replanned", s->extra[i].replanned);
        cJSON_AddItemToArray(els, e);
    }
    cJSON_AddBoolToObject(v, "explain", a->show_explain);
    cJSON_AddNumberToObject(v, "explain_terms", s ? s->nterms : 0);
    cJSON_AddStringToObject(v, "view", a->view == UI_VIEW_PLOTS ? "plots" : "factory");
    cJSON_AddBoolToObject(v, "panel", a->show_panel && a->panel);
    if (a->show_panel && a->panel) {   /* the course panel's two areas, each scrolled on its own */
        const ui_panel_hits *h = &a->frame.panel;
        cJSON *pn = cJSON_AddObjectToObject(v, "course_panel");
        cJSON_AddNumberToObject(pn, "text_scroll", h->text_scroll);
        cJSON_AddNumberToObject(pn, "text_max", h->text_max);
        cJSON_AddNumberToObject(pn, "text_height", h->text.h);
        cJSON_AddNumberToObject(pn, "checks_scroll", h->checks_scroll);
        cJSON_AddNumberToObject(pn, "checks_max", h->checks_max);
        cJSON_AddNumberToObject(pn, "checks_height", h->checks.h);
    }
    cJSON_AddStringToObject(v, "tip", a->frame.tip);   /* a cut line under the mouse, whole */
    cJSON_AddNumberToObject(v, "left_scroll", a->left_scroll);
    cJSON_AddNumberToObject(v, "left_max", a->frame.left_max);   /* 0: the left column fits */
    cJSON_AddBoolToObject(v, "help", a->show_help);
    cJSON_AddBoolToObject(v, "per_gpu_timeline", a->gantt_per_gpu);
    cJSON_AddStringToObject(v, "lang", app_lang());
    cJSON_AddNumberToObject(v, "speed", a->speed);
    cJSON_AddBoolToObject(v, "playing", a->playing);
    cJSON_AddBoolToObject(v, "idle", idle(a));   /* the interactive window would sleep until an event */
    return j;
}

/* N frames at 1/60 s of playback each, timed; their times go to the report. */
static void timed_frames(ui_app *a, const ui_options *o, double first_ms, double ready_ms, ui_report *r)
{
    double *ms = ut_malloc((size_t)o->frames * sizeof *ms);
    a->mouse_x = a->r_factory.x + a->r_factory.w / 2, a->mouse_y = a->r_factory.y + a->r_factory.h / 2;
    for (int i = 0; i < o->frames; i++) {
        SDL_Event e;
        while (SDL_PollEvent(&e)) ui_app_event(a, &e);
        double t0 = ut_now_s();
        ui_app_frame(a, 1.0 / 60);
        SDL_RenderPresent(a->ren);
        ms[i] = (ut_now_s() - t0) * 1e3;
    }
    qsort(ms, (size_t)o->frames, sizeof *ms, cmp_double);
    double p50 = ms[o->frames / 2], p99 = ms[(int)ceil(o->frames * 0.99) - 1], mx = ms[o->frames - 1];
    r->frames = frames_json(a, o->frames, first_ms, ready_ms, p50, p99, mx);
    free(ms);
}

/* Without a display: the first frame at once (what a user sees at start-up), then, once the scene
 * is ready and the keys pressed, one frame to a PNG (screenshot) or the timed frames. */
static int headless(ui_app *a, const ui_options *o, int shot, double t_start, ui_report *r)
{
    ui_app_frame(a, 0);
    SDL_RenderPresent(a->ren);
    double first_ms = (ut_now_s() - t_start) * 1e3, tw = ut_now_s();
    int ready = wait_ready(a, 600) == 0;
    if (ready && o->keys) {
        ui_app_frame(a, 0);   /* what the user sees when pressing them: the keys act on its hit areas */
        press_keys(a, o->keys);
        ready = wait_ready(a, 600) == 0;
    }
    if (!ready) {
        report_error(r, _("the simulation did not finish in 10 minutes"));
        return UI_FAILED;
    }
    double ready_ms = (ut_now_s() - tw) * 1e3;
    int rc = UI_OK;
    if (a->scene && a->scene->error[0]) report_error(r, a->scene->error), rc = UI_BAD_INPUT;
    if (a->panel && ui_panel_error(a->panel))   /* a broken course or exercise: shown, and said */
        report_error(r, ui_panel_error(a->panel)), rc = UI_BAD_INPUT;
    if (!shot) {
        timed_frames(a, o, first_ms, ready_ms, r);
        return rc;
    }
    if (a->scene && a->scene->st.end_s > 0) a->t_step_s = a->elapsed_s = o->at * a->scene->st.end_s;
    a->playing = 0;
    a->mouse_x = a->mouse_y = -1;
    ui_app_frame(a, 1.0 / 60);
    char err[1024];
    if (write_png(a, o->out, err, sizeof err) != 0) {
        report_error(r, err);
        return UI_BAD_INPUT;
    }
    r->w = a->w, r->h = a->h;
    ut_strlcpy(r->platform, a->scene && a->scene->plat ? a->scene->plat->id : "", sizeof r->platform);
    return rc;
}

/* The interactive loop: about 60 frames a second while something moves; idle, no frame until an
 * event or a change the panel brings (it watches the student's file four times a second). */
static void interactive(ui_app *a)
{
    double last = ut_now_s();
    int need = 1;   /* a frame to draw */
    for (int quit = 0; !quit;) {
        SDL_Event e;
        while (SDL_PollEvent(&e)) {
            need = 1;
            if (ui_app_event(a, &e)) quit = 1;
        }
        if (quit) break;
        if (!need && idle(a)) {
            if (panel_tick(a)) need = 1;
            else if (SDL_WaitEventTimeout(&e, 250)) {
                need = 1;
                if (ui_app_event(a, &e)) quit = 1;
            }
            continue;
        }
        double now = ut_now_s(), dt = now - last;
        last = now;
        if (dt > 0.25) dt = 0.25;
        ui_app_frame(a, dt);
        SDL_RenderPresent(a->ren);
        need = !idle(a);
        if (!need) continue;
        double spent = ut_now_s() - now;
        if (spent < 1.0 / 60) SDL_Delay((Uint32)((1.0 / 60 - spent) * 1000));
    }
}

static int run(const ui_options *opt, int shot, ui_report *r)
{
    double t_start = ut_now_s();
    memset(r, 0, sizeof *r);
    ui_options o = *opt;
    if (shot) o.headless = 1;
    ui_app a;
    char err[1024];
    if (ui_app_init(&a, &o, err, sizeof err) != 0) {
        report_error(r, err);
        ui_app_quit(&a);
        return UI_BAD_INPUT;
    }
    if (o.view && !strcmp(o.view, "plots")) a.view = UI_VIEW_PLOTS;
    if (o.view && !strcmp(o.view, "help")) a.show_help = 1;
    int rc = UI_OK;
    if (o.headless) rc = headless(&a, &o, shot, t_start, r);
    else interactive(&a);
    ui_app_quit(&a);
    return rc;
}

int ui_run(const ui_options *o, ui_report *r) { return run(o, 0, r); }
int ui_screenshot(const ui_options *o, ui_report *r) { return run(o, 1, r); }
