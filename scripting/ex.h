/* ex.h: exercises and courses, as authors write them in Lua (see courses/AUTHORING.md).
 *
 * An exercise file returns a table: id, title and text in French and English, concepts,
 * difficulty, minutes, the platform and scenario it is about, the starter code and the checks.
 * ex_load runs the file as trusted code in a sandbox state of its own (sbx.h) with the whole
 * `usine` library, checks every field (both languages everywhere) and keeps the state: each
 * submission graded afterwards gets a fresh sandboxed environment in it.
 *
 * Grading one submission (ex_grade): run the submission's text in its sandbox, copy what it
 * defined as plain data, then call each check with it. A check returns true (passed), false and
 * a message (failed), or a fraction of its points; an error inside a check, from the submission's
 * functions or from a limit, makes that check an error. Every message is in the grading language,
 * cleaned (gr_clean_text), and independent of the machine: a grade depends on the submission
 * and the exercise only. */
#ifndef USINE_EX_H
#define USINE_EX_H

#include <stddef.h>

#include "gr.h"
#include "sbx.h"

typedef struct ex_text { char *fr, *en; } ex_text;

typedef struct ex_check {
    char *id;
    ex_text title, hint;
    double points;
    int line;                   /* where its function starts in the exercise file */
} ex_check;

typedef struct ex_exercise {
    char *path;                 /* the file, as given */
    char *id;
    ex_text title, text;
    char **concepts_fr, **concepts_en;
    int nconcepts_fr, nconcepts_en;
    int difficulty;             /* 1 (first steps) .. 5 (research) */
    double minutes;
    char *platform;             /* preset the exercise is about (NULL: none) */
    char *partition;            /* its scenario's partition (NULL: the platform's first) */
    char *starter;
    ex_check *checks;
    int nchecks;
    double max_points, pass_fraction;
    char **allow;               /* the parts of the usine library submissions may use (lb_parts); */
    int nallow;                 /* -1: no allow-list, the whole submission library */
    unsigned long long seed;    /* the grading seed: the checks' and the submissions' math.random */
    int feedback;               /* ex_feedback: what a record tells the student */
    sbx_limits limits;
    sbx *sb;                    /* the state the exercise lives in */
    int ref;                    /* its table, in the registry */
} ex_exercise;

/* What a record says besides the points. FULL: each check's message (expected values included)
 * and hint; HINTS (exams): a check's message only in the form it gives for exams (the case and
 * what is wrong in kind, never the expected value), and the hint; SCORE: points only. The error
 * of a submission that did not run to the end (a syntax error, a limit) is always shown. */
typedef enum ex_feedback { EX_FEEDBACK_FULL, EX_FEEDBACK_HINTS, EX_FEEDBACK_SCORE } ex_feedback;
const char *ex_feedback_name(ex_feedback f);   /* "full", "hints", "score" */
#define EX_SEED_TEXT 24
const char *ex_seed_text(const ex_exercise *e, char buf[EX_SEED_TEXT]); /* e's seed in decimal, in buf */
int ex_feedback_from_name(const char *name);   /* "full", "hints", "score" -> ex_feedback, else -1 */

/* The practice seed: what `usine grade` without --seed, `course check` and the window use. */
#define EX_PRACTICE_SEED 20261125ull

/* How an exercise is loaded: where presets live (':'-separated folders) for usine.platform(name),
 * the grading seed (0: EX_PRACTICE_SEED) and the feedback level. The seed seeds math.random of
 * the exercise file before it runs (the cases its top level draws) and of each submission. */
typedef struct ex_host {
    const char *platform_path;
    unsigned long long seed;
    ex_feedback feedback;
} ex_host;

ex_exercise *ex_load(const char *path, const ex_host *host, char *err, size_t err_size); /* NULL + "file:line: why" */
void ex_free(ex_exercise *e);                                      /* NULL is fine */
const char *ex_text_in(const ex_text *t, const char *lang);        /* the "fr" or "en" text */

/* Grade one submission (its text; name is the path shown in messages and the record) in the
 * exercise's state, into rec (initialised here). Never fails: a broken submission gets a record
 * that says why. lang: "fr" or "en". */
void ex_grade(ex_exercise *e, const char *name, const char *text, size_t len, const char *lang, gr_record *rec);

/* What `course check` says of an exercise whose checks compute their expected values with a part
 * of the library that its submissions may also use (a submission could ask it for the answer):
 * after ex_load and a grading of the reference solution in this process (text, len), one line per
 * such part into out (cleared first, "" when none). Returns the number of parts. */
int ex_answer_parts(ex_exercise *e, const char *text, size_t len, char *out, size_t out_size);

/* The part of a record the exercise alone decides: submission, exercise, language, and every
 * check with its id, title, max and hint, in error with no points until someone grades it. */
void ex_record_begin(const ex_exercise *e, const char *name, const char *lang, gr_record *rec);

/* A course: a folder with index.lua returning {id=, title={fr=,en=}, exercises={"file", ...}},
 * each entry naming <dir>/<file>.lua. */
typedef struct ex_course {
    char *dir, *id;
    ex_text title;
    char **files;               /* paths of the exercise files, in course order */
    int nfiles;
} ex_course;

ex_course *ex_course_load(const char *dir, char *err, size_t err_size);
void ex_course_free(ex_course *c);

#endif
