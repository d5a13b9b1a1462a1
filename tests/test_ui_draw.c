/* test_ui_draw.c: the window's drawing, called directly, in a program linked with the libraries
 * only (libui, libapp, libscripting, libusine, libkernels), without any object of sim/cli/: that
 * this program links is the first check. The app is built headless (SDL's offscreen driver and
 * software renderer, as `usine screenshot` does), the scene simulated on its worker, then one frame
 * is drawn with ui_app_frame -> ui_draw_all, in English and in French.
 *
 * Checked on the frame: it is not blank (many colours, the phases' among them). Checked on the
 * strings drawn: every one goes through ui_text_draw, which the Makefile wraps (-Wl,--wrap) to
 * record them; the heads-up display's figures are in the interface language (French: a decimal
 * comma and no decimal point between digits; English: the reverse), and the MFU the display
 * shows is the scene's own figure written by the application layer's app_pct.
 *
 * The window's contracts: a frame leaves its hit areas in a ui_frame (the controls' - and +
 * buttons lie in the left column, and a click at a + button's centre, sent as SDL events, changes
 * that setting); drawing the same app twice leaves the app as it was, the same hit areas and the
 * same pixels; the mouse over a GPU is a UI_HOVER_GPU hover (and the tooltip says which GPU). The
 * language switch waits while another thread of the window works: the rule as a pure function,
 * then the app itself with its worker held busy. With the course panel open, its buttons and its
 * exercise list are in the frame too, and clicks on them move between exercises.
 *
 * The panel grades the student's file by starting this very program as `PROGRAM grade ...` (it is
 * /proc/self/exe): main answers such a call by exiting at once, so the panel shows "no result",
 * and the user's data folder is a fresh temporary one. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <string.h>

#include "ui_gfx.h"
#include "app/app.h"

/* ---------------------------------------------------------------------------------------------- */
/* The strings drawn in the current frame. */

#define MAX_DRAWN 4096
static char *drawn[MAX_DRAWN];
static struct { int x, y, align; SDL_Rect clip; } drawn_at[MAX_DRAWN];   /* where, and the clip set then */
static int ndrawn;
static SDL_Renderer *drawn_on;   /* the app's, for the clip */

int __real_ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align);
int __wrap_ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align);
int __wrap_ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align)
{
    if (ndrawn < MAX_DRAWN) {
        drawn_at[ndrawn].x = x, drawn_at[ndrawn].y = y, drawn_at[ndrawn].align = align;
        drawn_at[ndrawn].clip = (SDL_Rect){ 0, 0, 0, 0 };
        if (drawn_on) SDL_RenderGetClipRect(drawn_on, &drawn_at[ndrawn].clip);
        drawn[ndrawn++] = strdup(s);
    }
    return __real_ui_text_draw(t, f, s, x, y, c, align);
}

static ui_app app;

/* The texts cut to fit in the current frame: the whole and what was drawn instead. */
#define MAX_CUT 512
static char *cut_whole[MAX_CUT], *cut_shown[MAX_CUT];
static int ncut;

int __real_ui_text_fit(ui_text *t, ui_font f, const char *s, int max_w, char *out, size_t size);
int __wrap_ui_text_fit(ui_text *t, ui_font f, const char *s, int max_w, char *out, size_t size);
int __wrap_ui_text_fit(ui_text *t, ui_font f, const char *s, int max_w, char *out, size_t size)
{
    int cut = __real_ui_text_fit(t, f, s, max_w, out, size);
    if (cut && ncut < MAX_CUT) cut_whole[ncut] = strdup(s), cut_shown[ncut++] = strdup(out);
    return cut;
}

/* Forgetting what was drawn also forgets the layers (the course panel's, the timeline's), which
 * are otherwise copied while nothing they show changes: the next frame draws every string. */
static void forget_drawn(void)
{
    for (int i = 0; i < ndrawn; i++) free(drawn[i]);
    for (int i = 0; i < ncut; i++) free(cut_whole[i]), free(cut_shown[i]);
    ndrawn = ncut = 0;
    app.panel_gen++, app.scene_gen++;
}

static int was_drawn(const char *s)
{
    for (int i = 0; i < ndrawn; i++)
        if (!strcmp(drawn[i], s)) return 1;
    return 0;
}

/* A digit, `mark`, a digit: a decimal number written with that mark. */
static int has_decimal(const char *s, char mark)
{
    for (size_t i = 1; s[i] && s[i + 1]; i++)
        if (s[i] == mark && isdigit((unsigned char)s[i - 1]) && isdigit((unsigned char)s[i + 1])) return 1;
    return 0;
}

/* ---------------------------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    char assets[PATH_MAX];
    if (!realpath("assets", assets)) return -1;   /* run from the repository root, as make test does */
    setenv("USINE_DATADIR", assets, 1);
    char mo[PATH_MAX];   /* the program finds its catalogs beside itself; this test binary does not */
    if (realpath("build/locale", mo)) bindtextdomain("usine", mo);
    app_init_language("en");
    ui_options o = { .platform = "classroom", .model = "llama2-7b", .course = "", .w = 1600, .h = 900, .headless = 1 };
    char err[1024];
    if (ui_app_init(&app, &o, err, sizeof err) != 0) {
        fprintf(stderr, "ui_app_init: %s\n", err);
        ui_app_quit(&app);
        return -1;
    }
    /* the worker simulates the scene; frames adopt it when it is ready */
    for (int i = 0; i < 60000 && (!app.scene || ui_worker_busy(&app.worker)); i++) {
        ui_app_frame(&app, 0);
        SDL_Delay(1);
    }
    if (!app.scene || app.scene->error[0] || !app.scene->tracks) return -1;
    drawn_on = app.ren;
    app.playing = 0;
    app.t_step_s = 0.4 * app.scene->st.end_s;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    forget_drawn();
    ui_app_quit(&app);
    return 0;
}

/* Frames until the worker has nothing on its way and its scene is taken. */
static void settle_worker(void)
{
    for (int i = 0; i < 60000 && ui_worker_busy(&app.worker); i++) {
        ui_app_frame(&app, 0);
        SDL_Delay(1);
    }
    ui_app_frame(&app, 0);
}

/* Draw one frame in lang; the strings drawn are in `drawn`. The language changed, not the
 * scenario: the scene's words are built again, its step kept (no new simulation). */
static void draw_in(const char *lang)
{
    long simulated = ui_worker_simulated(&app.worker);
    ui_app_set_lang(&app, lang);
    assert_false(app.sc_dirty);
    settle_worker();
    assert_int_equal(ui_worker_simulated(&app.worker), simulated);
    forget_drawn();
    ui_app_frame(&app, 0);
}

/* Distinct colours in the frame, up to a cap. */
static int colours(void)
{
    int w = app.w, h = app.h;
    Uint32 *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    assert_int_equal(SDL_RenderReadPixels(app.ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, w * 4), 0);
    Uint32 seen[256];
    int n = 0;
    for (int i = 0; i < w * h && n < 256; i += 7) {
        int k = 0;
        while (k < n && seen[k] != px[i]) k++;
        if (k == n) seen[n++] = px[i];
    }
    free(px);
    return n;
}

static const char *mfu_text(char *buf, size_t size)
{
    const ui_scene *s = app.scene;
    double T = s->st.end_s, peak = s->r.peak_tflops * 1e12;
    return app_pct(buf, size, 100 * s->r.model_flops_step / (T * s->plan.gpus * peak), 1);
}

static void test_frame_is_drawn_in_both_languages(void **state)
{
    (void)state;
    draw_in("en");
    assert_true(ndrawn > 20);
    assert_true(colours() > 30);
    draw_in("fr");
    assert_true(ndrawn > 20);
    assert_true(colours() > 30);
}

static void test_english_figures(void **state)
{
    (void)state;
    draw_in("en");
    char mfu[64];
    mfu_text(mfu, sizeof mfu);
    assert_true(has_decimal(mfu, '.'));
    if (!was_drawn(mfu)) fail_msg("the MFU '%s' is not among the %d strings drawn", mfu, ndrawn);
    int decimals = 0;
    for (int i = 0; i < ndrawn; i++) decimals += has_decimal(drawn[i], '.');
    assert_true(decimals >= 3);   /* step time, MFU, power at least */
}

static void test_french_figures(void **state)
{
    (void)state;
    draw_in("fr");
    char mfu[64];
    mfu_text(mfu, sizeof mfu);
    assert_true(has_decimal(mfu, ','));
    if (!was_drawn(mfu)) fail_msg("the MFU '%s' is not among the %d strings drawn", mfu, ndrawn);
    int commas = 0;
    for (int i = 0; i < ndrawn; i++) {
        if (has_decimal(drawn[i], '.')) fail_msg("a decimal point on a French screen: '%s'", drawn[i]);
        commas += has_decimal(drawn[i], ',');
    }
    assert_true(commas >= 3);
    draw_in("en");
}

/* ---------------------------------------------------------------------------------------------- */
/* Input as the window receives it. */

static void move_mouse(int x, int y)
{
    SDL_Event e = { .motion = { .type = SDL_MOUSEMOTION, .x = x, .y = y } };
    ui_app_event(&app, &e);
}

static void click(int x, int y)
{
    move_mouse(x, y);
    SDL_Event down = { .button = { .type = SDL_MOUSEBUTTONDOWN, .button = SDL_BUTTON_LEFT, .x = x, .y = y } };
    SDL_Event up = { .button = { .type = SDL_MOUSEBUTTONUP, .button = SDL_BUTTON_LEFT, .x = x, .y = y } };
    down.button.state = SDL_PRESSED, up.button.state = SDL_RELEASED;
    ui_app_event(&app, &down);
    ui_app_event(&app, &up);
}

static void press(SDL_Keycode k)
{
    SDL_Event e = { .key = { .type = SDL_KEYDOWN, .state = SDL_PRESSED, .keysym = { .sym = k } } };
    ui_app_event(&app, &e);
}

static int rect_within(SDL_Rect in, SDL_Rect out)
{
    return in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w && in.y + in.h <= out.y + out.h;
}

/* The centre of GPU g on the screen, through the camera the frame was drawn with. */
static void gpu_centre(int g, int *x, int *y)
{
    const ui_rect *r = &app.layout->gpu[g];
    *x = (int)((r->x + r->w / 2 - app.cam_x) * app.zoom) + app.r_factory.x;
    *y = (int)((r->y + r->h / 2 - app.cam_y) * app.zoom) + app.r_factory.y;
}

static void test_frame_holds_the_controls_hit_areas(void **state)
{
    (void)state;
    draw_in("en");
    for (int c = 0; c < UI_C_COUNT; c++) {
        SDL_Rect m = app.frame.ctl_minus[c], p = app.frame.ctl_plus[c];
        assert_true(m.w > 0 && m.h > 0 && p.w > 0 && p.h > 0);
        assert_true(rect_within(m, app.r_left));
        assert_true(rect_within(p, app.r_left));
        assert_true(m.x + m.w <= p.x);   /* - left of + */
    }
    ui_scenario before = app.sc;
    SDL_Rect plus = app.frame.ctl_plus[UI_C_TP], minus = app.frame.ctl_minus[UI_C_PP];
    click(plus.x + plus.w / 2, plus.y + plus.h / 2);
    assert_int_equal(app.sc.tp, 2 * before.tp);
    assert_true(app.sc_dirty);   /* re-simulate soon */
    click(minus.x + minus.w / 2, minus.y + minus.h / 2);
    assert_int_equal(app.sc.pp, before.pp / 2);
    assert_int_equal(app.sc.mbs, before.mbs);
    app.sc = before, app.sc_dirty = 0;
    move_mouse(-1, -1);
}

static Uint32 *read_pixels(void)
{
    Uint32 *px = malloc((size_t)app.w * app.h * 4);
    assert_non_null(px);
    assert_int_equal(SDL_RenderReadPixels(app.ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, app.w * 4), 0);
    return px;
}

static void test_drawing_changes_nothing_it_reads(void **state)
{
    (void)state;
    int gx, gy;
    draw_in("en");
    gpu_centre(0, &gx, &gy);
    move_mouse(gx, gy);   /* the tooltip too */
    ui_app_frame(&app, 0);
    static ui_app before;
    memcpy(&before, &app, sizeof app);
    ui_frame f1, f2;
    ui_draw_all(&app, &f1);
    Uint32 *px1 = read_pixels();
    ui_draw_all(&app, &f2);
    Uint32 *px2 = read_pixels();
    assert_memory_equal(&before, &app, sizeof app);
    assert_memory_equal(&f1, &f2, sizeof f1);
    assert_memory_equal(&f1, &app.frame, sizeof f1);   /* what the frame loop kept */
    assert_memory_equal(px1, px2, (size_t)app.w * app.h * 4);
    free(px1);
    free(px2);
    move_mouse(-1, -1);
}

static void test_hover_over_a_gpu(void **state)
{
    (void)state;
    draw_in("en");
    int gx, gy;
    gpu_centre(3, &gx, &gy);
    move_mouse(gx, gy);
    forget_drawn();
    ui_app_frame(&app, 0);
    assert_int_equal(app.hover.kind, UI_HOVER_GPU);
    assert_int_equal(app.hover.index, 3);
    char tip[64];
    snprintf(tip, sizeof tip, "GPU %d (node %d, slot %d)", 3, 3 / app.layout->gpn, 3 % app.layout->gpn);
    if (!was_drawn(tip)) fail_msg("no tooltip '%s' among the %d strings drawn", tip, ndrawn);
    click(gx, gy);
    assert_int_equal(app.sel.kind, UI_HOVER_GPU);   /* pinned */
    assert_int_equal(app.sel.index, 3);
    assert_int_equal(ui_factory_pick(&app, app.r_top.x + 5, app.r_top.y + 5).kind, UI_HOVER_NONE);   /* the top bar */
    move_mouse(-1, -1);
    ui_app_frame(&app, 0);
    assert_int_equal(app.hover.kind, UI_HOVER_NONE);
    app.sel = (ui_hit){ UI_HOVER_NONE, 0 };
}

/* With LANG naming a French locale this machine does not have (containers, fresh installs),
 * switching to English at run time switched only the strings not yet looked up: gettext kept the
 * French ones it had cached. Every heading must follow the switch. */
static void test_lang_switch_with_a_missing_locale(void **state)
{
    (void)state;
    char *lang = getenv("LANG") ? strdup(getenv("LANG")) : NULL, *all = getenv("LC_ALL") ? strdup(getenv("LC_ALL")) : NULL;
    setenv("LANG", "fr_FR.UTF-8", 1);   /* the test needs it missing: skipped where it is installed */
    unsetenv("LC_ALL");
    int missing = setlocale(LC_ALL, "") == NULL;
    setlocale(LC_ALL, "C.UTF-8");
    char mo[PATH_MAX];
    if (missing && realpath("build/locale", mo)) {   /* the program finds them beside itself; this test binary does not */
        bindtextdomain("usine", mo);
        draw_in("fr");
        assert_true(was_drawn("Scénario"));
        draw_in("en");
        if (!was_drawn("Scenario") || was_drawn("Scénario")) fail_msg("the headings stayed in French after the switch");
        assert_false(was_drawn("Plateforme"));
    } else {
        print_message("fr_FR.UTF-8 is installed here (or no build/locale): nothing to test\n");
    }
    if (lang) setenv("LANG", lang, 1);
    else unsetenv("LANG");
    if (all) setenv("LC_ALL", all, 1);
    free(lang);
    free(all);
    draw_in("en");
}

/* The per-GPU timeline labels its rows (one in a few when they are thinner than a label) and,
 * once a GPU is clicked in the factory, shows the rows around it with its own framed. */
static void test_per_gpu_timeline_follows_the_selection(void **state)
{
    (void)state;
    app.gantt_per_gpu = 1;
    app.sel = (ui_hit){ UI_HOVER_NONE, 0 };
    draw_in("en");
    assert_true(was_drawn("GPU 0"));
    int labels = 0;
    for (int i = 0; i < ndrawn; i++) labels += !strncmp(drawn[i], "GPU ", 4) && drawn[i][4] >= '0' && drawn[i][4] <= '9';
    assert_true(labels >= 3);
    app.sel = (ui_hit){ UI_HOVER_GPU, 100 };
    draw_in("en");
    assert_true(was_drawn("GPU 100"));
    int around = 0;
    for (int i = 0; i < ndrawn; i++) around |= strstr(drawn[i], "per GPU: ") && strstr(drawn[i], " of 128") && !strstr(drawn[i], "the first");
    assert_true(around);
    assert_false(was_drawn("GPU 0"));
    app.sel = (ui_hit){ UI_HOVER_NONE, 0 };
    app.gantt_per_gpu = 0;
}

static void test_lang_switch_rule(void **state)
{
    (void)state;
    assert_true(ui_lang_switch_due("fr", 0, 0));
    assert_true(ui_lang_switch_due("en", 0, 0));
    assert_false(ui_lang_switch_due("", 0, 0));   /* nothing asked */
    assert_false(ui_lang_switch_due("fr", 1, 0)); /* the worker builds a scene */
    assert_false(ui_lang_switch_due("fr", 0, 1)); /* the checker grades */
    assert_false(ui_lang_switch_due("fr", 1, 1));
}

static void set_worker_busy(int busy)
{
    /* the worker sleeps on its condition (nothing pending): only this flag says it works */
    pthread_mutex_lock(&app.worker.mu);
    app.worker.busy = busy;
    pthread_mutex_unlock(&app.worker.mu);
}

static void test_lang_switch_waits_for_the_worker(void **state)
{
    (void)state;
    draw_in("en");
    set_worker_busy(1);
    press(SDLK_l);
    assert_string_equal(app.lang_wanted, "fr");
    assert_string_equal(app_lang(), "en");
    forget_drawn();
    ui_app_frame(&app, 0);
    assert_string_equal(app_lang(), "en");   /* waits */
    assert_true(ndrawn > 20);                /* and the window keeps drawing */
    press(SDLK_l);                           /* back to English before it happened: nothing to do */
    assert_string_equal(app.lang_wanted, "");
    press(SDLK_l);
    ui_app_frame(&app, 0);
    assert_string_equal(app_lang(), "en");
    long simulated = ui_worker_simulated(&app.worker);
    double step_s = app.scene->st.end_s, at = app.t_step_s;
    set_worker_busy(0);
    ui_app_frame(&app, 0);
    assert_string_equal(app_lang(), "fr");
    assert_string_equal(app.lang_wanted, "");
    assert_false(app.sc_dirty);              /* no new simulation asked for... */
    settle_worker();                         /* ...but the scene's words, again in French */
    assert_string_equal(app.scene->extra[UI_EXTRA_LOCAL].label, "cet ordinateur");   /* (the catalog bound in setup) */
    assert_int_equal(ui_worker_simulated(&app.worker), simulated);
    assert_non_null(app.scene->tracks);      /* with the step it had, at the same instant */
    assert_false(app.scene->pending);
    assert_true(app.scene->st.end_s == step_s);
    assert_true(app.t_step_s == at);
    draw_in("en");
    assert_string_equal(app.scene->extra[UI_EXTRA_LOCAL].label, "this computer");
}

/* ---------------------------------------------------------------------------------------------- */
/* The course panel. */

static char home[] = "/tmp/usine-test-ui-draw-XXXXXX";

static int setup_panel(void **state)
{
    (void)state;
    if (!mkdtemp(home)) return -1;
    setenv("XDG_DATA_HOME", home, 1);
    setenv("HOME", home, 1);
    app_init_language("en");
    /* the first exercise: the list starts at the top, and its second row is the next exercise */
    ui_options o = { .course = "courses/fondamentaux", .w = 1600, .h = 900, .headless = 1 };
    char err[1024];
    if (ui_app_init(&app, &o, err, sizeof err) != 0) {
        fprintf(stderr, "ui_app_init: %s\n", err);
        ui_app_quit(&app);
        return -1;
    }
    drawn_on = app.ren;
    return app.panel ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown_panel(void **state)
{
    teardown(state);
    return nftw(home, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A frame once the scene, the titles and the check have arrived, so that two frames of the same
 * exercise draw the same strings. */
static void settle_and_draw(void)
{
    for (int i = 0; i < 60000; i++) {
        ui_app_frame(&app, 0);
        int busy = ui_worker_busy(&app.worker) || ui_panel_busy(app.panel);
        if (app.scene && !busy) break;
        SDL_Delay(1);
    }
    app.sc_dirty = 0;   /* an exercise's scenario is not simulated here: the same factory */
    forget_drawn();
    ui_app_frame(&app, 0);
}

/* The exercise shown: its title is the first string drawn after the panel's last button. */
static const char *exercise_title(void)
{
    for (int i = 0; i + 1 < ndrawn; i++)
        if (!strcmp(drawn[i], "Check (k)")) return drawn[i + 1];
    return "";
}

static void centre_click(SDL_Rect r) { click(r.x + r.w / 2, r.y + r.h / 2); }

static void test_panel_hit_areas(void **state)
{
    (void)state;
    settle_and_draw();
    const ui_panel_hits *h = &app.frame.panel;
    SDL_Rect buttons[] = { h->prev, h->next, h->edit, h->check };
    for (int i = 0; i < 4; i++) {
        assert_true(buttons[i].w > 0 && buttons[i].h > 0);
        assert_true(rect_within(buttons[i], app.r_panel));
    }
    assert_true(h->list_row_h > 0 && h->list.h >= 2 * h->list_row_h);
    assert_true(rect_within(h->list, app.r_panel));
    assert_int_equal(h->list_first, 0);
}

static void test_panel_clicks_move_between_exercises(void **state)
{
    (void)state;
    char first[256], second[256], row2[300];
    settle_and_draw();
    snprintf(first, sizeof first, "%s", exercise_title());
    assert_true(first[0]);
    centre_click(app.frame.panel.next);
    settle_and_draw();
    snprintf(second, sizeof second, "%s", exercise_title());
    assert_true(second[0]);
    assert_string_not_equal(first, second);
    snprintf(row2, sizeof row2, " 2. %s", second);
    if (!was_drawn(row2)) fail_msg("'%s' is not the list's second exercise", second);
    centre_click(app.frame.panel.prev);
    settle_and_draw();
    assert_string_equal(exercise_title(), first);
    SDL_Rect row = app.frame.panel.list;
    row.y += app.frame.panel.list_row_h, row.h = app.frame.panel.list_row_h;
    centre_click(row);   /* the list's second row */
    settle_and_draw();
    assert_string_equal(exercise_title(), second);
    move_mouse(-1, -1);
}

static int every_cut_line_shows_whole(int w, int h);

static void wheel_at(int x, int y, int dy)
{
    move_mouse(x, y);
    SDL_Event e = { .wheel = { .type = SDL_MOUSEWHEEL, .y = dy } };
    ui_app_event(&app, &e);
    ui_app_frame(&app, 0);
}

/* The exercise's text and the checks are two areas, the checks under the text, and the wheel
 * scrolls the one under the mouse only. */
static void test_panel_wheel_scrolls_the_area_under_it(void **state)
{
    (void)state;
    settle_and_draw();
    const ui_panel_hits *h = &app.frame.panel;
    SDL_Rect t = h->text, c = h->checks;
    assert_true(t.h > 0 && c.h > 0);
    assert_true(rect_within(t, app.r_panel));
    assert_true(rect_within(c, app.r_panel));
    assert_true(t.y + t.h <= c.y);                       /* apart, the checks below */
    assert_true(h->text_max > 0);                         /* the statement is longer than its area */
    assert_int_equal(h->text_scroll, 0);
    wheel_at(c.x + c.w / 2, c.y + c.h / 2, -3);           /* down, over the checks */
    assert_int_equal(app.frame.panel.text_scroll, 0);
    int checks = app.frame.panel.checks_scroll;
    wheel_at(t.x + t.w / 2, t.y + t.h / 2, -3);           /* down, over the text */
    assert_true(app.frame.panel.text_scroll > 0);
    assert_int_equal(app.frame.panel.checks_scroll, checks);
    wheel_at(t.x + t.w / 2, t.y + t.h / 2, 30);           /* back up, to the top and no further */
    assert_int_equal(app.frame.panel.text_scroll, 0);
    for (int i = 0; i < 200; i++) wheel_at(t.x + t.w / 2, t.y + t.h / 2, -3);
    assert_int_equal(app.frame.panel.text_scroll, app.frame.panel.text_max);   /* its end, no further */
    wheel_at(t.x + t.w / 2, t.y + t.h / 2, 1000);
    move_mouse(-1, -1);
}

static void test_panel_cut_lines_show_whole(void **state)
{
    (void)state;
    settle_and_draw();
    int n = every_cut_line_shows_whole(1024, 640);
    print_message("%d cut lines hovered with the panel\n", n);
    assert_true(n >= 1);   /* the exercise list's long titles at least */
}

/* ---------------------------------------------------------------------------------------------- */
/* The explanation overlay (D): the scene's terms drawn, a cut row shown whole under the mouse,
 * scrolled by the keys within what the frame drew, closed by Esc without quitting. */

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && !strcmp(s + n - m, end);
}

static void test_explanation_overlay(void **state)
{
    (void)state;
    draw_in("en");
    const ui_scene *s = app.scene;
    assert_true(s->nterms > 20);
    press(SDLK_d);
    assert_true(app.show_explain);
    forget_drawn();
    ui_app_frame(&app, 0);
    assert_true(was_drawn("The step, term by term (analytic model)"));
    assert_true(was_drawn("rates the terms use"));
    assert_true(was_drawn("QKV projection"));
    assert_true(app.frame.explain.w > 0);
    assert_true(app.frame.explain_max_top > 0);              /* more rows than fit: it scrolls */
    assert_true(app.frame.explain_page > 5);

    /* scrolled to the end: the total, which is the prediction's step */
    press(SDLK_DOWN);
    assert_int_equal(app.explain_top, 1);
    press(SDLK_PAGEDOWN);                                     /* a page on, keeping a row, or the end */
    int page_end = 1 + app.frame.explain_page - 1;
    assert_int_equal(app.explain_top, page_end < app.frame.explain_max_top ? page_end : app.frame.explain_max_top);
    for (int i = 0; i < 20; i++) press(SDLK_PAGEDOWN);
    assert_int_equal(app.explain_top, app.frame.explain_max_top);
    forget_drawn();
    ui_app_frame(&app, 0);
    char total[64];
    app_duration(total, sizeof total, s->r.step_s);
    if (!was_drawn(total)) fail_msg("the step '%s' is not among the %d strings drawn", total, ndrawn);
    assert_true(was_drawn(s->terms[s->nterms - 1].name));
    for (int t = 0; t < s->nterms; t++)   /* each term of the step says its share of it */
        if (!strcmp(s->terms[t].group, "step")) {
            char share[64];
            app_pct(share, sizeof share, 100 * s->terms[t].s / s->r.step_s, 1);
            if (!was_drawn(share)) fail_msg("the share '%s' of '%s' is not drawn", share, s->terms[t].name);
        }
    press(SDLK_UP);
    assert_int_equal(app.explain_top, app.frame.explain_max_top - 1);
    for (int i = 0; i < 200; i++) press(SDLK_UP);
    assert_int_equal(app.explain_top, 0);

    /* a narrow window cuts the lines; the mouse over one shows it whole */
    int w = app.w;
    app.w = 900;
    ui_app_layout_regions(&app);
    ui_app_frame(&app, 0);
    SDL_Rect r = app.frame.explain;
    int cut_seen = 0, whole_seen = 0;
    for (int y = r.y; y < r.y + r.h && !whole_seen; y += 6) {
        move_mouse(r.x + r.w / 3, y);
        forget_drawn();
        ui_app_frame(&app, 0);
        for (int t = 0; t < s->nterms; t++) {   /* the row cut, and the term's line whole (or its wrapped end) */
            const char *how = s->terms[t].how;
            int cut = 0, whole = 0;
            for (int i = 0; i < ndrawn; i++) {
                size_t n = strlen(drawn[i]);
                if (ends_with(drawn[i], "…") && n > 3 && !strncmp(how, drawn[i], n - 3)) cut = 1;
                if (!strcmp(drawn[i], how) || (n > 24 && ends_with(how, drawn[i]) && strncmp(how, drawn[i], n))) whole = 1;
            }
            cut_seen |= cut;
            whole_seen |= cut && whole;
        }
    }
    assert_true(cut_seen);
    assert_true(whole_seen);
    app.w = w;
    ui_app_layout_regions(&app);
    move_mouse(-1, -1);

    /* drawing it reads and changes nothing: twice the same frame, the same app */
    ui_app_frame(&app, 0);
    static ui_app before;
    memcpy(&before, &app, sizeof app);
    ui_frame f1, f2;
    ui_draw_all(&app, &f1);
    ui_draw_all(&app, &f2);
    assert_memory_equal(&before, &app, sizeof app);
    assert_memory_equal(&f1, &f2, sizeof f1);

    /* Esc closes it, and only it */
    assert_int_equal(ui_app_event(&app, &(SDL_Event){ .key = { .type = SDL_KEYDOWN, .keysym = { .sym = SDLK_ESCAPE } } }), 0);
    assert_false(app.show_explain);
    forget_drawn();
    ui_app_frame(&app, 0);
    assert_false(was_drawn("The step, term by term (analytic model)"));
}

/* Every line drawn cut ("…") shows whole under the mouse (issue 20): the window at a size that
 * cuts lines, each cut line seen in the frame hovered in turn, and the frame's tip is the line
 * whole. Returns how many were hovered. */
static int every_cut_line_shows_whole(int w, int h)
{
    int w0 = app.w, h0 = app.h;
    app.w = w, app.h = h;
    ui_app_layout_regions(&app);
    move_mouse(-1, -1);
    forget_drawn();
    ui_app_frame(&app, 0);
    int n = ncut, hovered = 0;
    char **whole = calloc((size_t)n + 1, sizeof *whole);
    int *xs = calloc((size_t)n + 1, sizeof *xs), *ys = calloc((size_t)n + 1, sizeof *ys);
    for (int k = 0; k < n; k++) {   /* where it was drawn, if it was, and seen */
        xs[k] = -1;
        for (int i = 0; i < ndrawn && xs[k] < 0; i++) {
            if (strcmp(drawn[i], cut_shown[k]) || drawn_at[i].align != UI_LEFT) continue;
            SDL_Rect c = drawn_at[i].clip;
            int x = drawn_at[i].x + 3, y = drawn_at[i].y + 3;
            if (c.w > 0 && !(x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h)) continue;
            if (x >= app.w || y >= app.h) continue;
            xs[k] = x, ys[k] = y, whole[k] = strdup(cut_whole[k]);
        }
    }
    for (int k = 0; k < n; k++) {
        if (xs[k] < 0) continue;
        move_mouse(xs[k], ys[k]);
        forget_drawn();
        ui_app_frame(&app, 0);
        if (strcmp(app.frame.tip, whole[k]))
            fail_msg("the mouse at (%d, %d) over a cut line shows '%s', not the line whole: '%s'", xs[k], ys[k], app.frame.tip, whole[k]);
        ui_app_frame(&app, 0);   /* the mouse resting there: the next frame copies the layers it drew */
        if (strcmp(app.frame.tip, whole[k]))
            fail_msg("the mouse resting at (%d, %d) over a cut line shows '%s' on the next frame, not '%s'", xs[k], ys[k], app.frame.tip,
                     whole[k]);
        hovered++;
        free(whole[k]);
    }
    free(whole), free(xs), free(ys);
    move_mouse(-1, -1);
    app.w = w0, app.h = h0;
    ui_app_layout_regions(&app);
    ui_app_frame(&app, 0);
    return hovered;
}

/* A message too long for the banner's eight lines ends its last line with "…" and is read whole
 * under the mouse. */
static void test_long_banner_shows_whole(void **state)
{
    (void)state;
    settle_and_draw();   /* (the course panel beside the factory) */
    int w0 = app.w, h0 = app.h;
    app.w = 1024, app.h = 640;
    ui_app_layout_regions(&app);
    assert_true(app.r_factory.w < 500);   /* the course panel beside it: eight lines hold ~300 characters */
    char text[512] = "";
    while (strlen(text) < 440) strcat(text, "a message about the plan that is long ");
    ui_app_set_message(&app, 1, "%s", text);
    forget_drawn();
    ui_app_frame(&app, 0);
    int ends = 0;   /* a line of the banner, cut: "… plan that is l…" */
    for (int i = 0; i < ndrawn; i++) {
        size_t n = strlen(drawn[i]);
        if (n > 3 && !strcmp(drawn[i] + n - 3, "…") && strstr(drawn[i], "plan that is")) ends = 1;
    }
    if (!ends) fail_msg("the banner's %d-pixel lines did not cut a %zu-character message", app.r_factory.w, strlen(text));
    int pad = (int)(10 * app.scale);
    move_mouse(app.r_factory.x + 3 * pad, app.r_factory.y + app.r_factory.h - (int)(120 * app.scale) + pad + 3);
    ui_app_frame(&app, 0);
    assert_string_equal(app.frame.tip, text);
    move_mouse(-1, -1);
    app.message[0] = 0;
    app.w = w0, app.h = h0;
    ui_app_layout_regions(&app);
    ui_app_frame(&app, 0);
}

static void test_cut_lines_show_whole(void **state)
{
    (void)state;
    draw_in("fr");
    int n = every_cut_line_shows_whole(1024, 640) + every_cut_line_shows_whole(1366, 768);
    print_message("%d cut lines hovered\n", n);
    assert_true(n >= 3);   /* the plan line, the lines of the same job elsewhere at least */
    move_mouse(-1, -1);
    forget_drawn();
    ui_app_frame(&app, 0);
    assert_string_equal(app.frame.tip, "");   /* nothing under the mouse, no tip */
    draw_in("en");
}

/* A window too short for the left column (its controls, the figures, the same job elsewhere)
 * scrolls it with the wheel over it, down to its end and no further; the controls take clicks where
 * they are seen, none where they were scrolled away. */
static void test_left_column_scrolls_when_short(void **state)
{
    (void)state;
    draw_in("en");
    assert_int_equal(app.frame.left_max, 0);                            /* 1600x900: it fits */
    int w0 = app.w, h0 = app.h;
    app.w = 1024, app.h = 640;
    ui_app_layout_regions(&app);
    ui_app_frame(&app, 0);
    int max = app.frame.left_max;
    assert_true(max > 0);
    SDL_Rect tp = app.frame.ctl_plus[UI_C_TP];
    assert_true(tp.w > 0);
    int x = app.r_left.x + app.r_left.w / 2, y = app.r_left.y + app.r_left.h / 2;
    move_mouse(x, y);
    SDL_Event down = { .wheel = { .type = SDL_MOUSEWHEEL, .y = -1 } };
    ui_app_event(&app, &down);
    ui_app_frame(&app, 0);
    int by = app.left_scroll;
    assert_true(by > 0);
    assert_int_equal(app.frame.ctl_plus[UI_C_TP].y, tp.y - by);        /* the controls went up with it */
    for (int i = 0; i < 100; i++) ui_app_event(&app, &down);
    ui_app_frame(&app, 0);
    assert_int_equal(app.left_scroll, max);                             /* its end, no further */
    for (int c = 0; c < UI_C_COUNT; c++) {                              /* no click above the column */
        SDL_Rect r = app.frame.ctl_plus[c];
        assert_true(r.w == 0 || (r.y >= app.r_left.y && r.y + r.h <= app.r_left.y + app.r_left.h));
    }
    SDL_Rect plus = app.frame.ctl_plus[UI_C_STACK];                     /* a control still seen still works */
    if (plus.w > 0) {
        int stack = app.sc.stack;
        click(plus.x + plus.w / 2, plus.y + plus.h / 2);
        assert_int_not_equal(app.sc.stack, stack);
        app.sc.stack = stack, app.sc_dirty = 0;
    }
    app.w = w0, app.h = h0;                                             /* taller again: back to the top */
    ui_app_layout_regions(&app);
    ui_app_frame(&app, 0);
    ui_app_frame(&app, 0);
    assert_int_equal(app.left_scroll, 0);
    move_mouse(-1, -1);
}

/* The stack's row says what the stack is, under the mouse. */
static void test_stack_row_tip(void **state)
{
    (void)state;
    draw_in("en");
    SDL_Rect minus = app.frame.ctl_minus[UI_C_STACK];
    move_mouse(app.r_left.x + app.r_left.w / 2, minus.y + minus.h / 2);
    forget_drawn();
    ui_app_frame(&app, 0);
    int seen = 0;
    for (int i = 0; i < ndrawn; i++) seen |= !strncmp(drawn[i], "megatron-core: Megatron-Core (2024).", 36);
    if (!seen) fail_msg("no tip on the stack among the %d strings drawn", ndrawn);
    move_mouse(-1, -1);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "grade")) return 2;   /* the panel's checker, see above */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_is_drawn_in_both_languages),
        cmocka_unit_test(test_english_figures),
        cmocka_unit_test(test_french_figures),
        cmocka_unit_test(test_frame_holds_the_controls_hit_areas),
        cmocka_unit_test(test_drawing_changes_nothing_it_reads),
        cmocka_unit_test(test_hover_over_a_gpu),
        cmocka_unit_test(test_explanation_overlay),
        cmocka_unit_test(test_stack_row_tip),
        cmocka_unit_test(test_cut_lines_show_whole),
        cmocka_unit_test(test_left_column_scrolls_when_short),
        cmocka_unit_test(test_lang_switch_rule),
        cmocka_unit_test(test_lang_switch_waits_for_the_worker),
        cmocka_unit_test(test_lang_switch_with_a_missing_locale),
        cmocka_unit_test(test_per_gpu_timeline_follows_the_selection),
    };
    const struct CMUnitTest panel_tests[] = {
        cmocka_unit_test(test_panel_hit_areas),
        cmocka_unit_test(test_panel_clicks_move_between_exercises),
        cmocka_unit_test(test_panel_wheel_scrolls_the_area_under_it),
        cmocka_unit_test(test_panel_cut_lines_show_whole),
        cmocka_unit_test(test_long_banner_shows_whole),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed + cmocka_run_group_tests_name("panel", panel_tests, setup_panel, teardown_panel);
}
