/* cli.h: the `usine` command line. It sits on top of every layer: it parses arguments, finds the
 * installed or in-tree data (presets, translations), prints results as text or JSON, and maps
 * outcomes to exit statuses (0 success, 1 a failed check, 2 bad usage or bad input). */
#ifndef USINE_CLI_H
#define USINE_CLI_H

#include <stdio.h>
#include "plat.h"
#include "kn.h"
#include "app/app.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_BAD_INPUT = 2 };

/* Language, data folders, presets and numbers for people come from the application layer
 * (app/app.h), which the window shares; what follows is the command line's own. */

/* Load a platform given as a file path or a preset name ("jean-zay", "local"), by
 * app_find_platform's rule. Prints the error (with file and line) on stderr and returns NULL on
 * failure. The file read goes into path (may be NULL). */
plat_platform *cli_load_platform(const char *file_or_name, char *path, size_t path_size);
void cli_list_presets(FILE *out, const char *sep);    /* names of the shipped presets */

/* Messages: "usine: <what>" on stderr, one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_error_context(const char *what);  /* cli_error says "usine: WHAT: ..." until given NULL */
int cli_option_equals(const char *arg, size_t *name_len);   /* "--name=value": 1, and the length of "--name" */
char **cli_split_equals(int argc, char **argv, int *out_argc);   /* each "--name=value" as "--name" "value" (copies) */
void cli_free_args(int argc, char **argv);

int cli_parse_bytes(const char *s, double *out);      /* "64MiB", "1e9", "2GB": bytes; -1 if not a size */

/* Output for programs and for people. */
struct cJSON;
/* Every --json output is one object whose first key is "schema", the id of the contract it follows
 * ("usine.predict/1"); assets/schema/json/ has one JSON Schema file per id, and tests/test_schema.c
 * checks each output against its file. A new key in an output goes into that file too; a key that
 * changes meaning or goes away raises the version after the slash. */
void cli_print_json(struct cJSON *o, const char *schema);   /* o (an object) with "schema" first, indented on stdout, then freed */
/* Progress of a long run: on stderr, only when it is a terminal, rewritten in place. */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_done(void);                         /* clear the progress line */

int cmd_platform(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_stacks(int argc, char **argv);
int simulate_step(int argc, char **argv);

/* The real kernels (cmd_kernels.c, cmd_calibrate.c). */
int cmd_bench(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

/* The grader and the authors' tools (cmd_grade.c, on scripting/). */
int cmd_grade(int argc, char **argv);
int cmd_course(int argc, char **argv);

/* The desktop app: options parsed here (cmd_gui.c), the window run by ui_run / ui_screenshot. */
int cmd_gui(int argc, char **argv);
int cmd_screenshot(int argc, char **argv);

/* usine train --mpi (cmd_train_mpi.c, compiled only where mpicc was found: USINE_HAVE_MPI).
 * Trains the network of `c` data-parallel over MPI_COMM_WORLD for `steps` steps with `threads`
 * OpenMP threads per process (0: the node's cores shared out); prints the report (rank 0) as text
 * or JSON and returns an exit status. */
int train_mpi(const kn_mlp_config *c, int steps, int threads, int json, const char *platform);

/* The links a simulation kept busiest: bytes carried over capacity x the run's time, most first.
 * Printed as one line ("  busiest links  ..."), or added to a JSON object as "bottlenecks". */
struct net;
struct tl;
void cli_bottlenecks_print(const struct net *n, const struct tl *t, double end_s);
void cli_bottlenecks_json(struct cJSON *o, const struct net *n, const struct tl *t, double end_s);

/* What a simulation did, for people ("2,095,104 messages, 1 event, 1 collective in closed form")
 * and as JSON fields (messages, events, closed_form, handed_back). */
struct ds_stats;
void cli_sim_counts(char *buf, size_t size, const struct ds_stats *st);
void cli_sim_counts_json(struct cJSON *o, const struct ds_stats *st);

/* A scenario file (simulate collective --scenario, simulate step --background): collectives, one
 * per line, OP ALGO|- BYTES RANKS [START]. Read returns NULL after a "file:line: why" message;
 * add puts them into a simulator (CLI_OK, or CLI_BAD_INPUT after a message, past the caps on what
 * a run may send); report prints their table, or adds one object per collective to arr. */
typedef struct cli_scenario cli_scenario;
struct ds;
cli_scenario *cli_scenario_read(const char *path, long available);
void cli_scenario_free(cli_scenario *sc);
int cli_scenario_span(const cli_scenario *sc);        /* GPUs 0 .. the highest rank named */
int cli_scenario_count(const cli_scenario *sc);
int cli_scenario_add(cli_scenario *sc, struct ds *s);
void cli_scenario_report(const cli_scenario *sc, const struct net *n, struct ds *s, struct cJSON *arr);

#endif
