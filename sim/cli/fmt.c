/* fmt.c: the command line's own input and output helpers: sizes as options, JSON on stdout, a
 * progress line. Numbers for people are the application layer's (app_fmt.c). */
#include "cli.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "64MiB", "1e9", "2GB", "512K": bytes. */
int cli_parse_bytes(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v)) return -1;
    static const struct { const char *suffix; double scale; } units[] = {
        { "", 1 }, { "B", 1 }, { "K", 1024 }, { "KiB", 1024 }, { "KB", 1e3 }, { "kB", 1e3 }, { "M", 1048576 },
        { "MiB", 1048576 }, { "MB", 1e6 }, { "G", 1073741824.0 }, { "GiB", 1073741824.0 }, { "GB", 1e9 },
        { "T", 1099511627776.0 }, { "TiB", 1099511627776.0 }, { "TB", 1e12 },
    };
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (!strcmp(end, units[i].suffix)) {
            *out = v * units[i].scale;
            return 0;
        }
    return -1;
}

/* The schema id goes in first, so that a reader sees which contract a document follows before
 * anything else; the object may have been built elsewhere (the window's headless report). */
void cli_print_json(struct cJSON *o, const char *schema)
{
    cJSON *id = cJSON_CreateString(schema);
    if (id) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "schema");
        id->string = ut_strdup("schema");
        if (!cJSON_GetArrayItem(o, 0)) cJSON_AddItemToObject(o, "schema", id);
        else cJSON_InsertItemInArray(o, 0, id);
    }
    char *text = cJSON_Print(o);
    puts(text);
    free(text);
    cJSON_Delete(o);
}

void cli_progress(const char *fmt, ...)
{
    if (!isatty(STDERR_FILENO)) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r\033[K", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

void cli_progress_done(void)
{
    if (isatty(STDERR_FILENO)) fputs("\r\033[K", stderr);
}
