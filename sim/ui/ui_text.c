/* ui_text.c: fonts and text for the window. Fonts are DejaVu (Debian's fonts-dejavu-core), found
 * through fontconfig so that an installed system finds them wherever they live; sizes follow the
 * interface scale, so that text reads the same at 1366x768 and on a 4K screen.
 *
 * Rendering a string with SDL_ttf costs far more than copying a texture, and most strings of a
 * frame are the same as in the previous one, so rendered strings are kept in a hash table keyed by
 * (font, colour, text) and evicted when not drawn for a few frames. */
#include "ui_gfx.h"

#include "util.h"

#include <SDL2/SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 4096          /* power of two */
#define CACHE_HIGH 2600           /* evict above this many entries */
#define WRAP_SLOTS 64             /* wrapped texts kept, least recently used out */

typedef struct wrap_entry {
    char *text;                   /* NULL: free slot */
    int font, width;
    unsigned long used;
    ui_wrapped w;
} wrap_entry;

typedef struct entry {
    char *s;
    uint32_t hash;
    int font;
    uint32_t rgba;
    SDL_Texture *tex;
    int w, h;
    unsigned long used;           /* frame it was last drawn in */
} entry;

struct ui_text {
    SDL_Renderer *ren;
    TTF_Font *font[UI_F_COUNT];
    char path[UI_F_COUNT][1024];
    float scale;
    entry *slots;
    int count;
    unsigned long frame;
    wrap_entry wraps[WRAP_SLOTS];
};

/* Pattern and base size (pixels at scale 1) of each font. */
static const struct { const char *pattern; float px; } spec[UI_F_COUNT] = {
    [UI_F_BODY] = { "DejaVu Sans:style=Book", 16 },
    [UI_F_BOLD] = { "DejaVu Sans:style=Bold", 16 },
    [UI_F_ITALIC] = { "DejaVu Sans:style=Oblique", 16 },
    [UI_F_BOLDITALIC] = { "DejaVu Sans:style=Bold Oblique", 16 },
    [UI_F_MONO] = { "DejaVu Sans Mono:style=Book", 15 },
    [UI_F_SMALL] = { "DejaVu Sans:style=Book", 13.5f },
    [UI_F_H1] = { "DejaVu Sans:style=Bold", 24 },
    [UI_F_H2] = { "DejaVu Sans:style=Bold", 20 },
    [UI_F_H3] = { "DejaVu Sans:style=Bold", 17.5f },
    [UI_F_TITLE] = { "DejaVu Sans:style=Bold", 19 },
};

static const char *const fallback[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
};

static int find_font(const char *pattern, char *out, size_t size)
{
    int ok = -1;
    FcPattern *pat = FcNameParse((const FcChar8 *)pattern);
    if (!pat) return -1;
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *m = FcFontMatch(NULL, pat, &res);
    FcChar8 *file = NULL;
    if (m && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch) {
        snprintf(out, size, "%s", (const char *)file);
        ok = 0;
    }
    if (m) FcPatternDestroy(m);
    FcPatternDestroy(pat);
    return ok;
}

static void wrap_free(wrap_entry *e)
{
    for (int i = 0; i < e->w.n; i++) free(e->w.line[i]);
    free(e->w.line);
    free(e->text);
    memset(e, 0, sizeof *e);
}

static void cache_clear(ui_text *t)
{
    for (int i = 0; i < WRAP_SLOTS; i++) wrap_free(&t->wraps[i]);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        if (!t->slots[i].s) continue;
        free(t->slots[i].s);
        if (t->slots[i].tex) SDL_DestroyTexture(t->slots[i].tex);
        memset(&t->slots[i], 0, sizeof t->slots[i]);
    }
    t->count = 0;
}

static int open_fonts(ui_text *t, char *err, size_t n)
{
    for (int f = 0; f < UI_F_COUNT; f++) {
        if (t->font[f]) TTF_CloseFont(t->font[f]);
        int px = (int)(spec[f].px * t->scale + 0.5f);
        if (px < 8) px = 8;
        t->font[f] = TTF_OpenFont(t->path[f], px);
        if (!t->font[f]) {
            snprintf(err, n, _("cannot open the font %s: %s"), t->path[f], TTF_GetError());
            return -1;
        }
        TTF_SetFontHinting(t->font[f], TTF_HINTING_LIGHT);
    }
    return 0;
}

ui_text *ui_text_create(SDL_Renderer *r, float scale, char *err, size_t n)
{
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(err, n, _("cannot start SDL_ttf: %s"), TTF_GetError());
        return NULL;
    }
    ui_text *t = ut_calloc(1, sizeof *t);
    t->ren = r;
    t->scale = scale;
    t->slots = ut_calloc(CACHE_SLOTS, sizeof *t->slots);
    FcInit();
    for (int f = 0; f < UI_F_COUNT; f++) {
        if (find_font(spec[f].pattern, t->path[f], sizeof t->path[f]) != 0)
            snprintf(t->path[f], sizeof t->path[f], "%s", fallback[strstr(spec[f].pattern, "Bold") != NULL]);
    }
    if (open_fonts(t, err, n) != 0) {
        ui_text_destroy(t);
        return NULL;
    }
    return t;
}

void ui_text_destroy(ui_text *t)
{
    if (!t) return;
    cache_clear(t);
    free(t->slots);
    for (int f = 0; f < UI_F_COUNT; f++)
        if (t->font[f]) TTF_CloseFont(t->font[f]);
    free(t);
}

void ui_text_set_scale(ui_text *t, float scale)
{
    if (scale == t->scale) return;
    t->scale = scale;
    cache_clear(t);
    char err[256];
    if (open_fonts(t, err, sizeof err) != 0) SDL_Log("%s", err);
}

static uint32_t hash_of(int font, uint32_t rgba, const char *s)
{
    uint32_t h = 2166136261u ^ (uint32_t)font * 16777619u ^ rgba;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h ? h : 1;
}

static entry *lookup(ui_text *t, ui_font f, const char *s, SDL_Color c)
{
    uint32_t rgba = (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
    uint32_t h = hash_of(f, rgba, s);
    size_t i = h & (CACHE_SLOTS - 1);
    for (;; i = (i + 1) & (CACHE_SLOTS - 1)) {
        entry *e = &t->slots[i];
        if (!e->s) break;
        if (e->hash == h && e->font == (int)f && e->rgba == rgba && !strcmp(e->s, s)) {
            e->used = t->frame;
            return e;
        }
    }
    if (t->count >= CACHE_SLOTS - 64) return NULL;   /* full for this frame: draw uncached */
    entry *e = &t->slots[i];
    SDL_Surface *surf = TTF_RenderUTF8_Blended(t->font[f], s, c);
    if (!surf) return NULL;
    e->tex = SDL_CreateTextureFromSurface(t->ren, surf);
    e->w = surf->w, e->h = surf->h;
    SDL_FreeSurface(surf);
    if (!e->tex) return NULL;
    e->s = ut_strdup(s);
    e->hash = h, e->font = f, e->rgba = rgba, e->used = t->frame;
    t->count++;
    return e;
}

int ui_text_draw(ui_text *t, ui_font f, const char *s, int x, int y, SDL_Color c, int align)
{
    if (!s || !*s) return 0;
    entry *e = lookup(t, f, s, c);
    if (!e) return 0;
    if (align == UI_CENTER) x -= e->w / 2;
    else if (align == UI_RIGHT) x -= e->w;
    SDL_Rect dst = { x, y, e->w, e->h };
    SDL_RenderCopy(t->ren, e->tex, NULL, &dst);
    return e->w;
}

int ui_text_width(ui_text *t, ui_font f, const char *s, size_t len)
{
    char buf[1024];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int w = 0, h = 0;
    if (TTF_SizeUTF8(t->font[f], buf, &w, &h) != 0) return 0;
    return w;
}

int ui_text_line(ui_text *t, ui_font f)
{
    return TTF_FontLineSkip(t->font[f]);
}

/* The longest prefix of s[0, len) that fits in max_w pixels, cut on a character boundary; at
 * least one character when len > 0 and whole is 0. Binary search: a few measurements, not one per
 * character. */
static size_t fit_prefix(ui_text *t, ui_font f, const char *s, size_t len, int max_w)
{
    size_t lo = 0, hi = len;   /* lo fits (or is 0), hi may not */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        while (mid < len && ((unsigned char)s[mid] & 0xC0) == 0x80) mid++;   /* to a boundary */
        if (mid > hi) mid = hi;
        if (ui_text_width(t, f, s, mid) <= max_w) lo = mid;
        else {
            size_t next = mid - 1;
            while (next > lo && ((unsigned char)s[next] & 0xC0) == 0x80) next--;
            hi = next;
        }
    }
    return lo;
}

int ui_text_fit(ui_text *t, ui_font f, const char *s, int max_w, char *out, size_t size)
{
    snprintf(out, size, "%s", s);
    size_t len = strlen(out);
    if (ui_text_width(t, f, out, len) <= max_w) return 0;
    int dots = ui_text_width(t, f, "…", 3);
    size_t cut = fit_prefix(t, f, out, len, max_w - dots);
    if (cut + 4 > size) cut = size > 4 ? size - 4 : 0;
    while (cut > 0 && ((unsigned char)out[cut] & 0xC0) == 0x80) cut--;
    memcpy(out + cut, "…", 4);
    return 1;
}

const ui_wrapped *ui_text_wrap(ui_text *t, ui_font f, const char *text, int width)
{
    wrap_entry *hit = NULL, *oldest = &t->wraps[0];
    for (int i = 0; i < WRAP_SLOTS && !hit; i++) {
        wrap_entry *e = &t->wraps[i];
        if (e->text && e->font == (int)f && e->width == width && !strcmp(e->text, text)) hit = e;
        else if (!e->text || (oldest->text && e->used < oldest->used)) oldest = e;
    }
    if (hit) {
        hit->used = t->frame;
        return &hit->w;
    }
    wrap_entry *e = oldest;
    wrap_free(e);
    e->text = ut_strdup(text);
    e->font = f, e->width = width, e->used = t->frame;
    size_t cap = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n"), cut = len;
        if (ui_text_width(t, f, p, len) > width) {
            cut = fit_prefix(t, f, p, len, width);          /* what fits, then back to a space */
            size_t sp = cut;
            while (sp > 0 && p[sp] != ' ') sp--;
            if (sp > 0) cut = sp;
            else if (cut == 0) {                            /* not even one character: take one */
                cut = 1;
                while (cut < len && ((unsigned char)p[cut] & 0xC0) == 0x80) cut++;
            }
        }
        ut_grow(&e->w.line, &cap, (size_t)e->w.n + 1, sizeof *e->w.line);
        e->w.line[e->w.n++] = ut_strndup(p, cut);
        p += cut;
        while (*p == ' ') p++;
        if (*p == '\n') p++;
    }
    return &e->w;
}

void ui_text_end_frame(ui_text *t)
{
    t->frame++;
    if (t->count <= CACHE_HIGH) return;
    /* keep what the last two frames drew, rehash it */
    entry *old = t->slots;
    t->slots = ut_calloc(CACHE_SLOTS, sizeof *t->slots);
    t->count = 0;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        entry *e = &old[i];
        if (!e->s) continue;
        if (e->used + 2 < t->frame) {
            free(e->s);
            SDL_DestroyTexture(e->tex);
            continue;
        }
        size_t j = e->hash & (CACHE_SLOTS - 1);
        while (t->slots[j].s) j = (j + 1) & (CACHE_SLOTS - 1);
        t->slots[j] = *e;
        t->count++;
    }
    free(old);
}
