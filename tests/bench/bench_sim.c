/* bench_sim.c: speed of the discrete-event simulator. The yardstick: a 1 GiB ring
 * all-reduce over 1,024 GPUs of Jean Zay's H100 partition, goal under 1 s of wall time; then the
 * other algorithms at the same scale, and a contended all-to-all. Prints figures; asserts nothing.
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

static int bench(const plat_platform *p, int part, int gpus, coll_op op, coll_algo algo, double bytes)
{
    char err[256];
    net *n = net_create(p, part, gpus, err, sizeof err);
    if (!n) { fprintf(stderr, "%s\n", err); return 1; }
    ds *s = ds_create(n, 0);
    int t = ds_collective(s, op, algo, NULL, gpus, bytes, "bench", NULL, 0, err, sizeof err);
    if (t < 0) { fprintf(stderr, "%s\n", err); return 1; }
    double t0 = now_s();
    ds_stats st;
    ds_run(s, &st);
    double wall = now_s() - t0;
    coll_cost cost;
    ds_collective_cost(n, NULL, gpus, &cost);
    double closed = coll_closed_form_s(ds_collective_plan(s, t), &cost);
    printf("%-9s %-13s %-6s %6d %10.3f %10.3f %11llu %11llu %12llu %9.3f %12.2f %8.1f\n", p->id, coll_op_name(op),
           coll_algo_name(algo), gpus, st.end_s * 1e3, closed * 1e3, (unsigned long long)st.flows,
           (unsigned long long)st.events, (unsigned long long)st.work, wall, st.events / wall / 1e6, wall / st.work * 1e9);
    ds_destroy(s);
    net_destroy(n);
    return 0;
}

int main(void)
{
    plat_error err;
    plat_platform *jz = plat_load_file("assets/platforms/jean-zay.xml", &err);
    plat_platform *cl = plat_load_file("assets/platforms/classroom.xml", &err);
    if (!jz || !cl) { fprintf(stderr, "%s\n", err.msg); return 1; }
    int h100 = plat_find_partition(jz, "h100");
    double GiB = 1073741824.0;
    printf("%-9s %-13s %-6s %6s %10s %10s %11s %11s %12s %9s %12s %8s\n", "platform", "op", "algo", "gpus", "sim ms",
           "closed ms", "messages", "events", "work", "wall s", "Mevents/s", "ns/work");
    int rc = bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_RING, GiB);   /* the yardstick */
    rc |= bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_TREE, GiB);
    rc |= bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_RHD, GiB);
    rc |= bench(jz, h100, 1024, COLL_ALLREDUCE, COLL_HIER, GiB);
    rc |= bench(jz, h100, 1456, COLL_ALLREDUCE, COLL_HIER, GiB);
    rc |= bench(jz, h100, 256, COLL_ALLTOALL, COLL_DIRECT, GiB);
    rc |= bench(cl, 0, 128, COLL_ALLTOALL, COLL_DIRECT, GiB);
    rc |= bench(cl, 0, 128, COLL_ALLREDUCE, COLL_RING, GiB);
    plat_free(jz);
    plat_free(cl);
    return rc;
}
