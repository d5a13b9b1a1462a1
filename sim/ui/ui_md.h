/* ui_md.h: the exercises' Markdown, laid out for the course panel.
 *
 * An exercise's text (ex_text_in) is CommonMark, parsed once with cmark (ui_md_parse) and laid
 * out again whenever the panel changes width (ui_md_layout): into lines of styled runs, each at a
 * pixel position. The caller measures text (SDL_ttf in the app, a fixed-width stub in the tests)
 * and draws the runs; nothing here knows fonts, colours or SDL.
 *
 * What the layout does with each element:
 *   paragraphs       words wrapped at spaces, spaced from the next block by half a body line;
 *                    soft breaks are spaces, hard breaks new lines; runs of spaces count as one;
 *                    no line starts with ':', ';', '!', '?', '»' nor ends with '«' (French)
 *   headings         their own style (levels 4-6 look like level 3), a body line of space above
 *   emphasis         UI_MD_EMPH, UI_MD_STRONG, UI_MD_STRONG_EMPH; inline code is UI_MD_CODE
 *   lists            "•" for bullets, "1." / "1)" numbers from the list's start, content indented,
 *                    nested lists further (indentation capped at UI_MD_MAX_DEPTH levels and at
 *                    half the width); tight lists without space between items
 *   code blocks      one line per source line, never reflowed, tabs to 4 columns; a line longer
 *                    than the width is broken at a character; a UI_MD_RUN_BOX run behind them
 *   block quotes     UI_MD_QUOTE text, indented, a UI_MD_RUN_BAR run along their left side
 *   links, images    their text (an image's alt text); the address is not shown
 *   HTML             shown as text, never interpreted (blocks keep their line breaks)
 *   thematic break   a UI_MD_RUN_RULE run across the line
 * Formulas such as `$6 N D$` are plain text to CommonMark and stay so.
 *
 * Wrapping never splits a UTF-8 character (nor separates a combining accent from its letter);
 * a word wider than the line is broken at a character boundary; every line takes at least one
 * character, so any width (even 1 px) terminates. No line is wider than the width, except for a
 * single character wider than the line on its own, or a list's marker ("12.") at a width
 * narrower than the marker.
 * Invalid UTF-8 and NUL bytes come out as U+FFFD (cmark replaces them).
 *
 * Not thread-safe per document: lay out one document from one thread at a time. */
#ifndef USINE_UI_MD_H
#define USINE_UI_MD_H

#include <stddef.h>

/* Text styles: the drawing side maps each to a font and a colour. */
typedef enum ui_md_style {
    UI_MD_BODY,
    UI_MD_STRONG,
    UI_MD_EMPH,
    UI_MD_STRONG_EMPH,
    UI_MD_CODE,               /* inline code */
    UI_MD_H1,
    UI_MD_H2,
    UI_MD_H3,                 /* and levels 4 to 6 */
    UI_MD_CODE_BLOCK,
    UI_MD_QUOTE,              /* plain text inside a block quote (emphasis there keeps its style) */
    UI_MD_NSTYLES
} ui_md_style;

/* What a run is. */
typedef enum ui_md_run_kind {
    UI_MD_RUN_TEXT,           /* text to draw at (x, y) in its style */
    UI_MD_RUN_RULE,           /* a thematic break: a horizontal line across (x, width) at y + height / 2 */
    UI_MD_RUN_BAR,            /* a block quote's left bar: a vertical stripe from y to y + height at x */
    UI_MD_RUN_BOX             /* the background of a code block (x, y, width, height); comes before its text */
} ui_md_run_kind;

#define UI_MD_MAX_DEPTH 8     /* indentation levels (lists, quotes) beyond which content is not moved further right */

typedef struct ui_md_run {
    int kind;                 /* ui_md_run_kind */
    int style;                /* ui_md_style (text runs; rules and bars: UI_MD_BODY, boxes: UI_MD_CODE_BLOCK) */
    const char *text;         /* UTF-8, len bytes, not NUL-terminated; owned by the layout ("" for other kinds) */
    size_t len;
    int x_px, y_px;           /* top-left corner; text runs of one line share their bottom (y + height) */
    int width_px, height_px;  /* text: measured width and the line height of its style */
    int line;                 /* index of its line (runs that are not text: the line they start on) */
} ui_md_run;

typedef struct ui_md_layout_out {
    ui_md_run *runs;          /* text in reading order; a code block's box before its text, a quote's bar after it */
    int nruns;
    int nlines;
    int height_px;            /* total height, from 0 to the bottom of the last line */
    char *text;               /* the characters the runs point into (owned) */
} ui_md_layout_out;

/* Width in pixels of (utf8, len) drawn in a style; ctx is the caller's. Negative counts as 0. */
typedef int (*ui_md_measure)(void *ctx, int style, const char *utf8, size_t len);

typedef struct ui_md_metrics {
    ui_md_measure measure;
    void *ctx;
    int line_height_px[UI_MD_NSTYLES];   /* height of one line of each style (TTF_FontLineSkip); < 1 counts as 1 */
} ui_md_metrics;

typedef struct ui_md_doc ui_md_doc;

ui_md_doc *ui_md_parse(const char *markdown, size_t len);            /* never NULL (NULL text: empty document) */
void ui_md_free(ui_md_doc *d);                                       /* NULL is fine */
/* Lay d out for width_px (< 1 counts as 1) into out (initialised here; free it with
 * ui_md_layout_free, also after a failure). 0, or -1 when d, m or m->measure is NULL. */
int ui_md_layout(const ui_md_doc *d, int width_px, const ui_md_metrics *m, ui_md_layout_out *out);
void ui_md_layout_free(ui_md_layout_out *out);                       /* frees what out holds, leaves it empty; NULL is fine */

#endif
