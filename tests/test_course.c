/* test_course.c: course and exercise files are code from whoever wrote the course, so they run
 * confined: no io, os, package, require, debug, dofile, loadfile, and no binary chunks; a course
 * id is a name, never a path; messages name the file as the user gave it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ex.h"
#include "run_usine.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/usine-test-course-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_in(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int exists_in(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/* A course folder with one index.lua, fresh for each case. */
static const char *course_dir(const char *name, const char *index)
{
    static char dir[256];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_in(dir, "index.lua", index);
    return dir;
}

/* The ways out of the process, each tried from a course's index.lua: none gets through, and the
 * message says which name is missing. */
static void test_index_is_confined(void **state)
{
    (void)state;
    static const struct { const char *code, *says; } ways[] = {
        { "io.open(DIR .. '/pwned', 'w'):write('x')", "'io'" },
        { "os.execute('touch ' .. DIR .. '/pwned')", "'os'" },
        { "require('io').open(DIR .. '/pwned', 'w')", "'require'" },
        { "package.loadlib('libc.so.6', 'system')", "'package'" },
        { "debug.getregistry()", "'debug'" },
        { "dofile(DIR .. '/other.lua')", "'dofile'" },
        { "loadfile(DIR .. '/other.lua')()", "'loadfile'" },
        { "assert(load('\\27LuaT\\0'))()", "attempt to load a binary chunk" },
    };
    for (size_t i = 0; i < sizeof ways / sizeof *ways; i++) {
        char name[32], index[512], err[512];
        snprintf(name, sizeof name, "way%zu", i);
        snprintf(index, sizeof index,
                 "local DIR = '%s/%s'\n%s\nreturn { id = 'c', title = { fr = 'C', en = 'C' }, exercises = { 'e' } }\n",
                 tmpdir, name, ways[i].code);
        const char *dir = course_dir(name, index);
        write_in(dir, "other.lua", "io.open('/tmp/usine-test-course-pwned', 'w')\n");
        ex_course *c = ex_course_load(dir, err, sizeof err);
        if (c || !strstr(err, ways[i].says) || !strstr(err, "index.lua:2:"))
            fail_msg("way %zu (%s): %s", i, ways[i].code, c ? "loaded" : err);
        assert_false(exists_in(dir, "pwned"));
    }
    /* What remains works: text chunks, the pure libraries. */
    const char *dir = course_dir("fine", "local f = load('return 1 + 1')\nassert(f() == 2 and string.rep('a', 2) == 'aa')\n"
                                          "return { id = 'fine', title = { fr = 'C', en = 'C' }, exercises = { 'e' } }\n");
    char err[512];
    ex_course *c = ex_course_load(dir, err, sizeof err);
    if (!c) fail_msg("%s", err);
    assert_string_equal(c->id, "fine");
    ex_course_free(c);
}

/* The same for an exercise file, loaded for grading or for 'course check'. */
static void test_exercise_is_confined(void **state)
{
    (void)state;
    char path[256], err[1024];
    snprintf(path, sizeof path, "%s/ex.lua", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "os.remove('%s/victim')\nreturn {}\n", tmpdir);
    fclose(f);
    write_in(tmpdir, "victim", "still here\n");
    ex_exercise *e = ex_load(path, NULL, err, sizeof err);
    assert_null(e);
    if (!strstr(err, "'os'")) fail_msg("%s", err);
    assert_true(exists_in(tmpdir, "victim"));
}

static void test_course_ids(void **state)
{
    (void)state;
    static const char *const bad[] = { "../../x\\n", "a/b", "Cours", "", "x y",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char name[32], index[512], err[512];
        snprintf(name, sizeof name, "id%zu", i);
        snprintf(index, sizeof index, "return { id = \"%s\", title = { fr = 'C', en = 'C' }, exercises = { 'e' } }\n", bad[i]);
        ex_course *c = ex_course_load(course_dir(name, index), err, sizeof err);
        if (c) fail_msg("id '%s' accepted", bad[i]);
        assert_non_null(strstr(err, "index.lua"));
        assert_null(strchr(err, '\n'));       /* the id is shown, never printed raw */
        assert_true(strlen(err) < 300);       /* nor whole */
    }
}

/* 'usine course check DIR/' names DIR/index.lua, not "/index.lua". */
static void test_course_dir_slash(void **state)
{
    (void)state;
    const char *dir = course_dir("slash", "return { id = 'c', title = { fr = 'C' }, exercises = { 'e' } }\n");
    char arg[300], want[300];
    snprintf(arg, sizeof arg, "%s/", dir);
    snprintf(want, sizeof want, "%s/index.lua: title: field 'en'", dir);
    run("en", "course", "check", arg, NULL);
    assert_int_equal(R.status, 2);
    if (!strstr(R.err, want)) fail_msg("stderr: %s", R.err);
    assert_null(strstr(R.err, "//"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_index_is_confined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exercise_is_confined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_course_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_course_dir_slash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
