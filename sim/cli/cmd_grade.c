/* cmd_grade.c: `usine grade` (a class's submissions, headless, in the formats grading platforms
 * read) and `usine course check|list` (tools for authors).
 *
 * Nothing is lost when a batch is interrupted: each record is appended to a journal and flushed to
 * disk as soon as it is known (with --format json the journal is the output file itself; with the
 * other formats it sits next to it, as FILE.jsonl). `--resume` reads the journal back, drops a
 * last line cut in the middle, and grades only the submissions it does not hold. Formats that
 * describe a whole batch (JUnit, text in a file) are written at the end, atomically. */
#include "cli.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ex.h"
#include "gr.h"
#include "grade.h"

typedef enum fmt { FMT_TEXT, FMT_JSON, FMT_JUNIT, FMT_VPL, FMT_GRADESCOPE, FMT_CLASSROOM } fmt;
static const char *const fmt_names[] = { "text", "json", "junit", "vpl", "gradescope", "classroom" };

static void grade_usage(FILE *out)
{
    fprintf(out, _("Usage: usine grade EXERCISE.lua SUBMISSION.lua... [options]\n"
                   "Grade submissions headless, each in a confined child process.\n\n"
                   "  --format F   text (default), json (one object per line), junit, vpl, gradescope,\n"
                   "               classroom (vpl, gradescope and classroom take one submission)\n"
                   "  --jobs N     submissions graded at once (default and most: the processors)\n"
                   "  --out FILE   write there; each result is also appended to a journal as it comes\n"
                   "               (FILE itself with json, else FILE.jsonl), locked: a second grader on the\n"
                   "               same FILE stops at once; FILE must not be the exercise or a submission\n"
                   "  --resume     keep the results already in the journal, grade the others\n"
                   "  --lang fr|en language of titles, messages and hints\n"
                   "  --seed N     the exam's seed (1 or more; default $USINE_GRADE_SEED, else the practice\n"
                   "               seed): the cases the checks draw; the same seed, the same grade\n"
                   "  --feedback L full (practice: messages with expected values), hints (the default with\n"
                   "               a seed: what is wrong in kind, never the expected value) or score\n"
                   "               (points only); default $USINE_GRADE_FEEDBACK\n\n"
                   "Exit status: 0 every submission reached the pass mark, 1 some did not,\n"
                   "2 bad usage, a broken exercise or an unreadable submission.\n"
                   "Moodle VPL reads VPL_GRADEMIN and VPL_GRADEMAX (default 0 and 10).\n"));
}

/* Folders where usine.platform(name) looks: the presets, then the user's (for 'local'). */
static void platform_path(char *buf, size_t size)
{
    char presets[PATH_MAX] = "", user[PATH_MAX] = "";
    app_platform_dir(presets, sizeof presets);
    app_user_data_dir(user, sizeof user);
    snprintf(buf, size, "%s:%s", presets, user);
}

/* The grading seed and feedback level of a batch (--seed, --feedback, their variables). */
typedef struct exam {
    unsigned long long seed;    /* 0: the practice seed */
    ex_feedback feedback;
} exam;

static const exam practice = { 0, EX_FEEDBACK_FULL };

static int parse_seed(const char *v, const char *from, unsigned long long *seed)
{
    long x;
    if (ut_parse_long(v, 1, LONG_MAX, &x) != 0) {
        cli_error(_("%s %s: expected a whole number from 1 to %ld"), from, v, LONG_MAX);
        return -1;
    }
    *seed = (unsigned long long)x;
    return 0;
}

static int parse_feedback(const char *v, const char *from, ex_feedback *f)
{
    int k = ex_feedback_from_name(v);
    if (k < 0) {
        cli_error(_("%s %s: expected full, hints or score"), from, v);
        return -1;
    }
    *f = (ex_feedback)k;
    return 0;
}

/* Options win over the variables an LMS job sets; with a seed and no level, an exam: hints. */
static int exam_settings(const char *seed_opt, const char *feedback_opt, exam *x)
{
    *x = practice;
    const char *sv = seed_opt ? seed_opt : getenv("USINE_GRADE_SEED");
    const char *fv = feedback_opt ? feedback_opt : getenv("USINE_GRADE_FEEDBACK");
    if (sv && *sv && parse_seed(sv, seed_opt ? "--seed" : "USINE_GRADE_SEED", &x->seed) != 0) return -1;
    if (x->seed) x->feedback = EX_FEEDBACK_HINTS;
    if (fv && *fv && parse_feedback(fv, feedback_opt ? "--feedback" : "USINE_GRADE_FEEDBACK", &x->feedback) != 0) return -1;
    return 0;
}

static ex_exercise *load_exercise(const char *path, const exam *x)
{
    char pp[2 * PATH_MAX + 2], err[1024];
    platform_path(pp, sizeof pp);
    ex_host host = { .platform_path = pp, .seed = x->seed, .feedback = x->feedback };
    ex_exercise *e = ex_load(path, &host, err, sizeof err);
    if (!e) fprintf(stderr, "%s\n", err);
    return e;
}

/* ---- the batch state -------------------------------------------------------------------------- */

typedef struct gstate {
    fmt format;
    int n;
    const char *const *paths;
    gr_record *recs;            /* by submission index */
    unsigned char *have;
    int next_print;             /* streaming to stdout: the next index to print */
    int stream;                 /* print to stdout in submission order as records come */
    FILE *journal;
    const char *journal_path;
    int journal_failed;
} gstate;

/* The formats with one record after another: JSON Lines and text. */
static int write_one(fmt format, FILE *out, const gr_record *r)
{
    return format == FMT_JSON ? gr_write_jsonl(out, r) : gr_write_text(out, r);
}

static void print_ready(gstate *g)
{
    while (g->next_print < g->n && g->have[g->next_print]) {
        write_one(g->format, stdout, &g->recs[g->next_print++]);
        fflush(stdout);
    }
}

/* A record comes in: to the journal at once, then kept (it is ours now). */
static void on_record(void *ud, int index, gr_record *rec)
{
    gstate *g = ud;
    if (g->journal && !g->journal_failed) {
        if (gr_write_jsonl(g->journal, rec) != 0 || fflush(g->journal) != 0 || fdatasync(fileno(g->journal)) != 0) {
            cli_error(_("cannot write to %s: %s"), g->journal_path, strerror(errno));
            g->journal_failed = 1;
        }
    }
    gr_record_free(&g->recs[index]);
    g->recs[index] = *rec;
    g->have[index] = 1;
    if (g->stream) print_ready(g);
}

/* Reading the journal back. A record is kept for submission i when its key is i's: the exact
 * bytes of the path (path_hex; the "submission" field is cleaned, for display only) and the hash
 * of the file as it is now (an edited file is graded again). It must also be a record this
 * exercise could have given (grade_record_check) and not a verdict that was the machine's fault.
 * Bad lines are reported with file:line and their submissions graded again; the first kept
 * record of a key wins. */
typedef struct jstate {
    gstate *g;
    const ex_exercise *e;
    const char *path;
    char **hex, **hash;         /* by submission: its path's bytes; its file's hash, once computed */
    int records, rc;
} jstate;

static const char *current_hash(jstate *j, int i)
{
    if (!j->hash[i]) {
        char *text, why[256], h[GRADE_HASH_HEX + 1] = "";
        size_t len;
        if (ut_read_file(j->g->paths[i], (size_t)1 << 20, &text, &len, why, sizeof why) == 0) {
            grade_hash_text(text, len, h);
            free(text);
        }
        j->hash[i] = ut_strdup(h);              /* "": unreadable now, matches nothing */
    }
    return j->hash[i];
}

static void on_journal_line(void *ud, int line, gr_record *rec, const char *why)
{
    jstate *j = ud;
    gstate *g = j->g;
    char reason[300];
    if (!rec) {
        cli_error(_("%s:%d: %s: ignored, its submission is graded again"), j->path, line, why);
        return;
    }
    j->records++;
    if (j->rc == 0 && strcmp(rec->exercise, j->e->id) != 0) {
        cli_error(_("%s:%d: this journal holds results of exercise '%s', not '%s'"), j->path, line, rec->exercise,
                  j->e->id);
        j->rc = CLI_BAD_INPUT;
    } else if (grade_record_check(j->e, rec, reason, sizeof reason) != 0) {
        cli_error(_("%s:%d: %s: ignored, its submission is graded again"), j->path, line, reason);
    } else if (!rec->machine_fault && rec->path_hex && rec->content_hash) {
        /* The record goes to every submission not yet given one with that key (a path given
         * twice gets a copy of it). */
        int first = -1;
        const char *key = rec->path_hex, *hash = rec->content_hash;   /* stay valid: moved, not freed */
        for (int i = 0; i < g->n; i++) {
            if (g->have[i] || strcmp(j->hex[i], key) != 0 || strcmp(current_hash(j, i), hash) != 0)
                continue;
            if (first < 0) {
                g->recs[i] = *rec;
                gr_record_init(rec);
                first = i;
            } else {
                cJSON *o = gr_record_to_json(&g->recs[first]);
                if (!o || gr_record_from_json(o, &g->recs[i], reason, sizeof reason) != 0) {
                    cJSON_Delete(o);
                    continue;
                }
                cJSON_Delete(o);
            }
            g->have[i] = 1;
        }
    }
    gr_record_free(rec);
}
/* Read the journal at path (a missing one holds nothing); a last line cut short is removed from
 * the file. *missing_newline: the last record lost its newline (add one before appending).
 * Returns 0, or an exit status. */
static int read_journal(gstate *g, const char *path, const ex_exercise *e, int *missing_newline)
{
    char *text, why[256];
    size_t len;
    struct stat st;
    *missing_newline = 0;
    if (stat(path, &st) != 0 && errno == ENOENT) return 0;    /* nothing graded yet */
    if (ut_read_file(path, (size_t)1 << 30, &text, &len, why, sizeof why) != 0) {
        cli_error("%s: %s", path, why);
        return CLI_BAD_INPUT;
    }
    jstate j = { .g = g, .e = e, .path = path };
    j.hex = ut_calloc((size_t)g->n, sizeof *j.hex);
    j.hash = ut_calloc((size_t)g->n, sizeof *j.hash);
    for (int i = 0; i < g->n; i++) j.hex[i] = grade_hex(g->paths[i], strlen(g->paths[i]));
    size_t good_end = gr_journal_parse(text, len, on_journal_line, &j, missing_newline);
    int rc = j.rc;
    if (rc == 0 && j.records == 0 && good_end > 0) {
        cli_error(_("%s: not a journal of grades (no line is a grade record); name another --out"), path);
        rc = CLI_BAD_INPUT;
    }
    for (int i = 0; i < g->n; i++) free(j.hex[i]), free(j.hash[i]);
    free(j.hex);
    free(j.hash);
    free(text);
    if (rc == 0 && good_end < len && truncate(path, (off_t)good_end) != 0) {
        cli_error(_("cannot repair %s: %s"), path, strerror(errno));
        rc = CLI_BAD_INPUT;
    }
    return rc;
}

static int write_whole(gstate *g, FILE *out, const char *exercise_id, double gmin, double gmax)
{
    int rc = 0;
    switch (g->format) {
    case FMT_JUNIT: {
        const gr_record **list = ut_calloc((size_t)g->n, sizeof *list);
        int k = 0;
        for (int i = 0; i < g->n; i++)
            if (g->have[i]) list[k++] = &g->recs[i];
        rc = gr_write_junit(out, list, k, exercise_id);
        free(list);
        break;
    }
    case FMT_VPL: rc = gr_write_vpl(out, &g->recs[0], gmin, gmax); break;
    case FMT_GRADESCOPE: rc = gr_write_gradescope(out, &g->recs[0]); break;
    case FMT_CLASSROOM: rc = gr_write_classroom(out, &g->recs[0]); break;
    case FMT_JSON:
    case FMT_TEXT:
        for (int i = 0; i < g->n && rc == 0; i++)
            if (g->have[i]) rc = write_one(g->format, out, &g->recs[i]);
        break;
    }
    return rc;
}

/* ---- where results go -------------------------------------------------------------------------

 * --out must name a regular file (or none yet) that is neither the exercise nor a submission: a
 * FIFO would block the grader, a device would be replaced by the final rename (as root), and a
 * submission or the exercise would be truncated before it is read. Files are compared by device
 * and inode (a hard link or another spelling of the same path is the same file) and, for a file
 * that does not exist yet, by name. A symbolic link is written through: the journal is opened
 * through it and the final output renamed onto its target, so the link stays. The journal is
 * locked (flock, exclusive, non-blocking) from before it is read until the batch ends, so that
 * a second grader on the same --out stops at once with a message instead of mixing records. */
static int check_output(const char *path, const char *exercise, const char *const *subs, int nsubs)
{
    struct stat st, other;
    if (stat(path, &st) != 0) {
        struct stat lst;
        if (errno != ENOENT) {
            cli_error(_("cannot use --out %s: %s"), path, strerror(errno));
            return -1;
        }
        if (lstat(path, &lst) == 0) {
            cli_error(_("--out %s is a symbolic link to a file that does not exist"), path);
            return -1;
        }
        for (int i = -1; i < nsubs; i++)
            if (!strcmp(path, i < 0 ? exercise : subs[i])) {
                cli_error(_("--out %s is also the exercise or a submission: name another file"), path);
                return -1;
            }
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        cli_error(_("--out %s is not a regular file (a FIFO, a device or a folder): name a file"), path);
        return -1;
    }
    if (stat(exercise, &other) == 0 && other.st_dev == st.st_dev && other.st_ino == st.st_ino) {
        cli_error(_("--out %s is the exercise %s: it would be overwritten"), path, exercise);
        return -1;
    }
    for (int i = 0; i < nsubs; i++)
        if (stat(subs[i], &other) == 0 && other.st_dev == st.st_dev && other.st_ino == st.st_ino) {
            cli_error(_("--out %s is the submission %s: it would be overwritten"), path, subs[i]);
            return -1;
        }
    return 0;
}

/* The journal, opened for appending (keep) or emptied, locked. NULL after a message. */
static FILE *open_journal(const char *path, int keep)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd < 0) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_error(_("--out %s is not a regular file (a FIFO, a device or a folder): name a file"), path);
        close(fd);
        return NULL;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) cli_error(_("another grader is writing %s: wait for it to finish, or name another --out"), path);
        else cli_error(_("cannot lock %s: %s"), path, strerror(errno));
        close(fd);
        return NULL;
    }
    FILE *f = NULL;
    if (fcntl(fd, F_SETFL, 0) != 0 || (!keep && ftruncate(fd, 0) != 0) || !(f = fdopen(fd, "a"))) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        close(fd);
        return NULL;
    }
    return f;
}

/* Write the whole output to path through a temporary file and a rename: never half a file. A
 * symbolic link is followed: its target is replaced, the link stays. */
static int write_file_atomic(gstate *g, const char *path, const char *exercise_id, double gmin, double gmax)
{
    char target[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 16];
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (!realpath(path, target)) {
            cli_error(_("cannot write %s: %s"), path, strerror(errno));
            return -1;
        }
    } else {
        ut_strlcpy(target, path, sizeof target);
    }
    if (lstat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
        cli_error(_("--out %s is not a regular file (a FIFO, a device or a folder): name a file"), path);
        return -1;
    }
    ut_strlcpy(dir, target, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash) slash[1] = '\0';
    else dir[0] = '\0';
    snprintf(tmp, sizeof tmp, "%s.usine-out-XXXXXX", dir);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        cli_error(_("cannot write %s: %s"), tmp, strerror(errno));
        if (fd >= 0) close(fd), unlink(tmp);
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    int rc = write_whole(g, f, exercise_id, gmin, gmax);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) rc = -1;
    if (fclose(f) != 0) rc = -1;
    if (rc == 0 && rename(tmp, target) != 0) rc = -1;
    if (rc != 0) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

static int parse_grade_range(double *gmin, double *gmax)
{
    const char *v;
    *gmin = 0;
    *gmax = 10;
    if ((v = getenv("VPL_GRADEMIN")) && *v && ut_parse_double(v, gmin) != 0) {
        cli_error(_("VPL_GRADEMIN=%s is not a number"), v);
        return -1;
    }
    if ((v = getenv("VPL_GRADEMAX")) && *v && ut_parse_double(v, gmax) != 0) {
        cli_error(_("VPL_GRADEMAX=%s is not a number"), v);
        return -1;
    }
    if (!(*gmax > *gmin)) {
        char a[48], b[48];
        cli_error(_("VPL_GRADEMAX (%s) must be above VPL_GRADEMIN (%s)"), app_g(a, sizeof a, *gmax), app_g(b, sizeof b, *gmin));
        return -1;
    }
    return 0;
}

int cmd_grade(int argc, char **argv)
{
    const char *exercise = NULL, *out = NULL, *seed_opt = NULL, *feedback_opt = NULL;
    const char **subs = ut_calloc((size_t)argc, sizeof *subs);
    int nsubs = 0, resume = 0, rc = CLI_OK;
    long jobs = grade_cpus();
    fmt format = FMT_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            grade_usage(stdout);
            free(subs);
            return CLI_OK;
        } else if (!strcmp(a, "--resume")) {
            resume = 1;
        } else if (!strcmp(a, "--format") || !strcmp(a, "--jobs") || !strcmp(a, "--out") || !strcmp(a, "--lang") ||
                   !strcmp(a, "--seed") || !strcmp(a, "--feedback")) {
            if (i + 1 >= argc) {
                cli_error(_("%s needs a value"), a);
                rc = CLI_BAD_INPUT;
                goto done;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--format")) {
                size_t k = 0;
                while (k < sizeof fmt_names / sizeof *fmt_names && strcmp(v, fmt_names[k])) k++;
                if (k == sizeof fmt_names / sizeof *fmt_names) {
                    cli_error(_("--format %s: expected text, json, junit, vpl, gradescope or classroom"), v);
                    rc = CLI_BAD_INPUT;
                    goto done;
                }
                format = (fmt)k;
            } else if (!strcmp(a, "--jobs")) {
                if (ut_parse_long(v, 1, 256, &jobs) != 0) {
                    cli_error(_("--jobs %s: expected a whole number from 1 to 256"), v);
                    rc = CLI_BAD_INPUT;
                    goto done;
                }
            } else if (!strcmp(a, "--out")) {
                out = v;
            } else if (!strcmp(a, "--seed")) {
                seed_opt = v;
            } else if (!strcmp(a, "--feedback")) {
                feedback_opt = v;
            } else {
                if (strcmp(v, "fr") && strcmp(v, "en")) {
                    cli_error(_("--lang takes fr or en"));
                    rc = CLI_BAD_INPUT;
                    goto done;
                }
                app_init_language(v);
            }
        } else if (a[0] == '-' && a[1]) {
            cli_error(_("unknown option '%s'; see 'usine grade --help'"), a);
            rc = CLI_BAD_INPUT;
            goto done;
        } else if (!exercise) {
            exercise = a;
        } else {
            subs[nsubs++] = a;
        }
    }
    exam x;
    if (exam_settings(seed_opt, feedback_opt, &x) != 0) {
        rc = CLI_BAD_INPUT;
        goto done;
    }
    if (!exercise || nsubs == 0) {
        cli_error(_("give an exercise file and at least one submission; see 'usine grade --help'"));
        rc = CLI_BAD_INPUT;
        goto done;
    }
    if ((format == FMT_VPL || format == FMT_GRADESCOPE || format == FMT_CLASSROOM) && nsubs != 1) {
        cli_error(_("--format %s grades one submission at a time (the platform runs one per student); got %d"),
                  fmt_names[format], nsubs);
        rc = CLI_BAD_INPUT;
        goto done;
    }
    if (resume && !out) {
        cli_error(_("--resume needs --out FILE: the journal of the interrupted batch is next to it"));
        rc = CLI_BAD_INPUT;
        goto done;
    }
    if (jobs > grade_cpus()) {
        /* Limits count processor time, so more children than processors would only be slower. */
        fprintf(stderr, _("usine grade: --jobs %ld is more than the %d processors this process may use: grading %d at a time\n"),
                jobs, grade_cpus(), grade_cpus());
        jobs = grade_cpus();
    }
    double gmin = 0, gmax = 10;
    if (format == FMT_VPL && parse_grade_range(&gmin, &gmax) != 0) {
        rc = CLI_BAD_INPUT;
        goto done;
    }
    if (out) {
        char journal_name[PATH_MAX];
        snprintf(journal_name, sizeof journal_name, "%s.jsonl", out);
        if (check_output(out, exercise, subs, nsubs) != 0 ||
            (format != FMT_JSON && check_output(journal_name, exercise, subs, nsubs) != 0)) {
            rc = CLI_BAD_INPUT;
            goto done;
        }
    }
    grade_fixed_locale();                      /* exercise code runs here too */
    ex_exercise *e = load_exercise(exercise, &x);
    if (!e) {
        rc = CLI_BAD_INPUT;
        goto done;
    }

    gstate g = { .format = format, .n = nsubs, .paths = subs };
    g.recs = ut_calloc((size_t)nsubs, sizeof *g.recs);
    g.have = ut_calloc((size_t)nsubs, 1);
    char journal[PATH_MAX];
    if (out) {
        snprintf(journal, sizeof journal, format == FMT_JSON ? "%s" : "%s.jsonl", out);
        g.journal_path = journal;
        int missing_newline = 0;
        g.journal = open_journal(journal, resume);  /* locked before it is read */
        if (!g.journal) rc = CLI_BAD_INPUT;
        if (rc == CLI_OK && resume) rc = read_journal(&g, journal, e, &missing_newline);
        if (rc == CLI_OK && resume) {
            int kept = 0;
            for (int i = 0; i < nsubs; i++) kept += g.have[i];
            printf(_("journal %s: %d kept, %d to grade\n"), journal, kept, nsubs - kept);
            fflush(stdout);
        }
        if (rc == CLI_OK && missing_newline && (fputc('\n', g.journal) == EOF || fflush(g.journal) != 0)) {
            cli_error(_("cannot write %s: %s"), journal, strerror(errno));
            rc = CLI_BAD_INPUT;
        }
    } else {
        g.stream = format == FMT_TEXT || format == FMT_JSON;
    }
    int unreadable = 0;
    if (rc == CLI_OK) {
        unsigned char *skip = ut_calloc((size_t)nsubs, 1);
        memcpy(skip, g.have, (size_t)nsubs);
        grade_batch b = { .exercise = e, .paths = subs, .n = nsubs, .skip = skip, .jobs = (int)jobs,
                          .lang = app_lang(), .emit = on_record, .ud = &g };
        char err[300];
        unreadable = grade_run(&b, err, sizeof err);
        free(skip);
        if (unreadable < 0) {
            cli_error("%s", err);
            rc = CLI_BAD_INPUT;
        }
    }
    if (rc == CLI_OK) {
        if (out && format != FMT_JSON) {               /* still under the journal's lock */
            if (write_file_atomic(&g, out, e->id, gmin, gmax) != 0) rc = CLI_BAD_INPUT;
        } else if (!out && !g.stream) {
            if (write_whole(&g, stdout, e->id, gmin, gmax) != 0) rc = CLI_BAD_INPUT;
        }
    }
    if (g.journal && fclose(g.journal) != 0) g.journal_failed = 1;   /* and the lock goes */
    if (rc == CLI_OK) {
        int graded = 0, passed = 0;
        for (int i = 0; i < nsubs; i++) {
            graded += g.have[i];
            passed += g.have[i] && g.recs[i].passed;
        }
        if (out) {
            printf(P_("%d submission graded, %d reached the pass mark: %s\n",
                      "%d submissions graded, %d reached the pass mark: %s\n", graded),
                   graded, passed, out);
        } else if (format == FMT_TEXT && nsubs > 1) {   /* a class's batch on the terminal: its total last */
            printf(P_("\n%d submission graded, %d reached the pass mark\n", "\n%d submissions graded, %d reached the pass mark\n", graded),
                   graded, passed);
        }
        if (g.journal_failed || unreadable > 0 || graded < nsubs) rc = CLI_BAD_INPUT;
        else if (passed < nsubs) rc = CLI_FAILED;
    }
    for (int i = 0; i < nsubs; i++) gr_record_free(&g.recs[i]);
    free(g.recs);
    free(g.have);
    ex_free(e);
done:
    free(subs);
    return rc;
}

/* ---- usine course check|list ------------------------------------------------------------------ */

static void course_usage(FILE *out)
{
    fprintf(out, _("Usage: usine course check DIR [--solutions DIR]\n"
                   "       usine course list DIR [--json]\n"
                   "check: every exercise loads, has French and English everywhere, its reference\n"
                   "solution gets full marks and its starter code does not. Solutions are looked for in\n"
                   "--solutions, else in tests/solutions/<course folder> of the source tree.\n"
                   "list: the exercises in course order.\n"));
}

static int course_list(const ex_course *c, int json)
{
    cJSON *root = json ? cJSON_CreateObject() : NULL, *arr = NULL;
    if (json) {
        cJSON *course = cJSON_AddObjectToObject(root, "course");
        cJSON_AddStringToObject(course, "id", c->id);
        cJSON *t = cJSON_AddObjectToObject(course, "title");
        cJSON_AddStringToObject(t, "fr", c->title.fr);
        cJSON_AddStringToObject(t, "en", c->title.en);
        arr = cJSON_AddArrayToObject(root, "exercises");
    } else {
        printf("%s\n\n", ex_text_in(&c->title, app_lang()));
    }
    int rc = CLI_OK;
    for (int i = 0; i < c->nfiles; i++) {
        ex_exercise *e = load_exercise(c->files[i], &practice);
        if (!e) {
            rc = CLI_BAD_INPUT;
            continue;
        }
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", e->id);
            cJSON *t = cJSON_AddObjectToObject(o, "title");
            cJSON_AddStringToObject(t, "fr", e->title.fr);
            cJSON_AddStringToObject(t, "en", e->title.en);
            cJSON_AddNumberToObject(o, "minutes", e->minutes);
            cJSON_AddNumberToObject(o, "difficulty", e->difficulty);
            cJSON_AddNumberToObject(o, "points", e->max_points);
            cJSON_AddItemToArray(arr, o);
        } else {
            char idp[64], num[32], mins[64], stars[32] = "";
            for (int k = 1; k <= 5; k++) strcat(stars, k <= e->difficulty ? "●" : "○");
            app_num(num, sizeof num, e->minutes, 0);
            printf("%2d. %s %s min  %s  %s\n", i + 1, ut_pad(idp, sizeof idp, e->id, 16),
                   ut_pad(mins, sizeof mins, num, -4), stars, ex_text_in(&e->title, app_lang()));
        }
        ex_free(e);
    }
    if (json) {
        if (rc == CLI_OK) cli_print_json(root, "usine.course.list/1");
        else cJSON_Delete(root);
    }
    return rc;
}

static char *read_text(const char *path, char *why, size_t n)
{
    char *text;
    size_t len;
    return ut_read_file(path, (size_t)1 << 20, &text, &len, why, n) == 0 ? text : NULL;
}

typedef struct pair_state { gr_record recs[2]; } pair_state;

static void keep_record(void *ud, int index, gr_record *rec)
{
    pair_state *p = ud;
    p->recs[index] = *rec;
}

static int course_check(const ex_course *c, const char *solutions)
{
    int rc = CLI_OK;
    for (int i = 0; i < c->nfiles; i++) {
        ex_exercise *e = load_exercise(c->files[i], &practice);
        if (!e) {
            rc = CLI_BAD_INPUT;
            continue;
        }
        char sol[PATH_MAX], why[256];
        snprintf(sol, sizeof sol, "%s/%s.lua", solutions, e->id);
        char *sol_text = read_text(sol, why, sizeof why);
        if (!sol_text) {
            cli_error(_("%s: no reference solution for exercise '%s' (%s: %s)"), c->files[i], e->id, sol, why);
            rc = CLI_BAD_INPUT;
            ex_free(e);
            continue;
        }
        const char *paths[2] = { sol, "starter.lua" };
        const char *texts[2] = { sol_text, e->starter };
        pair_state p;
        gr_record_init(&p.recs[0]);
        gr_record_init(&p.recs[1]);
        grade_batch b = { .exercise = e, .paths = paths, .texts = texts, .n = 2, .jobs = 2, .lang = app_lang(),
                          .emit = keep_record, .ud = &p };
        char err[300];
        if (grade_run(&b, err, sizeof err) < 0) {
            cli_error("%s", err);
            rc = CLI_BAD_INPUT;
        } else {
            const gr_record *s = &p.recs[0], *st = &p.recs[1];
            int sol_ok = s->score >= s->max - 1e-9 && !s->error;
            int starter_ok = st->score < st->max - 1e-9;
            char a[32], b2[32], m[32];
            printf("%s %-14s %s %s/%s, %s %s/%s  %s\n", sol_ok && starter_ok ? "✓" : "✗", e->id, _("solution"),
                   app_num(a, sizeof a, s->score, 1), app_num(m, sizeof m, s->max, 1), _("starter"),
                   app_num(b2, sizeof b2, st->score, 1), m, ex_text_in(&e->title, app_lang()));
            if (!sol_ok) {
                printf(_("    the reference solution does not get full marks:\n"));
                gr_write_text(stdout, s);
                rc = rc == CLI_OK ? CLI_FAILED : rc;
            }
            if (!starter_ok) {
                printf(_("    the starter code gets full marks: a student would have nothing to do\n"));
                rc = rc == CLI_OK ? CLI_FAILED : rc;
            }
            char parts[400];
            if (ex_answer_parts(e, sol_text, strlen(sol_text), parts, sizeof parts) > 0)
                printf(_("    warning: the checks compute with %s, which submissions may call too: a submission\n"
                         "    could ask it for the answer (leave it out of the exercise's 'allow' list)\n"), parts);
        }
        gr_record_free(&p.recs[0]);
        gr_record_free(&p.recs[1]);
        free(sol_text);
        ex_free(e);
    }
    return rc;
}

int cmd_course(int argc, char **argv)
{
    const char *action = NULL, *dir = NULL, *solutions = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            course_usage(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--solutions")) {
            if (i + 1 >= argc) {
                cli_error(_("%s needs a value"), a);
                return CLI_BAD_INPUT;
            }
            solutions = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            cli_error(_("unknown option '%s'; see 'usine course --help'"), a);
            return CLI_BAD_INPUT;
        } else if (!action) {
            action = a;
        } else if (!dir) {
            dir = a;
        } else {
            cli_error(_("unexpected argument '%s'; see 'usine course --help'"), a);
            return CLI_BAD_INPUT;
        }
    }
    if (!action || !dir || (strcmp(action, "check") && strcmp(action, "list"))) {
        cli_error(_("expected 'usine course check DIR' or 'usine course list DIR'"));
        return CLI_BAD_INPUT;
    }
    char err[1024];
    ex_course *c = ex_course_load(dir, err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return CLI_BAD_INPUT;
    }
    int rc;
    if (!strcmp(action, "list")) {
        rc = course_list(c, json);
    } else {
        char sol[PATH_MAX];
        if (solutions) {
            ut_strlcpy(sol, solutions, sizeof sol);
        } else {
            /* courses/<name> in the source tree has its solutions in tests/solutions/<name>. */
            char real[PATH_MAX];
            const char *base = strrchr(realpath(dir, real) ? real : dir, '/');
            snprintf(sol, sizeof sol, "%s/../../tests/solutions/%s", dir, base ? base + 1 : dir);
        }
        rc = course_check(c, sol);
    }
    ex_course_free(c);
    return rc;
}
