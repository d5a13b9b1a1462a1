/* grade.c: the batch grader (see grade.h for the process model and why).
 *
 * Determinism: a grade never depends on how busy the machine is. Every limit counts what the
 * submission itself consumed: the sandbox's instruction budget, and the child's own processor
 * time (RLIMIT_CPU, all its threads), which stops code that no instruction budget can see (a
 * pattern match that backtracks for minutes inside one C call). Wall time is shared with every
 * other process, so it decides nothing: the sandbox's per-call clock is the thread's own processor
 * time (sbx.c), and the parent's wall guard (GRADE_WALL_FACTOR x the CPU limit, plus a margin) only
 * stops a child that is stuck without using the processor; its verdict says so, is marked as the
 * machine's fault (machine_fault) and is graded again on --resume. More children than processors
 * would only share them, so grade_run never starts more than grade_cpus().
 *
 * The child also runs with the same process-level state whatever the grader's environment: the C
 * locale for everything but messages (Lua's string comparison and table.sort follow LC_COLLATE,
 * string.upper LC_CTYPE, tostring LC_NUMERIC), and LC_* unset. Its stderr is a pipe the parent
 * reads (capped) and copies to its own stderr once the child is done: with RLIMIT_FSIZE 0, a
 * write to a stderr that is a file would otherwise kill the child with SIGXFSZ and lose the
 * message (a sanitizer report, a C library abort). */
#define _GNU_SOURCE 1 /* clone flags, pipe2, close_range */
#include "grade.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <lua.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lb.h"
#include "util.h"

#define GRADE_MAX_SUBMISSION_BYTES (1u << 20)
#define GRADE_MAX_RESULT_BYTES (8u << 20)
#define GRADE_MAX_STDERR_BYTES (64u << 10)  /* of a child's stderr, copied to the grader's */
#define GRADE_WALL_FACTOR 10                /* wall guard: this many times the CPU limit... */
#define GRADE_WALL_MARGIN_S 30.0            /* ...plus this */

#if defined(__SANITIZE_ADDRESS__)
#define GRADE_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRADE_UNDER_ASAN 1
#endif
#endif

void grade_verdict(const ex_exercise *e, const char *path, const char *lang, const char *why, gr_record *rec)
{
    ex_record_begin(e, path, lang, rec);
    rec->error = gr_clean_text(why, strlen(why), 0);
    rec->output = ut_strdup("");
    for (int i = 0; i < rec->nchecks; i++) rec->checks[i].message = ut_strdup(rec->error);
    gr_record_total(rec, e->pass_fraction);
}

/* ---- the child ------------------------------------------------------------------------------- */

#ifndef GRADE_UNDER_ASAN
static size_t address_space_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1) pages = 0;
        fclose(f);
    }
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

static int set_limit(int what, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = { soft, hard };
    return setrlimit(what, &rl);
}

/* A comparison of a system call's argument, as libseccomp's SCMP_A0..SCMP_A5 build it, with every
 * field named (their compound literals leave datum_b to default, which clang warns about). */
static struct scmp_arg_cmp arg_is(unsigned arg, enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
    struct scmp_arg_cmp c = { .arg = arg, .op = op, .datum_a = a, .datum_b = b };
    return c;
}

int grade_confine(double cpu_s, int out_fd, char *err, size_t err_size)
{
    /* Limits. The address space gets 2 GiB above what the process maps now (the program, the
     * exercise, OpenBLAS's buffers); ASan reserves terabytes of shadow memory, so not under ASan. */
    rlim_t cpu = (rlim_t)(cpu_s + 0.999);
    if (cpu < 1) cpu = 1;
    if (set_limit(RLIMIT_CPU, cpu, cpu + 1) != 0 || set_limit(RLIMIT_FSIZE, 0, 0) != 0 ||
        set_limit(RLIMIT_CORE, 0, 0) != 0) {
        snprintf(err, err_size, "setrlimit: %s", strerror(errno));
        return -1;
    }
#ifndef GRADE_UNDER_ASAN
    size_t as = address_space_now() + ((size_t)2 << 30);
    if (set_limit(RLIMIT_AS, as, as) != 0) {
        snprintf(err, err_size, "setrlimit(RLIMIT_AS): %s", strerror(errno));
        return -1;
    }
#endif

    /* The filter: deny by default with EPERM (libraries then fail cleanly instead of the child
     * dying somewhere odd), allow what grading needs. */
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx) {
        snprintf(err, err_size, "seccomp_init failed");
        return -1;
    }
    static const int allowed[] = {
        SCMP_SYS(read), SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
        SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(futex),
        SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
        SCMP_SYS(gettimeofday), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getrusage),
        SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
        SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
        SCMP_SYS(restart_syscall), SCMP_SYS(prlimit64), SCMP_SYS(getrandom), SCMP_SYS(sysinfo),
        SCMP_SYS(sigaltstack), SCMP_SYS(rt_sigaction),   /* sanitizers set up their signal stack per thread */
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed && rc == 0; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
    /* Writing: only to the result pipe and to stderr (sanitizer reports). */
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, arg_is(0, SCMP_CMP_EQ, (scmp_datum_t)out_fd, 0));
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, arg_is(0, SCMP_CMP_EQ, 2, 0));
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(writev), 1, arg_is(0, SCMP_CMP_EQ, 2, 0));
    /* Memory, but never executable: no code can be written and then run. */
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, arg_is(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, arg_is(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    /* Threads (the kernels' OpenMP team), never processes; clone3's flags sit in memory a filter
     * cannot read, so it reports "not implemented" and the C library falls back to clone. */
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                       arg_is(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        snprintf(err, err_size, "seccomp: %s", strerror(-rc));
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void grade_fixed_locale(void)
{
    static const int categories[] = { LC_COLLATE, LC_CTYPE, LC_NUMERIC, LC_MONETARY, LC_TIME };
    for (size_t i = 0; i < sizeof categories / sizeof *categories; i++) setlocale(categories[i], "C");
    static const char *const vars[] = { "LC_ALL", "LC_COLLATE", "LC_CTYPE", "LC_NUMERIC", "LC_MONETARY", "LC_TIME", "LANG" };
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) unsetenv(vars[i]);
}

double grade_wall_guard_s(double cpu_s)
{
    return GRADE_WALL_FACTOR * cpu_s + GRADE_WALL_MARGIN_S;
}

int grade_cpus(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int n = online < 1 ? 1 : online > 4096 ? 4096 : (int)online;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1 && CPU_COUNT(&set) < n) n = CPU_COUNT(&set);
    return n;
}

static void child_main(const grade_batch *b, const char *path, const char *text, size_t len, int out_fd, int err_fd)
{
    /* Keep the result pipe, and stderr as the pipe the parent reads; nothing else of the
     * parent's (its stdout, where grades go, and the pipes of the other children) stays
     * reachable. */
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
        if (devnull > 2) close(devnull);
    }
    if (err_fd >= 0) dup2(err_fd, 2);
    if (out_fd > 3) close_range(3, (unsigned)out_fd - 1, 0);
    close_range((unsigned)out_fd + 1, ~0U, 0);
    signal(SIGXFSZ, SIG_IGN);                  /* a write past RLIMIT_FSIZE fails, never kills */
    ex_exercise *e = b->exercise;
    double cpu_s = e->limits.seconds;
    grade_fixed_locale();
    char why[256];
    if (grade_confine(cpu_s, out_fd, why, sizeof why) != 0) {
        char msg[400];
        snprintf(msg, sizeof msg, "{\"confine\":\"%s\"}\n", why);
        write_all(out_fd, msg, strlen(msg));
        _exit(3);
    }
    if (b->child_hook) b->child_hook();
    lb_allow_kernels(sbx_lua(e->sb), 1);
    gr_record rec;
    ex_grade(e, path, text, len, b->lang, &rec);
    cJSON *o = gr_record_to_json(&rec);
    char *line = o ? cJSON_PrintUnformatted(o) : NULL;
    int ok = line && write_all(out_fd, line, strlen(line)) == 0 && write_all(out_fd, "\n", 1) == 0;
    _exit(ok ? 0 : 4);
}

/* ---- the parent ------------------------------------------------------------------------------ */

typedef struct slot {
    pid_t pid;
    int fd, err_fd, index;
    double start_s, deadline_s;
    char *buf, *err;
    size_t len, cap, err_len, err_cap;
    int eof, timed_out, flooded;
    char hash[GRADE_HASH_HEX + 1];  /* of the text given to the child */
} slot;

/* The child's stderr, as far as it came, to the grader's stderr after the submission's name, so
 * that the reports of children at once do not interleave. */
static void forward_stderr(const grade_batch *b, slot *sl)
{
    if (sl->err_len == 0) return;
    char *name = gr_clean_text(b->paths[sl->index], strlen(b->paths[sl->index]), 0);
    fprintf(stderr, "%s:\n%.*s%s", name, (int)sl->err_len, sl->err, sl->err[sl->err_len - 1] == '\n' ? "" : "\n");
    if (sl->err_len >= GRADE_MAX_STDERR_BYTES) fputs("...\n", stderr);
    fflush(stderr);
    free(name);
}

static void finish(const grade_batch *b, slot *sl, int status, const struct rusage *ru)
{
    const ex_exercise *e = b->exercise;
    const char *path = b->paths[sl->index];
    gr_record rec;
    char why[400];
    why[0] = '\0';
    int have = 0, machine = 0;
    double cpu_used = (double)ru->ru_utime.tv_sec + 1e-6 * (double)ru->ru_utime.tv_usec +
                      (double)ru->ru_stime.tv_sec + 1e-6 * (double)ru->ru_stime.tv_usec;
    if (sl->timed_out) {
        snprintf(why, sizeof why,
                 _("wall-time guard reached (%g s) after %g s of processor time: the machine was too busy or the "
                   "grading process was stuck; this verdict says nothing about the submission and is graded again "
                   "with --resume"),
                 b->wall_s > 0 ? b->wall_s : grade_wall_guard_s(e->limits.seconds), floor(cpu_used * 10) / 10);
        machine = 1;
    } else if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
                                       (WTERMSIG(status) == SIGKILL && !sl->flooded &&
                                        cpu_used >= e->limits.seconds - 0.5))) {   /* the hard limit */
        snprintf(why, sizeof why, _("time limit reached (%g s of processor time): the submission kept the processor busy inside one call"),
                 e->limits.seconds);
    } else if (WIFSIGNALED(status)) {
        snprintf(why, sizeof why, _("the grading process stopped on signal %d (%s)"), WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(why, sizeof why, _("the grading process failed (exit status %d)"), WEXITSTATUS(status));
    } else {
        cJSON *o = sl->len ? cJSON_ParseWithLength(sl->buf, sl->len) : NULL;
        char reason[200];
        if (o && gr_record_from_json(o, &rec, reason, sizeof reason) == 0) have = 1;
        else snprintf(why, sizeof why, _("the grading process returned no result"));
        cJSON_Delete(o);
    }
    if (!have) grade_verdict(e, path, b->lang, why, &rec);
    rec.machine_fault = machine;
    rec.time_s = ut_now_s() - sl->start_s;
    grade_record_keys(&rec, path, sl->hash[0] ? sl->hash : NULL);
    forward_stderr(b, sl);
    b->emit(b->ud, sl->index, &rec);
    free(sl->buf);
    free(sl->err);
    close(sl->fd);
    if (sl->err_fd >= 0) close(sl->err_fd);
    memset(sl, 0, sizeof *sl);
    sl->pid = 0;
}

static int start(const grade_batch *b, slot *sl, int index, double wall_s, char *err, size_t err_size, int *unreadable)
{
    const char *path = b->paths[index];
    const char *text;
    char *owned = NULL, why[256];
    size_t len;
    if (b->texts) {
        text = b->texts[index];
        len = strlen(text);
    } else if (ut_read_file(path, GRADE_MAX_SUBMISSION_BYTES, &owned, &len, why, sizeof why) == 0) {
        text = owned;
    } else {
        char msg[600];
        snprintf(msg, sizeof msg, _("cannot read the submission: %s"), why);
        gr_record rec;
        grade_verdict(b->exercise, path, b->lang, msg, &rec);
        rec.machine_fault = 1;                      /* it may be readable next time */
        grade_record_keys(&rec, path, NULL);
        b->emit(b->ud, index, &rec);
        (*unreadable)++;
        return 0;
    }
    int fds[2], efds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        free(owned);
        snprintf(err, err_size, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(efds, O_CLOEXEC) != 0) {
        free(owned);
        close(fds[0]);
        close(fds[1]);
        snprintf(err, err_size, "pipe: %s", strerror(errno));
        return -1;
    }
    char hash[GRADE_HASH_HEX + 1];
    grade_hash_text(text, len, hash);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        free(owned);
        close(fds[0]);
        close(fds[1]);
        close(efds[0]);
        close(efds[1]);
        snprintf(err, err_size, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        close(efds[0]);
        child_main(b, path, text, len, fds[1], efds[1]);
    }
    free(owned);
    close(fds[1]);
    close(efds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(efds[0], F_SETFL, O_NONBLOCK);
    memset(sl, 0, sizeof *sl);
    sl->pid = pid;
    sl->fd = fds[0];
    sl->err_fd = efds[0];
    sl->index = index;
    sl->start_s = ut_now_s();
    sl->deadline_s = sl->start_s + wall_s;
    memcpy(sl->hash, hash, sizeof hash);
    return 0;
}

/* Read what the child's stderr holds now; past the cap it is read and dropped, so that the child
 * never blocks on a full pipe. */
static void drain_stderr(slot *sl)
{
    while (sl->err_fd >= 0) {
        char chunk[4096];
        ssize_t r = read(sl->err_fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) {
                close(sl->err_fd);
                sl->err_fd = -1;
            }
            return;
        }
        size_t keep = (size_t)r;
        if (sl->err_len + keep > GRADE_MAX_STDERR_BYTES) keep = GRADE_MAX_STDERR_BYTES - sl->err_len;
        if (keep) {
            ut_grow(&sl->err, &sl->err_cap, sl->err_len + keep, 1);
            memcpy(sl->err + sl->err_len, chunk, keep);
            sl->err_len += keep;
        }
    }
}

int grade_run(const grade_batch *b, char *err, size_t err_size)
{
    int jobs = b->jobs < 1 ? 1 : b->jobs;
    if (jobs > grade_cpus()) jobs = grade_cpus();
    double wall_s = b->wall_s > 0 ? b->wall_s : grade_wall_guard_s(b->exercise->limits.seconds);
    slot *slots = ut_calloc((size_t)jobs, sizeof *slots);
    struct pollfd *pfd = ut_calloc(2 * (size_t)jobs, sizeof *pfd);
    int next = 0, running = 0, unreadable = 0, rc = 0;
    /* The parent translates once what the children will say, so that gettext's catalogue is in
     * memory before the filter forbids opening it. */
    (void)_(sbx_status_message(SBX_INSTRUCTIONS));
    for (;;) {
        while (running < jobs && next < b->n) {
            int i = next++;
            if (b->skip && b->skip[i]) continue;
            int s = 0;
            while (slots[s].pid) s++;
            if (start(b, &slots[s], i, wall_s, err, err_size, &unreadable) != 0) {
                rc = -1;
                next = b->n;
                break;
            }
            if (slots[s].pid) running++;
        }
        if (running == 0) break;
        int np = 0;
        double now = ut_now_s(), wait_s = 1e9;
        for (int s = 0; s < jobs; s++) {
            if (!slots[s].pid) continue;
            pfd[np++] = (struct pollfd){ .fd = slots[s].fd, .events = POLLIN };
            if (slots[s].err_fd >= 0) pfd[np++] = (struct pollfd){ .fd = slots[s].err_fd, .events = POLLIN };
            if (slots[s].deadline_s - now < wait_s) wait_s = slots[s].deadline_s - now;
        }
        int timeout_ms = wait_s <= 0 ? 0 : (int)(wait_s * 1000) + 1;
        if (poll(pfd, (nfds_t)np, timeout_ms) < 0 && errno != EINTR) {
            snprintf(err, err_size, "poll: %s", strerror(errno));
            rc = -1;
        }
        now = ut_now_s();
        for (int s = 0; s < jobs; s++) {
            slot *sl = &slots[s];
            if (!sl->pid) continue;
            drain_stderr(sl);
            for (;;) {
                ut_grow(&sl->buf, &sl->cap, sl->len + 65536, 1);
                ssize_t r = read(sl->fd, sl->buf + sl->len, sl->cap - sl->len);
                if (r > 0) {
                    sl->len += (size_t)r;
                    if (sl->len > GRADE_MAX_RESULT_BYTES) {
                        kill(sl->pid, SIGKILL);
                        sl->len = 0;
                        sl->eof = 1;
                        sl->flooded = 1;
                        break;
                    }
                    continue;
                }
                if (r == 0) sl->eof = 1;
                break;                                  /* EAGAIN: nothing more for now */
            }
            if (!sl->eof && now >= sl->deadline_s) {
                kill(sl->pid, SIGKILL);
                sl->timed_out = 1;
                sl->eof = 1;
            }
            if (sl->eof) {
                int status = 0;
                struct rusage ru;
                memset(&ru, 0, sizeof ru);
                while (wait4(sl->pid, &status, 0, &ru) < 0 && errno == EINTR) {}
                drain_stderr(sl);                       /* what it wrote before it ended */
                finish(b, sl, status, &ru);
                running--;
            }
        }
        if (rc != 0) break;
    }
    /* After a failure, stop what still runs. */
    for (int s = 0; s < jobs; s++)
        if (slots[s].pid) {
            kill(slots[s].pid, SIGKILL);
            waitpid(slots[s].pid, NULL, 0);
            close(slots[s].fd);
            if (slots[s].err_fd >= 0) close(slots[s].err_fd);
            free(slots[s].buf);
            free(slots[s].err);
        }
    free(slots);
    free(pfd);
    return rc != 0 ? -1 : unreadable;
}

/* ---- journal keys and checks --------------------------------------------------------------- */

/* FNV-1a, 64 bits: enough to see that a file changed (it is not a defence against the person who
 * writes the journal, who can write anything). */
void grade_hash_text(const char *text, size_t len, char out[GRADE_HASH_HEX + 1])
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 0x100000001b3u;
    snprintf(out, GRADE_HASH_HEX + 1, "%016llx", (unsigned long long)h);
}

char *grade_hex(const char *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *out = ut_malloc(2 * len + 1);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[(unsigned char)bytes[i] >> 4];
        out[2 * i + 1] = digits[(unsigned char)bytes[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}

void grade_record_keys(gr_record *rec, const char *path, const char *hash)
{
    free(rec->path_hex);
    free(rec->content_hash);
    rec->path_hex = grade_hex(path, strlen(path));
    rec->content_hash = hash ? ut_strdup(hash) : NULL;
}

int grade_record_check(const ex_exercise *e, const gr_record *r, char *why, size_t why_size)
{
    const double eps = 1e-9;
    double sum = 0;
    if (!r->exercise || strcmp(r->exercise, e->id) != 0) {
        snprintf(why, why_size, _("a record of another exercise"));
        return -1;
    }
    char seed[EX_SEED_TEXT];
    ex_seed_text(e, seed);
    if (!r->seed || !r->feedback || strcmp(r->seed, seed) != 0 || strcmp(r->feedback, ex_feedback_name(e->feedback)) != 0) {
        if (!r->seed || !r->feedback) snprintf(why, why_size, _("it does not say which seed and feedback level it was graded with"));
        else snprintf(why, why_size, _("it was graded with --seed %s --feedback %s, not --seed %s --feedback %s"), r->seed,
                      r->feedback, seed, ex_feedback_name(e->feedback));
        return -1;
    }
    if (fabs(r->max - e->max_points) > eps || r->nchecks != e->nchecks) {
        snprintf(why, why_size, _("its maximum or its checks are not the exercise's"));
        return -1;
    }
    for (int i = 0; i < r->nchecks; i++) {
        const gr_check *c = &r->checks[i];
        const ex_check *x = &e->checks[i];
        if (!c->id || strcmp(c->id, x->id) != 0 || fabs(c->max - x->points) > eps) {
            snprintf(why, why_size, _("check %d is not the exercise's check '%s'"), i + 1, x->id);
            return -1;
        }
        if (!(c->points >= -eps && c->points <= c->max + eps) ||
            (c->status == GR_PASSED && fabs(c->points - c->max) > eps) ||
            (c->status == GR_ERROR && c->points != 0)) {
            snprintf(why, why_size, _("check '%s' has points that its status or its maximum rule out"), x->id);
            return -1;
        }
        sum += c->points;
    }
    if (fabs(sum - r->score) > 1e-6 || (r->passed != 0) != (r->score >= e->pass_fraction * r->max - eps)) {
        snprintf(why, why_size, _("its score or its verdict is not what its checks give"));
        return -1;
    }
    return 0;
}
