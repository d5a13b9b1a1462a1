/* paths.c: where the program finds its data, and how a platform argument becomes a file.
 * The program is relocatable: nothing depends on the folder it was built in. */
#include "cli.h"
#include "util.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("usine: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

const char *cli_exe_dir(void)
{
    static char dir[PATH_MAX];
    if (dir[0]) return dir;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0) {
        ut_strlcpy(dir, ".", sizeof dir);
        return dir;
    }
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) *slash = '\0';
    return dir;
}

int cli_platform_dir(char *buf, size_t size)
{
    const char *env = getenv("USINE_DATADIR");
    if (env && *env) {
        snprintf(buf, size, "%s/platforms", env);
        return is_dir(buf) ? 0 : -1;
    }
    static const char *const rel[] = { "../share/usine/platforms", "../assets/platforms" };
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        char candidate[PATH_MAX], resolved[PATH_MAX];
        snprintf(candidate, sizeof candidate, "%s/%s", cli_exe_dir(), rel[i]);
        if (is_dir(candidate)) {
            ut_strlcpy(buf, realpath(candidate, resolved) ? resolved : candidate, size);
            return 0;
        }
    }
    return -1;
}

int cli_data_file(const char *rel, char *buf, size_t size)
{
    char dir[PATH_MAX];
    if (cli_platform_dir(dir, sizeof dir) != 0) return -1;
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    snprintf(buf, size, "%s/%s", dir, rel);
    return is_file(buf) ? 0 : -1;
}

int cli_user_data_dir(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/') snprintf(buf, size, "%s/usine", xdg);
    else if (home && *home) snprintf(buf, size, "%s/.local/share/usine", home);
    else return -1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cli_list_presets(FILE *out, const char *sep)
{
    char dir[PATH_MAX];
    if (cli_platform_dir(dir, sizeof dir) != 0) return;
    DIR *d = opendir(dir);
    if (!d) return;
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".xml")) names[n++] = ut_strndup(e->d_name, len - 4);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s%s", i ? sep : "", names[i]);
        free(names[i]);
    }
}

/* A name without '/' and without ".xml" is a preset; anything else is a path. */
plat_platform *cli_load_platform(const char *arg, char *path_out, size_t path_size)
{
    char path[PATH_MAX];
    size_t len = strlen(arg);
    int is_path = strchr(arg, '/') || (len > 4 && !strcmp(arg + len - 4, ".xml")) || is_file(arg);
    if (is_path) {
        ut_strlcpy(path, arg, sizeof path);
    } else if (!strcmp(arg, "local")) {
        char dir[PATH_MAX];
        if (cli_user_data_dir(dir, sizeof dir) != 0) {
            cli_error(_("platform 'local': neither XDG_DATA_HOME nor HOME is set, so its file cannot be found"));
            return NULL;
        }
        snprintf(path, sizeof path, "%s/local.xml", dir);
        if (!is_file(path)) {
            cli_error(_("platform 'local' is this computer, measured by 'usine calibrate', which has not run yet (no %s)"), path);
            return NULL;
        }
    } else {
        char dir[PATH_MAX];
        if (cli_platform_dir(dir, sizeof dir) != 0) {
            cli_error(_("cannot find the platform presets next to the program; set USINE_DATADIR to the folder holding platforms/"));
            return NULL;
        }
        snprintf(path, sizeof path, "%s/%s.xml", dir, arg);
        if (!is_file(path)) {
            /* echo at most 40 bytes of the name, cut between UTF-8 sequences: a long name would bury the list */
            char name[48];
            size_t cut = len > 40 ? 40 : len;
            while (cut < len && cut > 0 && ((unsigned char)arg[cut] & 0xC0) == 0x80) cut--;
            snprintf(name, sizeof name, "%.*s%s", (int)cut, arg, cut < len ? "\xe2\x80\xa6" : "");
            fprintf(stderr, "usine: ");
            fprintf(stderr, _("unknown platform '%s': give a file path or one of: "), name);
            cli_list_presets(stderr, ", ");
            fputc('\n', stderr);
            return NULL;
        }
    }
    if (path_out) ut_strlcpy(path_out, path, path_size);
    plat_error err;
    plat_platform *p = plat_load_file(path, &err);
    if (!p) fprintf(stderr, "%s\n", err.msg);
    return p;
}
