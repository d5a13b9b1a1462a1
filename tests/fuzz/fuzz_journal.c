/* fuzz_journal.c: the batch journal's reader under a fuzzer (`make fuzz`; libFuzzer's entry
 * point, so the same file runs under libFuzzer with clang, or under tests/fuzz/standalone.c with
 * gcc).
 *
 * Each input is a journal as `usine grade --resume` reads it (gr_journal_parse over a buffer).
 * Whatever the bytes, the reader must return without a sanitizer report; the length it keeps ends
 * on a line boundary; every record it hands over holds clean strings (gr_clean_text changes
 * nothing in them), keys of hex digits only, and survives a round trip through JSON unchanged;
 * and every output format writes it. Any violation aborts, which the fuzzer reports with the
 * input that caused it. */
#include "gr.h"

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_journal: invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_clean(const char *s)
{
    if (!s) return;
    char *again = gr_clean_text(s, strlen(s), 0);
    CHECK(strcmp(again, s) == 0);
    free(again);
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void check_record(const gr_record *r)
{
    check_clean(r->submission);
    check_clean(r->exercise);
    check_clean(r->lang);
    check_clean(r->error);
    check_clean(r->output);
    CHECK(!r->path_hex || strspn(r->path_hex, "0123456789abcdef") == strlen(r->path_hex));
    CHECK(!r->content_hash || strspn(r->content_hash, "0123456789abcdef") == strlen(r->content_hash));
    for (int i = 0; i < r->nchecks; i++) {
        check_clean(r->checks[i].id);
        check_clean(r->checks[i].title);
        check_clean(r->checks[i].message);
        check_clean(r->checks[i].hint);
        CHECK((unsigned)r->checks[i].status <= GR_ERROR);
    }
    cJSON *o = gr_record_to_json(r);
    CHECK(o);
    gr_record back;
    CHECK(gr_record_from_json(o, &back, NULL, 0) == 0);
    cJSON_Delete(o);
    CHECK(same(back.submission, r->submission) && same(back.path_hex, r->path_hex) &&
          same(back.content_hash, r->content_hash) && same(back.error, r->error) && same(back.output, r->output));
    CHECK(back.nchecks == r->nchecks && back.machine_fault == r->machine_fault && back.passed == r->passed);
    gr_record_free(&back);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f);
    CHECK(gr_write_text(f, r) == 0 && gr_write_vpl(f, r, 0, 10) == 0 && gr_write_gradescope(f, r) == 0 &&
          gr_write_classroom(f, r) == 0 && gr_write_jsonl(f, r) == 0);
    const gr_record *one[] = { r };
    CHECK(gr_write_junit(f, one, 1, NULL) == 0);
    fclose(f);
    free(text);
}

typedef struct seen { int records, bad, last_line; } seen;

static void on_line(void *ud, int line, gr_record *rec, const char *why)
{
    seen *s = ud;
    CHECK(line > s->last_line);
    s->last_line = line;
    if (!rec) {
        CHECK(why && *why);
        s->bad++;
        return;
    }
    CHECK(!why);
    s->records++;
    check_record(rec);
    gr_record_free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seen s = { 0, 0, 0 };
    int missing_newline = -1;
    size_t keep = gr_journal_parse((const char *)data, size, on_line, &s, &missing_newline);
    CHECK(keep <= size);
    CHECK(keep == 0 || keep == size || data[keep - 1] == '\n');
    CHECK(missing_newline == 0 || missing_newline == 1);
    if (missing_newline) CHECK(keep == size && size > 0 && data[size - 1] != '\n' && s.records > 0);
    return 0;
}
