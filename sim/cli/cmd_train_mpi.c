/* cmd_train_mpi.c: `mpirun -np P usine train --mpi`: the network of `usine train` trained
 * data-parallel over MPI_COMM_WORLD, measured, and set against what the simulator predicts.
 *
 * Every process builds the same network from the same seed (so the weights start equal) and reads
 * its own shard of batches (kn_mlp_config.rank, .ranks). A step is: forward and backward on the
 * shard (kn_mlp_gradients), one MPI_Allreduce that sums the contiguous gradient buffer in place,
 * then the optimizer with the sum divided by P (kn_mlp_update). Because every process applies the
 * same averaged gradient to the same weights, the weights stay equal, and the held-out accuracy
 * measured by rank 0 is the accuracy of every process.
 *
 * The prediction is the simulator's, not a second measurement: compute is the step's exact FLOP
 * count at the rate of the step's own sgemm calls (kn_mlp_sgemm_rate, measured with every process
 * running, as in training), and communication is the closed form of a ring all-reduce of the
 * gradient bytes (coll_closed_form_s) with the alpha and B of a platform: `--platform`, else
 * `local` (this computer, written by `usine calibrate`). Without a usable platform the alpha and B
 * come from a ping-pong between ranks 0 and 1 measured here, which is what a calibration of the
 * node's interconnect would measure; see choose_cost().
 *
 * Compiled only where mpicc was found (the Makefile leaves this file out otherwise). Only rank 0
 * prints; every error is agreed on by all ranks before they return, so that none is left waiting
 * in a collective. */
#define _GNU_SOURCE   /* sched_getaffinity and the CPU_* macros */
#include "cli.h"
#include "coll.h"
#include "ds.h"
#include "net.h"
#include "util.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* Threads per process */

/* OpenMP threads for this process. An explicit request wins: usine train --threads (requested > 0),
 * else OMP_NUM_THREADS (how MPI+OpenMP jobs are usually told, srun's --cpus-per-task included).
 * Otherwise the cores are shared out so that processes x threads never
 * exceeds them: the cores of the union of the node's affinity masks divided by the processes on the
 * node, and never more than this process's own mask (mpirun binds each of 2 processes to one core
 * by default: dividing its one-core mask by 2 would be wrong, the union of 2 cores by 2 is right). */
static int choose_threads(MPI_Comm node, int node_ranks, int requested, int *node_cores, int *explicit_request)
{
    cpu_set_t own, all;
    CPU_ZERO(&own);
    if (sched_getaffinity(0, sizeof own, &own) != 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        for (long i = 0; i < n && i < CPU_SETSIZE; i++) CPU_SET(i, &own);
    }
    MPI_Allreduce(&own, &all, (int)sizeof own, MPI_BYTE, MPI_BOR, node);
    int own_cores = CPU_COUNT(&own);
    *node_cores = CPU_COUNT(&all);

    const char *env = getenv("OMP_NUM_THREADS");
    int asked = requested > 0 ? requested : env && atoi(env) > 0 ? atoi(env) : 0;
    *explicit_request = asked > 0;
    if (*explicit_request) return asked;
    int share = *node_cores / node_ranks;
    if (share > own_cores) share = own_cores;
    return share > 0 ? share : 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Alpha and B for the prediction */

/* Half the round trip of `bytes`-byte messages between ranks 0 and 1, best of `reps` after one
 * warm-up; meaningful on rank 0 (other ranks return 0). */
static double half_round_trip_s(int rank, char *buf, int bytes, int reps)
{
    double best = INFINITY;
    for (int i = 0; i <= reps; i++) {
        double t0 = MPI_Wtime();
        if (rank == 0) {
            MPI_Send(buf, bytes, MPI_BYTE, 1, 7, MPI_COMM_WORLD);
            MPI_Recv(buf, bytes, MPI_BYTE, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            MPI_Recv(buf, bytes, MPI_BYTE, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, bytes, MPI_BYTE, 0, 7, MPI_COMM_WORLD);
        }
        double t = (MPI_Wtime() - t0) / 2;
        if (i > 0 && t < best) best = t;
    }
    return rank == 0 ? best : 0;
}

typedef struct prediction_basis {
    coll_cost cost;
    int measured;                /* 1: alpha and B from the ping-pong, 0: from the platform */
    char platform[64];           /* platform id (empty when measured) */
    char partition[64];
    char why[256];               /* when measured: why no platform was used (for people) */
} prediction_basis;

/* The platform's alpha and B as the simulator sees them: the network of its first partition that
 * holds `ranks` accelerators, ranks placed on consecutive accelerators (ds_collective_cost).
 * Returns -1 when no partition can hold them. */
static int platform_cost(const plat_platform *P, int ranks, prediction_basis *b)
{
    char err[256];
    for (int part = 0; part < P->npartitions; part++) {
        net *n = net_create(P, part, ranks, err, sizeof err);
        if (!n) continue;
        ds_collective_cost(n, NULL, ranks, &b->cost);
        net_destroy(n);
        ut_strlcpy(b->platform, P->id, sizeof b->platform);
        ut_strlcpy(b->partition, P->partitions[part].id, sizeof b->partition);
        return 0;
    }
    return -1;
}

/* Where the alpha and B of the prediction come from. With --platform, that platform (a bad name or
 * file is an error, status 2). Without, `local` when `usine calibrate` has written it. When neither
 * gives a network for these ranks, this node is measured: alpha is half the round trip of an
 * 8-byte message between ranks 0 and 1, B is the ring's message size (S/P) over half its round trip
 * less alpha. That is the Hockney alpha-beta model of the MPI library's own point-to-point path
 * (shared memory inside a node, the network across nodes), i.e. what the platform's scale-up or
 * network figures stand for; its bandwidth is not STREAM's, because an MPI transfer through shared
 * memory is one or two copies by one core, far below what all cores together can stream.
 * The closed form then adds what the model knows and the ping-pong does not: the ring's 2(P-1)
 * steps and its P simultaneous flows. Runs on every rank (the ping-pong needs ranks 0 and 1);
 * returns 0, or CLI_BAD_INPUT agreed by all ranks. */
static int choose_cost(int rank, int ranks, int node_ranks, const char *platform, double grad_bytes,
                       prediction_basis *b)
{
    memset(b, 0, sizeof *b);
    int status = 0;   /* rank 0 decides: 0 platform, 1 measure, 2 error */
    if (rank == 0) {
        plat_platform *P = NULL;
        char path[4096];
        if (platform && *platform) {
            P = cli_load_platform(platform, path, sizeof path);
            if (!P) status = 2;
        } else {
            char dir[4000];
            if (app_user_data_dir(dir, sizeof dir) == 0) {
                snprintf(path, sizeof path, "%s/local.xml", dir);
                if (access(path, R_OK) == 0) {
                    P = cli_load_platform("local", NULL, 0);
                    if (!P) status = 2;
                }
            }
            if (!P && status == 0) {
                status = 1;
                snprintf(b->why, sizeof b->why, "%s",
                         _("no platform 'local' yet ('usine calibrate' writes it), so alpha and B were measured now"));
            }
        }
        if (P && ranks > 1 && platform_cost(P, ranks, b) != 0) {
            status = 1;
            snprintf(b->why, sizeof b->why, _("platform '%s' has no partition with %d accelerators, so alpha and B were measured now"),
                     P->id, ranks);
        } else if (P && ranks == 1) {
            ut_strlcpy(b->platform, P->id, sizeof b->platform);
        }
        plat_free(P);
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status == 2) return CLI_BAD_INPUT;
    if (status == 0 || ranks < 2) return 0;

    b->measured = 1;
    double msg = ceil(grad_bytes / ranks);
    int msg_bytes = msg < 8 ? 8 : msg > INT_MAX ? INT_MAX : (int)msg;
    char *buf = ut_calloc((size_t)msg_bytes, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    double alpha = half_round_trip_s(rank, buf, 8, 200);
    double t_msg = half_round_trip_s(rank, buf, msg_bytes, 20);
    free(buf);
    if (rank == 0) {
        double beta_s = t_msg - alpha > 0 ? t_msg - alpha : t_msg;
        double B = msg_bytes / beta_s;
        b->cost = (coll_cost){ .alpha_intra_s = alpha, .bw_intra_Bps = B, .alpha_inter_s = alpha, .bw_inter_Bps = B,
                               .bw_inter_all_Bps = B, .ranks_per_node = node_ranks };
    }
    return 0;
}

/* Closed form of a ring all-reduce of `bytes` over `ranks` with the cost `k` (0 for one rank). */
static double ring_allreduce_s(int ranks, double bytes, const coll_cost *k, char *formula, size_t size)
{
    formula[0] = '\0';
    if (ranks < 2) return 0;
    coll_plan plan;
    char err[256];
    if (coll_plan_init(&plan, COLL_ALLREDUCE, COLL_RING, ranks, bytes, k, err, sizeof err) != 0) return NAN;
    double t = coll_closed_form_s(&plan, k);
    ut_strlcpy(formula, coll_formula(&plan), size);
    coll_plan_free(&plan);
    return t;
}

/* ------------------------------------------------------------------------------------------ */
/* Report */

typedef struct report {
    int ranks, nodes, threads, node_cores, steps, timed_steps;
    kn_mlp_config cfg;
    size_t params;
    double grad_bytes;
    double loss_first, loss_last, accuracy;
    double step_s, compute_s, comm_s, busbw_Bps;
    double samples_per_s, gflops, step_flops;
    double sgemm_gflops;
    double pred_compute_s, pred_comm_s, pred_step_s, pred_busbw_Bps;
    char formula[96];
    prediction_basis basis;
} report;

static double diff_pct(double measured, double predicted) { return (predicted - measured) / measured * 100; }

static const char *signed_pct(char *buf, size_t size, double pct)
{
    char n[48];
    if (!isfinite(pct)) {
        ut_strlcpy(buf, "-", size);
        return buf;
    }
    snprintf(buf, size, "%s%s %%", pct > 0 ? "+" : "", app_num(n, sizeof n, pct, fabs(pct) < 10 ? 1 : 0));
    return buf;
}

static void print_row(const char *label, const char *measured, const char *predicted, const char *diff)
{
    char a[128], b[64], c[64];
    printf("  %s %s %s %s\n", ut_pad(a, sizeof a, label, 38), ut_pad(b, sizeof b, measured, 12),
           ut_pad(c, sizeof c, predicted, 12), diff);
}

static const char *gbs(char *buf, size_t size, double Bps)
{
    char n[48];
    snprintf(buf, size, "%s GB/s", app_num(n, sizeof n, Bps / 1e9, Bps < 1e10 ? 2 : 1));
    return buf;
}

/* A latency: app_time, or nanoseconds below a microsecond (simulated scale-up links are that fast). */
static const char *latency(char *buf, size_t size, double s)
{
    char n[48];
    if (s >= 1e-6) return app_time(buf, size, s);
    snprintf(buf, size, "%s ns", app_num(n, sizeof n, s * 1e9, 0));
    return buf;
}

static void print_text(const report *r)
{
    char a[64], b[64], c[64], d[64], e[64];
    const kn_mlp_config *k = &r->cfg;
    printf(_("Data-parallel training over MPI: %d processes on %d node(s), %d thread(s) each (%d cores on the first node), "
             "%d steps\n"),
           r->ranks, r->nodes, r->threads, r->node_cores, r->steps);
    printf(_("  network %d -> %d x %d -> %d, %s parameters; batch %d per process, %d in all; %s\n"), k->inputs, k->width,
           k->layers, k->classes, app_num(a, sizeof a, (double)r->params, 0), k->batch, k->batch * r->ranks,
           k->optimizer == KN_ADAM ? "Adam" : "SGD");
    printf(_("  loss (mean over processes): first %s, last %s; held-out accuracy %s %%\n"), app_num(a, sizeof a, r->loss_first, 4),
           app_num(b, sizeof b, r->loss_last, 4), app_num(c, sizeof c, r->accuracy * 100, 1));
    printf(_("  %s samples/s, %s GFLOP/s in all (exact count from the layer shapes)\n"), app_num(a, sizeof a, r->samples_per_s, 0),
           app_num(b, sizeof b, r->gflops, 1));
    if (r->timed_steps < r->steps) printf("%s", _("  Times are means per step over the steps after the first.\n"));
    printf("\n");
    print_row("", _("measured"), _("predicted"), _("difference"));
    print_row(_("step"), app_time(a, sizeof a, r->step_s), app_time(b, sizeof b, r->pred_step_s),
              signed_pct(c, sizeof c, diff_pct(r->step_s, r->pred_step_s)));
    print_row(_("  compute (forward+backward+update)"), app_time(a, sizeof a, r->compute_s),
              app_time(b, sizeof b, r->pred_compute_s), signed_pct(c, sizeof c, diff_pct(r->compute_s, r->pred_compute_s)));
    if (r->ranks > 1) { /* one process has nothing to reduce: no row to compare */
        snprintf(d, sizeof d, _("  all-reduce of %s"), app_bytes(e, sizeof e, r->grad_bytes));
        print_row(d, app_time(a, sizeof a, r->comm_s), app_time(b, sizeof b, r->pred_comm_s),
                  signed_pct(c, sizeof c, diff_pct(r->comm_s, r->pred_comm_s)));
        print_row(_("  its bus bandwidth"), gbs(a, sizeof a, r->busbw_Bps), gbs(b, sizeof b, r->pred_busbw_Bps),
                  signed_pct(c, sizeof c, diff_pct(r->busbw_Bps, r->pred_busbw_Bps)));
    }
    printf("\n");
    printf(_("Prediction: compute = %s GFLOP per step at %s GFLOP/s, the step's own sgemm calls timed on every process "
             "at once (mean);\n"),
           app_num(a, sizeof a, r->step_flops / 1e9, 3), app_num(b, sizeof b, r->sgemm_gflops, 1));
    if (r->ranks < 2) {
        printf("%s", _("communication = none with one process.\n"));
        return;
    }
    printf(_("  communication = ring all-reduce %s, a = %s, B = %s per flow, "), r->formula,
           latency(a, sizeof a, r->basis.cost.alpha_intra_s), gbs(b, sizeof b, r->basis.cost.bw_intra_Bps));
    if (r->basis.measured)
        printf(_("from an MPI ping-pong between ranks 0 and 1\n  (%s).\n"), r->basis.why);
    else
        printf(_("from platform '%s', partition '%s' (simulated network, ranks on consecutive accelerators).\n"),
               r->basis.platform, r->basis.partition);
    printf("%s", _("Bus bandwidth = 2 (P-1)/P x bytes / time, as NCCL-tests count it. The measured all-reduce includes "
                   "waiting for the slowest process.\n"));
}

static void print_json(const report *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "ranks", r->ranks);
    cJSON_AddNumberToObject(o, "nodes", r->nodes);
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "steps", r->steps);
    cJSON_AddNumberToObject(o, "timed_steps", r->timed_steps);
    cJSON_AddNumberToObject(o, "batch", r->cfg.batch);
    cJSON_AddNumberToObject(o, "params", (double)r->params);
    cJSON_AddNumberToObject(o, "grad_bytes", r->grad_bytes);
    cJSON_AddNumberToObject(o, "loss_first", r->loss_first);
    cJSON_AddNumberToObject(o, "loss_last", r->loss_last);
    cJSON_AddNumberToObject(o, "accuracy", r->accuracy);
    cJSON_AddNumberToObject(o, "samples_per_s", r->samples_per_s);
    cJSON_AddNumberToObject(o, "gflops", r->gflops);
    cJSON_AddNumberToObject(o, "step_flops", r->step_flops);
    cJSON_AddNumberToObject(o, "step_s", r->step_s);
    cJSON_AddNumberToObject(o, "compute_s", r->compute_s);
    cJSON_AddNumberToObject(o, "comm_s", r->comm_s);
    cJSON_AddNumberToObject(o, "busbw_gbs", r->busbw_Bps / 1e9);
    cJSON_AddNumberToObject(o, "sgemm_gflops", r->sgemm_gflops);
    cJSON_AddNumberToObject(o, "predicted_step_s", r->pred_step_s);
    cJSON_AddNumberToObject(o, "predicted_compute_s", r->pred_compute_s);
    cJSON_AddNumberToObject(o, "predicted_comm_s", r->pred_comm_s);
    cJSON_AddNumberToObject(o, "predicted_busbw_gbs", r->pred_busbw_Bps / 1e9);
    cJSON_AddNumberToObject(o, "step_error_pct", diff_pct(r->step_s, r->pred_step_s));
    cJSON_AddNumberToObject(o, "compute_error_pct", diff_pct(r->compute_s, r->pred_compute_s));
    if (r->ranks > 1) {
        cJSON_AddNumberToObject(o, "comm_error_pct", diff_pct(r->comm_s, r->pred_comm_s));
        cJSON_AddNumberToObject(o, "alpha_s", r->basis.cost.alpha_intra_s);
        cJSON_AddNumberToObject(o, "bw_gbs", r->basis.cost.bw_intra_Bps / 1e9);
        cJSON_AddStringToObject(o, "comm_basis", r->basis.measured ? "pingpong" : "platform");
        if (!r->basis.measured) {
            cJSON_AddStringToObject(o, "platform", r->basis.platform);
            cJSON_AddStringToObject(o, "partition", r->basis.partition);
        }
        cJSON_AddStringToObject(o, "formula", r->formula);
    }
    cli_print_json(o, "usine.train.mpi/1");
}

/* ------------------------------------------------------------------------------------------ */

/* Every rank returns the same status: `failed` is summed over the ranks first. */
static int agree(int failed)
{
    int any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any;
}

static int finish(int status, MPI_Comm node)
{
    fflush(stdout);
    fflush(stderr);
    if (node != MPI_COMM_NULL) MPI_Comm_free(&node);
    MPI_Finalize();
    return status;
}

int train_mpi(const kn_mlp_config *c, int steps, int threads, int json, const char *platform)
{
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        cli_error(_("MPI could not start; run under mpirun or srun"));
        return CLI_FAILED;
    }
    report r = { 0 };
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &r.ranks);
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    int node_rank = 0, node_ranks = 1;
    MPI_Comm_rank(node, &node_rank);
    MPI_Comm_size(node, &node_ranks);
    int leader = node_rank == 0;
    MPI_Allreduce(&leader, &r.nodes, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);

    if (steps < 1) {
        if (rank == 0) cli_error(_("--steps %d: expected at least 1"), steps);
        return finish(CLI_BAD_INPUT, node);
    }

    int explicit_threads = 0;
    r.threads = choose_threads(node, node_ranks, threads, &r.node_cores, &explicit_threads);
    kn_set_threads(r.threads);
    int oversubscribed = r.threads * node_ranks > r.node_cores, any_over = 0;
    MPI_Allreduce(&oversubscribed, &any_over, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0 && any_over)
        fprintf(stderr, _("usine: %d processes x %d threads on %d cores: they will take turns, and the figures will show it\n"),
                node_ranks, r.threads, r.node_cores);

    r.cfg = *c;
    r.cfg.rank = rank;
    r.cfg.ranks = r.ranks;
    char err[256] = "";
    kn_mlp *m = kn_mlp_create(&r.cfg, err, sizeof err);
    size_t count = 0;
    float *grads = m ? kn_mlp_grad_buffer(m, &count) : NULL;
    int bad = !m || count > (size_t)INT_MAX;
    if (agree(bad)) {
        if (rank == 0)
            cli_error("%s", !m ? err : count > (size_t)INT_MAX ? _("the network has too many parameters for one MPI_Allreduce")
                                                                 : _("another process could not create the network"));
        kn_mlp_destroy(m);
        return finish(CLI_BAD_INPUT, node);
    }
    r.params = kn_mlp_params(m);
    r.grad_bytes = (double)count * sizeof(float);
    r.step_flops = kn_mlp_step_flops(m);
    r.steps = steps;

    if (choose_cost(rank, r.ranks, node_ranks, platform, r.grad_bytes, &r.basis) != 0) {
        kn_mlp_destroy(m);
        return finish(CLI_BAD_INPUT, node);
    }

    /* The sgemm rate with every process running, as they will in training. */
    MPI_Barrier(MPI_COMM_WORLD);
    double rate = kn_mlp_sgemm_rate(m, 0.5);
    MPI_Allreduce(&rate, &r.sgemm_gflops, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    r.sgemm_gflops /= r.ranks;

    /* Training. The first step pays for first touches and thread start-up: it is left out of the
     * times (not out of the losses) when there is more than one. */
    int warmup = steps > 1 ? 1 : 0;
    r.timed_steps = steps - warmup;
    double loss_first = 0, loss_last = 0, compute = 0, comm = 0, t_start = 0;
    int diverged = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    for (int s = 0; s < steps; s++) {
        if (s == warmup) t_start = MPI_Wtime();
        double t0 = MPI_Wtime();
        double loss = kn_mlp_gradients(m, NULL);
        double t1 = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, grads, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double t2 = MPI_Wtime();
        kn_mlp_update(m, r.ranks, NULL);
        double t3 = MPI_Wtime();
        if (s >= warmup) {
            compute += (t1 - t0) + (t3 - t2);
            comm += t2 - t1;
        }
        if (s == 0) loss_first = loss;
        loss_last = loss;
        if (!isfinite(loss)) diverged = 1;
    }
    double wall = MPI_Wtime() - t_start;
    double sums[4] = { loss_first, loss_last, compute, comm }, tot[4];
    MPI_Allreduce(sums, tot, 4, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double wall_max = 0;
    MPI_Allreduce(&wall, &wall_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (agree(diverged)) {
        if (rank == 0)
            cli_error(_("the loss stopped being a number: the learning rate %s is too high for this network"),
                      app_g((char[48]){ 0 }, 48, c->lr));
        kn_mlp_destroy(m);
        return finish(CLI_FAILED, node);
    }

    if (rank == 0) {
        r.loss_first = tot[0] / r.ranks;
        r.loss_last = tot[1] / r.ranks;
        r.compute_s = tot[2] / r.ranks / r.timed_steps;
        r.comm_s = tot[3] / r.ranks / r.timed_steps;
        r.step_s = wall_max / r.timed_steps;
        r.accuracy = kn_mlp_accuracy(m, NULL);
        r.samples_per_s = (double)r.cfg.batch * r.ranks / r.step_s;
        r.gflops = r.step_flops * r.ranks / r.step_s / 1e9;
        double busbw = coll_busbw_factor(COLL_ALLREDUCE, r.ranks);
        r.busbw_Bps = r.ranks > 1 && r.comm_s > 0 ? busbw * r.grad_bytes / r.comm_s : 0;
        r.pred_compute_s = r.step_flops / (r.sgemm_gflops * 1e9);
        r.pred_comm_s = ring_allreduce_s(r.ranks, r.grad_bytes, &r.basis.cost, r.formula, sizeof r.formula);
        r.pred_step_s = r.pred_compute_s + r.pred_comm_s;   /* this program does not overlap them */
        r.pred_busbw_Bps = r.ranks > 1 && r.pred_comm_s > 0 ? busbw * r.grad_bytes / r.pred_comm_s : 0;
        if (json)
            print_json(&r);
        else
            print_text(&r);
    }
    kn_mlp_destroy(m);
    return finish(CLI_OK, node);
}
