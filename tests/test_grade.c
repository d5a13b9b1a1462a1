/* test_grade.c: `usine grade` and `usine course` as teachers run them: hostile submissions, every
 * output format, resuming an interrupted batch, determinism, bad input; and the grading child's
 * confinement (limits and system-call filter) directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "run_usine.h"
#include "ex.h"
#include "grade.h"
#include "kn.h"
#include "util.h"

#define EX "tests/fixtures/grading/exercise.lua"
#define GOOD "tests/fixtures/grading/good/"
#define HOSTILE "tests/fixtures/grading/hostile"
#define CANARY "/tmp/usine-hostile-was-here"

static char tmpdir[64];

static char *ut_read_all(const char *path)
{
    char *text, why[200];
    size_t len;
    if (ut_read_file(path, 1 << 24, &text, &len, why, sizeof why) != 0) fail_msg("%s: %s", path, why);
    return text;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/usine-grade-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Parse the JSON Lines of R.out into an array of records (at most max). */
static int parse_lines(cJSON **recs, int max)
{
    int n = 0;
    for (char *line = strtok(R.out, "\n"); line && n < max; line = strtok(NULL, "\n")) recs[n++] = parse_json(line);
    return n;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The messages of a record, joined, to look for the cause of a verdict. */
static void messages(const cJSON *rec, char *buf, size_t size)
{
    snprintf(buf, size, "%s |", str(rec, "error"));
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rec, "checks")) {
        size_t l = strlen(buf);
        snprintf(buf + l, size - l, " %s |", str(c, "message"));
    }
}

static void test_good_submissions(void **state)
{
    (void)state;
    run("en", "grade", EX, GOOD "solution.lua", GOOD "half.lua", GOOD "syntax.lua", "--format", "json", NULL);
    assert_int_equal(R.status, 1);                       /* two did not pass */
    cJSON *recs[3];
    assert_int_equal(parse_lines(recs, 3), 3);
    assert_string_equal(str(recs[0], "submission"), GOOD "solution.lua");
    assert_true(num(recs[0], "score") == 5 && num(recs[0], "max") == 5);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(recs[0], "passed")));
    assert_true(num(recs[1], "score") == 2);
    assert_string_equal(str(recs[1], "output"), "nodes\t364\nnodes\t674\nnodes\t16\n");
    const cJSON *peak = cJSON_GetArrayItem(cJSON_GetObjectItem(recs[1], "checks"), 1);
    assert_string_equal(str(peak, "status"), "failed");
    assert_string_equal(str(peak, "message"), "wrong peak for h100");
    assert_non_null(strstr(str(peak, "hint"), "GPUs"));
    assert_true(num(recs[2], "score") == 0);
    assert_non_null(strstr(str(recs[2], "error"), "syntax.lua:3:"));
    for (int i = 0; i < 3; i++) cJSON_Delete(recs[i]);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each check has a budget of its own: the simulation bomb spends one in each check, which under
 * the sanitizers (several times slower) adds up to the child's processor time before it does. */
#if defined(__SANITIZE_ADDRESS__)
#define BOMB_SAYS "limit reached"
#else
#define BOMB_SAYS "instruction limit"
#endif

/* Every hostile submission: below full marks, a verdict within seconds, nothing changed. */
static void test_hostile_submissions(void **state)
{
    (void)state;
    unlink(CANARY);
    DIR *d = opendir(HOSTILE);
    assert_non_null(d);
    static char names[40][128];
    const char *argv_paths[40];
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".lua")) {
            assert_true(n < 40);                                  /* every file is graded */
            snprintf(names[n], sizeof names[n], "%s/%s", HOSTILE, e->d_name);
            argv_paths[n] = names[n];
            n++;
        }
    closedir(d);
    qsort(argv_paths, (size_t)n, sizeof *argv_paths, cmp_names);
    assert_true(n >= 20);
    /* Two batches (run() takes up to 31 arguments). */
    int seen = 0;
    for (int first = 0; first < n; first += 13) {
        int k = n - first < 13 ? n - first : 13;
        const char *a[13];
        for (int i = 0; i < 13; i++) a[i] = i < k ? argv_paths[first + i] : NULL;
        run("en", "grade", EX, "--format", "json", "--jobs", "2", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
            a[8], a[9], a[10], a[11], a[12], NULL);
        if (R.status != 1) fail_msg("status %d, stderr: %s", R.status, R.err);
        cJSON *recs[13];
        int got = parse_lines(recs, 13);
        assert_int_equal(got, k);
        for (int i = 0; i < got; i++) {
            char msg[4096];
            messages(recs[i], msg, sizeof msg);
            const char *sub = str(recs[i], "submission");
            if (!(num(recs[i], "score") < num(recs[i], "max")))
                fail_msg("%s got full marks: %s", sub, msg);
            if (num(recs[i], "time_s") > 10) fail_msg("%s took %.1f s", sub, num(recs[i], "time_s"));
            /* The verdict names the cause. */
            static const struct { const char *file, *says; } cause[] = {
                { "/loop.lua", "instruction limit" }, { "/pcall_swallow.lua", "instruction limit" },
                { "/memory_bomb.lua", "memory limit" }, { "/string_rep.lua", "string.rep" },
                { "/pattern_bomb.lua", "time limit" }, { "/files.lua", "'io'" }, { "/finaliser.lua", "__gc" },
                { "/bytecode.lua", "'dump'" }, { "/error_tostring.lua", "error object is a table" },
                { "/platform_file.lua", "platform" }, { "/kernels.lua", "kernels" },
                { "/output_flood.lua", "instruction limit" }, { "/deep_recursion.lua", "stack overflow" },
                { "/simulation_bomb.lua", BOMB_SAYS },
            };
            for (size_t c = 0; c < sizeof cause / sizeof *cause; c++)
                if (strstr(sub, cause[c].file) && !strstr(msg, cause[c].says))
                    fail_msg("%s: expected '%s' in: %s", sub, cause[c].says, msg);
            if (strstr(sub, "output_flood")) assert_true(strlen(str(recs[i], "output")) <= 70000);
            cJSON_Delete(recs[i]);
            seen++;
        }
    }
    assert_int_equal(seen, n);
    struct stat st;
    assert_int_not_equal(stat(CANARY, &st), 0);
}

static void test_same_grade_every_time(void **state)
{
    (void)state;
    char first[8192];
    run("fr", "grade", EX, GOOD "half.lua", HOSTILE "/rigged_values.lua", HOSTILE "/nan_inf.lua", "--format", "json",
        "--jobs", "1", NULL);
    cJSON *a[3];
    assert_int_equal(parse_lines(a, 3), 3);
    run("fr", "grade", EX, GOOD "half.lua", HOSTILE "/rigged_values.lua", HOSTILE "/nan_inf.lua", "--format", "json",
        "--jobs", "2", NULL);
    cJSON *b[3];
    assert_int_equal(parse_lines(b, 3), 3);
    for (int i = 0; i < 3; i++) {
        cJSON_DeleteItemFromObject(a[i], "time_s");
        cJSON_DeleteItemFromObject(b[i], "time_s");
        char *sa = cJSON_PrintUnformatted(a[i]), *sb = cJSON_PrintUnformatted(b[i]);
        snprintf(first, sizeof first, "%s", sa);
        assert_string_equal(first, sb);
        free(sa);
        free(sb);
    }
    /* French titles and messages. */
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(a[0], "checks"), 1), "message"),
                        "crête fausse pour h100");
    for (int i = 0; i < 3; i++) cJSON_Delete(a[i]), cJSON_Delete(b[i]);
}

static void test_vpl_cannot_be_fooled(void **state)
{
    (void)state;
    setenv("VPL_GRADEMAX", "20", 1);
    run("en", "grade", EX, HOSTILE "/fake_grades.lua", "--format", "vpl", NULL);
    unsetenv("VPL_GRADEMAX");
    int grade_lines = 0;
    const char *last_grade = NULL;
    for (char *line = strtok(R.out, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "Grade :=>>", 10)) grade_lines++, last_grade = line;
        assert_true(strncmp(line, "Comment :=>>", 12) != 0 || strstr(line, "perfect") == NULL);
    }
    assert_int_equal(grade_lines, 1);
    assert_string_equal(last_grade, "Grade :=>> 0");
}

static void test_junit_gradescope_classroom(void **state)
{
    (void)state;
    run("en", "grade", EX, GOOD "half.lua", HOSTILE "/fake_grades.lua", "--format", "junit", NULL);
    assert_int_equal(R.status, 1);
    xmlDocPtr doc = xmlReadMemory(R.out, (int)strlen(R.out), "junit.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "testsuites");
    int suites = 0, cases = 0;
    for (xmlNodePtr s = root->children; s; s = s->next)
        if (s->type == XML_ELEMENT_NODE) {
            suites++;
            for (xmlNodePtr c = s->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE && !xmlStrcmp(c->name, (const xmlChar *)"testcase")) cases++;
        }
    assert_int_equal(suites, 2);
    assert_int_equal(cases, 4);                           /* no fake test case smuggled in */
    xmlFreeDoc(doc);

    run("en", "grade", EX, GOOD "half.lua", "--format", "gradescope", NULL);
    cJSON *g = cJSON_Parse(R.out);
    assert_non_null(g);
    assert_true(num(g, "score") == 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(g, "tests")), 2);
    cJSON_Delete(g);

    run("en", "grade", EX, GOOD "solution.lua", "--format", "classroom", NULL);
    assert_int_equal(R.status, 0);
    /* Decode the base64 line. */
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char json[4096];
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = R.out; *p && *p != '\n' && *p != '='; p++) {
        const char *k = strchr(alphabet, *p);
        assert_non_null(k);
        acc = (acc << 6) | (unsigned)(k - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            json[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    json[o] = '\0';
    cJSON *c = cJSON_Parse(json);
    assert_non_null(c);
    assert_string_equal(str(c, "status"), "pass");
    assert_true(num(c, "max_score") == 5);
    cJSON_Delete(c);
}

static int file_lines(const char *path)
{
    char *text = ut_read_all(path);
    int n = count_lines(text);
    free(text);
    return n;
}

/* A batch killed while writing its last record, run again with --resume: nothing lost, nothing
 * graded twice. */
/* A class graded on the terminal ends with its total. */
static void test_text_batch_has_a_summary(void **state)
{
    (void)state;
    run("en", "grade", EX, GOOD "solution.lua", GOOD "half.lua", NULL);
    assert_int_equal(R.status, 1);
    assert_non_null(strstr(R.out, "\n2 submissions graded, 1 reached the pass mark\n"));
    run("fr", "grade", EX, GOOD "solution.lua", GOOD "half.lua", NULL);
    assert_non_null(strstr(R.out, "2 rendus notés, 1 ayant atteint le seuil de réussite"));
    run("en", "grade", EX, GOOD "solution.lua", NULL);             /* one submission: its score says it */
    assert_null(strstr(R.out, "submission graded"));
}

static void test_resume(void **state)
{
    (void)state;
    char out[128];
    snprintf(out, sizeof out, "%s/grades.jsonl", tmpdir);
    run("en", "grade", EX, GOOD "solution.lua", GOOD "half.lua", "--format", "json", "--out", out, NULL);
    assert_int_equal(R.status, 1);
    assert_int_equal(file_lines(out), 2);
    /* Cut the file in the middle of the second record, as a kill would. */
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    char *text = ut_read_all(out);
    char *second = strchr(text, '\n') + 1;
    assert_int_equal(truncate(out, (off_t)(second - text) + 20), 0);
    run("en", "grade", EX, GOOD "solution.lua", GOOD "half.lua", GOOD "syntax.lua", "--format", "json", "--out", out,
        "--resume", NULL);
    assert_int_equal(R.status, 1);
    assert_non_null(strstr(R.out, ": 1 kept, 2 to grade\n"));         /* says what it took from the journal */
    assert_int_equal(file_lines(out), 3);
    char *again = ut_read_all(out);
    assert_true(strncmp(again, text, (size_t)(second - text)) == 0); /* the first record untouched */
    assert_non_null(strstr(again, "half.lua"));
    assert_non_null(strstr(again, "syntax.lua"));
    assert_null(strstr(strstr(again, "solution.lua") + 1, "solution.lua\""));
    free(text);
    free(again);

    /* JUnit: the journal sits next to the report; --resume grades nothing new. */
    snprintf(out, sizeof out, "%s/report.xml", tmpdir);
    run("en", "grade", EX, GOOD "solution.lua", "--format", "junit", "--out", out, NULL);
    assert_int_equal(R.status, 0);
    char journal[160];
    snprintf(journal, sizeof journal, "%s.jsonl", out);
    assert_int_equal(file_lines(journal), 1);
    run("en", "grade", EX, GOOD "solution.lua", "--format", "junit", "--out", out, "--resume", NULL);
    assert_int_equal(R.status, 0);
    assert_int_equal(file_lines(journal), 1);
    xmlDocPtr doc = xmlReadFile(out, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlFreeDoc(doc);
}

static void test_bad_input(void **state)
{
    (void)state;
    char broken[128];
    snprintf(broken, sizeof broken, "%s/broken.lua", tmpdir);
    FILE *f = fopen(broken, "w");
    fputs("return { id = 'x', title = { fr = 'Titre' }, text = {fr='a', en='b'} }\n", f);
    fclose(f);
    static const struct { const char *a[6]; const char *says; } cases[] = {
        { { "grade", NULL }, "exercise" },
        { { "grade", EX, NULL }, "submission" },
        { { "grade", "no-such-exercise.lua", GOOD "solution.lua", NULL }, "no-such-exercise.lua" },
        { { "grade", EX, GOOD "solution.lua", "--format", "pdf", NULL }, "--format pdf" },
        { { "grade", EX, GOOD "solution.lua", GOOD "half.lua", "--format", "vpl" }, "one submission" },
        { { "grade", EX, GOOD "solution.lua", "--resume", NULL }, "--out" },
        { { "grade", EX, GOOD "solution.lua", "--jobs", "0", NULL }, "--jobs" },
        { { "course", "check", "no/such/dir", NULL }, "index.lua" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *const *a = cases[i].a;
        run("en", a[0], a[1], a[2], a[3], a[4], a[5], NULL);
        if (R.status != 2 || !strstr(R.err, cases[i].says))
            fail_msg("case %zu: status %d, stderr: %s", i, R.status, R.err);
        assert_string_equal(R.out, "");
    }
    run("en", "grade", broken, GOOD "solution.lua", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "broken.lua: title: field 'en'"));
    /* An unreadable submission gets its record, the others are graded, the status says 2. */
    run("en", "grade", EX, "no-such-submission.lua", GOOD "solution.lua", "--format", "json", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.out, "cannot read the submission"));
    assert_non_null(strstr(R.out, "\"score\":5"));
}

/* The shipped course: every exercise loads, its solution gets full marks, its starter does not. */
static void test_course_check_and_list(void **state)
{
    (void)state;
    /* The shipped course: every reference solution gets full marks, every starter does not
     * (26 gradings, about 16 s under the sanitizers). */
    run_alarm_s = 120;
    run("en", "course", "check", "courses/fondamentaux", NULL);
    run_alarm_s = 20;
    if (R.status != 0) fail_msg("course check: status %d\n%s%s", R.status, R.out, R.err);
    assert_non_null(strstr(R.out, "✓ anatomy"));
    int ok = 0;
    for (const char *p = R.out; (p = strstr(p, "✓ ")); p++) ok++;
    assert_true(ok >= 12);
    assert_null(strstr(R.out, "✗"));
    run("fr", "course", "list", "courses/fondamentaux", "--json", NULL);
    assert_int_equal(R.status, 0);
    cJSON *o = cJSON_Parse(R.out);
    assert_non_null(o);
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "exercises"), 0);
    assert_string_equal(str(ex, "id"), "anatomy");
    assert_string_equal(str(cJSON_GetObjectItem(ex, "title"), "fr"), "Anatomie d'une usine d'IA");
    assert_true(num(ex, "minutes") > 0 && num(ex, "difficulty") >= 1);
    cJSON_Delete(o);
    /* A course whose solution is missing, and one whose starter already gets full marks. */
    char dir[128], path[192];
    snprintf(dir, sizeof dir, "%s/course", tmpdir);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/index.lua", dir);
    FILE *f = fopen(path, "w");
    fputs("return { id = 'c', title = { fr = 'C', en = 'C' }, exercises = { 'exercise' } }\n", f);
    fclose(f);
    char *exercise = ut_read_all(EX);
    snprintf(path, sizeof path, "%s/exercise.lua", dir);
    f = fopen(path, "w");
    fputs(exercise, f);
    fclose(f);
    free(exercise);
    run("en", "course", "check", dir, "--solutions", tmpdir, NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "no reference solution for exercise 'test-gpus'"));
    snprintf(path, sizeof path, "%s/test-gpus.lua", tmpdir);
    f = fopen(path, "w");
    fputs("function gpus() return 0 end function peak() return 0 end\n", f);
    fclose(f);
    run("en", "course", "check", dir, "--solutions", tmpdir, NULL);
    assert_int_equal(R.status, 1);
    assert_non_null(strstr(R.out, "does not get full marks"));
}

/* Kernels run inside checks, in the confined child: the CPU they describe is the one detected
 * before the filter forbade reading /proc and /sys. */
static void test_kernels_see_the_cpu_in_the_child(void **state)
{
    (void)state;
    char ex[128];
    snprintf(ex, sizeof ex, "%s/cpu.lua", tmpdir);
    FILE *f = fopen(ex, "w");
    fputs("return { id = 'cpu', title = { fr = 'c', en = 'c' }, text = { fr = 't', en = 't' },\n"
          "  concepts = { fr = { 'c' }, en = { 'c' } }, difficulty = 1, minutes = 1, starter = 'x = 1',\n"
          "  checks = { { id = 'cpu', title = { fr = 'c', en = 'c' }, points = 1, hint = { fr = 'h', en = 'h' },\n"
          "    run = function() local c = usine.kernels.cpu() return false, c.model .. '|' .. c.isa end } } }\n", f);
    fclose(f);
    run("en", "grade", ex, GOOD "solution.lua", "--format", "json", NULL);
    assert_int_equal(R.status, 1);
    cJSON *o = parse_json(R.out);
    kn_cpu cpu;
    kn_cpu_detect(&cpu);
    char want[200];
    snprintf(want, sizeof want, "%s|%s", cpu.model, cpu.isa);
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 0), "message"), want);
    cJSON_Delete(o);
}

/* Write text to tmpdir/name; the path goes to path. */
static void write_tmp(char *path, size_t size, const char *name, const char *text)
{
    snprintf(path, size, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A typo in an exercise's field is refused with the file and the line where the field is set. */
static void test_unknown_field_says_its_line(void **state)
{
    (void)state;
    char ex[128];
    write_tmp(ex, sizeof ex, "typo.lua",
              "return { id = 'typo', title = { fr = 't', en = 't' }, text = { fr = 't', en = 't' },\n"
              "  concepts = { fr = { 'c' }, en = { 'c' } }, difficulty = 1, minutes = 1, starter = 'x = 1',\n"
              "  -- hints are per check\n"
              "  hints = { fr = 'h', en = 'h' },\n"
              "  checks = { { id = 'a', title = { fr = 'a', en = 'a' }, points = 1, hint = { fr = 'h', en = 'h' },\n"
              "    run = function(s) return true end } } }\n");
    run("en", "grade", ex, GOOD "solution.lua", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "typo.lua:4: unknown field 'hints'"));
}

/* An exercise whose one check needs about a third of a second of CPU from the submission (well
 * inside its instruction budget and its 1 s of CPU): a slow but correct file. */
#define SLOW_EXERCISE                                                                                 \
    "return { id = 'slow', title = { fr = 's', en = 's' }, text = { fr = 't', en = 't' },\n"          \
    "  concepts = { fr = { 'c' }, en = { 'c' } }, difficulty = 1, minutes = 1, starter = 'x = 1',\n"   \
    "  limits = { instructions = 2000000000, seconds = 1 },\n"                                        \
    "  checks = { { id = 'work', title = { fr = 'w', en = 'w' }, points = 1, hint = { fr = 'h', en = 'h' },\n" \
    "    run = function(s) return s.work() == 42 end } } }\n"
#define SLOW_SOLUTION "function work() local s = 0 for i = 1, 25000000 do s = s + i % 3 end return 42 end\n"

static long online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n;
}

/* Limits count what the submission consumed, never wall time shared with other processes: the
 * same slow-but-correct file gets the same grade alone and with --jobs 4 x the CPUs beside CPU
 * hogs; --jobs above the CPUs is clamped with a message. */
static void test_grade_does_not_depend_on_load(void **state)
{
    (void)state;
    char ex[128], sub[128];
    write_tmp(ex, sizeof ex, "slow.lua", SLOW_EXERCISE);
    write_tmp(sub, sizeof sub, "slow_solution.lua", SLOW_SOLUTION);
    run("en", "grade", ex, sub, "--format", "json", "--jobs", "1", NULL);
    if (R.status != 0) fail_msg("alone: status %d\n%s%s", R.status, R.out, R.err);

    long cpus = online_cpus();
    pid_t hogs[2];
    for (int i = 0; i < 2; i++) {
        hogs[i] = fork();
        if (hogs[i] == 0) {
            alarm(60);
            for (volatile unsigned long x = 0;; x++) {}
        }
    }
    char jobs[16];
    snprintf(jobs, sizeof jobs, "%ld", 4 * cpus);
    run_alarm_s = 60;
    run("en", "grade", ex, sub, sub, sub, sub, sub, sub, sub, sub, "--format", "json", "--jobs", jobs, NULL);
    run_alarm_s = 20;
    for (int i = 0; i < 2; i++) kill(hogs[i], SIGKILL), waitpid(hogs[i], NULL, 0);
    if (R.status != 0) fail_msg("busy: status %d\nstderr: %s\nstdout: %.3000s", R.status, R.err, R.out);   /* stderr first: the why */
    cJSON *recs[8];
    assert_int_equal(parse_lines(recs, 8), 8);
    for (int i = 0; i < 8; i++) {
        assert_true(num(recs[i], "score") == 1);
        cJSON_Delete(recs[i]);
    }
    if (4 * cpus > cpus) assert_non_null(strstr(R.err, "--jobs"));
}

/* The same file gets the same grade under any locale: the child compares strings, sorts and
 * changes case in the C locale. Lua follows LC_COLLATE ('a' < 'B' under French rules), LC_CTYPE
 * (string.upper of a Latin-1 e-acute) and LC_NUMERIC. A French Latin-1 locale is compiled into
 * the test's folder where the machine has localedef and the locale sources; else C.UTF-8. */
static void test_grade_does_not_depend_on_locale(void **state)
{
    (void)state;
    char ex[128], sub[128], locdir[128], cmd[400];
    write_tmp(ex, sizeof ex, "locale.lua",
              "return { id = 'loc', title = { fr = 'l', en = 'l' }, text = { fr = 't', en = 't' },\n"
              "  concepts = { fr = { 'c' }, en = { 'c' } }, difficulty = 1, minutes = 1, starter = 'x = 1',\n"
              "  checks = {\n"
              "    { id = 'cmp', title = { fr = 'c', en = 'c' }, points = 1, hint = { fr = 'h', en = 'h' },\n"
              "      run = function(s) return s.cmp() == false end },\n"
              "    { id = 'sort', title = { fr = 's', en = 's' }, points = 1, hint = { fr = 'h', en = 'h' },\n"
              "      run = function(s) return s.sorted() == 'B,a' end },\n"
              "    { id = 'up', title = { fr = 'u', en = 'u' }, points = 1, hint = { fr = 'h', en = 'h' },\n"
              "      run = function(s) return s.up() == '\\xE9' and s.num() == '1.5' end } } }\n");
    write_tmp(sub, sizeof sub, "locale_solution.lua",
              "function cmp() return 'a' < 'B' end\n"
              "function sorted() local t = { 'a', 'B' } table.sort(t) return table.concat(t, ',') end\n"
              "function up() return string.upper('\\xE9') end\n"
              "function num() return tostring(1.5) end\n");
    run("en", "grade", ex, sub, "--format", "json", NULL);
    if (R.status != 0) fail_msg("C locale: status %d\n%s%s", R.status, R.out, R.err);
    snprintf(locdir, sizeof locdir, "%s/locales", tmpdir);
    mkdir(locdir, 0700);
    snprintf(cmd, sizeof cmd, "localedef -i fr_FR -f ISO-8859-1 %s/fr_FR.ISO-8859-1 >/dev/null 2>&1", locdir);
    const char *name = system(cmd) == 0 ? "fr_FR.ISO-8859-1" : "C.UTF-8";
    setenv("LOCPATH", locdir, 1);
    setenv("LC_ALL", name, 1);
    run("en", "grade", ex, sub, "--format", "json", NULL);
    unsetenv("LC_ALL");
    unsetenv("LOCPATH");
    if (R.status != 0) fail_msg("%s: status %d\n%s%s", name, R.status, R.out, R.err);
}

static void write_to_stderr(void)
{
    static const char note[] = "note from the child\n";
    if (write(2, note, sizeof note - 1) < 0) _exit(12);
}

static void keep_one(void *ud, int index, gr_record *rec)
{
    (void)index;
    *(gr_record *)ud = *rec;
}

/* A child that writes to stderr while the grader's stderr is a file: with RLIMIT_FSIZE 0 it
 * used to die of SIGXFSZ and its message was lost. The grader copies it to its own stderr. */
/* A global too large to copy for the checks is left out and named; the others stay, so the
 * functions beside it are graded, and a check that asks for it is told why it is missing. Two
 * globals naming one table share one copy. */
static void test_globals_copied_one_by_one(void **state)
{
    (void)state;
    char err[300];
    ex_host host = { .platform_path = "assets/platforms" };
    ex_exercise *e = ex_load(EX, &host, err, sizeof err);
    if (!e) fail_msg("%s", err);
    static const char big[] =
        "big = {}\nfor i = 1, 400000 do big[i] = { i } end\n"
        "function gpus(p, partition) return p:totals(partition).gpus end\n"
        "function peak(p, partition) return big end\n";
    gr_record rec;
    ex_grade(e, "big.lua", big, sizeof big - 1, "en", &rec);
    assert_non_null(rec.error);
    if (!strstr(rec.error, "'big'") || !strstr(rec.error, "memory limit"))
        fail_msg("the error does not name the global and the cause: %s", rec.error);
    assert_int_equal(rec.checks[0].status, GR_PASSED);               /* gpus survived */
    assert_true(rec.score == rec.checks[0].max);
    gr_record_free(&rec);

    /* Two names for one table: one copy (two would pass the memory cap). */
    static const char shared[] =
        "t = {}\nfor i = 1, 230000 do t[i] = { i } end\nalias = t\n"
        "function gpus(p, partition) return p:totals(partition).gpus end\n";
    ex_grade(e, "shared.lua", shared, sizeof shared - 1, "en", &rec);
    if (rec.error) fail_msg("two names for one table are copied once, not twice: %s", rec.error);
    assert_int_equal(rec.checks[0].status, GR_PASSED);
    gr_record_free(&rec);
    ex_free(e);

    /* A check asking for the global left out hears why it is missing. */
    char path[128];
    snprintf(path, sizeof path, "%s/reads-big.lua", tmpdir);
    char *text = ut_read_all(EX), *at = strstr(text, "checks = {");
    assert_non_null(at);
    at += strlen("checks = {");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%.*s\n    { id = 'big', title = { fr = 'x', en = 'x' }, hint = { fr = 'x', en = 'x' }, points = 1,\n"
               "      run = function(s) return #s.big > 0 end },%s", (int)(at - text), text, at);
    fclose(f);
    free(text);
    e = ex_load(path, &host, err, sizeof err);
    if (!e) fail_msg("%s", err);
    ex_grade(e, "big.lua", big, sizeof big - 1, "en", &rec);
    assert_int_equal(rec.checks[0].status, GR_ERROR);
    if (!strstr(rec.checks[0].message, "'big' could not be copied") || !strstr(rec.checks[0].message, "memory limit"))
        fail_msg("the check's message does not say why 'big' is missing: %s", rec.checks[0].message);
    gr_record_free(&rec);
    ex_free(e);
}

/* print in exercise code: the file's top level writes to stderr, checks write nowhere, and stdout
 * (JSON Lines here) holds the report alone. */
static void test_exercise_print_keeps_stdout_clean(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/prints.lua", tmpdir);
    char *text = ut_read_all(EX), *at = strstr(text, "run = function(s)");
    assert_non_null(at);
    at += strlen("run = function(s)");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "print('top', 42)\n%.*s print('in a check')%s", (int)(at - text), text, at);
    fclose(f);
    free(text);
    run("en", "grade", path, GOOD "solution.lua", "--format", "json", NULL);
    assert_int_equal(R.status, 0);
    if (R.out[0] != '{' || strstr(R.out, "top") || strstr(R.out, "in a check")) fail_msg("stdout: %s", R.out);
    cJSON *rec[1];
    assert_int_equal(parse_lines(rec, 1), 1);
    cJSON_Delete(rec[0]);
    if (!strstr(R.err, "top\t42\n") || strstr(R.err, "in a check")) fail_msg("stderr: %s", R.err);
}

static void test_child_stderr_reaches_a_file(void **state)
{
    (void)state;
    char errfile[128], err[300];
    ex_host host = { .platform_path = "assets/platforms" };
    ex_exercise *e = ex_load(EX, &host, err, sizeof err);
    if (!e) fail_msg("%s", err);
    snprintf(errfile, sizeof errfile, "%s/stderr.txt", tmpdir);
    fflush(stderr);
    int saved = dup(2), fd = open(errfile, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    const char *paths[] = { GOOD "solution.lua" };
    gr_record rec;
    gr_record_init(&rec);
    grade_batch b = { .exercise = e, .paths = paths, .n = 1, .jobs = 1, .lang = "en", .emit = keep_one, .ud = &rec,
                      .child_hook = write_to_stderr };
    int rc = grade_run(&b, err, sizeof err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *text = ut_read_all(errfile);
    if (rc != 0 || rec.score != 5 || !strstr(text, "note from the child"))
        fail_msg("rc %d, score %g, error %s, stderr: %s", rc, rec.score, rec.error ? rec.error : "-", text);
    free(text);
    gr_record_free(&rec);
    ex_free(e);
}

/* The records of a journal, one per line; every line must be one. */
static int journal_records(const char *path, cJSON **recs, int max)
{
    char *text = ut_read_all(path);
    int n = 0;
    for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        recs[n] = cJSON_Parse(line);
        if (!recs[n]) fail_msg("%s: line %d is not one record: %s", path, n + 1, line);
        n++;
    }
    free(text);
    return n;
}

/* The score the journal gives the submission whose path (exact bytes) is sub: -1 if none, -2 if
 * more than one. */
static double journal_score(const char *journal, const char *sub)
{
    cJSON *recs[32];
    int n = journal_records(journal, recs, 32);
    char *hex = grade_hex(sub, strlen(sub));
    double score = -1;
    for (int i = 0; i < n; i++) {
        if (!strcmp(str(recs[i], "path_hex"), hex)) score = score == -1 ? num(recs[i], "score") : -2;
        cJSON_Delete(recs[i]);
    }
    free(hex);
    return score;
}

static void copy_file(const char *from, const char *to)
{
    char *text = ut_read_all(from);
    FILE *f = fopen(to, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    free(text);
}

/* A record says the seed and feedback level it was graded with; --resume with other flags grades
 * again, saying why, instead of mixing practice grades into an exam's. */
static void test_resume_keeps_its_seed(void **state)
{
    (void)state;
    char journal[128];
    snprintf(journal, sizeof journal, "%s/exam.jsonl", tmpdir);
    unlink(journal);
    run("en", "grade", EX, GOOD "half.lua", "--format", "json", "--out", journal, NULL);
    cJSON *recs[8];
    assert_int_equal(journal_records(journal, recs, 8), 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(recs[0], "feedback")), "full");
    assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(recs[0], "seed")));
    cJSON_Delete(recs[0]);
    run("en", "grade", EX, GOOD "half.lua", "--seed", "7", "--format", "json", "--out", journal, "--resume", NULL);
    assert_int_equal(R.status, 1);
    if (!strstr(R.err, "it was graded with --seed ") || !strstr(R.err, "not --seed 7 --feedback hints"))
        fail_msg("no word about the seed: %s", R.err);
    assert_int_equal(journal_records(journal, recs, 8), 2);  /* graded again */
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(recs[1], "seed")), "7");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(recs[1], "feedback")), "hints");
    for (int i = 0; i < 2; i++) cJSON_Delete(recs[i]);
    run("en", "grade", EX, GOOD "half.lua", "--seed", "7", "--format", "json", "--out", journal, "--resume", NULL);
    assert_int_equal(journal_records(journal, recs, 8), 2);  /* the same flags: kept */
    for (int i = 0; i < 2; i++) cJSON_Delete(recs[i]);
}

/* --resume keys each record by the exact bytes of the path and the content's hash: a Latin-1
 * name and a file literally named with its cleaned form keep their own grades, an edited file is
 * graded again, nothing is duplicated; a last line that lost its newline is repaired, a line
 * with trailing garbage, a forged record and a verdict that was the machine's fault are graded
 * again, with a warning that names the line. */
static void test_resume_journal_cannot_lie(void **state)
{
    (void)state;
    char latin[128], literal[128], missing[128], journal[128];
    snprintf(latin, sizeof latin, "%s/caf\xe9.lua", tmpdir);
    snprintf(literal, sizeof literal, "%s/caf\\xE9.lua", tmpdir);
    snprintf(missing, sizeof missing, "%s/late.lua", tmpdir);
    snprintf(journal, sizeof journal, "%s/journal.jsonl", tmpdir);
    copy_file(GOOD "solution.lua", latin);
    copy_file(GOOD "syntax.lua", literal);
    unlink(missing);
    run("en", "grade", EX, latin, literal, missing, "--format", "json", "--out", journal, NULL);
    assert_int_equal(R.status, 2);                           /* late.lua cannot be read */
    assert_true(journal_score(journal, latin) == 5 && journal_score(journal, literal) == 0);
    copy_file(GOOD "solution.lua", missing);                 /* it came back */
    run("en", "grade", EX, latin, literal, missing, "--format", "json", "--out", journal, "--resume", NULL);
    if (R.status != 1) fail_msg("status %d: %s", R.status, R.err);
    assert_true(journal_score(journal, latin) == 5);
    assert_true(journal_score(journal, literal) == 0);       /* not the Latin-1 file's grade, not twice */
    cJSON *recs[32];
    int n = journal_records(journal, recs, 32);
    assert_int_equal(n, 4);                                  /* late.lua: its "cannot read", then its grade */
    for (int i = 0; i < n; i++) cJSON_Delete(recs[i]);

    /* An edited submission is graded again. */
    copy_file(GOOD "solution.lua", literal);
    run("en", "grade", EX, latin, literal, "--format", "json", "--out", journal, "--resume", NULL);
    assert_int_equal(R.status, 0);
    assert_int_equal(journal_records(journal, recs, 32), 5);
    for (int i = 0; i < 5; i++) cJSON_Delete(recs[i]);

    /* A journal whose last line lost its newline: the record is kept, the next one is not glued. */
    char *text = ut_read_all(journal);
    size_t len = strlen(text);
    assert_int_equal(truncate(journal, (off_t)len - 1), 0);
    run("en", "grade", EX, latin, GOOD "half.lua", "--format", "json", "--out", journal, "--resume", NULL);
    assert_int_equal(R.status, 1);
    assert_int_equal(journal_records(journal, recs, 32), 6);
    for (int i = 0; i < 6; i++) cJSON_Delete(recs[i]);
    run("en", "grade", EX, latin, GOOD "half.lua", "--format", "json", "--out", journal, "--resume", NULL);
    assert_int_equal(journal_records(journal, recs, 32), 6);  /* nothing graded twice */
    for (int i = 0; i < 6; i++) cJSON_Delete(recs[i]);

    /* Trailing garbage, and a forged record: warned about with file:line, graded again. */
    char *first_line = strndup(text, strcspn(text, "\n"));    /* the Latin-1 file's record */
    free(text);
    char forged[128], *line = NULL;
    snprintf(forged, sizeof forged, "%s/forged.jsonl", tmpdir);
    FILE *f = fopen(forged, "w");
    fprintf(f, "%s GARBAGE\n", first_line);
    cJSON *o = cJSON_Parse(first_line);
    assert_non_null(o);
    cJSON_ReplaceItemInObject(o, "score", cJSON_CreateNumber(1e300));
    line = cJSON_PrintUnformatted(o);
    fprintf(f, "%s\n", line);
    fclose(f);
    free(line);
    cJSON_Delete(o);
    free(first_line);
    run("en", "grade", EX, latin, "--format", "json", "--out", forged, "--resume", NULL);
    assert_int_equal(R.status, 0);
    char want[200];
    snprintf(want, sizeof want, "%s:1:", forged);
    if (!strstr(R.err, want)) fail_msg("no warning for line 1: %s", R.err);
    snprintf(want, sizeof want, "%s:2:", forged);
    if (!strstr(R.err, want)) fail_msg("no warning for line 2: %s", R.err);
    text = ut_read_all(forged);
    assert_int_equal(count_lines(text), 3);                  /* graded again: a third line */
    free(text);
}

/* Two graders writing the same --out: the second is refused at once, with a message. */
static void test_out_is_locked(void **state)
{
    (void)state;
    char out[128];
    snprintf(out, sizeof out, "%s/locked.jsonl", tmpdir);
    int fd = open(out, O_CREAT | O_RDWR, 0600);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);      /* as a grader in the middle of a batch */
    run("en", "grade", EX, GOOD "solution.lua", "--format", "json", "--out", out, NULL);
    close(fd);
    if (R.status != 2 || !strstr(R.err, "another grader is writing")) fail_msg("status %d: %s", R.status, R.err);
    run("en", "grade", EX, GOOD "solution.lua", "--format", "json", "--out", out, NULL);
    assert_int_equal(R.status, 0);
}

/* --out never names a submission, the exercise, a FIFO or a device, and writes through a
 * symbolic link without replacing it. */
static void test_out_is_safe(void **state)
{
    (void)state;
    char fifo[128], sub[128], ex[128], real[128], link[128];
    snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    run_alarm_s = 10;
    run("en", "grade", EX, GOOD "solution.lua", "--format", "json", "--out", fifo, NULL);
    if (R.status != 2 || !strstr(R.err, "fifo")) fail_msg("FIFO as --out: status %d: %s", R.status, R.err);
    run("en", "grade", EX, GOOD "solution.lua", "--format", "junit", "--out", fifo, NULL);
    run_alarm_s = 20;
    if (R.status != 2 || !strstr(R.err, "fifo")) fail_msg("FIFO as --out: status %d: %s", R.status, R.err);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));

    write_tmp(sub, sizeof sub, "a.lua", "function gpus() return 0 end\n");
    run("en", "grade", EX, sub, "--format", "json", "--out", sub, NULL);
    if (R.status != 2 || !strstr(R.err, "a.lua")) fail_msg("submission as --out: status %d: %s", R.status, R.err);
    char *text = ut_read_all(sub);
    assert_string_equal(text, "function gpus() return 0 end\n");
    free(text);
    copy_file(EX, (snprintf(ex, sizeof ex, "%s/ex.lua", tmpdir), ex));
    run("en", "grade", ex, GOOD "solution.lua", "--format", "junit", "--out", ex, NULL);
    if (R.status != 2 || !strstr(R.err, "ex.lua")) fail_msg("exercise as --out: status %d: %s", R.status, R.err);
    char linked[160];
    snprintf(linked, sizeof linked, "%s/./ex.lua", tmpdir);      /* the same file by another name */
    run("en", "grade", ex, GOOD "solution.lua", "--format", "json", "--out", linked, NULL);
    assert_int_equal(R.status, 2);
    char *a = ut_read_all(ex), *b = ut_read_all(EX);
    assert_string_equal(a, b);
    free(a);
    free(b);

    snprintf(real, sizeof real, "%s/real.xml", tmpdir);
    snprintf(link, sizeof link, "%s/link.xml", tmpdir);
    write_tmp(real, sizeof real, "real.xml", "old\n");
    assert_int_equal(symlink("real.xml", link), 0);
    run("en", "grade", EX, GOOD "solution.lua", "--format", "junit", "--out", link, NULL);
    if (R.status != 0) fail_msg("symbolic link as --out: status %d: %s", R.status, R.err);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    text = ut_read_all(real);
    assert_non_null(strstr(text, "<testsuites"));
    free(text);
}

static void sleep_in_child(void)
{
    struct timespec ts = { 5, 0 };
    nanosleep(&ts, NULL);                       /* uses no processor: only the wall guard sees it */
}

/* A child stuck without using the processor meets the wall-time guard: its verdict says so and
 * is marked as the machine's fault, so that --resume grades it again. */
static void test_wall_guard_is_the_machines_fault(void **state)
{
    (void)state;
    char err[300];
    ex_host host = { .platform_path = "assets/platforms" };
    ex_exercise *e = ex_load(EX, &host, err, sizeof err);
    if (!e) fail_msg("%s", err);
    const char *paths[] = { GOOD "solution.lua" };
    gr_record rec;
    gr_record_init(&rec);
    grade_batch b = { .exercise = e, .paths = paths, .n = 1, .jobs = 1, .lang = "en", .emit = keep_one, .ud = &rec,
                      .wall_s = 0.3, .child_hook = sleep_in_child };
    assert_int_equal(grade_run(&b, err, sizeof err), 0);
    assert_true(rec.machine_fault);
    assert_non_null(rec.error);
    if (!strstr(rec.error, "wall-time guard")) fail_msg("%s", rec.error);
    assert_true(rec.time_s < 3);
    gr_record_free(&rec);
    ex_free(e);
}

/* A record read back is checked against the exercise: maximum, checks, points, verdict. */
static void test_record_check_against_exercise(void **state)
{
    (void)state;
    char err[300], why[300];
    ex_host host = { .platform_path = "assets/platforms" };
    ex_exercise *e = ex_load(EX, &host, err, sizeof err);
    if (!e) fail_msg("%s", err);
    for (int k = 0; k < 8; k++) {
        gr_record r;
        grade_verdict(e, "s.lua", "en", "boom", &r);
        if (k >= 1) {                               /* a full grade, as a real one would be */
            for (int i = 0; i < r.nchecks; i++) r.checks[i].status = GR_PASSED, r.checks[i].points = r.checks[i].max;
            gr_record_total(&r, e->pass_fraction);
        }
        switch (k) {
        case 2: r.score = 1e300; break;
        case 3: r.passed = 0; break;
        case 4: r.checks[0].points = r.checks[0].max + 1, gr_record_total(&r, e->pass_fraction); break;
        case 5: free(r.checks[1].id), r.checks[1].id = ut_strdup("other"); break;
        case 6: r.max = 50; break;
        case 7: r.checks[0].status = GR_ERROR; break;
        }
        int rc = grade_record_check(e, &r, why, sizeof why);
        if (k < 2 && rc != 0) fail_msg("case %d refused: %s", k, why);
        if (k >= 2 && rc == 0) fail_msg("case %d accepted", k);
        gr_record_free(&r);
    }
    ex_free(e);
}

/* The child's confinement, directly: no file, no process, no program, no socket, no code. */
static void test_confinement(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char err[200];
        if (grade_confine(5, fds[1], err, sizeof err) != 0) _exit(10);
        int bad = 0;
        if (open(CANARY, O_CREAT | O_WRONLY, 0600) >= 0) bad |= 1;
        if (open("/etc/hostname", O_RDONLY) >= 0) bad |= 2;
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p > 0) bad |= 4;
        if (socket(AF_INET, SOCK_STREAM, 0) >= 0) bad |= 8;
        char *const args[] = { "/bin/true", NULL };
        execv("/bin/true", args);
        bad |= 16;                                      /* reached only because execv failed: good */
        if (write(1, "x", 1) == 1) bad |= 32;
        unsigned char code = (unsigned char)(bad ^ 16);
        if (write(fds[1], &code, 1) != 1) _exit(11);
        _exit(0);
    }
    close(fds[1]);
    unsigned char code = 255;
    assert_int_equal(read(fds[0], &code, 1), 1);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(code, 0);
    close(fds[0]);
    struct stat sb;
    assert_int_not_equal(stat(CANARY, &sb), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confinement),
        cmocka_unit_test(test_good_submissions),
        cmocka_unit_test(test_hostile_submissions),
        cmocka_unit_test(test_globals_copied_one_by_one),
        cmocka_unit_test(test_exercise_print_keeps_stdout_clean),
        cmocka_unit_test(test_same_grade_every_time),
        cmocka_unit_test(test_vpl_cannot_be_fooled),
        cmocka_unit_test(test_junit_gradescope_classroom),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_text_batch_has_a_summary),
        cmocka_unit_test(test_unknown_field_says_its_line),
        cmocka_unit_test(test_resume_journal_cannot_lie),
        cmocka_unit_test(test_resume_keeps_its_seed),
        cmocka_unit_test(test_out_is_locked),
        cmocka_unit_test(test_out_is_safe),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_course_check_and_list),
        cmocka_unit_test(test_kernels_see_the_cpu_in_the_child),
        cmocka_unit_test(test_grade_does_not_depend_on_load),
        cmocka_unit_test(test_grade_does_not_depend_on_locale),
        cmocka_unit_test(test_child_stderr_reaches_a_file),
        cmocka_unit_test(test_wall_guard_is_the_machines_fault),
        cmocka_unit_test(test_record_check_against_exercise),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
