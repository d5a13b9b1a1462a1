/* ui_draw.c: everything the window shows but the course panel and the plots: the top bar, the
 * scenario controls, the heads-up display, the factory, the timeline, the legend and the help.
 * Drawing reads the app's state and the finished scene, and changes neither: it takes a const app
 * and writes only the renderer, the text cache and the frame's hit areas (ui_frame), which the
 * input code reads. What it needs computed first (the camera fitted to the layout, the object under
 * the mouse) the update step computes before each frame, with the geometry of this file.
 *
 * Speed: a frame of Jean Zay's 1,456 GPUs is a few thousand rectangles, batched by colour into
 * SDL_RenderFillRects, and a few hundred cached strings; level of detail aggregates GPUs into
 * nodes, and nodes into racks, when they would be smaller than a few pixels. */
#include "ui_gfx.h"

#include "app/app.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const SDL_Color ui_bg = { 24, 27, 33, 255 };
const SDL_Color ui_panel_bg = { 34, 38, 46, 255 };
const SDL_Color ui_fg = { 236, 239, 244, 255 };
const SDL_Color ui_dim = { 160, 168, 182, 255 };
const SDL_Color ui_accent = { 86, 180, 233, 255 };
const SDL_Color ui_good = { 0, 158, 115, 255 };
const SDL_Color ui_bad = { 230, 97, 60, 255 };

/* Okabe and Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
 * deficiency. Idle is a dark grey, so that the bubble reads as a hole in the work. */
const SDL_Color ui_phase_color[UI_PHASE_COUNT] = {
    [UI_IDLE] = { 70, 75, 86, 255 },
    [UI_FORWARD] = { 86, 180, 233, 255 },    /* sky blue */
    [UI_BACKWARD] = { 0, 114, 178, 255 },    /* blue */
    [UI_OPTIMIZER] = { 0, 158, 115, 255 },   /* bluish green */
    [UI_COMM] = { 230, 159, 0, 255 },        /* orange */
    [UI_OUTSIDE] = { 44, 48, 56, 255 },
};

SDL_Color ui_load_color(double u)
{
    if (!(u > 0)) return (SDL_Color){ 80, 86, 98, 255 };
    if (u > 1) u = 1;
    /* blue (light load) -> yellow -> vermillion (saturated), all from the same palette */
    static const SDL_Color stops[3] = { { 86, 180, 233, 255 }, { 240, 228, 66, 255 }, { 213, 94, 0, 255 } };
    double x = u * 2;
    int i = x >= 1 ? 1 : 0;
    double f = x - i;
    SDL_Color a = stops[i], b = stops[i + 1];
    return (SDL_Color){ (Uint8)(a.r + (b.r - a.r) * f), (Uint8)(a.g + (b.g - a.g) * f), (Uint8)(a.b + (b.b - a.b) * f), 255 };
}

/* Opaque colours are drawn without blending: the software renderer blends pixel by pixel, which
 * costs several times a plain fill. */
void ui_draw_fill(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_Rect q = { x, y, w, h };
    SDL_RenderFillRect(r, &q);
}

void ui_draw_frame(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_Rect q = { x, y, w, h };
    SDL_RenderDrawRect(r, &q);
}

void ui_draw_thick_line(SDL_Renderer *r, float x0, float y0, float x1, float y1, float width, SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
    if (len < 0.5f) return;
    if (width <= 1.2f) {
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
        SDL_RenderDrawLineF(r, x0, y0, x1, y1);
        return;
    }
    float nx = -dy / len * width / 2, ny = dx / len * width / 2;
    SDL_Vertex v[4] = {
        { { x0 + nx, y0 + ny }, c, { 0, 0 } }, { { x1 + nx, y1 + ny }, c, { 0, 0 } },
        { { x1 - nx, y1 - ny }, c, { 0, 0 } }, { { x0 - nx, y0 - ny }, c, { 0, 0 } },
    };
    static const int idx[6] = { 0, 1, 2, 0, 2, 3 };
    SDL_RenderGeometry(r, NULL, v, 4, idx, 6);
}

/* ----------------------------------------------------------------------------------------- */
/* Numbers for people come from the application layer (app_num, app_sig, app_duration), in the
 * interface language. */

/* ----------------------------------------------------------------------------------------- */
/* Camera. */

/* A recomputation policy as the panel shows it: the option's value, translated. */
static const char *recompute_shown(tm_recompute r)
{
    switch (r) {
    case TM_RC_SELECTIVE: return _("selective");
    case TM_RC_FULL: return _("full");
    default: return _("none");
    }
}

static float sx(const ui_app *a, float x) { return (x - a->cam_x) * a->zoom + (float)a->r_factory.x; }
static float sy(const ui_app *a, float y) { return (y - a->cam_y) * a->zoom + (float)a->r_factory.y; }

/* The update step calls it before a frame whenever the camera is not set (a new platform, a
 * resized window, the 0 key); drawing never moves the camera. */
void ui_camera_fit(ui_app *a)
{
    if (!a->layout) return;
    const ui_rect *w = &a->layout->world;
    float zx = (float)a->r_factory.w / w->w, zy = (float)(a->r_factory.h - 64 * a->scale) / w->h;
    a->zoom = zx < zy ? zx : zy;
    a->cam_x = w->x - ((float)a->r_factory.w / a->zoom - w->w) / 2;
    a->cam_y = w->y - ((float)(a->r_factory.h - 64 * a->scale) / a->zoom - w->h) / 2;
    a->camera_set = 1;
}

static int visible(const ui_app *a, ui_rect r)
{
    float x0 = sx(a, r.x), y0 = sy(a, r.y), x1 = sx(a, r.x + r.w), y1 = sy(a, r.y + r.h);
    return x1 >= a->r_factory.x && x0 <= a->r_factory.x + a->r_factory.w && y1 >= a->r_factory.y &&
           y0 <= a->r_factory.y + a->r_factory.h;
}

static SDL_Rect to_screen(const ui_app *a, ui_rect r)
{
    int x0 = (int)floorf(sx(a, r.x)), y0 = (int)floorf(sy(a, r.y));
    int x1 = (int)floorf(sx(a, r.x + r.w)), y1 = (int)floorf(sy(a, r.y + r.h));
    return (SDL_Rect){ x0, y0, x1 - x0 > 1 ? x1 - x0 : 1, y1 - y0 > 1 ? y1 - y0 : 1 };
}

/* Level of detail: GPUs when they are a few pixels wide, else nodes coloured by what most of
 * their GPUs do, else racks as stacked bars. Drawing and picking both ask it, so that what the
 * mouse is over is what the user sees. */
typedef enum lod { LOD_GPUS, LOD_NODES, LOD_RACKS } lod;

static lod level_of_detail(const ui_app *a)
{
    float gpu_px = a->zoom;
    if (gpu_px >= 3) return LOD_GPUS;
    if (gpu_px * (a->layout->gpn > 4 ? 2.5f : 1.5f) >= 2) return LOD_NODES;
    return LOD_RACKS;
}

/* ----------------------------------------------------------------------------------------- */
/* Batches of rectangles by colour: scratch for one drawing call, local to it. */

/* one per phase, then the comm markers (drawn over the phases), then the nodes' boxes (drawn first,
 * under their GPUs: one call for the 364 nodes of Jean Zay rather than one each) */
enum { UI_BATCH_COMM = UI_PHASE_COUNT, UI_BATCH_NODE, UI_BATCHES };

typedef struct batch {
    SDL_Rect *r;
    int n, cap;
} batch;

static void batch_add(batch *b, SDL_Rect r)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->r = ut_realloc(b->r, (size_t)b->cap * sizeof *b->r);
    }
    b->r[b->n++] = r;
}

static void batch_flush(SDL_Renderer *ren, batch b[UI_BATCHES])
{
    for (int k = 0; k < UI_BATCHES; k++) {
        int p = k == 0 ? UI_BATCH_NODE : k - 1;
        if (!b[p].n) continue;
        SDL_Color c = p < UI_PHASE_COUNT ? ui_phase_color[p] : p == UI_BATCH_NODE ? (SDL_Color){ 52, 57, 68, 255 } : ui_phase_color[UI_COMM];
        SDL_SetRenderDrawBlendMode(ren, SDL_BLENDMODE_NONE);
        SDL_SetRenderDrawColor(ren, c.r, c.g, c.b, 255);
        SDL_RenderFillRects(ren, b[p].r, b[p].n);
        b[p].n = 0;
    }
}

static void batch_free(batch b[UI_BATCHES])
{
    for (int p = 0; p < UI_BATCHES; p++) free(b[p].r);
}

static ui_phase gpu_phase(const ui_app *a, long g, int *comm)
{
    const ui_scene *s = a->scene;
    *comm = 0;
    if (!s || !s->tracks || g >= s->plan.gpus) return UI_OUTSIDE;
    return g < a->ngpu_hint ? ui_track_at_near(&s->tracks[g], a->t_step_s, comm, &a->gpu_hint[g])
                            : ui_track_at(&s->tracks[g], a->t_step_s, comm);
}

static double cable_util(const ui_app *a, const ui_cable *c, double *up, double *down)
{
    const ui_scene *s = a->scene;
    double cap_up = 0, cap_down = 0;
    *up = *down = 0;
    if (!s || !s->timeline || !s->nw) return 0;
    for (int i = 0; i < c->nlinks; i++) {
        int l = c->links[i];
        if (l < 0 || l >= s->nw->nlinks) continue;
        double u = s->detailed ? (l < a->nlink_hint ? tl_link_load_near(s->timeline, l, a->t_step_s, &a->link_hint[l])
                                                    : tl_link_load_Bps(s->timeline, l, a->t_step_s))
                   : s->timeline->bins ? tl_link_binned_Bps(s->timeline, l, a->t_step_s)   /* its mean over a slice */
                   : s->st.end_s > 0 ? tl_link_bytes(s->timeline, l) / s->st.end_s : 0;
        if (s->nw->links[l].up) *up += u, cap_up += s->link_cap_Bps[l];
        else *down += u, cap_down += s->link_cap_Bps[l];
    }
    /* the busier direction: a cable is as full as its fuller way */
    double uu = cap_up > 0 ? *up / cap_up : 0, ud = cap_down > 0 ? *down / cap_down : 0;
    return uu > ud ? uu : ud;
}

/* A cable's width on screen grows with its load; the mouse picks it within that width. */
static float cable_width(const ui_app *a, const ui_cable *c, double u)
{
    return (1.5f + 7.0f * (float)fmin(u, 1.0)) * a->scale * (c->kind ? 1.2f : 1.0f);
}

static int segment_outside(const SDL_Rect *clip, float x0, float y0, float x1, float y1)
{
    return fmaxf(x0, x1) < clip->x || fminf(x0, x1) > clip->x + clip->w || fmaxf(y0, y1) < clip->y ||
           fminf(y0, y1) > clip->y + clip->h;
}

static int near_segment(float x0, float y0, float x1, float y1, float w, int mx, int my)
{
    float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    float t = len2 > 0 ? ((mx - x0) * dx + (my - y0) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float ex = x0 + t * dx - mx, ey = y0 + t * dy - my;
    return ex * ex + ey * ey < (w / 2 + 3) * (w / 2 + 3);
}

/* ----------------------------------------------------------------------------------------- */
/* What is under the mouse: the factory's objects in the order they are drawn, the last drawn on
 * top (the first cable, though, since cables lie under everything else). */

static ui_hit pick_cable(const ui_app *a, int mx, int my)
{
    const ui_layout *l = a->layout;
    for (int i = 0; i < l->ncables; i++) {
        const ui_cable *c = &l->cables[i];
        double up, down, u = cable_util(a, c, &up, &down);
        float x0 = sx(a, c->x0), y0 = sy(a, c->y0), x1 = sx(a, c->x1), y1 = sy(a, c->y1);
        if (segment_outside(&a->r_factory, x0, y0, x1, y1)) continue;
        if (near_segment(x0, y0, x1, y1, cable_width(a, c, u), mx, my)) return (ui_hit){ UI_HOVER_CABLE, i };
    }
    return (ui_hit){ UI_HOVER_NONE, 0 };
}

static ui_hit pick_in_rack(const ui_app *a, int k, lod d, int mx, int my, ui_hit h)
{
    const ui_layout *l = a->layout;
    const ui_box *rk = &l->rack[k];
    if (d == LOD_RACKS) {
        SDL_Rect rr = to_screen(a, rk->r);
        return ui_inside(&rr, mx, my) ? (ui_hit){ UI_HOVER_RACK, k } : h;
    }
    for (int i = 0; i < rk->count; i++) {
        int v = rk->first + i;
        if (d == LOD_GPUS && !visible(a, l->node[v])) continue;
        SDL_Rect nr = to_screen(a, l->node[v]);
        for (int g = 0; d == LOD_GPUS && g < l->gpn; g++) {
            long gi = (long)v * l->gpn + g;
            SDL_Rect gr = to_screen(a, l->gpu[gi]);
            if (ui_inside(&gr, mx, my)) h = (ui_hit){ UI_HOVER_GPU, (int)gi };
        }
        if (h.kind != UI_HOVER_GPU && ui_inside(&nr, mx, my)) h = (ui_hit){ UI_HOVER_NODE, v };
    }
    return h;
}

ui_hit ui_factory_pick(const ui_app *a, int mx, int my)
{
    const ui_layout *l = a->layout;
    ui_hit h = { UI_HOVER_NONE, 0 };
    if (!l || !a->camera_set || !ui_inside(&a->r_factory, mx, my)) return h;
    h = pick_cable(a, mx, my);
    for (int i = 0; i < l->nsw; i++) {
        if (!visible(a, l->sw[i].r)) continue;
        SDL_Rect r = to_screen(a, l->sw[i].r);
        if (ui_inside(&r, mx, my)) h = (ui_hit){ UI_HOVER_SWITCH, i };
    }
    lod d = level_of_detail(a);
    for (int k = 0; k < l->racks; k++)
        if (visible(a, l->rack[k].r)) h = pick_in_rack(a, k, d, mx, my, h);
    return h;
}

/* ----------------------------------------------------------------------------------------- */

/* Moving flows: dots travel the way the bytes go, faster when the link is busier. */
static void draw_flows(const ui_app *a, float x0, float y0, float x1, float y1, float w, double up, double down,
                       double u)
{
    const SDL_Color dot = { 250, 250, 250, 255 };
    for (int dir = 0; dir < 2; dir++) {
        double load = dir ? up : down;
        if (load <= 0) continue;
        for (int k = 0; k < 4; k++) {
            double f = fmod(a->anim_s * (0.25 + 0.6 * fmin(u, 1)) + k / 4.0 + dir * 0.125, 1.0);
            if (dir) f = 1 - f;   /* up: from the first end (rack or lower switch) upwards */
            float px = x0 + (x1 - x0) * (float)(1 - f), py = y0 + (y1 - y0) * (float)(1 - f);
            float d = fmaxf(3.0f * a->scale, w * 0.9f);
            ui_draw_fill(a->ren, (int)(px - d / 2), (int)(py - d / 2), (int)d, (int)d, dot);
        }
    }
}

static void draw_cable(const ui_app *a, const ui_cable *c)
{
    double up, down;
    double u = cable_util(a, c, &up, &down);
    SDL_Color col = c->nlinks ? ui_load_color(u) : (SDL_Color){ 64, 70, 80, 255 };
    float w = cable_width(a, c, u);
    float x0 = sx(a, c->x0), y0 = sy(a, c->y0), x1 = sx(a, c->x1), y1 = sy(a, c->y1);
    if (segment_outside(&a->r_factory, x0, y0, x1, y1)) return;
    ui_draw_thick_line(a->ren, x0, y0, x1, y1, w, col);
    if (u > 0.005) draw_flows(a, x0, y0, x1, y1, w, up, down, u);
}

static void draw_switch(const ui_app *a, int i)
{
    const ui_layout *l = a->layout;
    if (!visible(a, l->sw[i].r)) return;
    SDL_Rect r = to_screen(a, l->sw[i].r);
    ui_draw_fill(a->ren, r.x, r.y, r.w, r.h, (SDL_Color){ 58, 64, 78, 255 });
    ui_draw_frame(a->ren, r.x, r.y, r.w, r.h, (SDL_Color){ 120, 130, 150, 255 });
    int line = ui_text_line(a->tx, UI_F_SMALL);
    if (r.h >= line && ui_text_width(a->tx, UI_F_SMALL, l->sw_label[i], strlen(l->sw_label[i])) < r.w - 4)
        ui_text_draw(a->tx, UI_F_SMALL, l->sw_label[i], r.x + r.w / 2, r.y + (r.h - line) / 2, ui_fg, UI_CENTER);
}

static void draw_rack_gpus(const ui_app *a, const ui_box *rk, batch b[UI_BATCHES])
{
    const ui_layout *l = a->layout;
    for (int i = 0; i < rk->count; i++) {
        int v = rk->first + i;
        if (!visible(a, l->node[v])) continue;
        batch_add(&b[UI_BATCH_NODE], to_screen(a, l->node[v]));
        for (int g = 0; g < l->gpn; g++) {
            long gi = (long)v * l->gpn + g;
            int comm;
            ui_phase ph = gpu_phase(a, gi, &comm);
            SDL_Rect gr = to_screen(a, l->gpu[gi]);
            batch_add(&b[ph], gr);
            int mark_h = gr.h / 4 > 1 ? gr.h / 4 : 1;
            if (comm && ph != UI_COMM && gr.w >= 6)
                batch_add(&b[UI_BATCH_COMM], (SDL_Rect){ gr.x, gr.y + gr.h - gr.h / 4, gr.w, mark_h });
        }
    }
}

static void draw_rack_nodes(const ui_app *a, const ui_box *rk, batch b[UI_BATCHES])
{
    const ui_layout *l = a->layout;
    for (int i = 0; i < rk->count; i++) {
        int v = rk->first + i, cnt[UI_PHASE_COUNT] = { 0 }, best = UI_OUTSIDE;
        for (int g = 0; g < l->gpn; g++) {
            int comm;
            cnt[gpu_phase(a, (long)v * l->gpn + g, &comm)]++;
        }
        for (int p = 0; p < UI_PHASE_COUNT; p++)
            if (cnt[p] > cnt[best]) best = p;
        batch_add(&b[best], to_screen(a, l->node[v]));
    }
}

/* The rack as a stacked bar of what its GPUs do. */
static void draw_rack_bar(const ui_app *a, const ui_box *rk, SDL_Rect rr, batch b[UI_BATCHES])
{
    int gpn = a->layout->gpn, cnt[UI_PHASE_COUNT] = { 0 }, total = 0;
    for (int i = 0; i < rk->count; i++)
        for (int g = 0; g < gpn; g++) {
            int comm;
            cnt[gpu_phase(a, (long)(rk->first + i) * gpn + g, &comm)]++;
            total++;
        }
    int y = rr.y + 1, hh = rr.h - 2;
    for (int p = 0; p < UI_PHASE_COUNT && total; p++) {
        int h = (int)lround((double)cnt[p] / total * hh);
        if (h > 0) batch_add(&b[p], (SDL_Rect){ rr.x + 1, y, rr.w - 2 > 1 ? rr.w - 2 : 1, h });
        y += h;
    }
}

static void draw_rack(const ui_app *a, int k, lod d, batch b[UI_BATCHES])
{
    const ui_box *rk = &a->layout->rack[k];
    if (!visible(a, rk->r)) return;
    SDL_Rect rr = to_screen(a, rk->r);
    ui_draw_fill(a->ren, rr.x, rr.y, rr.w, rr.h, (SDL_Color){ 38, 42, 50, 255 });
    ui_draw_frame(a->ren, rr.x, rr.y, rr.w, rr.h, (SDL_Color){ 92, 100, 116, 255 });
    if (a->zoom * 0.8f >= 6 && rr.w > 40 * a->scale) {
        char lab[48];
        snprintf(lab, sizeof lab, _("rack %d"), k);
        ui_text_draw(a->tx, UI_F_SMALL, lab, rr.x + 2, rr.y - ui_text_line(a->tx, UI_F_SMALL), ui_dim, UI_LEFT);
    }
    if (d == LOD_GPUS) draw_rack_gpus(a, rk, b);
    else if (d == LOD_NODES) draw_rack_nodes(a, rk, b);
    else draw_rack_bar(a, rk, rr, b);
}

static void draw_selection(const ui_app *a)
{
    const ui_layout *l = a->layout;
    int k = a->sel.index, shown = 1;
    SDL_Rect r = { 0, 0, 0, 0 };
    if (a->sel.kind == UI_HOVER_GPU && k < l->nodes * l->gpn) r = to_screen(a, l->gpu[k]);
    else if (a->sel.kind == UI_HOVER_NODE && k < l->nodes) r = to_screen(a, l->node[k]);
    else if (a->sel.kind == UI_HOVER_SWITCH && k < l->nsw) r = to_screen(a, l->sw[k].r);
    else shown = 0;
    if (shown) ui_draw_frame(a->ren, r.x - 2, r.y - 2, r.w + 4, r.h + 4, ui_fg);
}

/* The camera is fitted before drawing (ui_camera_fit); an app whose camera was never set draws
 * an empty factory rather than one seen from nowhere. */
static void draw_factory(const ui_app *a)
{
    const ui_layout *l = a->layout;
    SDL_Rect clip = a->r_factory;
    ui_draw_fill(a->ren, clip.x, clip.y, clip.w, clip.h, ui_bg);
    if (!l || !a->camera_set) return;
    SDL_RenderSetClipRect(a->ren, &clip);
    for (int i = 0; i < l->ncables; i++) draw_cable(a, &l->cables[i]);   /* first, under the boxes */
    for (int i = 0; i < l->nsw; i++) draw_switch(a, i);
    batch b[UI_BATCHES] = { { 0 } };
    lod d = level_of_detail(a);
    for (int k = 0; k < l->racks; k++) draw_rack(a, k, d, b);
    batch_flush(a->ren, b);
    batch_free(b);
    draw_selection(a);
    SDL_RenderSetClipRect(a->ren, NULL);
}

/* ----------------------------------------------------------------------------------------- */

static void draw_legend(const ui_app *a)
{
    SDL_Renderer *ren = a->ren;
    int line = ui_text_line(a->tx, UI_F_SMALL), sq = line - 4, gap = (int)(16 * a->scale);
    static const ui_phase order[] = { UI_FORWARD, UI_BACKWARD, UI_OPTIMIZER, UI_COMM, UI_IDLE, UI_OUTSIDE };
    int n = sizeof order / sizeof *order;
    const char *links = _("links:");
    int links_w = ui_text_width(a->tx, UI_F_SMALL, links, strlen(links)) + 150;
    int left = a->r_factory.x + (int)(10 * a->scale), right = a->r_factory.x + a->r_factory.w - (int)(10 * a->scale);
    /* the rows the entries wrap into, counted as the loop below wraps them, so that the strip
     * behind them holds them all in a narrow window */
    int rows = 1;
    for (int i = 0, cx = left; i <= n; i++) {
        const char *t = i < n ? ui_phase_name(order[i]) : NULL;
        int w = t ? sq + 5 + ui_text_width(a->tx, UI_F_SMALL, t, strlen(t)) : links_w;
        if (cx + w > right && cx > left) cx = left, rows++;
        cx += w + gap;
    }
    int y = a->r_factory.y + a->r_factory.h - rows * line - (int)(8 * a->scale), x = left;
    ui_draw_fill(ren, a->r_factory.x, y - (int)(6 * a->scale), a->r_factory.w, rows * line + (int)(14 * a->scale),
                 (SDL_Color){ 30, 33, 40, 255 });
    for (int i = 0; i < n; i++) {
        const char *t = ui_phase_name(order[i]);
        int w = sq + 5 + ui_text_width(a->tx, UI_F_SMALL, t, strlen(t));
        if (x + w > right && x > left) x = left, y += line;
        ui_draw_fill(ren, x, y + 2, sq, sq, ui_phase_color[order[i]]);
        ui_draw_frame(ren, x, y + 2, sq, sq, (SDL_Color){ 150, 150, 160, 255 });
        ui_text_draw(a->tx, UI_F_SMALL, t, x + sq + 5, y, ui_fg, UI_LEFT);
        x += w + gap;
    }
    /* link load gradient */
    if (x + links_w > right && x > left) x = left, y += line;
    x += ui_text_draw(a->tx, UI_F_SMALL, links, x, y, ui_fg, UI_LEFT) + 6;
    x += ui_text_draw(a->tx, UI_F_SMALL, "0 %", x, y, ui_fg, UI_LEFT) + 6;
    for (int i = 0; i <= 40; i++) ui_draw_fill(ren, x + i * 2, y + 3, 2, sq - 2, ui_load_color(i / 40.0));
    ui_text_draw(a->tx, UI_F_SMALL, "100 %", x + 88, y, ui_fg, UI_LEFT);
}

/* How a network routes the traffic of its switch-to-switch links, for the hover panel. */
static const char *routing_text(const plat_network *nw)
{
    switch (nw->topology) {
    case PLAT_TOPO_FAT_TREE:
        return nw->routing == PLAT_ROUTING_ECMP       ? _("routing: ECMP (a hash of each flow picks one uplink)")
               : nw->routing == PLAT_ROUTING_ADAPTIVE ? _("routing: adaptive (each flow takes the least loaded uplink)")
                                                      : _("routing: spread over all the uplinks (ideal spraying)");
    case PLAT_TOPO_DRAGONFLY:
        return nw->routing == PLAT_ROUTING_MINIMAL ? _("routing: minimal (the direct global link of the two groups)")
               : nw->routing == PLAT_ROUTING_VALIANT ? _("routing: Valiant (through another group, hashed)")
                                                      : _("routing: adaptive (direct, or through another group when congested)");
    case PLAT_TOPO_TORUS: return _("routing: dimension order");
    case PLAT_TOPO_EXPLICIT: return _("routing: ECMP (a hash of each flow picks one of the shortest paths)");
    default: return _("routing: one switch");
    }
}

/* What is under the mouse, in a box near it; with nothing under it, what was clicked, in a box
 * at the top right of the factory, following the animation. */
static void draw_hover(const ui_app *a)
{
    const ui_scene *s = a->scene;
    const ui_layout *l = a->layout;
    ui_hit h = a->hover;
    int pinned = 0;
    if (h.kind == UI_HOVER_NONE && a->sel.kind != UI_HOVER_NONE) h = a->sel, pinned = 1;
    ui_hover_kind kind = h.kind;
    int index = h.index;
    if (kind == UI_HOVER_NONE || !s || !l) return;
    if ((kind == UI_HOVER_GPU && index >= l->nodes * l->gpn) || (kind == UI_HOVER_NODE && index >= l->nodes) ||
        (kind == UI_HOVER_SWITCH && index >= l->nsw))
        return;
    char lines[6][160];
    int n = 0;
    char b1[64], b2[64];
    switch (kind) {
    case UI_HOVER_GPU: {
        int g = index, comm;
        ui_phase ph = gpu_phase(a, g, &comm);
        const plat_node *nd = &s->plat->node_types[s->plat->partitions[s->part].node];
        snprintf(lines[n++], sizeof lines[0], _("GPU %d (node %d, slot %d)"), g, g / l->gpn, g % l->gpn);
        snprintf(lines[n++], sizeof lines[0], "%s", nd->accel >= 0 ? s->plat->accels[nd->accel].name : "");
        snprintf(lines[n++], sizeof lines[0], _("now: %s%s"), ui_phase_name(ph), comm && ph != UI_COMM ? _(" + communication") : "");
        if (g < s->plan.gpus && s->tracks) {
            int tp = s->plan.tp, dp = s->r.dp;
            snprintf(lines[n++], sizeof lines[0], _("tensor rank %d, replica %d, pipeline stage %d"), g % tp, g / tp % dp, g / (tp * dp));
            snprintf(lines[n++], sizeof lines[0], _("computing %s %% of the step (simulation)"),
                     app_num(b1, sizeof b1, 100 * tl_gpu_busy_s(s->timeline, g, TL_COMPUTE) / s->st.end_s, 1));
        }
        break;
    }
    case UI_HOVER_NODE: {
        int v = index;
        const plat_node *nd = &s->plat->node_types[s->plat->partitions[s->part].node];
        snprintf(lines[n++], sizeof lines[0], _("node %d (%s), rack %d"), v, nd->id, v / l->nodes_per_rack);
        snprintf(lines[n++], sizeof lines[0], _("%d GPUs, %d NICs of %s Gb/s, %s"), l->gpn, nd->nics,
                 app_num(b1, sizeof b1, nd->nic_gbit_s, 0), nd->scaleup_kind ? nd->scaleup_kind : "");
        snprintf(lines[n++], sizeof lines[0], _("%s kW at full load"), app_num(b2, sizeof b2, plat_node_power_w(s->plat, s->plat->partitions[s->part].node) / 1000, 1));
        break;
    }
    case UI_HOVER_SWITCH:
        snprintf(lines[n++], sizeof lines[0], _("switch %s"), l->sw_label[index]);
        snprintf(lines[n++], sizeof lines[0], "%s", s->plat->networks[s->plat->partitions[s->part].network].name);
        break;
    case UI_HOVER_CABLE: {
        const ui_cable *c = &l->cables[index];
        double up, down, u = cable_util(a, c, &up, &down), cap = 0;
        for (int i = 0; s->link_cap_Bps && i < c->nlinks; i++)   /* (none yet while the step is simulated) */
            if (c->links[i] < s->nw->nlinks) cap += s->link_cap_Bps[c->links[i]];
        snprintf(lines[n++], sizeof lines[0], "%s", c->kind ? _("switch-to-switch links") : _("rack to its switch (the nodes' NICs)"));
        if (c->kind) snprintf(lines[n++], sizeof lines[0], "%s", routing_text(&s->plat->networks[s->plat->partitions[s->part].network]));
        if (c->nlinks) {
            snprintf(lines[n++], sizeof lines[0], _("load %s %% (simulation)"), app_num(b1, sizeof b1, 100 * fmin(u, 9.99), 0));
            snprintf(lines[n++], sizeof lines[0], _("up %s GB/s, down %s GB/s"), app_num(b1, sizeof b1, up / 1e9, 1), app_num(b2, sizeof b2, down / 1e9, 1));
            snprintf(lines[n++], sizeof lines[0], _("capacity %s GB/s each way"), app_num(b1, sizeof b1, cap / 2 / 1e9, 0));
        } else {
            snprintf(lines[n++], sizeof lines[0], "%s", _("not simulated (outside the job)"));
        }
        break;
    }
    case UI_HOVER_RACK: {
        const ui_box *rk = &l->rack[index];
        snprintf(lines[n++], sizeof lines[0], _("rack %d: nodes %d to %d"), index, rk->first, rk->first + rk->count - 1);
        snprintf(lines[n++], sizeof lines[0], "%s", _("zoom in (mouse wheel) to see its GPUs"));
        break;
    }
    case UI_HOVER_NONE: break;
    }
    int line = ui_text_line(a->tx, UI_F_SMALL), w = 0;
    for (int i = 0; i < n; i++) {
        int tw = ui_text_width(a->tx, UI_F_SMALL, lines[i], strlen(lines[i]));
        if (tw > w) w = tw;
    }
    int pad = (int)(8 * a->scale), bw = w + 2 * pad, bh = n * line + 2 * pad;
    int x = a->mouse_x + 18, y = a->mouse_y + 18;
    if (pinned) x = a->r_factory.x + a->r_factory.w - bw - pad, y = a->r_factory.y + pad;
    if (x + bw > a->w) x = a->mouse_x - bw - 8;
    if (y + bh > a->h) y = a->mouse_y - bh - 8;
    ui_draw_fill(a->ren, x, y, bw, bh, (SDL_Color){ 16, 18, 22, 240 });
    ui_draw_frame(a->ren, x, y, bw, bh, ui_accent);
    for (int i = 0; i < n; i++) ui_text_draw(a->tx, UI_F_SMALL, lines[i], x + pad, y + pad + i * line, i ? ui_fg : ui_accent, UI_LEFT);
}

/* ----------------------------------------------------------------------------------------- */
/* The timeline: a Gantt chart of the current step, per pipeline stage (the first replica's
 * first tensor rank) or per GPU. */

/* ----------------------------------------------------------------------------------------- */
/* Layers: a region drawn into a texture of the window's size, at its own place in it, and copied
 * to the window while its key is unchanged. The course panel is one: its text, a few hundred
 * strings blended over a 560 x 1036 fill at 1920x1080, costs about a millisecond a frame with the
 * software renderer, and it changes only on an event or a check. */

/* What a layer was drawn for: when any of it differs, the layer is drawn again. */
typedef struct layer_key {
    SDL_Rect r;
    float scale;
    char lang[4];
    unsigned gen;                /* a counter of the app's that its content follows */
    int extra[4];                /* what else it shows: the checker's state, the GPU selected... */
} layer_key;

/* A line cut to fit inside a layer: where it was seen, and its whole text. The layer is drawn
 * again only when what it shows changes, not when the mouse moves, so the lines its drawing cut
 * are kept with it and looked up under the mouse at every frame (layer_tip). */
#define LAYER_CUTS 48
typedef struct layer_cut {
    SDL_Rect r;                  /* the line's box, within the clip it was drawn under */
    char *text;
} layer_cut;

typedef struct ui_layer {
    SDL_Texture *tex;
    int tex_w, tex_h;
    int valid;
    layer_key key;
    ui_panel_hits hits;          /* the panel's: what its drawing left for the input code */
    layer_cut cuts[LAYER_CUTS];
    int ncuts;
} ui_layer;

/* The layer being drawn into, whose cut lines ui_draw_fit notes (NULL: none). Drawing happens on
 * the window's thread only. */
static ui_layer *recording;

static void layer_forget_cuts(ui_layer *l)
{
    for (int i = 0; i < l->ncuts; i++) free(l->cuts[i].text);
    l->ncuts = 0;
}

static void layer_note_cut(SDL_Rect r, const char *text)
{
    if (!recording || recording->ncuts == LAYER_CUTS || SDL_RectEmpty(&r)) return;
    recording->cuts[recording->ncuts++] = (layer_cut){ r, ut_strdup(text) };
}

/* The whole text of a cut line of the layer under the mouse, into tip. */
static void layer_tip(const ui_app *a, const ui_layer *l, char *tip)
{
    for (int i = 0; tip && i < l->ncuts; i++)
        if (ui_inside(&l->cuts[i].r, a->mouse_x, a->mouse_y)) ut_strlcpy(tip, l->cuts[i].text, UI_TIP_SIZE);
}

ui_layer *ui_layer_create(void) { return ut_calloc(1, sizeof(ui_layer)); }

void ui_layer_destroy(ui_layer *l)
{
    if (!l) return;
    if (l->tex) SDL_DestroyTexture(l->tex);
    layer_forget_cuts(l);
    free(l);
}

static layer_key key_of(const ui_app *a, SDL_Rect r, unsigned gen)
{
    layer_key k;
    memset(&k, 0, sizeof k);   /* compared with memcmp: padding too */
    k.r = r, k.scale = a->scale, k.gen = gen;
    ut_strlcpy(k.lang, app_lang(), sizeof k.lang);
    return k;
}

/* 1: the layer l holds what key k shows, copy it (layer_copy). 0: draw it now; the drawing goes to
 * the layer's texture (*target 1: call layer_done after) or, with no texture, to the window. */
static int layer_fresh(const ui_app *a, ui_layer *l, const layer_key *k, int *target)
{
    *target = 0;
    if (!l || !SDL_RenderTargetSupported(a->ren)) return 0;
    if (l->valid && !memcmp(&l->key, k, sizeof *k)) return 1;
    l->valid = 0;
    if (l->tex && (l->tex_w != a->w || l->tex_h != a->h)) SDL_DestroyTexture(l->tex), l->tex = NULL;
    if (!l->tex) {
        /* in the window's own format, so that the copy is a plain copy, not a conversion */
        Uint32 fmt = a->win ? SDL_GetWindowPixelFormat(a->win) : SDL_PIXELFORMAT_UNKNOWN;
        if (fmt == SDL_PIXELFORMAT_UNKNOWN) fmt = SDL_PIXELFORMAT_ARGB8888;
        l->tex = SDL_CreateTexture(a->ren, fmt, SDL_TEXTUREACCESS_TARGET, a->w, a->h);
        if (!l->tex) l->tex = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, a->w, a->h);
        if (l->tex) SDL_SetTextureBlendMode(l->tex, SDL_BLENDMODE_NONE);
        l->tex_w = a->w, l->tex_h = a->h;
    }
    if (l->tex && SDL_SetRenderTarget(a->ren, l->tex) == 0) {
        *target = 1;
        layer_forget_cuts(l);
        recording = l;
    }
    return 0;
}

/* After drawing into the layer: back to the window, the key noted. */
static void layer_done(const ui_app *a, ui_layer *l, const layer_key *k)
{
    recording = NULL;
    SDL_SetRenderTarget(a->ren, NULL);
    l->key = *k, l->valid = 1;
}

static void layer_copy(const ui_app *a, const ui_layer *l)
{
    SDL_RenderCopy(a->ren, l->tex, &l->key.r, &l->key.r);
}

/* Where the timeline's bars go: from x0, gw wide, between top and bottom (its layer and the
 * cursor drawn over it each frame both need them). */
typedef struct timeline_box {
    int pad, line, top, bottom, x0, gw;
} timeline_box;

static timeline_box timeline_geometry(const ui_app *a)
{
    SDL_Rect r = a->r_timeline;
    timeline_box g;
    g.pad = (int)(10 * a->scale), g.line = ui_text_line(a->tx, UI_F_SMALL);
    g.top = r.y + g.pad + ui_text_line(a->tx, UI_F_BOLD) + 4, g.bottom = r.y + r.h - g.line - g.pad;
    g.x0 = r.x + g.pad + (int)(110 * a->scale), g.gw = r.x + r.w - g.pad - g.x0;   /* the rows' labels at the left */
    return g;
}

static void draw_timeline(const ui_app *a, char *tip)
{
    SDL_Renderer *ren = a->ren;
    SDL_Rect r = a->r_timeline;
    ui_draw_fill(ren, r.x, r.y, r.w, r.h, ui_panel_bg);
    const ui_scene *s = a->scene;
    if (!s || !s->tracks) return;
    int tp = s->plan.tp, dp = s->r.dp, pp = s->plan.pp;
    timeline_box tb = timeline_geometry(a);
    int pad = tb.pad, line = tb.line, top = tb.top, bottom = tb.bottom;
    int max_rows = (bottom - top) / (int)(9 * a->scale);
    if (max_rows < 1) max_rows = 1;
    int rows, per_gpu = a->gantt_per_gpu || pp == 1;
    rows = per_gpu ? s->plan.gpus : pp;
    if (rows > max_rows) rows = max_rows;
    /* per GPU: the rows around the GPU clicked in the factory (it is framed), else the first */
    int sel = a->sel.kind == UI_HOVER_GPU && a->sel.index < s->plan.gpus ? a->sel.index : -1, first = 0;
    if (per_gpu && sel >= 0) {
        first = sel - rows / 2;
        if (first > s->plan.gpus - rows) first = s->plan.gpus - rows;
        if (first < 0) first = 0;
    }
    char title[256], b1[64], n1[32], n2[32], n3[32];
    app_num(n3, sizeof n3, s->plan.gpus, 0);   /* "1 456" in French */
    if (per_gpu && first > 0)
        snprintf(title, sizeof title, _("Timeline of one step (simulation), per GPU: %s to %s of %s"), app_num(n1, sizeof n1, first, 0),
                 app_num(n2, sizeof n2, first + rows - 1, 0), n3);
    else if (per_gpu)
        snprintf(title, sizeof title, _("Timeline of one step (simulation), per GPU: the first %d of %s"), rows, n3);
    else
        snprintf(title, sizeof title, _("Timeline of one step (simulation), per pipeline stage: replica 0, tensor rank 0"));
    /* too long for a narrow window: what the rows are, without "Timeline of one step" */
    if (ui_text_width(a->tx, UI_F_BOLD, title, strlen(title)) > r.w - 2 * pad) {
        if (per_gpu && first > 0)
            snprintf(title, sizeof title, _("per GPU: %s to %s of %s"), app_num(n1, sizeof n1, first, 0), app_num(n2, sizeof n2, first + rows - 1, 0), n3);
        else if (per_gpu)
            snprintf(title, sizeof title, _("per GPU: the first %d of %s"), rows, n3);
        else
            snprintf(title, sizeof title, "%s", _("per pipeline stage: replica 0, tensor rank 0"));
    }
    ui_draw_fit(a, UI_F_BOLD, title, r.x + pad, r.y + pad, r.w - 2 * pad, ui_fg, tip);
    int x0 = tb.x0, gw = tb.gw;
    double T = s->st.end_s;
    int rh = (bottom - top) / rows;
    if (rh > (int)(28 * a->scale)) rh = (int)(28 * a->scale);
    batch b[UI_BATCHES] = { { 0 } };
    int every = rh >= line ? 1 : (line + rh - 1) / (rh > 0 ? rh : 1);   /* rows thinner than a label: one in `every` */
    for (int i = 0; i < rows; i++) {
        int g = per_gpu ? first + i : i * tp * dp;
        const ui_track *tr = &s->tracks[g];
        int y = top + i * rh, h = rh - (rh > 6 ? 2 : 1);
        if (i % every == 0 || g == sel) {
            char lab[48];
            if (per_gpu) snprintf(lab, sizeof lab, "GPU %d", g);
            else snprintf(lab, sizeof lab, _("stage %d"), i);
            int ly = y + (h - line) / 2;
            if (ly < top - line / 2) ly = top - line / 2;
            ui_text_draw(a->tx, UI_F_SMALL, lab, x0 - 6, ly, g == sel && per_gpu ? ui_accent : ui_dim, UI_RIGHT);
        }
        if (per_gpu && g == sel) ui_draw_frame(ren, x0 - 2, y - 1, gw + 4, h + 2, ui_accent);
        for (int k = 0; k < tr->n; k++) {
            double t0 = tr->t[k], t1 = k + 1 < tr->n ? tr->t[k + 1] : T;
            int px0 = x0 + (int)(t0 / T * gw), px1 = x0 + (int)(t1 / T * gw);
            if (px1 <= px0) px1 = px0 + 1;
            batch_add(&b[tr->phase[k]], (SDL_Rect){ px0, y, px1 - px0, h });
            int mark_h = h / 4 > 1 ? h / 4 : 1;
            if (tr->comm[k] && tr->phase[k] != UI_COMM)
                batch_add(&b[UI_BATCH_COMM], (SDL_Rect){ px0, y + h - mark_h, px1 - px0, mark_h });
        }
    }
    batch_flush(ren, b);
    batch_free(b);
    /* time axis and the cursor: quarters, halves or the two ends, as many as leave a gap between
     * their labels; the end of the step is always labelled */
    int div = 4;
    for (; div > 1; div /= 2) {
        int widest = 0;
        for (int k = 0; k <= div; k++) {
            app_duration(b1, sizeof b1, T * k / div);
            int lw = ui_text_width(a->tx, UI_F_SMALL, b1, strlen(b1));
            if (lw > widest) widest = lw;
        }
        if (gw / div >= widest * 3 / 2 + pad) break;   /* a centred label beside the right-aligned last */
    }
    for (int k = 0; k <= div; k++) {
        int x = x0 + gw * k / div;
        ui_draw_fill(ren, x, bottom, 1, 4, ui_dim);
        ui_text_draw(a->tx, UI_F_SMALL, app_duration(b1, sizeof b1, T * k / div), x, bottom + 2, ui_dim, k == 0 ? UI_LEFT : k == div ? UI_RIGHT : UI_CENTER);
    }
}

/* The timeline is the scene's: only its cursor moves with the clock. It is drawn into a layer
 * when the scene, the selection, the view of it or the window changes, and copied otherwise. */
static void draw_timeline_layered(const ui_app *a, char *tip)
{
    layer_key k = key_of(a, a->r_timeline, a->scene_gen);
    k.extra[0] = a->gantt_per_gpu, k.extra[1] = a->sel.kind, k.extra[2] = a->sel.index;
    int target;
    ui_layer *l = a->timeline_layer;
    if (!layer_fresh(a, l, &k, &target)) {
        draw_timeline(a, tip);
        if (target) layer_done(a, l, &k), layer_copy(a, l);
    } else {
        layer_copy(a, l);
        layer_tip(a, l, tip);
    }
    const ui_scene *s = a->scene;   /* the cursor */
    if (!s || !s->tracks || !(s->st.end_s > 0)) return;
    timeline_box g = timeline_geometry(a);
    int cx = g.x0 + (int)(a->t_step_s / s->st.end_s * g.gw);
    ui_draw_fill(a->ren, cx - 1, g.top - 4, 3, g.bottom - g.top + 8, ui_fg);
}

/* Where an area's content, `content` pixels high, scrolled by `scroll`, sits among them: a bar w
 * wide, `inset` in from the area's right edge (nothing when it all fits). */
void ui_draw_scroll_bar(const ui_app *a, SDL_Rect area, int content, int scroll, int w, int inset)
{
    if (content <= area.h || area.h <= 0) return;
    int bx = area.x + area.w - w - inset;
    int th = area.h * area.h / content, ty = area.y + (int)((long)(area.h - th) * scroll / (content - area.h));
    ui_draw_fill(a->ren, bx, area.y, w, area.h, (SDL_Color){ 44, 48, 56, 255 });
    ui_draw_fill(a->ren, bx, ty, w, th > 8 ? th : 8, ui_dim);
}

/* ----------------------------------------------------------------------------------------- */
/* Text cut to fit its place, read whole under the mouse: a frame's drawing notes the whole text
 * under the mouse in the frame's tip and draws it last, over everything, wrapped. A text cut
 * inside a clipped area (the course panel's) gives its tip only where it is seen. */

int ui_draw_fit(const ui_app *a, ui_font f, const char *s, int x, int y, int w, SDL_Color c, char *tip)
{
    char fit[UI_TIP_SIZE];
    int cut = ui_text_fit(a->tx, f, s, w, fit, sizeof fit);
    ui_text_draw(a->tx, f, fit, x, y, c, UI_LEFT);
    SDL_Rect r = { x, y, w, ui_text_line(a->tx, f) }, clip;
    SDL_RenderGetClipRect(a->ren, &clip);
    int seen = SDL_RectEmpty(&clip) || ui_inside(&clip, a->mouse_x, a->mouse_y);
    if (cut && seen && tip && ui_inside(&r, a->mouse_x, a->mouse_y)) ut_strlcpy(tip, s, UI_TIP_SIZE);
    if (cut && recording) {                                     /* seen under the mouse later, the layer kept */
        SDL_Rect in = r;
        if (!SDL_RectEmpty(&clip) && !SDL_IntersectRect(&r, &clip, &in)) return cut;
        layer_note_cut(in, s);
    }
    return cut;
}

static void draw_tip(const ui_app *a, const char *tip)
{
    if (!tip[0]) return;
    int pad = (int)(8 * a->scale), w = (int)(460 * a->scale), line = ui_text_line(a->tx, UI_F_SMALL);
    const ui_wrapped *wr = ui_text_wrap(a->tx, UI_F_SMALL, tip, w);
    int tw = 0;
    for (int i = 0; i < wr->n; i++) {
        int lw = ui_text_width(a->tx, UI_F_SMALL, wr->line[i], strlen(wr->line[i]));
        if (lw > tw) tw = lw;
    }
    int bw = tw + 2 * pad, bh = wr->n * line + 2 * pad, x = a->mouse_x + 16, y = a->mouse_y + 18;
    if (x + bw > a->w) x = a->w - bw;
    if (y + bh > a->h) y = a->mouse_y - bh - 8;
    ui_draw_fill(a->ren, x, y, bw, bh, (SDL_Color){ 16, 18, 22, 245 });
    ui_draw_frame(a->ren, x, y, bw, bh, ui_accent);
    for (int i = 0; i < wr->n; i++) ui_text_draw(a->tx, UI_F_SMALL, wr->line[i], x + pad, y + pad + i * line, ui_fg, UI_LEFT);
}

/* ----------------------------------------------------------------------------------------- */
/* Controls: one row per scenario setting, with - and + buttons. */

/* A label never spills out of its button: in the body font when it fits inside the padding, else
 * in the small font, else cut with "…" (a narrow window, a long translation), whole in tip under
 * the mouse. */
int ui_draw_button(const ui_app *a, int x, int y, int w, int h, const char *label, int active, char *tip)
{
    SDL_Rect r = { x, y, w, h };
    int hover = ui_inside(&r, a->mouse_x, a->mouse_y);
    ui_draw_fill(a->ren, x, y, w, h, active ? (SDL_Color){ 0, 114, 178, 255 } : hover ? (SDL_Color){ 70, 78, 94, 255 } : (SDL_Color){ 52, 58, 70, 255 });
    ui_draw_frame(a->ren, x, y, w, h, (SDL_Color){ 110, 120, 140, 255 });
    size_t n = strlen(label);
    int room = w - 2 * (int)(4 * a->scale), lw = ui_text_width(a->tx, UI_F_BODY, label, n);
    ui_font f = lw <= room ? UI_F_BODY : UI_F_SMALL;
    if (f == UI_F_SMALL) lw = ui_text_width(a->tx, f, label, n);
    int ty = y + (h - ui_text_line(a->tx, f)) / 2;
    if (lw <= room) ui_text_draw(a->tx, f, label, x + w / 2, ty, ui_fg, UI_CENTER);
    else ui_draw_fit(a, f, label, x + (w - room) / 2, ty, room, ui_fg, tip);
    return hover;
}

/* The global batch's control stops at this many micro-batches per replica: the step's simulation
 * grows with them (8 by default, the scene's choice). */
#define UI_MAX_MICRO_BATCHES 256

static const char *prec_names[] = { "bf16", "fp16", "fp8", "tf32", "fp32" };

static int draw_controls(const ui_app *a, int y, ui_frame *out, char *tip)
{
    const ui_scene *s = a->scene;
    int x = a->r_left.x + (int)(12 * a->scale), w = a->r_left.w - (int)(24 * a->scale);
    int line = ui_text_line(a->tx, UI_F_BODY), bh = line + 2, bw = bh + 4;
    ui_text_draw(a->tx, UI_F_H3, _("Scenario"), x, y, ui_accent, UI_LEFT);
    y += ui_text_line(a->tx, UI_F_H3) + 4;
    char val[128], b1[64];
    for (int c = 0; c < UI_C_COUNT; c++) {
        const char *name = "";
        switch (c) {
        case UI_C_PLATFORM: name = _("Platform"); snprintf(val, sizeof val, "%s", a->sc.platform); break;
        case UI_C_PARTITION:
            name = _("Partition");
            snprintf(val, sizeof val, "%s", a->sc.partition[0] ? a->sc.partition : s && s->plat ? s->plat->partitions[s->part].id : "");
            break;
        case UI_C_NODES:
            name = _("Nodes");
            if (a->sc.nodes)   /* the arrow marks a what-if; the notice above the factory gives the file's count */
                snprintf(val, sizeof val, "→ %s", app_num(b1, sizeof b1, (double)a->sc.nodes, 0));
            else snprintf(val, sizeof val, "%s", s && s->file_nodes ? app_num(b1, sizeof b1, s->file_nodes, 0) : "");
            break;
        case UI_C_MODEL: name = _("Model"); snprintf(val, sizeof val, "%s", a->sc.model); break;
        case UI_C_GPUS:
            name = _("GPUs");
            snprintf(val, sizeof val, "%s", a->sc.gpus ? app_num(b1, sizeof b1, a->sc.gpus, 0) : s && s->plan.gpus ? app_num(b1, sizeof b1, s->plan.gpus, 0) : _("all"));
            break;
        case UI_C_TP: name = _("Tensor (tp)"); snprintf(val, sizeof val, "%d", a->sc.tp); break;
        case UI_C_PP: name = _("Pipeline (pp)"); snprintf(val, sizeof val, "%d", a->sc.pp); break;
        case UI_C_STAGES:   /* layers per stage: what the ends hold, the rest even */
            name = _("Stages");
            ui_stage_text(tm_model_preset(a->sc.model), a->sc.pp, a->sc.first_layers, a->sc.last_layers, val, sizeof val);
            break;
        case UI_C_MBS: name = _("Micro-batch"); snprintf(val, sizeof val, "%d", a->sc.mbs); break;
        case UI_C_GBS:   /* the scenario's, or the one the scene chose (8 micro-batches per replica) */
            name = _("Global batch");
            snprintf(val, sizeof val, "%s", a->sc.gbs ? app_num(b1, sizeof b1, (double)a->sc.gbs, 0) : s && s->plan.gbs ? app_num(b1, sizeof b1, (double)s->plan.gbs, 0) : "");
            break;
        case UI_C_RECOMPUTE: name = _("Recomputation"); snprintf(val, sizeof val, "%s", recompute_shown((tm_recompute)a->sc.recompute)); break;
        case UI_C_PREC: name = _("Precision"); snprintf(val, sizeof val, "%s", plat_prec_name((plat_prec)a->sc.prec)); break;
        case UI_C_STACK: name = _("Stack"); snprintf(val, sizeof val, "%s", tm_stack_at(a->sc.stack)->id); break;
        }
        int vx = x + w * 44 / 100, vw = w - (vx - x) - 2 * bw - 8;
        ui_draw_fit(a, UI_F_SMALL, name, x, y + (bh - ui_text_line(a->tx, UI_F_SMALL)) / 2, vx - x - 4, ui_dim, tip);
        if (ui_text_width(a->tx, UI_F_BODY, val, strlen(val)) <= vw) ui_text_draw(a->tx, UI_F_BODY, val, vx, y + 1, ui_fg, UI_LEFT);
        else   /* a long value (a stack's id, an uneven split) in the small font, cut if it must be */
            ui_draw_fit(a, UI_F_SMALL, val, vx, y + (bh - ui_text_line(a->tx, UI_F_SMALL)) / 2, vw, ui_fg, tip);
        SDL_Rect row = { x, y, vx + vw - x, bh };
        if (c == UI_C_STACK && ui_inside(&row, a->mouse_x, a->mouse_y)) {   /* what the stack is, whole */
            const tm_stack *st = tm_stack_at(a->sc.stack);
            snprintf(tip, UI_TIP_SIZE, "%s: %s. %s", st->id, st->name, _(st->about));
        }
        SDL_Rect minus = { x + w - 2 * bw - 4, y, bw, bh }, plus = { x + w - bw, y, bw, bh };
        ui_draw_button(a, minus.x, y, bw, bh, "−", 0, tip);
        ui_draw_button(a, plus.x, y, bw, bh, "+", 0, tip);
        if (y >= a->r_left.y && y + bh <= a->r_left.y + a->r_left.h)   /* a row scrolled out of sight takes no click */
            out->ctl_minus[c] = minus, out->ctl_plus[c] = plus;
        y += bh + (int)(2 * a->scale);
    }
    if (s && s->plan.gpus) {
        snprintf(val, sizeof val, P_("data parallel %d (derived), %d micro-batch, global batch %s", "data parallel %d (derived), %d micro-batches, global batch %s", s->r.micro_batches),
                 s->r.dp, s->r.micro_batches, app_num(b1, sizeof b1, (double)s->plan.gbs, 0));
        ui_draw_fit(a, UI_F_SMALL, val, x, y, w, ui_dim, tip);
        y += ui_text_line(a->tx, UI_F_SMALL);
    }
    return y;
}

/* Step through a list of names. */
static int next_in(const char *const *names, int n, const char *cur, int delta)
{
    int i = 0;
    while (i < n && strcmp(names[i], cur)) i++;
    if (i == n) i = 0;
    return ((i + delta) % n + n) % n;
}

void ui_controls_change(ui_app *a, ui_control c, int delta)
{
    ui_scenario *sc = &a->sc;
    const ui_scene *s = a->scene;
    switch (c) {
    case UI_C_PLATFORM:
        if (a->npresets) {
            int i = next_in((const char *const *)a->presets, a->npresets, sc->platform, delta);
            snprintf(sc->platform, sizeof sc->platform, "%s", a->presets[i]);
            sc->partition[0] = '\0';
            sc->gpus = 0;
            sc->nodes = 0;
            a->camera_set = 0;
        }
        break;
    case UI_C_PARTITION:
        if (s && s->plat && s->plat->npartitions > 1) {
            int i = (s->part + delta + s->plat->npartitions) % s->plat->npartitions;
            snprintf(sc->partition, sizeof sc->partition, "%s", s->plat->partitions[i].id);
            sc->gpus = 0;
            sc->nodes = 0;
            a->camera_set = 0;
        }
        break;
    case UI_C_MODEL: {
        sc->first_layers = sc->last_layers = 0;   /* a split is the model's and the pipeline's */
        int n;
        const tm_model *m = tm_model_presets(&n);
        const char *names[64];
        for (int i = 0; i < n && i < 64; i++) names[i] = m[i].id;
        int i = next_in(names, n < 64 ? n : 64, sc->model, delta);
        snprintf(sc->model, sizeof sc->model, "%s", names[i]);
        break;
    }
    case UI_C_GPUS: {
        int cur = sc->gpus ? sc->gpus : s && s->plan.gpus ? s->plan.gpus : 8;
        int per = sc->tp * sc->pp;
        int v = delta > 0 ? cur * 2 : cur / 2;
        if (v < per) v = per;
        if (s && s->part_gpus && v >= s->part_gpus) v = 0;   /* all of them */
        sc->gpus = v;
        break;
    }
    case UI_C_NODES: {   /* a what-if machine: twice or half the nodes; back to the file's count clears it */
        long file = s && s->file_nodes ? s->file_nodes : 0, cur = sc->nodes ? sc->nodes : file;
        if (!cur) return;                             /* no scene yet: nothing to start from */
        long v = delta > 0 ? cur * 2 : cur / 2;
        if (v < 1) v = 1;
        if (v > PLAT_MAX_NODES_TOTAL) v = PLAT_MAX_NODES_TOTAL;
        sc->nodes = v == file ? 0 : v;
        a->camera_set = 0;
        break;
    }
    case UI_C_TP: sc->tp = delta > 0 ? sc->tp * 2 : sc->tp > 1 ? sc->tp / 2 : 1; break;
    case UI_C_PP:
        sc->pp = delta > 0 ? sc->pp * 2 : sc->pp > 1 ? sc->pp / 2 : 1;
        sc->first_layers = sc->last_layers = 0;
        break;
    case UI_C_STAGES: {
        const tm_model *m = tm_model_preset(sc->model);
        if (ui_stage_step(m, sc->pp, &sc->first_layers, &sc->last_layers, delta)) break;
        if (m && sc->pp < 3) ui_app_set_message(a, 0, _("pp %d: no stage between the ends, so no split to change"), sc->pp);
        else if (m)
            ui_app_set_message(a, 0, delta < 0 ? _("no lighter ends for %d layers on %d stages that leave the others an even share")
                                               : _("no heavier ends for %d layers on %d stages that leave the others an even share"),
                               m->layers, sc->pp);
        return;
    }
    case UI_C_STACK: {
        int n;
        tm_stacks(&n);
        sc->stack = ((sc->stack + delta) % n + n) % n;
        break;
    }
    case UI_C_MBS: sc->mbs = delta > 0 ? sc->mbs * 2 : sc->mbs > 1 ? sc->mbs / 2 : 1; break;
    case UI_C_GBS: {
        /* in micro-batches per replica, a power of two of them: each step a batch the plan takes
         * (a multiple of dp x micro-batch), from one micro-batch per replica to UI_MAX_MICRO_BATCHES */
        long unit = (long)(s && s->r.dp > 0 ? s->r.dp : 1) * sc->mbs;
        long cur = sc->gbs ? sc->gbs : s && s->plan.gbs ? s->plan.gbs : 8 * unit, k = cur / unit, p2 = 1;
        while (p2 * 2 <= k) p2 *= 2;              /* the power of two at or below k */
        long to = delta > 0 ? 2 * p2 : p2 == k ? p2 / 2 : p2;
        char b1[32], b2[32];
        if (to < 1) {
            ui_app_set_message(a, 0, _("global batch %s: one micro-batch per replica, the fewest"), app_num(b1, sizeof b1, (double)cur, 0));
            return;
        }
        if (to > UI_MAX_MICRO_BATCHES) {
            ui_app_set_message(a, 0, _("global batch %s: %s micro-batches per replica, the most the window simulates"),
                               app_num(b1, sizeof b1, (double)cur, 0), app_num(b2, sizeof b2, (double)k, 0));
            return;
        }
        sc->gbs = to * unit;
        break;
    }
    case UI_C_RECOMPUTE: sc->recompute = (sc->recompute + delta + 3) % 3; break;
    case UI_C_PREC: {
        const char *cur = plat_prec_name((plat_prec)sc->prec);
        int i = next_in(prec_names, 5, cur, delta);
        sc->prec = plat_prec_from_name(prec_names[i]);
        break;
    }
    case UI_C_COUNT: return;
    }
    ui_app_request(a);
}

int ui_controls_click(ui_app *a, const ui_frame *f, int x, int y)
{
    for (int c = 0; c < UI_C_COUNT; c++) {
        if (ui_inside(&f->ctl_minus[c], x, y)) return ui_controls_change(a, (ui_control)c, -1), 1;
        if (ui_inside(&f->ctl_plus[c], x, y)) return ui_controls_change(a, (ui_control)c, +1), 1;
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------- */
/* Heads-up display: what the simulation measured, then the analytic extrapolations. */

/* A figure's row: the name stops short of the value ("puissance (avec PUE)" at 1920x1080), whole
 * under the mouse. */
static int hud_row_in(const ui_app *a, int y, const char *name, const char *value, SDL_Color c, char *tip)
{
    int x = a->r_left.x + (int)(12 * a->scale), w = a->r_left.w - (int)(24 * a->scale);
    ui_draw_fit(a, UI_F_SMALL, name, x, y + 1, w * 44 / 100 - (int)(4 * a->scale), ui_dim, tip);
    ui_text_draw(a->tx, UI_F_BOLD, value, x + w * 44 / 100, y, c, UI_LEFT);
    return y + ui_text_line(a->tx, UI_F_BOLD);
}

static int draw_hud(const ui_app *a, int y, char *tip)
{
    const ui_scene *s = a->scene;
    int x = a->r_left.x + (int)(12 * a->scale);
    char v[128], b1[64], b2[64];
    /* two sections, each saying where its figures come from */
    y += (int)(10 * a->scale);
    ui_text_draw(a->tx, UI_F_H3, _("Simulation (discrete events)"), x, y, ui_accent, UI_LEFT);
    y += ui_text_line(a->tx, UI_F_H3) + 2;
    if (!s || !s->nterms) return y;   /* nothing predicted: the banner says why */
    double T = s->tracks ? s->st.end_s : 0;
    double peak = s->r.peak_tflops * 1e12;
    if (T > 0) {
        y = hud_row_in(a, y, _("simulated time"), app_duration(v, sizeof v, a->elapsed_s), ui_fg, tip);
        snprintf(v, sizeof v, _("%ld, at %s %%"), a->steps_done + 1, app_num(b1, sizeof b1, 100 * a->t_step_s / T, 0));
        y = hud_row_in(a, y, _("step"), v, ui_fg, tip);
        y = hud_row_in(a, y, _("step time"), app_duration(v, sizeof v, T), ui_fg, tip);
        y = hud_row_in(a, y, _("tokens/s"), app_num(v, sizeof v, s->r.tokens_per_step / T, 0), ui_fg, tip);
        app_pct(v, sizeof v, 100 * s->r.model_flops_step / (T * s->plan.gpus * peak), 1);
        y = hud_row_in(a, y, _("MFU"), v, ui_fg, tip);
    } else if (s->pending) {   /* the analytic figures below are the new scenario's already */
        ui_text_draw(a->tx, UI_F_SMALL, _("simulating the step…"), x, y, ui_accent, UI_LEFT);
        y += ui_text_line(a->tx, UI_F_SMALL);
    } else {   /* the simulator refused the plan (the banner says why); the model predicts it */
        ui_text_draw(a->tx, UI_F_SMALL, _("not simulated: see the message"), x, y, ui_bad, UI_LEFT);
        y += ui_text_line(a->tx, UI_F_SMALL);
    }

    y += (int)(6 * a->scale);
    ui_text_draw(a->tx, UI_F_H3, _("Analytic model, same job"), x, y, ui_accent, UI_LEFT);
    y += ui_text_line(a->tx, UI_F_H3) + 2;
    if (T > 0)
        snprintf(v, sizeof v, _("%s (%s %%)"), app_duration(b1, sizeof b1, s->r.step_s),
                 app_signed(b2, sizeof b2, (s->r.step_s - T) / T * 100, 1));
    else app_duration(v, sizeof v, s->r.step_s);
    y = hud_row_in(a, y, _("step time"), v, ui_fg, tip);
    double pue = s->plat->facility.pue;
    double mw = s->r.power_it_mw * pue;
    snprintf(v, sizeof v, "%s MW", app_sig(b1, sizeof b1, mw, 3));
    y = hud_row_in(a, y, _("power (with PUE)"), v, ui_fg, tip);
    double mwh = mw * a->elapsed_s / 3600;   /* of the simulated time played */
    if (mwh < 1) snprintf(v, sizeof v, "%s kWh", app_sig(b1, sizeof b1, mwh * 1000, 3));
    else snprintf(v, sizeof v, "%s MWh", app_sig(b1, sizeof b1, mwh, 3));
    if (T > 0) y = hud_row_in(a, y, _("energy so far"), v, ui_fg, tip);
    snprintf(v, sizeof v, "%s / %s GiB", app_num(b1, sizeof b1, s->r.mem.total_gib, 1), app_num(b2, sizeof b2, s->r.mem.capacity_gib, 0));
    y = hud_row_in(a, y, _("memory per GPU"), v, s->r.mem.fits ? ui_fg : ui_bad, tip);   /* red: the step could not run */
    const char *model = _("[model]");
    y += (int)(10 * a->scale);
    ui_text_draw(a->tx, UI_F_H3, _("The same job elsewhere"), x, y, ui_accent, UI_LEFT);
    y += ui_text_line(a->tx, UI_F_H3);
    ui_draw_fit(a, UI_F_SMALL, _("analytic model, all the GPUs, batch per replica kept"), x, y, a->r_left.w - (int)(16 * a->scale), ui_dim, tip);
    y += ui_text_line(a->tx, UI_F_SMALL) + 2;
    for (int i = 0; i < UI_EXTRA_COUNT; i++) {
        const ui_extra *e = &s->extra[i];
        if (e->same) continue;   /* the full-partition line above is the same machine */
        char head[160];
        if (i == UI_EXTRA_FULL) snprintf(head, sizeof head, _("%s, full partition"), e->label);
        else snprintf(head, sizeof head, "%s", e->label);
        ui_text_draw(a->tx, UI_F_BOLD, head, x, y, ui_fg, UI_LEFT);
        y += ui_text_line(a->tx, UI_F_BOLD);
        if (!e->ok) {
            ui_draw_fit(a, UI_F_SMALL, e->why, x + 8, y, a->r_left.w - (int)(30 * a->scale), ui_bad, tip);
            y += ui_text_line(a->tx, UI_F_SMALL) + 2;
            continue;
        }
        char b3[64], b4[64];
        int fw = a->r_left.w - (int)(30 * a->scale);
        snprintf(v, sizeof v, _("%s GPUs: %s tokens/s"), app_num(b1, sizeof b1, e->plan.gpus, 0),
                 app_num(b2, sizeof b2, e->r.tokens_per_s, 0));
        ui_draw_fit(a, UI_F_SMALL, v, x + 8, y, fw, ui_fg, tip);
        y += ui_text_line(a->tx, UI_F_SMALL);
        char plan[96];
        snprintf(plan, sizeof plan, e->replanned ? _("re-planned: tp %d, pp %d, dp %d, mbs %d") : _("tp %d, pp %d, dp %d, mbs %d"),
                 e->plan.tp, e->plan.pp, e->r.dp, e->plan.mbs);
        snprintf(v, sizeof v, _("MFU %s %%, %s MW; %s %s"), app_num(b3, sizeof b3, 100 * e->r.mfu, 0),
                 app_sig(b4, sizeof b4, e->r.power_it_mw, 3), plan, model);
        ui_draw_fit(a, UI_F_SMALL, v, x + 8, y, fw, e->replanned ? ui_accent : ui_dim, tip);
        y += ui_text_line(a->tx, UI_F_SMALL) + 2;
    }
    return y;
}

/* ----------------------------------------------------------------------------------------- */

static void draw_top(const ui_app *a, char *tip)
{
    SDL_Rect r = a->r_top;
    ui_draw_fill(a->ren, r.x, r.y, r.w, r.h, (SDL_Color){ 16, 18, 22, 255 });
    int pad = (int)(12 * a->scale), y = r.y + (r.h - ui_text_line(a->tx, UI_F_TITLE)) / 2;
    int x = r.x + pad;
    x += ui_text_draw(a->tx, UI_F_TITLE, "Usine", x, y, ui_accent, UI_LEFT) + pad;
    const ui_scene *s = a->scene;
    char t[256], b1[64];
    /* right side, from the right: help, playback, the simulation at work; the scene's line takes
     * what is left, cut if it must be */
    double sp = a->speed;
    if (sp <= 0) snprintf(t, sizeof t, "%s", a->playing ? _("playing") : _("paused"));
    else if (sp >= 1) snprintf(t, sizeof t, "%s  ×%s", a->playing ? _("playing") : _("paused"), app_num(b1, sizeof b1, sp, 0));
    else snprintf(t, sizeof t, _("%s  ×%s (slow motion)"), a->playing ? _("playing") : _("paused"), app_num(b1, sizeof b1, sp, sp >= 0.1 ? 1 : sp >= 0.01 ? 2 : 3));
    int rx = r.x + r.w - pad;
    rx -= ui_text_draw(a->tx, UI_F_SMALL, _("F1: help · D: the step explained · L: language"), rx, y + 4, ui_dim, UI_RIGHT) + 2 * pad;
    rx -= ui_text_draw(a->tx, UI_F_BODY, t, rx, y + 2, a->playing ? ui_good : ui_dim, UI_RIGHT) + 2 * pad;
    if (ui_worker_busy(&a->worker)) rx -= ui_text_draw(a->tx, UI_F_BODY, _("simulating…"), rx, y + 2, ui_accent, UI_RIGHT) + 2 * pad;
    if (s && s->plat) {
        char b2[64];
        snprintf(t, sizeof t, _("%s, partition %s: %s on %s GPUs, global batch %s"), s->plat->name, s->plat->partitions[s->part].id,
                 s->model.name[0] ? s->model.name : s->sc.model, app_num(b1, sizeof b1, s->plan.gpus, 0),
                 app_num(b2, sizeof b2, (double)s->plan.gbs, 0));
        ui_draw_fit(a, UI_F_BODY, t, x, y + 2, rx + pad - x, ui_fg, tip);
    }
}

/* A message over the factory, wrapped, eight lines at most (error messages can be long): a longer
 * one ends its eighth line with "…" and is read whole under the mouse (tip). */
static void draw_banner(const ui_app *a, const char *text, SDL_Color c, int y, char *tip)
{
    int pad = (int)(10 * a->scale);
    int maxw = a->r_factory.w - 4 * pad;
    const ui_wrapped *lines = ui_text_wrap(a->tx, UI_F_BODY, text, maxw);
    int n = lines->n < 8 ? lines->n : 8, cut = lines->n > 8;
    int line = ui_text_line(a->tx, UI_F_BODY), h = n * line + 2 * pad;
    ui_draw_fill(a->ren, a->r_factory.x + pad, y, a->r_factory.w - 2 * pad, h, (SDL_Color){ 20, 22, 28, 250 });
    ui_draw_frame(a->ren, a->r_factory.x + pad, y, a->r_factory.w - 2 * pad, h, c);
    for (int i = 0; i < n; i++) {
        char last[UI_TIP_SIZE];
        const char *s = lines->line[i];
        if (cut && i == n - 1) {   /* the eighth line, shortened by whole characters until "…" fits after it */
            size_t len = strlen(s);
            for (;;) {
                snprintf(last, sizeof last, "%.*s…", (int)len, s);
                if (!len || ui_text_width(a->tx, UI_F_BODY, last, strlen(last)) <= maxw) break;
                do len--;
                while (len && ((unsigned char)s[len] & 0xC0) == 0x80);
            }
            s = last;
        }
        ui_text_draw(a->tx, UI_F_BODY, s, a->r_factory.x + 2 * pad, y + pad + i * line, c, UI_LEFT);
    }
    SDL_Rect r = { a->r_factory.x + pad, y, a->r_factory.w - 2 * pad, h };
    if (cut && tip && ui_inside(&r, a->mouse_x, a->mouse_y)) ut_strlcpy(tip, text, UI_TIP_SIZE);
}

static void draw_help(const ui_app *a, char *tip)
{
    static const char *const keys[][2] = {
        { "Space", N_("play / pause") }, { ", .", N_("step backwards / forwards (paused)") },
        { "← →", N_("scrub along the step") }, { "+ −", N_("faster / slower (x10)") }, { "Home", N_("back to the start") },
        { "p P", N_("next / previous platform") }, { "a", N_("next partition") },
        { "o O", N_("halve / double the partition's nodes (what-if)") }, { "m M", N_("next / previous model") },
        { "n N", N_("halve / double the simulated GPUs") }, { "t T", N_("tensor parallel / 2, x 2") },
        { "y Y", N_("pipeline parallel / 2, x 2") }, { "j J", N_("pipeline's end stages lighter / heavier") },
        { "b B", N_("micro-batch / 2, x 2") }, { "v V", N_("global batch / 2, x 2") }, { "r", N_("recomputation") },
        { "f", N_("precision") }, { "F", N_("take the plan that fits in memory") }, { "s S", N_("next / previous software stack") },
        { "d", N_("the step term by term (analytic model)") }, { "g", N_("timeline per GPU / per stage") }, { "Tab", N_("factory / plots") },
        { "x", N_("export the plots (PNG and SVG)") }, { "R", N_("measure this computer's roofline") },
        { "c", N_("show / hide the course panel") }, { "e", N_("open the exercise in your editor") },
        { "k", N_("check the exercise now") }, { "PgUp PgDn", N_("previous / next exercise") },
        { "↑ ↓", N_("scroll the exercise") }, { "Shift ↑ ↓", N_("scroll the checks") },
        { "l", N_("français / English") }, { N_("wheel, drag"), N_("zoom, pan") }, { "0", N_("fit the factory") },
        { N_("click"), N_("select a GPU, node or switch") }, { "F1 h ?", N_("this help") }, { "q Esc", N_("quit") },
    };
    int n = sizeof keys / sizeof *keys;
    /* two columns of keys and what they do, in the small font when the body font is too wide for
     * the window, the descriptions cut (whole under the mouse) when even that is */
    ui_font df = UI_F_BODY;
    int pad = (int)(20 * a->scale), keyw = 0, descw = 0, avail = a->w - 20 - 2 * pad;
    for (int pass = 0; pass < 2; pass++, df = UI_F_SMALL) {
        keyw = descw = 0;
        for (int i = 0; i < n; i++) {
            const char *k = keys[i][0][0] >= 'a' && keys[i][0][0] <= 'z' && strlen(keys[i][0]) > 2 ? _(keys[i][0]) : keys[i][0];
            int kw = ui_text_width(a->tx, UI_F_MONO, k, strlen(k)), dw = ui_text_width(a->tx, df, _(keys[i][1]), strlen(_(keys[i][1])));
            if (kw > keyw) keyw = kw;
            if (dw > descw) descw = dw;
        }
        keyw += (int)(16 * a->scale);
        if (2 * (keyw + descw + (int)(30 * a->scale)) <= avail) break;
    }
    int gutter = (int)(30 * a->scale);
    if (2 * (keyw + descw + gutter) > avail) descw = avail / 2 - keyw - gutter;
    int line = ui_text_line(a->tx, df) > ui_text_line(a->tx, UI_F_MONO) ? ui_text_line(a->tx, df) : ui_text_line(a->tx, UI_F_MONO);
    int cols = 2, rows = (n + 1) / 2, colw = keyw + descw + gutter;
    int w = cols * colw + 2 * pad, h = rows * line + 3 * pad + ui_text_line(a->tx, UI_F_H2);
    int x = (a->w - w) / 2, y = (a->h - h) / 2;
    if (y < 0) y = 0;
    tip[0] = '\0';   /* what lies under the help is not what the mouse points at */
    ui_draw_fill(a->ren, x, y, w, h, (SDL_Color){ 16, 18, 22, 255 });
    ui_draw_frame(a->ren, x, y, w, h, ui_accent);
    ui_text_draw(a->tx, UI_F_H2, _("Keyboard and mouse"), x + pad, y + pad, ui_accent, UI_LEFT);
    int y0 = y + pad * 2 + ui_text_line(a->tx, UI_F_H2) - pad / 2;
    for (int i = 0; i < n; i++) {
        int cx = x + pad + (i / rows) * colw, cy = y0 + (i % rows) * line;
        ui_text_draw(a->tx, UI_F_MONO, keys[i][0][0] >= 'a' && keys[i][0][0] <= 'z' && strlen(keys[i][0]) > 2 ? _(keys[i][0]) : keys[i][0],
                     cx, cy, ui_fg, UI_LEFT);
        ui_draw_fit(a, df, _(keys[i][1]), cx + keyw, cy + (line - ui_text_line(a->tx, df)) / 2, descw, ui_dim, tip);
    }
}

static void draw_panel_layered(const ui_app *a, ui_panel_hits *out, char *tip)
{
    ui_layer *l = a->panel_layer;
    layer_key k = key_of(a, a->r_panel, a->panel_gen);
    k.extra[0] = ui_panel_checking(a->panel);   /* "Checking…" */
    int target;
    if (!layer_fresh(a, l, &k, &target)) {
        ui_panel_draw(a, a->panel, a->r_panel, target ? &l->hits : out, tip);
        if (!target) return;
        layer_done(a, l, &k);
    } else layer_tip(a, l, tip);
    layer_copy(a, l);
    *out = l->hits;
}

/* The frame's hit areas start empty: a button not drawn this frame takes no click. */
void ui_draw_all(const ui_app *a, ui_frame *out)
{
    SDL_Renderer *ren = a->ren;
    memset(out, 0, sizeof *out);
    /* no clear: the regions below cover the window, and a full-window fill costs a few
     * milliseconds at 4K with the software renderer */
    int covered = a->show_explain && a->explain;   /* the explanation hides the factory, the plots and the panel */
    char *tip = out->tip;   /* a cut text under the mouse, whole (every ui_draw_fit notes it) */
    if (covered) {}
    else if (!ui_factory_shown(a)) ui_plots_draw(a, a->plots, ui_plots_region(a));
    else {
        draw_factory(a);
        draw_legend(a);
        draw_timeline_layered(a, tip);
    }
    /* the left column, scrolled when the window is too short for it (its controls take clicks
     * only where they are seen) */
    SDL_Rect left = a->r_left;
    ui_draw_fill(ren, left.x, left.y, left.w, left.h, ui_panel_bg);
    SDL_RenderSetClipRect(ren, &left);
    int top = left.y + (int)(10 * a->scale) - a->left_scroll;
    int y = draw_hud(a, draw_controls(a, top, out, tip), tip) + (int)(10 * a->scale);
    SDL_RenderSetClipRect(ren, NULL);
    int content = y - top;
    out->left_max = content > left.h ? content - left.h : 0;
    ui_draw_scroll_bar(a, left, content, a->left_scroll < out->left_max ? a->left_scroll : out->left_max, (int)(3 * a->scale), 0);
    if (a->show_panel && a->panel && !covered && (ui_factory_shown(a) || !ui_plots_cover_panel(a)))
        draw_panel_layered(a, &out->panel, tip);
    draw_top(a, tip);
    int by = a->r_factory.y + (int)(10 * a->scale);
    if (covered) ui_explain_draw(a, a->explain, out);   /* it shows the scene's error itself */
    else if (a->scene && a->scene->error[0]) draw_banner(a, a->scene->error, ui_bad, by, tip), by += (int)(80 * a->scale);
    else if (a->scene && a->scene->unfit[0]) draw_banner(a, a->scene->unfit, ui_bad, by, tip), by += (int)(80 * a->scale);
    else if (a->scene && a->scene->notice[0] && a->view == UI_VIEW_FACTORY) {
        /* on a strip of its own: the spines are drawn under it */
        ui_draw_fill(ren, a->r_factory.x, by - (int)(3 * a->scale), a->r_factory.w, (int)(20 * a->scale), ui_panel_bg);
        ui_draw_fit(a, UI_F_SMALL, a->scene->notice, a->r_factory.x + (int)(10 * a->scale), by, a->r_factory.w - (int)(20 * a->scale),
                    ui_dim, tip);
    }
    if (!a->scene) draw_banner(a, _("Simulating the first step…"), ui_accent, by, tip);
    if (a->message[0] && a->anim_s < a->message_until)
        draw_banner(a, a->message, a->message_error ? ui_bad : ui_good, a->r_factory.y + a->r_factory.h - (int)(120 * a->scale), tip);
    if (a->view == UI_VIEW_FACTORY && !a->show_explain) draw_hover(a);
    if (a->show_help) draw_help(a, tip);
    draw_tip(a, tip);
}

void ui_app_set_message(ui_app *a, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    a->message_error = error;
    a->message_until = a->anim_s + 6;
}
