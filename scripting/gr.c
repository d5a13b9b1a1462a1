/* gr.c: grade records and their output formats (see gr.h and ../shared/grading-formats.md).
 *
 * Why this file exists: a grader's result has to reach half a dozen readers (a teacher's terminal,
 * Moodle VPL, Gradescope, GitHub Classroom, CI tools through JUnit, Usine's own batch journal), and
 * each of them can be fooled by what a submission printed: a line "Grade :=>> 10" on VPL's
 * standard output, "]]>" or a stray control byte in XML, an unescaped quote in JSON. So one record
 * feeds every format, and the text in it goes through gr_clean_text first (valid UTF-8, no control
 * characters but newline and tab). The formatters do not trust that alone: each string is cleaned
 * again as it is written (cleaning is idempotent, so a clean record comes out unchanged), and the
 * VPL writer never lets record text start a line, so a record built by hand cannot break a format
 * either.
 *
 * Numbers: the formats want '.' as the decimal mark whatever the process locale, and the text
 * format wants the record's language (7,5 in French). No double goes through printf's "%f"/"%g"
 * here: fmt_num rounds to integer units and prints integers; cJSON and libxml2 get either doubles
 * (cJSON maps the locale's mark back to '.') or strings made by fmt_num. Nothing global is set.
 *
 * I/O: writers write with stdio and report an error at the end (fflush, then ferror), so a full
 * disk is seen even when every fwrite landed in the stdio buffer. */
#include "gr.h"
#include "util.h"

#include <cJSON.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------- */
/* Statuses and records */

static const char *const status_names[] = { "passed", "failed", "error" };

const char *gr_status_name(gr_status s)
{
    /* An out-of-range status cannot be built through this API; call it an error rather than crash. */
    return (unsigned)s < 3 ? status_names[s] : "error";
}

int gr_status_from_name(const char *name)
{
    for (int i = 0; name && i < 3; i++)
        if (!strcmp(name, status_names[i])) return i;
    return -1;
}

void gr_record_init(gr_record *r)
{
    memset(r, 0, sizeof *r);
}

void gr_record_free(gr_record *r)
{
    if (!r) return;
    free(r->submission);
    free(r->path_hex);
    free(r->content_hash);
    free(r->exercise);
    free(r->lang);
    free(r->seed);
    free(r->feedback);
    free(r->error);
    free(r->output);
    for (int i = 0; i < r->nchecks; i++) {
        gr_check *c = &r->checks[i];
        free(c->id);
        free(c->title);
        free(c->message);
        free(c->hint);
    }
    free(r->checks);
    gr_record_init(r);
}

/* Exercises have tens of checks: growing by one each time is simpler than a capacity field. */
gr_check *gr_record_add_check(gr_record *r)
{
    r->checks = ut_realloc(r->checks, (size_t)(r->nchecks + 1) * sizeof *r->checks);
    gr_check *c = &r->checks[r->nchecks++];
    memset(c, 0, sizeof *c);
    return c;
}

void gr_record_total(gr_record *r, double pass_fraction)
{
    double sum = 0;
    for (int i = 0; i < r->nchecks; i++) sum += r->checks[i].points;
    r->score = sum;
    r->passed = sum >= pass_fraction * r->max - 1e-9;
}

/* ------------------------------------------------------------------------------------------- */
/* Cleaning text */

typedef struct gr_buf {
    char *s;
    size_t len, cap;
} gr_buf;

static void buf_add(gr_buf *b, const char *p, size_t n)
{
    ut_grow(&b->s, &b->cap, b->len + n + 1, 1);
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_adds(gr_buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* The string built so far, never NULL; the caller frees it. */
static char *buf_take(gr_buf *b)
{
    if (!b->s) buf_add(b, "", 0);
    return b->s;
}

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes available), or 0. Refused: stray
 * continuation bytes, overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF),
 * code points above U+10FFFF (F4 90.., F5..FF), truncated sequences, and the two noncharacters
 * U+FFFE and U+FFFF, which are valid UTF-8 but not XML characters. *cp gets the code point. */
static size_t utf8_sequence(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) return 0;
    if (c < 0xE0) len = 2, v = c & 0x1Fu;
    else if (c < 0xF0) {
        len = 3, v = c & 0x0Fu;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c < 0xF5) {
        len = 4, v = c & 0x07u;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3Fu);
    }
    if (v == 0xFFFE || v == 0xFFFF) return 0;
    *cp = v;
    return len;
}

/* Characters that change how the text around them is shown without being seen: bidirectional
 * embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069, which can make "0/10" read
 * as "01/0" or hide a line), marks and zero-width characters (U+200B..U+200F, U+061C, U+180E,
 * U+2060..U+2064, U+206A..U+206F, U+FEFF), line and paragraph separators (U+2028, U+2029,
 * which some viewers break lines on) and interlinear annotations (U+FFF9..U+FFFB). */
static int is_invisible_format(uint32_t cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x206F) || cp == 0xFEFF || cp == 0x061C || cp == 0x180E ||
           (cp >= 0xFFF9 && cp <= 0xFFFB);
}

/* Each unit of the result (one character, or one "\xNN" escape) is kept whole or not at all, so
 * the cap never splits a character nor an escape. Control characters are C0 (but \n and \t), DEL
 * and C1 (U+0080..U+009F, which some terminals obey); their escape shows the code point. */
char *gr_clean_text(const char *text, size_t len, size_t max_bytes)
{
    gr_buf b = { 0 };
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    if (!text) len = 0;
    buf_add(&b, "", 0);
    while (i < len) {
        char unit[12];
        size_t unit_len, used;
        uint32_t cp = 0;
        size_t seq = utf8_sequence(s + i, len - i, &cp);
        if (seq == 0) {
            unit_len = (size_t)snprintf(unit, sizeof unit, "\\x%02X", s[i]);
            used = 1;
        } else if (cp == '\r' && i + 1 < len && s[i + 1] == '\n') {
            unit[0] = '\n', unit_len = 1, used = 2;
        } else if ((cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F)) {
            unit_len = (size_t)snprintf(unit, sizeof unit, "\\x%02X", (unsigned)cp);
            used = seq;
        } else if (is_invisible_format(cp)) {
            unit_len = (size_t)snprintf(unit, sizeof unit, "<U+%04X>", (unsigned)cp);
            used = seq;
        } else {
            memcpy(unit, s + i, seq);
            unit_len = seq, used = seq;
        }
        if (max_bytes && b.len + unit_len > max_bytes) {
            buf_adds(&b, "\u2026");
            break;
        }
        buf_add(&b, unit, unit_len);
        i += used;
    }
    return buf_take(&b);
}

/* A clean copy of a NUL-terminated string (NULL gives ""). */
static char *clean(const char *s)
{
    return gr_clean_text(s, s ? strlen(s) : 0, 0);
}

/* A clean copy on one line: newlines and tabs become spaces (titles, names, paths). */
static char *clean_line(const char *s)
{
    char *c = clean(s);
    for (char *p = c; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
    return c;
}

static int is_empty(const char *s)
{
    return !s || !*s;
}

/* ------------------------------------------------------------------------------------------- */
/* Numbers and words */

/* v rounded to at most `decimals` (0..3) decimals, trailing zeros dropped, with `mark` as the
 * decimal mark. Computed on integer units so that no locale can change it; values too large for
 * that are printed with "%.0f", which has no decimal mark. buf holds at least 48 bytes. */
static const char *fmt_num(char *buf, double v, int decimals, char mark)
{
    static const long long scale_of[] = { 1, 10, 100, 1000 };
    if (isnan(v)) return strcpy(buf, "NaN");
    if (isinf(v)) return strcpy(buf, v < 0 ? "-inf" : "inf");
    if (decimals < 0) decimals = 0;
    if (decimals > 3) decimals = 3;
    if (fabs(v) >= 1e15) {
        snprintf(buf, 48, "%.0f", v);
        return buf;
    }
    long long units = llround(v * (double)scale_of[decimals]);
    unsigned long long u = units < 0 ? (unsigned long long)-units : (unsigned long long)units;
    unsigned long long scale = (unsigned long long)scale_of[decimals];
    unsigned long long whole = u / scale, frac = u % scale;
    int d = decimals;
    while (d > 0 && frac % 10 == 0) frac /= 10, d--;
    const char *sign = units < 0 ? "-" : "";
    if (d) snprintf(buf, 48, "%s%llu%c%0*llu", sign, whole, mark, d, frac);
    else snprintf(buf, 48, "%s%llu", sign, whole);
    return buf;
}

/* The few fixed words of the human formats, in the record's language (not the process's: a batch
 * may grade French and English exercises in one run). */
typedef struct gr_words {
    char mark;                       /* decimal mark */
    const char *score, *passed, *not_passed, *hint, *error;  /* labels end with ": " */
    const char *error_title, *output_title;                  /* section titles */
} gr_words;

static const gr_words words_en = { '.', "Score: ", "passed", "not passed", "Hint: ", "Error: ", "Error",
                                   "Program output (what the submission printed):" };
static const gr_words words_fr = { ',', "Score : ", "réussi", "non réussi", "Indice : ", "Erreur : ", "Erreur",
                                   "Sortie du programme (ce que la soumission a affiché) :" };

static const gr_words *words_of(const gr_record *r)
{
    return r->lang && !strcmp(r->lang, "fr") ? &words_fr : &words_en;
}

/* "Score: 7.5 / 10 (passed)" in the record's language. */
static void add_summary(gr_buf *b, const gr_record *r)
{
    const gr_words *w = words_of(r);
    char s[48], m[48];
    buf_adds(b, w->score);
    buf_adds(b, fmt_num(s, r->score, 2, w->mark));
    buf_adds(b, " / ");
    buf_adds(b, fmt_num(m, r->max, 2, w->mark));
    buf_adds(b, " (");
    buf_adds(b, r->passed ? w->passed : w->not_passed);
    buf_adds(b, ")");
}

/* What a failed check says: its message (or, in a record that did not run to the end, the
 * record's error when the check has no message of its own), then the hint on its own line. */
static char *check_feedback(const gr_record *r, const gr_check *c)
{
    gr_buf b = { 0 };
    const char *message = c->message;
    if (is_empty(message) && r->error && c->status != GR_PASSED) message = r->error;
    char *m = clean(message), *h = clean(c->hint);
    buf_adds(&b, m);
    if (*h) {
        if (*m) buf_adds(&b, "\n");
        buf_adds(&b, words_of(r)->hint);
        buf_adds(&b, h);
    }
    free(m);
    free(h);
    return buf_take(&b);
}

static int finish(FILE *out)
{
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* Each line of text (a clean string) on a line of its own: the first as prefix + label + line,
 * the others as next + line. A final newline does not make an extra empty line. */
static void put_lines(FILE *out, const char *prefix, const char *label, const char *next, const char *text)
{
    const char *p = text;
    do {
        size_t n = strcspn(p, "\n");
        if (p == text) fprintf(out, "%s%s%.*s\n", prefix, label, (int)n, p);
        else fprintf(out, "%s%.*s\n", next, (int)n, p);
        p += n;
        if (*p) p++;
    } while (*p);
}

/* ------------------------------------------------------------------------------------------- */
/* Usine's JSON */

static void add_string(cJSON *o, const char *key, const char *s)
{
    char *c = clean(s);
    cJSON_AddStringToObject(o, key, c);
    free(c);
}

cJSON *gr_record_to_json(const gr_record *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    /* The contract of the line (assets/schema/json/grade.schema.json); the reader ignores it, so
     * journals written before it was added still resume. */
    cJSON_AddStringToObject(o, "schema", GR_JSON_SCHEMA);
    add_string(o, "submission", r->submission);
    if (r->path_hex) add_string(o, "path_hex", r->path_hex);
    if (r->content_hash) add_string(o, "content_hash", r->content_hash);
    add_string(o, "exercise", r->exercise);
    add_string(o, "lang", r->lang);
    if (r->seed) add_string(o, "seed", r->seed);
    if (r->feedback) add_string(o, "feedback", r->feedback);
    cJSON_AddNumberToObject(o, "score", r->score);
    cJSON_AddNumberToObject(o, "max", r->max);
    cJSON_AddBoolToObject(o, "passed", r->passed != 0);
    if (r->error) add_string(o, "error", r->error);
    else cJSON_AddNullToObject(o, "error");
    add_string(o, "output", r->output);
    cJSON_AddNumberToObject(o, "time_s", r->time_s);
    if (r->machine_fault) cJSON_AddTrueToObject(o, "machine_fault");
    cJSON *checks = cJSON_AddArrayToObject(o, "checks");
    for (int i = 0; checks && i < r->nchecks; i++) {
        const gr_check *c = &r->checks[i];
        cJSON *k = cJSON_CreateObject();
        if (!k) break;
        add_string(k, "id", c->id);
        add_string(k, "title", c->title);
        cJSON_AddNumberToObject(k, "points", c->points);
        cJSON_AddNumberToObject(k, "max", c->max);
        cJSON_AddStringToObject(k, "status", gr_status_name(c->status));
        add_string(k, "message", c->message);
        add_string(k, "hint", c->hint);
        cJSON_AddItemToArray(checks, k);
    }
    return o;
}

static void say(char *why, size_t why_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t why_size, const char *fmt, ...)
{
    if (!why || !why_size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
}

/* Reading: each getter names the key in its reason as a path ("checks[2].points"). */
typedef struct gr_reader {
    const char *parent;              /* "" at the top level, "checks[2]." inside a check */
    char *why;
    size_t why_size;
} gr_reader;

static const cJSON *get(const gr_reader *rd, const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) say(rd->why, rd->why_size, _("\"%s%s\" is missing"), rd->parent, key);
    return v;
}

/* A string (or null, where null_ok, which gives NULL), cleaned. */
static int get_string(const gr_reader *rd, const cJSON *o, const char *key, int null_ok, char **dst)
{
    const cJSON *v = get(rd, o, key);
    if (!v) return -1;
    if (null_ok && cJSON_IsNull(v)) {
        *dst = NULL;
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring) {
        say(rd->why, rd->why_size, _("\"%s%s\" should be a string"), rd->parent, key);
        return -1;
    }
    *dst = clean(v->valuestring);
    return 0;
}

/* An optional string of lowercase hex digits (a key), NULL when absent. */
static int get_hex(const gr_reader *rd, const cJSON *o, const char *key, char **dst)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *dst = NULL;
    if (!v) return 0;
    if (!cJSON_IsString(v) || !v->valuestring || strspn(v->valuestring, "0123456789abcdef") != strlen(v->valuestring)) {
        say(rd->why, rd->why_size, _("\"%s%s\" should be a string of hexadecimal digits"), rd->parent, key);
        return -1;
    }
    *dst = ut_strdup(v->valuestring);
    return 0;
}

static int get_number(const gr_reader *rd, const cJSON *o, const char *key, double *dst)
{
    const cJSON *v = get(rd, o, key);
    if (!v) return -1;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        say(rd->why, rd->why_size, _("\"%s%s\" should be a finite number"), rd->parent, key);
        return -1;
    }
    *dst = v->valuedouble;
    return 0;
}

static int read_check(const gr_reader *rd, const cJSON *o, gr_check *c)
{
    char *status = NULL;
    if (get_string(rd, o, "id", 0, &c->id) || get_string(rd, o, "title", 0, &c->title) ||
        get_number(rd, o, "points", &c->points) || get_number(rd, o, "max", &c->max) ||
        get_string(rd, o, "status", 0, &status) || get_string(rd, o, "message", 0, &c->message) ||
        get_string(rd, o, "hint", 0, &c->hint)) {
        free(status);
        return -1;
    }
    int s = gr_status_from_name(status);
    if (s < 0) say(rd->why, rd->why_size, _("\"%sstatus\" should be passed, failed or error, not \"%s\""), rd->parent, status);
    free(status);
    if (s < 0) return -1;
    c->status = (gr_status)s;
    return 0;
}

/* r is overwritten (not freed first); on failure it is left empty. */
int gr_record_from_json(const cJSON *o, gr_record *r, char *why, size_t why_size)
{
    gr_reader rd = { "", why, why_size };
    gr_record_init(r);
    if (!cJSON_IsObject(o)) {
        say(why, why_size, _("a grade record should be a JSON object"));
        return -1;
    }
    const cJSON *passed, *checks, *c;
    if (get_string(&rd, o, "submission", 0, &r->submission) || get_string(&rd, o, "exercise", 0, &r->exercise) ||
        get_string(&rd, o, "lang", 0, &r->lang) || get_number(&rd, o, "score", &r->score) ||
        get_number(&rd, o, "max", &r->max) || !(passed = get(&rd, o, "passed")))
        goto fail;
    if (!cJSON_IsBool(passed)) {
        say(why, why_size, _("\"%s%s\" should be true or false"), "", "passed");
        goto fail;
    }
    r->passed = cJSON_IsTrue(passed);
    if (get_string(&rd, o, "error", 1, &r->error) || get_string(&rd, o, "output", 0, &r->output) ||
        get_number(&rd, o, "time_s", &r->time_s) || !(checks = get(&rd, o, "checks")))
        goto fail;
    const cJSON *fault = cJSON_GetObjectItemCaseSensitive(o, "machine_fault");
    if (fault && !cJSON_IsBool(fault)) {
        say(why, why_size, _("\"%s%s\" should be true or false"), "", "machine_fault");
        goto fail;
    }
    r->machine_fault = cJSON_IsTrue(fault);
    /* seed and feedback: absent in journals written before they were recorded */
    if ((cJSON_GetObjectItemCaseSensitive(o, "seed") && get_string(&rd, o, "seed", 0, &r->seed)) ||
        (cJSON_GetObjectItemCaseSensitive(o, "feedback") && get_string(&rd, o, "feedback", 0, &r->feedback)))
        goto fail;
    if (get_hex(&rd, o, "path_hex", &r->path_hex) || get_hex(&rd, o, "content_hash", &r->content_hash)) goto fail;
    if (!cJSON_IsArray(checks)) {
        say(why, why_size, _("\"%s%s\" should be an array"), "", "checks");
        goto fail;
    }
    int i = 0;
    cJSON_ArrayForEach(c, checks) {
        char parent[32];
        snprintf(parent, sizeof parent, "checks[%d].", i);
        gr_reader crd = { parent, why, why_size };
        if (!cJSON_IsObject(c)) {
            say(why, why_size, _("\"checks[%d]\" should be an object"), i);
            goto fail;
        }
        if (read_check(&crd, c, gr_record_add_check(r))) goto fail;
        i++;
    }
    return 0;
fail:
    gr_record_free(r);
    return -1;
}

/* cJSON's printers return NULL only when out of memory. */
static int put_json(FILE *out, cJSON *o, int formatted)
{
    char *text = o ? (formatted ? cJSON_Print(o) : cJSON_PrintUnformatted(o)) : NULL;
    cJSON_Delete(o);
    if (!text) return -1;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return finish(out);
}

int gr_write_jsonl(FILE *out, const gr_record *r)
{
    return put_json(out, gr_record_to_json(r), 0);
}

/* One line (not NUL-terminated) as a record: 0, or -1 with why. */
static int journal_line(const char *p, size_t n, gr_record *rec, char *why, size_t why_size)
{
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (!o) {
        say(why, why_size, _("not JSON"));
        return -1;
    }
    int rc = gr_record_from_json(o, rec, why, why_size);
    cJSON_Delete(o);
    if (rc != 0) return -1;
    size_t used = end ? (size_t)(end - p) : n;
    while (used < n && (p[used] == ' ' || p[used] == '\t' || p[used] == '\r')) used++;
    if (used < n) {
        gr_record_free(rec);
        say(why, why_size, _("text after the record"));
        return -1;
    }
    return 0;
}

size_t gr_journal_parse(const char *text, size_t len, gr_journal_fn fn, void *ud, int *missing_newline)
{
    size_t pos = 0, good_end = 0;
    int line = 0;
    if (missing_newline) *missing_newline = 0;
    if (!text) len = 0;
    while (pos < len) {
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t k = pos;
        while (k < end && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r')) k++;
        if (k < end) {
            gr_record rec;
            char why[300];
            if (journal_line(text + pos, end - pos, &rec, why, sizeof why) == 0) {
                fn(ud, line, &rec, NULL);
                if (!nl && missing_newline) *missing_newline = 1;
            } else if (nl) {
                fn(ud, line, NULL, why);
            } else {
                break;                                      /* cut short: drop it */
            }
        }
        pos = good_end = nl ? end + 1 : len;
    }
    return good_end;
}

/* ------------------------------------------------------------------------------------------- */
/* Human text */

/* The marker of text that may come from the submission, after its indentation. */
#define GR_TEXT_MARK "\u2502 "

int gr_write_text(FILE *out, const gr_record *r)
{
    const gr_words *w = words_of(r);
    char *exercise = clean_line(r->exercise), *submission = clean_line(r->submission);
    fprintf(out, "%s \u2014 %s\n", exercise, submission);
    free(exercise);
    free(submission);
    if (r->error) {                                /* why it did not run to the end: read first */
        char *error = clean(r->error);
        put_lines(out, "", w->error, "    " GR_TEXT_MARK, error);
        free(error);
    }
    for (int i = 0; i < r->nchecks; i++) {
        const gr_check *c = &r->checks[i];
        char p[48], m[48];
        char *title = clean_line(c->title);
        fprintf(out, "  %s %s/%s  %s\n", c->status == GR_PASSED ? "\u2713" : "\u2717", fmt_num(p, c->points, 2, w->mark),
                fmt_num(m, c->max, 2, w->mark), title);
        free(title);
        if (c->status == GR_PASSED) continue;
        char *message = clean(c->message), *hint = clean(c->hint);
        if (*message) put_lines(out, "      " GR_TEXT_MARK, "", "      " GR_TEXT_MARK, message);
        if (*hint) put_lines(out, "      ", w->hint, "      " GR_TEXT_MARK, hint);
        free(message);
        free(hint);
    }
    if (!is_empty(r->output)) {
        char *output = clean(r->output);
        fprintf(out, "%s\n", w->output_title);
        put_lines(out, "    " GR_TEXT_MARK, "", "    " GR_TEXT_MARK, output);
        free(output);
    }
    gr_buf b = { 0 };
    add_summary(&b, r);
    fprintf(out, "%s\n", b.s);
    free(b.s);
    return finish(out);
}

/* ------------------------------------------------------------------------------------------- */
/* Moodle VPL */

/* Inside the comment block every line this writer emits starts with "- " (a title, one line) or
 * "> " (preformatted): record text can therefore never start a line, so it can never be read as
 * "Grade :=>>", "Comment :=>>", "<|--" or "--|>". The grade comes last. */
static void vpl_title(FILE *out, const char *mark, const char *text)
{
    char *t = clean_line(text);
    fprintf(out, "- %s%s\n", mark, t);
    free(t);
}

static void vpl_pre(FILE *out, const char *label, const char *text)
{
    char *t = clean(text);
    if (*t || *label) put_lines(out, "> ", label, "> ", t);
    free(t);
}

int gr_write_vpl(FILE *out, const gr_record *r, double grade_min, double grade_max)
{
    const gr_words *w = words_of(r);
    fputs("<|--\n", out);
    if (r->error) {
        vpl_title(out, "", w->error_title);
        vpl_pre(out, "", r->error);
    }
    for (int i = 0; i < r->nchecks; i++) {
        const gr_check *c = &r->checks[i];
        char p[48], m[48], mark[160];
        snprintf(mark, sizeof mark, "%s %s/%s  ", c->status == GR_PASSED ? "\u2713" : "\u2717",
                 fmt_num(p, c->points, 2, w->mark), fmt_num(m, c->max, 2, w->mark));
        vpl_title(out, mark, c->title);
        if (c->status == GR_PASSED) continue;
        vpl_pre(out, "", c->message);
        if (!is_empty(c->hint)) vpl_pre(out, w->hint, c->hint);
    }
    if (!is_empty(r->output)) {
        vpl_title(out, "", w->output_title);
        vpl_pre(out, "", r->output);
    }
    gr_buf b = { 0 };
    add_summary(&b, r);
    vpl_title(out, "", b.s);
    free(b.s);
    fputs("--|>\n", out);

    double fraction = r->max > 0 ? r->score / r->max : 0;
    if (!(fraction > 0)) fraction = 0;             /* also NaN */
    if (fraction > 1) fraction = 1;
    double grade = grade_min + (grade_max - grade_min) * fraction;
    char g[48];
    fprintf(out, "Grade :=>> %s\n", fmt_num(g, isfinite(grade) ? grade : 0, 2, '.'));
    return finish(out);
}

/* ------------------------------------------------------------------------------------------- */
/* Gradescope */

int gr_write_gradescope(FILE *out, const gr_record *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return -1;
    gr_buf b = { 0 };
    add_summary(&b, r);
    if (r->error) {
        char *error = clean(r->error);
        buf_adds(&b, "\n");
        buf_adds(&b, words_of(r)->error);
        buf_adds(&b, error);
        free(error);
    }
    cJSON_AddNumberToObject(o, "score", r->score);
    cJSON_AddNumberToObject(o, "execution_time", r->time_s);
    add_string(o, "output", b.s);
    free(b.s);
    cJSON_AddStringToObject(o, "visibility", "visible");
    cJSON_AddStringToObject(o, "stdout_visibility", "hidden");
    cJSON *tests = cJSON_AddArrayToObject(o, "tests");
    for (int i = 0; tests && i < r->nchecks; i++) {
        const gr_check *c = &r->checks[i];
        cJSON *t = cJSON_CreateObject();
        if (!t) break;
        char number[16];
        snprintf(number, sizeof number, "%d", i + 1);
        cJSON_AddNumberToObject(t, "score", c->points);
        cJSON_AddNumberToObject(t, "max_score", c->max);
        add_string(t, "name", c->title);
        cJSON_AddStringToObject(t, "number", number);
        char *feedback = c->status == GR_PASSED ? ut_strdup("") : check_feedback(r, c);
        cJSON_AddStringToObject(t, "output", feedback);
        free(feedback);
        cJSON *tags = cJSON_AddArrayToObject(t, "tags");
        char *id = clean(c->id);
        if (tags) cJSON_AddItemToArray(tags, cJSON_CreateString(id));
        free(id);
        cJSON_AddStringToObject(t, "visibility", "visible");
        cJSON_AddStringToObject(t, "status", c->status == GR_PASSED ? "passed" : "failed");
        cJSON_AddItemToArray(tests, t);
    }
    return put_json(out, o, 1);
}

/* ------------------------------------------------------------------------------------------- */
/* GitHub Classroom */

/* RFC 4648 base64, standard alphabet, with padding. */
static char *base64(const unsigned char *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = ut_malloc(4 * ((n + 2) / 3) + 1), *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63], *o++ = abc[(v >> 6) & 63], *o++ = abc[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63], *o++ = '=', *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63], *o++ = abc[(v >> 6) & 63], *o++ = '=';
    }
    *o = '\0';
    return out;
}

int gr_write_classroom(FILE *out, const gr_record *r)
{
    static const char *const test_status[] = { "pass", "fail", "error" };
    cJSON *o = cJSON_CreateObject();
    if (!o) return -1;
    cJSON_AddNumberToObject(o, "version", 1);
    cJSON_AddStringToObject(o, "status", r->passed ? "pass" : r->error ? "error" : "fail");
    cJSON_AddNumberToObject(o, "max_score", r->max);
    cJSON *tests = cJSON_AddArrayToObject(o, "tests");
    cJSON *run = r->error && tests ? cJSON_CreateObject() : NULL;
    if (run) {                                     /* why it did not run to the end, first */
        add_string(run, "name", words_of(r)->error_title);
        cJSON_AddStringToObject(run, "status", "error");
        add_string(run, "message", r->error);
        cJSON_AddNumberToObject(run, "score", 0);
        cJSON_AddItemToArray(tests, run);
    }
    for (int i = 0; tests && i < r->nchecks; i++) {
        const gr_check *c = &r->checks[i];
        cJSON *t = cJSON_CreateObject();
        if (!t) break;
        add_string(t, "name", c->title);
        cJSON_AddStringToObject(t, "status", test_status[(unsigned)c->status < 3 ? c->status : GR_ERROR]);
        char *feedback = c->status == GR_PASSED ? ut_strdup("") : check_feedback(r, c);
        cJSON_AddStringToObject(t, "message", feedback);
        free(feedback);
        cJSON_AddNumberToObject(t, "score", c->points);
        cJSON_AddItemToArray(tests, t);
    }
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json) return -1;
    char *b64 = base64((const unsigned char *)json, strlen(json));
    free(json);
    fputs(b64, out);
    fputc('\n', out);
    free(b64);
    return finish(out);
}

/* ------------------------------------------------------------------------------------------- */
/* JUnit XML */

/* The writer streams into the FILE through an I/O callback, so a batch of large outputs is never
 * held in memory. Every string passes through clean() first: the writer escapes markup
 * (&, <, ", and newlines in attributes) but would pass invalid UTF-8 or control characters on,
 * which no XML parser accepts. bad remembers any failure of the writer or of the stream. */
typedef struct gr_xml {
    xmlTextWriterPtr w;
    int bad;
} gr_xml;

static int xml_write_cb(void *ctx, const char *buf, int len)
{
    fwrite(buf, 1, (size_t)len, ctx);
    return len;             /* a failure is seen by ferror at the end, without libxml2's message */
}

static void x_start(gr_xml *x, const char *name)
{
    x->bad |= xmlTextWriterStartElement(x->w, BAD_CAST name) < 0;
}

static void x_end(gr_xml *x)
{
    x->bad |= xmlTextWriterEndElement(x->w) < 0;
}

static void x_attr(gr_xml *x, const char *name, const char *value)
{
    char *v = clean(value);
    x->bad |= xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST v) < 0;
    free(v);
}

static void x_attr_num(gr_xml *x, const char *name, double value, int decimals)
{
    char num[48];
    x_attr(x, name, fmt_num(num, value, decimals, '.'));
}

static void x_text(gr_xml *x, const char *text)
{
    char *t = clean(text);
    x->bad |= xmlTextWriterWriteString(x->w, BAD_CAST t) < 0;
    free(t);
}

/* A record that did not run to the end (a syntax error, a limit, a crash) gets a first testcase
 * "run" with an <error> that says why: read before the checks, and never an empty, green suite. */
static int needs_run_error(const gr_record *r)
{
    return r->error != NULL;
}

static void count(const gr_record *r, int *tests, int *failures, int *errors)
{
    *tests = r->nchecks + needs_run_error(r), *failures = 0, *errors = needs_run_error(r);
    for (int i = 0; i < r->nchecks; i++) {
        *failures += r->checks[i].status == GR_FAILED;
        *errors += r->checks[i].status == GR_ERROR;
    }
}

static void junit_suite(gr_xml *x, const gr_record *r)
{
    int tests, failures, errors;
    count(r, &tests, &failures, &errors);
    x_start(x, "testsuite");
    x_attr(x, "name", r->submission);
    x_attr_num(x, "tests", tests, 0);
    x_attr_num(x, "failures", failures, 0);
    x_attr_num(x, "errors", errors, 0);
    x_attr_num(x, "skipped", 0, 0);
    x_attr_num(x, "time", r->time_s, 3);
    if (needs_run_error(r)) {
        x_start(x, "testcase");
        x_attr(x, "name", "run");
        x_attr(x, "classname", r->exercise);
        x_start(x, "error");
        x_attr(x, "message", r->error);
        x_attr(x, "type", "error");
        x_text(x, r->error);
        x_end(x);
        x_end(x);
    }
    for (int i = 0; i < r->nchecks; i++) {
        const gr_check *c = &r->checks[i];
        char *id = clean_line(c->id), *title = clean_line(c->title);
        gr_buf name = { 0 };
        buf_adds(&name, id);
        buf_adds(&name, ": ");
        buf_adds(&name, title);
        free(id);
        free(title);
        x_start(x, "testcase");
        x_attr(x, "name", name.s);
        x_attr(x, "classname", r->exercise);
        free(name.s);
        if (c->status != GR_PASSED) {
            const char *kind = c->status == GR_FAILED ? "failure" : "error";
            const char *message = is_empty(c->message) && r->error ? r->error : c->message;
            char *feedback = check_feedback(r, c);
            x_start(x, kind);
            x_attr(x, "message", message);
            x_attr(x, "type", c->status == GR_FAILED ? "failed" : "error");
            x_text(x, feedback);
            x_end(x);
            free(feedback);
        }
        x_end(x);
    }
    if (!is_empty(r->output)) {
        x_start(x, "system-out");
        x_text(x, r->output);
        x_end(x);
    }
    x_end(x);
}

int gr_write_junit(FILE *out, const gr_record *const *records, int n, const char *suite_name)
{
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(xml_write_cb, NULL, out, NULL);
    if (!ob) return -1;
    gr_xml x = { xmlNewTextWriter(ob), 0 };
    if (!x.w) {
        xmlOutputBufferClose(ob);
        return -1;
    }
    int tests = 0, failures = 0, errors = 0;
    double time_s = 0;
    for (int i = 0; i < n; i++) {
        if (!records[i]) continue;
        int t, f, e;
        count(records[i], &t, &f, &e);
        tests += t, failures += f, errors += e, time_s += records[i]->time_s;
    }
    if (!suite_name) suite_name = n > 0 && records[0] ? records[0]->exercise : "usine";

    x.bad |= xmlTextWriterSetIndent(x.w, 1) < 0;
    x.bad |= xmlTextWriterSetIndentString(x.w, BAD_CAST "  ") < 0;
    x.bad |= xmlTextWriterStartDocument(x.w, "1.0", "UTF-8", NULL) < 0;
    x_start(&x, "testsuites");
    x_attr(&x, "name", suite_name);
    x_attr_num(&x, "tests", tests, 0);
    x_attr_num(&x, "failures", failures, 0);
    x_attr_num(&x, "errors", errors, 0);
    x_attr_num(&x, "time", time_s, 3);
    for (int i = 0; i < n; i++)
        if (records[i]) junit_suite(&x, records[i]);
    x_end(&x);
    x.bad |= xmlTextWriterEndDocument(x.w) < 0;
    x.bad |= xmlTextWriterFlush(x.w) < 0;
    xmlFreeTextWriter(x.w);                        /* also closes ob, not the FILE */
    int rc = finish(out);
    return x.bad ? -1 : rc;
}
