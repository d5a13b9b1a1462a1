/* usine.c: entry point. Decides the interface language (app_init_language), then hands over to a subcommand.
 * Every subcommand is listed in --help. */
#include "cli.h"
#include "util.h"

#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;
    const char *summary;    /* N_() marked, translated when shown */
} command;

static const command commands[] = {
    { "platform", cmd_platform, "platform show|check|list|resize [FILE|NAME]",
      N_("summary (GPUs, peak FLOP/s, bandwidth, power), validation or a what-if resize of a platform") },
    { "predict", cmd_predict, "predict [options]", N_("analytic prediction for a model and plan on a platform") },
    { "plan", cmd_plan, "plan [options]", N_("search the best parallel plans for a model on a platform") },
    { "validate", cmd_validate, "validate [--json] [--fit] [--check] [--explain RUN]",
      N_("predicted against published training runs, calibration and validation sets apart") },
    { "stacks", cmd_stacks, "stacks [--json]", N_("the training software stacks a prediction can assume, with sources") },
    { "simulate", cmd_simulate, "simulate collective|step ...", N_("discrete-event simulation, with an optional Chrome trace") },
    { "bench", cmd_bench, "bench ladder|gemm|stream|mlp|scaling", N_("real kernels on this computer") },
    { "calibrate", cmd_calibrate, "calibrate [--out FILE] [--threads N] [--force]",
      N_("measure this computer and write its profile (platform 'local')") },
    { "train", cmd_train, "train [--mpi]", N_("train a small network for real, report speed and loss") },
    { "grade", cmd_grade, "grade EXERCISE SUBMISSION... [--format F] [--out FILE] [--resume]",
      N_("grade students' submissions headless (text, json, junit, vpl, gradescope, classroom)") },
    { "course", cmd_course, "course check|list DIR", N_("tools for course authors: check a course, list its exercises") },
    { "gui", cmd_gui, "gui [--platform P] [--course DIR] [--headless --frames N --json]",
      N_("the desktop app (the same as 'usine' alone); headless: frame times") },
    { "screenshot", cmd_screenshot, "screenshot [--platform P] [--course DIR --exercise ID] [--size WxH] --out FILE.png",
      N_("render a view of the app headless, as a PNG") },
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void usage(FILE *out)
{
    fprintf(out, _("Usage: usine [--lang fr|en] [COMMAND [ARGS]]\n"
                   "Usine, a teaching sandbox for AI factories.\n\n"
                   "  usine\n      the desktop app\n"));
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(out, "  usine %s\n      %s\n", commands[i].synopsis, _(commands[i].summary));
    fprintf(out, _("\nEvery command takes --help. Exit status: 0 success, 1 a failed check, "
                   "2 bad usage or bad input.\nPlatforms: a file, or one of: "));
    cli_list_presets(out, ", ");
    fprintf(out, "\n");
}

int main(int argc, char **argv)
{
    const char *lang = NULL;
    int first = 1;
    while (first < argc && !strncmp(argv[first], "--lang", 6)) {
        const char *v = argv[first][6] == '=' ? argv[first] + 7 : argv[first][6] == '\0' && first + 1 < argc ? argv[++first] : NULL;
        if (!v || (strcmp(v, "fr") && strcmp(v, "en"))) {
            app_init_language(NULL);
            cli_error(_("--lang takes fr or en"));
            return CLI_BAD_INPUT;
        }
        lang = v;
        first++;
    }
    app_init_language(lang);
    if (first >= argc) {
        char *gui[] = { "gui", NULL };
        return cmd_gui(1, gui);
    }
    const char *name = argv[first];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("usine %s\n", USINE_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(name, commands[i].name)) continue;
        int n;
        char **args = cli_split_equals(argc - first, argv + first, &n);   /* --gpus=1024 as --gpus 1024 */
        int rc = commands[i].run(n, args);
        cli_free_args(n, args);
        return rc;
    }
    cli_error(_("unknown command '%s'; run 'usine --help' for the list"), name);
    return CLI_BAD_INPUT;
}
