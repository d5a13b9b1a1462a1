/* gr.h: grade records and the formats that grading platforms read.
 *
 * One record per graded submission feeds every output format: Usine's own JSON (one object per
 * line for a batch), human text, JUnit XML, Moodle VPL, Gradescope's results.json and GitHub
 * Classroom's base64 report (see ../shared/grading-formats.md). Records are also how a grading
 * child hands its result to the parent (gr_record_to_json / gr_record_from_json) and how a batch
 * resumes from its journal.
 *
 * Invariant: every string in a record is valid UTF-8 without control characters other than
 * newline and tab (gr_clean_text makes it so when the record is built), so a formatter never has
 * to think about what a submission printed: it cannot break the XML, the JSON, or a VPL line.
 * Records are deterministic: the same submission gives the same record on any machine, except
 * time_s, which formats print only where the platform asks for a time. */
#ifndef USINE_GR_H
#define USINE_GR_H

#include <stddef.h>
#include <stdio.h>

struct cJSON;

typedef enum gr_status {
    GR_PASSED,          /* the check passed: points = max */
    GR_FAILED,          /* the check ran and the answer is wrong */
    GR_ERROR            /* the check could not run: the submission raised, ran out of limits, died */
} gr_status;

typedef struct gr_check {
    char *id;           /* stable identifier from the exercise, e.g. "gpus" */
    char *title;        /* in the grading language */
    double points, max;
    gr_status status;
    char *message;      /* what went wrong, "" when passed; may hold several lines */
    char *hint;         /* the exercise's hint in the grading language, "" when passed */
} gr_check;

typedef struct gr_record {
    char *submission;   /* the path as given on the command line, cleaned: for display only */
    char *path_hex;     /* the exact bytes of that path, in lowercase hex: the journal's key; NULL: none */
    char *content_hash; /* hash of the text graded (grade_hash_text), hex; NULL: not read */
    char *exercise;     /* exercise id */
    char *lang;         /* "fr" or "en": the language of titles, messages and hints */
    char *seed;         /* the grading seed in decimal, as the checks drew their cases from it;
                           NULL: not recorded (a journal written before it was) */
    char *feedback;     /* "full", "hints" or "score": what the messages were allowed to say; NULL: not recorded */
    double score, max;
    int passed;         /* score reached the exercise's pass mark */
    char *error;        /* why the submission did not run to the end (syntax error, limit, crash);
                           NULL when it did */
    char *output;       /* what the submission printed (capped), "" when nothing */
    double time_s;      /* wall time of the grading of this submission (not deterministic) */
    int machine_fault;  /* the verdict says nothing about the submission (it could not be read, or
                           the machine was too busy to finish it within the wall-time guard):
                           a resumed batch grades it again */
    gr_check *checks;
    int nchecks;
} gr_record;

const char *gr_status_name(gr_status s);            /* "passed", "failed", "error" */
int gr_status_from_name(const char *name);          /* gr_status, or -1 */

/* Records. A record owns all its strings. */
void gr_record_init(gr_record *r);                  /* empty record: every pointer NULL, zeros */
void gr_record_free(gr_record *r);                  /* frees what it holds, leaves it empty; NULL is fine */
gr_check *gr_record_add_check(gr_record *r);        /* appends a zeroed check and returns it */
void gr_record_total(gr_record *r, double pass_fraction); /* score = sum of points; passed = score >= pass_fraction x max (within 1e-9) */

/* A copy of (text, len) that is valid UTF-8: each invalid byte becomes "\xNN" (four characters),
 * each control character other than \n and \t becomes "\xNN", \r\n becomes \n, and each invisible
 * formatting character (bidirectional overrides and isolates, zero-width characters, U+FEFF,
 * U+2028/U+2029) becomes a visible "<U+XXXX>". At most max_bytes
 * of the result are kept (cut on a character boundary, then "…" appended); max_bytes 0 = no cap.
 * text NULL gives "". The result is malloc'ed. */
char *gr_clean_text(const char *text, size_t len, size_t max_bytes);

/* Usine's JSON: {"submission", "exercise", "lang", "score", "max", "passed", "error" (null when
 * none), "output", "time_s", "checks": [{"id", "title", "points", "max", "status", "message",
 * "hint"}]}; "path_hex" and "content_hash" (strings of hex digits), "seed" (decimal, a string) and
 * "feedback" only when set, and "machine_fault": true only when set (absent reads as NULL and
 * false). from_json cleans every string it reads and returns -1 (with a reason) when a key is
 * missing or has the wrong type. */
/* The "schema" id of Usine's JSON record, its first key (assets/schema/json/grade.schema.json). */
#define GR_JSON_SCHEMA "usine.grade/1"
struct cJSON *gr_record_to_json(const gr_record *r);
int gr_record_from_json(const struct cJSON *o, gr_record *r, char *why, size_t why_size);
int gr_write_jsonl(FILE *out, const gr_record *r);  /* one line, no indentation; 0 or -1 (I/O error) */

/* A batch journal (JSON Lines, one record per line), read from memory. Each line that holds one
 * record and nothing else (but blanks) goes to fn with its line number (1-based) and rec (handed
 * over: fn owns it) and why NULL; each bad line (not JSON, not a record, text after the record)
 * goes to fn with rec NULL and why saying what is wrong. Blank lines are skipped. The last line
 * without a newline is a record if it is a whole one (then *missing_newline = 1: write "\n"
 * before appending), else a line cut short by a kill, reported to no one. Returns the length of
 * the journal that holds whole lines: what to keep when repairing it. */
typedef void (*gr_journal_fn)(void *ud, int line, gr_record *rec, const char *why);
size_t gr_journal_parse(const char *text, size_t len, gr_journal_fn fn, void *ud, int *missing_newline);

/* Human text in the record's language (why it did not run to the end, if so, then checks with ✓/✗, points, messages, hints, total). Text
 * that may come from the submission (messages, the error, what it printed, under a header of its
 * own) is printed on lines that start with "│ " after their indentation, so that nothing it
 * prints can pass for a check line or the score, which are the only lines without it. */
int gr_write_text(FILE *out, const gr_record *r);

/* Moodle VPL: comments between "<|--" and "--|>" (titles start with "-", submission text is
 * preformatted with ">" so that it can never start a line with "Grade :=>>", and what it printed
 * sits under the title "Program output"), then one line
 * "Grade :=>> X" with the score scaled to [grade_min, grade_max]. */
int gr_write_vpl(FILE *out, const gr_record *r, double grade_min, double grade_max);

/* Gradescope results.json for one submission: score, execution_time, output, visibility,
 * stdout_visibility, tests (score, max_score, name, number, output, tags, visibility, status). */
int gr_write_gradescope(FILE *out, const gr_record *r);

/* GitHub Classroom: the base64 of {"version":1,"status","max_score","tests":[{"name","status",
 * "message","score"}]} on one line. status: "pass" when the submission reached its pass mark,
 * "error" when it did not run to the end, else "fail". A record that did not run to the end has
 * a first test named "Error" ("Erreur") in error, with the record's error as its message. */
int gr_write_classroom(FILE *out, const gr_record *r);

/* JUnit XML (libxml2's writer) for a batch: one <testsuite> per submission (name = submission
 * path) inside <testsuites name=exercise>; one <testcase> per check (classname = exercise id,
 * name = check id and title); failed checks get <failure message type="failed">, errors
 * <error message type="error">, with the hint; the submission's output goes to <system-out>. A
 * record that did not run to the end starts with a testcase "run" whose <error> holds why. */
int gr_write_junit(FILE *out, const gr_record *const *records, int n, const char *suite_name);

#endif
