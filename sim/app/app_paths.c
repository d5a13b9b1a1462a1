/* app_paths.c: where the program finds its data, the presets, and how a platform argument becomes
 * a file. One rule for both front ends: plat_find_file's, with the presets folder and the user's
 * data folder (where usine calibrate writes local.xml) as its path. */
#include "app.h"
#include "plat.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
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

const char *app_exe_dir(void)
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

int app_platform_dir(char *buf, size_t size)
{
    const char *env = getenv("USINE_DATADIR");
    if (env && *env) {
        snprintf(buf, size, "%s/platforms", env);
        return is_dir(buf) ? 0 : -1;
    }
    static const char *const rel[] = { "../share/usine/platforms", "../assets/platforms" };
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        char candidate[PATH_MAX], resolved[PATH_MAX];
        snprintf(candidate, sizeof candidate, "%s/%s", app_exe_dir(), rel[i]);
        if (is_dir(candidate)) {
            ut_strlcpy(buf, realpath(candidate, resolved) ? resolved : candidate, size);
            return 0;
        }
    }
    return -1;
}

int app_data_file(const char *rel, char *buf, size_t size)
{
    char dir[PATH_MAX];
    if (app_platform_dir(dir, sizeof dir) != 0) return -1;
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    snprintf(buf, size, "%s/%s", dir, rel);
    return is_file(buf) ? 0 : -1;
}

int app_user_data_dir(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg == '/') snprintf(buf, size, "%s/usine", xdg);
    else if (home && *home) snprintf(buf, size, "%s/.local/share/usine", home);
    else return -1;
    return 0;
}

int app_local_platform(char *buf, size_t size)
{
    char dir[PATH_MAX];
    if (app_user_data_dir(dir, sizeof dir) != 0) return -1;
    snprintf(buf, size, "%s/local.xml", dir);
    return is_file(buf) ? 0 : -1;
}

void app_platform_dirs(char *buf, size_t size)
{
    char dir[PATH_MAX] = "", user[PATH_MAX] = "";
    app_platform_dir(dir, sizeof dir);
    app_user_data_dir(user, sizeof user);
    snprintf(buf, size, "%s:%s", dir, user);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int app_list_presets(char ***names_out)
{
    *names_out = NULL;
    char dir[PATH_MAX];
    if (app_platform_dir(dir, sizeof dir) != 0) return 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".xml")) continue;
        ut_grow(&names, &cap, n + 1, sizeof *names);
        names[n++] = ut_strndup(e->d_name, len - 4);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    *names_out = names;
    return (int)n;
}

void app_free_names(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* The presets joined by ", ", for an error message; a long name of the user's is cut at 40 bytes
 * between UTF-8 sequences, so that it does not bury the list. */
static void unknown_preset(const char *spec, char *why, size_t why_size)
{
    char name[48];
    size_t len = strlen(spec), cut = len > 40 ? 40 : len;
    while (cut < len && cut > 0 && ((unsigned char)spec[cut] & 0xC0) == 0x80) cut--;
    snprintf(name, sizeof name, "%.*s%s", (int)cut, spec, cut < len ? "\xe2\x80\xa6" : "");
    char **names;
    int n = app_list_presets(&names);
    size_t o = (size_t)snprintf(why, why_size, _("unknown platform '%s': give a file path or one of: "), name);
    for (int i = 0; i < n && o < why_size; i++) o += (size_t)snprintf(why + o, why_size - o, "%s%s", i ? ", " : "", names[i]);
    app_free_names(names, n);
}

int app_find_platform(const char *spec, char *buf, size_t size, char *why, size_t why_size)
{
    size_t len = strlen(spec);
    if (strchr(spec, '/') || (len >= 4 && !strcmp(spec + len - 4, ".xml"))) {
        ut_strlcpy(buf, spec, size);   /* a file: the loader says what is wrong with it */
        return 0;
    }
    char dirs[2 * PATH_MAX + 2], dir[PATH_MAX];
    if (!strcmp(spec, "local")) {
        if (app_user_data_dir(dir, sizeof dir) != 0) {
            snprintf(why, why_size, "%s", _("platform 'local': neither XDG_DATA_HOME nor HOME is set, so its file cannot be found"));
            return -1;
        }
    } else if (app_platform_dir(dir, sizeof dir) != 0) {
        snprintf(why, why_size, "%s", _("cannot find the platform presets next to the program; set USINE_DATADIR to the folder holding platforms/"));
        return -1;
    }
    app_platform_dirs(dirs, sizeof dirs);
    if (plat_find_file(spec, dirs, buf, size) == 0) return 0;
    if (!strcmp(spec, "local")) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/local.xml", dir);
        snprintf(why, why_size, _("platform 'local' is this computer, measured by 'usine calibrate', which has not run yet (no %s)"), path);
        return -1;
    }
    unknown_preset(spec, why, why_size);
    return -1;
}
