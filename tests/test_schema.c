/* test_schema.c: every --json output follows its schema (assets/schema/json/, one file per
 * command). Each command runs on small inputs as users run it; its output goes to
 * tests/json_schema_check.py, which checks it with python3-jsonschema (draft 2020-12). The schemas
 * say "additionalProperties": false (or unevaluatedProperties) wherever an output is fixed, so a
 * key added to an output without its schema fails here, as does a required key that goes missing;
 * test_checker_refuses shows both on a real output, so the check cannot quietly pass everything.
 * Every schema file has a case here, and the prediction's fields (sim/train_fields.c, the table
 * predict --json writes from) are the ones predict.schema.json describes, with their meaning. The
 * program under test is $USINE (the Makefile sets it), default build/usine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "run_usine.h"
#include "train.h"
#include "util.h"

#include <dirent.h>

#define SCHEMA_DIR "assets/schema/json"
#define CHECKER "tests/json_schema_check.py"

typedef struct schema_case {
    const char *schema;          /* file name in SCHEMA_DIR, without .schema.json */
    int lines;                   /* JSON Lines (grade --format json) */
    int status_max;              /* highest exit status that still prints the JSON */
    const char *argv[24];        /* the arguments, NULL-terminated */
} schema_case;

/* Small inputs; each option that adds keys (--tokens, --explain, --beside, --background) is used
 * once, so that its keys are checked too. */
static const schema_case cases[] = {
    { "platform-show", 0, 0, { "platform", "show", "jean-zay", "--json" } },
    { "platform-show", 0, 0, { "platform", "show", "classroom", "--partition", "gpu", "--json" } },
    { "platform-list", 0, 0, { "platform", "list", "--json" } },
    { "predict", 0, 0, { "predict", "--platform", "selene", "--model", "llama2-7b", "--gpus", "64", "--tp", "2", "--pp", "2",
                         "--gbs", "128", "--json" } },
    { "predict", 0, 0, { "predict", "--platform", "jean-zay", "--partition", "h100", "--model", "llama2-7b", "--gpus", "64",
                         "--tp", "2", "--gbs", "128", "--tokens", "1T", "--explain", "--json" } },
    { "predict", 0, 2, { "predict", "--platform", "classroom", "--model", "gpt3-175b", "--gpus", "8", "--gbs", "8", "--json" } },
    { "predict", 0, 0, { "predict", "--platform", "jean-zay", "--partition", "h100", "--model", "mixtral-8x7b", "--gpus", "64",
                         "--tp", "4", "--pp", "4", "--zero", "1", "--gbs", "256", "--seq-parallel", "--recompute", "full", "--json" } },
    { "plan", 0, 0, { "plan", "--platform", "selene", "--model", "gpt3-175b", "--gpus", "64", "--gbs", "128", "--top", "3", "--json" } },
    { "validate", 0, 0, { "validate", "--json" } },
    { "stacks", 0, 0, { "stacks", "--json" } },
    { "simulate-collective", 0, 0, { "simulate", "collective", "--op", "allreduce", "--bytes", "64MiB", "--gpus", "16", "--json" } },
    { "simulate-collective", 0, 0, { "simulate", "collective", "--platform", "jupiter", "--op", "alltoall", "--bytes", "16MiB",
                                     "--gpus", "64", "--routing", "minimal", "--json" } },
    { "simulate-scenario", 0, 0, { "simulate", "collective", "--scenario", "assets/scenarios/classroom-rings.txt", "--json" } },
    { "simulate-step", 0, 0, { "simulate", "step", "--platform", "classroom", "--model", "llama2-7b", "--gpus", "16", "--tp", "2",
                               "--pp", "2", "--gbs", "32", "--json" } },
    { "simulate-step", 0, 0, { "simulate", "step", "--platform", "classroom", "--model", "llama2-7b", "--gpus", "16", "--tp", "2",
                               "--pp", "2", "--gbs", "32", "--beside", "--model llama2-7b --gpus 16 --tp 2 --pp 2 --gbs 32",
                               "--json" } },
    { "simulate-step", 0, 0, { "simulate", "step", "--platform", "classroom", "--model", "llama2-7b", "--gpus", "16", "--tp", "2",
                               "--pp", "2", "--gbs", "32", "--background", "assets/scenarios/classroom-rings.txt", "--json" } },
    { "bench-ladder", 0, 0, { "bench", "ladder", "--n", "96", "--threads", "1", "--json" } },
    { "bench-gemm", 0, 0, { "bench", "gemm", "--n", "128", "--threads", "1", "--json" } },
    { "bench-stream", 0, 0, { "bench", "stream", "--n", "100000", "--threads", "1", "--json" } },
    { "bench-mlp", 0, 0, { "bench", "mlp", "--width", "32", "--batch", "16", "--layers", "1", "--steps", "2", "--threads", "1",
                           "--json" } },
    { "bench-scaling", 0, 0, { "bench", "scaling", "--n", "96", "--threads", "2", "--json" } },
    { "train", 0, 1, { "train", "--steps", "3", "--width", "32", "--batch", "16", "--layers", "1", "--inputs", "16", "--threads", "1",
                       "--json" } },
    { "calibrate", 0, 0, { "calibrate", "--quick", "--force", "--threads", "1", "--out", "@TMP@/local.xml", "--json" } },
    { "course-list", 0, 0, { "course", "list", "courses/fondamentaux", "--json" } },
    /* the reference solution passes; the starter code (the exercise itself) fails its checks */
    { "grade", 1, 1, { "grade", "courses/fondamentaux/amdahl.lua", "tests/solutions/fondamentaux/amdahl.lua",
                       "courses/fondamentaux/amdahl.lua", "--format", "json" } },
    /* a submission that does not load (error set), one that gets half the points, with a seed */
    { "grade", 1, 1, { "grade", "tests/fixtures/grading/exercise.lua", "tests/fixtures/grading/good/syntax.lua",
                       "tests/fixtures/grading/good/half.lua", "--format", "json", "--seed", "7", "--feedback", "hints" } },
    { "gui-headless", 0, 0, { "gui", "--headless", "--frames", "2", "--size", "640x400", "--keys", "e,g", "--json" } },
};
#define NCASES (sizeof cases / sizeof *cases)

/* train --mpi runs under mpirun: tests/test_mpi.sh checks its output against its schema. */
static const char *const checked_elsewhere[] = { "train-mpi" };

static char tmpdir[] = "/tmp/usine-schema-XXXXXX";

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir)) return -1;
    run_xdg_data_home = tmpdir;
    run_alarm_s = 120;   /* validate predicts every published run; the window renders offscreen */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) fail_msg("cannot write %s", path);
}

/* The checker's exit status on the document in `path` (0 valid, 1 not, 2 a bad schema or no
 * python3-jsonschema); its messages go to stderr, into the test's log. */
static int check_file(const char *schema, const char *path, int lines)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 %s %s %s/%s.schema.json %s '%s'", CHECKER, SCHEMA_DIR, SCHEMA_DIR, schema,
             lines ? "--lines" : "", path);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int check_text(const char *schema, const char *text, int lines)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.json", tmpdir, schema);
    write_text(path, text);
    return check_file(schema, path, lines);
}

static void test_outputs_follow_their_schemas(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const schema_case *c = &cases[i];
        const char *argv[26];
        char out_arg[512];
        int n = 1;
        for (int k = 0; c->argv[k]; k++) {
            if (!strncmp(c->argv[k], "@TMP@", 5)) {
                snprintf(out_arg, sizeof out_arg, "%s%s", tmpdir, c->argv[k] + 5);
                argv[n++] = out_arg;
            } else {
                argv[n++] = c->argv[k];
            }
        }
        argv[n] = NULL;
        run_result *r = run_argv("en", argv);
        if (r->status > c->status_max || !r->out[0]) {
            print_error("%s (case %zu): exit status %d, %zu bytes of output\n%s\n", c->schema, i, r->status, strlen(r->out), r->err);
            bad++;
            continue;
        }
        int rc = check_text(c->schema, r->out, c->lines);
        if (rc != 0) {
            print_error("%s (case %zu, '%s %s ...'): the output does not follow %s/%s.schema.json (checker status %d)\n",
                        c->schema, i, c->argv[0], c->argv[1], SCHEMA_DIR, c->schema, rc);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* The check refuses what the contract forbids: a real output with a key its schema does not
 * list, and the same output without a required key. */
static void test_checker_refuses(void **state)
{
    (void)state;
    run_result *r = run("en", "predict", "--platform", "selene", "--model", "llama2-7b", "--gpus", "64", "--tp", "2", "--gbs", "128",
                        "--json", NULL);
    assert_int_equal(r->status, 0);
    cJSON *j = parse_json(r->out);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "schema")), "usine.predict/1");
    char *text = cJSON_Print(j);
    assert_int_equal(check_text("predict", text, 0), 0);
    free(text);

    cJSON_AddNumberToObject(j, "undocumented_s", 1);                       /* a new key, top level */
    text = cJSON_Print(j);
    assert_int_equal(check_text("predict", text, 0), 1);
    free(text);
    cJSON_DeleteItemFromObject(j, "undocumented_s");
    cJSON_AddNumberToObject(cJSON_GetObjectItem(j, "breakdown"), "undocumented_s", 1);   /* nested */
    text = cJSON_Print(j);
    assert_int_equal(check_text("predict", text, 0), 1);
    free(text);
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(j, "breakdown"), "undocumented_s");
    cJSON_DeleteItemFromObject(j, "step_time_s");                          /* a required key gone */
    text = cJSON_Print(j);
    assert_int_equal(check_text("predict", text, 0), 1);
    free(text);
    cJSON_Delete(j);

    /* the same through a shared part (common.schema.json's counts of a simulation) */
    r = run("en", "simulate", "collective", "--op", "allreduce", "--bytes", "1MiB", "--gpus", "8", "--json", NULL);
    assert_int_equal(r->status, 0);
    j = parse_json(r->out);
    cJSON_AddNumberToObject(j, "undocumented", 1);
    text = cJSON_Print(j);
    assert_int_equal(check_text("simulate-collective", text, 0), 1);
    free(text);
    cJSON_DeleteItemFromObject(j, "undocumented");
    cJSON_DeleteItemFromObject(j, "messages");
    text = cJSON_Print(j);
    assert_int_equal(check_text("simulate-collective", text, 0), 1);
    free(text);
    cJSON_Delete(j);
}

/* Every schema file of the folder is exercised, here or by test_mpi.sh, and names its own id. */
static void test_every_schema_has_a_case(void **state)
{
    (void)state;
    DIR *d = opendir(SCHEMA_DIR);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name), sl = strlen(".schema.json");
        if (len <= sl || strcmp(e->d_name + len - sl, ".schema.json")) continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(len - sl), e->d_name);
        if (!strcmp(name, "common")) continue;
        files++;
        int found = 0;
        for (size_t i = 0; i < NCASES; i++) found |= !strcmp(cases[i].schema, name);
        for (size_t i = 0; i < sizeof checked_elsewhere / sizeof *checked_elsewhere; i++) found |= !strcmp(checked_elsewhere[i], name);
        if (!found) fail_msg("%s/%s has no case in tests/test_schema.c", SCHEMA_DIR, e->d_name);
        char path[512], *text, why[256];
        size_t n;
        snprintf(path, sizeof path, "%s/%s", SCHEMA_DIR, e->d_name);
        assert_int_equal(ut_read_file(path, 1 << 20, &text, &n, why, sizeof why), 0);
        cJSON *s = parse_json(text);
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(s, "properties"), "schema"), "const"));
        if (!id || strncmp(id, "usine.", 6) || !strchr(id, '/')) fail_msg("%s: properties.schema.const should be its id", path);
        cJSON_Delete(s);
        free(text);
    }
    closedir(d);
    assert_true(files >= 19);
}

/* predict --json writes the prediction's fields from the core's table: each field it writes is
 * in predict.schema.json (or common.schema.json's memory and breakdown), described with the
 * table's meaning and unit, so the two cannot drift apart. */
static void test_prediction_fields_documented(void **state)
{
    (void)state;
    char *ptext, *ctext, why[256];
    size_t n;
    assert_int_equal(ut_read_file(SCHEMA_DIR "/predict.schema.json", 1 << 20, &ptext, &n, why, sizeof why), 0);
    assert_int_equal(ut_read_file(SCHEMA_DIR "/common.schema.json", 1 << 20, &ctext, &n, why, sizeof why), 0);
    cJSON *p = parse_json(ptext), *c = parse_json(ctext);
    int count;
    const tm_result_field *f = tm_result_fields(&count);
    for (int i = 0; i < count; i++) {
        if (!(f[i].out & TM_OUT_JSON)) continue;
        const cJSON *props = f[i].group ? cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "$defs"), f[i].group), "properties")
                                        : cJSON_GetObjectItem(p, "properties");
        const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(props, f[i].name), "description"));
        if (!d) fail_msg("%s%s%s: not in the schema", f[i].group ? f[i].group : "", f[i].group ? "." : "", f[i].name);
        if (!strstr(d, f[i].meaning + 1))
            fail_msg("%s: the schema says '%s', sim/train_fields.c '%s'", f[i].name, d, f[i].meaning);
        if (f[i].unit[0]) {
            char unit[64];
            snprintf(unit, sizeof unit, "Unit: %s.", f[i].unit);
            if (!strstr(d, unit)) fail_msg("%s: the schema's description lacks '%s'", f[i].name, unit);
        }
    }
    cJSON_Delete(p);
    cJSON_Delete(c);
    free(ptext);
    free(ctext);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_schema_has_a_case),
        cmocka_unit_test(test_prediction_fields_documented),
        cmocka_unit_test(test_checker_refuses),
        cmocka_unit_test(test_outputs_follow_their_schemas),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
