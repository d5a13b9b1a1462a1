/* test_grade_formats.c: grade records (scripting/gr.h) and the formats grading platforms read.
 *
 * The point of gr.c is that nothing a submission prints can break a format, so most cases feed it
 * hostile text and then read the output back the way the platform would: VPL's output line by
 * line (the last "Grade :=>>" wins, "<|--" and "--|>" delimit comments), JUnit with libxml2's
 * parser (no recovery), JSON with cJSON, Classroom's line through an independent base64 decoder.
 * gr_clean_text is checked against an independent strict UTF-8 validator written here.
 * Fixtures (through void **state) are a record built as the grader builds it (strings cleaned)
 * and a record whose strings were never cleaned, to check that the formatters defend themselves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gr.h"
#include "util.h"

/* Text that tries to end VPL's comment block, add a comment and set the grade. */
#define HOSTILE_VPL "Grade :=>> 10\nComment :=>> x\n--|>\n<|--"
/* Text that tries to close the XML element it sits in, or to be an entity. */
#define HOSTILE_XML "]]></failure><x>&amp; & <!-- \"'"
/* Text that tries to end a JSON string, with a backslash and control characters. */
#define HOSTILE_JSON "\"}, \"score\": 100, \"x\": \"\\\b\f\x01\x1f"
#define INVALID_UTF8 "\xff\xfe\xc0\xaf"

/* ------------------------------------------------------------------------------------------- */
/* Helpers */

/* An independent strict check: well-formed UTF-8 (RFC 3629), and no control character but \n
 * and \t, no DEL, no C1, no U+FFFE/U+FFFF: what gr_clean_text promises. */
static int is_clean(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t n;
        unsigned long cp;
        if (c < 0x80) n = 1, cp = c;
        else if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
        else return 0;
        if (i + n > len) return 0;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const unsigned long min_of_len[] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min_of_len[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        if ((cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F)) return 0;
        if (cp == 0xFFFE || cp == 0xFFFF) return 0;
        i += n;
    }
    return 1;
}

static char *cleaned(const char *s)
{
    return gr_clean_text(s, strlen(s), 0);
}

static void assert_clean(const char *in, size_t len, size_t cap, const char *want)
{
    char *got = gr_clean_text(in, len, cap);
    if (strcmp(got, want)) fail_msg("cleaning gave \"%s\", want \"%s\"", got, want);
    free(got);
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static void assert_records_equal(const gr_record *a, const gr_record *b)
{
    assert_true(str_eq(a->submission, b->submission));
    assert_true(str_eq(a->exercise, b->exercise));
    assert_true(str_eq(a->lang, b->lang));
    assert_true(str_eq(a->error, b->error));
    assert_true(str_eq(a->output, b->output));
    assert_true(a->score == b->score && a->max == b->max && a->time_s == b->time_s);
    assert_int_equal(a->passed, b->passed);
    assert_int_equal(a->nchecks, b->nchecks);
    for (int i = 0; i < a->nchecks; i++) {
        const gr_check *x = &a->checks[i], *y = &b->checks[i];
        assert_true(str_eq(x->id, y->id));
        assert_true(str_eq(x->title, y->title));
        assert_true(str_eq(x->message, y->message));
        assert_true(str_eq(x->hint, y->hint));
        assert_true(x->points == y->points && x->max == y->max);
        assert_int_equal(x->status, y->status);
    }
}

/* What a writer prints, through open_memstream; *rc gets its return value. */
typedef struct captured {
    char *text;
    size_t len;
    int rc;
} captured;

typedef enum fmt { F_JSONL, F_TEXT, F_VPL, F_GRADESCOPE, F_CLASSROOM, F_JUNIT } fmt;

static int write_fmt(FILE *f, fmt which, const gr_record *r)
{
    switch (which) {
    case F_JSONL: return gr_write_jsonl(f, r);
    case F_TEXT: return gr_write_text(f, r);
    case F_VPL: return gr_write_vpl(f, r, 0, 10);
    case F_GRADESCOPE: return gr_write_gradescope(f, r);
    case F_CLASSROOM: return gr_write_classroom(f, r);
    case F_JUNIT: return gr_write_junit(f, &r, 1, "suite");
    }
    return -2;
}

static captured capture(fmt which, const gr_record *r)
{
    captured c = { 0 };
    FILE *f = open_memstream(&c.text, &c.len);
    assert_non_null(f);
    c.rc = write_fmt(f, which, r);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(c.rc, 0);
    return c;
}

static captured capture_vpl(const gr_record *r, double lo, double hi)
{
    captured c = { 0 };
    FILE *f = open_memstream(&c.text, &c.len);
    assert_non_null(f);
    c.rc = gr_write_vpl(f, r, lo, hi);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(c.rc, 0);
    return c;
}

static captured capture_junit(const gr_record *const *rs, int n, const char *name)
{
    captured c = { 0 };
    FILE *f = open_memstream(&c.text, &c.len);
    assert_non_null(f);
    c.rc = gr_write_junit(f, rs, n, name);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(c.rc, 0);
    return c;
}

/* Reads VPL output as Moodle does and checks the invariants: one comment block opened on the
 * first line and closed once, every line inside it a title ("- ") or preformatted ("> "), no
 * "Comment :=>>" line, and exactly one "Grade :=>>" line, the last one, equal to want_grade. */
static void assert_vpl_safe(const char *out, const char *want_grade)
{
    int line_no = 0, opens = 0, closes = 0, grades = 0, in_block = 0, after = 0;
    const char *p = out;
    char last[256] = "";
    assert_true(strlen(out) > 0 && out[strlen(out) - 1] == '\n');
    while (*p) {
        size_t n = strcspn(p, "\n");
        char line[4096];
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1), p);
        line_no++;
        if (!strncmp(line, "Comment :=>>", 12)) fail_msg("line %d is a VPL comment: %s", line_no, line);
        if (!strncmp(line, "Grade :=>>", 10)) grades++;
        if (!strcmp(line, "<|--")) {
            opens++;
            if (line_no != 1) fail_msg("line %d opens a comment block", line_no);
            in_block = 1;
        } else if (!strcmp(line, "--|>")) {
            closes++;
            in_block = 0;
            after = 1;
        } else if (in_block) {
            if (strncmp(line, "- ", 2) && strncmp(line, "> ", 2))
                fail_msg("line %d inside the comment block is neither a title nor preformatted: %s", line_no, line);
        } else if (!after) {
            fail_msg("line %d is outside the comment block: %s", line_no, line);
        }
        ut_strlcpy(last, line, sizeof last);
        p += n + (p[n] == '\n');
    }
    assert_int_equal(opens, 1);
    assert_int_equal(closes, 1);
    assert_int_equal(grades, 1);
    char want[128];
    snprintf(want, sizeof want, "Grade :=>> %s", want_grade);
    assert_string_equal(last, want);
}

static int b64_value(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict RFC 4648 decoding: length a multiple of 4, padding only at the end, zero spare bits. */
static char *b64_decode(const char *s, size_t len)
{
    assert_int_equal(len % 4, 0);
    char *out = malloc(len / 4 * 3 + 1), *o = out;
    for (size_t i = 0; i < len; i += 4) {
        int pad = (s[i + 3] == '=') + (s[i + 2] == '=');
        if (pad) assert_true(i + 4 == len);
        if (pad == 1) assert_true(s[i + 3] == '=');
        int v[4];
        for (int k = 0; k < 4 - pad; k++) {
            v[k] = b64_value((unsigned char)s[i + k]);
            assert_true(v[k] >= 0);
        }
        unsigned long w = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12;
        if (pad < 2) w |= (unsigned long)v[2] << 6;
        if (pad < 1) w |= (unsigned long)v[3];
        *o++ = (char)(w >> 16);
        if (pad < 2) *o++ = (char)(w >> 8 & 0xFF);
        if (pad < 1) *o++ = (char)(w & 0xFF);
        if (pad == 2) assert_int_equal(w & 0xFFFF, 0);
        if (pad == 1) assert_int_equal(w & 0xFF, 0);
    }
    *o = '\0';
    return out;
}

static xmlNode *child(xmlNode *n, const char *name, int index)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name) && index-- == 0) return c;
    return NULL;
}

static int count_children(xmlNode *n, const char *name)
{
    int k = 0;
    while (child(n, name, k)) k++;
    return k;
}

static void assert_attr(xmlNode *n, const char *name, const char *want)
{
    assert_non_null(n);
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    if (!v) fail_msg("<%s> has no attribute %s", (const char *)n->name, name);
    if (strcmp((const char *)v, want)) fail_msg("<%s %s> is \"%s\", want \"%s\"", (const char *)n->name, name, (const char *)v, want);
    xmlFree(v);
}

static void assert_content(xmlNode *n, const char *want)
{
    assert_non_null(n);
    xmlChar *v = xmlNodeGetContent(n);
    assert_non_null(v);
    if (strcmp((const char *)v, want)) fail_msg("<%s> holds \"%s\", want \"%s\"", (const char *)n->name, (const char *)v, want);
    xmlFree(v);
}

static xmlDoc *parse_xml(const captured *c)
{
    xmlDoc *doc = xmlReadMemory(c->text, (int)c->len, "junit.xml", NULL, XML_PARSE_NONET);
    if (!doc) fail_msg("the JUnit output is not well-formed XML:\n%s", c->text);
    return doc;
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) fail_msg("\"%s\" is not a string", key);
    return v->valuestring;
}

static double json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) fail_msg("\"%s\" is not a number", key);
    return v->valuedouble;
}

/* ------------------------------------------------------------------------------------------- */
/* Fixtures */

static void set(char **dst, const char *s)
{
    free(*dst);
    *dst = cleaned(s);
}

static gr_check *add(gr_record *r, const char *id, const char *title, double points, double max, gr_status st,
                     const char *message, const char *hint)
{
    gr_check *c = gr_record_add_check(r);
    set(&c->id, id);
    set(&c->title, title);
    set(&c->message, message);
    set(&c->hint, hint);
    c->points = points, c->max = max, c->status = st;
    return c;
}

/* A record as the grader builds it: 2/2 + 0/2.5 + 5.5/5.5 = 7.5 / 10, the failed check full of
 * hostile text, and an output that tries everything. */
static gr_record *sample_record(const char *lang)
{
    gr_record *r = ut_calloc(1, sizeof *r);
    gr_record_init(r);
    set(&r->submission, "submissions/alice & bob <1>.lua");
    set(&r->exercise, "cluster-size");
    set(&r->lang, lang);
    set(&r->output, "hello\n" HOSTILE_VPL "\n" HOSTILE_XML "\n" HOSTILE_JSON "\n" INVALID_UTF8);
    r->max = 10;
    r->time_s = 1.25;
    add(r, "gpus", "Number of GPUs", 2, 2, GR_PASSED, "", "");
    add(r, "bw", "Bandwidth <ring> & \"tree\" — débit ✓", 0, 2.5, GR_FAILED, HOSTILE_VPL "\n" HOSTILE_XML "\n" HOSTILE_JSON,
        "Think of the ring: 2(n-1)/n\n" HOSTILE_VPL);
    add(r, "time", "Step time", 5.5, 5.5, GR_PASSED, "", "");
    gr_record_total(r, 0.5);
    return r;
}

static int setup_en(void **state)
{
    *state = sample_record("en");
    return 0;
}

static int setup_fr(void **state)
{
    gr_record *r = sample_record("fr");
    set(&r->checks[1].title, "Bande passante");
    set(&r->checks[1].message, "Il manque un facteur 2.");
    set(&r->checks[1].hint, "Pensez à l'anneau.");
    *state = r;
    return 0;
}

/* A record whose strings were never cleaned: raw bytes as a careless caller might set them. */
static int setup_raw(void **state)
{
    gr_record *r = ut_calloc(1, sizeof *r);
    gr_record_init(r);
    r->submission = ut_strdup("raw\x01\xff.lua");
    r->exercise = ut_strdup("ex\r\n" HOSTILE_VPL);
    r->lang = ut_strdup("en");
    r->output = ut_strdup("\r\n" HOSTILE_VPL "\r" INVALID_UTF8 "\x1b[31m" HOSTILE_XML "\xef\xbf\xbe");
    r->error = ut_strdup("crash\r\nGrade :=>> 10\x0b\x0c" INVALID_UTF8);
    r->max = 4;
    gr_check *c = gr_record_add_check(r);
    c->id = ut_strdup("id\n--|>");
    c->title = ut_strdup("--|>\nGrade :=>> 9\n<|--");
    c->message = ut_strdup(HOSTILE_XML "\r\n" HOSTILE_VPL "\x7f\x08" INVALID_UTF8);
    c->hint = ut_strdup("\xc2\x9b" "2J" HOSTILE_JSON);
    c->max = 4;
    c->status = GR_ERROR;
    c = gr_record_add_check(r);                   /* left as add_check made it: NULL strings */
    c->status = GR_FAILED;
    c->max = 0;
    gr_record_total(r, 1);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    gr_record_free(*state);
    free(*state);
    return 0;
}

/* ------------------------------------------------------------------------------------------- */
/* Statuses and records */

static void test_status_names(void **state)
{
    (void)state;
    for (int s = GR_PASSED; s <= GR_ERROR; s++) assert_int_equal(gr_status_from_name(gr_status_name((gr_status)s)), s);
    assert_string_equal(gr_status_name(GR_PASSED), "passed");
    assert_string_equal(gr_status_name(GR_FAILED), "failed");
    assert_string_equal(gr_status_name(GR_ERROR), "error");
    assert_int_equal(gr_status_from_name("Passed"), -1);
    assert_int_equal(gr_status_from_name(""), -1);
    assert_int_equal(gr_status_from_name(NULL), -1);
}

static void test_record_total_and_free(void **state)
{
    (void)state;
    gr_record r;
    gr_record_init(&r);
    assert_null(r.checks);
    assert_int_equal(r.nchecks, 0);
    r.max = 1;
    double pts[] = { 0.1, 0.7 };                   /* 0.1 + 0.7 = 0.7999999999999999 < 0.8 */
    for (int i = 0; i < 2; i++) {
        gr_check *c = gr_record_add_check(&r);
        assert_null(c->id);
        assert_null(c->message);
        assert_true(c->points == 0 && c->max == 0 && c->status == GR_PASSED);
        c->points = pts[i];
        c->id = ut_strdup("x");
    }
    assert_int_equal(r.nchecks, 2);
    gr_record_total(&r, 0.8);
    assert_true(r.score == 0.1 + 0.7);
    assert_true(r.passed);                         /* within 1e-9 of the mark */
    gr_record_total(&r, 0.81);
    assert_false(r.passed);
    r.checks[1].points = 0.69;
    gr_record_total(&r, 0.8);
    assert_false(r.passed);
    gr_record_total(&r, 0);
    assert_true(r.passed);
    gr_record_free(&r);
    assert_null(r.checks);
    assert_int_equal(r.nchecks, 0);
    gr_record_free(&r);                            /* an empty record, twice */
    gr_record_free(NULL);
}

/* ------------------------------------------------------------------------------------------- */
/* gr_clean_text */

static void test_clean_keeps_plain_text(void **state)
{
    (void)state;
    const char *plain = "abc XYZ 0-9 ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./\n\ttab";
    assert_clean(plain, strlen(plain), 0, plain);
    const char *utf8 = "é ✓ ✗ — … 😀 \xf4\x8f\xbf\xbf \xef\xbf\xbd \xee\x80\x80";
    assert_clean(utf8, strlen(utf8), 0, utf8);
    assert_clean(NULL, 5, 0, "");
    assert_clean("", 0, 0, "");
    assert_clean("abc", 0, 0, "");                /* len says how much to read */
    assert_clean("abcdef", 3, 0, "abc");
    assert_clean("\\x41", 4, 0, "\\x41");          /* a literal backslash stays itself */
}

static void test_clean_escapes_invalid_utf8(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } cases[] = {
        { INVALID_UTF8, "\\xFF\\xFE\\xC0\\xAF" },
        { "\xc0\x80", "\\xC0\\x80" },                        /* overlong NUL */
        { "\xe0\x80\xaf", "\\xE0\\x80\\xAF" },               /* overlong '/' */
        { "\xf0\x82\x82\xac", "\\xF0\\x82\\x82\\xAC" },      /* overlong euro sign */
        { "\xed\xa0\x80", "\\xED\\xA0\\x80" },               /* surrogate U+D800 */
        { "\xed\xbf\xbf", "\\xED\\xBF\\xBF" },               /* surrogate U+DFFF */
        { "\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80" },      /* U+110000 */
        { "\xf5\x80\x80\x80", "\\xF5\\x80\\x80\\x80" },
        { "\xe2\x82", "\\xE2\\x82" },                        /* truncated at the end */
        { "\xe2\x82" "A\xe2\x82\xac", "\\xE2\\x82" "A€" },   /* truncated, then a good one */
        { "\xf0\x9f\x98", "\\xF0\\x9F\\x98" },
        { "\x80\xbf", "\\x80\\xBF" },                        /* lone continuation bytes */
        { "\xef\xbf\xbe\xef\xbf\xbf", "\\xEF\\xBF\\xBE\\xEF\\xBF\\xBF" }, /* U+FFFE, U+FFFF */
        { "a\xc3(b", "a\\xC3(b" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_clean(cases[i].in, strlen(cases[i].in), 0, cases[i].want);
}

static void test_clean_control_characters(void **state)
{
    (void)state;
    assert_clean("a\r\nb\r\n", 6, 0, "a\nb\n");
    assert_clean("a\rb", 3, 0, "a\\x0Db");
    assert_clean("a\r", 2, 0, "a\\x0D");
    assert_clean("\r\r\n", 3, 0, "\\x0D\n");
    assert_clean("\x01\x1b[31m\x7f\x08\x0b\x0c\x1f", 11, 0, "\\x01\\x1B[31m\\x7F\\x08\\x0B\\x0C\\x1F");
    assert_clean("a\0b", 3, 0, "a\\x00b");         /* an embedded NUL, through len */
    assert_clean("\0", 1, 0, "\\x00");
    assert_clean("\xc2\x9b" "2J\xc2\x85\xc2\xa0", 8, 0, "\\x9B2J\\x85\xc2\xa0"); /* C1 escaped, NBSP kept */
    assert_clean("\n\t", 2, 0, "\n\t");
}

static void test_clean_caps_on_boundaries(void **state)
{
    (void)state;
    assert_clean("abcdef", 6, 6, "abcdef");        /* fits exactly: no ellipsis */
    assert_clean("abcdefg", 7, 6, "abcdef…");
    assert_clean("ééé", 6, 3, "é…");                /* é is 2 bytes: the second would not fit */
    assert_clean("ééé", 6, 4, "éé…");
    assert_clean("a😀", 5, 4, "a…");
    assert_clean("ab\x01" "c", 4, 4, "ab…");        /* an escape is kept whole or not at all */
    assert_clean("ab\x01" "c", 4, 6, "ab\\x01…");
    assert_clean("\xff", 1, 2, "…");
    assert_clean("a\r\nb", 4, 2, "a\n…");         /* \r\n counts as the one byte it becomes */
    char *s = gr_clean_text("ab\xff", 3, 3);
    assert_true(is_clean(s, strlen(s)));
    free(s);
}

static void test_clean_megabyte_output(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) big[i] = "é\xff\r\n\0x"[i % 7];
    size_t cap = 64 * 1024;
    char *c = gr_clean_text(big, n, cap);
    size_t len = strlen(c);
    assert_true(len <= cap + strlen("…"));
    assert_true(len > cap - 4);
    assert_string_equal(c + len - strlen("…"), "…");
    assert_true(is_clean(c, len));
    free(c);
    c = gr_clean_text(big, n, 0);                  /* no cap: everything, escaped */
    assert_true(strlen(c) > n);
    assert_true(is_clean(c, strlen(c)));
    free(c);
    free(big);
}

/* Random bytes, biased towards the interesting ones: the result is clean by the independent
 * validator, and cleaning it again changes nothing. */
static void test_clean_random_bytes_are_valid_and_idempotent(void **state)
{
    (void)state;
    static const unsigned char pool[] = { 0x00, 0x0a, 0x0d, 0x09, 0x1b, 0x7f, 0x80, 0x9b, 0xbf, 0xc0, 0xc2, 0xc3,
                                          0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 'a', '\\', 'x' };
    uint64_t seed = 0x9E3779B97F4A7C15u;
    char buf[64];
    for (int round = 0; round < 5000; round++) {
        size_t len = (size_t)(round % 64);
        for (size_t i = 0; i < len; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            buf[i] = (char)(seed % 3 ? pool[(seed >> 8) % sizeof pool] : (unsigned char)(seed >> 16));
        }
        size_t cap = round % 3 ? 0 : (size_t)(round % 40);
        char *once = gr_clean_text(buf, len, cap);
        if (!is_clean(once, strlen(once))) fail_msg("round %d: not clean: %s", round, once);
        if (cap) assert_true(strlen(once) <= cap + strlen("…"));
        char *twice = gr_clean_text(once, strlen(once), 0);
        assert_string_equal(once, twice);
        free(once);
        free(twice);
    }
}

/* ------------------------------------------------------------------------------------------- */
/* Usine's JSON */

static void test_json_round_trip(void **state)
{
    gr_record *r = *state;
    for (int with_error = 0; with_error < 2; with_error++) {
        if (with_error) set(&r->error, "attempt to index a nil value\n" HOSTILE_JSON);
        cJSON *o = gr_record_to_json(r);
        assert_non_null(o);
        assert_true(with_error ? cJSON_IsString(cJSON_GetObjectItem(o, "error")) : cJSON_IsNull(cJSON_GetObjectItem(o, "error")));
        assert_true(cJSON_IsBool(cJSON_GetObjectItem(o, "passed")));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "score")));
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        cJSON *back = cJSON_Parse(text);
        free(text);
        assert_non_null(back);
        gr_record got;
        char why[200] = "";
        assert_int_equal(gr_record_from_json(back, &got, why, sizeof why), 0);
        cJSON_Delete(back);
        assert_records_equal(r, &got);
        assert_true(with_error ? got.error != NULL : got.error == NULL);
        gr_record_free(&got);
    }
}

/* Every key, removed or given the wrong type, is refused with a reason that names it. */
static void test_from_json_rejects_bad_records(void **state)
{
    gr_record *r = *state;
    static const char *const top[] = { "submission", "exercise", "lang", "score", "max", "passed",
                                       "error", "output", "time_s", "checks" };
    static const char *const check_keys[] = { "id", "title", "points", "max", "status", "message", "hint" };
    char why[200];
    gr_record got;
    for (int pass = 0; pass < 2; pass++) {
        int nkeys = pass ? 7 : 10;
        for (int k = 0; k < nkeys; k++) {
            for (int mode = 0; mode < 2; mode++) {            /* 0: missing, 1: wrong type */
                cJSON *o = gr_record_to_json(r);
                cJSON *where = pass ? cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 2) : o;
                const char *key = pass ? check_keys[k] : top[k];
                int was_number = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(where, key));
                cJSON_DeleteItemFromObjectCaseSensitive(where, key);
                if (mode) {
                    cJSON *bad = !strcmp(key, "checks") ? cJSON_CreateObject()
                                 : was_number        ? cJSON_CreateString("1")
                                                     : cJSON_CreateNumber(1);
                    cJSON_AddItemToObject(where, key, bad);
                }
                strcpy(why, "");
                gr_record_init(&got);
                if (gr_record_from_json(o, &got, why, sizeof why) != -1)
                    fail_msg("%s%s (%s) was accepted", pass ? "checks[2]." : "", key, mode ? "wrong type" : "missing");
                if (!strstr(why, key)) fail_msg("the reason \"%s\" does not name %s", why, key);
                if (pass && !strstr(why, "checks[2].")) fail_msg("the reason \"%s\" does not say which check", why);
                assert_null(got.submission);               /* left empty */
                assert_null(got.checks);
                cJSON_Delete(o);
            }
        }
    }
}

static void test_from_json_rejects_wrong_shapes(void **state)
{
    gr_record *r = *state;
    char why[200];
    gr_record got;
    cJSON *arr = cJSON_CreateArray();
    assert_int_equal(gr_record_from_json(arr, &got, why, sizeof why), -1);
    assert_true(strlen(why) > 0);
    cJSON_Delete(arr);
    assert_int_equal(gr_record_from_json(NULL, &got, NULL, 0), -1);   /* no reason asked */

    cJSON *o = gr_record_to_json(r);
    cJSON *st = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 1), "status");
    cJSON_SetValuestring(st, "bogus");
    assert_int_equal(gr_record_from_json(o, &got, why, sizeof why), -1);
    assert_non_null(strstr(why, "bogus"));
    assert_non_null(strstr(why, "checks[1].status"));
    cJSON_Delete(o);

    o = gr_record_to_json(r);
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(o, "checks"), 0, cJSON_CreateString("x"));
    assert_int_equal(gr_record_from_json(o, &got, why, sizeof why), -1);
    assert_non_null(strstr(why, "checks[0]"));
    cJSON_Delete(o);

    o = cJSON_Parse("{\"submission\":\"s\",\"exercise\":\"e\",\"lang\":\"en\",\"score\":1e999,\"max\":1,"
                    "\"passed\":true,\"error\":null,\"output\":\"\",\"time_s\":0,\"checks\":[]}");
    assert_non_null(o);
    assert_int_equal(gr_record_from_json(o, &got, why, sizeof why), -1);  /* infinite */
    assert_non_null(strstr(why, "score"));
    cJSON_ReplaceItemInObject(o, "score", cJSON_CreateNumber(1));
    assert_int_equal(gr_record_from_json(o, &got, why, sizeof why), 0);
    assert_int_equal(got.nchecks, 0);
    assert_null(got.error);
    gr_record_free(&got);
    cJSON_ReplaceItemInObject(o, "error", cJSON_CreateFalse());
    assert_int_equal(gr_record_from_json(o, &got, why, sizeof why), -1);
    assert_non_null(strstr(why, "error"));
    cJSON_Delete(o);
}

/* What a (possibly compromised) grading child sends is cleaned on the way in. */
static void test_from_json_cleans_strings(void **state)
{
    (void)state;
    const char *text = "{\"submission\":\"a\\u0001b\\r\\nc\",\"exercise\":\"\xff\xfe\",\"lang\":\"en\",\"score\":1,"
                       "\"max\":2,\"passed\":false,\"error\":\"x\\u001b[2J\\u0000y\",\"output\":\"\\u007f\","
                       "\"time_s\":0.5,\"checks\":[{\"id\":\"\\ud83d\\ude00\",\"title\":\"t\\rt\",\"points\":1,"
                       "\"max\":2,\"status\":\"failed\",\"message\":\"\xc0\xaf\",\"hint\":\"\\u0085\"}]}";
    cJSON *o = cJSON_Parse(text);
    assert_non_null(o);
    gr_record r;
    char why[200] = "";
    assert_int_equal(gr_record_from_json(o, &r, why, sizeof why), 0);
    cJSON_Delete(o);
    assert_string_equal(r.submission, "a\\x01b\nc");
    assert_string_equal(r.exercise, "\\xFF\\xFE");
    assert_string_equal(r.error, "x\\x1B[2J");               /* cJSON stops at the \u0000 */
    assert_string_equal(r.output, "\\x7F");
    assert_string_equal(r.checks[0].id, "😀");
    assert_string_equal(r.checks[0].title, "t\\x0Dt");
    assert_string_equal(r.checks[0].message, "\\xC0\\xAF");
    assert_string_equal(r.checks[0].hint, "\\x85");
    assert_int_equal(r.checks[0].status, GR_FAILED);
    assert_true(r.time_s == 0.5 && r.score == 1 && r.max == 2 && !r.passed);
    gr_record_free(&r);
}

static void test_jsonl_is_one_line_that_parses_back(void **state)
{
    gr_record *r = *state;
    set(&r->error, HOSTILE_JSON "\n\t\\");
    captured c = capture(F_JSONL, r);
    assert_true(c.len > 2);
    assert_int_equal(c.text[c.len - 1], '\n');
    assert_null(memchr(c.text, '\n', c.len - 1));
    assert_int_equal(strlen(c.text), c.len);
    cJSON *o = cJSON_Parse(c.text);
    assert_non_null(o);
    assert_string_equal(json_str(o, "error"), r->error);
    assert_string_equal(json_str(o, "output"), r->output);
    assert_true(json_num(o, "score") == 7.5);
    cJSON *k = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "checks"), 1);
    assert_string_equal(json_str(k, "message"), r->checks[1].message);
    assert_string_equal(json_str(k, "status"), "failed");
    assert_true(json_num(k, "max") == 2.5);
    gr_record back;
    assert_int_equal(gr_record_from_json(o, &back, NULL, 0), 0);
    assert_records_equal(r, &back);
    gr_record_free(&back);
    cJSON_Delete(o);
    free(c.text);
}

/* The journal reader over a buffer: records one a line, bad lines reported with their number,
 * blank lines skipped, a whole last record without its newline kept (and said so), a cut one
 * dropped; the optional keys come back as they went. */
typedef struct jseen { int lines[16], bad[16], nrec, nbad; double scores[16]; } jseen;

static void on_jline(void *ud, int line, gr_record *rec, const char *why)
{
    jseen *j = ud;
    if (rec) {
        assert_null(why);
        j->scores[j->nrec] = rec->score;
        j->lines[j->nrec++] = line;
        gr_record_free(rec);
    } else {
        assert_non_null(why);
        j->bad[j->nbad++] = line;
    }
}

static void test_journal_parse(void **state)
{
    gr_record *r = *state;
    r->machine_fault = 1;
    r->path_hex = ut_strdup("636166e9");
    r->content_hash = ut_strdup("0123456789abcdef");
    cJSON *o = gr_record_to_json(r);
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    gr_record back;
    o = cJSON_Parse(line);
    assert_int_equal(gr_record_from_json(o, &back, NULL, 0), 0);
    cJSON_Delete(o);
    assert_true(back.machine_fault);
    assert_string_equal(back.path_hex, "636166e9");
    assert_string_equal(back.content_hash, "0123456789abcdef");
    gr_record_free(&back);

    size_t n = strlen(line);
    char *buf = malloc(6 * n + 64);
    /* 1: record, 2: blank, 3: record + garbage, 4: not JSON, 5: record, 6: record without newline */
    int len = sprintf(buf, "%s\n  \n%s GARBAGE\n{oops\n%s\r\n%s", line, line, line, line);
    jseen j = { 0 };
    int missing = 0;
    size_t keep = gr_journal_parse(buf, (size_t)len, on_jline, &j, &missing);
    assert_int_equal(j.nrec, 3);
    assert_int_equal(j.lines[0], 1);
    assert_int_equal(j.lines[1], 5);
    assert_int_equal(j.lines[2], 6);
    assert_int_equal(j.nbad, 2);
    assert_int_equal(j.bad[0], 3);
    assert_int_equal(j.bad[1], 4);
    assert_true(missing);
    assert_int_equal(keep, (size_t)len);
    /* The last line cut short: dropped, and kept out of the length to keep. */
    memset(&j, 0, sizeof j);
    keep = gr_journal_parse(buf, (size_t)len - 5, on_jline, &j, &missing);
    assert_int_equal(j.nrec, 2);
    assert_false(missing);
    assert_int_equal(keep, (size_t)len - n);
    /* A key that is not hex is refused. */
    memset(&j, 0, sizeof j);
    char *bad = strdup(line), *at = strstr(bad, "636166e9");
    at[0] = 'X';
    strcat(strcpy(buf, bad), "\n");
    gr_journal_parse(buf, strlen(buf), on_jline, &j, &missing);
    assert_int_equal(j.nbad, 1);
    free(bad);
    free(buf);
    free(line);
}

/* ------------------------------------------------------------------------------------------- */
/* Human text */

static void test_text_english(void **state)
{
    gr_record *r = *state;
    captured c = capture(F_TEXT, r);
    const char *t = c.text;
    assert_int_equal(strncmp(t, "cluster-size — submissions/alice & bob <1>.lua\n", strlen("cluster-size — submissions/alice & bob <1>.lua\n")), 0);
    assert_non_null(strstr(t, "\n  ✓ 2/2  Number of GPUs\n"));
    assert_non_null(strstr(t, "\n  ✗ 0/2.5  Bandwidth <ring> & \"tree\" — débit ✓\n      │ Grade :=>> 10\n      │ Comment :=>> x\n"));
    assert_non_null(strstr(t, "\n      Hint: Think of the ring: 2(n-1)/n\n      │ Grade :=>> 10\n"));
    assert_non_null(strstr(t, "\nProgram output (what the submission printed):\n    │ hello\n    │ Grade :=>> 10\n"));
    assert_non_null(strstr(t, "\n  ✓ 5.5/5.5  Step time\n"));
    assert_string_equal(t + c.len - strlen("Score: 7.5 / 10 (passed)\n"), "Score: 7.5 / 10 (passed)\n");
    assert_null(strstr(t, "Error"));
    assert_true(is_clean(t, c.len));
    free(c.text);

    r->passed = 0;
    set(&r->error, "out of memory\nin line 3");
    c = capture(F_TEXT, r);
    /* Why it did not run to the end comes first, before the checks. */
    assert_non_null(strstr(c.text, ".lua\nError: out of memory\n    │ in line 3\n  ✓ 2/2  Number of GPUs\n"));
    free(c.text);
}

static void test_text_french(void **state)
{
    gr_record *r = *state;
    captured c = capture(F_TEXT, r);
    assert_non_null(strstr(c.text, "\n  ✗ 0/2,5  Bande passante\n      │ Il manque un facteur 2.\n      Indice : Pensez à l'anneau.\n"));
    assert_non_null(strstr(c.text, "\nSortie du programme (ce que la soumission a affiché) :\n    │ hello\n"));
    assert_non_null(strstr(c.text, "\n  ✓ 5,5/5,5  Step time\n"));
    assert_non_null(strstr(c.text, "\nScore : 7,5 / 10 (réussi)\n"));
    free(c.text);
    r->passed = 0;
    set(&r->error, "délai dépassé");
    r->checks[0].points = 1.0 / 3;
    c = capture(F_TEXT, r);
    assert_non_null(strstr(c.text, "\n  ✓ 0,33/2  "));
    assert_non_null(strstr(c.text, ".lua\nErreur : délai dépassé\n  ✓ 0,33/2  "));
    assert_non_null(strstr(c.text, "\nScore : 7,5 / 10 (non réussi)\n"));
    free(c.text);
}

/* What a submission prints, raises or returns cannot pass for a check line or the score: the
 * only lines that start like a check ("  ✓ ", "  ✗ ") are the checks, the only one that starts
 * with "Score" is the last, and the output sits under its header, marked. */
#define SPOOF "\n  ✓ 3/3  Bandwidth\n  ✓ 5.5/5.5  Step time\nScore: 10 / 10 (passed)\n"
static void test_text_cannot_be_spoofed(void **state)
{
    gr_record *r = *state;
    set(&r->output, "real output" SPOOF);
    set(&r->error, "boom" SPOOF);
    set(&r->checks[1].message, "wrong" SPOOF);
    r->passed = 0;
    captured c = capture(F_TEXT, r);
    int checks = 0, scores = 0, last_is_score = 0;
    for (char *line = strtok(c.text, "\n"); line; line = strtok(NULL, "\n")) {
        checks += !strncmp(line, "  ✓ ", strlen("  ✓ ")) || !strncmp(line, "  ✗ ", strlen("  ✗ "));
        last_is_score = !strncmp(line, "Score", 5);
        scores += last_is_score;
    }
    assert_int_equal(checks, r->nchecks);
    assert_int_equal(scores, 1);
    assert_true(last_is_score);
    free(c.text);
    c = capture(F_TEXT, r);
    assert_non_null(strstr(c.text, "\nProgram output (what the submission printed):\n    │ real output\n    │   ✓ 3/3  Bandwidth\n"));
    assert_non_null(strstr(c.text, "\nScore: 7.5 / 10 (not passed)\n"));
    free(c.text);
}

/* Bidirectional overrides and isolates, zero-width characters, the BOM and the line separators
 * are shown as <U+XXXX> by gr_clean_text, and so in every format. */
#define BIDI "\xe2\x80\xae" "01/0" "\xe2\x81\xa6" "x" "\xe2\x81\xa9" "\xe2\x80\x8b" "\xef\xbb\xbf" "\xe2\x80\xa8" "\xe2\x80\x8f"
static void test_clean_neutralises_invisible_formatting(void **state)
{
    gr_record *r = *state;
    assert_clean(BIDI, strlen(BIDI), 0, "<U+202E>01/0<U+2066>x<U+2069><U+200B><U+FEFF><U+2028><U+200F>");
    assert_clean("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x81\xa7\xe2\x81\xa8\xe2\x80\x8c\xe2\x80\x8d\xe2\x80\x8e\xe2\x80\xa9",
                 30, 0, "<U+202A><U+202B><U+202C><U+202D><U+2067><U+2068><U+200C><U+200D><U+200E><U+2029>");
    assert_clean("\xe2\x80\x90 \xe2\x80\xa7", 7, 0, "\xe2\x80\x90 \xe2\x80\xa7");   /* U+2010, U+2027: kept */
    assert_clean("a" "\xe2\x80\xae", 4, 5, "a…");                 /* an escape is kept whole or not at all */
    /* A record whose strings were never cleaned, through every format. */
    free(r->output), r->output = ut_strdup("out " BIDI);
    free(r->error), r->error = ut_strdup("err " BIDI);
    free(r->checks[1].message), r->checks[1].message = ut_strdup("msg " BIDI);
    free(r->checks[1].title), r->checks[1].title = ut_strdup("title " BIDI);
    free(r->submission), r->submission = ut_strdup("sub " BIDI ".lua");
    for (fmt which = F_JSONL; which <= F_JUNIT; which++) {
        captured c = capture(which, r);
        char *text = c.text;
        char *decoded = which == F_CLASSROOM ? b64_decode(c.text, c.len - 1) : NULL;
        if (decoded) text = decoded;
        static const char *const bad[] = { "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9", "\xe2\x80\x8b",
                                           "\xef\xbb\xbf", "\xe2\x80\xa8", "\xe2\x80\x8f" };
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
            if (strstr(text, bad[k])) fail_msg("format %d let an invisible character through:\n%s", (int)which, text);
        assert_non_null(strstr(text, "U+202E"));
        free(decoded);
        free(c.text);
    }
}

/* ------------------------------------------------------------------------------------------- */
/* Moodle VPL */

static void test_vpl_hostile_text_stays_in_comments(void **state)
{
    gr_record *r = *state;
    captured c = capture(F_VPL, r);
    assert_vpl_safe(c.text, "7.5");
    assert_non_null(strstr(c.text, "\n- ✗ 0/2.5  Bandwidth <ring> & \"tree\" — débit ✓\n> Grade :=>> 10\n> Comment :=>> x\n> --|>\n> <|--\n"));
    assert_non_null(strstr(c.text, "\n> Hint: Think of the ring: 2(n-1)/n\n"));
    assert_non_null(strstr(c.text, "\n- Program output (what the submission printed):\n> hello\n> Grade :=>> 10\n"));
    assert_non_null(strstr(c.text, "\n- Score: 7.5 / 10 (passed)\n--|>\n"));
    free(c.text);

    /* A title that is itself an attack, and an error. */
    set(&r->checks[0].title, "-|>\nGrade :=>> 10");
    set(&r->error, "--|>\nGrade :=>> 10\n");
    c = capture(F_VPL, r);
    assert_vpl_safe(c.text, "7.5");
    assert_non_null(strstr(c.text, "<|--\n- Error\n> --|>\n> Grade :=>> 10\n- ✓ "));
    free(c.text);
}

static void test_vpl_raw_record(void **state)
{
    gr_record *r = *state;
    captured c = capture(F_VPL, r);
    assert_vpl_safe(c.text, "0");
    assert_true(is_clean(c.text, c.len));
    free(c.text);
}

static void test_vpl_grade_scaling(void **state)
{
    gr_record *r = *state;
    static const struct { double score, max, lo, hi; const char *want; } cases[] = {
        { 7.5, 10, 0, 10, "7.5" },
        { 7.5, 10, 2, 4, "3.5" },
        { 7.5, 10, 0, 20, "15" },
        { 1, 3, 0, 10, "3.33" },
        { 2, 3, 0, 10, "6.67" },
        { 2, 3, 0, 1, "0.67" },
        { 0.001, 10, 0, 10, "0" },
        { 3, 0, 1, 10, "1" },                       /* max 0: the minimum */
        { 0, 5, -5, 5, "-5" },
        { 1, 5, -5, 5, "-3" },
        { 0.4, 5, -1, 0, "-0.92" },
        { 12, 10, 0, 10, "10" },                    /* clamped */
        { 10, 10, 0, 100, "100" },
        { 9.996, 10, 0, 10, "10" },                 /* rounded to hundredths */
        { 0.1 + 0.2, 1, 0, 1, "0.3" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        r->score = cases[i].score, r->max = cases[i].max;
        captured c = capture_vpl(r, cases[i].lo, cases[i].hi);
        assert_vpl_safe(c.text, cases[i].want);
        free(c.text);
    }
    r->score = NAN;
    captured c = capture_vpl(r, 0, 10);
    assert_vpl_safe(c.text, "0");
    free(c.text);
}

/* Under a locale whose decimal mark is a comma, the formats still write '.'. Skipped where no such
 * locale is installed. The locale is restored before any assertion can fail. */
static void test_numbers_ignore_locale(void **state)
{
    gr_record *r = *state;
    static const char *const names[] = { "fr_FR.UTF-8", "fr_FR.utf8", "de_DE.UTF-8", "de_DE.utf8", "fr_FR", "de_DE" };
    const char *got = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !got; i++) got = setlocale(LC_NUMERIC, names[i]);
    if (!got) skip();
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 1.5);
    captured vpl = capture_vpl(r, 0, 10), json = capture(F_JSONL, r), gs = capture(F_GRADESCOPE, r),
             text = capture(F_TEXT, r), xml = capture(F_JUNIT, r);
    setlocale(LC_NUMERIC, "C");
    assert_string_equal(probe, "1,5");                  /* the locale did change printf */
    assert_vpl_safe(vpl.text, "7.5");
    assert_non_null(strstr(json.text, "\"max\":2.5"));
    assert_non_null(strstr(json.text, "\"time_s\":1.25"));
    assert_non_null(strstr(gs.text, "2.5"));
    assert_non_null(strstr(text.text, "Score: 7.5 / 10"));
    assert_non_null(strstr(xml.text, "time=\"1.25\""));
    free(vpl.text), free(json.text), free(gs.text), free(text.text), free(xml.text);
}

/* ------------------------------------------------------------------------------------------- */
/* Gradescope */

static void test_gradescope(void **state)
{
    gr_record *r = *state;
    captured c = capture(F_GRADESCOPE, r);
    cJSON *o = cJSON_Parse(c.text);
    assert_non_null(o);
    assert_true(json_num(o, "score") == 7.5);
    assert_true(json_num(o, "execution_time") == 1.25);
    assert_string_equal(json_str(o, "output"), "Score: 7.5 / 10 (passed)");
    assert_string_equal(json_str(o, "visibility"), "visible");
    assert_string_equal(json_str(o, "stdout_visibility"), "hidden");
    cJSON *tests = cJSON_GetObjectItem(o, "tests");
    assert_int_equal(cJSON_GetArraySize(tests), 3);
    static const char *const numbers[] = { "1", "2", "3" }, *const st[] = { "passed", "failed", "passed" };
    for (int i = 0; i < 3; i++) {
        cJSON *t = cJSON_GetArrayItem(tests, i);
        assert_true(json_num(t, "score") == r->checks[i].points);
        assert_true(json_num(t, "max_score") == r->checks[i].max);
        assert_string_equal(json_str(t, "name"), r->checks[i].title);
        assert_string_equal(json_str(t, "number"), numbers[i]);
        assert_string_equal(json_str(t, "visibility"), "visible");
        assert_string_equal(json_str(t, "status"), st[i]);
        cJSON *tags = cJSON_GetObjectItem(t, "tags");
        assert_int_equal(cJSON_GetArraySize(tags), 1);
        assert_string_equal(cJSON_GetArrayItem(tags, 0)->valuestring, r->checks[i].id);
    }
    char want[1024];
    snprintf(want, sizeof want, "%s\nHint: %s", r->checks[1].message, r->checks[1].hint);
    assert_string_equal(json_str(cJSON_GetArrayItem(tests, 1), "output"), want);
    assert_string_equal(json_str(cJSON_GetArrayItem(tests, 0), "output"), "");
    cJSON_Delete(o);
    free(c.text);
}

/* A submission that did not run to the end: every check listed, failed, with the error. */
static void test_gradescope_error_record(void **state)
{
    gr_record *r = *state;
    set(&r->error, "syntax error near 'end'\n" HOSTILE_JSON);
    for (int i = 0; i < r->nchecks; i++) {
        r->checks[i].status = GR_ERROR, r->checks[i].points = 0;
        set(&r->checks[i].message, "");
        set(&r->checks[i].hint, "");
    }
    gr_record_total(r, 0.5);
    captured c = capture(F_GRADESCOPE, r);
    cJSON *o = cJSON_Parse(c.text);
    assert_non_null(o);
    assert_true(json_num(o, "score") == 0);
    assert_non_null(strstr(json_str(o, "output"), r->error));
    assert_non_null(strstr(json_str(o, "output"), "(not passed)"));
    cJSON *tests = cJSON_GetObjectItem(o, "tests");
    assert_int_equal(cJSON_GetArraySize(tests), 3);
    for (int i = 0; i < 3; i++) {
        cJSON *t = cJSON_GetArrayItem(tests, i);
        assert_string_equal(json_str(t, "status"), "failed");
        assert_string_equal(json_str(t, "output"), r->error);
    }
    cJSON_Delete(o);
    free(c.text);
}

/* ------------------------------------------------------------------------------------------- */
/* GitHub Classroom */

static cJSON *decode_classroom(const captured *c)
{
    assert_true(c->len >= 5);
    assert_int_equal(c->text[c->len - 1], '\n');
    assert_null(memchr(c->text, '\n', c->len - 1));
    char *json = b64_decode(c->text, c->len - 1);
    cJSON *o = cJSON_Parse(json);
    if (!o) fail_msg("not JSON: %s", json);
    free(json);
    return o;
}

static void test_classroom(void **state)
{
    gr_record *r = *state;
    captured c = capture(F_CLASSROOM, r);
    cJSON *o = decode_classroom(&c);
    free(c.text);
    assert_true(json_num(o, "version") == 1);
    assert_string_equal(json_str(o, "status"), "pass");
    assert_true(json_num(o, "max_score") == 10);
    cJSON *tests = cJSON_GetObjectItem(o, "tests");
    assert_int_equal(cJSON_GetArraySize(tests), 3);
    cJSON *t = cJSON_GetArrayItem(tests, 1);
    assert_string_equal(json_str(t, "name"), r->checks[1].title);
    assert_string_equal(json_str(t, "status"), "fail");
    assert_non_null(strstr(json_str(t, "message"), HOSTILE_VPL));
    assert_true(json_num(t, "score") == 0);
    assert_string_equal(json_str(cJSON_GetArrayItem(tests, 0), "status"), "pass");
    assert_true(json_num(cJSON_GetArrayItem(tests, 2), "score") == 5.5);
    cJSON_Delete(o);

    r->passed = 0;
    c = capture(F_CLASSROOM, r);
    o = decode_classroom(&c);
    assert_string_equal(json_str(o, "status"), "fail");
    cJSON_Delete(o);
    free(c.text);

    set(&r->error, "killed: time limit");
    r->checks[2].status = GR_ERROR;
    c = capture(F_CLASSROOM, r);
    o = decode_classroom(&c);
    assert_string_equal(json_str(o, "status"), "error");
    /* A first test says why it did not run to the end; the checks follow. */
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tests"), 0);
    assert_string_equal(json_str(first, "name"), "Error");
    assert_string_equal(json_str(first, "status"), "error");
    assert_string_equal(json_str(first, "message"), "killed: time limit");
    assert_true(json_num(first, "score") == 0);
    assert_string_equal(json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tests"), 3), "status"), "error");
    cJSON_Delete(o);
    free(c.text);

    /* Padding: the JSON's length takes every value mod 3 as the title grows. */
    for (int k = 0; k < 6; k++) {
        char title[16];
        snprintf(title, sizeof title, "%.*s", k, "abcdef");
        set(&r->checks[0].title, title);
        c = capture(F_CLASSROOM, r);
        o = decode_classroom(&c);
        assert_string_equal(json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tests"), 1), "name"), title);
        cJSON_Delete(o);
        free(c.text);
    }
}

/* ------------------------------------------------------------------------------------------- */
/* JUnit XML */

static void test_junit_is_well_formed(void **state)
{
    gr_record *r = *state;
    gr_record *second = sample_record("en");
    set(&second->submission, "submissions/" HOSTILE_XML);
    second->checks[0].status = GR_ERROR, second->checks[0].points = 0;
    set(&second->checks[0].message, "attempt to call a nil value ]]>");
    set(&second->output, "");
    gr_record_total(second, 0.5);
    const gr_record *const rs[] = { r, second };
    captured c = capture_junit(rs, 2, "cluster-size <&>");
    xmlDoc *doc = parse_xml(&c);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "testsuites");
    assert_attr(root, "name", "cluster-size <&>");
    assert_attr(root, "tests", "6");
    assert_attr(root, "failures", "2");
    assert_attr(root, "errors", "1");
    assert_int_equal(count_children(root, "testsuite"), 2);

    xmlNode *s1 = child(root, "testsuite", 0), *s2 = child(root, "testsuite", 1);
    assert_attr(s1, "name", r->submission);
    assert_attr(s1, "tests", "3");
    assert_attr(s1, "failures", "1");
    assert_attr(s1, "errors", "0");
    assert_attr(s1, "skipped", "0");
    assert_attr(s1, "time", "1.25");
    assert_int_equal(count_children(s1, "testcase"), 3);
    xmlNode *tc = child(s1, "testcase", 1);
    assert_attr(tc, "name", "bw: Bandwidth <ring> & \"tree\" — débit ✓");
    assert_attr(tc, "classname", "cluster-size");
    xmlNode *f = child(tc, "failure", 0);
    assert_attr(f, "message", r->checks[1].message);   /* newlines, ]]>, & and quotes survive */
    assert_attr(f, "type", "failed");
    char want[1024];
    snprintf(want, sizeof want, "%s\nHint: %s", r->checks[1].message, r->checks[1].hint);
    assert_content(f, want);
    assert_null(child(child(s1, "testcase", 0), "failure", 0));
    assert_null(child(tc, "x", 0));
    assert_content(child(s1, "system-out", 0), r->output);

    assert_attr(s2, "name", second->submission);
    assert_attr(s2, "errors", "1");
    xmlNode *e = child(child(s2, "testcase", 0), "error", 0);
    assert_attr(e, "message", "attempt to call a nil value ]]>");
    assert_attr(e, "type", "error");
    assert_null(child(s2, "system-out", 0));
    xmlFreeDoc(doc);
    free(c.text);
    gr_record_free(second);
    free(second);
}

/* A crash before any check: the suite must not look green. */
static void test_junit_error_without_checks(void **state)
{
    (void)state;
    gr_record r;
    gr_record_init(&r);
    r.submission = cleaned("s.lua");
    r.exercise = cleaned("ex");
    r.lang = cleaned("en");
    r.output = cleaned("");
    r.error = cleaned("syntax error & <eof>");
    r.max = 3;
    const gr_record *rs[] = { &r };
    captured c = capture_junit(rs, 1, NULL);
    xmlDoc *doc = parse_xml(&c);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_attr(root, "name", "ex");                    /* NULL suite name: the exercise */
    assert_attr(root, "errors", "1");
    xmlNode *s = child(root, "testsuite", 0);
    assert_attr(s, "tests", "1");
    assert_attr(child(child(s, "testcase", 0), "error", 0), "message", "syntax error & <eof>");
    xmlFreeDoc(doc);
    free(c.text);

    c = capture_junit(rs, 0, "empty");                 /* no submissions at all */
    doc = parse_xml(&c);
    assert_attr(xmlDocGetRootElement(doc), "tests", "0");
    xmlFreeDoc(doc);
    free(c.text);
    gr_record_free(&r);
}

/* ------------------------------------------------------------------------------------------- */
/* Defences and errors */

/* A record nobody cleaned: every format still parses, and nothing unclean comes out. */
static void test_formatters_survive_raw_record(void **state)
{
    gr_record *r = *state;
    for (fmt which = F_JSONL; which <= F_JUNIT; which++) {
        captured c = capture(which, r);
        if (!is_clean(c.text, c.len)) fail_msg("format %d wrote unclean text:\n%s", (int)which, c.text);
        if (which == F_JSONL || which == F_GRADESCOPE) {
            cJSON *o = cJSON_Parse(c.text);
            assert_non_null(o);
            cJSON_Delete(o);
        } else if (which == F_CLASSROOM) {
            cJSON_Delete(decode_classroom(&c));
        } else if (which == F_JUNIT) {
            xmlDoc *doc = parse_xml(&c);
            xmlNode *suite = child(xmlDocGetRootElement(doc), "testsuite", 0);
            xmlNode *e = child(child(suite, "testcase", 1), "error", 0);   /* 0 is "run": the crash */
            xmlChar *m = xmlGetProp(e, BAD_CAST "message");
            assert_non_null(m);
            assert_non_null(strstr((const char *)m, HOSTILE_XML "\n" HOSTILE_VPL "\\x7F\\x08\\xFF"));
            xmlFree(m);
            xmlFreeDoc(doc);
        } else if (which == F_VPL) {
            assert_vpl_safe(c.text, "0");
        }
        free(c.text);
    }
}

/* /dev/full accepts nothing: stdio buffers the writes, and the flush fails. Every writer says so,
 * small output (caught at the flush) and large (caught while writing). */
static void test_writers_report_io_errors(void **state)
{
    gr_record *r = *state;
    char *big = malloc(200000);
    assert_non_null(big);
    memset(big, 'x', 199999);
    big[199999] = '\0';
    for (int size = 0; size < 2; size++) {
        if (size) set(&r->output, big), set(&r->checks[1].message, big);
        for (fmt which = F_JSONL; which <= F_JUNIT; which++) {
            FILE *f = fopen("/dev/full", "w");
            if (!f) skip();
            if (write_fmt(f, which, r) != -1) fail_msg("format %d did not report the error (size %d)", (int)which, size);
            fclose(f);
        }
    }
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_record_total_and_free),
        cmocka_unit_test(test_clean_keeps_plain_text),
        cmocka_unit_test(test_clean_escapes_invalid_utf8),
        cmocka_unit_test(test_clean_control_characters),
        cmocka_unit_test(test_clean_caps_on_boundaries),
        cmocka_unit_test(test_clean_megabyte_output),
        cmocka_unit_test(test_clean_random_bytes_are_valid_and_idempotent),
        cmocka_unit_test_setup_teardown(test_json_round_trip, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_rejects_bad_records, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_rejects_wrong_shapes, setup_en, teardown),
        cmocka_unit_test(test_from_json_cleans_strings),
        cmocka_unit_test_setup_teardown(test_jsonl_is_one_line_that_parses_back, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_journal_parse, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_text_english, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_text_french, setup_fr, teardown),
        cmocka_unit_test_setup_teardown(test_text_cannot_be_spoofed, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_clean_neutralises_invisible_formatting, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_vpl_hostile_text_stays_in_comments, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_vpl_raw_record, setup_raw, teardown),
        cmocka_unit_test_setup_teardown(test_vpl_grade_scaling, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_ignore_locale, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_gradescope, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_gradescope_error_record, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_classroom, setup_en, teardown),
        cmocka_unit_test_setup_teardown(test_junit_is_well_formed, setup_en, teardown),
        cmocka_unit_test(test_junit_error_without_checks),
        cmocka_unit_test_setup_teardown(test_formatters_survive_raw_record, setup_raw, teardown),
        cmocka_unit_test_setup_teardown(test_writers_report_io_errors, setup_en, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
