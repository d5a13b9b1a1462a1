/* app_fmt.c: numbers, sizes, durations and percentages in the interface's style, on util.h's
 * formatter. French: "," and U+202F narrow no-break spaces between groups of three digits, as the
 * Imprimerie nationale writes them; English: "." and ",". */
#include "app.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

ut_numstyle app_style(void)
{
    int fr = app_is_french();
    return (ut_numstyle){ .mark = fr ? "," : ".", .group = fr ? "\u202f" : ",", .sig = 0, .decimals = 0 };
}

const char *app_num(char *buf, size_t size, double v, int decimals)
{
    ut_numstyle st = app_style();
    st.decimals = decimals;
    return ut_fmt_num(buf, size, v, &st);
}

const char *app_sig(char *buf, size_t size, double v, int sig)
{
    ut_numstyle st = app_style();
    st.sig = sig, st.decimals = 9;
    return ut_fmt_num(buf, size, v, &st);
}

const char *app_g(char *buf, size_t size, double v)
{
    ut_numstyle st = app_style();
    st.sig = 6, st.decimals = 17, st.trim = 1;
    return ut_fmt_num(buf, size, v, &st);
}

const char *app_sci(char *buf, size_t size, double v, int decimals)
{
    ut_numstyle st = app_style();
    st.decimals = decimals;
    return ut_fmt_sci(buf, size, v, &st);
}

const char *app_short(char *buf, size_t size, double v)
{
    ut_numstyle st = app_style();
    st.decimals = 2, st.trim = 1;
    return ut_fmt_num(buf, size, v, &st);
}

const char *app_signed(char *buf, size_t size, double v, int decimals)
{
    ut_numstyle st = app_style();
    st.decimals = decimals, st.plus = 1;
    return ut_fmt_num(buf, size, v, &st);
}

const char *app_pct(char *buf, size_t size, double v, int decimals)
{
    char n[64];
    snprintf(buf, size, "%s %%", app_num(n, sizeof n, v, decimals));
    return buf;
}

const char *app_bytes(char *buf, size_t size, double b)
{
    static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int k = 0;
    while (b >= 1024 && k < 4) b /= 1024, k++;
    char n[64];
    snprintf(buf, size, "%s %s", app_num(n, sizeof n, b, b == floor(b) ? 0 : 2), u[k]);
    return buf;
}

const char *app_time(char *buf, size_t size, double s)
{
    char n[64];
    if (s >= 1) snprintf(buf, size, "%s s", app_num(n, sizeof n, s, 3));
    else if (s >= 1e-3) snprintf(buf, size, "%s ms", app_num(n, sizeof n, s * 1e3, 3));
    else snprintf(buf, size, "%s µs", app_num(n, sizeof n, s * 1e6, 3));
    return buf;
}

const char *app_duration(char *buf, size_t size, double s)
{
    if (s == 0) return snprintf(buf, size, "0 s"), buf;
    static const struct { double unit; const char *name; } u[] = {
        { 86400 * 365.25, N_("years") }, { 86400, N_("days") }, { 3600, "h" }, { 60, "min" }, { 1, "s" }, { 1e-3, "ms" },
        { 1e-6, "µs" },
    };
    size_t i = 0, last = sizeof u / sizeof *u - 1;
    while (i < last && !(fabs(s) >= u[i].unit)) i++;
    char n[64];
    const char *name = i < 2 ? _(u[i].name) : u[i].name;
    snprintf(buf, size, "%s %s", app_sig(n, sizeof n, s / u[i].unit, 3), name);
    return buf;
}
