/* ui_run.h: what the window offers the command line, and all it offers: run the window (or its
 * headless frame timing), render one frame to a PNG, check key names. It includes no SDL, so that
 * sim/cli/ (which parses the options, prints the messages and maps the status) can include it;
 * the window never prints an error itself and never calls the command line. */
#ifndef USINE_UI_RUN_H
#define USINE_UI_RUN_H

#include <stddef.h>

/* Options from the command line (sim/cli/cmd_gui.c parses them). */
typedef struct ui_options {
    const char *platform, *partition, *model;
    const char *course, *exercise;   /* course "" : no course panel (--no-course) */
    int w, h;
    int headless, frames, json;
    const char *out;             /* screenshot file */
    const char *view;            /* "factory", "plots", "help" */
    const char *keys;            /* headless: keys pressed once the scene is ready, "Tab,Shift+t" */
    double at;                   /* screenshot: fraction of the step to show */
    int tp, pp, gpus, mbs;
    long gbs;                    /* the global batch, sequences; 0: the scene's choice (8 micro-batches per replica) */
    long nodes;                  /* the partition with that many nodes (a what-if machine); 0: as the file has it */
    const char *stack;           /* a software stack's id (tm_stack_find); NULL: the default */
} ui_options;

enum { UI_OK = 0, UI_FAILED = 1, UI_BAD_INPUT = 2 };   /* the exit statuses of the command line */

/* What a run saw, for the command line to say. */
typedef struct ui_report {
    int nerrors;
    char errors[3][1024];        /* translated, in the order they happened, without "usine: " */
    struct cJSON *frames;        /* headless frames: times and what the window showed; the caller's to free */
    char platform[256];          /* screenshot: the platform drawn ("" if none) */
    int w, h;                    /* screenshot: the picture's size */
} ui_report;

/* The desktop app until the user quits; headless (o->headless): o->frames timed frames offscreen,
 * reported in r->frames. Returns UI_OK, UI_FAILED (the simulation did not finish) or UI_BAD_INPUT. */
int ui_run(const ui_options *o, ui_report *r);
/* One frame offscreen at o->at of the step, written to o->out as a PNG. Status as ui_run. */
int ui_screenshot(const ui_options *o, ui_report *r);
/* Whether every name of "Tab,Shift+t,F1" is a key SDL knows (for --keys). */
int ui_keys_valid(const char *list);

#endif
