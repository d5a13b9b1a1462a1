/* util.h: the few helpers every layer shares (memory, strings, numbers, messages).
 *
 * Memory policy (as in Redis's zmalloc): an allocation failure aborts the process with a message.
 * Usine's data structures are small next to the machine's memory, and the only place where memory
 * is a resource under attack (student Lua code) has its own capped allocator. So callers of
 * ut_malloc & co never check for NULL. */
#ifndef USINE_UTIL_H
#define USINE_UTIL_H

#include <stddef.h>
#include <libintl.h>

#define _(s)  dgettext("usine", s)   /* translated interface string */
#define N_(s) (s)                    /* marked for translation, translated where used */
#define P_(one, many, n) dngettext("usine", one, many, (unsigned long)(n)) /* plural forms */

void *ut_malloc(size_t n);                        /* malloc that aborts on failure */
void *ut_calloc(size_t count, size_t size);       /* zeroed array, aborts on failure or overflow */
void *ut_realloc(void *p, size_t n);              /* realloc that aborts on failure */
char *ut_strdup(const char *s);                   /* copy of s (NULL stays NULL) */
char *ut_strndup(const char *s, size_t n);        /* copy of at most n bytes of s, NUL-terminated */
size_t ut_strlcpy(char *dst, const char *src, size_t size); /* BSD strlcpy: truncates, always terminates */

/* Grow *array (of elements of elem_size) so that it holds at least need elements; *cap is updated.
 * Doubles the capacity, so appending n elements costs O(n). The check is inline: appending is on
 * the simulator's hot path. */
void ut_grow_slow(void *array_ptr, size_t *cap, size_t need, size_t elem_size);
static inline void ut_grow(void *array_ptr, size_t *cap, size_t need, size_t elem_size)
{
    if (need > *cap) ut_grow_slow(array_ptr, cap, need, elem_size);
}

/* Parse a whole string as a finite double / an integer in [min, max]. Leading and trailing
 * whitespace is allowed, anything else is not. Return 0 on success, -1 on failure.
 * Independent of the C locale's decimal separator (always '.'). */
int ut_parse_double(const char *s, double *out);
/* As ut_parse_double, and on failure *range says why: -1 for a number too close to zero to be a
 * normal double (1e-320: strtod underflows), 1 for one too large (1e400), 0 for anything else. */
int ut_parse_double_range(const char *s, double *out, int *range);
int ut_parse_long(const char *s, long min, long max, long *out);

/* Numbers for people and for machines: one formatter, its style stated by the caller.
 * Fixed decimals (sig == 0: exactly `decimals` digits after the mark) or significant figures
 * (sig > 0: as many decimals as keep `sig` figures, at most `decimals`; 1234.5 stays 1235).
 * The integer part is grouped by three with `group` ("," in English, U+202F narrow no-break space
 * in French, "" for none). A value that rounds to zero has no sign ("-0" never appears); `plus`
 * writes "+" before positive values (differences). NaN is "NaN", infinities "∞" and "-∞".
 * Independent of the C locale: the mark is the style's, never LC_NUMERIC's. Machine formats
 * (JSON, XML, CSV) use { ".", "" }. */
typedef struct ut_numstyle {
    const char *mark;    /* decimal mark: "." or "," */
    const char *group;   /* thousands separator, "" for none */
    int sig;             /* > 0: significant figures; 0: fixed decimals */
    int decimals;        /* sig == 0: decimals written; sig > 0: the most decimals written (0..17) */
    int trim;            /* drop the fraction's trailing zeros, and the mark when nothing is left */
    int plus;            /* "+" before a positive value */
} ut_numstyle;
const char *ut_fmt_num(char *buf, size_t size, double v, const ut_numstyle *st); /* buf, always terminated */
int ut_sig_decimals(double v, int sig);           /* decimals that keep sig figures of v (>= 0) */
/* v as mantissa and exponent, the mantissa in the style st: "1.2e-04", "3,14288e+23" (the exponent
 * as printf writes it, two digits at least). 0 and non-finite values are ut_fmt_num's. */
const char *ut_fmt_sci(char *buf, size_t size, double v, const ut_numstyle *st);           /* decimals that keep sig figures of v (>= 0) */

/* Counts in the core's messages ("8,192 GPUs asked"), grouped as the interface writes numbers: the
 * front end sets the separator with its language (app_init_language: "," or U+202F; a string that
 * lives as long as the program), "," until it does. Never in a machine format. */
void ut_set_count_group(const char *group);
const char *ut_count(char *buf, size_t size, double v);

/* Text widths: a character is a UTF-8 code point, whatever its bytes ("µs" is 2, not 3). */
size_t ut_utf8_len(const char *s);                /* characters in s */
/* s padded with spaces to |width| characters; a negative width aligns right. printf's %-40s counts
 * bytes, which misaligns French words with accents and "µs". */
const char *ut_pad(char *buf, size_t size, const char *s, int width);

/* The one monotonic clock of the program, in seconds from an arbitrary origin (wall time of a
 * command, frame times, the grader's deadlines). Never in a result: results are deterministic. */
double ut_now_s(void);
/* The processor time this process used, all its threads, in seconds: against wall time x threads,
 * how much of the processor measurements got (a busy machine). */
double ut_cpu_s(void);

/* Read a regular file of at most max_bytes into a NUL-terminated buffer (*out, *len).
 * Refuses directories, devices and FIFOs (reading /dev/zero must not hang). On failure returns -1
 * and writes a one-line reason (without the file name) into why. */
int ut_read_file(const char *path, size_t max_bytes, char **out, size_t *len, char *why, size_t why_size);

#endif
