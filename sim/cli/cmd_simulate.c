/* cmd_simulate.c: `usine simulate collective ...`: one collective through the discrete-event
 * simulator, beside its alpha-beta closed form, with an optional Chrome trace. */
#include "cli.h"
#include "ds.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void simulate_usage(FILE *out)
{
    fprintf(out, _("Usage:\n"
                   "  usine simulate collective [--platform FILE|NAME] [--partition ID] --op OP [--algo ALGO]\n"
                   "                            --bytes N [--gpus N | --ranks LIST] [--nodes N] [--routing POLICY]\n"
                   "                            [--trace FILE.json] [--every-message] [--json]\n"
                   "  usine simulate collective [--platform FILE|NAME] [--partition ID] [--nodes N] [--routing POLICY]\n"
                   "                            --scenario FILE [--every-message] [--json]\n"
                   "LIST: the GPUs in rank order, such as 0-511, 0-1023:2 (every other) or 0,4,8,12.\n"
                   "FILE: collectives run at once, one per line: OP ALGO|- BYTES LIST [START], such as\n"
                   "      'allreduce ring 1GiB 0-255' and 'alltoall - 64MiB 0-511:2 10us' (# starts a comment).\n"
                   "OP: allreduce, reducescatter, allgather, alltoall, broadcast, p2p.\n"
                   "POLICY replaces the network's routing: dragonfly adaptive, minimal or valiant; fat tree spray, ecmp\n"
                   "or adaptive ('usine platform show' says each network's).\n"
                   "ALGO: ring, tree, rhd, hier (allreduce); ring, rhd (reducescatter, allgather); ring (broadcast);\n"
                   "      direct (alltoall, p2p). Default: ring, or direct.\n"
                   "N bytes: 1048576, 1e9, 256KiB, 64MiB, 1GiB, 1GB... (S, the buffer; for allgather the gathered one).\n"
                   "Default platform: classroom, its first partition, all its GPUs.\n"
                   "The trace opens in https://ui.perfetto.dev or chrome://tracing.\n"
                   "A collective alone on its links is computed in closed form, as its messages would move; the first\n"
                   "flow to squeeze one of its links hands it back to the flow-level simulation (its messages that\n"
                   "still have room move in closed form one by one), and it goes back into closed form once alone\n"
                   "again. --every-message makes every message a flow from the start (the same times, to rounding,\n"
                   "much slower: to compare or to time it).\n"
                   "  usine simulate step [the options of 'usine predict'] [--trace FILE.json] [--json]\n"));
}

static void label_link(const void *ctx, int link, char *buf, size_t size)
{
    net_link_label(ctx, link, buf, size);
}

/* How much a collective asks of the simulator. Each message is a flow started, routed and ended
 * (about a million a second); an alltoall starts all of its messages at once, and every rate
 * update then walks all of them, so its cost grows with the square of what is in flight. Past
 * these the run would take minutes: refuse it and say what to lower. */
#define SIM_MAX_MESSAGES   4000000L   /* a ring over about 1,400 GPUs; a few seconds */
#define SIM_MAX_AT_ONCE    262144L    /* an alltoall over 512 GPUs; a few seconds */
/* A collective alone on its links runs in closed form (ds_set_replay): a walk over its messages,
 * about 2 ns each; a ring over 16,384 GPUs is 537 million of them, a second. A detailed trace
 * records every message on every link, so it is held to the caps of the flows. */
#define SIM_MAX_CLOSED_FORM 2000000000LL
/* What a run may cost at most (ds_limit_work), in case contention hands closed forms back to the
 * flows: about 5 s on a 2-core laptop. */
#define SIM_MAX_WORK       150000000ULL

/* Messages of a plan, counted rank by rank and step by step (that walk is itself what the
 * simulator does at least, so it is refused past the cap before it is finished). -1: over cap. */
static long plan_messages(const coll_plan *plan, long cap)
{
    if ((long)plan->p * plan->steps > cap) return -1;
    coll_send *out = ut_malloc((size_t)coll_max_sends(plan) * sizeof *out);
    long total = 0;
    for (int r = 0; r < plan->p && total <= cap; r++)
        for (int step = 0; step < plan->steps && total <= cap; step++) total += coll_sends(plan, r, step, out);
    free(out);
    return total <= cap ? total : -1;
}

/* The largest GPU count, halving from gpus, whose plan fits the cap (0 if none does). */
static long gpus_that_fit(coll_op op, coll_algo algo, long gpus, double bytes, const coll_cost *cost, long cap)
{
    char err[256];
    for (long g = gpus / 2; g >= 2; g /= 2) {
        coll_plan plan;
        if (coll_plan_init(&plan, op, algo, (int)g, bytes, cost, err, sizeof err) != 0) continue;
        long m = plan_messages(&plan, cap);
        coll_plan_free(&plan);
        if (m >= 0) return g;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The busiest links of a run */

enum { BOTTLENECKS = 3 };

/* Up to BOTTLENECKS links by their use over the run, most first, the lower link first among uses
 * equal to rounding (bytes summed in another order must not change the list); returns how many
 * (use > 0.1 %). */
#define USE_EQUAL 1e-9
static int busiest(const net *n, const tl *t, double end_s, int *links, double *use)
{
    int k = 0;
    for (int l = 0; l < n->nlinks && end_s > 0; l++) {
        double u = tl_link_bytes(t, l) / (n->links[l].cap_Bps * end_s);
        if (!(u > 1e-3)) continue;
        int at = k < BOTTLENECKS ? k++ : BOTTLENECKS;
        if (at == BOTTLENECKS && u <= use[BOTTLENECKS - 1] * (1 + USE_EQUAL)) continue;
        if (at == BOTTLENECKS) at = BOTTLENECKS - 1;
        while (at > 0 && use[at - 1] * (1 + USE_EQUAL) < u) links[at] = links[at - 1], use[at] = use[at - 1], at--;
        links[at] = l, use[at] = u;
    }
    return k;
}

void cli_bottlenecks_print(const net *n, const tl *t, double end_s)
{
    int links[BOTTLENECKS];
    double use[BOTTLENECKS];
    int k = busiest(n, t, end_s, links, use);
    if (!k) return;
    printf("%s", _("  busiest links "));
    for (int i = 0; i < k; i++) {
        char label[96], a[32];
        net_link_label(n, links[i], label, sizeof label);
        printf(_("%s%s %s %%"), i ? ", " : " ", label, app_num(a, sizeof a, 100 * use[i], 0));
    }
    printf("%s", _(" (bytes carried over capacity x time)\n"));
}

void cli_sim_counts(char *buf, size_t size, const ds_stats *st)
{
    char a[32], b[32], c[32], d[32];
    app_num(a, sizeof a, (double)st->flows, 0);
    app_num(b, sizeof b, (double)st->events, 0);
    int n = snprintf(buf, size, P_("%s messages, %s event", "%s messages, %s events", st->events), a, b);
    if (st->replayed && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, P_(", %s collective in closed form", ", %s collectives in closed form", st->replayed),
                      app_num(c, sizeof c, (double)st->replayed, 0));
    if (st->handed_back && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, P_(", %s handed back to the flows", ", %s handed back to the flows", st->handed_back),
                      app_num(d, sizeof d, (double)st->handed_back, 0));
    if (st->resumed && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, P_(", %s back in closed form", ", %s back in closed form", st->resumed),
                 app_num(d, sizeof d, (double)st->resumed, 0));
}

void cli_sim_counts_json(cJSON *o, const ds_stats *st)
{
    cJSON_AddNumberToObject(o, "messages", (double)st->flows);
    cJSON_AddNumberToObject(o, "events", (double)st->events);
    cJSON_AddNumberToObject(o, "closed_form", (double)st->replayed);
    cJSON_AddNumberToObject(o, "handed_back", (double)st->handed_back);
    cJSON_AddNumberToObject(o, "resumed", (double)st->resumed);
    cJSON_AddNumberToObject(o, "messages_alone", (double)st->parked);      /* of those running as flows: in closed form one by one */
    cJSON_AddNumberToObject(o, "messages_met", (double)st->unparked);      /* of those, made flows on the way */
}

void cli_bottlenecks_json(cJSON *o, const net *n, const tl *t, double end_s)
{
    int links[BOTTLENECKS];
    double use[BOTTLENECKS];
    int k = busiest(n, t, end_s, links, use);
    cJSON *arr = cJSON_AddArrayToObject(o, "bottlenecks");
    for (int i = 0; i < k; i++) {
        char label[96];
        net_link_label(n, links[i], label, sizeof label);
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "link", label);
        cJSON_AddNumberToObject(b, "use", use[i]);
        cJSON_AddNumberToObject(b, "bytes", tl_link_bytes(t, links[i]));
        cJSON_AddItemToArray(arr, b);
    }
}

/* --ranks: "0-511", "0-1023:2", "0,4,8" or a mix ("0-3,8-11"); each GPU once, all within [0, limit).
 * 0, or -1 with why in err. */
static int parse_ranks(const char *spec, long limit, int **out, int *count, char *err, size_t n)
{
    int *r = NULL;
    size_t cap = 0;
    int k = 0;
    const char *s = spec;
    char *seen = ut_calloc((size_t)(limit > 0 ? limit : 1), 1);
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a, step = 1;
        if (end == s || a < 0) goto bad;
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            if (end == s + 1 || b < a) goto bad;
            s = end;
            if (*s == ':') {
                step = strtol(s + 1, &end, 10);
                if (end == s + 1 || step < 1) goto bad;
                s = end;
            }
        }
        if (*s == ',') s++;
        else if (*s) goto bad;
        for (long g = a; g <= b; g += step) {
            if (g >= limit) {
                char gs[48], ls[48];
                snprintf(err, n, _("--ranks: GPU %s is beyond the partition's %s GPUs"), app_num(gs, sizeof gs, (double)g, 0),
                         app_num(ls, sizeof ls, (double)limit, 0));
                goto fail;
            }
            if (seen[g]) {
                snprintf(err, n, _("--ranks: GPU %ld is given twice"), g);
                goto fail;
            }
            seen[g] = 1;
            ut_grow(&r, &cap, (size_t)k + 1, sizeof *r);
            r[k++] = (int)g;
        }
    }
    if (k < 1) goto bad;
    free(seen);
    *out = r, *count = k;
    return 0;
bad:
    snprintf(err, n, _("--ranks takes GPUs such as 0-511, 0-1023:2 or 0,4,8 (ranges, a step after ':', commas), not '%s'"), spec);
fail:
    free(seen);
    free(r);
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* --scenario FILE: several collectives at once, one per line: OP ALGO|- BYTES RANKS [START] */

typedef struct scen_coll {
    int op, algo;
    double bytes, start_s;
    int *ranks, nranks, line;
    int task;
} scen_coll;

/* "0", "10us", "2.5ms", "1s": seconds, or -1. */
static double parse_start(const char *v)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || !(x >= 0) || x > 1e6) return -1;
    if (!strcmp(end, "") || !strcmp(end, "s")) return x;
    if (!strcmp(end, "ms")) return x * 1e-3;
    if (!strcmp(end, "us")) return x * 1e-6;
    if (!strcmp(end, "ns")) return x * 1e-9;
    return -1;
}

static void scen_free(scen_coll *c, int n)
{
    for (int i = 0; i < n; i++) free(c[i].ranks);
    free(c);
}

/* Read the file; 0, or -1 after a "file:line: why" message. */
static int scen_read(const char *path, long available, scen_coll **out, int *count)
{
    char *text, why[256], err[512];
    size_t len;
    *out = NULL, *count = 0;
    if (ut_read_file(path, 1 << 20, &text, &len, why, sizeof why) != 0) {
        cli_error(_("cannot read the scenario %s: %s"), path, why);
        return -1;
    }
    scen_coll *c = NULL;
    size_t cap = 0;
    int n = 0, lineno = 0, rc = 0;
    for (char *line = text, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *f[6];
        int nf = 0;
        for (char *tok = strtok(line, " \t\r"); tok && nf < 6; tok = strtok(NULL, " \t\r")) f[nf++] = tok;
        if (!nf) continue;
        if (nf < 4 || nf > 5) {
            cli_error(_("%s:%d: a collective is OP ALGO BYTES RANKS [START], such as 'allreduce ring 1GiB 0-255 10us'"), path,
                      lineno);
            rc = -1;
            break;
        }
        scen_coll k = { .line = lineno, .start_s = 0 };
        k.op = coll_op_from_name(f[0]);
        if (k.op < 0) {
            cli_error(_("%s:%d: unknown operation '%s' (allreduce, reducescatter, allgather, alltoall, broadcast, p2p)"), path,
                      lineno, f[0]);
            rc = -1;
            break;
        }
        k.algo = strcmp(f[1], "-") ? coll_algo_from_name(f[1]) : (int)coll_default_algo((coll_op)k.op);
        if (k.algo < 0) {
            cli_error(_("%s:%d: unknown algorithm '%s' (ring, tree, rhd, hier, direct, or - for the default)"), path, lineno, f[1]);
            rc = -1;
            break;
        }
        if (cli_parse_bytes(f[2], &k.bytes) != 0 || !(k.bytes >= 1) || k.bytes > 1e15) {
            cli_error(_("%s:%d: '%s' is not a size of 1 byte to 1 PB, such as 64MiB or 1e9"), path, lineno, f[2]);
            rc = -1;
            break;
        }
        if (parse_ranks(f[3], available, &k.ranks, &k.nranks, err, sizeof err) != 0) {
            cli_error("%s:%d: %s", path, lineno, err);
            rc = -1;
            break;
        }
        if (nf == 5 && (k.start_s = parse_start(f[4])) < 0) {
            cli_error(_("%s:%d: the start '%s' is not a time such as 0, 10us, 2.5ms or 1s"), path, lineno, f[4]);
            free(k.ranks);
            rc = -1;
            break;
        }
        ut_grow(&c, &cap, (size_t)n + 1, sizeof *c);
        c[n++] = k;
    }
    free(text);
    if (rc == 0 && n == 0) {
        cli_error(_("%s: no collective in the scenario (one per line: OP ALGO BYTES RANKS [START])"), path);
        rc = -1;
    }
    if (rc != 0) {
        scen_free(c, n);
        return -1;
    }
    *out = c, *count = n;
    return 0;
}

struct cli_scenario {
    char *path;
    scen_coll *c;
    int n;
};

cli_scenario *cli_scenario_read(const char *path, long available)
{
    cli_scenario *sc = ut_calloc(1, sizeof *sc);
    if (scen_read(path, available, &sc->c, &sc->n) != 0) {
        free(sc);
        return NULL;
    }
    sc->path = ut_strdup(path);
    return sc;
}

void cli_scenario_free(cli_scenario *sc)
{
    if (!sc) return;
    scen_free(sc->c, sc->n);
    free(sc->path);
    free(sc);
}

int cli_scenario_span(const cli_scenario *sc)
{
    int span = 1;
    for (int i = 0; i < sc->n; i++)
        for (int r = 0; r < sc->c[i].nranks; r++) span = sc->c[i].ranks[r] + 1 > span ? sc->c[i].ranks[r] + 1 : span;
    return span;
}

int cli_scenario_count(const cli_scenario *sc) { return sc->n; }

int cli_scenario_add(cli_scenario *sc, ds *s)
{
    scen_coll *c = sc->c;
    const char *path = sc->path;
    char err[512];
    long messages = 0;
    long long closed_messages = 0;
    for (int i = 0; i < sc->n; i++) {
        char label[32];
        snprintf(label, sizeof label, "#%d %s", i + 1, coll_op_name((coll_op)c[i].op));
        c[i].task = ds_collective_at(s, (coll_op)c[i].op, (coll_algo)c[i].algo, c[i].ranks, c[i].nranks, c[i].bytes,
                                     c[i].start_s, label, err, sizeof err);
        if (c[i].task < 0) {
            cli_error("%s:%d: %s", path, c[i].line, err);
            return CLI_BAD_INPUT;
        }
        long long closed = ds_collective_closed_form(s, c[i].task);
        long m = closed >= 0 ? 0 : plan_messages(ds_collective_plan(s, c[i].task), SIM_MAX_MESSAGES);
        if (closed >= 0 && (closed_messages += closed) > SIM_MAX_CLOSED_FORM) m = -1;
        if (m < 0 || (messages += m) > SIM_MAX_MESSAGES) {
            char a[64];
            cli_error(_("%s:%d: the scenario sends more than %s messages so far, which would take the simulator minutes: "
                        "fewer GPUs or collectives"), path, c[i].line, app_num(a, sizeof a, (double)SIM_MAX_MESSAGES, 0));
            return CLI_BAD_INPUT;
        }
    }
    return CLI_OK;
}

void cli_scenario_report(const cli_scenario *sc, const net *n, ds *s, cJSON *arr)
{
    const scen_coll *c = sc->c;
    char a[64], b[64], d[64], e[64], g[64];
    if (!arr) printf("%s", _("   #  operation      algo    bytes         GPUs       start         end       alone (closed form)\n"));
    for (int i = 0; i < sc->n; i++) {
        coll_cost cost;
        ds_collective_cost(n, c[i].ranks, c[i].nranks, &cost);
        double alone = coll_closed_form_s(ds_collective_plan(s, c[i].task), &cost);
        double t_start = ds_task_start_s(s, c[i].task), t_end = ds_task_end_s(s, c[i].task);
        if (arr) {
            cJSON *k = cJSON_CreateObject();
            cJSON_AddNumberToObject(k, "line", c[i].line);
            cJSON_AddStringToObject(k, "op", coll_op_name((coll_op)c[i].op));
            cJSON_AddStringToObject(k, "algo", coll_algo_name((coll_algo)c[i].algo));
            cJSON_AddNumberToObject(k, "bytes", c[i].bytes);
            cJSON_AddNumberToObject(k, "gpus", c[i].nranks);
            cJSON_AddNumberToObject(k, "start_s", t_start);
            cJSON_AddNumberToObject(k, "end_s", t_end);
            cJSON_AddNumberToObject(k, "time_s", t_end - t_start);
            cJSON_AddNumberToObject(k, "closed_form_s", alone);
            cJSON_AddItemToArray(arr, k);
        } else {
            printf("%4d  %-13s  %-6s  %-10s  %6s  %10s  %10s  %10s\n", i + 1, coll_op_name((coll_op)c[i].op),
                   coll_algo_name((coll_algo)c[i].algo), app_bytes(a, sizeof a, c[i].bytes), app_num(b, sizeof b, c[i].nranks, 0),
                   app_time(d, sizeof d, t_start), app_time(e, sizeof e, t_end), app_time(g, sizeof g, alone));
        }
    }
}

/* Run the scenario's collectives together on one network and say how each fared. */
static int run_scenario(const char *path, const plat_platform *p, int part, int routing, int json, int every)
{
    const plat_partition *pt = &p->partitions[part];
    long available = (long)pt->nodes * p->node_types[pt->node].accels_per_node;
    cli_scenario *sc = cli_scenario_read(path, available);
    if (!sc) return CLI_BAD_INPUT;
    int span = cli_scenario_span(sc), nc = sc->n;
    char err[512];
    net *n = net_create_routed(p, part, span, routing, err, sizeof err);
    if (!n) {
        cli_error("%s", err);
        cli_scenario_free(sc);
        return CLI_BAD_INPUT;
    }
    ds *s = ds_create(n, 0);
    ds_set_replay(s, !every);
    ds_limit_work(s, SIM_MAX_WORK);
    int rc = cli_scenario_add(sc, s);
    if (rc == CLI_OK) {
        double t0 = ut_now_s();
        ds_stats st;
        if (ds_run(s, &st) == 1) {
            char a[64];
            cli_error(_("%s: the collectives share links so much that every message must be simulated, which would take "
                        "minutes (stopped at %s of simulated time): fewer GPUs or collectives"),
                      path, app_time(a, sizeof a, st.end_s));
            ds_destroy(s);
            net_destroy(n);
            cli_scenario_free(sc);
            return CLI_BAD_INPUT;
        }
        double wall = ut_now_s() - t0;
        cJSON *o = json ? cJSON_CreateObject() : NULL, *arr = json ? cJSON_AddArrayToObject(o, "collectives") : NULL;
        char a[64], b[64];
        if (json) {
            cJSON_AddStringToObject(o, "platform", p->id);
            cJSON_AddStringToObject(o, "partition", pt->id);
            cJSON_AddStringToObject(o, "scenario", path);
        } else
            printf(_("%d collectives at once on %s/%s (%s GPUs, %s nodes), from %s\n"), nc, p->id, pt->id,
                   app_num(a, sizeof a, span, 0), app_num(b, sizeof b, n->nodes, 0), path);
        cli_scenario_report(sc, n, s, arr);
        if (json) {
            cJSON_AddNumberToObject(o, "makespan_s", st.end_s);
            cli_sim_counts_json(o, &st);
            cJSON_AddNumberToObject(o, "wall_s", wall);
            cli_bottlenecks_json(o, n, ds_timeline(s), st.end_s);
            cli_print_json(o, "usine.simulate.scenario/1");
        } else {
            char counts[256];
            cli_sim_counts(counts, sizeof counts, &st);
            printf(_("  all done at %s (discrete-event simulation: %s)\n"), app_time(a, sizeof a, st.end_s), counts);
            cli_bottlenecks_print(n, ds_timeline(s), st.end_s);
            printf(_("  wall time %s\n"), app_time(a, sizeof a, wall));
        }
    }
    ds_destroy(s);
    net_destroy(n);
    cli_scenario_free(sc);
    return rc;
}

/* The platform (a file or a preset), its partition (the first unless named), grown or shrunk to
 * --nodes, and --routing checked against its network; CLI_OK, or the status after a message (*p
 * is then NULL or the caller's to free). */
static int open_partition(const char *platform, const char *partition, long nodes, const char *routing_arg, plat_platform **pp,
                          int *part, int *routing)
{
    char err[512];
    *routing = -1;
    plat_platform *p = *pp = cli_load_platform(platform, NULL, 0);
    if (!p) return CLI_BAD_INPUT;
    *part = partition ? plat_find_partition(p, partition) : 0;
    if (*part < 0) {
        cli_error(_("platform '%s' has no partition '%s'; see 'usine platform show %s'"), p->id, partition, platform);
        return CLI_BAD_INPUT;
    }
    if (nodes && plat_resize_partition(p, *part, nodes, err, sizeof err) != 0) {   /* a what-if machine */
        cli_error("--nodes %ld: %s", nodes, err);
        return CLI_BAD_INPUT;
    }
    if (routing_arg && (*routing = plat_routing_parse(&p->networks[p->partitions[*part].network], routing_arg, err, sizeof err)) < 0) {
        cli_error("--routing: %s", err);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

static int simulate_collective(int argc, char **argv)
{
    const char *platform = "classroom", *partition = NULL, *op_name = NULL, *algo_name = NULL, *trace = NULL;
    const char *bytes_arg = NULL, *routing_arg = NULL, *ranks_arg = NULL, *scenario = NULL;
    long gpus = 0, nodes = 0;
    int json = 0, every = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--platform") ? &platform : !strcmp(a, "--partition") ? &partition
                          : !strcmp(a, "--op") ? &op_name : !strcmp(a, "--algo") ? &algo_name
                          : !strcmp(a, "--trace") ? &trace : !strcmp(a, "--bytes") ? &bytes_arg
                          : !strcmp(a, "--routing") ? &routing_arg : !strcmp(a, "--ranks") ? &ranks_arg
                          : !strcmp(a, "--scenario") ? &scenario : NULL;
        if (slot || !strcmp(a, "--gpus") || !strcmp(a, "--nodes")) {
            if (i + 1 >= argc) {
                cli_error(_("%s needs a value; see 'usine simulate --help'"), a);
                return CLI_BAD_INPUT;
            }
            const char *v = argv[++i];
            if (slot) *slot = v;
            else if (!strcmp(a, "--nodes")) {
                if (ut_parse_long(v, 1, PLAT_MAX_NODES_TOTAL, &nodes) != 0) {
                    cli_error(_("--nodes takes a whole number of nodes from 1 to %ld, not '%s'"), PLAT_MAX_NODES_TOTAL, v);
                    return CLI_BAD_INPUT;
                }
            } else if (ut_parse_long(v, 1, 100000000, &gpus) != 0) {
                cli_error(_("--gpus takes a whole number of at least 1, not '%s'"), v);
                return CLI_BAD_INPUT;
            }
        } else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--every-message")) every = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { simulate_usage(stdout); return CLI_OK; }
        else {
            cli_error(_("unknown argument '%s' for 'simulate collective'; see 'usine simulate --help'"), a);
            return CLI_BAD_INPUT;
        }
    }
    if (scenario && (op_name || algo_name || bytes_arg || ranks_arg || gpus || trace)) {
        cli_error("%s", _("--scenario gives the collectives (one per line: OP ALGO BYTES RANKS [START]): leave out --op, --algo, "
                          "--bytes, --ranks, --gpus and --trace"));
        return CLI_BAD_INPUT;
    }
    if (scenario) {
        plat_platform *p;
        int part, routing, rc = open_partition(platform, partition, nodes, routing_arg, &p, &part, &routing);
        if (rc == CLI_OK) rc = run_scenario(scenario, p, part, routing, json, every);
        plat_free(p);
        return rc;
    }
    if (!op_name) { cli_error(_("'simulate collective' needs --op (allreduce, reducescatter, allgather, alltoall, broadcast, p2p)")); return CLI_BAD_INPUT; }
    int op = coll_op_from_name(op_name);
    if (op < 0) { cli_error(_("unknown --op '%s' (allreduce, reducescatter, allgather, alltoall, broadcast, p2p)"), op_name); return CLI_BAD_INPUT; }
    int algo = algo_name ? coll_algo_from_name(algo_name) : (int)coll_default_algo((coll_op)op);
    if (algo < 0) { cli_error(_("unknown --algo '%s' (ring, tree, rhd, hier, direct)"), algo_name); return CLI_BAD_INPUT; }
    double bytes;
    if (!bytes_arg) { cli_error(_("'simulate collective' needs --bytes, such as --bytes 1GiB")); return CLI_BAD_INPUT; }
    if (cli_parse_bytes(bytes_arg, &bytes) != 0 || !(bytes >= 1) || bytes > 1e15) {
        cli_error(_("--bytes must be a size of at least 1 byte and at most 1 PB, such as 1048576, 64MiB or 1e9 (got '%s')"), bytes_arg);
        return CLI_BAD_INPUT;
    }

    plat_platform *p;
    int part, routing;
    if (open_partition(platform, partition, nodes, routing_arg, &p, &part, &routing) != CLI_OK) {
        plat_free(p);
        return CLI_BAD_INPUT;
    }
    char err[512];
    const plat_partition *pt = &p->partitions[part];
    long available = (long)pt->nodes * p->node_types[pt->node].accels_per_node;
    int *ranks = NULL, nranks = 0;
    if (ranks_arg) {
        if (gpus) {
            cli_error("%s", _("give --gpus or --ranks, not both: --ranks names the GPUs, in rank order"));
            plat_free(p);
            return CLI_BAD_INPUT;
        }
        if (parse_ranks(ranks_arg, available, &ranks, &nranks, err, sizeof err) != 0) {
            cli_error("%s", err);
            plat_free(p);
            return CLI_BAD_INPUT;
        }
    }
    if (!gpus) gpus = ranks ? nranks : available;
    int span = (int)gpus;                      /* the network holds GPUs 0 .. span - 1 */
    for (int i = 0; i < nranks; i++) span = ranks[i] + 1 > span ? ranks[i] + 1 : span;
    net *n = net_create_routed(p, part, span, routing, err, sizeof err);
    if (!n) {
        cli_error("%s", err);
        free(ranks);
        plat_free(p);
        return CLI_BAD_INPUT;
    }
    ds *s = ds_create(n, trace != NULL);
    ds_set_replay(s, !every);
    int task = ds_collective(s, (coll_op)op, (coll_algo)algo, ranks, (int)gpus, bytes, coll_op_name((coll_op)op), NULL, 0,
                             err, sizeof err);
    if (task < 0) {
        cli_error("%s", err);
        ds_destroy(s);
        net_destroy(n);
        free(ranks);
        plat_free(p);
        return CLI_BAD_INPUT;
    }
    {
        const coll_plan *plan = ds_collective_plan(s, task);
        long cap = op == COLL_ALLTOALL ? SIM_MAX_AT_ONCE : SIM_MAX_MESSAGES;
        long long closed = trace ? -1 : ds_collective_closed_form(s, task);
        if (closed > SIM_MAX_CLOSED_FORM || (closed < 0 && plan_messages(plan, cap) < 0)) {
            coll_cost cost;
            ds_collective_cost(n, ranks, (int)gpus, &cost);
            long fit = gpus_that_fit((coll_op)op, (coll_algo)algo, gpus, bytes, &cost, cap);
            char a[64], b[64], c[64];
            cli_error(_("%s (%s) over %s GPUs sends more than %s messages, which would take the simulator minutes: "
                        "lower --gpus (%s fit) or ask 'usine predict' for the closed form"),
                      coll_op_name((coll_op)op), coll_algo_name((coll_algo)algo), app_num(a, sizeof a, (double)gpus, 0),
                      app_num(b, sizeof b, (double)cap, 0), fit ? app_num(c, sizeof c, (double)fit, 0) : "2");
            ds_destroy(s);
            net_destroy(n);
            free(ranks);
            plat_free(p);
            return CLI_BAD_INPUT;
        }
    }
    double t0 = ut_now_s();
    ds_stats st;
    ds_limit_work(s, trace ? 0 : SIM_MAX_WORK);
    if (ds_run(s, &st) == 1) {
        char a[64];
        cli_error(_("%s (%s) over %s GPUs would take the simulator minutes, message by message: lower --gpus or ask "
                    "'usine predict' for the closed form"), coll_op_name((coll_op)op), coll_algo_name((coll_algo)algo),
                  app_num(a, sizeof a, (double)gpus, 0));
        ds_destroy(s);
        net_destroy(n);
        free(ranks);
        plat_free(p);
        return CLI_BAD_INPUT;
    }
    double wall = ut_now_s() - t0;
    const coll_plan *plan = ds_collective_plan(s, task);
    coll_cost cost;
    ds_collective_cost(n, ranks, (int)gpus, &cost);
    double closed = coll_closed_form_s(plan, &cost);
    double algbw = st.end_s > 0 ? bytes / st.end_s / 1e9 : 0;
    double busbw = algbw * coll_busbw_factor((coll_op)op, (int)gpus);

    int rc = CLI_OK;
    if (trace) {
        FILE *f = fopen(trace, "w");
        double *caps = ut_malloc((size_t)n->nlinks * sizeof *caps);
        for (int i = 0; i < n->nlinks; i++) caps[i] = n->links[i].cap_Bps;
        if (!f || tl_write_chrome_trace(ds_timeline(s), f, n->gpus_per_node, label_link, n, caps) != 0) {
            cli_error(_("cannot write the trace to '%s': %s"), trace, strerror(errno));
            rc = CLI_BAD_INPUT;
        }
        if (f && fclose(f) != 0 && rc == CLI_OK) {
            cli_error(_("cannot write the trace to '%s': %s"), trace, strerror(errno));
            rc = CLI_BAD_INPUT;
        }
        free(caps);
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "platform", p->id);
        cJSON_AddStringToObject(o, "partition", pt->id);
        cJSON_AddStringToObject(o, "op", coll_op_name((coll_op)op));
        cJSON_AddStringToObject(o, "algo", coll_algo_name((coll_algo)algo));
        cJSON_AddNumberToObject(o, "gpus", (double)gpus);
        cJSON_AddNumberToObject(o, "nodes", n->nodes);
        cJSON_AddNumberToObject(o, "bytes", bytes);
        cJSON_AddNumberToObject(o, "time_s", st.end_s);
        cJSON_AddNumberToObject(o, "closed_form_s", closed);
        cJSON_AddStringToObject(o, "formula", coll_formula(plan));
        cJSON_AddNumberToObject(o, "chunks", plan->chunks);
        cJSON_AddNumberToObject(o, "steps", plan->steps);
        cJSON_AddNumberToObject(o, "alpha_intra_s", cost.alpha_intra_s);
        cJSON_AddNumberToObject(o, "bw_intra_gbps", cost.bw_intra_Bps / 1e9);
        cJSON_AddNumberToObject(o, "alpha_inter_s", cost.alpha_inter_s);
        cJSON_AddNumberToObject(o, "bw_inter_gbps", cost.bw_inter_Bps / 1e9);
        cJSON_AddNumberToObject(o, "algbw_gbps", algbw);
        cJSON_AddNumberToObject(o, "busbw_gbps", busbw);
        cli_sim_counts_json(o, &st);
        cJSON_AddNumberToObject(o, "rate_updates", (double)st.rate_updates);
        cJSON_AddNumberToObject(o, "wall_s", wall);
        if (routing_arg) cJSON_AddStringToObject(o, "routing", routing_arg);
        cli_bottlenecks_json(o, n, ds_timeline(s), st.end_s);
        if (trace) cJSON_AddStringToObject(o, "trace", trace);
        cli_print_json(o, "usine.simulate.collective/1");
    } else {
        char a[64], b[64], c[64], d[64];
        printf(_("%s (%s) of %s over %s GPUs of %s/%s (%s nodes)\n"), coll_op_name((coll_op)op),
               coll_algo_name((coll_algo)algo), app_bytes(a, sizeof a, bytes), app_num(b, sizeof b, (double)gpus, 0),
               p->id, pt->id, app_num(c, sizeof c, n->nodes, 0));
        char counts[256];
        cli_sim_counts(counts, sizeof counts, &st);
        printf(_("  simulated     %s   (discrete-event simulation: %s)\n"), app_time(a, sizeof a, st.end_s), counts);
        printf(_("  closed form   %s   %s\n"), app_time(a, sizeof a, closed), coll_formula(plan));
        printf(_("                with a = %s and B = %s GB/s between nodes, a = %s and B = %s GB/s inside a node\n"),
               app_time(a, sizeof a, cost.alpha_inter_s), app_num(b, sizeof b, cost.bw_inter_Bps / 1e9, 1),
               app_time(c, sizeof c, cost.alpha_intra_s), app_num(d, sizeof d, cost.bw_intra_Bps / 1e9, 1));
        if (plan->chunks > 1) printf(_("                in K = %d pipelined chunks\n"), plan->chunks);
        double gap = closed > 0 ? (st.end_s - closed) / closed * 100 : 0;
        if (gap > 1)
            printf(_("                the simulation is %s %% slower: flows share links here (contention), which the closed form ignores\n"),
                   app_num(a, sizeof a, gap, 1));
        else if (gap < -1)
            printf(_("                the simulation is %s %% faster: the closed form counts every step at its slowest\n"),
                   app_num(a, sizeof a, -gap, 1));
        printf(_("  algbw %s GB/s, busbw %s GB/s (as NCCL's tests define them)\n"), app_num(a, sizeof a, algbw, 1),
               app_num(b, sizeof b, busbw, 1));
        cli_bottlenecks_print(n, ds_timeline(s), st.end_s);
        printf(_("  wall time %s\n"), app_time(a, sizeof a, wall));
        if (trace && rc == CLI_OK) printf(_("  trace: %s (open it in https://ui.perfetto.dev)\n"), trace);
    }
    ds_destroy(s);
    net_destroy(n);
    free(ranks);
    plat_free(p);
    return rc;
}

int cmd_simulate(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        simulate_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_BAD_INPUT : CLI_OK;
    }
    if (!strcmp(argv[1], "collective")) return simulate_collective(argc - 2, argv + 2);
    if (!strcmp(argv[1], "step")) return simulate_step(argc - 2, argv + 2);
    cli_error(_("unknown 'simulate' action '%s' (collective or step); see 'usine simulate --help'"), argv[1]);
    return CLI_BAD_INPUT;
}
