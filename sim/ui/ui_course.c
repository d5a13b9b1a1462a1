/* ui_course.c: the course panel's state (see ui_course.h): the work folder, watching the
 * student's file, grading it on a thread, progress across sessions, the student's editor.
 *
 * Files the student cares about are never lost: the work file is created only where there is
 * none (a temporary file hard-linked into place, which fails rather than replace anything), the
 * progress file is replaced atomically (temporary file, fsync, rename), and a damaged progress
 * file is set aside under a name that is free, never deleted. */
#define _GNU_SOURCE 1 /* renameat2, POSIX_SPAWN_SETSID */
#include "ui_course.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

#define UI_MAX_PROGRESS_BYTES (16u << 20)
#define UI_MAX_PROGRESS_POINTS 1e9      /* far above any exercise's points */
#define UI_MAX_ATTEMPTS 1000000000      /* the count of checks saturates here instead of wrapping */

/* ---- files and folders ------------------------------------------------------------------------ */

int ui_data_dir(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/') n = snprintf(buf, size, "%s/usine", xdg);
    else if (home && *home) n = snprintf(buf, size, "%s/.local/share/usine", home);
    else return -1;
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int bad_id(const char *id)
{
    if (!id || !*id || !strcmp(id, ".") || !strcmp(id, "..")) return 1;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7F) return 1;
    return 0;
}

int ui_work_path(const char *course_id, const char *exercise_id, char *buf, size_t size)
{
    char dir[4096];
    if (bad_id(course_id) || bad_id(exercise_id) || ui_data_dir(dir, sizeof dir) != 0) return -1;
    int n = snprintf(buf, size, "%s/work/%s/%s.lua", dir, course_id, exercise_id);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* mkdir -p with mode for the folders it creates. 0, or -1 with errno set. */
static int make_dirs(const char *dir, mode_t mode)
{
    char p[4096];
    if (ut_strlcpy(p, dir, sizeof p) >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    size_t len = strlen(p);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char c = p[i];
        p[i] = '\0';
        struct stat st;
        if (mkdir(p, mode) != 0) {
            if (errno != EEXIST) return -1;
            if (stat(p, &st) != 0) return -1;
            if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                return -1;
            }
        }
        p[i] = c;
    }
    return 0;
}

/* The folder of path ("." when it has none). */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) ut_strlcpy(buf, ".", size);
    else if (slash == path) ut_strlcpy(buf, "/", size);
    else snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* A new temporary file next to path holding (text, len), synced; its name in tmp. fd closed.
 * 0, or -1 with errno set. */
static int write_temp(const char *path, const char *text, size_t len, mode_t mode, char *tmp, size_t tmp_size)
{
    if ((size_t)snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", path) >= tmp_size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) rc = -1;
        else off += (size_t)w;
    }
    if (rc == 0 && fchmod(fd, mode) != 0) rc = -1;
    if (rc == 0 && fsync(fd) != 0) rc = -1;
    int saved = errno;
    if (close(fd) != 0 && rc == 0) {
        saved = errno;
        rc = -1;
    }
    if (rc != 0) {
        unlink(tmp);
        errno = saved;
    }
    return rc;
}

/* Give tmp the name path unless something already has it: 0 done, 1 path exists (tmp left),
 * -1 with errno. A hard link cannot replace a file; file systems without hard links get
 * renameat2's RENAME_NOREPLACE. */
static int place_no_clobber(const char *tmp, const char *path)
{
    if (link(tmp, path) == 0) {
        unlink(tmp);
        return 0;
    }
    if (errno == EEXIST) return 1;
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != EMLINK && errno != ENOSYS) return -1;
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) return 0;
    return errno == EEXIST ? 1 : -1;
}

int ui_work_create(const char *path, const char *starter_text, char *err, size_t n)
{
    struct stat st;
    char dir[4096], tmp[4200];
    if (!path || !*path) {
        snprintf(err, n, _("no file name"));
        return -1;
    }
    if (lstat(path, &st) == 0) return 0;
    if (errno != ENOENT) {
        snprintf(err, n, _("cannot write %s: %s"), path, strerror(errno));
        return -1;
    }
    dir_of(path, dir, sizeof dir);
    if (make_dirs(dir, 0700) != 0) {
        snprintf(err, n, _("cannot create the folder '%s': %s"), dir, strerror(errno));
        return -1;
    }
    const char *text = starter_text ? starter_text : "";
    if (write_temp(path, text, strlen(text), 0644, tmp, sizeof tmp) != 0) {
        snprintf(err, n, _("cannot write %s: %s"), path, strerror(errno));
        return -1;
    }
    int rc = place_no_clobber(tmp, path);
    int saved = errno;
    if (rc != 0) unlink(tmp);
    if (rc < 0) {
        snprintf(err, n, _("cannot write %s: %s"), path, strerror(saved));
        return -1;
    }
    sync_dir(dir);
    return rc == 0 ? 1 : 0;
}

/* ---- watching --------------------------------------------------------------------------------- */

static void watch_read(ui_watch *w, int *exists, struct stat *st)
{
    *exists = stat(w->path, st) == 0;
}

int ui_watch_init(ui_watch *w, const char *path)
{
    memset(w, 0, sizeof *w);
    if (!path || ut_strlcpy(w->path, path, sizeof w->path) >= sizeof w->path) return -1;
    struct stat st;
    watch_read(w, &w->exists, &st);
    if (w->exists) {
        w->dev = st.st_dev;
        w->ino = st.st_ino;
        w->size = st.st_size;
        w->mtime = st.st_mtim;
    }
    return 0;
}

int ui_watch_changed(ui_watch *w)
{
    struct stat st;
    int exists;
    watch_read(w, &exists, &st);
    if (!exists) {
        if (!w->exists) return 0;
        w->exists = 0;
        return 1;                                /* deleted: said once */
    }
    int changed = !w->exists || st.st_dev != w->dev || st.st_ino != w->ino || st.st_size != w->size ||
                  st.st_mtim.tv_sec != w->mtime.tv_sec || st.st_mtim.tv_nsec != w->mtime.tv_nsec;
    w->exists = 1;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    w->size = st.st_size;
    w->mtime = st.st_mtim;
    return changed;
}

/* ---- the checker ------------------------------------------------------------------------------ */

/* The checker grades by running the grader program itself, `usine grade EXERCISE FILE --format
 * json`, as a new process (posix_spawn, then exec at once). It does not fork the app: after a fork,
 * a process that has other threads (the window, the simulation) may call only async-signal-safe
 * functions until it execs, and a grading child runs Lua, malloc and libxml2, whose locks another
 * thread may hold at that instant. The record comes back as the JSON line the grader prints. */

typedef struct job {
    char *exercise_path, *exercise_id, *path, *lang;
} job;

struct ui_checker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    job *queued;
    int running, quit;
    gr_record ready;
    int have_ready;
    /* the thread's own */
    char *grader;               /* the usine program */
};

static void job_free(job *j)
{
    if (!j) return;
    free(j->exercise_path);
    free(j->exercise_id);
    free(j->path);
    free(j->lang);
    free(j);
}

static char *clean_str(const char *s)
{
    return gr_clean_text(s, strlen(s), 0);
}

/* A record that holds an error alone (no check could be listed). */
static void error_record(const job *j, const char *why, gr_record *rec)
{
    gr_record_init(rec);
    rec->submission = clean_str(j->path);
    rec->exercise = clean_str(j->exercise_id);
    rec->lang = ut_strdup(strcmp(j->lang, "en") == 0 ? "en" : "fr");
    rec->error = clean_str(why);
    rec->output = ut_strdup("");
}

/* A growing buffer that keeps at most max bytes of what is appended (the rest is dropped). */
typedef struct sink { char *buf; size_t n, cap, max; } sink;

static void sink_add(sink *k, const char *p, size_t len)
{
    if (k->n + len > k->max) len = k->max - k->n;
    ut_grow(&k->buf, &k->cap, k->n + len + 1, 1);
    memcpy(k->buf + k->n, p, len);
    k->n += len;
    k->buf[k->n] = '\0';
}

/* Read the grader's stdout and stderr to their ends, both at once (either may fill its pipe
 * while the other is being read). The buffers are malloc'ed and NUL-terminated. */
static void read_both(int out_fd, int err_fd, char **out, char **err)
{
    sink k[2] = { { NULL, 0, 0, 4u << 20 }, { NULL, 0, 0, 16384 } };
    struct pollfd fds[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
    int open_fds = 2;
    while (open_fds) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char chunk[4096];
            ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                fds[i].fd = -1;
                open_fds--;
            } else
                sink_add(&k[i], chunk, (size_t)got);
        }
    }
    sink_add(&k[0], "", 0), sink_add(&k[1], "", 0);   /* never NULL */
    *out = k[0].buf, *err = k[1].buf;
}

static void check_one(ui_checker *c, const job *j, gr_record *rec)
{
    char msg[1200];
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
        snprintf(msg, sizeof msg, _("cannot start the grader: %s"), strerror(errno));
        error_record(j, msg, rec);
        return;
    }
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]), close(out[1]);
        snprintf(msg, sizeof msg, _("cannot start the grader: %s"), strerror(errno));
        error_record(j, msg, rec);
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    char *argv[] = { c->grader, "grade", j->exercise_path, j->path, "--format", "json", "--jobs", "1", "--lang", j->lang, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, c->grader, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]), close(err[0]);
        snprintf(msg, sizeof msg, _("cannot start the grader %s: %s"), c->grader, strerror(rc));
        error_record(j, msg, rec);
        return;
    }
    /* stderr is small (a message); read it after stdout, which the grader writes once at the end */
    char *text, *errs;
    read_both(out[0], err[0], &text, &errs);
    close(out[0]);
    close(err[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    cJSON *o = cJSON_Parse(text);
    char why[256] = "";
    gr_record_init(rec);
    if (!o || gr_record_from_json(o, rec, why, sizeof why) != 0) {
        /* no record: the exercise does not load, or the grader died; its message says why */
        gr_record_free(rec);
        size_t len = strcspn(errs, "\n");
        errs[len] = '\0';
        const char *m = !strncmp(errs, "usine: ", 7) ? errs + 7 : errs;
        if (*m) snprintf(msg, sizeof msg, _("cannot load the exercise: %s"), m);
        else snprintf(msg, sizeof msg, "%s", _("the grading process returned no result"));
        error_record(j, msg, rec);
    }
    cJSON_Delete(o);
    free(text);
    free(errs);
}

static void *checker_main(void *arg)
{
    ui_checker *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->quit && !c->queued) pthread_cond_wait(&c->cv, &c->mu);
        if (c->quit) break;
        job *j = c->queued;
        c->queued = NULL;
        c->running = 1;
        pthread_mutex_unlock(&c->mu);

        gr_record rec;
        check_one(c, j, &rec);
        job_free(j);

        pthread_mutex_lock(&c->mu);
        c->running = 0;
        if (c->queued) {
            gr_record_free(&rec);                /* a newer submission supersedes it */
        } else {
            gr_record_free(&c->ready);
            c->ready = rec;
            c->have_ready = 1;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

ui_checker *ui_checker_create(const char *grader)
{
    if (!grader || !*grader) return NULL;
    ui_checker *c = ut_calloc(1, sizeof *c);
    c->grader = ut_strdup(grader);
    gr_record_init(&c->ready);
    int have_mu = 0, have_cv = 0;
    if (pthread_mutex_init(&c->mu, NULL) != 0) goto fail;
    have_mu = 1;
    if (pthread_cond_init(&c->cv, NULL) != 0) goto fail;
    have_cv = 1;
    if (pthread_create(&c->thread, NULL, checker_main, c) != 0) goto fail;
    return c;
fail:
    if (have_cv) pthread_cond_destroy(&c->cv);
    if (have_mu) pthread_mutex_destroy(&c->mu);
    free(c->grader);
    free(c);
    return NULL;
}

int ui_checker_submit(ui_checker *c, const ex_exercise *e, const char *path, const char *lang)
{
    if (!c || !e || !e->path || !path) return -1;
    job *j = ut_calloc(1, sizeof *j);
    j->exercise_path = ut_strdup(e->path);
    j->exercise_id = ut_strdup(e->id ? e->id : "");
    j->path = ut_strdup(path);
    j->lang = ut_strdup(lang && !strcmp(lang, "en") ? "en" : "fr");
    pthread_mutex_lock(&c->mu);
    job_free(c->queued);                         /* replaced by the newer one */
    c->queued = j;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

int ui_checker_poll(ui_checker *c, gr_record *out)
{
    if (!c || !out) return 0;
    int got = 0;
    pthread_mutex_lock(&c->mu);
    if (c->have_ready) {
        *out = c->ready;
        gr_record_init(&c->ready);
        c->have_ready = 0;
        got = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return got;
}

int ui_checker_busy(const ui_checker *c)
{
    if (!c) return 0;
    ui_checker *m = (ui_checker *)c;             /* the lock changes, the checker does not */
    pthread_mutex_lock(&m->mu);
    int busy = m->running || m->queued != NULL;
    pthread_mutex_unlock(&m->mu);
    return busy;
}

void ui_checker_destroy(ui_checker *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->quit = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    job_free(c->queued);
    gr_record_free(&c->ready);
    free(c->grader);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* ---- progress --------------------------------------------------------------------------------- */

/* The file: {"version": 1, "courses": {COURSE: {EXERCISE: {"best", "max", "last", "passed",
 * "attempts", "last_checked"}}}}. Kept as a cJSON tree, so that keys written by a later version
 * survive a round trip. */
struct ui_progress {
    char *path;                 /* NULL: no place to save it */
    cJSON *root;
    int no_save;                /* the file could not be read: do not replace it */
    char *why_no_save;
};

int ui_progress_path(char *buf, size_t size)
{
    char dir[4096];
    if (ui_data_dir(dir, sizeof dir) != 0) return -1;
    int n = snprintf(buf, size, "%s/progress.json", dir);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static cJSON *empty_progress(void)
{
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddNumberToObject(root, "version", 1) || !cJSON_AddObjectToObject(root, "courses")) abort();
    return root;
}

static int is_num(const cJSON *o, const char *key)
{
    return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* A number a progress file may hold for key: present, finite and within [lo, hi]. */
static int num_in(const cJSON *o, const char *key, double lo, double hi)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi;
}

/* The shape of a progress file: NULL when it is one, else what is wrong. A file edited by hand
 * (or by a student hoping for a better mark) must not feed a wrapped counter or a best score above
 * the maximum into the window. */
static const char *progress_problem(const cJSON *root)
{
    const cJSON *courses = cJSON_GetObjectItemCaseSensitive(root, "courses");
    if (!cJSON_IsObject(root) || !cJSON_IsObject(courses)) return _("not a progress file");
    const cJSON *course, *ex;
    cJSON_ArrayForEach(course, courses) {
        if (!cJSON_IsObject(course)) return _("not a progress file");
        cJSON_ArrayForEach(ex, course) {
            if (!cJSON_IsObject(ex) || !is_num(ex, "best") || !is_num(ex, "max") || !is_num(ex, "last") ||
                !is_num(ex, "last_checked") || !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(ex, "passed")))
                return _("not a progress file");
            double max = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ex, "max"));
            if (!num_in(ex, "max", 0, UI_MAX_PROGRESS_POINTS) || !num_in(ex, "best", 0, max) ||
                !num_in(ex, "last", 0, max) || !num_in(ex, "last_checked", 0, 1e12) ||
                (cJSON_GetObjectItemCaseSensitive(ex, "attempts") && !num_in(ex, "attempts", 0, UI_MAX_ATTEMPTS)))
                return _("a score, a count or a date is out of range");
        }
    }
    return NULL;
}

/* Set path aside as path.bad (or .bad.1, ...), never replacing a file: 0 and its new name, or -1. */
static int set_aside(const char *path, char *bad, size_t size)
{
    for (int i = 0; i < 100; i++) {
        if (i == 0) snprintf(bad, size, "%s.bad", path);
        else snprintf(bad, size, "%s.bad.%d", path, i);
        int rc = place_no_clobber(path, bad);
        if (rc == 0) return 0;
        if (rc < 0) return -1;
    }
    errno = EEXIST;
    return -1;
}

ui_progress *ui_progress_load(const char *path, char *msg, size_t n)
{
    ui_progress *p = ut_calloc(1, sizeof *p);
    char def[4096];
    if (msg && n) msg[0] = '\0';
    if (!path && ui_progress_path(def, sizeof def) == 0) path = def;
    p->path = ut_strdup(path);
    if (!path) {
        p->root = empty_progress();
        return p;
    }
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        p->root = empty_progress();
        return p;
    }
    char *text, why[256];
    size_t len;
    if (ut_read_file(path, UI_MAX_PROGRESS_BYTES, &text, &len, why, sizeof why) != 0) {
        if (msg && n) snprintf(msg, n, _("Cannot read the progress file %s (%s): progress will not be saved this session."), path, why);
        p->no_save = 1;
        p->why_no_save = ut_strdup(why);
        p->root = empty_progress();
        return p;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    const char *bad = !root ? _("not valid JSON") : progress_problem(root);
    if (!bad) {
        p->root = root;
        return p;
    }
    cJSON_Delete(root);
    p->root = empty_progress();
    char aside[4200];
    if (set_aside(path, aside, sizeof aside) == 0) {
        if (msg && n) snprintf(msg, n, _("The progress file %s was damaged (%s): it is kept as %s and progress starts afresh."), path, bad, aside);
    } else {
        int e = errno;
        if (msg && n) snprintf(msg, n, _("The progress file %s is damaged (%s) and cannot be set aside (%s): progress will not be saved this session."), path, bad, strerror(e));
        p->no_save = 1;
        p->why_no_save = ut_strdup(strerror(e));
    }
    return p;
}

void ui_progress_free(ui_progress *p)
{
    if (!p) return;
    cJSON_Delete(p->root);
    free(p->path);
    free(p->why_no_save);
    free(p);
}

static void set_number(cJSON *o, const char *key, double v)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(item)) cJSON_SetNumberValue(item, v);
    else if (item) cJSON_ReplaceItemInObjectCaseSensitive(o, key, cJSON_CreateNumber(v));
    else cJSON_AddNumberToObject(o, key, v);
}

static cJSON *child_object(cJSON *parent, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (cJSON_IsObject(o)) return o;
    if (o) cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
    o = cJSON_AddObjectToObject(parent, key);
    if (!o) abort();
    return o;
}

int ui_progress_record(ui_progress *p, const char *course, const char *exercise, const gr_record *r)
{
    if (!p || !course || !exercise || !r) return -1;
    cJSON *ex = child_object(child_object(child_object(p->root, "courses"), course), exercise);
    ui_progress_entry old;
    int had = ui_progress_get(p, course, exercise, &old);
    double best = had && old.best > r->score ? old.best : r->score;
    set_number(ex, "best", best);
    set_number(ex, "max", r->max);
    set_number(ex, "last", r->score);
    /* an attempt is a file checked with new contents: not a start, a language switch or a click that
     * checks the same file again */
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(ex, "content_hash");
    int same = had && r->content_hash && cJSON_IsString(h) && !strcmp(h->valuestring, r->content_hash);
    int attempts = !had ? 1 : same || old.attempts >= UI_MAX_ATTEMPTS ? old.attempts : old.attempts + 1;
    set_number(ex, "attempts", attempts);
    if (r->content_hash) {
        cJSON *v = cJSON_CreateString(r->content_hash);
        if (cJSON_GetObjectItemCaseSensitive(ex, "content_hash")) cJSON_ReplaceItemInObjectCaseSensitive(ex, "content_hash", v);
        else cJSON_AddItemToObject(ex, "content_hash", v);
    }
    set_number(ex, "last_checked", (double)time(NULL));
    cJSON *passed = cJSON_CreateBool((had && old.passed) || r->passed);
    if (cJSON_GetObjectItemCaseSensitive(ex, "passed")) cJSON_ReplaceItemInObjectCaseSensitive(ex, "passed", passed);
    else cJSON_AddItemToObject(ex, "passed", passed);
    return 0;
}

void ui_progress_set_last(ui_progress *p, const char *course, const char *exercise)
{
    if (!p || !course || !exercise) return;
    cJSON *last = child_object(p->root, "last");
    cJSON *v = cJSON_CreateString(exercise);
    if (cJSON_GetObjectItemCaseSensitive(last, course)) cJSON_ReplaceItemInObjectCaseSensitive(last, course, v);
    else cJSON_AddItemToObject(last, course, v);
}

int ui_progress_last(const ui_progress *p, const char *course, char *buf, size_t size)
{
    if (!p || !course || !size) return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p->root, "last"), course);
    if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= size) return -1;
    ut_strlcpy(buf, v->valuestring, size);
    return 0;
}

int ui_progress_get(const ui_progress *p, const char *course, const char *exercise, ui_progress_entry *out)
{
    if (!p || !course || !exercise) return 0;
    const cJSON *co = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p->root, "courses"), course);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(co, exercise);
    if (!cJSON_IsObject(ex) || !is_num(ex, "best")) return 0;
    if (out) {
        memset(out, 0, sizeof *out);
        out->best = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ex, "best"));
        out->max = is_num(ex, "max") ? cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ex, "max")) : 0;
        out->last = is_num(ex, "last") ? cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ex, "last")) : 0;
        out->passed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "passed"));
        out->attempts = is_num(ex, "attempts") ? cJSON_GetObjectItemCaseSensitive(ex, "attempts")->valueint : 0;
        out->last_checked_unix = is_num(ex, "last_checked")
                                     ? (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ex, "last_checked"))
                                     : 0;
    }
    return 1;
}

int ui_progress_passed_count(const ui_progress *p, const char *course)
{
    if (!p || !course) return 0;
    const cJSON *co = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p->root, "courses"), course);
    const cJSON *ex;
    int n = 0;
    cJSON_ArrayForEach(ex, co) n += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "passed"));
    return n;
}

int ui_progress_save(ui_progress *p, char *err, size_t n)
{
    if (!p) return -1;
    if (!p->path) {
        snprintf(err, n, _("progress cannot be saved: neither XDG_DATA_HOME nor HOME is set"));
        return -1;
    }
    if (p->no_save) {
        snprintf(err, n, _("progress is not saved: the file %s could not be read at start (%s)"), p->path,
                 p->why_no_save ? p->why_no_save : "?");
        return -1;
    }
    char dir[4096], tmp[4200];
    dir_of(p->path, dir, sizeof dir);
    if (make_dirs(dir, 0700) != 0) {
        snprintf(err, n, _("cannot create the folder '%s': %s"), dir, strerror(errno));
        return -1;
    }
    /* Compact, so that a file the app could read stays one it can read again after a save. */
    char *text = cJSON_PrintUnformatted(p->root);
    if (!text) abort();
    size_t len = strlen(text);
    if (len > UI_MAX_PROGRESS_BYTES) {
        free(text);
        snprintf(err, n, _("progress is not saved: it would take %zu bytes, more than the %u MiB that %s may hold"),
                 len, UI_MAX_PROGRESS_BYTES >> 20, p->path);
        return -1;
    }
    int rc = write_temp(p->path, text, len, 0600, tmp, sizeof tmp);
    free(text);
    if (rc == 0 && rename(tmp, p->path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        rc = -1;
    }
    if (rc != 0) {
        snprintf(err, n, _("cannot write %s: %s"), p->path, strerror(errno));
        return -1;
    }
    sync_dir(dir);
    return 0;
}

/* ---- the editor ------------------------------------------------------------------------------- */

/* Editors started and not yet reaped. Touched from the window's thread only. */
static pid_t *children;
static size_t nchildren, children_cap;

int ui_open_in_editor(const char *path, char *err, size_t n)
{
    if (!path || !*path) {
        snprintf(err, n, _("no file name"));
        return -1;
    }
    const char *cmd = getenv("USINE_EDITOR");
    char *copy = ut_strdup(cmd ? cmd : "");
    char **argv = NULL;
    size_t argc = 0, cap = 0;
    for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        ut_grow(&argv, &cap, argc + 3, sizeof *argv);
        argv[argc++] = w;
    }
    if (argc == 0) {
        ut_grow(&argv, &cap, 3, sizeof *argv);
        argv[argc++] = "xdg-open";
    }
    argv[argc++] = (char *)path;
    argv[argc] = NULL;

    /* The editor outlives the app: its own session (a Ctrl-C in the app's terminal does not reach
     * it), default signal handling and an empty signal mask whatever the app set. */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_SETSID
    flags |= POSIX_SPAWN_SETSID;
#endif
    posix_spawnattr_setflags(&attr, flags);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, n, _("cannot start '%s': %s (set USINE_EDITOR to the command that opens your editor)"), argv[0],
                 strerror(rc));
    } else {
        ut_grow(&children, &children_cap, nchildren + 1, sizeof *children);
        children[nchildren++] = pid;
    }
    free(argv);
    free(copy);
    return rc != 0 ? -1 : 0;
}

int ui_reap_children(void)
{
    int reaped = 0;
    for (size_t i = 0; i < nchildren;) {
        pid_t r = waitpid(children[i], NULL, WNOHANG);
        if (r == children[i] || (r < 0 && errno == ECHILD)) {
            children[i] = children[--nchildren];
            reaped += r > 0;
        } else {
            i++;
        }
    }
    if (nchildren == 0) {
        free(children);
        children = NULL;
        children_cap = 0;
    }
    return reaped;
}
