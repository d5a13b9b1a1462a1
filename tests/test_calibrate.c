/* test_calibrate.c: `usine calibrate` as users run it: the file it writes is a platform the
 * project's loader accepts, `--platform local` finds it and predicts on it, the JSON has its keys
 * with sane values, and bad input exits with status 2, a one-line message and no file left.
 * Every run uses --quick (a fraction of a second) and an XDG_DATA_HOME in a temporary folder, so
 * the user's own ~/.local/share/usine is never touched.
 * The program under test is $USINE (the Makefile sets it), default build/usine. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_usine.h"

static char tmp_dir[PATH_MAX];   /* the fixture: a fresh folder per test, also XDG_DATA_HOME */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Entries of a folder, "." and ".." not counted. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void path_in_tmp(char *buf, size_t size, const char *rel)
{
    snprintf(buf, size, "%s/%s", tmp_dir, rel);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/usine-calibrate-XXXXXX");
    run_xdg_data_home = tmp_dir;
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------------------------------- */

static void test_help(void **state)
{
    (void)state;
    run_result *r = run("en", "calibrate", "--help", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "usine calibrate"));
    assert_int_equal(entries(tmp_dir), 0);                       /* --help measures and writes nothing */
}

static void test_out_file_is_a_valid_platform(void **state)
{
    (void)state;
    char path[PATH_MAX];
    path_in_tmp(path, sizeof path, "x.xml");
    run_result *r = run("en", "calibrate", "--quick", "--force", "--out", path, NULL);
    if (r->status != 0) fail_msg("calibrate failed (%d): %s", r->status, r->err);
    assert_non_null(strstr(r->out, path));                       /* says where it wrote */
    assert_non_null(strstr(r->out, "usine predict --platform"));  /* and what to try next */
    assert_true(exists(path));
    assert_int_equal(entries(tmp_dir), 1);                       /* no temporary file left */
    char data_dir[PATH_MAX];
    path_in_tmp(data_dir, sizeof data_dir, "usine");
    assert_false(exists(data_dir));                              /* --out does not touch the data folder */

    r = run("en", "platform", "check", path, NULL);
    if (r->status != 0) fail_msg("platform check refused the file: %s", r->err);
    assert_non_null(strstr(r->out, "valid"));

    /* The file is the project's format with both languages and its measurement as a source. */
    r = run("fr", "platform", "show", path, NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "Cet ordinateur"));
    r = run("en", "platform", "show", path, NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "This computer"));
    assert_non_null(strstr(r->out, "measured by usine calibrate on"));
    assert_non_null(strstr(r->out, "STREAM triad"));
    assert_non_null(strstr(r->out, "fp32"));
    const char *peaks = strstr(r->out, "peak GFLOP/s:");          /* nothing claimed that was not measured; a CPU in GFLOP/s */
    assert_non_null(peaks);
    const char *eol = strchr(peaks, '\n'), *bf16 = strstr(peaks, "bf16");
    assert_true(eol && (!bf16 || bf16 > eol));
    /* units scaled to a laptop: watts and MB/s, not 0.0000300 MW and 0.000125 TB/s */
    assert_non_null(strstr(r->out, " W IT, "));
    assert_non_null(strstr(r->out, "network: injection "));
    assert_null(strstr(r->out, "injection 0."));
    assert_null(strstr(r->out, " 1 nodes "));
    assert_non_null(strstr(r->out, ": 1 node 'local'"));

    /* A second run replaces the file, still without leftovers. */
    r = run("en", "calibrate", "--quick", "--force", "--out", path, NULL);
    assert_int_equal(r->status, 0);
    assert_int_equal(entries(tmp_dir), 1);
}

static void test_platform_local_after_calibrating(void **state)
{
    (void)state;
    run_result *r = run("en", "platform", "show", "local", NULL);
    assert_int_equal(r->status, 2);                              /* not calibrated yet: says so */
    assert_non_null(strstr(r->err, "calibrate"));

    r = run("en", "calibrate", "--quick", "--force", NULL);
    if (r->status != 0) fail_msg("calibrate failed (%d): %s", r->status, r->err);
    char path[PATH_MAX];
    path_in_tmp(path, sizeof path, "usine/local.xml");           /* $XDG_DATA_HOME/usine/local.xml, folder made */
    assert_true(exists(path));
    assert_non_null(strstr(r->out, "--platform local"));

    r = run("en", "platform", "show", "local", NULL);
    if (r->status != 0) fail_msg("platform show local failed: %s", r->err);
    assert_non_null(strstr(r->out, "[local]"));

    r = run("en", "predict", "--platform", "local", "--layers", "12", "--hidden", "768", "--heads", "12", "--vocab", "50257",
            "--seq", "1024", "--gpus", "1", "--gbs", "8", "--precision", "fp32", "--json", NULL);
    if (r->status != 0) fail_msg("predict on local failed: %s", r->err);
    cJSON *j = cJSON_Parse(r->out);
    if (!j) fail_msg("not JSON: %.300s", r->out);
    double step = num(j, "step_time_s");
    assert_true(step > 0 && step < 1e9);
    cJSON_Delete(j);

    /* bf16, predict's default, is not in the file: predict says so instead of inventing a peak. */
    r = run("en", "predict", "--platform", "local", "--layers", "12", "--hidden", "768", "--heads", "12", "--vocab", "50257",
            "--seq", "1024", "--gpus", "1", "--gbs", "8", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "bf16"));
}

static void test_json_keys_and_values(void **state)
{
    (void)state;
    char path[PATH_MAX];
    path_in_tmp(path, sizeof path, "j.xml");
    run_result *r = run("en", "calibrate", "--quick", "--force", "--json", "--threads", "1", "--out", path, NULL);
    if (r->status != 0) fail_msg("calibrate failed (%d): %s", r->status, r->err);
    cJSON *j = cJSON_Parse(r->out);
    if (!j) fail_msg("not JSON: %.300s", r->out);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "path");
    assert_true(cJSON_IsString(p));
    assert_non_null(strstr(p->valuestring, "j.xml"));
    assert_true(num(j, "cores") >= 1);
    assert_true(num(j, "threads") == 1);
    double peak = num(j, "peak_gflops"), sgemm = num(j, "sgemm_gflops"), eff = num(j, "matmul_efficiency");
    assert_true(peak > 0);
    assert_true(sgemm > 0);
    assert_true(eff > 0 && eff <= 1);
    assert_true(num(j, "triad_gbs") > 0);
    cJSON_Delete(j);
    assert_true(exists(path));
}

/* Each case: status 2, one line on stderr starting "usine: ", nothing written. */
/* Spinning children, two per processor, so that the kernels get a fraction of it. */
static int spin(pid_t *kids, int max)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = (int)(cpus < 1 ? 2 : 2 * cpus > max ? max : 2 * cpus);
    for (int i = 0; i < n; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            alarm(60);                                           /* never outlives a stuck test */
            for (volatile unsigned long x = 0;; x++) {}
        }
    }
    usleep(200000);
    return n;
}

static void unspin(pid_t *kids, int n)
{
    for (int i = 0; i < n; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
}

/* A busy machine's figures are not written as this computer's: status 1, why, and no file;
 * --force writes them with a warning. */
static void test_busy_machine_writes_nothing_without_force(void **state)
{
    (void)state;
    char path[PATH_MAX];
    path_in_tmp(path, sizeof path, "busy.xml");
    pid_t kids[64];
    int n = spin(kids, 64);
    run_result *r = run("en", "calibrate", "--quick", "--out", path, NULL);
    int status = r->status, written = exists(path);
    char *err = strdup(r->err);
    r = run("en", "calibrate", "--quick", "--force", "--out", path, NULL);
    unspin(kids, n);
    assert_int_equal(status, 1);
    assert_false(written);
    assert_non_null(strstr(err, "another program held the processor"));
    assert_non_null(strstr(err, "--force"));
    free(err);
    assert_int_equal(r->status, 0);
    assert_true(exists(path));
    assert_non_null(strstr(r->out, "a busy machine"));
    /* (that an idle machine gets no warning is not tested: the suite's other programs may be
     * running beside this one, and a test must not depend on the machine's load) */
}

static void test_bad_input_is_status_2_and_writes_nothing(void **state)
{
    (void)state;
    char out[PATH_MAX], as_dir[PATH_MAX], under_file[PATH_MAX], missing[PATH_MAX];
    path_in_tmp(out, sizeof out, "bad.xml");
    path_in_tmp(as_dir, sizeof as_dir, "folder");
    path_in_tmp(under_file, sizeof under_file, "plain/x.xml");
    path_in_tmp(missing, sizeof missing, "no-such-folder/x.xml");
    assert_int_equal(mkdir(as_dir, 0700), 0);
    char plain[PATH_MAX];
    path_in_tmp(plain, sizeof plain, "plain");
    FILE *f = fopen(plain, "w");
    assert_non_null(f);
    fclose(f);

    const char *cases[][6] = {
        { "calibrate", "--quick", "--threads", "0", "--out", out },
        { "calibrate", "--quick", "--threads", "-3", "--out", out },
        { "calibrate", "--quick", "--threads", "two", "--out", out },
        { "calibrate", "--quick", "--bogus", "--out", out, NULL },
        { "calibrate", "--quick", "stray", "--out", out, NULL },
        { "calibrate", "--quick", "--out", as_dir, NULL },
        { "calibrate", "--quick", "--out", under_file, NULL },
        { "calibrate", "--quick", "--out", missing, NULL },
        { "calibrate", "--quick", "--out", NULL },
        { "calibrate", "--quick", "--out", "", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *const *c = cases[i];
        run_result *r = run("en", c[0], c[1], c[2], c[3], c[4], c[5], NULL);
        if (r->status != 2) fail_msg("case %zu (%s %s %s): status %d, want 2", i, c[1], c[2], c[3] ? c[3] : "", r->status);
        if (strncmp(r->err, "usine: ", 7) || count_lines(r->err) != 1)
            fail_msg("case %zu: want one 'usine: ' line on stderr, got: %s", i, r->err);
        assert_string_equal(r->out, "");
        assert_false(exists(out));
        assert_int_equal(entries(as_dir), 0);
        assert_int_equal(entries(tmp_dir), 2);                   /* folder and plain: nothing else */
    }
    /* In French too, the message is one line. */
    run_result *r = run("fr", "calibrate", "--threads", "0", NULL);
    assert_int_equal(r->status, 2);
    assert_int_equal(count_lines(r->err), 1);
    assert_int_equal(entries(tmp_dir), 2);                       /* not even the usine data folder */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_file_is_a_valid_platform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platform_local_after_calibrating, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_keys_and_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input_is_status_2_and_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_machine_writes_nothing_without_force, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
