/* test_cli.c: the `usine` program as users run it: exit statuses, one-line messages on stderr,
 * JSON that parses, both languages, and every broken platform file refused with status 2 and its
 * line, within a time limit (a hang is a failure, not a slow test).
 * The program under test is $USINE (the Makefile sets it), default build/usine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_usine.h"

/* ------------------------------------------------------------------------------------------- */

static void test_version_and_help(void **state)
{
    (void)state;
    run_result *r = run("en", "--version", NULL);
    assert_int_equal(r->status, 0);
    assert_true(!strncmp(r->out, "usine ", 6));
    r = run("en", "--help", NULL);
    assert_int_equal(r->status, 0);
    static const char *const commands[] = { "platform", "predict", "plan", "validate", "stacks", "simulate", "bench",
                                            "calibrate", "train", "grade", "course", "screenshot" };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        char want[64];
        snprintf(want, sizeof want, "usine %s", commands[i]);
        if (!strstr(r->out, want)) fail_msg("--help does not list '%s'", want);
    }
    assert_non_null(strstr(r->out, "jean-zay"));                     /* the presets are listed */
    r = run("fr", "--help", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "Utilisation"));                  /* French when asked */
    r = run("en", "--lang", "fr", "--help", NULL);
    assert_non_null(strstr(r->out, "Utilisation"));                  /* --lang wins over USINE_LANG */
}

static void test_bad_usage_is_status_2_with_one_line(void **state)
{
    (void)state;
    static const char *const cases[][4] = {
        { "frobnicate", NULL },
        { "platform", NULL },
        { "platform", "show", NULL },
        { "platform", "explode", "classroom", NULL },
        { "platform", "show", "classroom", "--bogus" },
        { "platform", "show", "no-such-preset", NULL },
        { "platform", "show", "classroom", "--partition" },
        { "platform", "check", NULL },
        { "--lang", "de", NULL },
        { "predict", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        run_result *r = run("en", cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
        if (r->status != 2) fail_msg("case %zu (%s %s): status %d, want 2", i, cases[i][0], cases[i][1] ? cases[i][1] : "", r->status);
        if (!strcmp(cases[i][0], "platform") && !cases[i][1]) continue; /* bare 'platform' prints its usage */
        if (count_lines(r->err) != 1 || strncmp(r->err, "usine: ", 7))
            fail_msg("case %zu: stderr should be one 'usine: ...' line, got: %s", i, r->err);
    }
    run_result *r = run("en", "platform", "show", "classroom", "--partition", "nope", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "gpu"));                           /* says which partitions exist */
}

/* Bare `usine` opens the desktop app; without a display it says so and what works instead. */
static void test_bare_usine_says_what_to_do(void **state)
{
    (void)state;
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    unsetenv("SDL_VIDEODRIVER");
    run_result *r = run("en", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "no display"));
    assert_non_null(strstr(r->err, "usine screenshot"));
    assert_int_equal(count_lines(r->err), 1);
}

/* The figures through the command: Jean Zay's H100 partition in JSON. */
static void test_show_json_jean_zay(void **state)
{
    (void)state;
    run_result *r = run("en", "platform", "show", "jean-zay", "--partition", "h100", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_string_equal(cJSON_GetObjectItem(j, "id")->valuestring, "jean-zay");
    assert_true(num(j, "nodes") > 364 && num(j, "gpus") > 1456);       /* the whole machine */
    assert_true(num(j, "power_mw") > 0);
    const cJSON *parts = cJSON_GetObjectItem(j, "partitions");
    assert_int_equal(cJSON_GetArraySize(parts), 1);
    const cJSON *h = cJSON_GetArrayItem(parts, 0);
    assert_string_equal(cJSON_GetObjectItem(h, "id")->valuestring, "h100");
    assert_int_equal((int)num(h, "nodes"), 364);
    assert_int_equal((int)num(h, "gpus"), 1456);
    assert_string_equal(cJSON_GetObjectItem(h, "gpu_model")->valuestring, "h100-sxm5-80gb");
    double bf16 = num(cJSON_GetObjectItem(h, "peak_pflops"), "bf16");
    assert_true(fabs(bf16 - 1456 * 989 / 1000.0) < 0.01);
    cJSON_Delete(j);
}

static void test_show_every_preset_in_both_languages(void **state)
{
    (void)state;
    static const char *const presets[] = { "classroom", "jean-zay", "alice-recoque", "selene", "eos",
                                           "frontier", "el-capitan", "jupiter" };
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++) {
        run_result *r = run("fr", "platform", "show", presets[i], NULL);
        if (r->status) fail_msg("platform show %s: status %d: %s", presets[i], r->status, r->err);
        assert_non_null(strstr(r->out, "Machine entière"));
        r = run("en", "platform", "show", presets[i], NULL);
        assert_int_equal(r->status, 0);
        assert_non_null(strstr(r->out, "Whole machine"));
        r = run("en", "platform", "show", presets[i], "--json", NULL);
        assert_int_equal(r->status, 0);
        cJSON *j = parse_json(r->out);
        assert_true(num(j, "gpus") > 0);
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "peak_pflops")));
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partitions")) >= 1);
        cJSON_Delete(j);
    }
    run_result *r = run("fr", "platform", "show", "alice-recoque", NULL);
    assert_non_null(strstr(r->out, "Hypothèses"));                   /* assumptions are shown */
}

static void test_list_and_check(void **state)
{
    (void)state;
    run_result *r = run("en", "platform", "list", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "schema")), "usine.platform.list/1");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(j, "platforms")) >= 8);
    cJSON_Delete(j);
    r = run("en", "platform", "check", "classroom", "assets/platforms/jupiter.xml", NULL);
    assert_int_equal(r->status, 0);
    assert_int_equal(count_lines(r->out), 2);
    /* one bad file among good ones: status 2, the good ones still reported */
    r = run("en", "platform", "check", "classroom", "tests/fixtures/platforms/bad/zero-nodes.xml", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->out, "classroom: valid"));
    assert_non_null(strstr(r->err, "zero-nodes.xml:12: "));
}

/* platform resize: the file on stdout is a platform that checks and shows the partition at its new
 * size, with the totals `predict --nodes` would use (the same JSON as for the machine resized in
 * memory); --out writes it and says so in one line; every refusal is one line, status 2, nothing on
 * stdout, and no file left behind. */
static void test_platform_resize(void **state)
{
    (void)state;
    char dir[] = "/tmp/usine-resize-XXXXXX", file[64], text[64];
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/jz.xml", dir);
    snprintf(text, sizeof text, "%s/stdout.xml", dir);
    run_result *r = run("en", "platform", "resize", "jean-zay", "--partition", "h100", "--nodes", "728", NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    assert_true(!strncmp(r->out, "<?xml", 5));
    FILE *f = fopen(text, "w");
    fputs(r->out, f);
    fclose(f);
    r = run("fr", "platform", "resize", "jean-zay", "--partition", "h100", "--nodes", "728", "--out", file, NULL);
    assert_int_equal(r->status, 0);
    assert_int_equal(count_lines(r->out), 1);
    assert_non_null(strstr(r->out, "728"));
    assert_non_null(strstr(r->out, "912"));                           /* 728 x 4 GPUs */
    r = run("en", "platform", "check", file, text, NULL);
    assert_int_equal(r->status, 0);
    assert_int_equal(count_lines(r->out), 2);
    r = run("en", "platform", "show", file, "--partition", "h100", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    const cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "partitions"), 0);
    assert_int_equal((int)num(h, "nodes"), 728);
    assert_int_equal((int)num(h, "gpus"), 2912);
    double bisection = num(h, "bisection_tbs"), switches = num(h, "switches");
    cJSON_Delete(j);
    r = run("fr", "platform", "show", file, "--partition", "h100", NULL);
    assert_non_null(strstr(r->out, "usine platform resize"));         /* the note, in the language it was written */
    /* the same prediction as --nodes on the published file */
    static const char *const plan[] = { "--partition", "h100", "--model", "llama3-8b", "--gpus", "2048", "--tp", "2",
                                        "--zero", "3", "--recompute", "selective", "--gbs", "1024", "--json" };
    const char *argv[24] = { NULL, "predict", "--platform", file };
    int n = 4;
    for (size_t i = 0; i < sizeof plan / sizeof *plan; i++) argv[n++] = plan[i];
    argv[n] = NULL;
    r = run_argv("en", argv);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    double step = num(j, "step_time_s");
    cJSON_Delete(j);
    argv[3] = "jean-zay";
    argv[n++] = "--nodes";
    argv[n++] = "728";
    argv[n] = NULL;
    r = run_argv("en", argv);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    assert_true(num(j, "step_time_s") == step);
    cJSON_Delete(j);
    assert_true(bisection > 0 && switches > 0);

    char missing[80];
    snprintf(missing, sizeof missing, "%s/no/such/folder.xml", dir);
    const char *const bad[][8] = {
        { "resize", "classroom", "--nodes", "17", NULL },                    /* an explicit network cannot grow */
        { "resize", "classroom", "--nodes", "0", NULL },
        { "resize", "classroom", "--nodes", "-3", NULL },
        { "resize", "classroom", "--nodes", "many", NULL },
        { "resize", "classroom", "--nodes", "100001", NULL },
        { "resize", "classroom", NULL },                                      /* no --nodes */
        { "resize", "classroom", "--nodes", NULL },
        { "resize", "--nodes", "4", NULL },                                   /* no platform */
        { "resize", "classroom", "jupiter", "--nodes", "4", NULL },
        { "resize", "classroom", "--partition", "cpu", "--nodes", "4", NULL },
        { "resize", "jean-zay", "--partition", "h100", "--nodes", "99999", NULL }, /* with the others, too many nodes */
        { "resize", "no-such-preset", "--nodes", "4", NULL },
        { "resize", "classroom", "--nodes", "4", "--json", NULL },
        { "show", "classroom", "--nodes", "4", NULL },                        /* --nodes is for resize */
        { "resize", "classroom", "--nodes", "4", "--out", missing, NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *a[10] = { NULL, "platform" };
        for (int k = 0; k < 8 && bad[i][k]; k++) a[2 + k] = bad[i][k], a[3 + k] = NULL;
        r = run_argv("en", a);
        if (r->status != 2) fail_msg("case %zu: status %d, want 2: %s", i, r->status, r->err);
        if (r->out[0]) fail_msg("case %zu: stdout should be empty, got: %s", i, r->out);
        if (count_lines(r->err) != 1 || strncmp(r->err, "usine: ", 7))
            fail_msg("case %zu: stderr should be one 'usine: ...' line, got: %s", i, r->err);
    }
    r = run("en", "platform", "resize", "classroom", "--nodes", "17", NULL);
    assert_non_null(strstr(r->err, "cannot grow"));
    r = run("en", "platform", "resize", "classroom", "--partition", "cpu", "--nodes", "4", NULL);
    assert_non_null(strstr(r->err, "gpu"));                           /* says which partitions exist */
    r = run("fr", "platform", "resize", "classroom", "--nodes", "0", NULL);
    assert_non_null(strstr(r->err, "nœuds"));
    unlink(file);
    unlink(text);
    assert_int_equal(rmdir(dir), 0);                                   /* nothing else was written */
}

/* Every broken or hostile file: status 2, "file:line: " on stderr, in time (alarm in the child). */
static void test_every_bad_file_through_the_command(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fixtures/platforms/bad/EXPECTED", "r");
    assert_non_null(f);
    char row[1024];
    while (fgets(row, sizeof row, f)) {
        if (row[0] == '#' || row[0] == '\n') continue;
        char *name = strtok(row, "\t"), *line = strtok(NULL, "\t");
        char path[512], want[600];
        snprintf(path, sizeof path, "tests/fixtures/platforms/bad/%s", name);
        snprintf(want, sizeof want, "%s:%s: ", path, line);
        run_result *r = run("fr", "platform", "check", path, NULL);
        if (r->status != 2) fail_msg("%s: status %d, want 2", name, r->status);
        if (!strstr(r->err, want)) fail_msg("%s: stderr lacks '%s': %s", name, want, r->err);
    }
    fclose(f);
}

/* French messages carry the file and line too, and data parse the same in any locale. */
static void test_french_error_message(void **state)
{
    (void)state;
    run_result *r = run("fr", "platform", "check", "tests/fixtures/platforms/bad/negative-bandwidth.xml", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "negative-bandwidth.xml:9: "));
    assert_non_null(strstr(r->err, "gbit_s"));
    assert_null(strstr(r->err, "must be"));                           /* translated */
}

/* The complete example of the format's documentation is a valid platform. */
static void test_documented_example_loads(void **state)
{
    (void)state;
    FILE *f = fopen("assets/schema/README.md", "r");
    assert_non_null(f);
    char tmp[] = "/tmp/usine-doc-example-XXXXXX.xml";
    int fd = mkstemps(tmp, 4);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "w");
    char line[1024];
    int in = 0, lines = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "```", 3)) {
            if (in) break;
            in = !strncmp(line, "```xml", 6);
            continue;
        }
        if (in) { fputs(line, out); lines++; }
    }
    fclose(f);
    fclose(out);
    assert_true(lines > 10);
    run_result *r = run("en", "platform", "check", tmp, NULL);
    unlink(tmp);
    if (r->status) fail_msg("the example in assets/schema/README.md does not load: %s", r->err);
}


/* simulate collective: JSON keys, agreement with the closed form, a trace that parses. */
static void test_simulate_collective(void **state)
{
    (void)state;
    char trace[] = "/tmp/usine-trace-XXXXXX.json";
    int fd = mkstemps(trace, 5);
    assert_true(fd >= 0);
    close(fd);
    run_result *r = run("en", "simulate", "collective", "--platform", "classroom", "--op", "allreduce", "--algo", "ring",
                        "--bytes", "256MiB", "--gpus", "32", "--trace", trace, "--json", NULL);
    if (r->status) fail_msg("status %d: %s", r->status, r->err);
    cJSON *j = parse_json(r->out);
    static const char *const keys[] = { "time_s", "closed_form_s", "algbw_gbps", "busbw_gbps", "events", "wall_s" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) num(j, keys[i]);
    double t = num(j, "time_s"), closed = num(j, "closed_form_s");
    assert_true(fabs(t - closed) <= 0.01 * closed);
    assert_true(fabs(num(j, "algbw_gbps") - 256.0 * 1048576 / t / 1e9) < 1e-6 * num(j, "algbw_gbps"));
    assert_true(fabs(num(j, "busbw_gbps") - num(j, "algbw_gbps") * 2 * 31 / 32) < 1e-6 * num(j, "busbw_gbps"));
    assert_int_equal((int)num(j, "gpus"), 32);
    cJSON_Delete(j);
    FILE *f = fopen(trace, "r");
    assert_non_null(f);
    static char text[1 << 22];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    unlink(trace);
    cJSON *tr = parse_json(text);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(tr, "traceEvents")) > 32);
    cJSON_Delete(tr);
    /* text output in French says where the numbers come from */
    r = run("fr", "simulate", "collective", "--op", "alltoall", "--bytes", "1MiB", "--gpus", "16", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "simulé"));
    assert_non_null(strstr(r->out, "forme close"));
}

static void test_simulate_bad_input(void **state)
{
    (void)state;
    static const char *const cases[][10] = {
        { "--op", "allreduce", "--bytes", "0", NULL },
        { "--op", "allreduce", "--bytes", "-5", NULL },
        { "--op", "allreduce", "--bytes", "lots", NULL },
        { "--op", "allreduce", "--bytes", "1e400", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--gpus", "0", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--gpus", "-3", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--gpus", "4096", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--algo", "gossip", NULL },
        { "--op", "gossip", "--bytes", "1GiB", NULL },
        { "--bytes", "1GiB", NULL },
        { "--op", "allreduce", NULL },
        { "--op", "allreduce", "--algo", "rhd", "--bytes", "1GiB", "--gpus", "12", NULL },
        { "--op", "broadcast", "--algo", "tree", "--bytes", "1GiB", NULL },
        { "--op", "p2p", "--bytes", "1GiB", "--gpus", "3", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--partition", "nope", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--platform", "tests/fixtures/platforms/bad/zero-nodes.xml", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--frobnicate", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--routing", "ecmp", NULL },                   /* explicit: no choice */
        { "--op", "allreduce", "--bytes", "1GiB", "--platform", "frontier", "--routing", "spray", NULL }, /* not a dragonfly's */
        { "--op", "allreduce", "--bytes", "1GiB", "--routing", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--ranks", "0-3,2", NULL },                     /* GPU 2 twice */
        { "--op", "allreduce", "--bytes", "1GiB", "--ranks", "0-500", NULL },                     /* beyond 128 GPUs */
        { "--op", "allreduce", "--bytes", "1GiB", "--ranks", "7-3", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--ranks", "0-7:0", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--ranks", "0-7", "--gpus", "8", NULL },
        { "--op", "allreduce", "--bytes", "1GiB", "--trace", "/nonexistent-dir/t.json", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *const *c = cases[i];
        run_result *r = run("en", "simulate", "collective", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], NULL);
        if (r->status != 2) fail_msg("case %zu (%s %s %s %s): status %d, want 2", i, c[0], c[1] ? c[1] : "", c[2] ? c[2] : "", c[3] ? c[3] : "", r->status);
        if (!strstr(r->err, "usine: ") && !strstr(r->err, ".xml:")) fail_msg("case %zu: no message: %s", i, r->err);
    }
    run_result *r = run("en", "simulate", "step", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "--model"));
    /* --routing replaces the network's: minimal routing shares the direct links of two dragonfly groups */
    run_result *mn = run("en", "simulate", "collective", "--platform", "frontier", "--op", "allreduce", "--algo", "rhd", "--bytes",
                         "1GiB", "--gpus", "2048", "--routing", "minimal", "--json", NULL);
    assert_int_equal(mn->status, 0);
    cJSON *jm = parse_json(mn->out);
    double t_min = num(jm, "time_s");
    cJSON_Delete(jm);
    run_result *ad = run("en", "simulate", "collective", "--platform", "frontier", "--op", "allreduce", "--algo", "rhd", "--bytes",
                         "1GiB", "--gpus", "2048", "--json", NULL);
    cJSON *ja = parse_json(ad->out);
    assert_true(num(ja, "time_s") < 0.9 * t_min);                 /* adaptive, the preset's, goes around */
    cJSON_Delete(ja);
    /* --ranks: every other GPU of Jean Zay's A100 nodes, in that order; the busiest links say where it waits */
    run_result *rk = run("en", "simulate", "collective", "--platform", "jean-zay", "--partition", "a100", "--op", "allreduce",
                         "--bytes", "1GiB", "--ranks", "0-255:2", "--json", NULL);
    assert_int_equal(rk->status, 0);
    cJSON *jr = parse_json(rk->out);
    assert_int_equal((int)num(jr, "gpus"), 128);
    assert_int_equal((int)num(jr, "nodes"), 32);
    const cJSON *bn = cJSON_GetArrayItem(cJSON_GetObjectItem(jr, "bottlenecks"), 0);
    assert_non_null(bn);
    assert_true(num(bn, "use") > 0.5 && num(bn, "use") <= 1 + 1e-9);
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(bn, "link")), "nic"));
    cJSON_Delete(jr);
    /* --scenario: collectives at once, each line one; every wrong line is named */
    run_result *sc = run("en", "simulate", "collective", "--scenario", "assets/scenarios/classroom-rings.txt", "--json", NULL);
    assert_int_equal(sc->status, 0);
    cJSON *js = parse_json(sc->out);
    const cJSON *cs = cJSON_GetObjectItem(js, "collectives");
    assert_int_equal(cJSON_GetArraySize(cs), 5);
    for (int i = 0; i < 4; i++) {                                 /* four rings sharing the nodes' NICs */
        const cJSON *k = cJSON_GetArrayItem(cs, i);
        assert_true(num(k, "time_s") > num(k, "closed_form_s"));
        assert_int_equal((int)num(k, "line"), i + 5);
    }
    assert_true(fabs(num(cJSON_GetArrayItem(cs, 4), "start_s") - 2e-3) < 1e-12);   /* the all-to-all waits 2 ms */
    assert_non_null(cJSON_GetArrayItem(cJSON_GetObjectItem(js, "bottlenecks"), 0));
    cJSON_Delete(js);
    static const char *const bad_scen[][2] = {
        { "bad-op.txt", "bad-op.txt:3: unknown operation 'gossip'" }, { "bad-ranks.txt", "bad-ranks.txt:1: --ranks: GPU 3" },
        { "empty.txt", "no collective in the scenario" }, { "bad-start.txt", "bad-start.txt:1: the start 'soon'" },
        { "bad-fields.txt", "bad-fields.txt:1: a collective is OP ALGO BYTES RANKS" }, { "bad-bytes.txt", "bad-bytes.txt:1: 'lots'" },
    };
    for (size_t i = 0; i < sizeof bad_scen / sizeof *bad_scen; i++) {
        char path[128];
        snprintf(path, sizeof path, "tests/fixtures/scenarios/%s", bad_scen[i][0]);
        run_result *b = run("en", "simulate", "collective", "--scenario", path, NULL);
        if (b->status != 2 || !strstr(b->err, bad_scen[i][1]) || b->out[0] || strchr(b->err, '\n') != b->err + strlen(b->err) - 1)
            fail_msg("scenario %s: status %d, stderr %s", bad_scen[i][0], b->status, b->err);
    }
    run_result *both = run("en", "simulate", "collective", "--scenario", "assets/scenarios/classroom-rings.txt", "--op", "allreduce", NULL);
    assert_int_equal(both->status, 2);
    run_result *sh = run("en", "platform", "show", "frontier", NULL);
    assert_non_null(strstr(sh->out, "(dragonfly, adaptive routing, HPE Slingshot 11)"));
    r = run("en", "simulate", "collective", "--op", "allreduce", "--bytes", "1GiB", "--gpus", "4096", NULL);
    assert_non_null(strstr(r->err, "128"));                           /* says how many there are */
}

/* ------------------------------------------------------------------------------------------- */
/* The training model's commands */

#define SEL "--platform", "selene"
#define GPT "--model", "megatron-7.5b", "--precision", "fp16", "--recompute", "full"

static void test_predict(void **state)
{
    (void)state;
    run_result *r = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "4", "--pp", "2", "--gbs", "128",
                        "--tokens", "300B", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    static const char *const keys[] = { "step_time_s", "tokens_per_s", "model_tflops_per_gpu", "hardware_tflops_per_gpu",
                                        "mfu", "hfu", "memory_per_gpu_gib", "time_to_train_s", "gpu_hours", "energy_mwh",
                                        "goodput" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) assert_true(num(j, keys[i]) > 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "fits")));
    const cJSON *b = cJSON_GetObjectItem(j, "breakdown");
    assert_true(num(b, "compute_s") > 0 && num(b, "bubble_s") > 0 && num(b, "tensor_parallel_s") > 0);
    double tokens_per_s = num(j, "tokens_per_s"), step = num(j, "step_time_s");
    assert_true(fabs(tokens_per_s * step / (128 * 2048.0) - 1) < 1e-9);
    assert_true(fabs(num(j, "time_to_train_s") - ceil(300e9 / (128 * 2048.0)) * step) < 1e-6 * num(j, "time_to_train_s"));
    cJSON_Delete(j);
    /* text, in French too */
    r = run("fr", "predict", SEL, GPT, "--gpus", "64", "--tp", "4", "--pp", "2", "--gbs", "128", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "bulle"));
}

/* "--name=value" reads as "--name value" (as getopt_long users type it), in every command and
 * inside --beside's option string. */
static void test_options_with_equals(void **state)
{
    (void)state;
    run_result *r = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "4", "--pp", "2", "--gbs", "128", "--json", NULL);
    assert_int_equal(r->status, 0);
    char *spaced = strdup(r->out);
    r = run("en", "predict", "--platform=selene", "--model=megatron-7.5b", "--precision=fp16", "--recompute=full", "--gpus=64", "--tp=4",
            "--pp=2", "--gbs=128", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *x = parse_json(spaced), *y = parse_json(r->out);      /* the same prediction (wall_s aside) */
    assert_true(num(x, "step_time_s") == num(y, "step_time_s") && num(x, "memory_per_gpu_gib") == num(y, "memory_per_gpu_gib"));
    cJSON_Delete(x);
    cJSON_Delete(y);
    free(spaced);
    /* a partition without the default precision: which defaults were taken, and what to type */
    r = run("en", "predict", "--platform=jean-zay", "--model=llama3-8b", "--gpus=64", "--gbs=64", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "partition 'v100' (the first, taken without --partition)"));
    assert_non_null(strstr(r->err, "bf16 (the default --precision)"));
    assert_non_null(strstr(r->err, "give --precision fp32|fp16, or --partition a100|h100"));
    r = run("fr", "predict", "--platform", "jean-zay", "--partition", "v100", "--precision", "fp8", "--model", "llama3-8b", "--gpus", "64",
            "--gbs", "64", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "--partition h100"));
    assert_null(strstr(r->err, "default"));
    r = run("en", "predict", "--gpus=", NULL);                     /* an empty value is refused as one */
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "--gpus takes a whole number"));
    r = run("en", "predict", "--json=1", NULL);                    /* a flag has no value */
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "unexpected argument '1'"));
    const char *a[] = { "", "simulate", "step", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-7b", "--gpus", "64",
                        "--tp", "2", "--gbs", "64", "--json", "--beside", "--model llama2-7b --gpus 64 --tp 2 --gbs 64", NULL };
    r = run_argv("en", a);
    assert_int_equal(r->status, 0);
    spaced = strdup(r->out);
    a[17] = "--model=llama2-7b --gpus=64 --tp=2 --gbs=64";
    r = run_argv("en", a);
    assert_int_equal(r->status, 0);
    /* the same jobs; only the wall time differs */
    x = parse_json(spaced), y = parse_json(r->out);
    assert_true(num(x, "step_time_s") == num(y, "step_time_s") && num(x, "makespan_s") == num(y, "makespan_s"));
    cJSON_Delete(x);
    cJSON_Delete(y);
    free(spaced);
    const char *b[] = { "", "simulate", "step", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-7b", "--gpus", "64",
                        "--tp", "2", "--gbs", "64", "--json", "--beside=--model llama2-7b --gpus 64 --tp 2 --gbs 64", NULL };
    r = run_argv("en", b);
    assert_int_equal(r->status, 0);
}

/* One is singular: "1 micro-batch per step", "1 micro-lot par étape". */
static void test_plural_words(void **state)
{
    (void)state;
    run_result *r = run("en", "predict", "--platform", "jean-zay", "--partition", "h100", "--model", "llama3-8b", "--gpus", "64",
                        "--gbs", "64", "--zero", "3", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, ", 1 micro-batch per step\n"));
    r = run("fr", "predict", "--platform", "jean-zay", "--partition", "h100", "--model", "llama3-8b", "--gpus", "64", "--gbs", "64",
            "--zero", "3", NULL);
    assert_non_null(strstr(r->out, ", 1 micro-lot par étape\n"));
    r = run("fr", "predict", "--platform", "jean-zay", "--partition", "h100", "--model", "llama3-8b", "--gpus", "64", "--gbs", "128",
            "--zero", "3", NULL);
    assert_non_null(strstr(r->out, ", 2 micro-lots par étape\n"));
}

/* Characters, not bytes, up to the last '%' of a line. */
static long chars_to_last_percent(const char *line, size_t len)
{
    long at = -1, n = 0;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)line[i] & 0xC0) == 0x80) continue;   /* a continuation byte */
        if (line[i] == '%') at = n;
        n++;
    }
    return at;
}

/* French rows have accents: the step breakdown's columns still line up (padding by characters). */
static void test_french_tables_align(void **state)
{
    (void)state;
    run_result *r = run("fr", "predict", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-7b", "--gpus", "256",
                        "--tp", "2", "--pp", "4", "--gbs", "256", NULL);
    assert_int_equal(r->status, 0);
    const char *at = strstr(r->out, "décomposition");
    assert_non_null(at);
    long col = -1;
    int rows = 0;
    for (const char *line = strchr(at, '\n') + 1; !strncmp(line, "    ", 4) && line[4] != '('; rows++) {
        const char *end = strchr(line, '\n');
        long c = chars_to_last_percent(line, (size_t)(end - line));
        if (col < 0) col = c;
        if (c != col) fail_msg("a breakdown row's %% at character %ld, the first's at %ld: %.*s", c, col, (int)(end - line), line);
        line = end + 1;
    }
    assert_true(rows >= 5);
}

/* Both manual pages, English and French, have an entry for every command of 'usine --help' and
 * the sections a user looks for (FILES / FICHIERS: where the data, the profile and the work live). */
static void test_man_pages_cover_every_command(void **state)
{
    (void)state;
    static const char *const pages[][3] = { { "assets/man/usine.1", ".SH FILES", ".SH ENVIRONMENT" },
                                            { "assets/man/fr/usine.1", ".SH FICHIERS", ".SH ENVIRONNEMENT" } };
    run_result *r = run("en", "--help", NULL);
    assert_int_equal(r->status, 0);
    char *help = strdup(r->out);
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        FILE *f = fopen(pages[k][0], "r");
        if (!f) fail_msg("no %s", pages[k][0]);
        static char man[65536];
        size_t n = fread(man, 1, sizeof man - 1, f);
        man[n] = '\0';
        fclose(f);
        assert_non_null(strstr(man, pages[k][1]));
        assert_non_null(strstr(man, pages[k][2]));
        assert_non_null(strstr(man, "local.xml"));
        assert_non_null(strstr(man, "progress.json"));
        /* every "  usine NAME" of the help, as an entry ".BI \"NAME " or ".B NAME" */
        for (const char *p = strstr(help, "\n  usine "); p; p = strstr(p + 1, "\n  usine ")) {
            char name[32];
            if (sscanf(p + 9, "%31[a-z]", name) != 1) continue;
            char bi[48], b[48];
            snprintf(bi, sizeof bi, ".BI \"%s ", name);
            snprintf(b, sizeof b, ".B %s ", name);
            if (!strstr(man, bi) && !strstr(man, b)) fail_msg("%s has no entry for '%s'", pages[k][0], name);
        }
    }
    free(help);
}

static void test_predict_bad_input(void **state)
{
    (void)state;
    static const char *const cases[][8] = {
        { "--gpus", "100", "--tp", "8", "--gbs", "64", NULL },           /* not a multiple of tp */
        { "--gpus", "64", "--tp", "16", "--gbs", "64", NULL },           /* tp beyond the node */
        { "--gpus", "64", "--gbs", "64", "--precision", "fp7", NULL },   /* unknown precision */
        { "--gpus", "64", "--gbs", "64", "--precision", "fp8", NULL },   /* not on an A100 */
        { "--gpus", "0", "--gbs", "64", NULL },
        { "--gpus", "64", "--gbs", "-1", NULL },
        { "--gpus", "64", NULL },
        { "--gpus", "100000", "--gbs", "64", NULL },                     /* more than Selene has */
        { "--gpus", "64", "--gbs", "64", "--recompute", "some", NULL },
        { "--gpus", "64", "--gbs", "64", "--zero", "4", NULL },
        { "--gpus", "64", "--gbs", "64", "--tokens", "many", NULL },
        { "--gpus", "64", "--gbs", "64", "--first-stage-layers", "3", NULL },           /* no pipeline */
        { "--gpus", "64", "--gbs", "64", "--last-stage-layers", "x", NULL },
        { "--gpus", "64", "--gbs", "64", "--last-stage-layers", "-1", NULL },
        { "--gpus", "64", "--tp", "8", "--gbs", "64", "--tp-overlap", NULL },          /* without sequence parallelism */
        { "--gpus", "64", "--gbs", "64", "--routing", "valiant", NULL },               /* a dragonfly's, not a fat tree's */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *const *c = cases[i];
        run_result *r = run("en", "predict", SEL, GPT, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], NULL);
        if (r->status != 2 || strncmp(r->err, "usine: ", 7)) fail_msg("case %zu: status %d, stderr %s", i, r->status, r->err);
        if (r->out[0] || strchr(r->err, '\n') != r->err + strlen(r->err) - 1)
            fail_msg("case %zu: not one line on stderr and nothing on stdout: %s|%s", i, r->out, r->err);
    }
    /* what a stack does not offer: refused, naming the stack and the feature */
    static const char *const offers[][4] = {
        { "megatron-lm-2021", "--seq-parallel", NULL, "the megatron-lm-2021 stack has no sequence parallelism" },
        { "megatron-lm-2021", "--flash", NULL, "has no FlashAttention" },
        { "megatron-lm-2022", "--tp-overlap", "--seq-parallel", "has no tensor-parallel communication overlap" },
        { "megatron-lm-2019", "--zero", "1", "offers ZeRO up to stage 0" },
        { "megatron-lm-2021", "--recompute", "selective", "has no selective recomputation" },
    };
    for (size_t i = 0; i < sizeof offers / sizeof *offers; i++) {
        run_result *r = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "8", "--gbs", "64", "--stack", offers[i][0],
                            offers[i][1], offers[i][2], NULL);
        if (r->status != 2 || !strstr(r->err, offers[i][3]) || r->out[0])
            fail_msg("stack case %zu: status %d, stderr %s", i, r->status, r->err);
    }
    run_result *ov = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "8", "--gbs", "64", "--seq-parallel", "--tp-overlap",
                         "--json", NULL);
    assert_int_equal(ov->status, 0);
    cJSON *oj = parse_json(ov->out);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(oj, "plan"), "tp_overlap")));
    cJSON_Delete(oj);
    /* --routing replaces the network's for predict too: minimal routing prices El Capitan's direct links */
    static const char *const elc[] = { "predict", "--platform", "el-capitan", "--model", "llama2-7b", "--gpus", "2048", "--tp",
                                       "2", "--pp", "4", "--gbs", "2048", "--json" };
    double step[2];
    for (int k = 0; k < 2; k++) {
        const char *argv[24] = { NULL };
        int na = 1;
        for (size_t i = 0; i < sizeof elc / sizeof *elc; i++) argv[na++] = elc[i];
        if (k) argv[na++] = "--routing", argv[na++] = "minimal";
        run_result *e = run_argv("en", argv);
        assert_int_equal(e->status, 0);
        cJSON *je = parse_json(e->out);
        step[k] = num(je, "step_time_s");
        cJSON_Delete(je);
    }
    assert_true(step[1] > 2 * step[0]);
    /* what-if machines: --nodes grows the partition and says so; what cannot grow says why */
    run_result *w = run("en", "predict", "--platform", "eos", "--nodes", "1344", "--model", "llama2-7b", "--gpus", "10752",
                        "--gbs", "10752", "--zero", "3", "--recompute", "full", NULL);
    assert_int_equal(w->status, 0);
    assert_non_null(strstr(w->out, "what-if        partition h100 with 1,344 nodes (the file has 576)"));
    w = run("en", "predict", "--platform", "eos", "--model", "llama2-7b", "--gpus", "10752", "--gbs", "10752", NULL);
    assert_int_equal(w->status, 2);
    assert_non_null(strstr(w->err, "--nodes N asks for a larger machine"));
    w = run("en", "predict", "--platform", "classroom", "--nodes", "100", "--model", "llama2-7b", "--gpus", "8", "--gbs", "8", NULL);
    assert_int_equal(w->status, 2);
    assert_non_null(strstr(w->err, "cannot grow"));
    assert_string_equal(w->out, "");
    w = run("en", "predict", "--platform", "eos", "--nodes", "0", "--model", "llama2-7b", "--gpus", "8", "--gbs", "8", NULL);
    assert_int_equal(w->status, 2);
    w = run("en", "simulate", "collective", "--platform", "jean-zay", "--partition", "h100", "--nodes", "728", "--op",
            "allreduce", "--algo", "rhd", "--bytes", "1GiB", "--gpus", "2048", NULL);
    assert_int_equal(w->status, 0);
    assert_non_null(strstr(w->out, "2,048 GPUs of jean-zay/h100 (512 nodes)"));
    /* uneven stages: the split is printed; ends that leave an uneven rest say what would work */
    run_result *u = run("en", "predict", SEL, GPT, "--gpus", "40", "--tp", "8", "--pp", "5", "--gbs", "40", NULL);
    assert_int_equal(u->status, 0);
    assert_non_null(strstr(u->out, "--pp 5 (stages of 7 x 2, 8, 7 x 2 layers)"));
    u = run("en", "predict", SEL, GPT, "--gpus", "32", "--tp", "8", "--pp", "4", "--gbs", "32", "--first-stage-layers", "6",
            "--last-stage-layers", "7", NULL);
    assert_int_equal(u->status, 2);
    assert_non_null(strstr(u->err, "try --last-stage-layers 6"));
    assert_string_equal(u->out, "");
    run_result *r = run("en", "predict", SEL, "--model", "nope", "--gpus", "8", "--gbs", "8", NULL);
    assert_int_equal(r->status, 2);
    r = run("en", "predict", SEL, GPT, "--gpus", "100", "--tp", "8", "--gbs", "64", NULL);
    assert_non_null(strstr(r->err, "try --gpus 96, 104"));
    /* a model that does not fit: how much too big, and the plan that fits */
    r = run("en", "predict", SEL, "--model", "gpt3-175b", "--gpus", "64", "--tp", "8", "--gbs", "64", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "GiB too many"));
    assert_non_null(strstr(r->err, "fastest plan that fits"));
}

/* A mixture of experts on the command line: its shape and the FLOPs convention said in the text,
 * active_params in JSON (and not for a dense model), and bad shapes refused with one line. */
static void test_predict_moe(void **state)
{
    (void)state;
#define JZ_H100 "--platform", "jean-zay", "--partition", "h100"
#define MIX_PLAN "--gpus", "64", "--tp", "4", "--pp", "4", "--zero", "1", "--gbs", "256", "--seq-parallel", "--recompute", "full"
    run_result *r = run("en", "predict", JZ_H100, "--model", "mixtral-8x7b", MIX_PLAN, NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "Mixtral 8x7B (46.7 billion parameters)"));
    assert_non_null(strstr(r->out, "8 routed (top 2) and 0 shared in 32 of 32 layers"));
    assert_non_null(strstr(r->out, "12.75 billion parameters per token"));
    assert_non_null(strstr(r->out, "6 x active x tokens + attention"));
    r = run("en", "predict", JZ_H100, "--model", "mixtral-8x7b", MIX_PLAN, "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_true(fabs(num(j, "active_params") / 12.75e9 - 1) < 0.001);
    assert_true(fabs(num(j, "params") / 46.7e9 - 1) < 0.001);
    cJSON_Delete(j);
    r = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "4", "--pp", "2", "--gbs", "128", "--json", NULL);
    assert_int_equal(r->status, 0);
    assert_null(strstr(r->out, "active_params"));
    /* a preset's shape changed by the options, and a custom MoE */
    r = run("en", "predict", JZ_H100, "--model", "mixtral-8x7b", MIX_PLAN, "--capacity-factor", "1.25", "--imbalance", "1.5", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "capacity factor 1.25, imbalance 1.50"));
    r = run("en", "predict", JZ_H100, "--layers", "8", "--hidden", "1024", "--heads", "8", "--vocab", "32000", "--seq", "2048",
            "--experts", "16", "--top-k", "4", "--expert-ffn", "512", "--shared-experts", "1", "--dense-first", "1",
            "--gpus", "8", "--gbs", "8", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "16 routed (top 4) and 1 shared in 7 of 8 layers"));
    /* simulate step takes the same options */
    r = run("en", "simulate", "step", JZ_H100, "--model", "mixtral-8x7b", MIX_PLAN, NULL);
    assert_int_equal(r->status, 0);
    static const char *const bad[][5] = {
        { "--model", "mixtral-8x7b", "--top-k", "9", "--top-k must be from 1 to the 8 experts" },
        { "--model", "mixtral-8x7b", "--imbalance", "0.5", "--imbalance must be from 1 (balanced)" },
        { "--model", "mixtral-8x7b", "--capacity-factor", "0", "--capacity-factor must be more than 0" },
        { "--model", "mixtral-8x7b", "--capacity-factor", "lots", "--capacity-factor takes a number" },
        { "--model", "mixtral-8x7b", "--dense-first", "32", "use --dense-first 31 or less" },
        { "--model", "mixtral-8x7b", "--expert-ffn", "0", "8 experts need --expert-ffn" },
        { "--model", "llama3-8b", "--top-k", "2", "--top-k is for a mixture of experts: give --experts too" },
        { "--model", "deepseek-v3", "--kv-lora-rank", "0", "give --kv-lora-rank too" },
        { "--model", "deepseek-v3", "--head-dim", "64", "--head-dim is for grouped-query attention" },
        { "--model", "mixtral-8x7b", "--experts", "-2", "--experts takes a whole number" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = run("en", "predict", JZ_H100, bad[i][0], bad[i][1], bad[i][2], bad[i][3], "--gpus", "8", "--gbs", "8", NULL);
        if (r->status != 2 || strncmp(r->err, "usine: ", 7) || !strstr(r->err, bad[i][4]))
            fail_msg("case %zu: status %d, stderr %s", i, r->status, r->err);
        if (r->out[0] || strchr(r->err, '\n') != r->err + strlen(r->err) - 1)
            fail_msg("case %zu: not one line on stderr and nothing on stdout: %s|%s", i, r->out, r->err);
    }
    /* in French */
    r = run("fr", "predict", JZ_H100, "--model", "mixtral-8x7b", "--top-k", "9", "--gpus", "8", "--gbs", "8", NULL);
    assert_int_equal(r->status, 2);
    assert_null(strstr(r->err, "must be from"));
#undef JZ_H100
#undef MIX_PLAN
}

static void test_plan(void **state)
{
    (void)state;
    run_result *r = run("en", "plan", SEL, "--model", "megatron-18.4b", "--gpus", "128", "--gbs", "512", "--top", "5",
                        "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_true(num(j, "evaluated") > 10);
    const cJSON *plans = cJSON_GetObjectItem(j, "plans");
    assert_int_equal(cJSON_GetArraySize(plans), 5);
    double prev = 0;
    for (int i = 0; i < 5; i++) {
        const cJSON *pl = cJSON_GetArrayItem(plans, i);
        assert_true(num(pl, "step_time_s") >= prev);
        prev = num(pl, "step_time_s");
        assert_int_equal((int)(num(pl, "tp") * num(pl, "pp") * num(pl, "dp")), 128);
        /* fits, or over by less than the margin and marked so */
        int fits = cJSON_IsTrue(cJSON_GetObjectItem(pl, "fits"));
        int at_limit = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(pl, "memory"), "at_limit"));
        assert_true(fits != at_limit);
        assert_true(fits ? num(pl, "memory_per_gpu_gib") < 74.6 : num(pl, "memory_per_gpu_gib") * 0.9 < 74.6);
    }
    cJSON_Delete(j);
    r = run("en", "plan", SEL, "--model", "megatron-1t", "--gpus", "8", "--gbs", "8", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "no plan fits"));
}

/* Llama 3 405B as Meta ran it on 80 GB H100 (tp 8, pp 16, its FSDP sharding gradients: ZeRO-2 with a
 * pipeline, which its stack offers): over the GPU's memory by less than the model's margin, so a
 * prediction with a warning, and a plan kept but marked. */
#define LLAMA_AT_LIMIT "--platform", "eos", "--nodes", "2048", "--model", "llama3-405b", "--gpus", "16384", "--tp", "8", \
                       "--pp", "16", "--gbs", "2048", "--flash", "--seq-parallel", "--zero", "2", "--stack", "llama3-2024"

static void test_memory_at_the_limit(void **state)
{
    (void)state;
    run_result *r = run("en", "predict", LLAMA_AT_LIMIT, NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "MAY NOT FIT"));
    assert_non_null(strstr(r->out, "step "));
    assert_non_null(strstr(r->err, "usine: warning: may not fit: 75.8 GiB predicted, 74.5 available, within the model's +/-10 % margin"));
    assert_true(strchr(r->err, '\n') == r->err + strlen(r->err) - 1);                 /* one line */
    r = run("en", "predict", LLAMA_AT_LIMIT, "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    const cJSON *mem = cJSON_GetObjectItem(j, "memory");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(mem, "fits")) && cJSON_IsTrue(cJSON_GetObjectItem(mem, "at_limit")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "at_memory_limit")));
    assert_true(fabs(num(mem, "margin_gib") - 0.1 * num(mem, "total_gib")) < 1e-9);
    cJSON_Delete(j);
    r = run("fr", "predict", LLAMA_AT_LIMIT, NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->err, "marge"));
    /* plan: the same plan, kept and marked, in text and in JSON */
    r = run("en", "plan", LLAMA_AT_LIMIT, "--cp", "1", "--mbs", "1", "--vpp", "1", "--recompute", "none", "--overlap", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "1 plans evaluated, 1 fit in memory or are at its limit"));
    assert_non_null(strstr(r->out, "75.8  may not fit"));
    assert_non_null(strstr(r->out, "'may not fit': over the 74.5 GiB of a GPU"));
    r = run("en", "plan", LLAMA_AT_LIMIT, "--cp", "1", "--mbs", "1", "--vpp", "1", "--recompute", "none", "--overlap", "--json", NULL);
    j = parse_json(r->out);
    const cJSON *pl = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "plans"), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(pl, "fits")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(pl, "memory"), "at_limit")));
    cJSON_Delete(j);
    /* over by more than the margin: refused as before */
    r = run("en", "predict", "--platform", "eos", "--model", "llama3-405b", "--gpus", "4096", "--tp", "8", "--pp", "8",
            "--gbs", "512", "--flash", "--seq-parallel", "--zero", "1", NULL);             /* 126 layers on 8 stages */
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "GiB too many"));
}

/* Each flag given to plan is kept, the rest searched; a knob no plan can have is one line, exit 2,
 * nothing on stdout. */
static void test_plan_obeys_the_flags(void **state)
{
    (void)state;
    static const struct { const char *flag, *key; int cp, want; } kept[] = {
        { "--flash", "flash", 0, 1 }, { "--no-flash", "flash", 0, 0 }, { "--seq-parallel", "seq_parallel", 0, 1 },
        { "--no-seq-parallel", "seq_parallel", 0, 0 }, { "--overlap", "dp_overlap", 0, 1 }, { "--no-overlap", "dp_overlap", 0, 0 },
        { "--tp-overlap", "tp_overlap", 0, 1 }, { "--no-tp-overlap", "tp_overlap", 0, 0 }, { "--cp", "cp", 2, 2 },
    };
    for (size_t k = 0; k < sizeof kept / sizeof *kept; k++) {
        run_result *r = kept[k].cp ? run("en", "plan", SEL, GPT, "--gpus", "64", "--gbs", "128", "--top", "30", "--json",
                                         kept[k].flag, "2", NULL)
                                   : run("en", "plan", SEL, GPT, "--gpus", "64", "--gbs", "128", "--top", "30", "--json",
                                         kept[k].flag, NULL);
        if (r->status != 0) fail_msg("%s: status %d, %s", kept[k].flag, r->status, r->err);
        cJSON *j = parse_json(r->out);
        const cJSON *e;
        int rows = 0;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(j, "plans")) {
            const cJSON *v = cJSON_GetObjectItem(e, kept[k].key);
            int got = cJSON_IsBool(v) ? cJSON_IsTrue(v) : (int)v->valuedouble;
            if (got != kept[k].want) fail_msg("%s: a plan with %s %d", kept[k].flag, kept[k].key, got);
            rows++;
        }
        assert_true(rows > 0);
        cJSON_Delete(j);
    }
    /* not given: both ways among the plans */
    run_result *r = run("en", "plan", SEL, GPT, "--gpus", "64", "--gbs", "128", "--top", "300", NULL);
    assert_int_equal(r->status, 0);
    int flash[2] = { 0, 0 }, sp[2] = { 0, 0 }, rows = 0;
    for (const char *line = strchr(r->out, '\n'); line; line = strchr(line + 1, '\n')) {
        int k, v[7];
        char rc[16], s1[8], s2[8], s3[8];
        if (sscanf(line + 1, "%d %d %d %d %d %d %d %d %15s %7s %7s %7s", &k, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   rc, s1, s2, s3) != 12)
            continue;
        rows++;
        sp[!strcmp(s1, "yes")]++, flash[!strcmp(s2, "yes")]++;
    }
    assert_int_equal(rows, 300);
    assert_true(flash[0] && flash[1] && sp[0] && sp[1]);
    static const char *const bad[][3] = {
        { "--cp", "3", "cp = 3" }, { "--tp", "16", "larger than a node" }, { "--vpp", "5", "--vpp 5 divides" },
        { "--pp", "200", "tp x pp x cp = 200" }, { "--bogus", NULL, "unknown option '--bogus'" },
        { "--mbs", "3", "multiple of dp x mbs" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        r = run("en", "plan", SEL, GPT, "--gpus", "64", "--gbs", "128", bad[k][0], bad[k][1], NULL);
        if (r->status != 2 || r->out[0] || !strstr(r->err, bad[k][2]) || strchr(r->err, '\n') != r->err + strlen(r->err) - 1)
            fail_msg("%s: status %d, stdout '%s', stderr '%s'", bad[k][0], r->status, r->out, r->err);
    }
}

static void test_validate(void **state)
{
    (void)state;
    run_result *r = run("en", "validate", "--json", NULL);
    assert_int_equal(r->status, 0);                                   /* it ran: 0, whatever the errors */
    cJSON *doc = parse_json(r->out), *j = cJSON_GetObjectItem(doc, "runs"), *sum = cJSON_GetObjectItem(doc, "summary");
    cJSON *cal = cJSON_GetObjectItem(sum, "calibration"), *val = cJSON_GetObjectItem(sum, "validation");
    assert_non_null(cal);
    assert_non_null(val);
    assert_true(cJSON_GetArraySize(j) >= 16);
    assert_int_equal((int)num(cal, "predictions") + (int)num(val, "predictions"), cJSON_GetArraySize(j));
    assert_true(num(cal, "median_abs_error_pct") <= num(cal, "max_abs_error_pct"));
    int megatron = 0, over[2] = { 0, 0 }, n[2] = { 0, 0 };
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
        const char *set = cJSON_GetStringValue(cJSON_GetObjectItem(e, "set"));
        assert_non_null(name);
        assert_non_null(set);
        assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(e, "source")));
        assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(e, "stack")));
        assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(e, "metric")));
        int v = !strcmp(set, "validation");
        assert_true(v || !strcmp(set, "calibration"));
        n[v]++;
        double pub = num(e, "published"), pred = num(e, "predicted"), err = num(e, "error_pct");
        over[v] += fabs(err) > 10;
        assert_true(fabs((pred - pub) / pub * 100 - err) < 1e-9);
        /* the Megatron-LM runs of the SC'21 table are the calibration: within 10 % each */
        if (!strncmp(name, "megatron-", 9) || !strncmp(name, "ptdp-", 5)) {
            megatron++;
            assert_false(v);
            if (fabs(err) > 10) fail_msg("%s %s: %+.1f %%", name, cJSON_GetStringValue(cJSON_GetObjectItem(e, "metric")), err);
        }
    }
    assert_int_equal(megatron, 16);
    assert_int_equal(n[0], (int)num(cal, "predictions"));
    assert_int_equal((int)num(cal, "within_10_pct"), n[0] - over[0]);
    assert_int_equal((int)num(val, "within_10_pct"), n[1] - over[1]);
    cJSON_Delete(doc);
    /* --check fails on the 10 % bar of the validation runs */
    r = run("en", "validate", "--check", NULL);
    assert_int_equal(r->status, over[1] ? 1 : 0);
    r = run("en", "validate", "--bogus", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    /* the fit and its cross-validation, on the calibration runs only */
    r = run("en", "validate", "--fit", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "Training factor shared by the stacks without runs of their own: fitted on"));
    assert_non_null(strstr(r->out, "Training factor of megatron-deepspeed: fitted on"));
    assert_non_null(strstr(r->out, "Leave one out: |error| median"));
    /* one run, term by term */
    r = run("en", "validate", "--explain", "megatron-1008b", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "megatron-1008b (narayanan2021, Table 1 row 10; calibration set)"));
    assert_non_null(strstr(r->out, "MLP up, weight gradient"));
    r = run("en", "validate", "--explain", "no-such-run", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "no run named 'no-such-run'"));
    assert_string_equal(r->out, "");
    r = run("en", "validate", "--explain", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
}

/* The stacks: listed with their sources; --stack chooses one, a wrong name is refused. */
static void test_stacks(void **state)
{
    (void)state;
    run_result *r = run("en", "stacks", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "megatron-core (default)"));
    assert_non_null(strstr(r->out, "sources: "));
    r = run("en", "stacks", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *doc = parse_json(r->out);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "stacks")) >= 4);
    cJSON_Delete(doc);
    r = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "8", "--pp", "1", "--gbs", "64", "--stack", "megatron-lm-2021", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "stack          megatron-lm-2021 (Megatron-LM (2021)"));
    r = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "8", "--gbs", "64", "--stack", "tensorflow-2017", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "unknown --stack 'tensorflow-2017'"));
    assert_string_equal(r->out, "");
    r = run("en", "plan", SEL, GPT, "--gpus", "64", "--gbs", "64", "--stack", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    r = run("en", "stacks", "--bogus", NULL);
    assert_int_equal(r->status, 2);
    /* predict --explain: the terms, in the user's language */
    r = run("fr", "predict", SEL, GPT, "--gpus", "64", "--tp", "8", "--pp", "1", "--gbs", "64", "--explain", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "TFLOP/s"));
    r = run("en", "predict", SEL, GPT, "--gpus", "64", "--tp", "8", "--pp", "1", "--gbs", "64", "--explain", "--json", NULL);
    assert_int_equal(r->status, 0);
    doc = parse_json(r->out);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "explain")) >= 20);
    cJSON_Delete(doc);
}

static void test_simulate_step(void **state)
{
    (void)state;
    run_result *r = run("en", "simulate", "step", SEL, GPT, "--gpus", "64", "--tp", "4", "--pp", "2", "--gbs", "128",
                        "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    double des = num(j, "step_time_s"), ana = num(j, "analytic_step_time_s");
    assert_true(fabs(des / ana - 1) < 0.03);
    assert_true(num(j, "events") > 1000);
    cJSON_Delete(j);
    /* the interleaved schedule is replayed too, and agrees */
    r = run("en", "simulate", "step", SEL, GPT, "--gpus", "64", "--tp", "4", "--pp", "2", "--vpp", "2", "--gbs", "128", "--json",
            NULL);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    assert_true(fabs(num(j, "step_time_s") / num(j, "analytic_step_time_s") - 1) < 0.03);
    cJSON_Delete(j);
    r = run("en", "simulate", "step", SEL, GPT, "--gpus", "64", "--pp", "1", "--zero", "3", "--stack", "deepspeed-zero3-2021",
            "--gbs", "128", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "usine predict"));
}

/* Jobs side by side (--jobs N): each on the GPUs after the last. On the classroom four jobs of 32
 * GPUs share no link, and each takes what one takes alone, to the bit; on Jean Zay's H100 under
 * ECMP, four jobs of 256 hash flows onto spines the others use, and one is slowed by more than 5 %.
 * Too many GPUs, zero jobs, or --jobs outside 'simulate step': exit 2, one line. */
static double step_alone_s(const char **argv)
{
    run_result *r = run_argv("en", argv);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    double t = num(j, "step_time_s");
    cJSON_Delete(j);
    return t;
}

static void test_simulate_jobs_side_by_side(void **state)
{
    (void)state;
    const char *cl[] = { "", "simulate", "step", "--platform", "classroom", "--model", "llama2-7b", "--tp", "2", "--pp", "4",
                         "--gbs", "64", "--gpus", "32", "--json", NULL, NULL, NULL };
    double alone = step_alone_s(cl);
    cl[16] = "--jobs", cl[17] = "4";
    run_result *r = run_argv("en", cl);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(j, "jobs");
    assert_int_equal(cJSON_GetArraySize(jobs), 4);
    for (int k = 0; k < 4; k++) {
        assert_true(num(cJSON_GetArrayItem(jobs, k), "step_time_s") == alone);
        assert_int_equal((int)num(cJSON_GetArrayItem(jobs, k), "first_gpu"), 32 * k);
    }
    cJSON_Delete(j);

    const char *jz[] = { "", "simulate", "step", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-7b", "--tp",
                         "2", "--pp", "4", "--gbs", "256", "--gpus", "256", "--routing", "ecmp", "--json", NULL, NULL, NULL };
    alone = step_alone_s(jz);
    jz[20] = "--jobs", jz[21] = "4";
    r = run_argv("en", jz);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    jobs = cJSON_GetObjectItemCaseSensitive(j, "jobs");
    double slowest = 0;
    for (int k = 0; k < 4; k++) slowest = fmax(slowest, num(cJSON_GetArrayItem(jobs, k), "step_time_s"));
    assert_true(slowest > 1.05 * alone);
    assert_true(num(j, "step_time_s") == slowest);
    cJSON_Delete(j);

    r = run("en", "simulate", "step", "--platform", "classroom", "--model", "llama2-7b", "--gbs", "64", "--gpus", "32",
            "--jobs", "5", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_non_null(strstr(r->err, "5 jobs of 32 GPUs need 160 GPUs"));
    r = run("en", "simulate", "step", "--platform", "classroom", "--model", "llama2-7b", "--gbs", "64", "--gpus", "32",
            "--jobs", "0", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "--jobs"));
    r = run("en", "predict", "--platform", "classroom", "--model", "llama2-7b", "--gbs", "64", "--gpus", "32", "--jobs", "2", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "unknown option '--jobs'"));
}

/* --beside "OPTIONS": a different job on the GPUs after the first. The same job beside it is
 * --jobs 2, bit for bit; a different one is placed after it and compared with its own analytic
 * step alone, which is what 'predict' says of it. On a 4:1 tree the copies' rings share the uplinks
 * of the leaf they share: job 1 is slower than alone. A --background still counts its GPUs from 0
 * with several jobs (it once counted them from the last job's first GPU). Bad input: exit 2, one
 * line naming the --beside, nothing on stdout. */
static void test_simulate_step_beside(void **state)
{
    (void)state;
    const char *fixture = "tests/fixtures/platforms/good/oversubscribed.xml";   /* Selene made 4:1 */
    const char *a[] = { "", "simulate", "step", "--platform", fixture, "--model", "llama2-7b", "--gpus", "48", "--gbs", "48",
                        "--json", NULL, NULL, NULL };
    double alone = step_alone_s(a);
    a[12] = "--jobs", a[13] = "2";
    run_result *r = run_argv("en", a);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(j, "jobs");
    double copy1 = num(cJSON_GetArrayItem(jobs, 0), "step_time_s"), copy2 = num(cJSON_GetArrayItem(jobs, 1), "step_time_s");
    cJSON_Delete(j);
    if (!(copy1 > alone)) fail_msg("job 1 %.9g s beside its copy, %.9g s alone", copy1, alone);
    a[12] = "--beside", a[13] = "--model llama2-7b --gpus 48 --gbs 48";
    r = run_argv("en", a);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    jobs = cJSON_GetObjectItemCaseSensitive(j, "jobs");
    assert_int_equal(cJSON_GetArraySize(jobs), 2);
    assert_true(num(cJSON_GetArrayItem(jobs, 0), "step_time_s") == copy1);
    assert_true(num(cJSON_GetArrayItem(jobs, 1), "step_time_s") == copy2);
    assert_true(num(j, "step_time_s") == copy1);
    cJSON_Delete(j);

    const char *jz[] = { "", "simulate", "step", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-7b", "--tp",
                         "2", "--pp", "4", "--gbs", "256", "--gpus", "256", "--json", "--beside",
                         "--model llama2-70b --gpus 512 --tp 4 --pp 8 --gbs 512", NULL };
    r = run_argv("en", jz);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    jobs = cJSON_GetObjectItemCaseSensitive(j, "jobs");
    const cJSON *big = cJSON_GetArrayItem(jobs, 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(big, "model")->valuestring, "llama2-70b");
    assert_int_equal((int)num(big, "first_gpu"), 256);
    assert_int_equal((int)num(cJSON_GetObjectItemCaseSensitive(big, "plan"), "tp"), 4);
    double big_analytic = num(big, "analytic_step_time_s"), big_s = num(big, "step_time_s");
    assert_true(num(j, "makespan_s") == fmax(big_s, num(j, "step_time_s")));
    cJSON_Delete(j);
    r = run("en", "predict", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-70b", "--gpus", "512", "--tp", "4",
            "--pp", "8", "--gbs", "512", "--json", NULL);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    assert_true(num(j, "step_time_s") == big_analytic);
    cJSON_Delete(j);

    char path[] = "/tmp/usine-beside-XXXXXX.txt";           /* a background on job 1's GPUs slows job 1 */
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("allreduce ring 16GiB 0-47\n", f);
    fclose(f);
    a[12] = "--jobs", a[13] = "2", a[14] = NULL;
    const char *b[] = { a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], "--background",
                        path, NULL };
    r = run_argv("en", b);
    unlink(path);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    jobs = cJSON_GetObjectItemCaseSensitive(j, "jobs");
    double j1 = num(cJSON_GetArrayItem(jobs, 0), "step_time_s"), j2 = num(cJSON_GetArrayItem(jobs, 1), "step_time_s");
    cJSON_Delete(j);
    if (!(j1 > 1.02 * copy1) || !(j1 - copy1 > 5 * (j2 - copy2))) fail_msg("background on job 1's GPUs: jobs %.9g and %.9g s", j1, j2);

    static const struct { const char *beside, *says; } bad[] = {
        { "--model llama2-7b --gpus 48 --gbs 48 --platform eos", "--beside 1: --platform belongs to the whole run" },
        { "--model llama2-7c --gpus 48 --gbs 48", "--beside 1: unknown --model 'llama2-7c'" },
        { "--model llama2-7b --gbs 48", "--beside 1: 'usine simulate step' needs --gpus and --gbs" },
        { "--model llama2-7b --gpus 48 --gbs 48 --tp 16", "--beside 1: " },
        { "--model llama2-7b --gpus 8192 --gbs 8192", "the jobs side by side need 8,240 GPUs (8,192 for the --beside jobs)" },
        { "--model llama2-7b --gpus 48 --gbs 48 --help", "--beside 1: --help belongs to the whole run" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        a[12] = "--beside", a[13] = bad[k].beside, a[14] = NULL;
        r = run_argv("en", a);
        assert_int_equal(r->status, 2);
        assert_string_equal(r->out, "");
        assert_int_equal(count_lines(r->err), 1);
        if (!strstr(r->err, bad[k].says)) fail_msg("--beside \"%s\": '%s'", bad[k].beside, r->err);
    }
    r = run("en", "predict", "--platform", "classroom", "--model", "llama2-7b", "--gbs", "64", "--gpus", "32", "--beside",
            "--model llama2-7b --gpus 8 --gbs 8", NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "unknown option '--beside'"));
    const char *many[32] = { "", "simulate", "step", "--platform", "classroom", "--model", "llama2-7b", "--gbs", "8", "--gpus", "8" };
    int n = 11;
    for (int k = 0; k < 9; k++) many[n++] = "--beside", many[n++] = "--model llama2-7b --gpus 8 --gbs 8";
    many[n] = NULL;
    r = run_argv("en", many);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "at most 8 --beside jobs"));
}

/* --background FILE: collectives that run during the step on the same network, one per line as a
 * scenario. A 16 GiB ring on the job's own 256 Jean Zay GPUs shares their NICs with the step's
 * traffic: both come out slower than alone; an all-to-all on the next 256 GPUs starts at 1 ms.
 * Bad files and --background outside 'simulate step': exit 2, one line, nothing on stdout. */
static void test_simulate_step_background(void **state)
{
    (void)state;
    char path[] = "/tmp/usine-background-XXXXXX.txt";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# another tenant's traffic\nallreduce ring 16GiB 0-255\nalltoall - 1GiB 256-511 1ms\n", f);
    fclose(f);
    const char *jz[] = { "", "simulate", "step", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-7b", "--tp",
                         "2", "--pp", "4", "--gbs", "256", "--gpus", "256", "--json", NULL, NULL, NULL, NULL };
    double alone = step_alone_s(jz);
    jz[18] = "--background", jz[19] = path;
    run_result *r = run_argv("en", jz);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    double step = num(j, "step_time_s"), makespan = num(j, "makespan_s");
    if (!(step > 1.05 * alone)) fail_msg("step %g s with the background, %g s alone", step, alone);
    const cJSON *bg = cJSON_GetObjectItemCaseSensitive(j, "background");
    assert_int_equal(cJSON_GetArraySize(bg), 2);
    const cJSON *ring = cJSON_GetArrayItem(bg, 0), *a2a = cJSON_GetArrayItem(bg, 1);
    assert_int_equal((int)num(ring, "line"), 2);
    assert_true(num(ring, "time_s") > 1.05 * num(ring, "closed_form_s"));   /* slowed by the job */
    assert_true(num(ring, "end_s") == makespan && makespan > step);         /* it goes on after the step */
    assert_true(fabs(num(a2a, "start_s") - 1e-3) < 1e-12);
    cJSON_Delete(j);
    /* the closed form, handed back and resumed many times here, is the flows' to rounding (it
     * once resumed a rank that had all its messages in as if it had left its step when it entered
     * it: 667.567 ms against 667.396) */
    jz[20] = "--every-message";
    r = run_argv("en", jz);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    if (fabs(num(j, "step_time_s") - step) > 1e-9 * step) fail_msg("closed form %.17g s, every message %.17g s", step, num(j, "step_time_s"));
    if (fabs(num(j, "makespan_s") - makespan) > 1e-9 * makespan) fail_msg("makespan %.17g s against %.17g s", makespan, num(j, "makespan_s"));
    cJSON_Delete(j);
    jz[20] = NULL;
    jz[17] = "--background", jz[18] = path, jz[19] = NULL;                  /* the text says the same */
    r = run_argv("en", jz);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "  background     2 collectives from "));
    assert_non_null(strstr(r->out, "   2  alltoall       direct  1 GiB          256    1.000 ms"));

    f = fopen(path, "w");
    fputs("allreduce ring 1GiB 0-255\nallreduce ringo 1GiB 0-3\n", f);
    fclose(f);
    r = run_argv("en", jz);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_int_equal(count_lines(r->err), 1);
    char want[128];
    snprintf(want, sizeof want, "%s:2: unknown algorithm 'ringo'", path);
    assert_non_null(strstr(r->err, want));
    f = fopen(path, "w");
    fputs("allreduce ring 1GiB 0-2048\n", f);                              /* the partition has 1,456 */
    fclose(f);
    r = run_argv("en", jz);
    assert_int_equal(r->status, 2);
    assert_int_equal(count_lines(r->err), 1);
    snprintf(want, sizeof want, "%s:1: ", path);
    assert_non_null(strstr(r->err, want));
    unlink(path);
    r = run_argv("en", jz);
    assert_int_equal(r->status, 2);
    assert_int_equal(count_lines(r->err), 1);
    assert_non_null(strstr(r->err, "cannot read the scenario"));
    r = run("en", "predict", "--platform", "classroom", "--model", "llama2-7b", "--gbs", "64", "--gpus", "32", "--background", path,
            NULL);
    assert_int_equal(r->status, 2);
    assert_non_null(strstr(r->err, "unknown option '--background'"));
}

/* ------------------------------------------------------------------------------------------- */
/* The real kernels: small sizes, so that the suite stays quick; speed is for make bench. */

static void test_bench_ladder(void **state)
{
    (void)state;
    /* Each rung is timed for half a second and the roofline measures memory bandwidth: some 15 s
     * on an idle 2-core machine, more under load or sanitizers; the alarm only catches a hang. */
    run_alarm_s = 180;
    run_result *r = run("en", "bench", "ladder", "--n", "48", "--threads", "2", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_true(num(j, "sgemm_gflops") > 0);
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps");
    assert_int_equal(cJSON_GetArraySize(steps), 6);
    static const char *const names[] = { "naive", "reorder", "blocked", "blocked_omp", "simd_omp", "sgemm" };
    for (int i = 0; i < 6; i++) {
        const cJSON *e = cJSON_GetArrayItem(steps, i);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring, names[i]);
        assert_true(num(e, "gflops") > 0);
        assert_true(num(e, "fraction_of_peak") > 0);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "correct")));
    }
    const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(j, "cpu");
    assert_int_equal((int)num(cpu, "threads"), 2);
    assert_true(num(j, "peak_gflops") > 0);
    cJSON_Delete(j);
    r = run("en", "bench", "ladder", "--n", "40", NULL);
    run_alarm_s = 20;
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "simd_omp"));
    assert_non_null(strstr(r->out, "Roofline"));
}

static void test_bench_stream_mlp_scaling(void **state)
{
    (void)state;
    run_result *r = run("en", "bench", "stream", "--n", "200000", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_true(num(j, "copy_gbs") > 0 && num(j, "scale_gbs") > 0 && num(j, "add_gbs") > 0 && num(j, "triad_gbs") > 0);
    cJSON_Delete(j);

    r = run("en", "bench", "mlp", "--width", "64", "--batch", "32", "--steps", "3", "--json", NULL);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    assert_true(num(j, "gflops") > 0 && num(j, "sgemm_gflops") > 0);
    assert_true(num(j, "step_s") > 0);
    cJSON_Delete(j);

    r = run("en", "bench", "scaling", "--n", "96", "--threads", "2", "--json", NULL);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "points")), 2);
    double f = num(j, "serial_fraction");
    assert_true(f >= 0 && f <= 1);
    cJSON_Delete(j);
}

static void test_train(void **state)
{
    (void)state;
    run_result *r = run("en", "train", "--steps", "80", "--width", "64", "--batch", "32", "--inputs", "16", "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_true(num(j, "loss_last_tenth") < num(j, "loss_first_tenth"));
    assert_true(num(j, "loss_first") > 0 && num(j, "loss_last") > 0);
    assert_true(num(j, "samples_per_s") > 0 && num(j, "gflops") > 0);
    assert_true(num(j, "heldout_accuracy_after") > num(j, "heldout_accuracy_before"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "loss")), 80);
    cJSON_Delete(j);
    r = run("en", "train", "--steps", "20", "--width", "32", "--batch", "16", "--optimizer", "sgd", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "Held-out accuracy"));
    r = run("fr", "train", "--steps", "20", "--width", "32", "--batch", "16", NULL);
    assert_int_equal(r->status, 0);
    assert_non_null(strstr(r->out, "Exactitude"));
}

static void test_kernels_bad_input(void **state)
{
    (void)state;
    static const char *const cases[][8] = {
        { "bench", NULL },
        { "bench", "frobnicate", NULL },
        { "bench", "ladder", "--n", "0", NULL },
        { "bench", "ladder", "--n", "-5", NULL },
        { "bench", "ladder", "--n", "abc", NULL },
        { "bench", "ladder", "--threads", "0", NULL },
        { "bench", "gemm", "--n", "60000", NULL },          /* 43 GB: too large for memory */
        { "bench", "stream", "--n", "17179869184", NULL },  /* 3 x 128 GiB */
        { "bench", "scaling", "--kernel", "naive", NULL },
        { "bench", "mlp", "--width", NULL },
        { "train", "--width", "0", NULL },
        { "train", "--batch", "-1", NULL },
        { "train", "--threads", "0", NULL },
        { "train", "--width", "1048576", "--layers", "64", NULL }, /* 2^46 parameters */
        { "train", "--lr", "100", NULL },
        { "train", "--optimizer", "rmsprop", NULL },
        { "train", "--bogus", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *const *c = cases[i];
        run_result *r = run("en", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], NULL);
        if (r->status != 2) fail_msg("usine %s %s %s: status %d, expected 2", c[0], c[1] ? c[1] : "", c[2] ? c[2] : "", r->status);
        if (!strstr(r->err, "usine: ")) fail_msg("usine %s %s: no message on stderr", c[0], c[1] ? c[1] : "");
        assert_int_equal(r->out[0], '\0');
    }
    run_result *r = run("en", "train", "--width", "1048576", "--layers", "64", NULL);
    assert_non_null(strstr(r->err, "memory"));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_bad_usage_is_status_2_with_one_line),
        cmocka_unit_test(test_bare_usine_says_what_to_do),
        cmocka_unit_test(test_show_json_jean_zay),
        cmocka_unit_test(test_show_every_preset_in_both_languages),
        cmocka_unit_test(test_list_and_check),
        cmocka_unit_test(test_platform_resize),
        cmocka_unit_test(test_every_bad_file_through_the_command),
        cmocka_unit_test(test_french_error_message),
        cmocka_unit_test(test_documented_example_loads),
        cmocka_unit_test(test_simulate_collective),
        cmocka_unit_test(test_simulate_bad_input),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_predict_bad_input),
        cmocka_unit_test(test_predict_moe),
        cmocka_unit_test(test_options_with_equals),
        cmocka_unit_test(test_plural_words),
        cmocka_unit_test(test_french_tables_align),
        cmocka_unit_test(test_man_pages_cover_every_command),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_memory_at_the_limit),
        cmocka_unit_test(test_plan_obeys_the_flags),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_stacks),
        cmocka_unit_test(test_simulate_step),
        cmocka_unit_test(test_simulate_jobs_side_by_side),
        cmocka_unit_test(test_simulate_step_background),
        cmocka_unit_test(test_simulate_step_beside),
        cmocka_unit_test(test_bench_ladder),
        cmocka_unit_test(test_bench_stream_mlp_scaling),
        cmocka_unit_test(test_train),
        cmocka_unit_test(test_kernels_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
