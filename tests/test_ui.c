/* test_ui.c: the desktop app as users and documentation see it, rendered headless by the real
 * program (`usine screenshot`, `usine gui --headless`) and checked on the picture: not blank, the
 * phases' colours in the factory, the course panel with its checks, errors shown in the window
 * and said on stderr with exit status 2, the same picture twice for the same scenario. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <ftw.h>
#include <sys/stat.h>

#include "run_usine.h"

static char tmp[256], xdg[300];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/usine-test-ui-XXXXXX");
    if (!mkdtemp(tmp)) return -1;
    snprintf(xdg, sizeof xdg, "%s/data", tmp);
    run_xdg_data_home = xdg;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

typedef struct image {
    cairo_surface_t *s;
    int w, h, stride;
    const unsigned char *px;
} image;

static image load(const char *path)
{
    image im;
    im.s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(im.s) != CAIRO_STATUS_SUCCESS) fail_msg("%s: not a PNG", path);
    im.w = cairo_image_surface_get_width(im.s);
    im.h = cairo_image_surface_get_height(im.s);
    im.stride = cairo_image_surface_get_stride(im.s);
    im.px = cairo_image_surface_get_data(im.s);
    return im;
}

static uint32_t at(const image *im, int x, int y) { return *(const uint32_t *)(im->px + (size_t)y * im->stride + 4 * (size_t)x) & 0xFFFFFF; }

/* Pixels of exactly this colour in the rectangle. */
static long count(const image *im, uint32_t rgb, int x0, int y0, int x1, int y1)
{
    long n = 0;
    for (int y = y0; y < y1 && y < im->h; y++)
        for (int x = x0; x < x1 && x < im->w; x++) n += at(im, x, y) == rgb;
    return n;
}

/* Pixels within a few levels of this colour (anti-aliased text keeps few exact ones). */
static long count_near(const image *im, uint32_t rgb, int x0, int y0, int x1, int y1)
{
    long n = 0;
    for (int y = y0; y < y1 && y < im->h; y++)
        for (int x = x0; x < x1 && x < im->w; x++) {
            uint32_t c = at(im, x, y);
            int dr = (int)(c >> 16 & 255) - (int)(rgb >> 16 & 255), dg = (int)(c >> 8 & 255) - (int)(rgb >> 8 & 255),
                db = (int)(c & 255) - (int)(rgb & 255);
            n += dr * dr + dg * dg + db * db < 40 * 40;
        }
    return n;
}

static int distinct(const image *im)
{
    static unsigned char seen[1 << 21];
    memset(seen, 0, sizeof seen);
    int n = 0;
    for (int y = 0; y < im->h; y += 2)
        for (int x = 0; x < im->w; x += 2) {
            uint32_t c = at(im, x, y) >> 3 & 0x1FFFFF;
            if (!seen[c]) seen[c] = 1, n++;
        }
    return n;
}

#define FORWARD 0x56B4E9u
#define BACKWARD 0x0072B2u
#define BAD 0xE6613Cu
#define ACCENT 0x56B4E9u

static void shot(const char *out, const char *size, const char *extra1, const char *extra2)
{
    run("en", "screenshot", "--platform", "classroom", "--no-course", "--size", size, "--out", out, extra1, extra2, NULL);
}

static void test_factory_picture(void **state)
{
    (void)state;
    char out[400];
    snprintf(out, sizeof out, "%s/factory.png", tmp);
    shot(out, "1280x720", "--at", "0.3");         /* a moment when some stages run forward, others backward */
    assert_int_equal(R.status, 0);
    assert_non_null(strstr(R.out, "1280x720"));
    image im = load(out);
    assert_int_equal(im.w, 1280);
    assert_int_equal(im.h, 720);
    assert_true(distinct(&im) > 50);
    /* the factory (right of the controls, above the timeline) holds GPUs at work: both colours of
     * compute, many pixels of each */
    int fx = (int)(350 * 0.85), top = (int)(44 * 0.85);
    long fwd = count(&im, FORWARD, fx, top, im.w, im.h - 160), bwd = count(&im, BACKWARD, fx, top, im.w, im.h - 160);
    print_message("factory: %ld forward and %ld backward pixels\n", fwd, bwd);
    assert_true(fwd + bwd > 5000);
    assert_true(fwd > 200 && bwd > 200);
    /* the timeline at the bottom shows the idle grey of the pipeline bubble */
    assert_true(count(&im, 0x464B56u, fx, im.h - 140, im.w, im.h) > 500);
    /* the top bar is the dark band across */
    assert_true(count(&im, 0x101216u, 0, 0, im.w, top) > im.w * top / 2);
    cairo_surface_destroy(im.s);
}

static void test_same_scenario_same_picture(void **state)
{
    (void)state;
    char a[400], b[400];
    snprintf(a, sizeof a, "%s/a.png", tmp);
    snprintf(b, sizeof b, "%s/b.png", tmp);
    shot(a, "800x600", "--at", "0.7");
    assert_int_equal(R.status, 0);
    shot(b, "800x600", "--at", "0.7");
    assert_int_equal(R.status, 0);
    image x = load(a), y = load(b);
    long diff = 0;
    for (int j = 0; j < x.h; j++)
        for (int i = 0; i < x.w; i++) diff += at(&x, i, j) != at(&y, i, j);
    assert_int_equal(diff, 0);
    /* another instant of the step is another picture */
    shot(b, "800x600", "--at", "0.1");
    cairo_surface_destroy(y.s);
    y = load(b);
    for (int j = 0; j < x.h; j++)
        for (int i = 0; i < x.w; i++) diff += at(&x, i, j) != at(&y, i, j);
    assert_true(diff > 100);
    cairo_surface_destroy(x.s);
    cairo_surface_destroy(y.s);
}

static void test_course_panel(void **state)
{
    (void)state;
    char out[400], work[512], prog[400];
    snprintf(out, sizeof out, "%s/course.png", tmp);
    run("fr", "screenshot", "--course", "courses/fondamentaux", "--exercise", "anatomy", "--size", "1366x768", "--out", out, NULL);
    assert_int_equal(R.status, 0);
    /* a screenshot shows the starter checked, and writes nothing of the student's: no work file,
     * no progress (it used to make both, and count an attempt) */
    snprintf(work, sizeof work, "%s/usine/work/fondamentaux/anatomy.lua", xdg);
    struct stat st;
    assert_int_not_equal(stat(work, &st), 0);
    snprintf(prog, sizeof prog, "%s/usine/progress.json", xdg);
    assert_int_not_equal(stat(prog, &st), 0);
    char buf[4096];
    size_t n;
    image im = load(out);
    /* the panel is on the right: titles in the accent colour, failed checks in the bad colour */
    int px = im.w - (int)(560 * 0.85);
    assert_true(count(&im, ACCENT, px, 0, im.w, im.h) > 200);
    assert_true(count(&im, BAD, px, 0, im.w, im.h) > 50);
    cairo_surface_destroy(im.s);

    /* the reference solution, saved as the student's file, is what the screenshot checks: it passes */
    char dir[512];
    mkdir(xdg, 0700);
    snprintf(dir, sizeof dir, "%s/usine", xdg);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/usine/work", xdg);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/usine/work/fondamentaux", xdg);
    mkdir(dir, 0700);
    FILE *sol = fopen("tests/solutions/fondamentaux/anatomy.lua", "r"), *dst = fopen(work, "w");
    assert_non_null(sol);
    assert_non_null(dst);
    while ((n = fread(buf, 1, sizeof buf, sol)) > 0) fwrite(buf, 1, n, dst);
    fclose(sol);
    fclose(dst);
    run("en", "screenshot", "--course", "courses/fondamentaux", "--exercise", "anatomy", "--size", "1366x768", "--out", out, NULL);
    assert_int_equal(R.status, 0);
    assert_int_not_equal(stat(prog, &st), 0);                     /* still nothing recorded */
    im = load(out);
    long green = count(&im, 0x009E73u, px, 0, im.w, im.h);
    if (green <= 50) fail_msg("the solution's checks are not drawn as passed (%ld green pixels); stderr:\n%s", green, R.err);
    cairo_surface_destroy(im.s);
    (void)buf, (void)n;
}

static void test_errors_in_the_window(void **state)
{
    (void)state;
    char out[400], bad[400];
    snprintf(out, sizeof out, "%s/err.png", tmp);
    snprintf(bad, sizeof bad, "%s/broken.xml", tmp);
    FILE *f = fopen(bad, "w");
    fputs("<platform version=\"1\" id=\"b\" name=\"b\">\n  <accelerator id=\"a\" name=\"A\"/>\n</platform>\n", f);
    fclose(f);
    run("en", "screenshot", "--platform", bad, "--no-course", "--size", "1024x640", "--out", out, NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "broken.xml:"));
    image im = load(out);
    assert_true(count(&im, BAD, 0, 0, im.w, im.h) > 300);   /* the banner with the message */
    cairo_surface_destroy(im.s);

    /* a course whose exercise does not load: the panel shows why, the command says it */
    char dir[400], path[500];
    snprintf(dir, sizeof dir, "%s/course", tmp);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/index.lua", dir);
    f = fopen(path, "w");
    fputs("return { id = \"c\", title = { fr = \"C\", en = \"C\" }, exercises = { \"broken\" } }\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/broken.lua", dir);
    f = fopen(path, "w");
    fputs("return {\n  id = \"broken\",\n  title = \n", f);
    fclose(f);
    run("en", "screenshot", "--platform", "classroom", "--course", dir, "--size", "1024x640", "--out", out, NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "broken.lua:"));
    im = load(out);
    assert_true(count_near(&im, BAD, im.w / 2, 0, im.w, im.h) > 100);
    cairo_surface_destroy(im.s);
}

static void test_headless_frames(void **state)
{
    (void)state;
    run("en", "gui", "--headless", "--frames", "20", "--json", "--platform", "classroom", "--no-course", "--size", "960x540", NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    assert_true(num(j, "frame_ms_p50") > 0);
    assert_true(num(j, "frame_ms_p99") >= num(j, "frame_ms_p50"));
    assert_true(num(j, "startup_to_first_frame_ms") > 0);
    assert_int_equal((int)num(j, "gpus_drawn"), 128);
    assert_int_equal((int)num(j, "gpus_simulated"), 128);
    assert_int_equal((int)num(j, "frames"), 20);
    cJSON_Delete(j);
}

static const cJSON *state_of(const cJSON *j) { return cJSON_GetObjectItemCaseSensitive(j, "state"); }

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsString(v)) fail_msg("JSON key '%s' is missing or not a string", k);
    return v->valuestring;
}

/* Keys go through the window's own event handler (--keys), and do what the help says. */
static void test_keys(void **state)
{
    (void)state;
    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600", NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    const cJSON *s = state_of(j);
    assert_int_equal((int)num(s, "tp"), 2);
    assert_int_equal((int)num(s, "pp"), 4);
    assert_string_equal(str_of(s, "view"), "factory");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s, "playing")));
    double speed = num(s, "speed");
    cJSON_Delete(j);

    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "Shift+t,y,Tab,l,space,g,m,f,r,+", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    s = state_of(j);
    assert_int_equal((int)num(s, "tp"), 4);                   /* Shift+t: tensor parallel x 2 */
    assert_int_equal((int)num(s, "pp"), 2);                   /* y: pipeline / 2 */
    assert_string_equal(str_of(s, "view"), "plots");          /* Tab */
    assert_string_equal(str_of(s, "lang"), "fr");             /* l */
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(s, "playing")));   /* Space */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s, "per_gpu_timeline")));   /* g */
    assert_string_not_equal(str_of(s, "model"), "llama2-7b"); /* m: the next model */
    assert_string_equal(str_of(s, "precision"), "fp16");      /* f: bf16 -> fp16 */
    assert_string_equal(str_of(s, "recompute"), "selective"); /* r */
    assert_true(num(s, "speed") > speed * 9.99);              /* +: x 10 */
    assert_string_equal(str_of(j, "platform"), "classroom");  /* and it was simulated */
    assert_null(cJSON_GetObjectItem(j, "error"));
    cJSON_Delete(j);

    /* p: the next platform, simulated; F1 shows the help. (The next is El Capitan, whose whole
     * machine would be tried for 10 s first: not here, USINE_WHOLE_S=0, its first 2,048 GPUs.) */
    setenv("USINE_WHOLE_S", "0", 1);
    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "p,F1", NULL);
    unsetenv("USINE_WHOLE_S");
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_string_not_equal(str_of(state_of(j), "platform"), "classroom");
    assert_string_equal(str_of(j, "platform"), str_of(state_of(j), "platform"));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(state_of(j), "help")));
    cJSON_Delete(j);

    /* o, O: half, then twice the nodes, back to the file's count; --nodes starts there */
    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "o", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_int_equal((int)num(state_of(j), "nodes"), 8);
    assert_int_equal((int)num(j, "gpus_drawn"), 64);                  /* 8 nodes of 8 GPUs */
    assert_null(cJSON_GetObjectItem(j, "error"));
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--nodes", "4", "--keys", "Shift+o,Shift+o", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_int_equal((int)num(state_of(j), "nodes"), 0);              /* 4 -> 8 -> 16, the file's own */
    assert_int_equal((int)num(j, "gpus_drawn"), 128);
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--nodes", "0", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--nodes"));

    run("en", "gui", "--headless", "--frames", "1", "--keys", "NoSuchKey", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "NoSuchKey"));
}

/* The course panel's exercise text and its checks scroll apart (issue 20: reading the task
 * scrolled the checks away): Down scrolls the text only, Shift+Down the checks only, each within
 * its own area, and the JSON state says how far each went. */
static const cJSON *panel_of(const cJSON *j)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(state_of(j), "course_panel");
    if (!cJSON_IsObject(p)) fail_msg("no course_panel in the JSON state");
    return p;
}

static void test_course_panel_scrolls_apart(void **state)
{
    (void)state;
    /* roofline's starter fails its checks with hints: more than their area holds at 1024x640 */
    run("en", "gui", "--headless", "--frames", "1", "--json", "--course", "courses/fondamentaux", "--exercise", "roofline",
        "--size", "1024x640", NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    const cJSON *p = panel_of(j);
    assert_int_equal((int)num(p, "text_scroll"), 0);
    assert_int_equal((int)num(p, "checks_scroll"), 0);
    assert_true(num(p, "text_max") > 0);
    assert_true(num(p, "checks_max") > 0);
    assert_true(num(p, "text_height") > 100);                           /* both areas in sight */
    assert_true(num(p, "checks_height") > 50);
    cJSON_Delete(j);

    run("en", "gui", "--headless", "--frames", "1", "--json", "--course", "courses/fondamentaux", "--exercise", "roofline",
        "--size", "1024x640", "--keys", "Down,Down", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    p = panel_of(j);
    assert_true(num(p, "text_scroll") > 0);
    assert_int_equal((int)num(p, "checks_scroll"), 0);                  /* the checks stayed */
    cJSON_Delete(j);

    run("en", "gui", "--headless", "--frames", "1", "--json", "--course", "courses/fondamentaux", "--exercise", "roofline",
        "--size", "1024x640", "--keys", "Shift+Down,Shift+Down", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    p = panel_of(j);
    assert_int_equal((int)num(p, "text_scroll"), 0);                    /* the text stayed */
    assert_true(num(p, "checks_scroll") > 0);
    double one = num(p, "checks_scroll") / 2;
    cJSON_Delete(j);

    /* each within its own: far down, the checks stop at their end */
    char keys[512] = "";
    for (int i = 0; i < 40; i++) strcat(keys, i ? ",Shift+Down" : "Shift+Down");
    run("en", "gui", "--headless", "--frames", "1", "--json", "--course", "courses/fondamentaux", "--exercise", "roofline",
        "--size", "1024x640", "--keys", keys, NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    p = panel_of(j);
    assert_int_equal((int)num(p, "checks_scroll"), (int)num(p, "checks_max"));
    assert_true(num(p, "checks_max") > one);
    assert_int_equal((int)num(p, "text_scroll"), 0);
    cJSON_Delete(j);
}

/* L switches the words, and only the words: the step is not simulated again (issue 20: it was). */
static void test_lang_switch_only_redraws(void **state)
{
    (void)state;
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600", NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    assert_int_equal((int)num(j, "simulations_run"), 1);
    double work = num(j, "simulation_work");
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "l", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    const cJSON *s = state_of(j);
    assert_string_equal(str_of(s, "lang"), "fr");
    assert_int_equal((int)num(j, "simulations_run"), 1);                /* the step of the start, kept */
    assert_true(num(j, "simulation_work") == work);
    assert_true(num(j, "gpus_simulated") == 128);
    const cJSON *els = cJSON_GetObjectItem(s, "elsewhere");             /* the scene's own words switched */
    int french = 0;
    for (int i = 0; i < cJSON_GetArraySize(els); i++) french += !strcmp(str_of(cJSON_GetArrayItem(els, i), "label"), "cet ordinateur");
    assert_int_equal(french, 1);
    cJSON_Delete(j);
    /* a change of plan, then L: simulated once for the change, not once more for L */
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "t,l", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_int_equal((int)num(j, "simulations_run"), 2);
    assert_int_equal((int)num(state_of(j), "tp"), 1);
    assert_string_equal(str_of(state_of(j), "lang"), "fr");
    cJSON_Delete(j);
}

/* s, S: the software stack; j, J: the pipeline's end stages; d: the explanation. A stack the
 * simulator cannot replay is refused in the window and on stderr, the explanation still there. */
static void test_plan_keys(void **state)
{
    (void)state;
    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600", NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    const cJSON *s = state_of(j);
    assert_string_equal(str_of(s, "stack"), "megatron-core");
    assert_string_equal(str_of(s, "stages"), "8 x 4");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(s, "explain")));
    assert_true(num(s, "explain_terms") > 20);
    cJSON_Delete(j);

    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "s,j,d,Down,Down", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    s = state_of(j);
    assert_string_equal(str_of(s, "stack"), "megatron-lm-2021");       /* s: the next stack */
    assert_int_equal((int)num(s, "first_layers"), 7);                   /* j: the ends one step lighter */
    assert_int_equal((int)num(s, "last_layers"), 7);
    assert_string_equal(str_of(s, "stages"), "7, 9 x 2, 7");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s, "explain")));       /* d */
    assert_null(cJSON_GetObjectItem(j, "error"));
    cJSON_Delete(j);

    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "j,Shift+j,Shift+j,y", NULL);                          /* y: a new pipeline, the rule again */
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_int_equal((int)num(state_of(j), "first_layers"), 0);
    assert_string_equal(str_of(state_of(j), "stages"), "16 x 2");
    cJSON_Delete(j);

    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "Shift+s,Shift+s", NULL);                              /* back twice: megascale-2024 */
    assert_int_equal(R.status, 0);                                       /* its overlaps are replayed too */
    j = parse_json(R.out);
    assert_string_equal(str_of(state_of(j), "stack"), "megascale-2024");
    assert_true(num(state_of(j), "explain_terms") > 20);
    cJSON_Delete(j);

    /* v, V: the global batch halved and doubled in micro-batches per replica (dp 16 x mbs 1 here),
     * the scene predicting and simulating it; it stops at one micro-batch per replica */
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_int_equal((int)num(state_of(j), "gbs"), 0);                  /* the scene's choice: 8 per replica */
    assert_int_equal((int)num(state_of(j), "global_batch"), 128);
    double work = num(j, "simulation_work");
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "Shift+v", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    s = state_of(j);
    assert_int_equal((int)num(s, "gbs"), 256);
    assert_int_equal((int)num(s, "global_batch"), 256);
    assert_int_equal((int)num(s, "micro_batches"), 16);
    assert_true(num(j, "simulation_work") > work);                      /* twice the micro-batches simulated */
    assert_null(cJSON_GetObjectItem(j, "error"));
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--keys", "v,v,v,v,v", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_int_equal((int)num(state_of(j), "global_batch"), 16);
    assert_int_equal((int)num(state_of(j), "micro_batches"), 1);
    cJSON_Delete(j);

    /* --gbs starts there, the scene taking the nearest multiple of dp x micro-batch; 0 is refused */
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--gbs", "100", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_int_equal((int)num(state_of(j), "gbs"), 100);
    assert_int_equal((int)num(state_of(j), "global_batch"), 96);       /* 6 x 16 */
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--gbs", "0", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--gbs"));

    /* --stack starts there; an unknown one is refused before the window opens */
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600",
        "--stack", "megatron-deepspeed", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_string_equal(str_of(state_of(j), "stack"), "megatron-deepspeed");
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--stack", "no-such-stack", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--stack"));

    /* the explanation drawn: the accent of its frame and headings over the factory */
    char out[400];
    snprintf(out, sizeof out, "%s/explain.png", tmp);
    run("fr", "screenshot", "--platform", "classroom", "--no-course", "--size", "1280x720", "--keys", "d", "--out", out, NULL);
    assert_int_equal(R.status, 0);
    image im = load(out);
    int fx = (int)(350 * 0.85);
    long accent = count_near(&im, ACCENT, fx, 40, im.w, im.h), backward = count(&im, BACKWARD, fx, 40, im.w, im.h);
    print_message("explanation: %ld accent pixels, %ld backward\n", accent, backward);
    assert_true(accent > 2000);                                         /* its frame and headings */
    assert_true(backward < 100);                                        /* the factory and timeline under it */
    cairo_surface_destroy(im.s);
}

/* A plan that does not fit in GPU memory says so on a banner and in red, and Shift+F takes the
 * fastest plan the controls can set that fits (issue: it was animated as if it ran). */
static void test_plan_that_does_not_fit(void **state)
{
    (void)state;
    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--model", "llama2-70b", "--no-course",
        "--size", "800x600", NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    const cJSON *s = state_of(j);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(s, "fits")));
    assert_non_null(strstr(str_of(s, "unfit"), "DOES NOT FIT IN MEMORY"));
    assert_non_null(strstr(str_of(s, "unfit"), "Shift+F takes the fastest plan that fits: tp "));
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "2", "--json", "--platform", "classroom", "--model", "llama2-70b", "--no-course",
        "--size", "800x600", "--keys", "Shift+f", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    s = state_of(j);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s, "fits")));
    assert_string_equal(str_of(s, "unfit"), "");
    assert_true(num(s, "tp") * num(s, "pp") > 8);                      /* more model parallelism than tp 2 x pp 4 */
    cJSON_Delete(j);
    /* the banner in red over the factory, in French too */
    char out[400];
    snprintf(out, sizeof out, "%s/unfit.png", tmp);
    run("fr", "screenshot", "--platform", "classroom", "--model", "llama2-70b", "--no-course", "--size", "1280x720", "--out", out, NULL);
    assert_int_equal(R.status, 0);
    image im = load(out);
    long red = count_near(&im, BAD, 300, 40, im.w, 140);
    print_message("unfit banner: %ld red pixels\n", red);
    assert_true(red > 300);
    cairo_surface_destroy(im.s);
}

/* "The same job elsewhere" lists Jean Zay's H100 partition once when the scenario is on it, and
 * says when a machine's plan is not the scenario's. */
static void test_same_job_elsewhere(void **state)
{
    (void)state;
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "jean-zay", "--partition", "h100", "--no-course", "--size", "800x600",
        NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    const cJSON *els = cJSON_GetObjectItem(state_of(j), "elsewhere");
    int h100 = 0;
    for (int i = 0; i < cJSON_GetArraySize(els); i++)
        h100 += !strncmp(str_of(cJSON_GetArrayItem(els, i), "label"), "jean-zay/h100", 13);
    assert_int_equal(h100, 1);
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--model", "llama2-70b", "--no-course",
        "--size", "800x600", NULL);                                    /* tp 2 x pp 4 of a 70B fits on no 80 GB GPU */
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    els = cJSON_GetObjectItem(state_of(j), "elsewhere");
    int replanned = 0;
    for (int i = 0; i < cJSON_GetArraySize(els); i++) replanned += cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(els, i), "replanned"));
    assert_true(replanned >= 1);
    cJSON_Delete(j);
}

/* Paused, with nothing on its way, the window is idle: its loop sleeps until an event instead of
 * drawing 60 frames a second (0.1 % of a core paused under Xvfb, against a whole core before). */
static void test_paused_window_is_idle(void **state)
{
    (void)state;
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600", NULL);
    assert_int_equal(R.status, 0);
    cJSON *j = parse_json(R.out);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(state_of(j), "playing")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(state_of(j), "idle")));     /* playing: frames */
    cJSON_Delete(j);
    run("en", "gui", "--headless", "--frames", "1", "--json", "--platform", "classroom", "--no-course", "--size", "800x600", "--keys",
        "space", NULL);
    assert_int_equal(R.status, 0);
    j = parse_json(R.out);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(state_of(j), "idle")));
    cJSON_Delete(j);
}

static void test_plots_view(void **state)
{
    (void)state;
    char out[400];
    snprintf(out, sizeof out, "%s/plots.png", tmp);
    shot(out, "1280x720", "--view", "plots");
    assert_int_equal(R.status, 0);
    image im = load(out);
    /* the plots are drawn on white, with the scaling curve in blue */
    int fx = (int)(350 * 0.85);
    assert_true(count(&im, 0xFFFFFFu, fx, 40, im.w, im.h) > 100000);
    assert_true(count(&im, 0x0072B2u, fx, 40, im.w, im.h) > 100);
    cairo_surface_destroy(im.s);
}

static void test_bad_usage(void **state)
{
    (void)state;
    char out[400];
    snprintf(out, sizeof out, "%s/x.png", tmp);
    run("en", "screenshot", "--no-course", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--out"));
    run("en", "screenshot", "--size", "10x10", "--out", out, NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--size"));
    run("en", "gui", "--headless", "--frames", "0", NULL);
    assert_int_equal(R.status, 2);
    run("en", "gui", "--bogus", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--bogus"));
    run("en", "screenshot", "--exercise", "anatomy", "--out", out, NULL);
    assert_int_equal(R.status, 2);
    run("en", "screenshot", "--model", "gpt-9", "--out", out, NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "gpt-9"));
    run("en", "screenshot", "--view", "nope", "--out", out, NULL);
    assert_int_equal(R.status, 2);
    run("en", "screenshot", "--platform", "classroom", "--no-course", "--size", "640x480", "--out", "/nonexistent/dir/x.png", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "/nonexistent/dir/x.png"));
    run("fr", "screenshot", "--help", NULL);
    assert_int_equal(R.status, 0);
    assert_non_null(strstr(R.out, "--out"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factory_picture),
        cmocka_unit_test(test_same_scenario_same_picture),
        cmocka_unit_test(test_course_panel),
        cmocka_unit_test(test_course_panel_scrolls_apart),
        cmocka_unit_test(test_errors_in_the_window),
        cmocka_unit_test(test_headless_frames),
        cmocka_unit_test(test_plots_view),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_lang_switch_only_redraws),
        cmocka_unit_test(test_plan_keys),
        cmocka_unit_test(test_plan_that_does_not_fit),
        cmocka_unit_test(test_same_job_elsewhere),
        cmocka_unit_test(test_paused_window_is_idle),
        cmocka_unit_test(test_bad_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
