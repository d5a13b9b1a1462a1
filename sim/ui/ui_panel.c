/* ui_panel.c: the course panel. It shows the course's exercises (with the progress saved across
 * sessions), the current exercise's text laid out from its Markdown in the interface language,
 * and the checks of the student's file, which lives in the user's data folder, opens in their
 * editor, and is checked again each time they save it (ui_course.c grades it in a confined child
 * process on a thread, exactly as `usine grade` does, so the window never waits and a hostile
 * file cannot hurt it). Opening an exercise loads its scenario into the factory view.
 *
 * A course or an exercise that does not load shows its error (file and line) in the panel.
 *
 * Under its buttons the panel has two areas, scrolled apart: the exercise's text, and below it the
 * checks (their score line always in sight, the checks sized to them up to two fifths of the room),
 * so that reading the task never scrolls the checks away. Each remembers its own offset; drawing
 * clamps it to what the frame drew and says so in ui_panel_hits.
 *
 * Drawing reads the panel (ui_panel_prepare lays the text out before it) and says where its
 * buttons went in the frame's ui_panel_hits, which clicks and scrolling read. */
#include "ui_gfx.h"
#include "ui_course.h"
#include "ui_md.h"

#include "app/app.h"
#include "util.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

typedef struct ui_panel {
    ex_course *course;
    char error[1024];            /* the course or the exercise does not load */
    ex_host host;
    int cur;                     /* index of the exercise shown */
    char **titles_fr, **titles_en, **ids;   /* per exercise, filled lazily (NULL: not yet) */
    int titles_done;
    int ticks;
    ex_exercise *ex;
    ui_md_doc *doc;
    ui_md_layout_out lay;
    int lay_w;
    char lay_lang[3];
    int need_layout;
    char work[4096];
    char tmp_work[4096];        /* headless: the starter in a temporary file, removed after */
    ui_watch watch;
    double watched_at;           /* when the watch was last polled (ut_now_s) */
    ui_checker *checker;
    gr_record rec;
    int has_rec;
    ui_progress *prog;
    int scroll;                  /* the exercise's text, in pixels from its top */
    int checks_scroll;           /* the checks, likewise (their score line stays) */
    ui_app *app;
} ui_panel;

static ui_font font_of(int style)
{
    switch (style) {
    case UI_MD_STRONG: return UI_F_BOLD;
    case UI_MD_EMPH: case UI_MD_QUOTE: return UI_F_ITALIC;
    case UI_MD_STRONG_EMPH: return UI_F_BOLDITALIC;
    case UI_MD_CODE: case UI_MD_CODE_BLOCK: return UI_F_MONO;
    case UI_MD_H1: return UI_F_H1;
    case UI_MD_H2: return UI_F_H2;
    case UI_MD_H3: return UI_F_H3;
    default: return UI_F_BODY;
    }
}

static int measure(void *ctx, int style, const char *s, size_t len)
{
    ui_app *a = ctx;
    return ui_text_width(a->tx, font_of(style), s, len);
}

static const char *course_id(const ui_panel *p) { return p->course && p->course->id ? p->course->id : "course"; }

static void load_exercise(ui_app *a, ui_panel *p, int index)
{
    ex_free(p->ex);
    p->ex = NULL;
    ui_md_free(p->doc);
    p->doc = NULL;
    ui_md_layout_free(&p->lay);
    gr_record_free(&p->rec);
    p->has_rec = 0;
    p->scroll = p->checks_scroll = 0;
    p->work[0] = '\0';
    p->error[0] = '\0';
    if (!p->course || p->course->nfiles == 0) return;
    p->cur = (index % p->course->nfiles + p->course->nfiles) % p->course->nfiles;
    char err[1024];
    p->ex = ex_load(p->course->files[p->cur], &p->host, err, sizeof err);
    if (!p->ex) {
        snprintf(p->error, sizeof p->error, "%s", err);
        return;
    }
    p->need_layout = 1;
    if (p->tmp_work[0]) unlink(p->tmp_work), p->tmp_work[0] = '\0';
    struct stat st;
    if (ui_work_path(course_id(p), p->ex->id, p->work, sizeof p->work) != 0) p->work[0] = '\0';
    else if (a->headless && stat(p->work, &st) != 0) {
        /* headless (a screenshot): the student's file shown if there is one, else the starter from a
         * temporary file; nothing is written into the work folder */
        const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(p->tmp_work, sizeof p->tmp_work, "%s/usine-starter-%ld-%s.lua", tmp, (long)getpid(), p->ex->id);
        snprintf(p->work, sizeof p->work, "%s", p->tmp_work);
    }
    if (p->work[0]) {
        if (!a->headless && p->prog) {   /* where the student was: the next start opens it */
            char perr[512];
            ui_progress_set_last(p->prog, course_id(p), p->ex->id);
            if (ui_progress_save(p->prog, perr, sizeof perr) != 0) ui_app_set_message(a, 1, "%s", perr);
        }
        if (ui_work_create(p->work, p->ex->starter, err, sizeof err) < 0) {
            ui_app_set_message(a, 1, "%s", err);
            p->work[0] = '\0';
        } else {
            ui_watch_init(&p->watch, p->work);
            if (p->checker) ui_checker_submit(p->checker, p->ex, p->work, app_lang());
        }
    }
    /* the factory shows what the exercise is about */
    if (p->ex->platform) {
        snprintf(a->sc.platform, sizeof a->sc.platform, "%s", p->ex->platform);
        snprintf(a->sc.partition, sizeof a->sc.partition, "%s", p->ex->partition ? p->ex->partition : "");
        a->sc.gpus = 0;
        a->sc.nodes = 0;
        a->camera_set = 0;
        ui_app_request(a);
    }
}

ui_panel *ui_panel_create(ui_app *a, const char *dir, const char *exercise_id)
{
    ui_panel *p = ut_calloc(1, sizeof *p);
    p->app = a;
    p->host.platform_path = a->platform_dirs;
    char err[1024];
    p->course = ex_course_load(dir, err, sizeof err);
    if (!p->course) {
        snprintf(p->error, sizeof p->error, "%s", err);
        return p;
    }
    int n = p->course->nfiles;
    p->titles_fr = ut_calloc((size_t)n + 1, sizeof *p->titles_fr);
    p->titles_en = ut_calloc((size_t)n + 1, sizeof *p->titles_en);
    p->ids = ut_calloc((size_t)n + 1, sizeof *p->ids);
    char msg[512] = "";
    p->prog = ui_progress_load(NULL, msg, sizeof msg);
    if (msg[0]) ui_app_set_message(a, 1, "%s", msg);
    /* the checks run in this very program, `usine grade`, started afresh for each */
    char self[4096];
    ssize_t got = readlink("/proc/self/exe", self, sizeof self - 1);
    self[got > 0 ? got : 0] = '\0';
    p->checker = got > 0 ? ui_checker_create(self) : NULL;
    if (!p->checker) ui_app_set_message(a, 1, "%s", _("cannot start the checks (the usine program was not found)"));
    int start = 0;
    char last[128];
    int from_last = 0;
    if (!exercise_id && !a->headless && p->prog && ui_progress_last(p->prog, course_id(p), last, sizeof last) == 0)
        exercise_id = last, from_last = 1;   /* the exercise the student worked on last */
    if (exercise_id) {
        /* the file name is the usual id; else the exercise is found once titles are loaded */
        for (int i = 0; i < n; i++) {
            const char *base = strrchr(p->course->files[i], '/');
            base = base ? base + 1 : p->course->files[i];
            if (!strncmp(base, exercise_id, strlen(exercise_id)) && !strcmp(base + strlen(exercise_id), ".lua")) start = i;
        }
    }
    load_exercise(a, p, start);
    if (p->ex && exercise_id && strcmp(p->ex->id, exercise_id)) {
        for (int i = 0; i < n; i++) {
            ex_exercise *e = ex_load(p->course->files[i], &p->host, err, sizeof err);
            int hit = e && !strcmp(e->id, exercise_id);
            ex_free(e);
            if (hit) {
                load_exercise(a, p, i);
                break;
            }
        }
        if (strcmp(p->ex ? p->ex->id : "", exercise_id) && from_last) load_exercise(a, p, 0);   /* gone since: the first */
        else if (strcmp(p->ex ? p->ex->id : "", exercise_id))
            snprintf(p->error, sizeof p->error, _("%s: no exercise '%s' in this course"), dir, exercise_id);
    }
    return p;
}

void ui_panel_destroy(ui_panel *p)
{
    if (!p) return;
    if (p->tmp_work[0]) unlink(p->tmp_work);
    ui_checker_destroy(p->checker);
    if (p->course)
        for (int i = 0; i < p->course->nfiles; i++) free(p->titles_fr[i]), free(p->titles_en[i]), free(p->ids[i]);
    free(p->titles_fr);
    free(p->titles_en);
    free(p->ids);
    ex_free(p->ex);
    ui_md_free(p->doc);
    ui_md_layout_free(&p->lay);
    gr_record_free(&p->rec);
    ui_progress_free(p->prog);
    ex_course_free(p->course);
    free(p);
}

void ui_panel_relayout(ui_panel *p)
{
    p->need_layout = 1;
    /* the checks' messages and hints are in the grading language: check again */
    if (p->ex && p->work[0] && p->checker && strcmp(p->rec.lang ? p->rec.lang : "", app_lang()))
        ui_checker_submit(p->checker, p->ex, p->work, app_lang());
}

int ui_panel_checking(const ui_panel *p)
{
    return p && p->checker && ui_checker_busy(p->checker);
}

int ui_panel_busy(ui_panel *p)
{
    return (p->checker && ui_checker_busy(p->checker)) || (p->course && p->titles_done < p->course->nfiles);
}

const char *ui_panel_error(const ui_panel *p) { return p && p->error[0] ? p->error : NULL; }

/* As far as the last frame's area went: its end at the bottom of the area, no further. */
void ui_panel_scroll(ui_panel *p, const ui_panel_hits *h, ui_panel_area area, int dy)
{
    int *at = area == UI_PANEL_CHECKS ? &p->checks_scroll : &p->scroll, max = area == UI_PANEL_CHECKS ? h->checks_max : h->text_max;
    int v = (*at < max ? *at : max) + dy;
    *at = v < 0 ? 0 : v > max ? max : v;
}

ui_panel_area ui_panel_area_at(const ui_panel_hits *h, int x, int y)
{
    return h->checks.h > 0 && ui_inside(&h->checks, x, y) ? UI_PANEL_CHECKS : UI_PANEL_TEXT;
}

int ui_panel_tick(ui_app *a, ui_panel *p)
{
    int changed = 0;
    if (p->checker) {
        gr_record r;
        if (ui_checker_poll(p->checker, &r)) {
            changed = 1;
            gr_record_free(&p->rec);
            p->rec = r;
            p->has_rec = 1;
            if (p->prog && p->ex && !a->headless) {   /* a screenshot records nothing of the student's */
                char err[512];
                ui_progress_record(p->prog, course_id(p), p->ex->id, &p->rec);
                if (ui_progress_save(p->prog, err, sizeof err) != 0) ui_app_set_message(a, 1, "%s", err);
            }
        }
    }
    /* the student's file, four times a second rather than every frame (a stat each time) */
    double now = ut_now_s();
    if (now - p->watched_at >= 0.25) {
        p->watched_at = now;
        if (p->ex && p->work[0] && ui_watch_changed(&p->watch) && p->checker) {
            ui_checker_submit(p->checker, p->ex, p->work, app_lang());
            changed = 1;
        }
    }
    /* one exercise title per tick, after the first frame (so that start-up is not delayed), for
     * the list */
    if (p->course && p->titles_done < p->course->nfiles && p->ticks++ > 0) {
        int i = p->titles_done++;
        if (i == p->cur && p->ex) {
            p->titles_fr[i] = ut_strdup(p->ex->title.fr), p->titles_en[i] = ut_strdup(p->ex->title.en), p->ids[i] = ut_strdup(p->ex->id);
        } else {
            char err[1024];
            ex_exercise *e = ex_load(p->course->files[i], &p->host, err, sizeof err);
            if (e) p->titles_fr[i] = ut_strdup(e->title.fr), p->titles_en[i] = ut_strdup(e->title.en), p->ids[i] = ut_strdup(e->id);
            ex_free(e);
        }
        changed = 1;
    }
    return changed;
}

void ui_panel_open_editor(ui_app *a, ui_panel *p)
{
    if (!p->work[0]) return;
    char err[512];
    if (ui_open_in_editor(p->work, err, sizeof err) != 0) ui_app_set_message(a, 1, _("%s (your file: %s)"), err, p->work);
    else ui_app_set_message(a, 0, _("Opened %s: save it and the checks run again."), p->work);
}

void ui_panel_check_now(ui_app *a, ui_panel *p)
{
    (void)a;
    if (p->ex && p->work[0] && p->checker) ui_checker_submit(p->checker, p->ex, p->work, app_lang());
}

void ui_panel_next_exercise(ui_app *a, ui_panel *p, int delta)
{
    if (p->course && p->course->nfiles) load_exercise(a, p, p->cur + delta);
}

int ui_panel_click(ui_app *a, ui_panel *p, const ui_panel_hits *h, int x, int y)
{
    if (ui_inside(&h->prev, x, y)) return ui_panel_next_exercise(a, p, -1), 1;
    if (ui_inside(&h->next, x, y)) return ui_panel_next_exercise(a, p, 1), 1;
    if (ui_inside(&h->edit, x, y)) return ui_panel_open_editor(a, p), 1;
    if (ui_inside(&h->check, x, y)) return ui_panel_check_now(a, p), 1;
    if (ui_inside(&h->list, x, y) && h->list_row_h > 0)
        return load_exercise(a, p, h->list_first + (y - h->list.y) / h->list_row_h), 1;
    return 0;
}

/* ----------------------------------------------------------------------------------------- */

/* A few lines of plain text (messages, hints), wrapped to w; returns the y below them. With draw
 * 0, only measures. */
static int wrap_text_if(const ui_app *a, int draw, ui_font f, const char *text, int x, int y, int w, SDL_Color c)
{
    const ui_wrapped *lines = ui_text_wrap(a->tx, f, text, w);
    int line = ui_text_line(a->tx, f);
    for (int i = 0; i < lines->n; i++, y += line)
        if (draw) ui_text_draw(a->tx, f, lines->line[i], x, y, c, UI_LEFT);
    return y;
}

static int wrap_text(const ui_app *a, ui_font f, const char *text, int x, int y, int w, SDL_Color c)
{
    return wrap_text_if(a, 1, f, text, x, y, w, c);
}
/* The panel's text width: its padding on both sides, and on the right a lane for the scroll bars
 * (the Markdown layout can end a line a few pixels past its width, as a run is drawn whole). */
static int text_width(const ui_app *a, SDL_Rect r) { return r.w - 2 * (int)(14 * a->scale) - (int)(8 * a->scale); }

/* The statement after its first line when that is a heading saying the exercise's title, which
 * the panel writes above it already (twice the title took two to four lines of a small window). */
static const char *without_title(const char *md, const char *title)
{
    if (!md || !title) return md;
    const char *s = md;
    while (*s == '\n' || *s == ' ') s++;
    if (strncmp(s, "# ", 2)) return md;
    s += 2;
    while (*s == ' ') s++;
    size_t n = strlen(title);
    if (strncmp(s, title, n)) return md;
    s += n;
    while (*s == ' ' || *s == '\t') s++;
    return *s == '\n' || !*s ? s : md;
}

/* The exercise's text, laid out again when it, the width or the language changed. */
void ui_panel_prepare(ui_app *a, ui_panel *p, SDL_Rect r)
{
    int w = text_width(a, r);
    if (!p->course || !p->ex || !(p->need_layout || p->lay_w != w || strcmp(p->lay_lang, app_lang()))) return;
    ui_md_free(p->doc);
    const char *md = ex_text_in(&p->ex->text, app_lang());
    md = without_title(md, !strcmp(app_lang(), "fr") ? p->ex->title.fr : p->ex->title.en);
    p->doc = ui_md_parse(md, md ? strlen(md) : 0);
    ui_md_layout_free(&p->lay);
    ui_md_metrics m = { measure, a, { 0 } };
    for (int st = 0; st < UI_MD_NSTYLES; st++) m.line_height_px[st] = ui_text_line(a->tx, font_of(st));
    ui_md_layout(p->doc, w, &m, &p->lay);
    p->lay_w = w;
    snprintf(p->lay_lang, sizeof p->lay_lang, "%s", app_lang());
    p->need_layout = 0;
}

/* The checks under their score line: drawn from y when draw, else only measured; the y below them. */
static int draw_checks(const ui_app *a, const ui_panel *p, int draw, int x, int y, int w, char *tip)
{
    int indent = (int)(22 * a->scale);
    char t[512], b1[32], b2[32];
    if (p->rec.error) y = wrap_text_if(a, draw, UI_F_SMALL, p->rec.error, x, y, w, ui_bad);
    for (int i = 0; i < p->rec.nchecks; i++) {
        const gr_check *c = &p->rec.checks[i];
        int ok = c->status == GR_PASSED;
        if (draw) {   /* the points at the right, the title cut before them if it must be */
            snprintf(t, sizeof t, "%s / %s", app_short(b1, sizeof b1, c->points), app_short(b2, sizeof b2, c->max));
            int pw = ui_text_draw(a->tx, UI_F_BODY, t, x + w, y, ui_fg, UI_RIGHT);
            snprintf(t, sizeof t, "%s  %s", ok ? "✓" : c->status == GR_ERROR ? "!" : "✗", c->title ? c->title : c->id);
            ui_draw_fit(a, UI_F_BODY, t, x, y, w - pw - (int)(10 * a->scale), ok ? ui_good : ui_bad, tip);
        }
        y += ui_text_line(a->tx, UI_F_BODY);
        /* a failed check's message says what is wrong; a passed one's what was measured or found */
        if (c->message && *c->message) y = wrap_text_if(a, draw, UI_F_SMALL, c->message, x + indent, y, w - indent, ok ? ui_dim : ui_fg);
        if (!ok && c->hint && *c->hint) {
            snprintf(t, sizeof t, _("Hint: %s"), c->hint);
            y = wrap_text_if(a, draw, UI_F_SMALL, t, x + indent, y, w - indent, ui_accent);
        }
    }
    return y;
}

/* The exercise's text from y: the panel's error, the title, the line under it, the statement as
 * ui_panel_prepare laid it out. Drawn when draw (only the runs between top and bottom), else only
 * measured; the y below it. */
static int draw_text(const ui_app *a, const ui_panel *p, int draw, int x, int y, int w, int top, int bottom)
{
    SDL_Renderer *ren = a->ren;
    float s = a->scale;
    int fr = !strcmp(app_lang(), "fr");
    if (p->error[0]) y = wrap_text_if(a, draw, UI_F_BODY, p->error, x, y, w, ui_bad) + 8;
    if (!p->ex) return y;
    y = wrap_text_if(a, draw, UI_F_H2, fr ? p->ex->title.fr : p->ex->title.en, x, y, w, ui_fg);
    char meta[256], b1[32];
    static const char *const stars[] = { "", "★", "★★", "★★★", "★★★★", "★★★★★" };
    snprintf(meta, sizeof meta, _("difficulty %s · about %s min · your file: %s"), stars[p->ex->difficulty > 5 ? 5 : p->ex->difficulty < 0 ? 0 : p->ex->difficulty],
             app_short(b1, sizeof b1, p->ex->minutes), p->work[0] ? p->work : "—");
    y = wrap_text_if(a, draw, UI_F_SMALL, meta, x, y, w, ui_dim) + (int)(6 * s);
    char buf[2048];
    for (int i = 0; draw && i < p->lay.nruns; i++) {
        const ui_md_run *u = &p->lay.runs[i];
        int ry = y + u->y_px;
        if (ry > bottom || ry + u->height_px < top) continue;
        switch (u->kind) {
        case UI_MD_RUN_BOX: ui_draw_fill(ren, x + u->x_px, ry, u->width_px, u->height_px, (SDL_Color){ 24, 27, 33, 255 }); break;
        case UI_MD_RUN_RULE: ui_draw_fill(ren, x + u->x_px, ry + u->height_px / 2, u->width_px, 1, ui_dim); break;
        case UI_MD_RUN_BAR: ui_draw_fill(ren, x + u->x_px, ry, (int)(3 * s), u->height_px, ui_dim); break;
        default: {
            size_t len = u->len < sizeof buf - 1 ? u->len : sizeof buf - 1;
            memcpy(buf, u->text, len);
            buf[len] = '\0';
            SDL_Color c = u->style >= UI_MD_H1 && u->style <= UI_MD_H3 ? ui_accent
                        : u->style == UI_MD_CODE || u->style == UI_MD_CODE_BLOCK ? (SDL_Color){ 240, 228, 66, 255 } : ui_fg;
            ui_text_draw(a->tx, font_of(u->style), buf, x + u->x_px, ry, c, UI_LEFT);
        }
        }
    }
    return y + p->lay.height_px;
}


void ui_panel_draw(const ui_app *a, const ui_panel *p, SDL_Rect r, ui_panel_hits *out, char *tip)
{
    SDL_Renderer *ren = a->ren;
    float s = a->scale;
    int pad = (int)(14 * s), x = r.x + pad, w = text_width(a, r);
    ui_draw_fill(ren, r.x, r.y, r.w, r.h, ui_panel_bg);
    ui_draw_fill(ren, r.x, r.y, 2, r.h, (SDL_Color){ 60, 66, 80, 255 });
    int fr = !strcmp(app_lang(), "fr");
    int y = r.y + pad;
    if (!p->course) {
        ui_text_draw(a->tx, UI_F_H2, _("Course"), x, y, ui_accent, UI_LEFT);
        y += ui_text_line(a->tx, UI_F_H2) + 6;
        wrap_text(a, UI_F_BODY, p->error, x, y, w, ui_bad);
        return;
    }
    /* header: the course and its exercises */
    const char *ct = fr ? p->course->title.fr : p->course->title.en;
    ui_draw_fit(a, UI_F_H2, ct ? ct : "", x, y, w, ui_accent, tip);
    y += ui_text_line(a->tx, UI_F_H2) + 4;
    int line = ui_text_line(a->tx, UI_F_SMALL) + 2;
    int n = p->course->nfiles;
    int max_items = (r.h / 3) / line;
    int first = p->cur - max_items / 2;
    if (first + max_items > n) first = n - max_items;
    if (first < 0) first = 0;
    int last = n < first + max_items ? n : first + max_items;
    out->list = (SDL_Rect){ r.x, y, r.w, last > first ? (last - first) * line : 0 };
    out->list_first = first, out->list_row_h = line;
    for (int i = first; i < last; i++) {
        char t[256];
        const char *title = (fr ? p->titles_fr[i] : p->titles_en[i]);
        ui_progress_entry pe;
        int known = p->prog && p->ids[i] && ui_progress_get(p->prog, course_id(p), p->ids[i], &pe);
        const char *mark = known ? (pe.passed ? "✓" : "…") : "·";
        snprintf(t, sizeof t, "%2d. %s", i + 1, title ? title : "…");
        if (i == p->cur) ui_draw_fill(ren, r.x + 2, y, r.w - 2, line, (SDL_Color){ 0, 80, 130, 255 });
        ui_text_draw(a->tx, UI_F_SMALL, mark, x, y, known && pe.passed ? ui_good : ui_dim, UI_LEFT);
        ui_draw_fit(a, UI_F_SMALL, t, x + (int)(18 * s), y, w - (int)(90 * s), ui_fg, tip);
        if (known) {
            char sc[64], b1[32], b2[32];
            snprintf(sc, sizeof sc, "%s / %s", app_short(b1, sizeof b1, pe.best), app_short(b2, sizeof b2, pe.max));
            ui_text_draw(a->tx, UI_F_SMALL, sc, x + w, y, pe.passed ? ui_good : ui_dim, UI_RIGHT);
        }
        y += line;
    }
    char passed[128];
    int np = p->prog ? ui_progress_passed_count(p->prog, course_id(p)) : 0;
    snprintf(passed, sizeof passed, P_("%d of %d exercises passed", "%d of %d exercises passed", np), np, n);
    ui_text_draw(a->tx, UI_F_SMALL, passed, x, y + 2, ui_dim, UI_LEFT);
    y += line + (int)(6 * s);
    ui_draw_fill(ren, r.x + pad, y, w, 1, (SDL_Color){ 70, 76, 90, 255 });
    y += (int)(8 * s);

    /* buttons */
    int bh = ui_text_line(a->tx, UI_F_BODY) + 8, bw = (int)(44 * s);
    out->prev = (SDL_Rect){ x, y, bw, bh };
    out->next = (SDL_Rect){ x + bw + 6, y, bw, bh };
    ui_draw_button(a, out->prev.x, y, bw, bh, "◀", 0, tip);
    ui_draw_button(a, out->next.x, y, bw, bh, "▶", 0, tip);
    int ew = (w - 2 * bw - 24) / 2;
    out->edit = (SDL_Rect){ x + 2 * bw + 18, y, ew, bh };
    out->check = (SDL_Rect){ x + 2 * bw + 24 + ew, y, ew, bh };
    ui_draw_button(a, out->edit.x, y, ew, bh, _("Open in editor (e)"), 0, tip);
    int checking = ui_panel_checking(p);
    ui_draw_button(a, out->check.x, y, ew, bh, checking ? _("Checking…") : _("Check (k)"), checking, tip);
    y += bh + (int)(8 * s);

    /* Two areas, each scrolled on its own: the text above, the checks below it, sized to them
     * up to two fifths of the room (their score line always in sight), so that reading the
     * statement never scrolls the checks away, nor the other way round. */
    int bottom = r.y + r.h - (int)(6 * s), gap = (int)(8 * s), room = bottom - y;
    int head_h = 0, list_h = 0, checks_h = 0;
    if (p->ex) {
        head_h = p->has_rec ? ui_text_line(a->tx, UI_F_H3) + 2 : ui_text_line(a->tx, UI_F_SMALL);
        list_h = p->has_rec ? draw_checks(a, p, 0, x, 0, w, NULL) : 0;
        int cap = room * 2 / 5 - head_h - 2 * gap, least = 2 * ui_text_line(a->tx, UI_F_BODY);
        if (cap < least) cap = least;
        checks_h = list_h < cap ? list_h : cap;
    }
    int checks_block = p->ex ? 2 * gap + head_h + checks_h : 0;
    SDL_Rect text = { r.x + 2, y, r.w - 2, bottom - checks_block - y };
    if (text.h < 0) text.h = 0;
    int text_content = draw_text(a, p, 0, x, 0, w, 0, 0);
    out->text = text;
    out->text_max = text_content > text.h ? text_content - text.h : 0;
    out->text_scroll = p->scroll < out->text_max ? p->scroll : out->text_max;
    SDL_RenderSetClipRect(ren, &text);
    draw_text(a, p, 1, x, text.y - out->text_scroll, w, text.y, text.y + text.h);
    SDL_RenderSetClipRect(ren, NULL);
    ui_draw_scroll_bar(a, text, text_content, out->text_scroll, (int)(4 * a->scale), (int)(4 * a->scale));
    if (!p->ex) return;

    /* the checks: a rule, their score line, then the list */
    y = text.y + text.h + gap;
    ui_draw_fill(ren, r.x + pad, y, w, 1, (SDL_Color){ 70, 76, 90, 255 });
    y += gap;
    out->checks = (SDL_Rect){ r.x + 2, y, r.w - 2, bottom - y };
    char b1[32], b2[32];
    if (p->has_rec) {
        char head[160];
        snprintf(head, sizeof head, _("Score %s / %s%s"), app_short(b1, sizeof b1, p->rec.score), app_short(b2, sizeof b2, p->rec.max), p->rec.passed ? _(" — passed") : "");
        ui_draw_fit(a, UI_F_H3, head, x, y, w, p->rec.passed ? ui_good : ui_fg, tip);
    } else {
        ui_draw_fit(a, UI_F_SMALL, checking ? _("Checking your file…") : _("Not checked yet."), x, y, w, ui_dim, tip);
    }
    y += head_h;
    SDL_Rect list = { r.x + 2, y, r.w - 2, checks_h };
    out->checks_max = list_h > checks_h ? list_h - checks_h : 0;
    out->checks_scroll = p->checks_scroll < out->checks_max ? p->checks_scroll : out->checks_max;
    if (p->has_rec && list.h > 0) {
        SDL_RenderSetClipRect(ren, &list);
        draw_checks(a, p, 1, x, list.y - out->checks_scroll, w, tip);
        SDL_RenderSetClipRect(ren, NULL);
        ui_draw_scroll_bar(a, list, list_h, out->checks_scroll, (int)(4 * a->scale), (int)(4 * a->scale));
    }
}
