/* app.h: what the two front ends share, the `usine` command (sim/cli/) and the window (sim/ui/):
 * the interface language, where the data are, the platform presets and the one rule that turns a
 * name or a file into a platform file, and numbers, sizes, durations and percentages written in
 * the interface's style. It stands on the core and util.h's formatter; it includes neither SDL nor
 * the front ends (`make layers` checks it), so both front ends and the tests link it alone.
 *
 * The language is process state, set at start-up (app_init_language) and by the window's L key
 * (app_set_language); everything else here is a function of its arguments, the language, the
 * environment and the files. */
#ifndef USINE_APP_H
#define USINE_APP_H

#include <stddef.h>
#include "util.h"

/* ----------------------------------------------------------------------------------------- */
/* Language: French or English, in this order of precedence: forced (--lang), $USINE_LANG, the
 * locale (LC_ALL, LC_MESSAGES, LANG); anything else is English. LC_NUMERIC stays "C": data files
 * and JSON always use '.', whatever the user's locale. */
void app_init_language(const char *forced);           /* forced: "fr", "en" or NULL; binds the translations */
void app_set_language(const char *lang);              /* switch at run time: "fr" or "en" */
const char *app_lang(void);                           /* "fr" or "en" */
int app_is_french(void);                              /* app_lang() is "fr" */

/* ----------------------------------------------------------------------------------------- */
/* Paths. Data come from $USINE_DATADIR, else next to the program (installed: ../share/usine; in
 * the source tree: ../assets). The program is relocatable: nothing depends on where it was built. */
const char *app_exe_dir(void);                        /* folder of the running program */
int app_platform_dir(char *buf, size_t size);         /* folder of the presets; -1 if not found */
int app_user_data_dir(char *buf, size_t size);        /* $XDG_DATA_HOME/usine or ~/.local/share/usine; -1 if neither */
int app_data_file(const char *rel, char *buf, size_t size); /* "data/published-runs.csv" in the data folder; -1 if absent */
int app_local_platform(char *buf, size_t size);       /* the user's local.xml (usine calibrate); -1 if absent */
/* The presets folder and the user's data folder, ':'-separated, as plat_find_file reads them. */
void app_platform_dirs(char *buf, size_t size);

/* The shipped presets, sorted ("alice-recoque", "classroom", ...), without "local". Returns the
 * count; *names (may be NULL on 0) is the caller's to free with app_free_names. */
int app_list_presets(char ***names);
void app_free_names(char **names, int n);

/* The one rule from a platform argument to a file, plat_find_file's: a spec that holds '/' or
 * ends in ".xml" is a file (that plat_load_file opens and reports on: the path is returned even
 * if absent); any other is a preset name ("jean-zay") or "local" (this computer, from usine
 * calibrate, in the user's data folder), never a file of the current folder that happens to bear
 * that name. 0 and the path in buf; or -1 and a translated reason in why. */
int app_find_platform(const char *spec, char *buf, size_t size, char *why, size_t why_size);

/* ----------------------------------------------------------------------------------------- */
/* Numbers for people, in the interface language: "1 456,5" (U+202F groups) in French,
 * "1,456.5" in English. Every function writes buf (NUL-terminated) and returns it. */
ut_numstyle app_style(void);                          /* the language's mark and grouping, 0 decimals */
const char *app_num(char *buf, size_t size, double v, int decimals);  /* fixed decimals, grouped */
const char *app_sig(char *buf, size_t size, double v, int sig);       /* sig significant figures (at most 9 decimals) */
const char *app_g(char *buf, size_t size, double v);                  /* as %g: 6 figures, no trailing zeros, no exponent */
const char *app_sci(char *buf, size_t size, double v, int decimals);  /* scientific: "1.2e-04", "1,2e-04" */
const char *app_short(char *buf, size_t size, double v);              /* at most 2 decimals, no trailing zeros: "7,5", "10" */
const char *app_signed(char *buf, size_t size, double v, int decimals); /* "+2,5", "-0,4": a difference */
/* A percentage v (already times 100) and its sign: "36,5 %" in French; English keeps the space
 * the program has always printed ("36.5 %"). */
const char *app_pct(char *buf, size_t size, double v, int decimals);
const char *app_bytes(char *buf, size_t size, double bytes);          /* "1 GiB", "12,50 MiB" */
const char *app_time(char *buf, size_t size, double s);               /* "46,591 ms", "3,200 µs", "1,200 s" */
/* A duration of any size in its unit, three figures: "2,1 jours" / "2.1 days", "814 ms", "3,2 µs". */
const char *app_duration(char *buf, size_t size, double s);

#endif
