/* util.c: shared helpers; see util.h for the memory policy. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
    fprintf(stderr, "usine: out of memory (asked for %zu bytes)\n", n);
    abort();
}

void *ut_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *ut_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) oom(count * size);
    return p;
}

void *ut_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *ut_strdup(const char *s)
{
    return s ? ut_strndup(s, strlen(s)) : NULL;
}

char *ut_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = ut_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

size_t ut_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

void ut_grow_slow(void *array_ptr, size_t *cap, size_t need, size_t elem_size)
{
    void **array = array_ptr;
    if (need <= *cap) return;
    size_t n = *cap ? *cap : 4;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem_size) oom(SIZE_MAX);
        n *= 2;
    }
    *array = ut_realloc(*array, n * elem_size);
    *cap = n;
}

/* strtod follows LC_NUMERIC; a French locale would read "1.5" as 1. The data files are written
 * with '.', so parse in the C locale whatever the process's locale is. */
int ut_parse_double_range(const char *s, double *out, int *range)
{
    *range = 0;
    if (!s) return -1;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c) return -1;
    locale_t old = uselocale(c);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int erange = errno == ERANGE;
    uselocale(old);
    freelocale(c);
    if (end == s) return -1;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
    if (*end != '\0') return -1;
    if (erange) {   /* a whole number, but out of range: say which way */
        *range = fabs(v) < 1 ? -1 : 1;
        return -1;
    }
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}

int ut_parse_double(const char *s, double *out)
{
    int range;
    return ut_parse_double_range(s, out, &range);
}

int ut_parse_long(const char *s, long min, long max, long *out)
{
    if (!s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE || end == s) return -1;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
    if (*end != '\0' || v < min || v > max) return -1;
    *out = v;
    return 0;
}

int ut_read_file(const char *path, size_t max_bytes, char **out, size_t *len, char *why, size_t why_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, why_size, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, why_size, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(why, why_size, "%s", _("is a directory, not a file"));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "%s", _("is not a regular file"));
        close(fd);
        return -1;
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        snprintf(why, why_size, _("is too large (%lld bytes, the limit is %zu)"), (long long)st.st_size, max_bytes);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = ut_malloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;  /* the file shrank while we read it: keep what is there */
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

/* ------------------------------------------------------------------------------------------- */
/* Numbers */

/* The exponent e of v (10^e <= |v| < 10^(e+1)), corrected where log10 is off by one at powers
 * of ten. */
static int exponent10(double a)
{
    int e = (int)floor(log10(a));
    if (pow(10, e + 1) <= a) e++;
    else if (pow(10, e) > a) e--;
    return e;
}

int ut_sig_decimals(double v, int sig)
{
    double a = fabs(v);
    if (a == 0 || !isfinite(a) || sig < 1) return 0;
    int d = sig - 1 - exponent10(a);
    return d < 0 ? 0 : d;
}

/* Append the n bytes of s to out (of size cap, o bytes used), keeping room for the terminator. */
static void put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (*o + n >= cap) n = cap - 1 - *o;
    memcpy(out + *o, s, n);
    *o += n;
}

const char *ut_fmt_num(char *buf, size_t size, double v, const ut_numstyle *st)
{
    if (!size) return buf;
    if (isnan(v)) return ut_strlcpy(buf, "NaN", size), buf;
    if (isinf(v)) return ut_strlcpy(buf, v < 0 ? "-\u221e" : "\u221e", size), buf;
    int dec = st->sig > 0 ? ut_sig_decimals(v, st->sig) : st->decimals;
    if (st->sig > 0 && dec > st->decimals) dec = st->decimals;
    dec = dec < 0 ? 0 : dec > 17 ? 17 : dec;
    /* %f of |v| is digits, the C locale's mark (whatever bytes it is), digits: read it that way */
    char raw[400];
    snprintf(raw, sizeof raw, "%.*f", dec, fabs(v));
    size_t int_len = strspn(raw, "0123456789"), raw_len = strlen(raw);
    const char *frac = raw + raw_len - (size_t)dec;
    size_t frac_len = (size_t)dec;
    if (st->trim)
        while (frac_len && frac[frac_len - 1] == '0') frac_len--;
    int zero = strspn(raw, "0") == int_len && strspn(frac, "0") == (size_t)dec;
    char out[1024];
    size_t o = 0;
    if (!zero && v < 0) put(out, sizeof out, &o, "-", 1);
    if (!zero && v > 0 && st->plus) put(out, sizeof out, &o, "+", 1);
    const char *group = st->group ? st->group : "";
    for (size_t i = 0; i < int_len; i++) {
        if (i && (int_len - i) % 3 == 0) put(out, sizeof out, &o, group, strlen(group));
        put(out, sizeof out, &o, raw + i, 1);
    }
    if (frac_len) {
        const char *mark = st->mark ? st->mark : ".";
        put(out, sizeof out, &o, mark, strlen(mark));
        put(out, sizeof out, &o, frac, frac_len);
    }
    out[o] = '\0';
    ut_strlcpy(buf, out, size);
    return buf;
}

const char *ut_fmt_sci(char *buf, size_t size, double v, const ut_numstyle *st)
{
    if (v == 0 || !isfinite(v)) return ut_fmt_num(buf, size, v, st);
    int e = exponent10(fabs(v));
    double m = v / pow(10, e);
    ut_numstyle mst = *st;
    mst.group = "";
    char n[64];
    ut_fmt_num(n, sizeof n, fabs(m), &mst);
    if (n[0] == '1' && n[1] == '0') m /= 10, e++;   /* 9.996 rounds to 10.00: 1.000 and one more */
    ut_fmt_num(n, sizeof n, m, &mst);
    snprintf(buf, size, "%se%c%02d", n, e < 0 ? '-' : '+', e < 0 ? -e : e);
    return buf;
}

size_t ut_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static _Atomic(const char *) count_group = ",";   /* set on the window's thread, read on its worker's */

void ut_set_count_group(const char *group)
{
    count_group = group ? group : ",";
}

const char *ut_count(char *buf, size_t size, double v)
{
    ut_numstyle st = { .mark = ".", .group = count_group };
    return ut_fmt_num(buf, size, v, &st);
}

const char *ut_pad(char *buf, size_t size, const char *s, int width)
{
    size_t cols = ut_utf8_len(s), w = (size_t)(width < 0 ? -(long)width : width);
    int pad = w > cols ? (int)(w - cols) : 0;
    if (width < 0) snprintf(buf, size, "%*s%s", pad, "", s);
    else snprintf(buf, size, "%s%*s", s, pad, "");
    return buf;
}

double ut_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ut_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
