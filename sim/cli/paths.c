/* paths.c: a platform argument of the command line loaded, or the error said; the error line.
 * Where the data are and which name is which file is the application layer's (app_paths.c). */
#include "cli.h"
#include "util.h"

#include <limits.h>
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
