/* cmd_gui.c: `usine` / `usine gui` (the desktop app), `usine gui --headless --frames N --json`
 * (frame times, offscreen) and `usine screenshot ... --out FILE.png` (one frame, offscreen): the
 * options parsed, the window run through ui_run.h, and what it reports said here, as every other
 * command says it (errors on stderr, exit statuses). */
#include "cli.h"
#include "ui/ui_run.h"
#include "train.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out, const char *cmd)
{
    if (!strcmp(cmd, "screenshot"))
        fprintf(out, "%s", _("Usage: usine screenshot [--platform FILE|NAME] [--partition ID] [--model NAME] [--tp N] [--pp N]\n"
                             "                        [--gpus N] [--mbs N] [--gbs N] [--nodes N] [--stack NAME] [--course DIR] [--exercise ID]\n"
                             "                        [--no-course] [--view factory|plots|help] [--at FRACTION] [--size WxH] [--keys K,K...]\n"
                             "                        --out FILE.png\n"
                             "Renders one frame of the desktop app without a display (SDL's offscreen driver, software renderer),\n"
                             "after the simulation of the scenario has finished; --at picks the instant in the step (0 to 1, default 0.4).\n"));
    else
        fprintf(out, "%s", _("Usage: usine gui [--platform FILE|NAME] [--partition ID] [--model NAME] [--tp N] [--pp N] [--gpus N]\n"
                             "                 [--mbs N] [--gbs N] [--nodes N] [--stack NAME] [--course DIR] [--exercise ID] [--no-course]\n"
                             "                 [--size WxH] [--headless --frames N [--json] [--keys K,K...]]\n"
                             "The desktop app (also 'usine' alone). --headless renders N animated frames offscreen with the\n"
                             "software renderer, once the simulation has finished, and reports the frame times (p50, p99).\n"
                             "--gbs N: the global batch in sequences (default: 8 micro-batches per replica; keys v and V halve\n"
                             "and double it).\n"
                             "--nodes N: the partition with N nodes, a what-if machine (keys o and O halve and double it).\n"
                             "--stack NAME: the training software ('usine stacks' lists them; keys s and S step through them).\n"
                             "Press F1 in the window for the keys.\n"));
}

static int parse_size(const char *s, int *w, int *h)
{
    char *end;
    long x = strtol(s, &end, 10);
    if (*end != 'x' && *end != 'X') return -1;
    long y = strtol(end + 1, &end, 10);
    if (*end || x < 320 || y < 240 || x > 8192 || y > 8192) return -1;
    *w = (int)x, *h = (int)y;
    return 0;
}


static int parse_int(const char *v, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || end == v || x < lo || x > hi) return -1;
    *out = (int)x;
    return 0;
}

static int plan_int(const char *v, tm_field f, int *out)
{
    const tm_limit *l = tm_limit_of(f);
    return parse_int(v, (int)l->min, (int)l->max, out);
}

static int parse(int argc, char **argv, const char *cmd, ui_options *o, int *no_course)
{
    memset(o, 0, sizeof *o);
    o->w = 1600, o->h = 900, o->at = 0.4;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            usage(stdout, cmd);
            return CLI_OK;
        }
        if (!strcmp(k, "--headless") && strcmp(cmd, "screenshot")) { o->headless = 1; continue; }
        if (!strcmp(k, "--json") && strcmp(cmd, "screenshot")) { o->json = 1; continue; }
        if (!strcmp(k, "--no-course")) { *no_course = 1; continue; }
        static const char *const with_value[] = { "--platform", "--partition", "--model", "--course", "--exercise", "--size",
                                                  "--frames", "--out", "--view", "--at", "--tp", "--pp", "--gpus", "--mbs",
                                                  "--gbs", "--keys", "--nodes", "--stack" };
        size_t j = 0;
        while (j < sizeof with_value / sizeof *with_value && strcmp(k, with_value[j])) j++;
        if (j == sizeof with_value / sizeof *with_value) {
            cli_error(_("unknown option '%s'; see 'usine %s --help'"), k, cmd);
            return CLI_BAD_INPUT;
        }
        if (!v) {
            cli_error(_("%s needs a value; see 'usine %s --help'"), k, cmd);
            return CLI_BAD_INPUT;
        }
        i++;
        int bad = 0;
        if (!strcmp(k, "--platform")) o->platform = v;
        else if (!strcmp(k, "--partition")) o->partition = v;
        else if (!strcmp(k, "--model")) o->model = v;
        else if (!strcmp(k, "--course")) o->course = v;
        else if (!strcmp(k, "--exercise")) o->exercise = v;
        else if (!strcmp(k, "--out")) o->out = v;
        else if (!strcmp(k, "--stack")) {
            o->stack = v;
            if (tm_stack_find(v) < 0) {
                cli_error(_("unknown --stack '%s'; 'usine stacks' lists them"), v);
                return CLI_BAD_INPUT;
            }
        }
        else if (!strcmp(k, "--keys")) {
            o->keys = v;
            bad = !ui_keys_valid(v);
        }
        else if (!strcmp(k, "--view")) {
            o->view = v;
            bad = strcmp(v, "factory") && strcmp(v, "plots") && strcmp(v, "help");
        } else if (!strcmp(k, "--size")) bad = parse_size(v, &o->w, &o->h);
        else if (!strcmp(k, "--frames")) bad = parse_int(v, 1, 1000000, &o->frames);
        else if (!strcmp(k, "--tp")) bad = plan_int(v, TM_TP, &o->tp);      /* the core's ranges, as predict's */
        else if (!strcmp(k, "--pp")) bad = plan_int(v, TM_PP, &o->pp);
        else if (!strcmp(k, "--gpus")) bad = plan_int(v, TM_GPUS, &o->gpus);
        else if (!strcmp(k, "--mbs")) bad = plan_int(v, TM_MBS, &o->mbs);
        else if (!strcmp(k, "--gbs")) bad = ut_parse_long(v, tm_limit_of(TM_GBS)->min, tm_limit_of(TM_GBS)->max, &o->gbs) != 0;
        else if (!strcmp(k, "--nodes")) bad = ut_parse_long(v, 1, PLAT_MAX_NODES_TOTAL, &o->nodes) != 0;
        else if (!strcmp(k, "--at")) {
            char *end;
            o->at = strtod(v, &end);
            bad = *end || end == v || !(o->at >= 0 && o->at <= 1);
        }
        if (bad && !strcmp(k, "--keys")) {
            cli_error(_("--keys: unknown key in '%s' (SDL's names, such as Tab, Space, F1, Shift+t)"), v);
            return CLI_BAD_INPUT;
        }
        if (bad) {
            cli_error(_("bad value '%s' for %s; see 'usine %s --help'"), v, k, cmd);
            return CLI_BAD_INPUT;
        }
    }
    if (o->model && !tm_model_preset(o->model)) {
        cli_error(_("unknown --model '%s'; see 'usine simulate step --help' for the list"), o->model);
        return CLI_BAD_INPUT;
    }
    if (o->exercise && !o->course) {
        cli_error("%s", _("--exercise needs --course DIR"));
        return CLI_BAD_INPUT;
    }
    if (o->headless && !o->frames) o->frames = 120;
    return -1;
}

/* The frame times as a line for people, from the report's JSON. */
static void print_frames(const cJSON *j)
{
    double p50 = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "frame_ms_p50"));
    double p99 = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "frame_ms_p99"));
    double mx = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "frame_ms_max"));
    double first = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "startup_to_first_frame_ms"));
    char a[48], b[48], c[48], d[48], g1[48], g2[48];
    printf(_("%d frames at %dx%d, %s GPUs drawn (%s simulated): p50 %s ms, p99 %s ms, max %s ms; "
             "first frame %s ms after start\n"),
           (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "frames")), (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "width")),
           (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "height")),
           app_num(g1, sizeof g1, cJSON_GetNumberValue(cJSON_GetObjectItem(j, "gpus_drawn")), 0),
           app_num(g2, sizeof g2, cJSON_GetNumberValue(cJSON_GetObjectItem(j, "gpus_simulated")), 0), app_num(a, sizeof a, p50, 2),
           app_num(b, sizeof b, p99, 2), app_num(c, sizeof c, mx, 2), app_num(d, sizeof d, first, 0));
}

static int run(int argc, char **argv, const char *cmd)
{
    ui_options o;
    int no_course = 0;
    int rc = parse(argc, argv, cmd, &o, &no_course);
    if (rc >= 0) return rc;
    int shot = !strcmp(cmd, "screenshot");
    if (shot && !o.out) {
        cli_error(_("screenshot needs --out FILE.png; see 'usine screenshot --help'"));
        return CLI_BAD_INPUT;
    }
    if (no_course) o.course = "";   /* no panel */
    ui_report r;
    rc = shot ? ui_screenshot(&o, &r) : ui_run(&o, &r);
    for (int i = 0; i < r.nerrors; i++) cli_error("%s", r.errors[i]);
    if (r.frames && o.json) cli_print_json(r.frames, "usine.gui.headless/1");
    else if (r.frames) print_frames(r.frames), cJSON_Delete(r.frames);
    if (shot && rc == UI_OK) printf(_("%s: %dx%d, %s\n"), o.out, r.w, r.h, r.platform);
    return rc;
}

int cmd_gui(int argc, char **argv) { return run(argc, argv, "gui"); }
int cmd_screenshot(int argc, char **argv) { return run(argc, argv, "screenshot"); }
