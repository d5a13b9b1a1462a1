/* app_lang.c: the interface language, decided at start-up and switched by the window. */
#include "app.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char interface_lang[3] = "en";

const char *app_lang(void)
{
    return interface_lang;
}

int app_is_french(void)
{
    return !strcmp(interface_lang, "fr");
}

static const char *lang_of_locale(const char *name)
{
    return name && !strncmp(name, "fr", 2) ? "fr" : name && !strncmp(name, "en", 2) ? "en" : NULL;
}

/* When the language is forced, or the user's French locale is not installed on this machine,
 * gettext is pointed at it through LANGUAGE with a C.UTF-8 message locale, which glibc honours
 * (gettext reads LANGUAGE first, but ignores it under the "C" message locale). */
#ifdef __GLIBC__
extern int _nl_msg_cat_cntr;   /* glibc's gettext: bumped, it forgets the translations it cached */
#endif

static void point_gettext_at(const char *want, const char *got)
{
    setenv("LANGUAGE", want, 1);
#ifdef __GLIBC__
    /* A switch at run time (the window's L) changes LANGUAGE only when the user's locale is not
     * installed (setlocale fails and changes nothing): without this, every string already looked up
     * stays in the old language, as the GNU gettext manual warns. */
    ++_nl_msg_cat_cntr;
#endif
    const char *msgs = setlocale(LC_MESSAGES, NULL);
    if (!got || !msgs || !strcmp(msgs, "C") || !strcmp(msgs, "POSIX")) {
        setlocale(LC_MESSAGES, "C.UTF-8");
        const char *ctype = setlocale(LC_CTYPE, NULL);
        if (!ctype || !strcmp(ctype, "C") || !strcmp(ctype, "POSIX")) setlocale(LC_CTYPE, "C.UTF-8");
    }
}

/* The translations: next to the program (installed, or in the build folder of the source tree). */
static void bind_translations(void)
{
    char dir[PATH_MAX];
    static const char *const rel[] = { "locale", "../share/locale", "../build/locale" };
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        snprintf(dir, sizeof dir, "%s/%s", app_exe_dir(), rel[i]);
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            bindtextdomain("usine", dir);
            break;
        }
    }
    bind_textdomain_codeset("usine", "UTF-8");
}

void app_init_language(const char *forced)
{
    const char *got = setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    const char *want = forced;
    if (!want) want = lang_of_locale(getenv("USINE_LANG"));
    if (!want) {
        const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
        for (size_t i = 0; i < 3 && !want; i++) {
            const char *v = getenv(vars[i]);
            if (v && *v) want = lang_of_locale(v) ? lang_of_locale(v) : "en";
        }
    }
    if (!want) want = "en";
    ut_strlcpy(interface_lang, want, sizeof interface_lang);
    point_gettext_at(want, got);
    bind_translations();
    ut_set_count_group(app_is_french() ? "\u202f" : ",");   /* the core's messages, as app_num writes numbers */
}

void app_set_language(const char *lang)
{
    app_init_language(lang);
}
