/* paths.c: a platform argument of the command line loaded, or the error said; the error line.
 * Where the data are and which name is which file is the application layer's (app_paths.c). */
#include "cli.h"
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

static const char *error_context;

void cli_error_context(const char *what) { error_context = what; }

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("usine: ", stderr);
    if (error_context) fprintf(stderr, _("%s: "), error_context);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* "--name=value" is the option --name and its value, as getopt_long reads it. */
int cli_option_equals(const char *arg, size_t *name_len)
{
    if (strncmp(arg, "--", 2) != 0) return 0;
    size_t k = 2;
    while (arg[k] && (islower((unsigned char)arg[k]) || isdigit((unsigned char)arg[k]) || arg[k] == '-')) k++;
    if (arg[k] != '=' || k == 2) return 0;
    *name_len = k;
    return 1;
}

char **cli_split_equals(int argc, char **argv, int *out_argc)
{
    char **out = ut_malloc((2 * (size_t)argc + 1) * sizeof *out);
    int n = 0, options = 1;
    for (int i = 0; i < argc; i++) {
        size_t k;
        if (options && !strcmp(argv[i], "--")) options = 0;   /* what follows is not an option */
        /* (not the option string that --beside takes, which starts with "--" too) */
        if (options && cli_option_equals(argv[i], &k) && !(i > 0 && !strcmp(argv[i - 1], "--beside"))) {
            out[n++] = ut_strndup(argv[i], k);
            out[n++] = ut_strdup(argv[i] + k + 1);
        } else {
            out[n++] = ut_strdup(argv[i]);
        }
    }
    out[n] = NULL;
    *out_argc = n;
    return out;
}

void cli_free_args(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) free(argv[i]);
    free(argv);
}

void cli_list_presets(FILE *out, const char *sep)
{
    char **names;
    int n = app_list_presets(&names);
    for (int i = 0; i < n; i++) fprintf(out, "%s%s", i ? sep : "", names[i]);
    app_free_names(names, n);
}

plat_platform *cli_load_platform(const char *arg, char *path_out, size_t path_size)
{
    char path[PATH_MAX], why[2048];
    if (app_find_platform(arg, path, sizeof path, why, sizeof why) != 0) {
        cli_error("%s", why);
        return NULL;
    }
    if (path_out) ut_strlcpy(path_out, path, path_size);
    plat_error err;
    plat_platform *p = plat_load_file(path, &err);
    if (!p) fprintf(stderr, "%s\n", err.msg);
    return p;
}
