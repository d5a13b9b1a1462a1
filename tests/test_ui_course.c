/* test_ui_course.c: the course panel's logic without a window: the exercises' Markdown laid out
 * with a fixed-width measure (8 px per character), the student's work folder, watching their
 * file, grading it on the checker's thread, progress across sessions, and starting an editor.
 * Every test that touches files gets XDG_DATA_HOME (and HOME) in a fresh folder of its own. */
#define _GNU_SOURCE 1 /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ui_course.h"
#include "ui_md.h"
#include "util.h"

#define PRESETS "assets/platforms"
#define ANATOMY "courses/fondamentaux/anatomy.lua"
#define ANATOMY_SOLUTION "tests/solutions/fondamentaux/anatomy.lua"
#define CHAR_PX 8

static char tmpdir[64];

/* ---- helpers ---------------------------------------------------------------------------------- */

static int utf8_chars(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static int fixed_measure(void *ctx, int style, const char *s, size_t n)
{
    (void)style;
    if (ctx) (*(long *)ctx)++;
    return CHAR_PX * utf8_chars(s, n);
}

static ui_md_metrics metrics(long *calls)
{
    ui_md_metrics m = { .measure = fixed_measure, .ctx = calls };
    for (int s = 0; s < UI_MD_NSTYLES; s++) m.line_height_px[s] = 16;
    m.line_height_px[UI_MD_H1] = 32;
    m.line_height_px[UI_MD_H2] = 24;
    m.line_height_px[UI_MD_H3] = 20;
    return m;
}

static void layout(const char *md, int width, ui_md_layout_out *out)
{
    ui_md_metrics m = metrics(NULL);
    ui_md_doc *d = ui_md_parse(md, strlen(md));
    assert_non_null(d);
    assert_int_equal(ui_md_layout(d, width, &m, out), 0);
    ui_md_free(d);                               /* the layout owns its text */
}

/* The text of one line: its text runs in order, without the markers when skip_markers. */
static void line_text(const ui_md_layout_out *o, int line, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < o->nruns; i++) {
        const ui_md_run *r = &o->runs[i];
        if (r->kind != UI_MD_RUN_TEXT || r->line != line) continue;
        size_t l = strlen(buf);
        snprintf(buf + l, size - l, "%.*s", (int)r->len, r->text);
    }
}

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = u[i] < 0x80 ? 1 : u[i] >= 0xC2 && u[i] <= 0xDF ? 2 : u[i] >= 0xE0 && u[i] <= 0xEF ? 3
                 : u[i] >= 0xF0 && u[i] <= 0xF4 ? 4 : 0;
        if (k == 0 || i + k > n) return 0;
        for (size_t j = 1; j < k; j++)
            if ((u[i + j] & 0xC0) != 0x80) return 0;
        i += k;
    }
    return 1;
}

/* A list's number: drawn whole even when the line is narrower. */
static int is_marker(const ui_md_run *r)
{
    size_t i = 0;
    while (i < r->len && r->text[i] >= '0' && r->text[i] <= '9') i++;
    return i > 0 && i + 1 == r->len && (r->text[i] == '.' || r->text[i] == ')');
}

/* What every layout must satisfy: runs in order, valid UTF-8, inside the width unless a single
 * character is wider than the line, lines inside the total height. */
static void check_layout(const ui_md_layout_out *o, int width)
{
    int prev_y = 0;
    for (int i = 0; i < o->nruns; i++) {
        const ui_md_run *r = &o->runs[i];
        assert_non_null(r->text);
        assert_true(r->line >= 0 && r->line < (o->nlines > 0 ? o->nlines : 1));
        assert_true(r->y_px >= 0 && r->y_px + r->height_px <= o->height_px);
        if (r->kind != UI_MD_RUN_TEXT) continue;
        if (!valid_utf8(r->text, r->len)) fail_msg("run %d is not valid UTF-8: '%.*s'", i, (int)r->len, r->text);
        assert_int_equal(r->width_px, CHAR_PX * utf8_chars(r->text, r->len));
        if (r->x_px + r->width_px > width && utf8_chars(r->text, r->len) != 1 && !is_marker(r))
            fail_msg("run %d '%.*s' at x %d, %d px wide, passes the width %d", i, (int)r->len, r->text, r->x_px,
                     r->width_px, width);
        assert_true(r->y_px + r->height_px >= prev_y);   /* top to bottom */
        prev_y = r->y_px;
    }
}

static int find_run(const ui_md_layout_out *o, const char *text)
{
    for (int i = 0; i < o->nruns; i++)
        if (o->runs[i].len == strlen(text) && !memcmp(o->runs[i].text, text, o->runs[i].len)) return i;
    return -1;
}

/* Whether some run's text holds needle. */
static int runs_contain(const ui_md_layout_out *o, const char *needle)
{
    for (int i = 0; i < o->nruns; i++)
        if (memmem(o->runs[i].text, o->runs[i].len, needle, strlen(needle))) return 1;
    return 0;
}

static int count_kind(const ui_md_layout_out *o, int kind)
{
    int n = 0;
    for (int i = 0; i < o->nruns; i++) n += o->runs[i].kind == kind;
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path)
{
    char *text, why[200];
    size_t len;
    if (ut_read_file(path, 1 << 24, &text, &len, why, sizeof why) != 0) fail_msg("%s: %s", path, why);
    return text;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static ex_exercise *load_anatomy(void)
{
    char err[1024];
    ex_host host = { .platform_path = PRESETS };
    ex_exercise *e = ex_load(ANATOMY, &host, err, sizeof err);
    if (!e) fail_msg("%s", err);
    return e;
}

/* ---- fixture: a fresh data folder ------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/usine-ui-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    setenv("XDG_DATA_HOME", tmpdir, 1);
    setenv("HOME", tmpdir, 1);
    unsetenv("USINE_EDITOR");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- Markdown --------------------------------------------------------------------------------- */

static void test_md_wraps_at_words(void **state)
{
    (void)state;
    ui_md_layout_out o;
    layout("The quick brown fox jumps over the lazy dog", 80, &o);   /* 10 characters a line */
    check_layout(&o, 80);
    static const char *const want[] = { "The quick", "brown fox", "jumps over", "the lazy", "dog" };
    assert_int_equal(o.nlines, 5);
    char buf[256];
    for (int i = 0; i < 5; i++) {
        line_text(&o, i, buf, sizeof buf);
        assert_string_equal(buf, want[i]);
    }
    assert_int_equal(o.height_px, 5 * 16);
    assert_int_equal(o.runs[0].x_px, 0);
    ui_md_layout_free(&o);
    ui_md_layout_free(&o);                       /* twice is fine */
    ui_md_layout_free(NULL);

    /* A word in two styles stays one word; soft breaks are spaces, hard breaks new lines. */
    layout("aaaaa **GPU**s\nnext  \nline", 72, &o);
    check_layout(&o, 72);
    line_text(&o, 0, buf, sizeof buf);
    assert_string_equal(buf, "aaaaa");
    line_text(&o, 1, buf, sizeof buf);
    assert_string_equal(buf, "GPUs next");
    line_text(&o, 2, buf, sizeof buf);
    assert_string_equal(buf, "line");
    assert_int_equal(o.runs[find_run(&o, "GPU")].style, UI_MD_STRONG);
    ui_md_layout_free(&o);

    /* French typography: no line starts with ':' nor ends with '«'. */
    layout("aa bbbbb : cc \xC2\xAB dd \xC2\xBB", 64, &o);
    check_layout(&o, 64);
    static const char *const fr[] = { "aa", "bbbbb :", "cc", "\xC2\xAB dd \xC2\xBB" };
    assert_int_equal(o.nlines, 4);
    for (int i = 0; i < 4; i++) {
        line_text(&o, i, buf, sizeof buf);
        assert_string_equal(buf, fr[i]);
    }
    ui_md_layout_free(&o);
}

static void test_md_lists_headings_code(void **state)
{
    (void)state;
    ui_md_layout_out o;
    layout("# Title\n\n## Part\n\n### Third\n\n#### Fourth\n\nText.\n\n"
           "- one\n- two\n  - nested\n\n"
           "3. three\n4. four\n\n"
           "```lua\nlocal x  =  1\n\tif x then return end\n\n```\n\n---\n\n> quoted *words*\n",
           400, &o);
    check_layout(&o, 400);
    char buf[256];
    assert_int_equal(o.runs[find_run(&o, "Title")].style, UI_MD_H1);
    assert_int_equal(o.runs[find_run(&o, "Part")].style, UI_MD_H2);
    assert_int_equal(o.runs[find_run(&o, "Third")].style, UI_MD_H3);
    assert_int_equal(o.runs[find_run(&o, "Fourth")].style, UI_MD_H3);
    assert_int_equal(o.runs[find_run(&o, "Text.")].style, UI_MD_BODY);
    assert_int_equal(o.runs[find_run(&o, "Title")].height_px, 32);

    /* Bullets and numbers, content indented, nested further. */
    int one = find_run(&o, "one"), nested = find_run(&o, "nested");
    assert_true(one > 0 && nested > 0);
    const ui_md_run *bullet = &o.runs[one - 1];
    assert_int_equal((int)bullet->len, 3);
    assert_memory_equal(bullet->text, "\xE2\x80\xA2", 3);
    assert_int_equal(bullet->line, o.runs[one].line);
    assert_int_equal(bullet->x_px, 0);
    assert_true(o.runs[one].x_px >= bullet->width_px + CHAR_PX);
    assert_true(o.runs[nested].x_px > o.runs[one].x_px);
    assert_true(o.runs[nested - 1].x_px == o.runs[one].x_px);   /* the nested bullet under the content */
    assert_int_equal(o.runs[find_run(&o, "two")].line, o.runs[one].line + 1);   /* tight: no gap */
    assert_true(find_run(&o, "3.") >= 0 && find_run(&o, "4.") >= 0);
    assert_int_equal(o.runs[find_run(&o, "3.")].line, o.runs[find_run(&o, "three")].line);

    /* The code block: lines kept as they are (spaces, tabs to 4 columns, the empty line). */
    int code = find_run(&o, "local x  =  1");
    assert_true(code >= 0);
    assert_int_equal(o.runs[code].style, UI_MD_CODE_BLOCK);
    line_text(&o, o.runs[code].line + 1, buf, sizeof buf);
    assert_string_equal(buf, "    if x then return end");
    line_text(&o, o.runs[code].line + 2, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_int_equal(count_kind(&o, UI_MD_RUN_BOX), 1);
    for (int i = 0; i < o.nruns; i++)
        if (o.runs[i].kind == UI_MD_RUN_BOX) {
            assert_true(i < code);
            assert_int_equal(o.runs[i].height_px, 3 * 16);
            assert_int_equal(o.runs[i].y_px, o.runs[code].y_px);
        }
    assert_int_equal(count_kind(&o, UI_MD_RUN_RULE), 1);
    assert_int_equal(count_kind(&o, UI_MD_RUN_BAR), 1);
    assert_int_equal(o.runs[find_run(&o, "quoted ")].style, UI_MD_QUOTE);
    assert_int_equal(o.runs[find_run(&o, "words")].style, UI_MD_EMPH);
    assert_true(o.runs[find_run(&o, "quoted ")].x_px > 0);
    ui_md_layout_free(&o);

    /* A long code line is cut at characters, not reflowed. */
    layout("```\nab cd ef gh\n```\n", 40, &o);
    check_layout(&o, 40);
    assert_int_equal(o.nlines, 3);
    line_text(&o, 0, buf, sizeof buf);
    assert_string_equal(buf, "ab cd");
    line_text(&o, 1, buf, sizeof buf);
    assert_string_equal(buf, " ef g");
    ui_md_layout_free(&o);
}

static void test_md_inlines(void **state)
{
    (void)state;
    ui_md_layout_out o;
    layout("Some **bold** *emph* ***both*** `a code` [the link](http://example.org) ![alt text](x.png) "
           "<b>html</b> $6 N D$ 1\\*2\n\n<div>block\nhtml</div>\n",
           2000, &o);
    check_layout(&o, 2000);
    char buf[1024];
    line_text(&o, 0, buf, sizeof buf);
    assert_string_equal(buf, "Some bold emph both a code the link alt text <b>html</b> $6 N D$ 1*2");
    assert_int_equal(o.runs[find_run(&o, "bold")].style, UI_MD_STRONG);
    assert_int_equal(o.runs[find_run(&o, "emph")].style, UI_MD_EMPH);
    assert_int_equal(o.runs[find_run(&o, "both")].style, UI_MD_STRONG_EMPH);
    assert_int_equal(o.runs[find_run(&o, "a code")].style, UI_MD_CODE);
    assert_false(runs_contain(&o, "example.org"));
    line_text(&o, 1, buf, sizeof buf);
    assert_string_equal(buf, "<div>block");
    line_text(&o, 2, buf, sizeof buf);
    assert_string_equal(buf, "html</div>");
    ui_md_layout_free(&o);
}

static void test_md_utf8_never_split(void **state)
{
    (void)state;
    ui_md_layout_out o;
    layout("ééééééééééééé", 40, &o);                 /* 13 characters, 5 a line */
    check_layout(&o, 40);
    assert_int_equal(o.nlines, 3);
    char buf[256];
    line_text(&o, 0, buf, sizeof buf);
    assert_string_equal(buf, "ééééé");
    line_text(&o, 2, buf, sizeof buf);
    assert_string_equal(buf, "ééé");
    ui_md_layout_free(&o);

    /* A combining accent stays with its letter (e + U+0301). */
    layout("e\xCC\x81" "e\xCC\x81" "e\xCC\x81", CHAR_PX, &o);
    for (int i = 0; i < o.nruns; i++) {
        assert_int_equal((int)o.runs[i].len, 3);
        assert_memory_equal(o.runs[i].text, "e\xCC\x81", 3);
    }
    assert_int_equal(o.nlines, 3);
    ui_md_layout_free(&o);

    /* Invalid UTF-8 and NUL become U+FFFD. */
    const char bad[] = "ab\xff\xfe" "c\0d \xC3";
    ui_md_metrics m = metrics(NULL);
    ui_md_doc *d = ui_md_parse(bad, sizeof bad - 1);
    assert_int_equal(ui_md_layout(d, 400, &m, &o), 0);
    check_layout(&o, 400);
    assert_true(runs_contain(&o, "\xEF\xBF\xBD"));
    ui_md_layout_free(&o);
    ui_md_free(d);
}

static void test_md_tiny_widths_and_hostile_input(void **state)
{
    (void)state;
    ui_md_layout_out o;
    char buf[64];
    /* 1 px: one character a line, and it ends. */
    layout("# Hé\n\nab cd\n\n- x\n\n```\nyz\n```\n", 1, &o);
    check_layout(&o, 1);
    for (int i = 0; i < o.nruns; i++)
        if (o.runs[i].kind == UI_MD_RUN_TEXT) assert_int_equal(utf8_chars(o.runs[i].text, o.runs[i].len), 1);
    line_text(&o, 1, buf, sizeof buf);
    assert_string_equal(buf, "é");
    ui_md_layout_free(&o);
    layout("abc", 0, &o);
    assert_int_equal(o.nlines, 3);
    ui_md_layout_free(&o);
    layout("abc", -5, &o);
    assert_int_equal(o.nlines, 3);
    ui_md_layout_free(&o);

    /* Empty and NULL input. */
    layout("", 100, &o);
    assert_int_equal(o.nruns, 0);
    assert_int_equal(o.height_px, 0);
    ui_md_layout_free(&o);
    ui_md_doc *d = ui_md_parse(NULL, 10);
    ui_md_metrics m = metrics(NULL);
    assert_int_equal(ui_md_layout(d, 100, &m, &o), 0);
    assert_int_equal(o.nruns, 0);
    ui_md_layout_free(&o);
    assert_int_equal(ui_md_layout(NULL, 100, &m, &o), -1);
    ui_md_metrics no_measure = m;
    no_measure.measure = NULL;
    assert_int_equal(ui_md_layout(d, 100, &no_measure, &o), -1);
    ui_md_layout_free(&o);
    ui_md_free(d);
    ui_md_free(NULL);

    /* A very long word: cut into full lines, with few measures. */
    size_t n = 100000;
    char *word = ut_malloc(n + 1);
    memset(word, 'w', n);
    word[n] = '\0';
    long calls = 0;
    m = metrics(&calls);
    d = ui_md_parse(word, n);
    assert_int_equal(ui_md_layout(d, 800, &m, &o), 0);
    check_layout(&o, 800);
    assert_int_equal(o.nlines, (int)(n / 100));
    assert_true(calls < 40 * o.nlines);
    ui_md_layout_free(&o);
    ui_md_free(d);

    /* Deep nesting: quotes and lists thousands deep; indentation stops growing. */
    for (size_t i = 0; i < 5000; i++) word[i] = '>';
    strcpy(word + 5000, " deep");
    d = ui_md_parse(word, strlen(word));
    assert_int_equal(ui_md_layout(d, 400, &m, &o), 0);
    check_layout(&o, 400);
    int deep = find_run(&o, "deep");
    assert_true(deep >= 0);
    assert_true(o.runs[deep].x_px <= 200);
    ui_md_layout_free(&o);
    ui_md_free(d);
    size_t len = 0;
    for (int i = 0; i < 300; i++) {
        memset(word + len, ' ', (size_t)(2 * i));
        len += (size_t)(2 * i);
        len += (size_t)sprintf(word + len, "- l%d\n", i);
    }
    d = ui_md_parse(word, len);
    assert_int_equal(ui_md_layout(d, 400, &m, &o), 0);
    check_layout(&o, 400);
    assert_true(o.runs[find_run(&o, "l299")].x_px <= 200);
    assert_true(o.runs[find_run(&o, "l9")].x_px == o.runs[find_run(&o, "l299")].x_px);   /* capped at 8 levels */
    ui_md_layout_free(&o);
    ui_md_free(d);
    free(word);
}

/* The French and English texts of a real exercise. */
static void test_md_anatomy(void **state)
{
    (void)state;
    ex_exercise *e = load_anatomy();
    ui_md_metrics m = metrics(NULL);
    const char *langs[] = { "fr", "en" };
    for (int l = 0; l < 2; l++) {
        const char *text = ex_text_in(&e->text, langs[l]);
        ui_md_doc *d = ui_md_parse(text, strlen(text));
        int widths[] = { 1, 37, 200, 480, 1200 };
        for (int w = 0; w < 5; w++) {
            ui_md_layout_out o;
            assert_int_equal(ui_md_layout(d, widths[w], &m, &o), 0);
            check_layout(&o, widths[w]);
            assert_true(o.nlines > 10 && o.height_px > 0);
            assert_true(find_run(&o, "1.") >= 0 && find_run(&o, "3.") >= 0);
            int h1 = -1;
            for (int i = 0; i < o.nruns && h1 < 0; i++)
                if (o.runs[i].style == UI_MD_H1) h1 = i;
            assert_int_equal(h1, 0);
            if (widths[w] == 480) {
                char buf[256];
                line_text(&o, 0, buf, sizeof buf);
                assert_string_equal(buf, l == 0 ? "Anatomie d'une usine d'IA" : "Anatomy of an AI factory");
                int code = find_run(&o, "local jz = usine.platform(\"jean-zay\")");
                assert_true(code >= 0);
                assert_int_equal(o.runs[code].style, UI_MD_CODE_BLOCK);
            }
            ui_md_layout_free(&o);
        }
        ui_md_free(d);
    }
    ex_free(e);
}

/* ---- the work folder -------------------------------------------------------------------------- */

static void test_work_path(void **state)
{
    (void)state;
    char path[4096], want[4096];
    assert_int_equal(ui_work_path("fondamentaux", "anatomy", path, sizeof path), 0);
    snprintf(want, sizeof want, "%s/usine/work/fondamentaux/anatomy.lua", tmpdir);
    assert_string_equal(path, want);

    setenv("HOME", "/home/someone", 1);
    static const char *const not_used[] = { "", "relative/dir" };
    for (int i = 0; i < 2; i++) {
        setenv("XDG_DATA_HOME", not_used[i], 1);
        assert_int_equal(ui_work_path("c", "e", path, sizeof path), 0);
        assert_string_equal(path, "/home/someone/.local/share/usine/work/c/e.lua");
    }
    unsetenv("XDG_DATA_HOME");
    assert_int_equal(ui_work_path("c", "e", path, sizeof path), 0);
    assert_string_equal(path, "/home/someone/.local/share/usine/work/c/e.lua");
    assert_int_equal(ui_progress_path(path, sizeof path), 0);
    assert_string_equal(path, "/home/someone/.local/share/usine/progress.json");
    unsetenv("HOME");
    assert_int_equal(ui_work_path("c", "e", path, sizeof path), -1);
    setenv("XDG_DATA_HOME", tmpdir, 1);
    setenv("HOME", tmpdir, 1);

    static const char *const bad[] = { "", ".", "..", "a/b", "../x", "a\nb" };
    for (int i = 0; i < 6; i++) {
        assert_int_equal(ui_work_path(bad[i], "e", path, sizeof path), -1);
        assert_int_equal(ui_work_path("c", bad[i], path, sizeof path), -1);
    }
    assert_int_equal(ui_work_path(NULL, "e", path, sizeof path), -1);
    assert_int_equal(ui_work_path("c", "e", path, 10), -1);             /* too long for the buffer */
}

static void test_work_create(void **state)
{
    (void)state;
    char path[4096], err[512], dir[4200];
    assert_int_equal(ui_work_path("fondamentaux", "anatomy", path, sizeof path), 0);
    assert_int_equal(ui_work_create(path, "-- starter\n", err, sizeof err), 1);
    char *text = read_all(path);
    assert_string_equal(text, "-- starter\n");
    free(text);
    struct stat st;
    snprintf(dir, sizeof dir, "%s/usine/work/fondamentaux", tmpdir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    /* Never overwritten, whatever it holds now. */
    write_file(path, "my work");
    assert_int_equal(ui_work_create(path, "-- starter\n", err, sizeof err), 0);
    text = read_all(path);
    assert_string_equal(text, "my work");
    free(text);
    /* No temporary file left behind. */
    snprintf(dir, sizeof dir, "ls -A '%s/usine/work/fondamentaux' | grep -v '^anatomy.lua$' | grep -q .", tmpdir);
    assert_int_not_equal(system(dir), 0);

    /* NULL starter: an empty file. A folder where a file should go: an error that says so. */
    assert_int_equal(ui_work_path("c2", "empty", path, sizeof path), 0);
    assert_int_equal(ui_work_create(path, NULL, err, sizeof err), 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
    snprintf(dir, sizeof dir, "%s/usine/work/blocked", tmpdir);
    write_file(dir, "a file, not a folder");
    assert_int_equal(ui_work_path("blocked", "x", path, sizeof path), 0);
    err[0] = '\0';
    assert_int_equal(ui_work_create(path, "x", err, sizeof err), -1);
    assert_non_null(strstr(err, "blocked"));
}

/* ---- watching --------------------------------------------------------------------------------- */

static void test_watch(void **state)
{
    (void)state;
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/w.lua", tmpdir);
    write_file(path, "a = 1\n");
    ui_watch w;
    assert_int_equal(ui_watch_init(&w, path), 0);
    assert_int_equal(ui_watch_changed(&w), 0);

    write_file(path, "a = 1\nb = 2\n");                /* written in place */
    assert_int_equal(ui_watch_changed(&w), 1);
    assert_int_equal(ui_watch_changed(&w), 0);

    /* Saved as editors do: a new file renamed over the old one, same size. */
    snprintf(tmp, sizeof tmp, "%s/w.lua.swp", tmpdir);
    write_file(tmp, "a = 3\nb = 4\n");
    struct stat before;
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(rename(tmp, path), 0);
    assert_int_equal(ui_watch_changed(&w), 1);
    assert_int_equal(ui_watch_changed(&w), 0);

    assert_int_equal(unlink(path), 0);                 /* deleted: once */
    assert_int_equal(ui_watch_changed(&w), 1);
    assert_int_equal(ui_watch_changed(&w), 0);
    assert_int_equal(ui_watch_changed(&w), 0);
    write_file(path, "back");                          /* and back */
    assert_int_equal(ui_watch_changed(&w), 1);
    assert_int_equal(ui_watch_changed(&w), 0);

    /* A file that does not exist yet. */
    snprintf(tmp, sizeof tmp, "%s/later.lua", tmpdir);
    assert_int_equal(ui_watch_init(&w, tmp), 0);
    assert_int_equal(ui_watch_changed(&w), 0);
    write_file(tmp, "x");
    assert_int_equal(ui_watch_changed(&w), 1);
    char longp[5000];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(ui_watch_init(&w, longp), -1);
}

/* ---- the checker ------------------------------------------------------------------------------ */

/* Poll until a record comes (at most 30 s, every 10 ms). */
static int wait_record(ui_checker *c, gr_record *rec)
{
    for (int i = 0; i < 3000; i++) {
        if (ui_checker_poll(c, rec)) return 1;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void test_checker(void **state)
{
    (void)state;
    ex_exercise *e = load_anatomy();
    const char *usine = getenv("USINE") && *getenv("USINE") ? getenv("USINE") : "build/usine";
    assert_null(ui_checker_create(NULL));
    ui_checker *c = ui_checker_create(usine);
    assert_non_null(c);
    gr_record rec;
    assert_int_equal(ui_checker_poll(c, &rec), 0);
    assert_int_equal(ui_checker_busy(c), 0);

    char solution[4200], starter[4200], broken[4200], missing[4200];
    snprintf(solution, sizeof solution, "%s/solution.lua", tmpdir);
    snprintf(starter, sizeof starter, "%s/starter.lua", tmpdir);
    snprintf(broken, sizeof broken, "%s/broken.lua", tmpdir);
    snprintf(missing, sizeof missing, "%s/missing.lua", tmpdir);
    char *text = read_all(ANATOMY_SOLUTION);
    write_file(solution, text);
    free(text);
    write_file(starter, e->starter);
    write_file(broken, "function gpus(p, id\n  return 1\nend\n");

    /* The reference solution: full marks. */
    assert_int_equal(ui_checker_submit(c, e, solution, "en"), 0);
    assert_int_equal(ui_checker_busy(c), 1);
    assert_true(wait_record(c, &rec));
    assert_string_equal(rec.submission, solution);
    assert_string_equal(rec.exercise, "anatomy");
    assert_null(rec.error);
    assert_true(rec.max > 0 && rec.score == rec.max && rec.passed);
    gr_record_free(&rec);

    /* The starter: below full marks; in French. */
    assert_int_equal(ui_checker_submit(c, e, starter, "fr"), 0);
    assert_true(wait_record(c, &rec));
    assert_true(rec.score < rec.max && !rec.passed);
    assert_string_equal(rec.lang, "fr");
    gr_record_free(&rec);

    /* A syntax error: a record that says so. */
    assert_int_equal(ui_checker_submit(c, e, broken, "en"), 0);
    assert_true(wait_record(c, &rec));
    assert_non_null(rec.error);
    assert_non_null(strstr(rec.error, "broken.lua:"));
    assert_true(rec.score == 0);
    gr_record_free(&rec);

    /* A file that cannot be read: a record that says why. */
    assert_int_equal(ui_checker_submit(c, e, missing, "en"), 0);
    assert_true(wait_record(c, &rec));
    assert_non_null(rec.error);
    assert_non_null(strstr(rec.error, "cannot read the submission"));
    gr_record_free(&rec);

    /* Quick submits: only the last one's record comes. The caller's exercise may go at once. */
    ex_exercise *e2 = load_anatomy();
    assert_int_equal(ui_checker_submit(c, e2, starter, "en"), 0);
    assert_int_equal(ui_checker_submit(c, e2, broken, "en"), 0);
    assert_int_equal(ui_checker_submit(c, e2, solution, "en"), 0);
    ex_free(e2);
    assert_true(wait_record(c, &rec));
    assert_string_equal(rec.submission, solution);
    assert_true(rec.max > 0 && rec.score == rec.max);
    gr_record_free(&rec);
    for (int i = 0; i < 3000 && ui_checker_busy(c); i++) usleep(10000);
    assert_int_equal(ui_checker_busy(c), 0);
    assert_int_equal(ui_checker_poll(c, &rec), 0);

    assert_int_equal(ui_checker_submit(NULL, e, solution, "en"), -1);
    assert_int_equal(ui_checker_submit(c, NULL, solution, "en"), -1);
    assert_int_equal(ui_checker_submit(c, e, NULL, "en"), -1);

    /* Destroyed with a submission waiting and one being graded. */
    assert_int_equal(ui_checker_submit(c, e, solution, "en"), 0);
    assert_int_equal(ui_checker_submit(c, e, starter, "en"), 0);
    ui_checker_destroy(c);
    ui_checker_destroy(NULL);
    ex_free(e);
}

/* ---- progress --------------------------------------------------------------------------------- */

static gr_record graded(double score, double max, int passed)
{
    gr_record r;
    gr_record_init(&r);
    r.score = score;
    r.max = max;
    r.passed = passed;
    return r;
}

/* An attempt is a file checked with new contents: the same file checked again (a start, a
 * language switch, the check key) is not one. The exercise opened last is remembered per course. */
static void test_progress_attempts_and_last_exercise(void **state)
{
    (void)state;
    char path[512], msg[256], err[256];
    snprintf(path, sizeof path, "%s/attempts.json", tmpdir);
    remove(path);
    ui_progress *p = ui_progress_load(path, msg, sizeof msg);
    gr_record r = graded(3, 10, 0);
    r.content_hash = strdup("aaaa");
    ui_progress_record(p, "c", "e", &r);
    ui_progress_record(p, "c", "e", &r);                       /* the same file again */
    ui_progress_entry en;
    assert_int_equal(ui_progress_get(p, "c", "e", &en), 1);
    assert_int_equal(en.attempts, 1);
    free(r.content_hash);
    r.content_hash = strdup("bbbb");                           /* saved with a change */
    ui_progress_record(p, "c", "e", &r);
    assert_int_equal(ui_progress_get(p, "c", "e", &en), 1);
    assert_int_equal(en.attempts, 2);
    free(r.content_hash);
    char last[64];
    assert_int_equal(ui_progress_last(p, "c", last, sizeof last), -1);
    ui_progress_set_last(p, "c", "e");
    ui_progress_set_last(p, "c", "f");
    ui_progress_set_last(p, "other", "x");
    assert_int_equal(ui_progress_save(p, err, sizeof err), 0);
    ui_progress_free(p);
    p = ui_progress_load(path, msg, sizeof msg);
    assert_string_equal(msg, "");
    assert_int_equal(ui_progress_last(p, "c", last, sizeof last), 0);
    assert_string_equal(last, "f");
    assert_int_equal(ui_progress_last(p, "other", last, sizeof last), 0);
    assert_string_equal(last, "x");
    assert_int_equal(ui_progress_get(p, "c", "e", &en), 1);
    assert_int_equal(en.attempts, 2);
    ui_progress_free(p);
    remove(path);
}

static void test_progress(void **state)
{
    (void)state;
    char path[4096], msg[1024], err[512];
    assert_int_equal(ui_progress_path(path, sizeof path), 0);
    ui_progress *p = ui_progress_load(NULL, msg, sizeof msg);       /* no file yet */
    assert_non_null(p);
    assert_string_equal(msg, "");
    ui_progress_entry en;
    assert_int_equal(ui_progress_get(p, "fondamentaux", "anatomy", &en), 0);

    gr_record r = graded(3, 10, 0);
    long long before = (long long)time(NULL);
    assert_int_equal(ui_progress_record(p, "fondamentaux", "anatomy", &r), 0);
    assert_int_equal(ui_progress_save(p, err, sizeof err), 0);
    ui_progress_free(p);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    p = ui_progress_load(NULL, msg, sizeof msg);
    assert_string_equal(msg, "");
    assert_int_equal(ui_progress_get(p, "fondamentaux", "anatomy", &en), 1);
    assert_true(en.best == 3 && en.max == 10 && en.last == 3 && !en.passed && en.attempts == 1);
    assert_true(en.last_checked_unix >= before && en.last_checked_unix <= (long long)time(NULL) + 1);

    /* A pass, then a worse attempt: the best and the pass stay. */
    r = graded(10, 10, 1);
    ui_progress_record(p, "fondamentaux", "anatomy", &r);
    r = graded(4, 10, 0);
    ui_progress_record(p, "fondamentaux", "anatomy", &r);
    r = graded(1, 5, 0);
    ui_progress_record(p, "fondamentaux", "other", &r);
    r = graded(5, 5, 1);
    ui_progress_record(p, "another-course", "x", &r);
    assert_int_equal(ui_progress_save(p, err, sizeof err), 0);
    ui_progress_free(p);
    p = ui_progress_load(path, msg, sizeof msg);
    assert_int_equal(ui_progress_get(p, "fondamentaux", "anatomy", &en), 1);
    assert_true(en.best == 10 && en.last == 4 && en.passed && en.attempts == 3);
    assert_int_equal(ui_progress_passed_count(p, "fondamentaux"), 1);
    assert_int_equal(ui_progress_passed_count(p, "another-course"), 1);
    assert_int_equal(ui_progress_passed_count(p, "none"), 0);
    assert_int_equal(ui_progress_record(p, NULL, "x", &r), -1);
    ui_progress_free(p);
    ui_progress_free(NULL);

    /* Damaged files are set aside, never deleted, and progress starts afresh. */
    char bad[4200], bad1[4200];
    snprintf(bad, sizeof bad, "%s.bad", path);
    snprintf(bad1, sizeof bad1, "%s.bad.1", path);
    write_file(path, "{\"courses\": {\"c\": {\"e\": {\"best\": ");
    p = ui_progress_load(NULL, msg, sizeof msg);
    assert_non_null(strstr(msg, "progress.json.bad"));
    assert_int_equal(ui_progress_get(p, "fondamentaux", "anatomy", &en), 0);
    assert_false(exists(path));
    char *text = read_all(bad);
    assert_string_equal(text, "{\"courses\": {\"c\": {\"e\": {\"best\": ");
    free(text);
    r = graded(2, 10, 0);
    ui_progress_record(p, "c", "e", &r);
    assert_int_equal(ui_progress_save(p, err, sizeof err), 0);
    ui_progress_free(p);

    write_file(path, "{\"version\": 1, \"courses\": 3}");       /* JSON, but not progress */
    p = ui_progress_load(NULL, msg, sizeof msg);
    assert_non_null(strstr(msg, "progress.json.bad.1"));
    assert_true(exists(bad) && exists(bad1));
    ui_progress_free(p);

    /* A file that cannot be read is left alone, and not replaced. */
    if (geteuid() != 0) {
        write_file(path, "{\"version\": 1, \"courses\": {}}");
        chmod(path, 0);
        p = ui_progress_load(NULL, msg, sizeof msg);
        assert_true(msg[0] != '\0');
        assert_int_equal(ui_progress_save(p, err, sizeof err), -1);
        ui_progress_free(p);
        chmod(path, 0600);
        text = read_all(path);
        assert_string_equal(text, "{\"version\": 1, \"courses\": {}}");
        free(text);
    }
}

/* Values out of range are damage, never a wrapped counter or a best above the maximum; a save
 * writes a file that the next load can read again. */
static void test_progress_values(void **state)
{
    (void)state;
    char path[4096], msg[1024], err[512], bad[4200];
    assert_int_equal(ui_progress_path(path, sizeof path), 0);
    snprintf(bad, sizeof bad, "%s.bad", path);
    ui_progress *first = ui_progress_load(NULL, msg, sizeof msg);    /* makes the folder */
    assert_int_equal(ui_progress_save(first, err, sizeof err), 0);
    ui_progress_free(first);
    static const char *const hostile[] = {
        "{\"version\":1,\"courses\":{\"c\":{\"e\":{\"best\":1,\"max\":10,\"last\":1,\"passed\":false,"
        "\"last_checked\":0,\"attempts\":1e300}}}}",
        "{\"version\":1,\"courses\":{\"c\":{\"e\":{\"best\":11,\"max\":10,\"last\":1,\"passed\":true,"
        "\"last_checked\":0}}}}",
        "{\"version\":1,\"courses\":{\"c\":{\"e\":{\"best\":-1,\"max\":10,\"last\":1,\"passed\":true,"
        "\"last_checked\":0}}}}",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        unlink(bad);
        write_file(path, hostile[i]);
        ui_progress *p = ui_progress_load(NULL, msg, sizeof msg);
        assert_non_null(strstr(msg, "out of range"));
        assert_true(exists(bad));
        ui_progress_entry en;
        assert_int_equal(ui_progress_get(p, "c", "e", &en), 0);
        ui_progress_free(p);
    }
    unlink(bad);

    /* The count of checks saturates instead of wrapping. */
    write_file(path, "{\"version\":1,\"courses\":{\"c\":{\"e\":{\"best\":1,\"max\":10,\"last\":1,"
                     "\"passed\":false,\"last_checked\":0,\"attempts\":1000000000}}}}");
    ui_progress *p = ui_progress_load(NULL, msg, sizeof msg);
    assert_string_equal(msg, "");
    gr_record r = graded(2, 10, 0);
    ui_progress_record(p, "c", "e", &r);
    ui_progress_entry en;
    assert_int_equal(ui_progress_get(p, "c", "e", &en), 1);
    assert_int_equal(en.attempts, 1000000000);

    ui_progress_free(p);

    /* A 15 MB file, under the 16 MiB read cap, saves to a file that still reads (a pretty-printed
     * save made it 20 MB, and progress was never read or saved again). */
    size_t cap = 16u << 20, len = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    len += (size_t)snprintf(big, cap, "{\"version\":1,\"courses\":{\"big\":{");
    for (int i = 0; len < 15000000; i++)
        len += (size_t)snprintf(big + len, cap - len,
                                "%s\"exercise-%07d\":{\"best\":1,\"max\":10,\"last\":1,\"passed\":false,"
                                "\"attempts\":2,\"last_checked\":1700000000}",
                                i ? "," : "", i);
    len += (size_t)snprintf(big + len, cap - len, "}}}");
    write_file(path, big);
    free(big);
    p = ui_progress_load(NULL, msg, sizeof msg);
    assert_string_equal(msg, "");
    ui_progress_record(p, "big", "exercise-0000007", &r);
    assert_int_equal(ui_progress_save(p, err, sizeof err), 0);
    ui_progress_free(p);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true((size_t)st.st_size <= cap);
    p = ui_progress_load(NULL, msg, sizeof msg);
    assert_string_equal(msg, "");
    assert_int_equal(ui_progress_get(p, "big", "exercise-0000007", &en), 1);
    assert_int_equal(en.attempts, 3);
    ui_progress_free(p);
    unlink(path);
}

/* ---- the editor ------------------------------------------------------------------------------- */

/* Wait (at most 30 s) until the editor started last has exited and is reaped. */
static int reap_one(void)
{
    int reaped = 0;
    for (int i = 0; i < 3000 && reaped == 0; i++) {
        reaped = ui_reap_children();
        if (!reaped) usleep(10000);
    }
    return reaped;
}

static void test_open_in_editor(void **state)
{
    (void)state;
    char err[512], path[4200];
    snprintf(path, sizeof path, "%s/ex.lua", tmpdir);
    write_file(path, "x");
    setenv("USINE_EDITOR", "/bin/true", 1);
    assert_int_equal(ui_open_in_editor(path, err, sizeof err), 0);
    assert_int_equal(reap_one(), 1);
    assert_int_equal(ui_reap_children(), 0);

    /* No shell: the path reaches the program as it is. */
    char odd[4200];
    snprintf(odd, sizeof odd, "%s/a;b `echo x` $(echo y) 'c' *.lua", tmpdir);
    setenv("USINE_EDITOR", "  /usr/bin/env   touch ", 1);
    assert_int_equal(ui_open_in_editor(odd, err, sizeof err), 0);
    assert_int_equal(reap_one(), 1);
    assert_true(exists(odd));

    setenv("USINE_EDITOR", "/nonexistent/editor --wait", 1);
    err[0] = '\0';
    assert_int_equal(ui_open_in_editor(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/editor"));

    /* No USINE_EDITOR and no xdg-open on the PATH. */
    unsetenv("USINE_EDITOR");
    char *old_path = ut_strdup(getenv("PATH"));
    setenv("PATH", tmpdir, 1);
    err[0] = '\0';
    assert_int_equal(ui_open_in_editor(path, err, sizeof err), -1);
    assert_non_null(strstr(err, "xdg-open"));
    setenv("PATH", old_path, 1);
    free(old_path);
    assert_int_equal(ui_open_in_editor("", err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_wraps_at_words),
        cmocka_unit_test(test_md_lists_headings_code),
        cmocka_unit_test(test_md_inlines),
        cmocka_unit_test(test_md_utf8_never_split),
        cmocka_unit_test(test_md_tiny_widths_and_hostile_input),
        cmocka_unit_test(test_md_anatomy),
        cmocka_unit_test_setup_teardown(test_work_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_work_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_attempts_and_last_exercise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_in_editor, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
