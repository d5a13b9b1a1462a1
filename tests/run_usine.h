/* run_usine.h: run the `usine` program as users do, for the command-line suites (test_cli.c,
 * test_calibrate.c): capture its exit status, stdout and stderr, with a time limit (a hang is a
 * failure, not a slow test). The program under test is $USINE (the Makefile sets it), default
 * build/usine. Include after cmocka.h. */
#ifndef USINE_TESTS_RUN_USINE_H
#define USINE_TESTS_RUN_USINE_H

#include <cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct run_result {
    int status;      /* exit status, or 128 + signal */
    char out[1 << 20];   /* validate --json carries a breakdown per published run */
    char err[1 << 14];
} run_result;

static run_result R;
/* When set, the child's XDG_DATA_HOME (where 'local.xml' lives), so a test never touches the
 * user's own data folder. */
static const char *run_xdg_data_home;
/* Seconds the child has before it counts as hung; a test running a long batch raises it. */
static unsigned run_alarm_s = 20;

static inline const char *usine_path(void)
{
    const char *p = getenv("USINE");
    return p && *p ? p : "build/usine";
}

/* Run usine with argv (argv[0] is replaced by the program under test, NULL-terminated) in the
 * given language; the child has run_alarm_s. */
static inline run_result *run_argv(const char *lang, const char **argv)
{
    argv[0] = usine_path();
    int out[2], err[2];
    if (pipe(out) || pipe(err)) fail_msg("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]), close(err[0]), close(out[1]), close(err[1]);
        setenv("USINE_LANG", lang, 1);
        if (run_xdg_data_home) setenv("XDG_DATA_HOME", run_xdg_data_home, 1);
        unsetenv("USINE_DATADIR");
        alarm(run_alarm_s);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    size_t nout = 0, nerr = 0;
    struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
    int open_fds = 2;
    while (open_fds) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            char *buf = i ? R.err : R.out;
            size_t *n = i ? &nerr : &nout, cap = i ? sizeof R.err : sizeof R.out;
            char scratch[4096];
            ssize_t got = read(fds[i].fd, *n + 1 < cap ? buf + *n : scratch, *n + 1 < cap ? cap - 1 - *n : sizeof scratch);
            if (got <= 0) { close(fds[i].fd); fds[i].fd = -1; open_fds--; continue; }
            if (*n + 1 < cap) *n += (size_t)got;
        }
    }
    R.out[nout] = R.err[nerr] = '\0';
    int st;
    waitpid(pid, &st, 0);
    R.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return &R;
}

/* Run usine with the arguments (NULL-terminated) in the given language; the child has run_alarm_s. */
static inline run_result *run(const char *lang, ...)
{
    const char *argv[64];
    int argc = 1;
    va_list ap;
    va_start(ap, lang);
    for (const char *a; (a = va_arg(ap, const char *)) && argc < 63;) argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return run_argv(lang, argv);
}

static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static inline cJSON *parse_json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (!j) fail_msg("not JSON: %.300s", text);
    return j;
}

static inline double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) fail_msg("JSON key '%s' is missing or not a number", key);
    return v->valuedouble;
}

#endif
