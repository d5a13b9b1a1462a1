/* ui_course.h: the state behind the app's course panel, with no drawing: where the student's
 * work lives, noticing when they save it, grading it without blocking the window, remembering
 * scores across sessions, and opening the file in their editor.
 *
 * The student edits <data>/work/<course-id>/<exercise-id>.lua in an editor of their own; the app
 * polls a ui_watch a few times a second and, when the file changed, submits it to a ui_checker,
 * whose thread grades it by running `usine grade` itself (a new process, which confines the
 * submission in a child of its own), and polls the checker for the record, which it shows and
 * gives to ui_progress.
 * <data> is $XDG_DATA_HOME/usine, or $HOME/.local/share/usine when XDG_DATA_HOME is unset, empty
 * or relative (as `usine calibrate` does for local.xml).
 *
 * Threads: everything here is called from one thread (the window's), except that a ui_checker
 * grades on a thread of its own. That thread never touches the caller's ex_exercise: submit reads
 * the exercise's path and id during the call, so the caller may use, reload or free its exercise
 * at any time. The app never forks while its threads run: the grader is started with posix_spawn,
 * which execs at once. */
#ifndef USINE_UI_COURSE_H
#define USINE_UI_COURSE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "ex.h"
#include "gr.h"

/* ---- the work folder -------------------------------------------------------------------------- */

int ui_data_dir(char *buf, size_t size);                            /* <data> (no trailing '/'): 0, or -1 (no HOME, too long) */
/* <data>/work/<course>/<exercise>.lua. 0, or -1: no HOME, a name too long, or an id that is
 * empty, ".", "..", or holds '/' or a control character. */
int ui_work_path(const char *course_id, const char *exercise_id, char *buf, size_t size);
/* Make path's folders (0700) and the file itself (0644) holding starter_text (NULL: empty) if it
 * does not exist; an existing file is never changed. The file appears whole or not at all (a
 * temporary file linked into place). 1 created, 0 already there, -1 with a message in err. */
int ui_work_create(const char *path, const char *starter_text, char *err, size_t n);

/* ---- watching a file -------------------------------------------------------------------------- */

/* What stat said last time: modification time to the nanosecond, size, device and inode (an
 * editor that saves by writing a new file and renaming it over the old one changes the inode). */
typedef struct ui_watch {
    char path[4096];
    int exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} ui_watch;

int ui_watch_init(ui_watch *w, const char *path);                   /* remember the file as it is now: 0, or -1 (path too long) */
int ui_watch_changed(ui_watch *w);                                  /* 1 once per change (a deletion too), else 0 */

/* ---- checking a submission on a thread -------------------------------------------------------- */

typedef struct ui_checker ui_checker;

/* A checker and its thread. grader is the usine program (copied), which the checker runs as
 * `grader grade EXERCISE FILE --format json` for each submission. NULL when the thread cannot
 * start or grader is NULL or empty. */
ui_checker *ui_checker_create(const char *grader);
/* Grade the file at path against exercise e (its path and id, read during the call), in lang
 * ("fr" or "en"); the grader reads the file when it runs. A submission waiting behind the
 * one being graded is replaced by this one, and a record that a newer submission supersedes is
 * dropped: poll only ever returns the newest one. An unreadable file still gets a record, which
 * says why. 0, or -1 when an argument is NULL. */
int ui_checker_submit(ui_checker *c, const ex_exercise *e, const char *path, const char *lang);
/* 1 when a new record is ready: it is moved into *out, which the caller frees with gr_record_free;
 * 0 when none (out untouched). */
int ui_checker_poll(ui_checker *c, gr_record *out);
int ui_checker_busy(const ui_checker *c);                           /* 1 while a submission waits or is graded */
void ui_checker_destroy(ui_checker *c);                             /* drops what waits, waits for the one being graded; NULL is fine */

/* ---- progress across sessions ----------------------------------------------------------------- */

typedef struct ui_progress ui_progress;

typedef struct ui_progress_entry {
    double best, max;           /* best score so far, and the exercise's maximum then */
    double last;                /* score of the last check */
    int passed;                 /* some check reached the pass mark (stays set) */
    int attempts;               /* checks recorded */
    long long last_checked_unix; /* when the last check was recorded (Unix time, s) */
} ui_progress_entry;

int ui_progress_path(char *buf, size_t size);                       /* <data>/progress.json: 0, or -1 */
/* Read the progress file (path NULL: ui_progress_path). Never NULL. A missing file is empty
 * progress. A damaged file is empty progress too: it is renamed (never deleted) to path.bad
 * (or path.bad.1, .2, ... when that exists) and msg says so. A file that cannot be read is left
 * alone and this progress will not be saved (msg says so). msg is "" when all is well. */
ui_progress *ui_progress_load(const char *path, char *msg, size_t n);
/* Remember a graded check of course/exercise, now: best kept, last replaced. 0, or -1 (NULL argument). */
int ui_progress_record(ui_progress *p, const char *course, const char *exercise, const gr_record *r);
/* Write the file: a temporary file, fsync, rename over the old one. 0, or -1 with a message. */
int ui_progress_save(ui_progress *p, char *err, size_t n);
/* The exercise of a course the student opened last (remembered across starts): set, and read
 * into buf (0, or -1 when none). */
void ui_progress_set_last(ui_progress *p, const char *course, const char *exercise);
int ui_progress_last(const ui_progress *p, const char *course, char *buf, size_t size);
/* What is known of course/exercise: 1 and *out filled, or 0 (never checked). */
int ui_progress_get(const ui_progress *p, const char *course, const char *exercise, ui_progress_entry *out);
int ui_progress_passed_count(const ui_progress *p, const char *course); /* exercises of the course passed */
void ui_progress_free(ui_progress *p);                              /* NULL is fine (nothing is saved) */

/* ---- the student's editor --------------------------------------------------------------------- */

/* Open path in an editor without waiting for it: $USINE_EDITOR when set (a command split at
 * spaces, no shell, the path added as its last argument), else `xdg-open path` (the desktop's
 * default application for .lua files). Started with posix_spawnp, no shell, so nothing in the
 * path is interpreted. 0, or -1 with a message (program not found, ...). */
int ui_open_in_editor(const char *path, char *err, size_t n);
int ui_reap_children(void);                                         /* reap editors that have exited (never waits); how many */

#endif
