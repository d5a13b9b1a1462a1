/* ui_md.c: CommonMark (cmark) laid out into lines of styled runs; see ui_md.h for what each
 * element becomes.
 *
 * The layout walks cmark's tree with its iterator (no recursion, so a document nested ten
 * thousand levels deep costs memory, not stack) and keeps a stack of containers: the document,
 * lists (where their markers go), items and block quotes (where their content starts). Inline
 * content of a paragraph or a heading is first collected as pieces (a word part in one style, a
 * space, a hard break), then flowed into lines: a word is one or more consecutive parts with no
 * space between them ("**GPU**s" is one word in two styles), and lines break only at spaces,
 * except inside a word wider than the whole line, which is cut at character boundaries.
 *
 * Invariants the flowing relies on: pieces point into the cmark tree, which outlives the
 * layout; the runs' text is copied into one growing buffer and referred to by offset until the
 * end, when the offsets become pointers; the run being extended is always the last run and its
 * text the end of the buffer (so extending it is an append). A line is open from the first thing
 * put on it (line_start) to line_end, which sets its height (the tallest style on it, at least
 * the block's own) and lines its text runs up on their bottoms. French typography: a space
 * before ':', ';', '!', '?', '»' or after '«' never breaks a line (glue_french_punctuation). */
#include "ui_md.h"

#include <cmark.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ui_md_doc {
    cmark_node *root;
};

enum { PIECE_TEXT, PIECE_SPACE, PIECE_BREAK };
enum { GAP_NONE, GAP_HALF, GAP_FULL };

#define MD_MAX_MARKERS 16     /* markers waiting for their line ("- - - a"); more are dropped */
#define MD_TAB_COLUMNS 4

typedef struct piece {
    int kind, style;
    const char *s;            /* into the cmark tree, or a static " " */
    size_t len;
} piece;

typedef struct frame {
    cmark_node_type type;
    int x_px;                 /* where content (items, quotes) or markers (lists) start */
    int depth;                /* indentation levels up to here */
    int ordered, number, paren, tight;
    int content_x_px;         /* lists: where their items' content starts */
    int bar_y_px, bar_line;   /* quotes: top of the bar and its line, -1 until their first block */
} frame;

typedef struct marker {
    char text[24];
    int x_px, style;
} marker;

typedef struct lay {
    const ui_md_metrics *m;
    int width;
    ui_md_layout_out *out;
    size_t runs_cap, text_len, text_cap;
    size_t *offs;             /* text offset of each run */
    size_t offs_cap;
    unsigned char *mergeable; /* per run: content text that may be extended */
    size_t merge_cap;
    /* the current line */
    int y;                    /* top of the open line, or where the next one starts */
    int line_open, line_first_run, line_x0, cur_x, line_has_content, base_style;
    int any_block;
    marker markers[MD_MAX_MARKERS];
    int nmarkers;
    /* inline collection */
    piece *pieces;
    size_t npieces, pieces_cap;
    int collecting, strong, emph, heading_style, quote_depth;
    /* containers */
    frame *stack;
    size_t nstack, stack_cap;
    int tight_depth, first_in_tight;
    char *scratch;            /* a code line with its tabs expanded */
    size_t scratch_cap;
} lay;

ui_md_doc *ui_md_parse(const char *markdown, size_t len)
{
    ui_md_doc *d = ut_calloc(1, sizeof *d);
    /* cmark aborts when memory runs out, as ut_malloc does, so this does not fail. */
    d->root = cmark_parse_document(markdown ? markdown : "", markdown ? len : 0, CMARK_OPT_VALIDATE_UTF8);
    return d;
}

void ui_md_free(ui_md_doc *d)
{
    if (!d) return;
    cmark_node_free(d->root);
    free(d);
}

void ui_md_layout_free(ui_md_layout_out *out)
{
    if (!out) return;
    free(out->runs);
    free(out->text);
    memset(out, 0, sizeof *out);
}

/* ---- measuring and UTF-8 ---------------------------------------------------------------------- */

static int measure(lay *L, int style, const char *s, size_t n)
{
    if (n == 0) return 0;
    int w = L->m->measure(L->m->ctx, style, s, n);
    return w < 0 ? 0 : w;
}

static int line_height(const lay *L, int style)
{
    int h = style >= 0 && style < UI_MD_NSTYLES ? L->m->line_height_px[style] : 1;
    return h < 1 ? 1 : h;
}

/* The code point at s[p] (p < n); a byte that does not start a valid sequence counts as itself. */
static uint32_t decode_at(const char *s, size_t n, size_t p, size_t *clen)
{
    const unsigned char *u = (const unsigned char *)s + p;
    size_t left = n - p, k;
    uint32_t cp;
    if (u[0] < 0x80) {
        *clen = 1;
        return u[0];
    }
    if (u[0] >= 0xC2 && u[0] <= 0xDF) k = 2, cp = u[0] & 0x1F;
    else if (u[0] >= 0xE0 && u[0] <= 0xEF) k = 3, cp = u[0] & 0x0F;
    else if (u[0] >= 0xF0 && u[0] <= 0xF4) k = 4, cp = u[0] & 0x07;
    else {
        *clen = 1;
        return 0xFFFD;
    }
    if (k > left) {
        *clen = 1;
        return 0xFFFD;
    }
    for (size_t i = 1; i < k; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *clen = 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    *clen = k;
    return cp;
}

/* Characters that belong to the one before them: combining marks, variation selectors, the
 * zero-width joiner. A line never starts with one. */
static int is_combining(uint32_t cp)
{
    return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
           (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           cp == 0x200D;
}

/* The end of the character (with its combining marks) that starts at p < n. */
static size_t next_char(const char *s, size_t n, size_t p)
{
    size_t k;
    decode_at(s, n, p, &k);
    p += k;
    while (p < n) {
        uint32_t cp = decode_at(s, n, p, &k);
        if (!is_combining(cp)) break;
        p += k;
    }
    return p;
}

/* The first character boundary at or after p (p <= n), counted from a boundary `from` <= p. */
static size_t boundary_from(const char *s, size_t n, size_t from, size_t p)
{
    while (from < p) from = next_char(s, n, from);
    return from;
}

/* The longest prefix of (s, n) made of whole characters that fits in room pixels: grows by
 * doubling the number of characters, then bisects, so a long word costs O(log) measures per
 * line. 0 when not even the first character fits. */
static size_t fit_prefix(lay *L, int style, const char *s, size_t n, int room)
{
    size_t good = 0, bad = n + 1, k = 0;
    for (size_t chars = 1; k < n; chars *= 2) {
        size_t next = good;
        for (size_t c = 0; c < chars && next < n; c++) next = next_char(s, n, next);
        k = next;
        if (measure(L, style, s, k) <= room) {
            good = k;
        } else {
            bad = k;
            break;
        }
    }
    if (good == n) return n;
    /* good fits, bad does not: bisect between them on character boundaries. */
    for (;;) {
        size_t first = next_char(s, n, good);
        if (first >= bad) break;
        size_t mid = boundary_from(s, n, good, good + (bad - good) / 2);
        if (mid >= bad || mid <= good) mid = first;
        if (measure(L, style, s, mid) <= room) good = mid;
        else bad = mid;
    }
    return good;
}

/* ---- runs and lines --------------------------------------------------------------------------- */

static int add_run(lay *L, int kind, int style, const char *text, size_t len, int x, int w, int h, int mergeable)
{
    ui_md_layout_out *o = L->out;
    size_t i = (size_t)o->nruns;
    ut_grow(&o->runs, &L->runs_cap, i + 1, sizeof *o->runs);
    ut_grow(&L->offs, &L->offs_cap, i + 1, sizeof *L->offs);
    ut_grow(&L->mergeable, &L->merge_cap, i + 1, 1);
    ui_md_run *r = &o->runs[i];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->style = style;
    r->len = len;
    r->x_px = x;
    r->y_px = L->y;
    r->width_px = w;
    r->height_px = h;
    r->line = o->nlines;
    L->offs[i] = L->text_len;
    L->mergeable[i] = (unsigned char)mergeable;
    if (len) {
        ut_grow(&o->text, &L->text_cap, L->text_len + len, 1);
        memcpy(o->text + L->text_len, text, len);
        L->text_len += len;
    }
    o->nruns++;
    return (int)i;
}

static void line_start(lay *L)
{
    if (L->line_open) return;
    L->line_open = 1;
    L->line_first_run = L->out->nruns;
    L->cur_x = L->line_x0;
    L->line_has_content = 0;
    for (int i = 0; i < L->nmarkers; i++) {
        marker *mk = &L->markers[i];
        size_t len = strlen(mk->text);
        add_run(L, UI_MD_RUN_TEXT, mk->style, mk->text, len, mk->x_px, measure(L, mk->style, mk->text, len),
                line_height(L, mk->style), 0);
    }
    L->nmarkers = 0;
}

/* Close the open line: its height, its text runs bottom-aligned, and their widths measured again
 * as drawn (a run measured whole may differ by a pixel from the sum of its words). */
static void line_end(lay *L)
{
    if (!L->line_open) return;
    ui_md_layout_out *o = L->out;
    int h = line_height(L, L->base_style);
    for (int i = L->line_first_run; i < o->nruns; i++)
        if (o->runs[i].kind == UI_MD_RUN_TEXT && line_height(L, o->runs[i].style) > h)
            h = line_height(L, o->runs[i].style);
    int shift = 0;
    for (int i = L->line_first_run; i < o->nruns; i++) {
        ui_md_run *r = &o->runs[i];
        if (r->kind != UI_MD_RUN_TEXT) continue;
        r->y_px = L->y + h - r->height_px;
        if (!L->mergeable[i]) continue;
        r->x_px += shift;
        int w = measure(L, r->style, o->text + L->offs[i], r->len);
        shift += w - r->width_px;
        r->width_px = w;
    }
    L->y += h;
    o->nlines++;
    L->line_open = 0;
}

/* Put text of width w at the end of the open line, extending the last run when it can. */
static void put_text(lay *L, int style, const char *s, size_t n, int w)
{
    line_start(L);
    ui_md_layout_out *o = L->out;
    int last = o->nruns - 1;
    if (last >= L->line_first_run && L->mergeable[last] && o->runs[last].style == style &&
        o->runs[last].x_px + o->runs[last].width_px == L->cur_x && L->offs[last] + o->runs[last].len == L->text_len) {
        ut_grow(&o->text, &L->text_cap, L->text_len + n, 1);
        memcpy(o->text + L->text_len, s, n);
        L->text_len += n;
        o->runs[last].len += n;
        o->runs[last].width_px += w;
    } else {
        add_run(L, UI_MD_RUN_TEXT, style, s, n, L->cur_x, w, line_height(L, style), 1);
    }
    L->cur_x += w;
    L->line_has_content = 1;
}

/* Put (s, n) on lines, cutting it at characters where the line is full. */
static void put_broken(lay *L, int style, const char *s, size_t n)
{
    while (n > 0) {
        line_start(L);
        size_t k = fit_prefix(L, style, s, n, L->width - L->cur_x);
        if (k == 0) {
            if (L->line_has_content) {           /* the rest of the word goes on the next line */
                line_end(L);
                continue;
            }
            k = next_char(s, n, 0);              /* wider than the line: alone on it */
        }
        put_text(L, style, s, k, measure(L, style, s, k));
        s += k;
        n -= k;
        if (n > 0) line_end(L);
    }
}

/* ---- blocks ---------------------------------------------------------------------------------- */

static frame *top(lay *L)
{
    return &L->stack[L->nstack - 1];
}

static frame *push(lay *L, cmark_node_type type)
{
    ut_grow(&L->stack, &L->stack_cap, L->nstack + 1, sizeof *L->stack);
    frame *f = &L->stack[L->nstack++];
    frame *parent = L->nstack > 1 ? f - 1 : NULL;
    memset(f, 0, sizeof *f);
    f->type = type;
    f->bar_y_px = -1;
    if (parent) {
        f->x_px = parent->type == CMARK_NODE_LIST ? parent->content_x_px : parent->x_px;
        f->depth = parent->depth;
    }
    return f;
}

/* Where content indented by step from x goes: not beyond UI_MD_MAX_DEPTH levels nor half the width. */
static int indent(const lay *L, int x, int depth, int step)
{
    if (depth >= UI_MD_MAX_DEPTH) return x;
    int nx = x + step, cap = L->width / 2;
    if (nx > cap) nx = x > cap ? x : cap;
    return nx;
}

static int plain_style(const lay *L)
{
    return L->quote_depth > 0 ? UI_MD_QUOTE : UI_MD_BODY;
}

/* A new block: the space above it, its left edge, its base style. */
static void block_begin(lay *L, int gap, int base_style)
{
    line_end(L);
    if (L->tight_depth > 0 && !L->first_in_tight) gap = GAP_NONE;
    L->first_in_tight = 0;
    if (L->any_block) {
        int body = line_height(L, UI_MD_BODY);
        L->y += gap == GAP_FULL ? body : gap == GAP_HALF ? body / 2 : 0;
    }
    L->any_block = 1;
    for (size_t i = 0; i < L->nstack; i++)
        if (L->stack[i].type == CMARK_NODE_BLOCK_QUOTE && L->stack[i].bar_y_px < 0) {
            L->stack[i].bar_y_px = L->y;
            L->stack[i].bar_line = L->out->nlines;
        }
    L->line_x0 = top(L)->x_px;
    L->base_style = base_style;
}

static void add_piece(lay *L, int kind, int style, const char *s, size_t len)
{
    ut_grow(&L->pieces, &L->pieces_cap, L->npieces + 1, sizeof *L->pieces);
    L->pieces[L->npieces++] = (piece){ kind, style, s, len };
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Words and spaces of a literal; breaks_at_newlines: HTML blocks keep their lines. */
static void add_words(lay *L, int style, const char *s, size_t n, int breaks_at_newlines)
{
    size_t i = 0;
    while (i < n) {
        if (breaks_at_newlines && s[i] == '\n') {
            add_piece(L, PIECE_BREAK, style, NULL, 0);
            i++;
        } else if (is_space(s[i])) {
            while (i < n && is_space(s[i]) && !(breaks_at_newlines && s[i] == '\n')) i++;
            add_piece(L, PIECE_SPACE, style, NULL, 0);
        } else {
            size_t j = i;
            while (j < n && !is_space(s[j])) j++;
            add_piece(L, PIECE_TEXT, style, s + i, j - i);
            i = j;
        }
    }
}

static int inline_style(const lay *L, int code)
{
    if (code) return UI_MD_CODE;
    if (L->heading_style >= 0) return L->heading_style;
    if (L->strong && L->emph) return UI_MD_STRONG_EMPH;
    if (L->strong) return UI_MD_STRONG;
    if (L->emph) return UI_MD_EMPH;
    return plain_style(L);
}

/* French typography: no line starts with ":", ";", "!", "?" or "»" and none ends with "«"
 * (authors type an ordinary space there). Such a space becomes part of the word. */
static int starts_closing(const piece *p)
{
    if (p->kind != PIECE_TEXT || p->len == 0) return 0;
    char c = p->s[0];
    return c == ':' || c == ';' || c == '!' || c == '?' || (p->len >= 2 && !memcmp(p->s, "\xC2\xBB", 2));
}

static int ends_opening(const piece *p)
{
    return p->kind == PIECE_TEXT && p->len >= 2 && !memcmp(p->s + p->len - 2, "\xC2\xAB", 2);
}

static void glue_french_punctuation(lay *L)
{
    for (size_t i = 1; i + 1 < L->npieces; i++) {
        piece *p = &L->pieces[i];
        if (p->kind == PIECE_SPACE && p[-1].kind == PIECE_TEXT && p[1].kind == PIECE_TEXT &&
            (starts_closing(p + 1) || ends_opening(p - 1))) {
            p->kind = PIECE_TEXT;
            p->s = " ";
            p->len = 1;
        }
    }
}

/* Flow the collected pieces into lines from line_x0 to the width. */
static void flow(lay *L)
{
    glue_french_punctuation(L);
    int space_pending = 0, space_style = UI_MD_BODY;
    size_t i = 0;
    while (i < L->npieces) {
        piece *p = &L->pieces[i];
        if (p->kind == PIECE_SPACE) {
            space_pending = 1;
            space_style = p->style;
            i++;
            continue;
        }
        if (p->kind == PIECE_BREAK) {
            line_start(L);
            line_end(L);
            space_pending = 0;
            i++;
            continue;
        }
        size_t j = i;
        int word_w = 0;
        while (j < L->npieces && L->pieces[j].kind == PIECE_TEXT) {
            word_w += measure(L, L->pieces[j].style, L->pieces[j].s, L->pieces[j].len);
            j++;
        }
        line_start(L);
        int space_w = space_pending && L->line_has_content ? measure(L, space_style, " ", 1) : 0;
        if (L->line_has_content && L->cur_x + space_w + word_w > L->width) {
            line_end(L);
            line_start(L);
        } else if (L->line_has_content && space_pending) {
            put_text(L, space_style, " ", 1, space_w);
        }
        if (L->cur_x + word_w <= L->width) {
            for (size_t k = i; k < j; k++)
                put_text(L, L->pieces[k].style, L->pieces[k].s, L->pieces[k].len,
                         measure(L, L->pieces[k].style, L->pieces[k].s, L->pieces[k].len));
        } else {
            for (size_t k = i; k < j; k++) put_broken(L, L->pieces[k].style, L->pieces[k].s, L->pieces[k].len);
        }
        space_pending = 0;
        i = j;
    }
    line_end(L);
    L->npieces = 0;
}

/* A code block: each source line as it is (tabs expanded), cut at characters when too long. */
static void code_block(lay *L, const char *lit)
{
    block_begin(L, GAP_HALF, UI_MD_CODE_BLOCK);
    int box = add_run(L, UI_MD_RUN_BOX, UI_MD_CODE_BLOCK, NULL, 0, L->line_x0, 0, 0, 0);
    int box_y = L->y;
    size_t n = strlen(lit);
    if (n > 0 && lit[n - 1] == '\n') n--;
    size_t pos = 0;
    do {
        const char *nl = memchr(lit + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - lit) : n, len = 0, col = 0;
        for (size_t i = pos; i < end;) {
            size_t k;
            ut_grow(&L->scratch, &L->scratch_cap, len + MD_TAB_COLUMNS, 1);
            if (lit[i] == '\t') {
                do L->scratch[len++] = ' ';
                while (++col % MD_TAB_COLUMNS);
                i++;
                continue;
            }
            decode_at(lit, end, i, &k);
            ut_grow(&L->scratch, &L->scratch_cap, len + k, 1);
            memcpy(L->scratch + len, lit + i, k);
            len += k;
            i += k;
            col++;
        }
        line_start(L);
        put_broken(L, UI_MD_CODE_BLOCK, L->scratch, len);
        line_end(L);
        pos = end + 1;
    } while (pos <= n);
    ui_md_run *b = &L->out->runs[box];
    b->y_px = box_y;
    b->width_px = L->width - b->x_px > 1 ? L->width - b->x_px : 1;
    b->height_px = L->y - box_y;
}

static void rule(lay *L)
{
    block_begin(L, GAP_HALF, UI_MD_BODY);
    line_start(L);
    int w = L->width - L->line_x0;
    add_run(L, UI_MD_RUN_RULE, UI_MD_BODY, NULL, 0, L->line_x0, w > 1 ? w : 1, line_height(L, UI_MD_BODY), 0);
    line_end(L);
}

static void enter_list(lay *L, cmark_node *node)
{
    frame *parent = top(L);
    int x = parent->type == CMARK_NODE_LIST ? parent->content_x_px : parent->x_px;
    frame *f = push(L, CMARK_NODE_LIST);
    f->x_px = x;
    f->ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
    f->number = cmark_node_get_list_start(node);
    f->paren = cmark_node_get_list_delim(node) == CMARK_PAREN_DELIM;
    f->tight = cmark_node_get_list_tight(node);
    /* Room for the widest marker and a space, and at least three digits' worth. */
    int style = plain_style(L), marker_w;
    if (f->ordered) {
        int items = 0;
        for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c)) items++;
        char a[24], b[24];
        snprintf(a, sizeof a, "%d%c", f->number, f->paren ? ')' : '.');
        snprintf(b, sizeof b, "%d%c", f->number + (items > 0 ? items - 1 : 0), f->paren ? ')' : '.');
        int wa = measure(L, style, a, strlen(a)), wb = measure(L, style, b, strlen(b));
        marker_w = wa > wb ? wa : wb;
    } else {
        marker_w = measure(L, style, "\xE2\x80\xA2", 3);
    }
    int step = marker_w + measure(L, style, " ", 1), min = measure(L, style, "000", 3);
    if (step < min) step = min;
    f->content_x_px = indent(L, x, f->depth, step);
    if (f->tight) {
        if (L->tight_depth == 0) L->first_in_tight = 1;
        L->tight_depth++;
    }
}

static void enter_item(lay *L)
{
    frame *list = top(L);
    int ordered = list->ordered, number = list->number++, paren = list->paren, marker_x = list->x_px;
    frame *f = push(L, CMARK_NODE_ITEM);
    if (f->depth < UI_MD_MAX_DEPTH) f->depth++;
    if (L->nmarkers < MD_MAX_MARKERS) {
        marker *mk = &L->markers[L->nmarkers++];
        if (ordered) snprintf(mk->text, sizeof mk->text, "%d%c", number, paren ? ')' : '.');
        else ut_strlcpy(mk->text, "\xE2\x80\xA2", sizeof mk->text);
        mk->x_px = marker_x;
        mk->style = plain_style(L);
    }
}

static void exit_item(lay *L)
{
    if (L->nmarkers > 0) {                       /* an empty item: its marker alone */
        block_begin(L, GAP_HALF, plain_style(L));
        line_start(L);
        line_end(L);
    }
    L->nstack--;
}

static void enter_quote(lay *L)
{
    frame *parent = top(L);
    int x = parent->x_px, depth = parent->depth;
    frame *f = push(L, CMARK_NODE_BLOCK_QUOTE);
    int step = measure(L, UI_MD_BODY, "00", 2);
    if (step < 2) step = 2;
    f->x_px = indent(L, x, depth, step);
    if (f->depth < UI_MD_MAX_DEPTH) f->depth++;
    L->quote_depth++;
}

static void exit_quote(lay *L)
{
    line_end(L);
    frame f = *top(L);
    L->quote_depth--;
    L->nstack--;
    int x = top(L)->x_px, step = f.x_px - x;
    if (f.bar_y_px < 0 || step <= 0) return;    /* an empty quote, or no room left for a bar */
    int bar = add_run(L, UI_MD_RUN_BAR, UI_MD_BODY, NULL, 0, x, step / 4 > 1 ? step / 4 : 1, L->y - f.bar_y_px, 0);
    L->out->runs[bar].y_px = f.bar_y_px;
    L->out->runs[bar].line = f.bar_line;
}

static void begin_inline_block(lay *L, int gap, int base_style, int heading_style)
{
    block_begin(L, gap, base_style);
    L->collecting = 1;
    L->npieces = 0;
    L->strong = L->emph = 0;
    L->heading_style = heading_style;
}

static void end_inline_block(lay *L)
{
    flow(L);
    L->collecting = 0;
    L->heading_style = -1;
}

static void visit(lay *L, cmark_event_type ev, cmark_node *node)
{
    int enter = ev == CMARK_EVENT_ENTER;
    const char *lit;
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_LIST:
        if (enter) enter_list(L, node);
        else {
            if (top(L)->tight) L->tight_depth--;
            L->nstack--;
        }
        break;
    case CMARK_NODE_ITEM:
        if (enter) enter_item(L);
        else exit_item(L);
        break;
    case CMARK_NODE_BLOCK_QUOTE:
        if (enter) enter_quote(L);
        else exit_quote(L);
        break;
    case CMARK_NODE_PARAGRAPH:
        if (enter) begin_inline_block(L, GAP_HALF, plain_style(L), -1);
        else end_inline_block(L);
        break;
    case CMARK_NODE_HEADING:
        if (enter) {
            int level = cmark_node_get_heading_level(node);
            int style = level <= 1 ? UI_MD_H1 : level == 2 ? UI_MD_H2 : UI_MD_H3;
            begin_inline_block(L, GAP_FULL, style, style);
        } else {
            end_inline_block(L);
        }
        break;
    case CMARK_NODE_CODE_BLOCK:
        lit = cmark_node_get_literal(node);
        code_block(L, lit ? lit : "");
        break;
    case CMARK_NODE_HTML_BLOCK:
        lit = cmark_node_get_literal(node);
        begin_inline_block(L, GAP_HALF, plain_style(L), -1);
        if (lit) {
            size_t n = strlen(lit);
            while (n > 0 && (lit[n - 1] == '\n' || lit[n - 1] == '\r')) n--;
            add_words(L, plain_style(L), lit, n, 1);
        }
        end_inline_block(L);
        break;
    case CMARK_NODE_THEMATIC_BREAK:
        rule(L);
        break;
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
    case CMARK_NODE_HTML_INLINE:
        lit = cmark_node_get_literal(node);
        if (L->collecting && lit)
            add_words(L, inline_style(L, cmark_node_get_type(node) == CMARK_NODE_CODE), lit, strlen(lit), 0);
        break;
    case CMARK_NODE_SOFTBREAK:
        if (L->collecting) add_piece(L, PIECE_SPACE, inline_style(L, 0), NULL, 0);
        break;
    case CMARK_NODE_LINEBREAK:
        if (L->collecting) add_piece(L, PIECE_BREAK, inline_style(L, 0), NULL, 0);
        break;
    case CMARK_NODE_STRONG:
        L->strong += enter ? 1 : -1;
        break;
    case CMARK_NODE_EMPH:
        L->emph += enter ? 1 : -1;
        break;
    default:                                     /* document, links and images (their text follows), custom nodes */
        break;
    }
}

int ui_md_layout(const ui_md_doc *d, int width_px, const ui_md_metrics *m, ui_md_layout_out *out)
{
    if (!out) return -1;
    memset(out, 0, sizeof *out);
    if (!d || !m || !m->measure) return -1;
    lay L;
    memset(&L, 0, sizeof L);
    L.m = m;
    L.width = width_px < 1 ? 1 : width_px;
    L.out = out;
    L.heading_style = -1;
    push(&L, CMARK_NODE_DOCUMENT);
    /* The iterator does not change the tree; cmark's API just has no const version. */
    cmark_iter *it = cmark_iter_new(d->root);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) visit(&L, ev, cmark_iter_get_node(it));
    cmark_iter_free(it);
    line_end(&L);
    out->height_px = L.y;
    for (int i = 0; i < out->nruns; i++)
        out->runs[i].text = out->runs[i].len ? out->text + L.offs[i] : "";
    free(L.offs);
    free(L.mergeable);
    free(L.pieces);
    free(L.stack);
    free(L.scratch);
    return 0;
}
