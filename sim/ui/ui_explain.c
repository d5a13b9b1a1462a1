/* ui_explain.c: the analytic step, term by term, over the factory and the course panel (the D
 * key): every term tm_predict_explain told the scene, grouped as the core groups them, each with
 * its time and the line that says how it was obtained with the formula's inputs, so that a student
 * sees why a step takes what it takes (a 1T model's wide layers keep the tiles full; a 20B one's
 * waste part of their last wave). The left column stays visible: change a knob and the terms follow.
 *
 * The terms live in the scene (ui_scene.c computes them with the prediction, on the worker); this
 * file keeps only their presentation: the rows cut to the overlay's width, measured once per scene,
 * width and scale in ui_explain_prepare (not per frame: some forty rows of long lines), and the
 * first row shown. A cut row shows its whole text when the mouse is over it. */
#include "ui_gfx.h"

#include "app/app.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct row {
    int term;                   /* index into the scene's terms; -1: a group's heading */
    const char *group;          /* the scene's, for a heading */
    char *name, *how;           /* cut to fit, with "…" */
    int cut;                    /* name or how was cut: the mouse over it shows them whole */
    int h;                      /* pixels */
} row;

struct ui_explain {
    const ui_scene *scene;      /* the rows are this scene's (NULL: none laid out) */
    int width;
    float scale;
    row *rows;
    int n;
    int max_top;                /* the first row shown can go up to this one: the rest then fits */
    int page;                   /* the rows that fit from the first shown */
    SDL_Rect list;              /* where the rows go */
};

ui_explain *ui_explain_create(void) { return ut_calloc(1, sizeof(ui_explain)); }

static void forget_rows(ui_explain *e)
{
    for (int i = 0; i < e->n; i++) free(e->rows[i].name), free(e->rows[i].how);
    free(e->rows);
    e->rows = NULL, e->n = 0, e->scene = NULL;
}

void ui_explain_destroy(ui_explain *e)
{
    if (!e) return;
    forget_rows(e);
    free(e);
}

void ui_explain_scene_changed(ui_explain *e)
{
    if (e) forget_rows(e);
}

/* The overlay's place: right of the scenario column, under the top bar, to the window's edges. */
SDL_Rect ui_explain_region(const ui_app *a)
{
    return (SDL_Rect){ a->r_factory.x, a->r_factory.y, a->w - a->r_factory.x, a->h - a->r_factory.y };
}

static int pad_of(const ui_app *a) { return (int)(16 * a->scale); }

/* What sits above the rows: the title, the plan's line, the hint, the scene's error wrapped. */
static int header_h(const ui_app *a, SDL_Rect r)
{
    int h = pad_of(a) + ui_text_line(a->tx, UI_F_H2) + 2 * ui_text_line(a->tx, UI_F_SMALL) + (int)(8 * a->scale);
    const ui_scene *s = a->scene;
    if (s && s->error[0]) {
        const ui_wrapped *w = ui_text_wrap(a->tx, UI_F_SMALL, s->error, r.w - 2 * pad_of(a));
        h += (w->n < 4 ? w->n : 4) * ui_text_line(a->tx, UI_F_SMALL) + (int)(6 * a->scale);
    }
    return h;
}

/* A term of the step says its share of the step, left of its time. */
static int share_w(const ui_app *a)
{
    static const char widest[] = "88.8 %";
    return ui_text_width(a->tx, UI_F_SMALL, widest, sizeof widest - 1) + (int)(12 * a->scale);
}

/* The time column's width: the widest a duration gets. */
static int time_w(const ui_app *a)
{
    static const char widest[] = "88,8 ms";   /* app_duration: three figures */
    return ui_text_width(a->tx, UI_F_BOLD, widest, sizeof widest - 1) + (int)(12 * a->scale);
}

static void lay_out(ui_app *a, ui_explain *e, int width)
{
    const ui_scene *s = a->scene;
    forget_rows(e);
    e->scene = s, e->width = width, e->scale = a->scale;
    if (!s || !s->nterms) return;
    e->rows = ut_calloc((size_t)s->nterms * 2, sizeof *e->rows);
    int name_w = width - time_w(a) - (int)(8 * a->scale), how_w = width - (int)(18 * a->scale);
    int head_h = ui_text_line(a->tx, UI_F_H3) + (int)(6 * a->scale);
    int term_h = ui_text_line(a->tx, UI_F_BODY) + ui_text_line(a->tx, UI_F_SMALL) + (int)(4 * a->scale);
    const char *group = "";
    for (int i = 0; i < s->nterms; i++) {
        const ui_term *t = &s->terms[i];
        char buf[sizeof t->how + 8];
        if (strcmp(t->group, group)) {
            group = t->group;
            row *h = &e->rows[e->n++];
            *h = (row){ .term = -1, .group = t->group, .h = head_h };
            h->cut = ui_text_fit(a->tx, UI_F_H3, tm_explain_group_title(group), width, buf, sizeof buf);
            h->name = ut_strdup(buf);
        }
        row *r = &e->rows[e->n++];
        r->term = i, r->h = term_h;
        r->cut = ui_text_fit(a->tx, UI_F_BODY, t->name, name_w - (strcmp(t->group, "step") ? 0 : share_w(a)), buf, sizeof buf);
        r->name = ut_strdup(buf);
        r->cut |= ui_text_fit(a->tx, UI_F_SMALL, t->how, how_w, buf, sizeof buf);
        r->how = ut_strdup(buf);
    }
}

void ui_explain_prepare(ui_app *a, ui_explain *e)
{
    SDL_Rect r = ui_explain_region(a);
    int pad = pad_of(a), width = r.w - 2 * pad - (int)(14 * a->scale);   /* room for the scroll bar */
    if (e->scene != a->scene || e->width != width || e->scale != a->scale) lay_out(a, e, width);
    int top = r.y + header_h(a, r);
    e->list = (SDL_Rect){ r.x + pad, top, width, r.y + r.h - pad - top };
    /* the last first row: from it on, every row fits */
    int used = 0, k = e->n;
    while (k > 0 && used + e->rows[k - 1].h <= e->list.h) used += e->rows[--k].h;
    e->max_top = k;
    if (a->explain_top > e->max_top) a->explain_top = e->max_top;
    if (a->explain_top < 0) a->explain_top = 0;
    used = 0, e->page = 0;
    for (int i = a->explain_top; i < e->n && used + e->rows[i].h <= e->list.h; i++) used += e->rows[i].h, e->page++;
}

/* Between frames too (keys pressed at once): laid out first, so that the page and the end are
 * those of the rows as the next frame will show them. */
void ui_explain_scroll(ui_app *a, int rows, int pages)
{
    ui_explain *e = a->explain;
    if (!e) return;
    ui_explain_prepare(a, e);
    a->explain_top += rows + pages * (e->page > 1 ? e->page - 1 : 1);   /* a page on keeps a row in sight */
    ui_explain_prepare(a, e);                                          /* which clamps it */
}

static void draw_header(const ui_app *a, SDL_Rect r, char *tip)
{
    const ui_scene *s = a->scene;
    int pad = pad_of(a), x = r.x + pad, y = r.y + pad, w = r.w - 2 * pad;
    ui_text_draw(a->tx, UI_F_H2, _("The step, term by term (analytic model)"), x, y, ui_accent, UI_LEFT);
    y += ui_text_line(a->tx, UI_F_H2);
    char line[512], b1[64], b2[64];
    if (s && s->nterms) {
        char split[64];
        tm_stage_split_text(&s->model, &s->plan, split, sizeof split);
        snprintf(line, sizeof line, _("%s on %s GPUs: tp %d, pp %d%s%s%s, dp %d, micro-batch %d, stack %s; step %s"),
                 s->model.name, app_num(b1, sizeof b1, s->plan.gpus, 0), s->plan.tp, s->plan.pp, split[0] ? " (" : "", split,
                 split[0] ? ")" : "", s->r.dp, s->plan.mbs, tm_stack_of(&s->plan)->id,
                 app_duration(b2, sizeof b2, s->r.step_s));
        ui_draw_fit(a, UI_F_SMALL, line, x, y, w, ui_fg, tip);
    }
    y += ui_text_line(a->tx, UI_F_SMALL);
    ui_draw_fit(a, UI_F_SMALL, _("d: close · ↑ ↓ PgUp PgDn, wheel: scroll · the mouse over a cut line shows it whole"), x, y, w, ui_dim, tip);
    y += ui_text_line(a->tx, UI_F_SMALL) + (int)(8 * a->scale);
    if (s && s->error[0]) {   /* the simulator's refusal, or why nothing was predicted */
        const ui_wrapped *wr = ui_text_wrap(a->tx, UI_F_SMALL, s->error, w);
        for (int i = 0; i < wr->n && i < 4; i++, y += ui_text_line(a->tx, UI_F_SMALL))
            ui_text_draw(a->tx, UI_F_SMALL, wr->line[i], x, y, ui_bad, UI_LEFT);
    }
}

/* The whole title and line of a cut row, wrapped, near the mouse; a title too long for a line
 * is wrapped with the line. */
static void draw_whole(const ui_app *a, SDL_Rect r, const char *title, const char *how)
{
    int pad = (int)(8 * a->scale), w = r.w - 4 * pad;
    if (w > (int)(760 * a->scale)) w = (int)(760 * a->scale);
    int line = ui_text_line(a->tx, UI_F_SMALL), nline = ui_text_line(a->tx, UI_F_BOLD);
    char fit[256], text[1024];
    int long_title = ui_text_fit(a->tx, UI_F_BOLD, title, w, fit, sizeof fit);
    if (long_title) snprintf(text, sizeof text, "%s%s%s", title, how[0] ? ": " : "", how);
    else snprintf(text, sizeof text, "%s", how);
    const ui_wrapped *wr = ui_text_wrap(a->tx, UI_F_SMALL, text, w);
    int head = long_title ? 0 : nline, bw = w + 2 * pad, bh = head + wr->n * line + 2 * pad;
    int x = a->mouse_x + 16, y = a->mouse_y + 16;
    if (x + bw > r.x + r.w) x = r.x + r.w - bw;
    if (y + bh > r.y + r.h) y = a->mouse_y - bh - 8;
    ui_draw_fill(a->ren, x, y, bw, bh, (SDL_Color){ 16, 18, 22, 245 });
    ui_draw_frame(a->ren, x, y, bw, bh, ui_accent);
    if (!long_title) ui_text_draw(a->tx, UI_F_BOLD, title, x + pad, y + pad, ui_accent, UI_LEFT);
    for (int i = 0; i < wr->n; i++) ui_text_draw(a->tx, UI_F_SMALL, wr->line[i], x + pad, y + pad + head + i * line, ui_fg, UI_LEFT);
}

void ui_explain_draw(const ui_app *a, const ui_explain *e, ui_frame *out)
{
    SDL_Rect r = ui_explain_region(a);
    const ui_scene *s = a->scene;
    ui_draw_fill(a->ren, r.x, r.y, r.w, r.h, (SDL_Color){ 20, 22, 28, 255 });
    ui_draw_frame(a->ren, r.x, r.y, r.w, r.h, ui_accent);
    out->explain = r;
    out->explain_max_top = e->max_top;
    draw_header(a, r, out->tip);
    if (!s || e->scene != s) return;   /* not laid out for this scene (prepare runs before each frame) */
    SDL_Rect L = e->list;
    int y = L.y, i;
    const row *hover = NULL;
    char b1[64];
    for (i = a->explain_top; i < e->n && y + e->rows[i].h <= L.y + L.h; y += e->rows[i++].h) {
        const row *w = &e->rows[i];
        SDL_Rect hit = { L.x, y, L.w, w->h };
        if (w->cut && ui_inside(&hit, a->mouse_x, a->mouse_y)) hover = w;
        if (w->term < 0) {
            ui_text_draw(a->tx, UI_F_H3, w->name, L.x, y + (int)(3 * a->scale), ui_accent, UI_LEFT);
            continue;
        }
        const ui_term *t = &s->terms[w->term];
        int last = !strcmp(t->group, "total");
        ui_text_draw(a->tx, last ? UI_F_BOLD : UI_F_BODY, w->name, L.x + (int)(10 * a->scale), y, ui_fg, UI_LEFT);
        if (t->s > 0) ui_text_draw(a->tx, UI_F_BOLD, app_duration(b1, sizeof b1, t->s), L.x + L.w, y, last ? ui_accent : ui_fg, UI_RIGHT);
        if (!strcmp(t->group, "step") && s->r.step_s > 0)   /* what the step is made of */
            ui_text_draw(a->tx, UI_F_SMALL, app_pct(b1, sizeof b1, 100 * t->s / s->r.step_s, 1), L.x + L.w - time_w(a),
                         y + ui_text_line(a->tx, UI_F_BODY) - ui_text_line(a->tx, UI_F_SMALL), ui_dim, UI_RIGHT);
        ui_text_draw(a->tx, UI_F_SMALL, w->how, L.x + (int)(18 * a->scale), y + ui_text_line(a->tx, UI_F_BODY), ui_dim, UI_LEFT);
    }
    out->explain_page = i - a->explain_top;
    if (e->max_top > 0) {   /* the scroll bar: where the rows shown sit among them all */
        int bx = L.x + L.w + (int)(8 * a->scale), bw = (int)(5 * a->scale);
        int shown = e->n - e->max_top;
        int th = L.h * shown / e->n, ty = L.y + (L.h - th) * a->explain_top / e->max_top;
        ui_draw_fill(a->ren, bx, L.y, bw, L.h, (SDL_Color){ 44, 48, 56, 255 });
        ui_draw_fill(a->ren, bx, ty, bw, th > 8 ? th : 8, ui_dim);
    }
    if (hover && hover->term < 0) draw_whole(a, r, tm_explain_group_title(hover->group), "");
    else if (hover) draw_whole(a, r, s->terms[hover->term].name, s->terms[hover->term].how);
}
