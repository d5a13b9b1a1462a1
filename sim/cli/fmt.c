/* fmt.c: sizes and durations for people, and the wall clock of the commands. */
#include "cli.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

const char *cli_bytes(char *buf, size_t size, double b)
{
    static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int k = 0;
    while (b >= 1024 && k < 4) b /= 1024, k++;
    char n[48];
    return snprintf(buf, size, "%s %s", cli_num(n, sizeof n, b, b == floor(b) ? 0 : 2), u[k]), buf;
}

const char *cli_time(char *buf, size_t size, double s)
{
    char n[48];
    if (s >= 1) snprintf(buf, size, "%s s", cli_num(n, sizeof n, s, 3));
    else if (s >= 1e-3) snprintf(buf, size, "%s ms", cli_num(n, sizeof n, s * 1e3, 3));
    else snprintf(buf, size, "%s µs", cli_num(n, sizeof n, s * 1e6, 3));
    return buf;
}

double cli_wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}


/* s padded with spaces to |width| columns, counting characters, not bytes (printf's %-40s counts
 * bytes, which misaligns French words with accents and "µs"); a negative width aligns right. */
const char *cli_pad(char *buf, size_t size, const char *s, int width)
{
    size_t len = strlen(s);
    int cols = 0, w = width < 0 ? -width : width;
    for (size_t i = 0; i < len; i++) cols += ((unsigned char)s[i] & 0xC0) != 0x80;
    int pad = w > cols ? w - cols : 0;
    if (width < 0) snprintf(buf, size, "%*s%s", pad, "", s);
    else snprintf(buf, size, "%s%*s", s, pad, "");
    return buf;
}

void cli_print_json(struct cJSON *o)
{
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
