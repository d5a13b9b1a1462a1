/* bench_sim.c: speed of the discrete-event simulator. The yardsticks: a 1 GiB ring
 * all-reduce over 1,024 GPUs of Jean Zay's H100 partition, goal under 0.3 s of wall time, and over
 * 16,384 GPUs (JUPITER), under 3 s; then the other algorithms at the same scale, and a contended
 * all-to-all. Each case runs twice: as the simulator runs by default ("replay": collectives alone on
 * their links in closed form, ds_set_replay) and with every message a flow ("flows"); "closed" and
 * "handed" count the collectives that ran in closed form to the end and those handed back to the
 * flows. The two simulated times agree (tests/test_sim.c checks it). Prints figures; asserts nothing.
 * "work" is ds_stats.work (events and the network's flow-link visits), what the Lua library caps
 * per call and charges to a submission's budget (LB_SIM_MAX_WORK, LB_WORK_INSTRUCTIONS in
 * scripting/lb_int.h); "ns/work" is what a unit costs on this machine.
 * Run with 'make bench' from the repository root. */
#include <stdio.h>
#include <time.h>

#include "ds.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bench1(const plat_platform *p, int part, int gpus, coll_op op, coll_algo algo, double bytes, int replay)
{
    char err[256];
    net *n = net_create(p, part, gpus, err, sizeof err);
    if (!n) { fprintf(stderr, "%s\n", err); return 1; }
    ds *s = ds_create(n, 0);
    ds_set_replay(s, replay);
    int t = ds_collective(s, op, algo, NULL, gpus, bytes, "bench", NULL, 0, err, sizeof err);
    if (t < 0) { fprintf(stderr, "%s\n", err); return 1; }
    double t0 = now_s();
    ds_stats st;
    ds_run(s, &st);
    double wall = now_s() - t0;
    coll_cost cost;
    ds_collective_cost(n, NULL, gpus, &cost);
    double closed = coll_closed_form_s(ds_collective_plan(s, t), &cost);
    printf("%-9s %-13s %-6s %6d %-6s %12.6f %10.3f %11llu %11llu %12llu %9.3f %8.1f %6llu %6llu\n", p->id, coll_op_name(op),
           coll_algo_name(algo), gpus, replay ? "replay" : "flows", st.end_s * 1e3, closed * 1e3, (unsigned long long)st.flows,
           (unsigned long long)st.events, (unsigned long long)st.work, wall, wall / st.work * 1e9,
           (unsigned long long)st.replayed, (unsigned long long)st.handed_back);
    ds_destroy(s);
    net_destroy(n);
    return 0;
}

/* Both ways; the message-by-message run only where it takes seconds, not minutes. */
static int bench(const plat_platform *p, int part, int gpus, coll_op op, coll_algo algo, double bytes)
{
    int rc = bench1(p, part, gpus, op, algo, bytes, 1);
    if (gpus <= 2048) rc |= bench1(p, part, gpus, op, algo, bytes, 0);
    return rc;
}

int main(void)
{
    plat_error err;
    plat_platform *jz = plat_load_file("assets/platforms/jean-zay.xml", &err);
    plat_platform *cl = plat_load_file("assets/platforms/classroom.xml", &err);
    plat_platform *ju = plat_load_file("assets/platforms/jupiter.xml", &err);
    if (!jz || !cl || !ju) { fprintf(stderr, "%s\n", err.msg); return 1; }
    int h100 = plat_find_partition(jz, "h100");
    double GiB = 1073741824.0;
    printf("%-9s %-13s %-6s %6s %-6s %12s %10s %11s %11s %12s %9s %8s %6s %6s\n", "platform", "op", "algo", "gpus", "mode",
           "sim ms", "alpha-beta", "messages", "events", "work", "wall s", "ns/work", "closed", "handed");
    int rc = bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_RING, GiB);   /* the yardstick */
    rc |= bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_TREE, GiB);
    rc |= bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_RHD, GiB);
    rc |= bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_HIER, GiB);
    rc |= bench(jz, h100, 1456, COLL_ALLREDUCE, COLL_HIER, GiB);
    rc |= bench(jz, h100, 256, COLL_ALLTOALL, COLL_DIRECT, GiB);
    rc |= bench(cl, 0, 128, COLL_ALLTOALL, COLL_DIRECT, GiB);
    rc |= bench(cl, 0, 128, COLL_ALLREDUCE, COLL_RING, GiB);
    rc |= bench(ju, 0, 2048, COLL_ALLREDUCE, COLL_RING, GiB);
    rc |= bench(ju, 0, 16384, COLL_ALLREDUCE, COLL_RING, GiB);   /* the second yardstick */
    plat_free(ju);
    plat_free(jz);
    plat_free(cl);
    return rc;
}
