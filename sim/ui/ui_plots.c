/* ui_plots.c: the plots view of the window (Tab): the scenario's strong-scaling curve and the
 * roofline, drawn by ui_plot.c with cairo into images that become textures. The roofline's points
 * are this computer's matrix-multiplication ladder, measured on request (R) on a thread of its own
 * because it takes seconds; `x` exports both plots as PNG and SVG into the user's data folder.
 * ui_plots_prepare renders the images before a frame; drawing only copies them. */
#include "ui_gfx.h"
#include "ui_course.h"
#include "ui_plot.h"

#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct ui_plots {
    ui_scaling scaling;
    char scaling_err[512];
    int scaling_ok;
    ui_roofline roof;
    int dirty;
    SDL_Texture *tex[2];
    int tex_w, tex_h;
    char plat_id[64];
    /* the measurement */
    pthread_t thread;
    pthread_mutex_t mu;
    int measuring, measured, joinable;
    ui_roofline job;
    int measuring_shown;         /* measuring, as the frame being prepared says it */
} ui_plots;

ui_plots *ui_plots_create(void)
{
    ui_plots *p = ut_calloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    p->dirty = 1;
    return p;
}

void ui_plots_destroy(ui_plots *p)
{
    if (!p) return;
    if (p->joinable) pthread_join(p->thread, NULL);
    for (int i = 0; i < 2; i++)
        if (p->tex[i]) SDL_DestroyTexture(p->tex[i]);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void ui_plots_scene_changed(ui_plots *p)
{
    if (p) p->dirty = 1;
}

static void *measure_main(void *arg)
{
    ui_plots *p = arg;
    ui_roofline r;
    pthread_mutex_lock(&p->mu);
    r = p->job;
    pthread_mutex_unlock(&p->mu);
    ui_roofline_measure(&r, 512, 0.2);
    pthread_mutex_lock(&p->mu);
    p->job = r;
    p->measuring = 0;
    p->measured = 1;
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

void ui_plots_measure(ui_app *a, ui_plots *p)
{
    pthread_mutex_lock(&p->mu);
    int busy = p->measuring;
    pthread_mutex_unlock(&p->mu);
    if (busy) return;
    if (p->joinable) pthread_join(p->thread, NULL), p->joinable = 0;
    p->job = p->roof;
    p->measuring = 1;
    if (pthread_create(&p->thread, NULL, measure_main, p) != 0) {
        p->measuring = 0;
        ui_app_set_message(a, 1, "%s", _("cannot start the measurement thread"));
        return;
    }
    p->joinable = 1;
    a->view = UI_VIEW_PLOTS;
    ui_app_set_message(a, 0, "%s", _("Measuring this computer's matrix-multiplication ladder (a few seconds)…"));
}

/* The data of both plots, from the scene (analytic model) and the platforms. */
static void refresh(ui_app *a, ui_plots *p)
{
    const ui_scene *s = a->scene;
    p->scaling_ok = 0;
    p->scaling_err[0] = '\0';
    if (!s || !s->plat || s->error[0]) {
        memset(&p->scaling, 0, sizeof p->scaling);
        snprintf(p->scaling_err, sizeof p->scaling_err, "%s", s && s->error[0] ? s->error : "");
    } else if (ui_scaling_compute(s->plat, s->part, &s->model, &s->plan, &p->scaling, p->scaling_err, sizeof p->scaling_err) == 0)
        p->scaling_ok = 1;
    /* ceilings: this platform's accelerators, Jean Zay's and Alice Recoque's, and this computer,
     * as the scene loaded them */
    const plat_platform *plats[3];
    int np = 0;
    if (s && s->plat) plats[np++] = s->plat;
    for (int i = UI_EXTRA_JEANZAY; s && i <= UI_EXTRA_ALICE; i++)
        if (s->other[i] && !(s->plat && !strcmp(s->plat->id, s->other[i]->id))) plats[np++] = s->other[i];
    const plat_platform *local = s ? s->other[UI_EXTRA_LOCAL] : NULL;
    ui_roof_point pts[UI_ROOF_POINTS_MAX];
    int npts = p->roof.npoints, threads = p->roof.threads;
    memcpy(pts, p->roof.points, sizeof pts);
    ui_roofline_compute(plats, np, local, s ? (plat_prec)s->plan.prec : PLAT_BF16, &p->roof);
    memcpy(p->roof.points, pts, sizeof pts);
    p->roof.npoints = npts, p->roof.threads = threads;
}

static SDL_Texture *to_texture(SDL_Renderer *ren, cairo_surface_t *img)
{
    if (!img) return NULL;
    cairo_surface_flush(img);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    SDL_Texture *t = SDL_CreateTexture(ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, w, h);
    if (t) SDL_UpdateTexture(t, NULL, cairo_image_surface_get_data(img), cairo_image_surface_get_stride(img));
    cairo_surface_destroy(img);
    return t;
}

/* Each plot's size and place in the region r: the hint's line at the bottom, the rest arranged by
 * ui_plot_arrange. */
static void plot_size(const ui_app *a, SDL_Rect r, int *gap, int *cols, int *w, int *h)
{
    *gap = (int)(10 * a->scale);
    ui_plot_arrange(r.w, r.h - ui_text_line(a->tx, UI_F_SMALL), *gap, cols, w, h);
}

/* A plot is readable from about 520 logical pixels of a 16:10 rectangle: the titles on a line or
 * two, the legend beside the data, ticks a label apart. Narrower, the plots take the course
 * panel's place. */
#define PLOTS_MIN_PX 520

static SDL_Rect without_panel(const ui_app *a)
{
    return (SDL_Rect){ a->r_factory.x, a->r_factory.y, a->r_factory.w, a->r_factory.h + a->r_timeline.h };
}

int ui_plots_cover_panel(const ui_app *a)
{
    if (!a->show_panel || !a->panel || a->r_panel.w <= 0) return 0;
    SDL_Rect r = without_panel(a);
    int gap = (int)(10 * a->scale), line = a->tx ? ui_text_line(a->tx, UI_F_SMALL) : 0;
    return ui_plot_arrange(r.w, r.h - line, gap, NULL, NULL, NULL) < (int)(PLOTS_MIN_PX * a->scale);
}

SDL_Rect ui_plots_region(const ui_app *a)
{
    SDL_Rect r = without_panel(a);
    if (ui_plots_cover_panel(a)) r.w += a->r_panel.w;
    return r;
}

/* A finished measurement joins the roofline; the images follow the data and the size. */
void ui_plots_prepare(ui_app *a, ui_plots *p, SDL_Rect r)
{
    pthread_mutex_lock(&p->mu);
    if (p->measured) {
        memcpy(p->roof.points, p->job.points, sizeof p->roof.points);
        p->roof.npoints = p->job.npoints;
        p->roof.threads = p->job.threads;
        p->measured = 0;
        p->dirty = 1;
        ui_app_set_message(a, 0, "%s", _("Measured: this computer's rungs are on the roofline."));
    }
    p->measuring_shown = p->measuring;
    pthread_mutex_unlock(&p->mu);
    int gap, cols, w, h;
    plot_size(a, r, &gap, &cols, &w, &h);
    if (p->dirty || w != p->tex_w || h != p->tex_h) {
        if (p->dirty) refresh(a, p);
        for (int i = 0; i < 2; i++)
            if (p->tex[i]) SDL_DestroyTexture(p->tex[i]), p->tex[i] = NULL;
        if (w > 16 && h > 16) {
            p->tex[0] = to_texture(a->ren, ui_plot_render(UI_PLOT_SCALING, &p->scaling, w, h, a->scale));
            p->tex[1] = to_texture(a->ren, ui_plot_render(UI_PLOT_ROOFLINE, &p->roof, w, h, a->scale));
        }
        p->tex_w = w, p->tex_h = h, p->dirty = 0;
    }
}

void ui_plots_draw(const ui_app *a, const ui_plots *p, SDL_Rect r)
{
    int gap, cols, w, h;
    plot_size(a, r, &gap, &cols, &w, &h);
    ui_draw_fill(a->ren, r.x, r.y, r.w, r.h, ui_bg);
    for (int i = 0; i < 2; i++) {
        if (!p->tex[i]) continue;
        SDL_Rect d = { r.x + gap + (cols == 2 ? i * (w + gap) : 0), r.y + gap + (cols == 1 ? i * (h + gap) : 0), w, h };
        SDL_RenderCopy(a->ren, p->tex[i], NULL, &d);
    }
    const char *hint = p->measuring_shown ? _("measuring this computer…")
                                          : _("R: measure this computer · x: export PNG and SVG · Tab: back to the factory");
    char fit[256];
    ui_text_fit(a->tx, UI_F_SMALL, hint, r.w - 2 * gap, fit, sizeof fit);   /* within the region, never over the controls */
    ui_text_draw(a->tx, UI_F_SMALL, fit, r.x + r.w - gap, r.y + r.h - gap - ui_text_line(a->tx, UI_F_SMALL), ui_dim, UI_RIGHT);
}

int ui_plots_export(ui_app *a, ui_plots *p, char *msg, size_t n)
{
    char dir[4096], err[1024];
    if (ui_data_dir(dir, sizeof dir) != 0) return snprintf(msg, n, "%s", _("no data folder (HOME is not set)")), -1;
    size_t len = strlen(dir);
    snprintf(dir + len, sizeof dir - len, "/exports");
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        /* the data folder itself may be missing on a fresh account */
        char parent[4096];
        snprintf(parent, sizeof parent, "%.*s", (int)len, dir);
        mkdir(parent, 0700);
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) return snprintf(msg, n, _("cannot create %s"), dir), -1;
    }
    if (p->dirty) refresh(a, p);
    const char *id = a->scene && a->scene->plat ? a->scene->plat->id : "usine";
    static const char *const ext[] = { "png", "svg" };
    char path[4200];
    for (int e = 0; e < 2; e++) {
        snprintf(path, sizeof path, "%s/scaling-%s.%s", dir, id, ext[e]);
        if (ui_plot_export(path, UI_PLOT_SCALING, &p->scaling, 1200, 750, err, sizeof err) != 0)
            return snprintf(msg, n, "%s", err), -1;
        snprintf(path, sizeof path, "%s/roofline.%s", dir, ext[e]);
        if (ui_plot_export(path, UI_PLOT_ROOFLINE, &p->roof, 1200, 750, err, sizeof err) != 0) return snprintf(msg, n, "%s", err), -1;
    }
    snprintf(msg, n, _("Exported the scaling curve and the roofline (PNG and SVG) to %s"), dir);
    return 0;
}
