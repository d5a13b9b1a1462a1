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
 * shows is the scene's own figure written by the application layer's app_pct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_gfx.h"
#include "app/app.h"

/* ---------------------------------------------------------------------------------------------- */
/* The strings drawn in the current frame. */

#define MAX_DRAWN 4096
static char *drawn[MAX_DRAWN];
static int ndrawn;

int __real_ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align);
int __wrap_ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align);
int __wrap_ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align)
{
    if (ndrawn < MAX_DRAWN) drawn[ndrawn++] = strdup(s);
    return __real_ui_text_draw(t, f, s, x, y, c, align);
}

static void forget_drawn(void)
{
    for (int i = 0; i < ndrawn; i++) free(drawn[i]);
    ndrawn = 0;
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

static ui_app app;

static int setup(void **state)
{
    (void)state;
    char assets[PATH_MAX];
    if (!realpath("assets", assets)) return -1;   /* run from the repository root, as make test does */
    setenv("USINE_DATADIR", assets, 1);
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

/* Draw one frame in lang; the strings drawn are in `drawn`. */
static void draw_in(const char *lang)
{
    ui_app_set_lang(&app, lang);
    app.sc_dirty = 0;   /* the language changed, not the scenario: no new simulation */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_is_drawn_in_both_languages),
        cmocka_unit_test(test_english_figures),
        cmocka_unit_test(test_french_figures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
