/* test_readme.c: the README's outputs stay true. Every console block of README.md whose command is a
 * deterministic `build/usine` command (platform, predict, plan, validate, simulate, course) is run,
 * and its output (stdout, then stderr) must be the one shown, line for line. "[...]" or "..." alone
 * on a line stands for any lines, and a line ending in " ..." for any line it begins; a line that shows a wall time (the word "wall", or a time in parentheses
 * such as "(6.531 ms)") may differ in its numbers only. Commands that measure this computer, need a
 * file the README only describes, or open a window are not run. Words in double quotes are one
 * argument, as the shell takes them. A file the README shows with `$ cat NAME.lua` is written as
 * shown, so that a `grade` of it runs too (from a folder that holds those files and links to the
 * tree's build/ and courses/, so that paths print as the README shows them). `make readme` runs it
 * with USINE_README_UPDATE=1, which writes what the program prints into the blocks that differ. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "run_usine.h"
#include "util.h"

static int failures;

/* make readme (USINE_README_UPDATE=1): a block that no longer matches is replaced by what the
 * program prints (a line that still matches, such as a wall time, is kept as the README has it),
 * unless it elides lines, which only a person can choose. */
static int updating;
static char **readme_lines;          /* the README, a line each, for the replacements' positions */
typedef struct update { int start, count; char *text; } update;
static update updates[64];
static int nupdates, not_updated;

static int has_elision(char **want, int nw);

/* The files shown with `$ cat NAME.lua`, written in stage/. */
static char stage[64];
static char staged[16][64];
static int nstaged, staged_runs;
static int staging;              /* the first pass: write the files shown, run nothing */

static int is_staged(const char *name)
{
    for (int i = 0; i < nstaged; i++)
        if (!strcmp(staged[i], name)) return 1;
    return 0;
}

static void stage_file(const char *name, char **lines, int n)
{
    if (!stage[0]) {
        snprintf(stage, sizeof stage, "/tmp/usine-readme-XXXXXX");
        if (!mkdtemp(stage)) fail_msg("mkdtemp failed");
        char real[PATH_MAX], link[PATH_MAX];
        for (int i = 0; i < 2; i++) {
            const char *dir = i ? "courses" : "build";
            if (!realpath(dir, real)) fail_msg("no %s/ in the tree", dir);
            snprintf(link, sizeof link, "%s/%s", stage, dir);
            if (symlink(real, link) != 0) fail_msg("symlink %s", link);
        }
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", stage, name);
    FILE *f = fopen(path, "w");
    if (!f) fail_msg("cannot write %s", path);
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", lines[i]);
    fclose(f);
    if (!is_staged(name) && nstaged < 16) snprintf(staged[nstaged++], sizeof staged[0], "%s", name);
}

static void unstage(void)
{
    if (!stage[0]) return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", stage);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", stage);
}
static const char *const runnable[] = { "platform", "predict", "plan", "validate", "simulate", "course", NULL };

/* A line with its numbers masked: digits and the marks between them become '#'. */
static void mask(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 1 < size;) {
        if (isdigit((unsigned char)s[i])) {
            while (s[i] && (isdigit((unsigned char)s[i]) || s[i] == '.' || s[i] == ',' ||
                            !strncmp(s + i, "\u202f", 3)))
                i += !strncmp(s + i, "\u202f", 3) ? 3 : 1;
            out[o++] = '#';
        } else out[o++] = s[i++];
    }
    out[o] = '\0';
}

/* "# ms", "# µs": "# s", so that a wall time may also change its unit. */
static void unit_free(char *s)
{
    for (char *p = s; (p = strchr(p, '#'));) {
        p++;
        if (!strncmp(p, " ms", 3)) memmove(p + 1, p + 2, strlen(p + 2) + 1);          /* drop the 'm' */
        else if (!strncmp(p, " µs", 4)) memmove(p + 1, p + 3, strlen(p + 3) + 1);     /* drop the 'µ' (2 bytes) */
    }
}

static int shows_wall_time(const char *line)
{
    return strstr(line, "wall") || strstr(line, " ms)") || strstr(line, " µs)") || strstr(line, " s)");
}

/* A path to the tree's assets/ or courses/ written from where the README's author stood. */
static void strip_root(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 1 < size;) {
        if (s[i] == '/' && (i == 0 || s[i - 1] == ' ')) {
            const char *a = strstr(s + i, "/assets/"), *c = strstr(s + i, "/courses/"), *sp = strchr(s + i, ' ');
            const char *at = a && (!c || a < c) ? a : c;
            if (at && (!sp || at < sp)) {
                i = (size_t)(at - s) + 1;
                continue;
            }
        }
        out[o++] = s[i++];
    }
    out[o] = '\0';
}

static int same_line(const char *want, const char *got)
{
    if (!strcmp(want, got)) return 1;
    size_t wl = strlen(want);                    /* "text ...": a line the README cuts short */
    if (wl > 4 && !strcmp(want + wl - 4, " ...") && !strncmp(want, got, wl - 3)) return 1;
    char rw[1024], rg[1024];
    strip_root(want, rw, sizeof rw);
    strip_root(got, rg, sizeof rg);
    if (!strcmp(rw, rg)) return 1;
    if (!shows_wall_time(want)) return 0;
    char a[1024], b[1024];
    mask(rw, a, sizeof a);
    mask(rg, b, sizeof b);
    unit_free(a);
    unit_free(b);
    return !strcmp(a, b);
}

/* Split text into lines (in place); returns the count. */
static int lines_of(char *text, char **lines, int max)
{
    int n = 0;
    for (char *s = text; *s && n < max;) {
        lines[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl) break;
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

/* "[...]" or "..." alone on a line (indented or not): any lines. */
static int is_elision(const char *line)
{
    while (*line == ' ' || *line == '\t') line++;
    return !strcmp(line, "[...]") || !strcmp(line, "...");
}

/* The expected lines (with elisions) against the actual ones; 0 when they match, else the line. */
static int match(char **want, int nw, char **got, int ng, char *why, size_t size)
{
    int g = 0;
    for (int w = 0; w < nw; w++) {
        if (is_elision(want[w])) {
            if (w + 1 == nw) return 0;
            while (g < ng && !same_line(want[w + 1], got[g])) g++;
            continue;
        }
        if (g >= ng || !same_line(want[w], got[g])) {
            snprintf(why, size, "README line '%s'\n   output line '%s'", want[w], g < ng ? got[g] : "(none)");
            return -1;
        }
        g++;
    }
    while (g < ng && !got[g][0]) g++;
    if (g < ng) {
        snprintf(why, size, "output goes on with '%s'", got[g]);
        return -1;
    }
    return 0;
}

/* Run one command line of the README and compare; returns 1 if it ran, 0 if skipped. */
static int check_command(const char *cmdline, char **want, int nw)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", cmdline);
    const char *argv[40];
    int argc = 0;
    for (char *t = buf; *t && argc < 39;) {            /* words, or "words in double quotes" as one */
        while (*t == ' ') t++;
        if (!*t) break;
        char *end;
        if (*t == '"' && (end = strchr(t + 1, '"')) && (end[1] == ' ' || !end[1])) argv[argc++] = t + 1;
        else end = t + strcspn(t, " "), argv[argc++] = t;
        t = *end ? end + 1 : end;
        *end = '\0';
    }
    argv[argc] = NULL;
    if (argc == 2 && !strcmp(argv[0], "cat") && !strchr(argv[1], '/') && strstr(argv[1], ".lua")) {
        if (staging) stage_file(argv[1], want, nw);
        return 0;
    }
    if (staging) return 0;
    if (argc < 2 || strcmp(argv[0], "build/usine")) return 0;
    const char *lang = "en";
    int first = 1;
    if (!strcmp(argv[1], "--lang") && argc > 3) lang = argv[2], first = 3;
    int ok = 0;
    for (int i = 0; runnable[i]; i++) ok |= !strcmp(argv[first], runnable[i]);
    for (int i = first; i < argc; i++)
        if (strchr(argv[i], '\'') || strchr(argv[i], '"') || strchr(argv[i], '|') || !strcmp(argv[i], "local") ||
            (!strcmp(argv[i], "check") && first + 1 == i && i + 1 < argc && strstr(argv[i + 1], ".xml")))
            ok = 0;
    /* grade: when every submission it names is a file the README showed */
    int staged_run = 0;
    if (!strcmp(argv[first], "grade") && first + 2 < argc) {
        staged_run = 1;
        for (int i = first + 2; i < argc; i++)
            if (argv[i][0] != '-' && strstr(argv[i], ".lua") && !is_staged(argv[i])) staged_run = 0;
        ok = staged_run;
    }
    if (!ok || nw == 0) return 0;                                       /* shown without its output */
    char here[PATH_MAX];
    if (staged_run && (!getcwd(here, sizeof here) || chdir(stage) != 0)) fail_msg("cannot go to %s", stage);
    run_alarm_s = 120;
    run_result *r = run_argv(lang, argv);
    run_alarm_s = 20;
    if (staged_run && chdir(here) != 0) fail_msg("cannot go back to %s", here);
    staged_runs += staged_run;
    static char all[sizeof R.out + sizeof R.err];
    snprintf(all, sizeof all, "%s%s", R.out, R.err);
    static char *got[8192];
    int ng = lines_of(all, got, 8192);
    char why[2200];
    if (match(want, nw, got, ng, why, sizeof why) != 0) {
        if (updating && !has_elision(want, nw) && nupdates < 64) {
            while (ng > 0 && !got[ng - 1][0]) ng--;
            size_t size = 1;
            for (int i = 0; i < ng; i++) size += strlen(got[i]) + 1 + (i < nw ? strlen(want[i]) : 0);
            char *text = malloc(size), *o = text;
            for (int i = 0; i < ng; i++)
                o += sprintf(o, "%s\n", i < nw && same_line(want[i], got[i]) ? want[i] : got[i]);
            updates[nupdates++] = (update){ (int)(want - readme_lines), nw, text };
            fprintf(stderr, "README command '%s': its output updated\n", cmdline);
            return 1;
        }
        if (updating) not_updated++;
        fprintf(stderr, "README command '%s' (status %d) no longer prints what the README shows:\n   %s\n", cmdline,
                r->status, why);
        failures++;
    }
    return 1;
}

static int has_elision(char **want, int nw)
{
    for (int i = 0; i < nw; i++) {
        size_t l = strlen(want[i]);
        if (is_elision(want[i]) || (l > 4 && !strcmp(want[i] + l - 4, " ..."))) return 1;
    }
    return 0;
}

/* Write README.md again with the updated blocks in place of the old ones. */
static void write_updates(char **lines, int n)
{
    FILE *f = fopen("README.md.tmp", "w");
    if (!f) fail_msg("cannot write README.md.tmp");
    for (int i = 0; i < n;) {
        int u = -1;
        for (int k = 0; k < nupdates && u < 0; k++)
            if (updates[k].start == i) u = k;
        if (u >= 0) {
            fputs(updates[u].text, f);
            i += updates[u].count;
            continue;
        }
        fprintf(f, "%s\n", lines[i++]);
    }
    if (fclose(f) != 0 || rename("README.md.tmp", "README.md") != 0) fail_msg("cannot replace README.md");
    for (int k = 0; k < nupdates; k++) free(updates[k].text);
}

/* Every "$ command" of the README's console blocks, with the lines shown after it. */
static int each_command(char **lines, int n)
{
    int ran = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(lines[i], "```console")) continue;
        int end = i + 1;
        while (end < n && strcmp(lines[end], "```")) end++;
        for (int k = i + 1; k < end; k++) {
            if (strncmp(lines[k], "$ ", 2)) continue;
            int stop = k + 1;
            while (stop < end && strncmp(lines[stop], "$ ", 2)) stop++;
            int last = stop;
            while (last > k + 1 && !lines[last - 1][0]) last--;           /* the blank line before the next command */
            ran += check_command(lines[k] + 2, &lines[k + 1], last - k - 1);
        }
        i = end;
    }
    return ran;
}

static void test_readme_outputs(void **state)
{
    (void)state;
    char *text, err[256];
    size_t len;
    if (ut_read_file("README.md", 1 << 22, &text, &len, err, sizeof err) != 0) fail_msg("%s", err);
    static char *lines[20000];
    int n = lines_of(text, lines, 20000), ran = 0;
    const char *u = getenv("USINE_README_UPDATE");
    updating = u && !strcmp(u, "1");
    readme_lines = lines;
    for (staging = 1; staging >= 0; staging--) ran += each_command(lines, n);   /* files first, then runs */
    unstage();
    if (updating) {
        if (nupdates) write_updates(lines, n);
        fprintf(stderr, "make readme: %d block(s) updated, %d to fix by hand (they elide lines)\n", nupdates, not_updated);
        free(text);
        assert_int_equal(not_updated, 0);
        return;
    }
    assert_true(ran >= 12);
    assert_true(staged_runs >= 2);                    /* the grading examples, in French and English */
    assert_int_equal(failures, 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
