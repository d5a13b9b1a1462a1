/* grade.h: grading a batch of submissions, each in a child process of its own.
 *
 * The exercise is loaded once, in the parent (ex_load), before any fork: its platforms are read
 * and its checks compiled, and no OpenMP thread has started yet. Each submission is graded in a
 * fresh child (copy-on-write of that state), which confines itself first (grade_confine):
 *   - resource limits: CPU time, address space, no file may be written (RLIMIT_FSIZE 0), no core;
 *   - a system-call filter (libseccomp): an allow-list of what Lua, the simulator and the kernels'
 *     threads need (memory, futexes, clocks, threads, writing to the result pipe); anything else
 *     fails with EPERM: no file can be opened, no process created, no program run, no socket.
 * The child grades (ex_grade), writes its record as one JSON line to a pipe and exits. The parent
 * waits for at most `jobs` children at a time (never more than the processors) with a generous
 * wall-clock guard each (limits count processor time, see grade.c); a child that dies,
 * is killed or says nothing gets a record with every check in error and a message that says what
 * happened, and the batch goes on. Records come out through a callback as soon as each is known
 * (in completion order; each carries the index of its submission). */
#ifndef USINE_GRADE_H
#define USINE_GRADE_H

#include <stddef.h>

#include "ex.h"
#include "gr.h"

typedef struct grade_batch {
    ex_exercise *exercise;
    const char *const *paths;   /* the submissions */
    const char *const *texts;   /* their text, NUL-terminated, when already in memory; NULL: read the paths */
    int n;
    const unsigned char *skip;  /* skip[i] != 0: already graded (resume); NULL: none */
    int jobs;                   /* children at once, >= 1 (at most grade_cpus() are started) */
    const char *lang;           /* "fr" or "en" */
    double wall_s;              /* wall guard per submission, the whole child; 0: grade_wall_guard_s */
    /* Called once per graded submission. The record is handed over: the callee owns what it
     * holds (keep it, or gr_record_free it). */
    void (*emit)(void *ud, int index, gr_record *rec);
    void *ud;
    /* Fault injection for the tests: called in each child once it is confined, before it grades.
     * NULL in the program. */
    void (*child_hook)(void);
} grade_batch;

/* Grade every submission not skipped. Returns the number of submissions that could not be read
 * (each still gets a record that says why), or -1 if no child could be started at all (with a
 * message in err). */
int grade_run(const grade_batch *b, char *err, size_t err_size);

/* Confine the calling process as a grading child: limits and system-call filter. out_fd stays
 * writable. 0, or -1 with a message. Exposed for the tests. */
int grade_confine(double cpu_s, int out_fd, char *err, size_t err_size);

/* The processors this process may run on (online, and in its affinity mask): grade_run never
 * starts more children than that, since they would only share them. */
int grade_cpus(void);

/* The wall-time guard of a submission whose CPU limit is cpu_s: a large multiple of it. */
double grade_wall_guard_s(double cpu_s);

/* The C locale for every category but messages, and the LC_* variables unset: what a grading
 * child (and the process that loads exercises) runs under, so that no locale changes a grade. */
void grade_fixed_locale(void);

/* Journal keys. grade_hash_text: the hash of a submission's text, GRADE_HASH_HEX hex digits.
 * grade_hex: the bytes in lowercase hex (malloc'ed). grade_record_keys: sets rec's path_hex from
 * path and its content_hash from hash (NULL: none). */
#define GRADE_HASH_HEX 16
void grade_hash_text(const char *text, size_t len, char out[GRADE_HASH_HEX + 1]);
char *grade_hex(const char *bytes, size_t len);
void grade_record_keys(gr_record *rec, const char *path, const char *hash);

/* Whether a record (read back from a journal) could have come from grading against e: the same
 * exercise, maximum and checks (ids, maxima, in order), each check's points within [0, max]
 * and its status consistent with them, the score their sum and passed what the pass mark says.
 * 0, or -1 with why. */
int grade_record_check(const ex_exercise *e, const gr_record *r, char *why, size_t why_size);

/* The record of a submission that produced none: every check in error with `why`. */
void grade_verdict(const ex_exercise *e, const char *path, const char *lang, const char *why, gr_record *rec);

#endif
