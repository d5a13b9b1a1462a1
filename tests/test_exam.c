/* test_exam.c: what keeps a class from gaming the grader, and what a broken file shows: an
 * exercise's allow-list of the usine library, cases drawn from the grading seed, feedback levels
 * (an exam's messages never carry the expected value), a budget per check, the case an error
 * names, a file that does not compile (first, in every format), a byte-order mark and CRLF, the
 * default pass mark, `course check`'s warning, and the project's cheat set against the course. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>
#include <math.h>

#include "run_usine.h"
#include "ex.h"
#include "gr.h"
#include "util.h"

#define EXAM "tests/fixtures/grading/exam/"
#define EX EXAM "exercise.lua"
#define CHEATS "tests/fixtures/grading/cheats"
#define COURSE "courses/fondamentaux/"
#define SLIPS "tests/fixtures/grading/slips"

__attribute__((noinline)) static char *read_all(const char *path, size_t *len)
{
    char *text, why[200];
    size_t n;
    if (ut_read_file(path, 1 << 20, &text, &n, why, sizeof why) != 0) fail_msg("%s: %s", path, why);
    if (len) *len = n;
    return text;
}

static ex_exercise *load(const char *path, unsigned long long seed, ex_feedback feedback)
{
    ex_host host = { .platform_path = "assets/platforms", .seed = seed, .feedback = feedback };
    char err[1024];
    ex_exercise *e = ex_load(path, &host, err, sizeof err);
    if (!e) fail_msg("%s", err);
    return e;
}

static void grade_file(ex_exercise *e, const char *path, gr_record *rec)
{
    size_t len;
    char *text = read_all(path, &len);
    ex_grade(e, path, text, len, "en", rec);
    free(text);
}

static const gr_check *check_of(const gr_record *r, const char *id)
{
    for (int i = 0; i < r->nchecks; i++)
        if (!strcmp(r->checks[i].id, id)) return &r->checks[i];
    fail_msg("no check '%s'", id);
    return NULL;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* GitHub Classroom's report, decoded (base64 on one line). */
static cJSON *decode_classroom(const char *b64)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strcspn(b64, "\n"), k = 0;
    char *out = ut_malloc(n + 1);
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n && b64[i] != '='; i++) {
        const char *p = strchr(abc, b64[i]);
        if (!p) fail_msg("not base64: %.40s", b64);
        v = v << 6 | (unsigned)(p - abc), bits += 6;
        if (bits >= 8) out[k++] = (char)(v >> (bits -= 8) & 0xff);
    }
    out[k] = '\0';
    cJSON *o = parse_json(out);
    free(out);
    return o;
}

/* ---- the allow-list ------------------------------------------------------------------------ */

/* An exercise whose one check shows what the submission found (its globals listed, raw, typo). */
#define PROBE_HEAD                                                                                     \
    "return { id = 'probe', title = { fr = 't', en = 't' }, text = { fr = 't', en = 't' },\n"         \
    "  concepts = { fr = { 'a' }, en = { 'a' } }, difficulty = 1, minutes = 1, starter = 'x = 1',\n"
#define PROBE_CHECKS                                                                                   \
    "  checks = { { id = 'c', title = { fr = 'c', en = 'c' }, hint = { fr = 'h', en = 'h' }, points = 1,\n" \
    "    run = function(s) return false, s.listed .. '|' .. tostring(s.raw) .. '|' .. tostring(s.typo) end } } }\n"

static void test_allow_list(void **state)
{
    (void)state;
    ex_exercise *e = load(EX, 0, EX_FEEDBACK_FULL);
    gr_record r;
    /* The honest solution reads partitions and gets everything. */
    grade_file(e, EXAM "solution.lua", &r);
    assert_true(r.score == r.max && !r.error);
    gr_record_free(&r);
    /* p:totals is kept from submissions: the check that needs it fails, and says why; the
     * checks keep it (they compute the expected values with it). */
    grade_file(e, EXAM "cheat_totals.lua", &r);
    const gr_check *g = check_of(&r, "gpus");
    assert_int_equal(g->status, GR_ERROR);
    assert_non_null(strstr(g->message, "p:totals() is not available in this exercise"));
    assert_int_equal(check_of(&r, "scaled")->status, GR_PASSED);
    gr_record_free(&r);
    /* A function of the usine table that is not allowed is absent, and reading it says so. */
    grade_file(e, EXAM "cheat_api.lua", &r);
    assert_non_null(r.error);
    assert_non_null(strstr(r.error, "cheat_api.lua:2: usine.amdahl_fit is not available in this exercise"));
    gr_record_free(&r);
    ex_free(e);

    /* A part that is not in the library is the author's mistake: file and item named. */
    char path[] = "/tmp/usine-exam-XXXXXX.lua";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(PROBE_HEAD "  allow = { 'platform', 'predikt' },\n" PROBE_CHECKS, f);
    fclose(f);
    ex_host host = { .platform_path = "assets/platforms" };
    char err[1024];
    assert_null(ex_load(path, &host, err, sizeof err));
    assert_non_null(strstr(err, "'allow' item 2: 'predikt' is not a part of the usine library (parts: platform,"));
    assert_non_null(strstr(err, path));
    unlink(path);
}

/* What a submission sees of the usine table under an allow-list. */
static void test_allowed_table(void **state)
{
    (void)state;
    char path[] = "/tmp/usine-exam-XXXXXX.lua";
    int fd = mkstemps(path, 4);
    FILE *f = fdopen(fd, "w");
    fputs(PROBE_HEAD "  allow = { 'near', 'platform:partition' },\n" PROBE_CHECKS, f);
    fclose(f);
    ex_exercise *e = load(path, 0, EX_FEEDBACK_FULL);
    const char *probe = "names = {}\nfor k in pairs(usine) do names[#names + 1] = k end\ntable.sort(names)\n"
                        "listed = table.concat(names, ',')\nraw = rawget(usine, 'predict') == nil\n"
                        "typo = usine.nera == nil\n";
    gr_record r;
    ex_grade(e, "probe.lua", probe, strlen(probe), "en", &r);
    assert_null(r.error);
    assert_string_equal(r.checks[0].message, "near,version|true|true");
    gr_record_free(&r);
    ex_free(e);
    unlink(path);
}

/* A check may hand the submission a function of its own (a predictor built with what the exercise
 * keeps from submissions): called by the submission, it runs as the check's code; a submission's
 * function that it calls back runs as the submission's again. */
static void test_callbacks_run_as_the_checks(void **state)
{
    (void)state;
    char path[] = "/tmp/usine-exam-XXXXXX.lua";
    int fd = mkstemps(path, 4);
    FILE *f = fdopen(fd, "w");
    fputs("local jz = usine.platform('jean-zay')\n" PROBE_HEAD "  allow = { 'platform' },\n"
          "  checks = { { id = 'c', title = { fr = 'c', en = 'c' }, hint = { fr = 'h', en = 'h' }, points = 1,\n"
          "    run = function(s)\n"
          "      local gpus = function(p, id) return p:totals(id).gpus end\n"
          "      local call = function(g) return g(jz, 'h100') end\n"
          "      local a = s.use(gpus, jz, 'h100')\n"
          "      local ok, b = pcall(s.back, call)\n"
          "      return a == jz:totals('h100').gpus and not ok and b:find('not available') ~= nil, tostring(a) .. ' ' .. tostring(b)\n"
          "    end } } }\n",
          f);
    fclose(f);
    ex_exercise *e = load(path, 0, EX_FEEDBACK_FULL);
    const char *sub = "function use(cb, p, id) return cb(p, id) end\n"
                      "function back(call) return call(function(p, id) return p:totals(id).gpus end) end\n";
    gr_record r;
    ex_grade(e, "cb.lua", sub, strlen(sub), "en", &r);
    if (r.checks[0].status != GR_PASSED) fail_msg("%s", r.checks[0].message);
    gr_record_free(&r);
    ex_free(e);
    unlink(path);
}

/* ---- seeds and feedback -------------------------------------------------------------------- */

static void test_seed_draws_the_cases(void **state)
{
    (void)state;
    /* The same seed, the same record; cases change with the seed, not with anything else. */
    char first[2][4096];
    for (int k = 0; k < 2; k++) {
        ex_exercise *e = load(EX, 5, EX_FEEDBACK_FULL);
        gr_record r;
        grade_file(e, EXAM "slips.lua", &r);
        snprintf(first[k], sizeof first[k], "%s", check_of(&r, "scaled")->message);
        assert_true(r.score == 4);
        gr_record_free(&r);
        ex_free(e);
    }
    assert_string_equal(first[0], first[1]);
    int differ = 0;
    for (unsigned long long seed = 6; seed < 10; seed++) {
        ex_exercise *e = load(EX, seed, EX_FEEDBACK_FULL);
        gr_record r;
        grade_file(e, EXAM "slips.lua", &r);
        differ += strcmp(check_of(&r, "scaled")->message, first[0]) != 0;
        gr_record_free(&r);
        /* The reference solution gets full marks whatever the seed. */
        grade_file(e, EXAM "solution.lua", &r);
        assert_true(r.score == r.max);
        gr_record_free(&r);
        ex_free(e);
    }
    assert_true(differ >= 3);
    /* Without a seed: the practice seed, the same every time. */
    ex_exercise *e = load(EX, 0, EX_FEEDBACK_FULL);
    assert_true(e->seed == EX_PRACTICE_SEED);
    ex_free(e);
}

static void test_feedback_levels(void **state)
{
    (void)state;
    /* Practice: the expected value. */
    run("en", "grade", EX, EXAM "slips.lua", "--format", "json", NULL);
    assert_int_equal(R.status, 1);
    cJSON *o = parse_json(R.out);
    const cJSON *scaled = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 1);
    assert_non_null(strstr(str(scaled, "message"), ": expected "));
    assert_string_equal(str(scaled, "hint"), "x times k.");
    cJSON_Delete(o);
    /* An exam (a seed, hints by default): the case and what is wrong in kind, no value. */
    run("en", "grade", EX, EXAM "slips.lua", "--format", "json", "--seed", "42", NULL);
    assert_int_equal(R.status, 1);
    o = parse_json(R.out);
    scaled = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 1);
    assert_non_null(strstr(str(scaled, "message"), "is too large by a factor of about 1,000: check the units"));
    assert_null(strstr(str(scaled, "message"), "expected"));
    assert_string_equal(str(scaled, "hint"), "x times k.");
    char exam[512];
    snprintf(exam, sizeof exam, "%s", str(scaled, "message"));
    cJSON_Delete(o);
    /* The variables an LMS job sets give the same verdict; an option wins over them. */
    setenv("USINE_GRADE_SEED", "42", 1);
    run("en", "grade", EX, EXAM "slips.lua", "--format", "json", NULL);
    o = parse_json(R.out);
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 1), "message"), exam);
    cJSON_Delete(o);
    setenv("USINE_GRADE_FEEDBACK", "score", 1);
    run("en", "grade", EX, EXAM "slips.lua", "--format", "json", NULL);
    o = parse_json(R.out);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(o, "checks")) {
        assert_string_equal(str(c, "message"), "");
        assert_string_equal(str(c, "hint"), "");
    }
    assert_true(num(o, "score") == 4);
    cJSON_Delete(o);
    run("en", "grade", EX, EXAM "slips.lua", "--format", "json", "--feedback", "full", NULL);
    o = parse_json(R.out);
    assert_non_null(strstr(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 1), "message"), "expected"));
    cJSON_Delete(o);
    unsetenv("USINE_GRADE_SEED");
    unsetenv("USINE_GRADE_FEEDBACK");
    /* Bad values: one line, status 2. */
    run("en", "grade", EX, EXAM "slips.lua", "--seed", "0", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--seed 0: expected a whole number from 1 to"));
    run("en", "grade", EX, EXAM "slips.lua", "--feedback", "all", NULL);
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "--feedback all: expected full, hints or score"));
    setenv("USINE_GRADE_SEED", "x1", 1);
    run("en", "grade", EX, EXAM "slips.lua", NULL);
    unsetenv("USINE_GRADE_SEED");
    assert_int_equal(R.status, 2);
    assert_non_null(strstr(R.err, "USINE_GRADE_SEED x1: expected a whole number"));
}

/* ---- budgets, cases, broken files ---------------------------------------------------------- */

static void test_each_check_has_its_budget(void **state)
{
    (void)state;
    ex_exercise *e = load(EX, 5, EX_FEEDBACK_FULL);
    gr_record r;
    grade_file(e, EXAM "slips.lua", &r);
    /* The endless loop fails its own check, which names the case it was running... */
    const gr_check *spin = check_of(&r, "spin");
    assert_int_equal(spin->status, GR_ERROR);
    assert_non_null(strstr(spin->message, "case spin(): instruction limit reached"));
    /* ...and the check after it runs with a budget of its own. */
    assert_int_equal(check_of(&r, "seed")->status, GR_PASSED);
    assert_int_equal(check_of(&r, "gpus")->status, GR_PASSED);
    assert_int_equal(check_of(&r, "scaled")->status, GR_FAILED);
    gr_record_free(&r);
    ex_free(e);
}

static void test_bom_and_crlf(void **state)
{
    (void)state;
    size_t len;
    char *text = read_all(EXAM "solution.lua", &len);
    /* A byte-order mark, as Windows Notepad writes it, and CRLF line ends. */
    char *dos = ut_malloc(2 * len + 4);
    size_t n = 0;
    memcpy(dos, "\xef\xbb\xbf", 3), n = 3;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') dos[n++] = '\r';
        dos[n++] = text[i];
    }
    ex_exercise *e = load(EX, 3, EX_FEEDBACK_FULL);
    gr_record a, b;
    ex_grade(e, "solution.lua", text, len, "en", &a);
    ex_grade(e, "solution.lua", dos, n, "en", &b);
    assert_true(a.score == a.max);
    assert_true(b.score == a.score);
    assert_null(b.error);
    for (int i = 0; i < a.nchecks; i++) assert_string_equal(a.checks[i].message, b.checks[i].message);
    gr_record_free(&a);
    gr_record_free(&b);
    /* A syntax error in a CRLF file names the same line as without. */
    const char *bad = "function gpus(p, id)\r\n  return (\r\nend\r\n";
    ex_grade(e, "bad.lua", bad, strlen(bad), "en", &a);
    assert_non_null(strstr(a.error, "bad.lua:3:"));
    gr_record_free(&a);
    ex_free(e);
    free(text);
    free(dos);
}

/* A file that does not compile: that first, in all six formats, and no check pretends to run. */
static void test_compile_error_first(void **state)
{
    (void)state;
    char path[] = "/tmp/usine-exam-XXXXXX.lua";
    int fd = mkstemps(path, 4);
    const char *broken = "function gpus(p, id)\n  return p:partition(id).nodes *\nend\n";
    assert_true(write(fd, broken, strlen(broken)) == (ssize_t)strlen(broken));
    close(fd);
    run("en", "grade", EX, path, "--format", "json", NULL);
    assert_int_equal(R.status, 1);
    cJSON *o = parse_json(R.out);
    assert_non_null(strstr(str(o, "error"), "your file does not compile: "));
    assert_non_null(strstr(str(o, "error"), ".lua:3: unexpected symbol near 'end'"));
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(o, "checks")) {
        assert_string_equal(str(c, "status"), "error");
        assert_string_equal(str(c, "message"), "not run: the file does not compile");
        assert_string_equal(str(c, "hint"), "");
    }
    cJSON_Delete(o);
    /* text: the error right under the title line */
    run("en", "grade", EX, path, NULL);
    const char *nl = strchr(R.out, '\n');
    assert_non_null(nl);
    assert_int_equal(strncmp(nl + 1, "Error: your file does not compile: ", 35), 0);
    /* vpl: the first comment */
    run("en", "grade", EX, path, "--format", "vpl", NULL);
    assert_int_equal(strncmp(R.out, "<|--\n- Error\n> your file does not compile: ", 43), 0);
    /* gradescope: the output, above the tests */
    run("en", "grade", EX, path, "--format", "gradescope", NULL);
    o = parse_json(R.out);
    assert_non_null(strstr(str(o, "output"), "your file does not compile: "));
    cJSON_Delete(o);
    /* junit: a first testcase "run" in error */
    run("en", "grade", EX, path, "--format", "junit", NULL);
    const char *run_case = strstr(R.out, "<testcase name=\"run\"");
    const char *first_check = strstr(R.out, "<testcase name=\"gpus:");
    assert_non_null(run_case);
    assert_non_null(first_check);
    assert_true(run_case < first_check);
    assert_non_null(strstr(run_case, "<error message=\"your file does not compile: "));
    /* classroom: a first test in error that says why (the report is base64 on one line) */
    run("fr", "grade", EX, path, "--format", "classroom", NULL);
    assert_int_equal(R.status, 1);
    o = decode_classroom(R.out);
    assert_string_equal(str(o, "status"), "error");
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tests"), 0);
    assert_string_equal(str(first, "name"), "Erreur");
    assert_string_equal(str(first, "status"), "error");
    assert_non_null(strstr(str(first, "message"), "votre fichier ne compile pas : "));
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tests"), 1), "message"),
                        "non lancée : le fichier ne compile pas");
    cJSON_Delete(o);
    unlink(path);
}

/* ---- usine.cases and usine.reference ------------------------------------------------------- */

/* An exercise in a folder of its own with a reference beside it: `double` is the teacher's. */
static char course_dir[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static ex_exercise *cases_exercise(unsigned long long seed, ex_feedback feedback)
{
    snprintf(course_dir, sizeof course_dir, "/tmp/usine-cases-XXXXXX");
    if (!mkdtemp(course_dir)) fail_msg("mkdtemp");
    char path[160];
    snprintf(path, sizeof path, "%s/reference", course_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/reference/probe.lua", course_dir);
    write_file(path, "return { double = function(x) return 2 * x end }\n");
    snprintf(path, sizeof path, "%s/probe.lua", course_dir);
    write_file(path,
               "local R = usine.reference('probe')\n"
               "local list = {}\n"
               "for i = 1, 4 do list[i] = { name = { fr = 'cas ' .. i, en = 'case ' .. i }, x = i } end\n"
               PROBE_HEAD "  allow = {},\n"
               "  checks = {\n"
               "    { id = 'rel', title = { fr = 'r', en = 'r' }, hint = { fr = 'h', en = 'h' }, points = 4,\n"
               "      run = function(s, ctx) return usine.cases(ctx, list, function(c)\n"
               "        return s.f(c.x), R.double(c.x), { { value = 3 * c.x, fr = 'le triple', en = 'the triple' } } end,\n"
               "        { unit = 'GiB' }) end },\n"
               "    { id = 'exact', title = { fr = 'e', en = 'e' }, hint = { fr = 'h', en = 'h' }, points = 2,\n"
               "      run = function(s, ctx) return usine.cases(ctx, list, function(c) return s.g(c.x), c.x + 10 end,\n"
               "        { exact = true, slip = function(c, got, want) if got == want - 1 then\n"
               "          return { fr = 'le +10 compté 9', en = 'the +10 counted as 9' } end end }) end },\n"
               "  } }\n");
    ex_exercise *e = load(path, seed, feedback);
    return e;
}

static void remove_course_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", course_dir);
    assert_int_equal(system(cmd), 0);
}

static void grade_text(ex_exercise *e, const char *text, gr_record *r)
{
    ex_grade(e, "sub.lua", text, strlen(text), "en", r);
}

static void test_cases_give_partial_credit(void **state)
{
    (void)state;
    ex_exercise *e = cases_exercise(0, EX_FEEDBACK_FULL);
    gr_record r;
    /* case 1 right, case 2 in GB-style thousands, case 3 the triple (half), case 4 right */
    grade_text(e, "function f(x) if x == 2 then return 2000 * x elseif x == 3 then return 3 * x end return 2 * x end\n"
                  "function g(x) if x == 4 then return x + 9 end return x + 10 end\n", &r);
    const gr_check *c = check_of(&r, "rel");
    assert_int_equal(c->status, GR_FAILED);
    assert_true(fabs(c->points - 4 * 2.5 / 4) < 1e-9);
    assert_string_equal(c->message, "2 of 4 cases right, 1 in part; case 2: expected 4 GiB, got 4,000");
    c = check_of(&r, "exact");
    assert_true(fabs(c->points - 2 * 3.0 / 4) < 1e-9);
    assert_string_equal(c->message, "3 of 4 cases right; case 4: expected 14, got 13; the +10 counted as 9");
    gr_record_free(&r);
    /* the triple alone: its words, half of each case */
    grade_text(e, "function f(x) return 3 * x end\nfunction g(x) return x + 10 end\n", &r);
    c = check_of(&r, "rel");
    assert_true(fabs(c->points - 2) < 1e-9);
    assert_string_equal(c->message, "0 of 4 cases right, 4 in part; case 1: expected 2 GiB, got 3; the triple");
    assert_int_equal(check_of(&r, "exact")->status, GR_PASSED);
    gr_record_free(&r);
    /* an error in the student's function names the case it was trying */
    grade_text(e, "function f(x) if x == 3 then error('boom') end return 2 * x end\nfunction g(x) return x + 10 end\n", &r);
    c = check_of(&r, "rel");
    assert_int_equal(c->status, GR_ERROR);
    assert_non_null(strstr(c->message, "case case 3: "));
    assert_non_null(strstr(c->message, "boom"));
    gr_record_free(&r);
    ex_free(e);

    /* The exam's forms: what is wrong in kind, never the expected value; French too. */
    e = cases_exercise(7, EX_FEEDBACK_HINTS);
    const char *slips = "function f(x) return 2000 * x end\nfunction g(x) return x + 9 end\n";
    grade_text(e, slips, &r);
    c = check_of(&r, "rel");
    assert_string_equal(c->message, "0 of 4 cases right; case 1: your value is too large by a factor of about 1,000: "
                                    "check the units (k, M, G, T)");
    c = check_of(&r, "exact");
    assert_string_equal(c->message, "0 of 4 cases right; case 1: the +10 counted as 9");
    gr_record_free(&r);
    ex_grade(e, "sub.lua", slips, strlen(slips), "fr", &r);
    assert_non_null(strstr(check_of(&r, "rel")->message, "0 cas justes sur 4 ; cas 1 : votre valeur dépasse la valeur attendue"));
    assert_null(strstr(check_of(&r, "rel")->message, "attendu 2"));
    gr_record_free(&r);
    ex_free(e);
    remove_course_dir();
}

static void test_reference_stays_with_the_teacher(void **state)
{
    (void)state;
    ex_exercise *e = cases_exercise(0, EX_FEEDBACK_FULL);
    gr_record r;
    /* a submission has no usine.reference, whatever the exercise allows */
    grade_text(e, "function f(x) return usine.reference('probe').double(x) end\nfunction g(x) return x + 10 end\n", &r);
    const gr_check *c = check_of(&r, "rel");
    assert_int_equal(c->status, GR_ERROR);
    assert_non_null(strstr(c->message, "usine.reference is the teacher's: submissions cannot use it"));
    gr_record_free(&r);
    ex_free(e);
    remove_course_dir();

    /* Without the reference beside it, an exercise uses the copy built into the program: an
     * installed course's folder has none. */
    char dir[] = "/tmp/usine-installed-XXXXXX", cmd[512], path[300];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/fondamentaux' && cp " COURSE "roofline.lua '%s/fondamentaux/'", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/fondamentaux/roofline.lua", dir);
    e = load(path, 3, EX_FEEDBACK_HINTS);
    grade_file(e, "tests/solutions/fondamentaux/roofline.lua", &r);
    if (r.score != r.max) fail_msg("roofline installed: %g of %g: %s", r.score, r.max, r.error ? r.error : "");
    gr_record_free(&r);
    ex_free(e);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);

    /* An exercise asking for a reference nobody has: its file and the id are named. */
    char bad[] = "/tmp/usine-noref-XXXXXX.lua";
    int fd = mkstemps(bad, 4);
    FILE *f = fdopen(fd, "w");
    fputs("local R = usine.reference('no-such-exercise')\n" PROBE_HEAD PROBE_CHECKS, f);
    fclose(f);
    ex_host host = { .platform_path = "assets/platforms" };
    char err[1024];
    assert_null(ex_load(bad, &host, err, sizeof err));
    if (!strstr(err, "no reference 'no-such-exercise'") || !strstr(err, strrchr(bad, '/') + 1)) fail_msg("%s", err);
    unlink(bad);
}

/* ---- the course: reference solutions, slips ------------------------------------------------- */

static char **course_ids(int *n)
{
    static char *ids[32];
    static int count = -1;
    if (count < 0) {
        count = 0;
        char *text = read_all(COURSE "index.lua", NULL);
        for (char *p = strstr(text, "exercises = {"); p && (p = strchr(p, '"')) && count < 32;) {
            char *q = strchr(p + 1, '"');
            if (!q) break;
            ids[count++] = ut_strndup(p + 1, (size_t)(q - p - 1));
            p = q + 1;
        }
        free(text);
    }
    *n = count;
    return ids;
}

/* Each reference solution has full marks whatever the seed: ten exams, and practice. */
static void test_solutions_full_under_ten_seeds(void **state)
{
    (void)state;
    int n;
    char **ids = course_ids(&n);
    assert_true(n >= 13);
    for (int i = 0; i < n; i++) {
        char ex[256], sol[256];
        snprintf(ex, sizeof ex, COURSE "%s.lua", ids[i]);
        snprintf(sol, sizeof sol, "tests/solutions/fondamentaux/%s.lua", ids[i]);
        for (unsigned long long seed = 0; seed <= 10; seed++) {
            ex_exercise *e = load(ex, seed, seed ? EX_FEEDBACK_HINTS : EX_FEEDBACK_FULL);
            gr_record r;
            grade_file(e, sol, &r);
            if (r.score != r.max) {
                const char *why = r.error ? r.error : "";
                for (int k = 0; k < r.nchecks && !*why; k++)
                    if (r.checks[k].status != GR_PASSED) why = r.checks[k].message;
                fail_msg("%s, seed %llu: %g of %g: %s", ids[i], seed, r.score, r.max, why);
            }
            gr_record_free(&r);
            ex_free(e);
        }
    }
}

/* The value of "-- <key>: " in a slip's text, up to the end of its line (a copy), or NULL. */
static char *slip_field(const char *text, const char *key)
{
    char tag[32];
    snprintf(tag, sizeof tag, "-- %s: ", key);
    for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, tag, strlen(tag))) {
            p += strlen(tag);
            return ut_strndup(p, strcspn(p, "\r\n"));
        }
    }
    return NULL;
}

/* An honest solution with one slip gets part of the points, and the exam's message names the
 * slip without the expected value. tests/fixtures/grading/slips/<id>--<name>.slip says it in four
 * lines: "-- slip: <what>", "-- expect: <words of the English message>", "-- replace: <a line of
 * tests/solutions/<course>/<id>.lua>" and "-- with: <that line with the slip>", so that a slip
 * follows the reference solution as it changes. */
static void test_slips_get_partial_credit(void **state)
{
    (void)state;
    DIR *d = opendir(SLIPS);
    if (!d) fail_msg("no %s", SLIPS);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *sep = strstr(de->d_name, "--");
        size_t l = strlen(de->d_name);
        if (!sep || l < 6 || strcmp(de->d_name + l - 5, ".slip")) continue;
        char ex[256], path[512], sol[256];
        snprintf(ex, sizeof ex, COURSE "%.*s.lua", (int)(sep - de->d_name), de->d_name);
        snprintf(sol, sizeof sol, "tests/solutions/fondamentaux/%.*s.lua", (int)(sep - de->d_name), de->d_name);
        snprintf(path, sizeof path, SLIPS "/%s", de->d_name);
        char *text = read_all(path, NULL);
        char *what = slip_field(text, "slip"), *expect = slip_field(text, "expect");
        char *from = slip_field(text, "replace"), *to = slip_field(text, "with");
        if (!what || !expect || !from || !to || !*from)
            fail_msg("%s: needs '-- slip: ', '-- expect: ', '-- replace: ' and '-- with: ' lines", path);
        size_t len;
        char *code = read_all(sol, &len), *at = strstr(code, from);
        if (!at) fail_msg("%s: %s has no line '%s' to replace", path, sol, from);
        size_t head = (size_t)(at - code), fl = strlen(from), tl = strlen(to);
        char *slipped = malloc(len - fl + tl + 1);
        memcpy(slipped, code, head);
        memcpy(slipped + head, to, tl);
        memcpy(slipped + head + tl, at + fl, len - head - fl + 1);

        ex_exercise *e = load(ex, 101, EX_FEEDBACK_HINTS);
        gr_record r;
        ex_grade(e, de->d_name, slipped, strlen(slipped), "en", &r);
        if (!(r.score > 0 && r.score < r.max)) fail_msg("%s (%s): %g of %g, not partial credit", path, what, r.score, r.max);
        int said = 0;
        for (int k = 0; k < r.nchecks; k++) {
            said |= r.checks[k].message && strstr(r.checks[k].message, expect) != NULL;
            /* an exam's message says what is wrong, never the value a harvest could store */
            if (r.checks[k].message && strstr(r.checks[k].message, "expected "))
                fail_msg("%s: the exam's message of %s gives the expected value: %s", path, r.checks[k].id, r.checks[k].message);
        }
        if (!said) {
            for (int k = 0; k < r.nchecks; k++) print_message("  %s: %s\n", r.checks[k].id, r.checks[k].message);
            fail_msg("%s: no exam message says \"%s\"", path, expect);
        }
        gr_record_free(&r);
        ex_free(e);
        free(slipped), free(code), free(text), free(what), free(expect), free(from), free(to);
        n++;
    }
    closedir(d);
    assert_true(n >= 13);   /* one slip at least per exercise of the course */
}

/* ---- a perfect harvest of practice falls short in an exam ------------------------------------ */

/* Lua appended to a reference solution. In "record" mode each function it defines prints the
 * arguments it is called with and what it answers; in "replay" mode it answers from that table
 * alone, as a student's harvested table would: what it recorded for the same arguments, else nil
 * (a platform counts as the same by its id). %s: the mode, %s: the table ({[key] = {value}}),
 * %s: the names of the functions. */
static const char HARVEST[] =
    "\ndo\n"
    "  local mode, known, names = %s, %s, %s\n"
    "  local function ser(v, depth)\n"
    "    local t = type(v)\n"
    "    if t == 'number' then return ('%%.17g'):format(v) end\n"
    "    if t == 'string' then return ('%%q'):format(v) end\n"
    "    if t == 'boolean' or t == 'nil' then return tostring(v) end\n"
    "    if t == 'table' or t == 'userdata' then\n"
    "      local ok, id = pcall(function() return v.id end)\n"
    "      if ok and type(id) == 'string' then return '#' .. id end\n"
    "      if t == 'userdata' or depth > 2 then return t end\n"
    "      local ks = {}\n"
    "      for k in pairs(v) do ks[#ks + 1] = k end\n"
    "      table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)\n"
    "      local out = {}\n"
    "      for _, k in ipairs(ks) do out[#out + 1] = tostring(k) .. '=' .. ser(v[k], depth + 1) end\n"
    "      return '{' .. table.concat(out, ',') .. '}'\n"
    "    end\n"
    "    return t\n"
    "  end\n"
    "  local function lit(v)\n"
    "    local t = type(v)\n"
    "    if t == 'number' then\n"
    "      if v ~= v then return '(0/0)' end\n"
    "      if v == math.huge then return '(1/0)' end\n"
    "      if v == -math.huge then return '(-1/0)' end\n"
    "      return ('%%.17g'):format(v)\n"
    "    end\n"
    "    if t == 'string' then return ('%%q'):format(v):gsub('\\n', 'n') end\n"
    "    if t == 'table' then\n"
    "      local out = {}\n"
    "      for k, x in pairs(v) do out[#out + 1] = '[' .. lit(k) .. ']=' .. lit(x) end\n"
    "      return '{' .. table.concat(out, ',') .. '}'\n"
    "    end\n"
    "    return tostring(v)\n"
    "  end\n"
    "  local seen = {}\n"
    "  for _, name in ipairs(names) do\n"
    "    local f = _G[name]\n"
    "    _G[name] = function(...)\n"
    "      local k = name .. ser(table.pack(...), 0)\n"
    "      if mode == 'record' then\n"
    "        local v = f(...)\n"
    "        if not seen[k] then seen[k] = true print('K ' .. k .. '\\tV ' .. lit(v)) end\n"
    "        return v\n"
    "      end\n"
    "      local hit = known[k]\n"
    "      if hit then return hit[1] end\n"
    "      return nil\n"
    "    end\n"
    "  end\n"
    "end\n";

/* The solution with the harvest wrapper in a mode; the caller frees it. */
static char *harvested(const char *solution, const char *mode, const char *known)
{
    /* the names of the functions the solution defines at its top level */
    size_t cap = 64, len = 0;
    char *names = malloc(cap);
    len = (size_t)snprintf(names, cap, "{");
    for (const char *p = solution; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, "function ", 9)) continue;
        const char *a = p + 9, *b = a;
        while (*b == '_' || (*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9')) b++;
        if (*b != '(') continue;
        size_t need = len + (size_t)(b - a) + 8;
        if (need > cap) names = realloc(names, cap = 2 * need);
        len += (size_t)snprintf(names + len, cap - len, "'%.*s',", (int)(b - a), a);
    }
    names = realloc(names, len + 2);
    strcpy(names + len, "}");
    size_t n = strlen(solution) + strlen(HARVEST) + strlen(mode) + strlen(known) + strlen(names) + 16;
    char *out = malloc(n);
    int head = snprintf(out, n, "%s", solution);
    snprintf(out + head, n - (size_t)head, HARVEST, mode, known, names);
    free(names);
    return out;
}

/* A student who grades in practice until every expected value is known, then answers from that
 * table in an exam (a fresh seed), stays below the pass mark: the perfect harvest, a reference
 * solution that answers only the calls practice made. */
static void test_practice_harvest_fails_exams(void **state)
{
    (void)state;
    int n, failed = 0;
    char **ids = course_ids(&n);
    for (int i = 0; i < n; i++) {
        char ex[256], sol[256];
        snprintf(ex, sizeof ex, COURSE "%s.lua", ids[i]);
        snprintf(sol, sizeof sol, "tests/solutions/fondamentaux/%s.lua", ids[i]);
        char *code = read_all(sol, NULL);

        /* practice: record every call */
        ex_exercise *e = load(ex, 0, EX_FEEDBACK_FULL);
        e->limits.output_bytes = 64u << 20;
        sbx_set_limits(e->sb, &e->limits);
        char *rec = harvested(code, "'record'", "{}");
        gr_record r;
        ex_grade(e, sol, rec, strlen(rec), "en", &r);
        if (r.score != r.max) fail_msg("%s: the recording run scores %g of %g", ids[i], r.score, r.max);
        size_t kcap = 1024, klen = 0;
        char *known = malloc(kcap);
        klen = (size_t)snprintf(known, kcap, "{");
        int calls = 0;
        for (char *p = r.output; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
            if (strncmp(p, "K ", 2)) continue;
            size_t l = strcspn(p + 2, "\n");
            const char *tab = memchr(p + 2, '\t', l);
            if (!tab || strncmp(tab, "\tV ", 3)) continue;
            size_t kl = (size_t)(tab - (p + 2)), vl = l - kl - 3;
            if (klen + l + 32 > kcap) known = realloc(known, kcap = 2 * (klen + l + 32));
            klen += (size_t)snprintf(known + klen, kcap - klen, "[ [==[%.*s]==] ]={%.*s},", (int)kl, p + 2, (int)vl, tab + 3);
            calls++;
        }
        snprintf(known + klen, kcap - klen, "}");
        assert_true(calls > 0);
        if (strlen(r.output) >= (64u << 20) - 4096) fail_msg("%s: the recording was cut", ids[i]);
        gr_record_free(&r);
        ex_free(e);

        /* the exam: a fresh seed, answers from the table only */
        e = load(ex, 101, EX_FEEDBACK_HINTS);
        char *replay = harvested(code, "'replay'", known);
        ex_grade(e, sol, replay, strlen(replay), "en", &r);
        if (r.error) {
            FILE *f = fopen("/tmp/replay.lua", "w");
            if (f) fputs(replay, f), fclose(f);
            fail_msg("%s: the replay did not run: %s", ids[i], r.error);
        }
        int above = r.score >= e->pass_fraction * r.max - 1e-9;
        print_message("  %-15s a perfect harvest of practice (%d calls) scores %5.2f of %g in an exam%s\n", ids[i], calls,
                      r.score, r.max, above ? ", AT OR ABOVE THE PASS MARK" : "");
        failed += above;
        if (getenv("USINE_HARVEST_VERBOSE"))
            for (int k = 0; k < r.nchecks; k++) print_message("      %-16s %5.2f of %g\n", r.checks[k].id, r.checks[k].points, r.checks[k].max);
        gr_record_free(&r);
        ex_free(e);
        free(replay), free(rec), free(known), free(code);
    }
    assert_int_equal(failed, 0);
}

/* ---- the pass mark and course check -------------------------------------------------------- */

static void test_default_pass_mark(void **state)
{
    (void)state;
    ex_exercise *e = load("tests/fixtures/grading/exercise.lua", 0, EX_FEEDBACK_FULL);
    assert_true(fabs(e->pass_fraction - 0.6) < 1e-12);
    gr_record r;
    const char *three_of_five = "function gpus(p, id) local q = p:partition(id) return q.nodes * q.gpus_per_node end\n"
                                "function peak() return 0 end\n";
    ex_grade(e, "s.lua", three_of_five, strlen(three_of_five), "en", &r);
    assert_true(r.score == 2 && !r.passed);
    gr_record_free(&r);
    ex_free(e);
    e = load(EX, 5, EX_FEEDBACK_FULL);
    grade_file(e, EXAM "cheat_totals.lua", &r);                 /* 6 of 9: above 60 % */
    assert_true(r.score == 6 && r.passed);
    gr_record_free(&r);
    ex_free(e);
}

static void test_answer_parts(void **state)
{
    (void)state;
    /* The fixture without allow-list computes with p:totals, which its submissions may call. */
    ex_exercise *e = load("tests/fixtures/grading/exercise.lua", 0, EX_FEEDBACK_FULL);
    size_t len;
    char *sol = read_all("tests/fixtures/grading/good/solution.lua", &len);
    char parts[256];
    assert_int_equal(ex_answer_parts(e, sol, len, parts, sizeof parts), 1);
    assert_string_equal(parts, "platform:totals");
    free(sol);
    ex_free(e);
    /* The exam fixture keeps it from them: nothing to say. */
    e = load(EX, 0, EX_FEEDBACK_FULL);
    sol = read_all(EXAM "solution.lua", &len);
    assert_int_equal(ex_answer_parts(e, sol, len, parts, sizeof parts), 0);
    assert_string_equal(parts, "");
    free(sol);
    ex_free(e);
}

/* ---- the cheat set ------------------------------------------------------------------------- */

/* Every attempt in tests/fixtures/grading/cheats/<exercise>--<how>.lua stays below its
 * exercise's pass mark, graded with seeds other than the practice one. */
static void test_cheats_stay_below_the_pass_mark(void **state)
{
    (void)state;
    DIR *d = opendir(CHEATS);
    if (!d) {
        skip();
        return;
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *sep = strstr(de->d_name, "--");
        size_t l = strlen(de->d_name);
        if (!sep || l < 5 || strcmp(de->d_name + l - 4, ".lua")) continue;
        char ex[256], sub[512];
        snprintf(ex, sizeof ex, COURSE "%.*s.lua", (int)(sep - de->d_name), de->d_name);
        snprintf(sub, sizeof sub, CHEATS "/%s", de->d_name);
        for (unsigned long long seed = 101; seed <= 102; seed++) {
            ex_exercise *e = load(ex, seed, EX_FEEDBACK_HINTS);
            gr_record r;
            grade_file(e, sub, &r);
            if (r.passed || r.score >= e->pass_fraction * r.max - 1e-9)
                fail_msg("%s scores %g of %g with seed %llu: at or above the pass mark (%g %%)", sub, r.score, r.max,
                         seed, 100 * e->pass_fraction);
            gr_record_free(&r);
            ex_free(e);
        }
        n++;
    }
    closedir(d);
    assert_true(n > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_allowed_table),
        cmocka_unit_test(test_callbacks_run_as_the_checks),
        cmocka_unit_test(test_seed_draws_the_cases),
        cmocka_unit_test(test_feedback_levels),
        cmocka_unit_test(test_each_check_has_its_budget),
        cmocka_unit_test(test_bom_and_crlf),
        cmocka_unit_test(test_compile_error_first),
        cmocka_unit_test(test_default_pass_mark),
        cmocka_unit_test(test_answer_parts),
        cmocka_unit_test(test_cheats_stay_below_the_pass_mark),
        cmocka_unit_test(test_cases_give_partial_credit),
        cmocka_unit_test(test_reference_stays_with_the_teacher),
        cmocka_unit_test(test_solutions_full_under_ten_seeds),
        cmocka_unit_test(test_slips_get_partial_credit),
        cmocka_unit_test(test_practice_harvest_fails_exams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
