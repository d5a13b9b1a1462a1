/* test_sim.c: the discrete-event core: event queue, routes, max-min sharing, collectives against
 * their closed forms, contention between collectives, determinism, the timeline and its trace.
 * Platforms are written inline so that every expected figure can be worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds.h"
#include "eng.h"
#include "net.h"
#include "plat.h"

static void assert_rel(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want))) fail_msg("%s: got %.9g, want %.9g (within %.2g%%)", what, got, want, rel * 100);
}

/* A factory of `nodes` nodes with `gpn` GPUs (NVLink 400 GB/s bidirectional: 200 GB/s each way,
 * 1 us) and `nics` NICs of 100 Gb/s (12.5 GB/s), on the given network element. */
static plat_platform *factory(int nodes, int gpn, int nics, const char *network_xml)
{
    char xml[4096];
    snprintf(xml, sizeof xml,
             "<platform version='1' id='t' name='t'>"
             "<accelerator id='g' memory_gb='80' memory_tbs='2' link_bidir_gbs='400' tdp_w='400'><peak precision='bf16' tflops='300'/></accelerator>"
             "<node id='n' accelerator='g' accelerators='%d'><cpu count='1' cores='8' tdp_w='100'/>"
             "<scaleup kind='nvlink' latency_us='1'/><nic count='%d' gbit_s='100'/></node>"
             "%s<partition id='p' node='n' nodes='%d' network='net'/>"
             "<facility pue='1' carbon_g_per_kwh='0'/></platform>",
             gpn, nics, network_xml, nodes);
    plat_error err;
    plat_platform *p = plat_load_memory(xml, strlen(xml), "t.xml", &err);
    if (!p) fail_msg("%s", err.msg);
    return p;
}

#define SWITCH "<network id='net' topology='switch' hop_latency_us='2'/>"
#define NIC_Bps 12.5e9
#define NVL_Bps 200e9

/* One collective alone on a fresh network: its simulated time and closed form. */
static double run_one(const plat_platform *p, int gpus, coll_op op, coll_algo algo, double bytes, double *closed)
{
    char err[256];
    net *n = net_create(p, 0, gpus, err, sizeof err);
    if (!n) fail_msg("%s", err);
    ds *s = ds_create(n, 0);
    int t = ds_collective(s, op, algo, NULL, gpus, bytes, "c", NULL, 0, err, sizeof err);
    if (t < 0) fail_msg("%s", err);
    ds_stats st;
    assert_int_equal(ds_run(s, &st), 0);
    coll_cost cost;
    ds_collective_cost(n, NULL, gpus, &cost);
    if (closed) *closed = coll_closed_form_s(ds_collective_plan(s, t), &cost);
    double end = ds_task_end_s(s, t);
    assert_true(end == st.end_s);
    ds_destroy(s);
    net_destroy(n);
    return end;
}

/* ------------------------------------------------------------------------------------------- */

static void test_event_queue_orders_by_time_then_push_order(void **state)
{
    (void)state;
    eng_queue q;
    eng_init(&q);
    uint64_t x = 42;
    for (int i = 0; i < 5000; i++) {
        x = x * 6364136223846793005ULL + 1;
        eng_push(&q, (double)((x >> 40) % 100), 0, i, 0, 0);   /* many equal times */
    }
    eng_event prev = { -1, 0, 0, -1, 0, 0 }, e;
    int popped = 0;
    while (eng_pop(&q, &e)) {
        assert_true(e.time_s > prev.time_s || (e.time_s == prev.time_s && e.a > prev.a));
        prev = e;
        popped++;
    }
    assert_int_equal(popped, 5000);
    assert_null(eng_peek(&q));
    eng_free(&q);
}

/* Routes: hop counts and latencies per topology. */
static void test_routes(void **state)
{
    (void)state;
    char err[256];
    int hops[NET_MAX_HOPS];
    double lat;
    plat_platform *p = factory(4, 2, 1, SWITCH);
    net *n = net_create(p, 0, 8, err, sizeof err);
    assert_int_equal(net_route(n, 0, 1, hops, &lat), 2);              /* NVLink up, down */
    assert_rel(lat, 1e-6, 1e-12, "scale-up latency");
    assert_int_equal(net_route(n, 0, 3, hops, &lat), 2);              /* NIC up, NIC down */
    assert_rel(lat, 2e-6, 1e-12, "one switch");
    assert_int_equal(net_route(n, 5, 5, hops, &lat), 0);
    assert_rel(net_route_bottleneck_Bps(n, 0, 1), NVL_Bps, 1e-12, "NVLink each way");
    assert_rel(net_route_bottleneck_Bps(n, 0, 2), NIC_Bps, 1e-12, "NIC");
    net_destroy(n);
    plat_free(p);

    /* fat tree, radix 4 non-blocking: 2 ports down per leaf; 8 nodes of 1 NIC -> 4 leaves */
    p = factory(8, 1, 1, "<network id='net' topology='fat-tree' levels='3' radix='4' hop_latency_us='1'/>");
    n = net_create(p, 0, 8, err, sizeof err);
    assert_int_equal(n->leaves, 4);
    assert_int_equal(net_route(n, 0, 1, hops, &lat), 2);              /* same leaf */
    assert_rel(lat, 1e-6, 1e-12, "one switch");
    assert_int_equal(net_route(n, 0, 7, hops, &lat), 4);              /* leaf, core, leaf */
    assert_rel(lat, 5e-6, 1e-12, "3 levels: 5 switches");
    net_destroy(n);
    plat_free(p);

    /* torus 4x4: node 0 at (0,0), node 15 at (3,3): one step each way through the wrap-around */
    p = factory(16, 1, 1, "<network id='net' topology='torus' dims='4x4' hop_latency_us='1'/>");
    n = net_create(p, 0, 16, err, sizeof err);
    assert_int_equal(net_route(n, 0, 15, hops, &lat), 4);             /* NIC, -x, -y, NIC */
    assert_int_equal(net_route(n, 0, 10, hops, &lat), 6);             /* (2,2): 2 + 2 router hops */
    assert_rel(lat, 5e-6, 1e-12, "5 routers");
    net_destroy(n);
    plat_free(p);

    /* dragonfly: groups of 4 nodes; within a group no global link, across one */
    p = factory(12, 1, 1, "<network id='net' topology='dragonfly' group_nodes='4' global_links='4' hop_latency_us='1'/>");
    n = net_create(p, 0, 12, err, sizeof err);
    assert_int_equal(n->groups, 3);
    assert_int_equal(net_route(n, 0, 3, hops, &lat), 2);
    assert_int_equal(net_route(n, 0, 9, hops, &lat), 3);
    assert_int_equal(n->links[hops[1]].kind, NET_LINK_GLOBAL);
    assert_rel(n->links[hops[1]].cap_Bps, 2 * NIC_Bps, 1e-12, "4 global links over 2 other groups");
    net_destroy(n);
    plat_free(p);
}

/* The classroom's explicit leaf/spine: cross-leaf routes take 2 fabric hops, always the same
 * spine for the same pair, and the pairs spread over both spines. */
static void test_explicit_routes_spread_over_equal_paths(void **state)
{
    (void)state;
    plat_error perr;
    plat_platform *p = plat_load_file("assets/platforms/classroom.xml", &perr);
    assert_non_null(p);
    char err[256];
    net *n = net_create(p, 0, 128, err, sizeof err);
    int hops[NET_MAX_HOPS], again[NET_MAX_HOPS], used[2] = { 0, 0 };
    for (int a = 0; a < 32; a++) {
        int b = 64 + a;                                               /* leaf 0 -> leaf 2 */
        assert_int_equal(net_route(n, a, b, hops, NULL), 4);
        assert_int_equal(net_route(n, a, b, again, NULL), 4);
        assert_memory_equal(hops, again, sizeof(int) * 4);
        int bundle = n->links[hops[1]].index;                         /* which leaf->spine bundle */
        used[bundle % 2]++;
    }
    assert_true(used[0] > 4 && used[1] > 4);
    net_destroy(n);
    plat_free(p);
}

/* Max-min by hand: GPU 0 sends to 1, 2 and 3 (its NIC is shared three ways: 12.5/3 GB/s each);
 * GPU 4 also sends to 3, whose NIC then has 12.5 - 12.5/3 left for it. */
static double rates[16];
static void record_rate(void *ctx, int flow, double done_s, uint32_t version)
{
    (void)ctx, (void)done_s, (void)version;
    net *n = ctx;
    rates[flow] = n->flows[flow].rate_Bps;
}

/* What net_route_reads gives for the pair of flow f: how many links, each link of the flow's route
 * that load could have changed (a global or fabric one) among them when any is given. */
static int reads_of(const net *n, int a, int b, int f)
{
    int links[64], nr = net_route_reads(n, a, b, links, 64);
    assert_true(nr >= 0);
    for (int h = 0; nr > 0 && h < n->flows[f].nhops; h++) {
        int l = n->flows[f].hops[h], kind = n->links[l].kind, in = 0;
        if (kind != NET_LINK_GLOBAL && kind != NET_LINK_FABRIC) continue;
        for (int k = 0; k < nr; k++) in |= links[k] == l;
        if (!in) fail_msg("link %d of the route from %d to %d is not among the %d it reads", l, a, b, nr);
    }
    return nr;
}
static int last_reads[4];

/* Dragonfly routing: four flows from group 0 to group 1 of a machine of 8 groups, each pair of
 * groups joined by `links` links (a NIC's worth each). Minimal routing puts them all on the direct
 * bundle; Valiant sends each through a hashed third group (two global hops); adaptive keeps the
 * direct path while it has room for every flow on it at its NIC's rate, and goes around once it is
 * full and the detour is not. */
static double dragonfly_total(const char *routing, int links, int *nhops)
{
    char err[256], xml[256];
    snprintf(xml, sizeof xml, "<network id='net' topology='dragonfly' group_nodes='4' global_links='%d' hop_latency_us='1' "
                              "routing='%s'/>", 7 * links, routing);
    plat_platform *p = factory(32, 1, 1, xml);
    net *n = net_create(p, 0, 8, err, sizeof err);
    assert_non_null(n);
    assert_int_equal(n->groups, 2);
    assert_int_equal(n->all_groups, 8);
    int f[4];
    for (int i = 0; i < 4; i++) f[i] = net_flow_start(n, i, 4 + i, 1e9, 0, 0);
    net_update(n, 0, record_rate, NULL, n);
    double total = 0;
    for (int i = 0; i < 4; i++) total += rates[f[i]], nhops[i] = n->flows[f[i]].nhops, last_reads[i] = reads_of(n, i, 4 + i, f[i]);
    assert_int_equal(net_route_reads(n, 0, 1, (int[64]){ 0 }, 64), 0);   /* in one group: no global link */
    for (int l = 0; l < n->nlinks; l++)
        if (n->links[l].kind == NET_LINK_GLOBAL) assert_rel(n->links[l].cap_Bps, links * NIC_Bps, 1e-12, "links to each of 7 groups");
    net_destroy(n);
    plat_free(p);
    return total;
}

static void test_dragonfly_routing(void **state)
{
    (void)state;
    int hops[4];
    double minimal = dragonfly_total("minimal", 1, hops);
    assert_rel(minimal, NIC_Bps, 1e-12, "four flows share the direct bundle");
    assert_int_equal(last_reads[0], 0);                               /* minimal routes read no load */
    for (int i = 0; i < 4; i++) assert_int_equal(hops[i], 3);          /* NIC, global, NIC */
    double valiant = dragonfly_total("valiant", 1, hops);
    for (int i = 0; i < 4; i++) assert_int_equal(hops[i], 4);          /* NIC, global, global, NIC */
    assert_true(valiant > 1.5 * minimal);
    assert_int_equal(last_reads[0], 0);                               /* nor hashed ones */
    double adaptive = dragonfly_total("adaptive", 1, hops);
    for (int i = 0; i < 4; i++) assert_int_equal(last_reads[i], 3);  /* the direct bundle and the two of the detour */
    assert_int_equal(hops[0], 3);                                     /* room: direct */
    assert_int_equal(hops[1], 4);                                     /* the bundle is full, the detour is not: around */
    assert_true(adaptive > 1.5 * minimal);
    /* a bundle of four links carries four flows at their NICs' rate: full, not congested, direct */
    double wide = dragonfly_total("adaptive", 4, hops);
    for (int i = 0; i < 4; i++) assert_int_equal(hops[i], 3);
    assert_rel(wide, 4 * NIC_Bps, 1e-12, "each flow at its NIC's rate");
    /* an unknown policy is refused, with its line */
    plat_error perr;
    const char *bad = "<platform version='1' id='t' name='t'><accelerator id='g' memory_gb='80' memory_tbs='2' "
                      "link_bidir_gbs='400' tdp_w='400'><peak precision='bf16' tflops='300'/></accelerator>"
                      "<node id='n' accelerator='g' accelerators='1'><cpu count='1' cores='8' tdp_w='100'/>"
                      "<scaleup kind='nvlink' latency_us='1'/><nic count='1' gbit_s='100'/></node>"
                      "<network id='net' topology='dragonfly' group_nodes='4' global_links='7' hop_latency_us='1' routing='zigzag'/>"
                      "<partition id='p' node='n' nodes='32' network='net'/><facility pue='1' carbon_g_per_kwh='0'/></platform>";
    assert_null(plat_load_memory(bad, strlen(bad), "t.xml", &perr));
    assert_non_null(strstr(perr.msg, "routing"));
}

/* Fat-tree routing: the flows of leaf 0 to leaf 1 (two uplinks each, to two spines). Spraying
 * treats the uplinks as one bundle; adaptive routing puts the second flow on the other spine, so
 * both get their NIC; ECMP hashes each pair to one spine, the same every time, and two flows that
 * hash alike share it. */
static double fat_tree_total(const char *routing, int *nhops, int *same_path)
{
    char err[256], xml[256];
    snprintf(xml, sizeof xml, "<network id='net' topology='fat-tree' levels='2' radix='4' hop_latency_us='1' routing='%s'/>",
             routing);
    plat_platform *p = factory(8, 1, 1, xml);
    net *n = net_create(p, 0, 8, err, sizeof err);
    assert_non_null(n);
    assert_int_equal(n->leaves, 4);
    int f[2] = { net_flow_start(n, 0, 2, 1e9, 0, 0), net_flow_start(n, 1, 3, 1e9, 0, 0) };
    net_update(n, 0, record_rate, NULL, n);
    int hops[NET_MAX_HOPS];
    *same_path = net_route(n, 0, 2, hops, NULL) == n->flows[f[0]].nhops && !memcmp(hops, n->flows[f[0]].hops, sizeof(int) * 4);
    double total = rates[f[0]] + rates[f[1]];
    for (int i = 0; i < 2; i++) nhops[i] = n->flows[f[i]].nhops, last_reads[i] = reads_of(n, i, 2 + i, f[i]);
    net_destroy(n);
    plat_free(p);
    return total;
}

static void test_fat_tree_routing(void **state)
{
    (void)state;
    int hops[2], same;
    double spray = fat_tree_total("spray", hops, &same);
    assert_rel(spray, 2 * NIC_Bps, 1e-12, "the bundle carries both");
    assert_int_equal(hops[0], 4);                                     /* NIC, uplinks, downlinks, NIC */
    assert_int_equal(last_reads[0], 0);                               /* one bundle: nothing to choose */
    double adaptive = fat_tree_total("adaptive", hops, &same);
    assert_rel(adaptive, 2 * NIC_Bps, 1e-12, "one spine each");
    assert_int_equal(last_reads[0], 4);                               /* both uplinks of the leaf, both downlinks of the other */
    assert_int_equal(last_reads[1], 4);
    double ecmp = fat_tree_total("ecmp", hops, &same);
    assert_int_equal(last_reads[0], 0);                               /* hashed */
    assert_true(same);                                                /* a pair's path does not change */
    assert_true(ecmp <= spray * (1 + 1e-12) && ecmp >= spray / 2 * (1 - 1e-12));
    /* a fat tree's policies are its own */
    plat_platform *p = NULL;
    plat_error perr;
    const char *bad = "<platform version='1' id='t' name='t'><accelerator id='g' memory_gb='80' memory_tbs='2' "
                      "link_bidir_gbs='400' tdp_w='400'><peak precision='bf16' tflops='300'/></accelerator>"
                      "<node id='n' accelerator='g' accelerators='1'><cpu count='1' cores='8' tdp_w='100'/>"
                      "<scaleup kind='nvlink' latency_us='1'/><nic count='1' gbit_s='100'/></node>"
                      "<network id='net' topology='fat-tree' levels='2' hop_latency_us='1' routing='valiant'/>"
                      "<partition id='p' node='n' nodes='8' network='net'/><facility pue='1' carbon_g_per_kwh='0'/></platform>";
    p = plat_load_memory(bad, strlen(bad), "t.xml", &perr);
    assert_null(p);
    assert_non_null(strstr(perr.msg, "routing"));
}

/* The timeline counts the bytes each link carried: one message of 1 GB crosses its sender's NIC
 * up and its receiver's NIC down, 1 GB each, and nothing else. */
static void test_link_bytes(void **state)
{
    (void)state;
    char err[256];
    plat_platform *p = factory(2, 1, 1, SWITCH);
    net *n = net_create(p, 0, 2, err, sizeof err);
    ds *s = ds_create(n, 0);
    assert_true(ds_collective(s, COLL_P2P, COLL_DIRECT, NULL, 2, 1e9, "p2p", NULL, 0, err, sizeof err) >= 0);
    ds_stats st;
    assert_int_equal(ds_run(s, &st), 0);
    const tl *t = ds_timeline(s);
    double total = 0;
    for (int l = 0; l < n->nlinks; l++) total += tl_link_bytes(t, l);
    assert_rel(tl_link_bytes(t, n->node_nic_base[0]), 1e9, 1e-9, "sender's NIC up");
    assert_rel(tl_link_bytes(t, n->node_nic_base[1] + 1), 1e9, 1e-9, "receiver's NIC down");
    assert_rel(total, 2e9, 1e-9, "no other link");
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
}

/* Links' loads are kept as flows' rates change (net_update), not summed afresh: over churn (rings
 * and all-to-alls of different sizes meeting on shared NICs, every message a flow, a detailed
 * timeline) each link still carries exactly the bytes of the messages that crossed it, its load is
 * never below 0, and nothing is left on it at the end. */
static void test_link_loads_kept_as_rates_change(void **state)
{
    (void)state;
    char err[256];
    plat_platform *p = factory(8, 4, 1, SWITCH);               /* four GPUs on each NIC */
    net *n = net_create(p, 0, 32, err, sizeof err);
    ds *s = ds_create(n, 1);
    ds_set_replay(s, 0);
    int even[16], odd[16], all[32];
    for (int i = 0; i < 16; i++) even[i] = 2 * i, odd[i] = 2 * i + 1;
    for (int i = 0; i < 32; i++) all[i] = i;
    assert_true(ds_collective(s, COLL_ALLREDUCE, COLL_RING, even, 16, 3e8, "ring", NULL, 0, err, sizeof err) >= 0);
    assert_true(ds_collective(s, COLL_ALLTOALL, COLL_DIRECT, odd, 16, 7e7, "a2a", NULL, 0, err, sizeof err) >= 0);
    assert_true(ds_collective_at(s, COLL_ALLREDUCE, COLL_RING, all, 32, 1e8, 2e-3, "late", err, sizeof err) >= 0);
    ds_stats st;
    assert_int_equal(ds_run(s, &st), 0);
    const tl *t = ds_timeline(s);
    /* every message's bytes on every link of its route, from the plans */
    double *want = calloc((size_t)n->nlinks, sizeof *want);
    const int *groups[3] = { even, odd, all };
    for (int task = 0, c = 0; c < 3; task++) {
        const coll_plan *pl = ds_collective_plan(s, task);
        if (!pl) continue;                                      /* (the late ring's waits) */
        assert_true(coll_max_sends(pl) <= 64);
        coll_send sends[64];
        for (int step = 0; step < pl->steps; step++)
            for (int r = 0; r < pl->p; r++) {
                int ns = coll_sends(pl, r, step, sends);
                for (int k = 0; k < ns; k++) {
                    int hops[NET_MAX_HOPS], nh = net_route(n, groups[c][r], groups[c][sends[k].peer], hops, NULL);
                    for (int h = 0; h < nh; h++) want[hops[h]] += sends[k].bytes;
                }
            }
        c++;
    }
    for (int l = 0; l < n->nlinks; l++) {
        if (want[l] == 0) assert_true(tl_link_bytes(t, l) == 0);
        else assert_rel(tl_link_bytes(t, l), want[l], 1e-9, "a link's bytes");
        assert_true(n->links[l].nflows == 0 && n->links[l].used_Bps == 0);
        for (double x = 0; x < st.end_s; x += st.end_s / 997)
            if (tl_link_load_Bps(t, l, x) < 0) fail_msg("link %d at %g s: load %g", l, x, tl_link_load_Bps(t, l, x));
    }
    free(want);
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
}

static void test_max_min_by_hand(void **state)
{
    (void)state;
    char err[256];
    plat_platform *p = factory(5, 1, 1, SWITCH);
    net *n = net_create(p, 0, 5, err, sizeof err);
    int f01 = net_flow_start(n, 0, 1, 1e9, 0, 0), f02 = net_flow_start(n, 0, 2, 1e9, 0, 0);
    int f03 = net_flow_start(n, 0, 3, 1e9, 0, 0), f43 = net_flow_start(n, 4, 3, 1e9, 0, 0);
    net_update(n, 0, record_rate, NULL, n);
    assert_rel(rates[f01], NIC_Bps / 3, 1e-12, "0->1");
    assert_rel(rates[f02], NIC_Bps / 3, 1e-12, "0->2");
    assert_rel(rates[f03], NIC_Bps / 3, 1e-12, "0->3");
    assert_rel(rates[f43], NIC_Bps * 2 / 3, 1e-12, "4->3 takes what is left");
    assert_rel(n->links[n->node_nic_base[0]].used_Bps, NIC_Bps, 1e-12, "GPU 0's NIC is full");
    /* when 0->3 ends, 4->3 gets the whole NIC and 0's two others half of it each */
    net_flow_end(n, f03);
    net_update(n, 1e-3, record_rate, NULL, n);
    assert_rel(rates[f43], NIC_Bps, 1e-12, "4->3 alone");
    assert_rel(rates[f01], NIC_Bps / 2, 1e-12, "0->1 after");
    /* bytes moved so far were settled at the old rate */
    assert_rel(n->flows[f01].bytes_left, 1e9 - NIC_Bps / 3 * 1e-3, 1e-12, "settled bytes");
    net_destroy(n);
    plat_free(p);
}

/* Without contention, the simulated time is the closed form (within 1 %). */
static void test_no_contention_matches_closed_forms(void **state)
{
    (void)state;
    double closed, sim;
    /* one GPU per node on a switch: flat algorithms see one kind of link */
    plat_platform *p = factory(16, 1, 1, SWITCH);
    static const struct { coll_op op; coll_algo algo; } cases[] = {
        { COLL_ALLREDUCE, COLL_RING }, { COLL_ALLREDUCE, COLL_RHD }, { COLL_REDUCESCATTER, COLL_RING },
        { COLL_ALLGATHER, COLL_RING }, { COLL_REDUCESCATTER, COLL_RHD }, { COLL_ALLGATHER, COLL_RHD },
        { COLL_ALLTOALL, COLL_DIRECT }, { COLL_BROADCAST, COLL_RING },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (double bytes = 1e3; bytes <= 1e9; bytes *= 1000) {
            sim = run_one(p, 16, cases[i].op, cases[i].algo, bytes, &closed);
            char what[96];
            snprintf(what, sizeof what, "%s/%s %g bytes", coll_op_name(cases[i].op), coll_algo_name(cases[i].algo), bytes);
            assert_rel(sim, closed, 0.01, what);
        }
    sim = run_one(p, 2, COLL_P2P, COLL_DIRECT, 1e8, &closed);
    assert_rel(sim, 2e-6 + 1e8 / NIC_Bps, 1e-9, "p2p = a + S/B");
    assert_rel(closed, sim, 1e-9, "p2p closed form");
    /* the ring by hand: 2(p-1)(a + S/(pB)) with a = 2 us, B = 12.5 GB/s */
    sim = run_one(p, 16, COLL_ALLREDUCE, COLL_RING, 1.6e9, NULL);
    assert_rel(sim, 2.0 * 15 * (2e-6 + 1e8 / NIC_Bps), 1e-9, "ring by hand");
    plat_free(p);

    /* 4 nodes of 4 GPUs with a NIC each: hier and the ring across nodes */
    p = factory(4, 4, 4, SWITCH);
    sim = run_one(p, 16, COLL_ALLREDUCE, COLL_HIER, 1e9, &closed);
    assert_rel(sim, closed, 0.01, "hier");
    double by_hand = 2.0 * 3 * (1e-6 + 1e9 / 4 / NVL_Bps) + 2.0 * 3 * (2e-6 + 1e9 / 16 / NIC_Bps);
    assert_rel(sim, by_hand, 1e-9, "hier by hand");
    sim = run_one(p, 16, COLL_ALLREDUCE, COLL_RING, 1e9, &closed);
    assert_rel(sim, closed, 0.01, "ring over nodes: the slowest edge sets the pace");
    sim = run_one(p, 16, COLL_BROADCAST, COLL_RING, 1e9, &closed);
    assert_rel(sim, closed, 0.01, "broadcast pipeline over mixed hops");
    sim = run_one(p, 4, COLL_ALLREDUCE, COLL_RING, 1e9, &closed);
    assert_rel(sim, 2.0 * 3 * (1e-6 + 1e9 / 4 / NVL_Bps), 1e-9, "inside a node");
    plat_free(p);
}

/* The double binary tree shares links by design (two children send to one parent); its closed
 * form counts every step at that shared rate, so the simulation can only be a little faster, in
 * the pipeline's fill and drain. */
static void test_tree_against_its_closed_form(void **state)
{
    (void)state;
    plat_platform *p = factory(16, 1, 1, SWITCH);
    for (double bytes = 1e6; bytes <= 1e9; bytes *= 10) {
        double closed, sim = run_one(p, 16, COLL_ALLREDUCE, COLL_TREE, bytes, &closed);
        if (!(sim <= closed * 1.001 && sim >= closed * 0.9)) fail_msg("tree %g bytes: %.6g s against %.6g s", bytes, sim, closed);
    }
    plat_free(p);
}

/* Contention: two rings, one over the first GPU of each node and one over the second, share
 * each node's only NIC. Each runs at half the bandwidth: 2(p-1)(a + S/(p B/2)), as max-min says. */
static void test_two_collectives_share_links_fairly(void **state)
{
    (void)state;
    char err[256];
    plat_platform *p = factory(8, 2, 1, SWITCH);
    net *n = net_create(p, 0, 16, err, sizeof err);
    ds *s = ds_create(n, 0);
    int even[8], odd[8];
    for (int i = 0; i < 8; i++) even[i] = 2 * i, odd[i] = 2 * i + 1;
    double S = 8e8;
    int a = ds_collective(s, COLL_ALLREDUCE, COLL_RING, even, 8, S, "a", NULL, 0, err, sizeof err);
    int b = ds_collective(s, COLL_ALLREDUCE, COLL_RING, odd, 8, S, "b", NULL, 0, err, sizeof err);
    assert_true(a >= 0 && b >= 0);
    ds_stats st;
    ds_run(s, &st);
    double shared = 2.0 * 7 * (2e-6 + S / 8 / (NIC_Bps / 2));
    assert_rel(ds_task_end_s(s, a), shared, 0.01, "ring a, sharing");
    assert_rel(ds_task_end_s(s, b), shared, 0.01, "ring b, sharing");
    ds_destroy(s);
    net_destroy(n);
    double alone = run_one(p, 16, COLL_ALLREDUCE, COLL_RING, S, NULL);  /* for contrast: 16 ranks, no sharing */
    assert_true(alone < shared);
    plat_free(p);
}

/* Compute and communication in one graph: forward on every GPU, then the all-reduce, then the
 * optimizer step. */
static void test_compute_and_collective_graph(void **state)
{
    (void)state;
    char err[256];
    plat_platform *p = factory(4, 1, 1, SWITCH);
    net *n = net_create(p, 0, 4, err, sizeof err);
    ds *s = ds_create(n, 1);
    int fw[4];
    for (int g = 0; g < 4; g++) fw[g] = ds_compute(s, g, 1e-3 * (g + 1), "forward", NULL, 0, err, sizeof err);
    int ar = ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 4, 4e8, "grads", fw, 4, err, sizeof err);
    int opt = ds_compute(s, 0, 2e-3, "optimizer", &ar, 1, err, sizeof err);
    assert_int_equal(ds_compute(s, 9, 1, "x", NULL, 0, err, sizeof err), -1);          /* no GPU 9 */
    int bad_dep = 77;
    assert_int_equal(ds_compute(s, 0, 1, "x", &bad_dep, 1, err, sizeof err), -1);
    ds_stats st;
    ds_run(s, &st);
    double t_ar = 2.0 * 3 * (2e-6 + 1e8 / NIC_Bps);
    assert_rel(ds_task_start_s(s, ar), 4e-3, 1e-12, "waits for the slowest forward");
    assert_rel(ds_task_end_s(s, opt), 4e-3 + t_ar + 2e-3, 1e-9, "whole step");
    assert_int_equal(ds_run(s, &st), -1);                                             /* once */

    tl *t = ds_timeline(s);
    assert_int_equal(tl_gpu_state(t, 0, 0.5e-3), 1u << TL_COMPUTE);
    assert_int_equal(tl_gpu_state(t, 0, 2e-3), 0);                                    /* waiting */
    assert_true(tl_gpu_state(t, 0, 4e-3 + t_ar / 2) & (1u << TL_COMM));
    assert_true(tl_gpu_state(t, 0, 4e-3 + t_ar / 2) & (1u << TL_STEP));
    assert_rel(tl_gpu_busy_s(t, 0, TL_COMPUTE), 3e-3, 1e-9, "GPU 0 computes 1 + 2 ms");
    assert_rel(tl_gpu_busy_s(t, 3, TL_COMM), t_ar, 1e-9, "GPU 3 communicates for the all-reduce");
    /* during a step, GPU 0's NIC carries its one flow at full speed */
    int nic0_up = n->node_nic_base[0];
    assert_rel(tl_link_load_Bps(t, nic0_up, 4e-3 + 1e-6), NIC_Bps, 1e-9, "link load");
    assert_true(tl_link_load_Bps(t, nic0_up, 1) == 0);
    assert_string_equal(tl_task_label(t, ar), "grads");
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
}

/* The same run twice gives the same timeline, bit for bit. */
/* A work limit stops a run where its work passes it, in operations, the same on every machine:
 * two runs with the same limit stop at the same work and the same simulated time, and the whole
 * run's work is larger. The network a stopped run leaves carries the next run as a new one would
 * (it once kept the stopped run's flows and closed forms' holds). */
static void test_work_limit(void **state)
{
    (void)state;
    plat_error perr;
    plat_platform *p = plat_load_file("assets/platforms/classroom.xml", &perr);
    assert_non_null(p);
    char err[256];
    ds_stats st[3];
    int rc[3];
    uint64_t limit = 0;
    for (int k = 0; k < 3; k++) {
        net *n = net_create(p, 0, 64, err, sizeof err);
        ds *s = ds_create(n, 0);
        ds_collective(s, COLL_ALLTOALL, COLL_DIRECT, NULL, 64, 1e8, "a", NULL, 0, err, sizeof err);
        if (k > 0) ds_limit_work(s, limit);
        rc[k] = ds_run(s, &st[k]);
        if (k == 0) limit = st[0].work / 3;
        ds_destroy(s);
        if (k > 0) {                                            /* the network a stopped run leaves is as new */
            ds *again = ds_create(n, 0);
            ds_collective(again, COLL_ALLTOALL, COLL_DIRECT, NULL, 64, 1e8, "a", NULL, 0, err, sizeof err);
            ds_stats whole;
            assert_int_equal(ds_run(again, &whole), 0);
            assert_true(whole.end_s == st[0].end_s);
            ds_destroy(again);
        }
        net_destroy(n);
    }
    assert_int_equal(rc[0], 0);
    assert_true(st[0].work > st[0].events && st[0].events > 0);
    for (int k = 1; k < 3; k++) {
        assert_int_equal(rc[k], 1);
        assert_true(st[k].work > limit && st[k].work < st[0].work);
        assert_true(st[k].end_s < st[0].end_s);
    }
    assert_true(st[1].work == st[2].work && st[1].end_s == st[2].end_s && st[1].events == st[2].events);
    plat_free(p);
}

/* ds_set_progress: told the simulated time as the run goes, never backwards and never past its
 * end, without changing the run (the command line shows a long step's progress with it). */
typedef struct progress_seen { int calls; double last_s; int backwards; } progress_seen;

static void seen_progress(void *ctx, double now_s)
{
    progress_seen *p = ctx;
    if (now_s < p->last_s) p->backwards = 1;
    p->last_s = now_s;
    p->calls++;
}

static void test_progress(void **state)
{
    (void)state;
    plat_error perr;
    plat_platform *p = plat_load_file("assets/platforms/classroom.xml", &perr);
    assert_non_null(p);
    char err[256];
    ds_stats st[2];
    progress_seen seen = { 0 };
    for (int k = 0; k < 2; k++) {
        net *n = net_create(p, 0, 64, err, sizeof err);
        ds *s = ds_create(n, 0);
        ds_set_replay(s, 0);                                    /* every message an event: a long run */
        ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 64, 1e8, "a", NULL, 0, err, sizeof err);
        if (k) ds_set_progress(s, seen_progress, &seen);
        assert_int_equal(ds_run(s, &st[k]), 0);
        ds_destroy(s);
        net_destroy(n);
    }
    assert_true(st[0].events > 3 * 4096);                       /* (long enough to be polled) */
    assert_true(seen.calls >= 2 && !seen.backwards);
    assert_true(seen.last_s > 0 && seen.last_s <= st[1].end_s);
    assert_true(st[0].end_s == st[1].end_s && st[0].events == st[1].events && st[0].work == st[1].work);
    plat_free(p);
}

/* tl_link_load_near (the window's look-up at every frame) gives what tl_link_load_Bps gives, for
 * times going on a little, jumping on, and going back, from any hint. */
static void test_link_load_near(void **state)
{
    (void)state;
    plat_error perr;
    plat_platform *p = plat_load_file("assets/platforms/classroom.xml", &perr);
    assert_non_null(p);
    char err[256];
    net *n = net_create(p, 0, 64, err, sizeof err);
    ds *s = ds_create(n, 1);
    ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 64, 1e8, "a", NULL, 0, err, sizeof err);
    ds_collective(s, COLL_ALLTOALL, COLL_DIRECT, NULL, 32, 1e7, "b", NULL, 0, err, sizeof err);
    ds_stats st;
    assert_int_equal(ds_run(s, &st), 0);
    const tl *t = ds_timeline(s);
    size_t *hint = calloc((size_t)n->nlinks, sizeof *hint);
    uint64_t x = 12345;
    int compared = 0;
    for (int k = 0; k < 4000; k++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double f = (double)(x >> 11) / 9007199254740992.0;
        double at = k % 7 == 0 ? f * 1.2 * st.end_s                 /* anywhere, now and then */
                                : fmod(k * st.end_s / 997, st.end_s); /* on a little, as frames go */
        for (int l = 0; l < n->nlinks; l++) {
            double a = tl_link_load_near(t, l, at, &hint[l]), b = tl_link_load_Bps(t, l, at);
            if (a != b) fail_msg("link %d at %.9g s: %g from the hint, %g searched", l, at, a, b);
            compared++;
        }
    }
    assert_true(compared > 100000);
    free(hint);
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
}

static void test_deterministic(void **state)
{
    (void)state;
    plat_error perr;
    plat_platform *p = plat_load_file("assets/platforms/classroom.xml", &perr);
    assert_non_null(p);
    tl *t[2];
    ds *s[2];
    net *n[2];
    char err[256];
    for (int k = 0; k < 2; k++) {
        n[k] = net_create(p, 0, 128, err, sizeof err);
        s[k] = ds_create(n[k], 1);
        ds_collective(s[k], COLL_ALLREDUCE, COLL_RHD, NULL, 128, 3e8, "a", NULL, 0, err, sizeof err);
        ds_collective(s[k], COLL_ALLTOALL, COLL_DIRECT, NULL, 64, 1e8, "b", NULL, 0, err, sizeof err);
        ds_run(s[k], NULL);
        t[k] = ds_timeline(s[k]);
    }
    assert_int_equal(t[0]->niv, t[1]->niv);
    assert_memory_equal(t[0]->iv, t[1]->iv, t[0]->niv * sizeof *t[0]->iv);
    for (int l = 0; l < t[0]->links; l++) {
        assert_int_equal(t[0]->nsamples[l], t[1]->nsamples[l]);
        if (t[0]->nsamples[l]) assert_memory_equal(t[0]->samples[l], t[1]->samples[l], t[0]->nsamples[l] * sizeof(tl_sample));
    }
    for (int k = 0; k < 2; k++) {
        ds_destroy(s[k]);
        net_destroy(n[k]);
    }
    plat_free(p);
}

static void link_name(const void *ctx, int link, char *buf, size_t size)
{
    net_link_label(ctx, link, buf, size);
}

/* The Chrome trace is JSON with one complete event per interval and counters for link loads. */
static void test_chrome_trace(void **state)
{
    (void)state;
    char err[256];
    plat_platform *p = factory(2, 2, 1, SWITCH);
    net *n = net_create(p, 0, 4, err, sizeof err);
    ds *s = ds_create(n, 1);
    int c = ds_compute(s, 1, 1e-3, "say \"hi\"\\", NULL, 0, err, sizeof err);
    ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 4, 1e6, "grads", &c, 1, err, sizeof err);
    ds_run(s, NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(tl_write_chrome_trace(ds_timeline(s), f, 2, link_name, n, NULL), 0);
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    if (!j) fail_msg("the trace is not JSON: %.200s", buf);
    cJSON *ev = cJSON_GetObjectItem(j, "traceEvents");
    int complete = 0, counters = 0, quoted = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, ev) {
        const char *ph = cJSON_GetObjectItem(e, "ph")->valuestring;
        complete += !strcmp(ph, "X");
        counters += !strcmp(ph, "C");
        cJSON *name = cJSON_GetObjectItem(e, "name");
        quoted += name && !strcmp(name->valuestring, "say \"hi\"\\");
    }
    assert_int_equal((size_t)complete, ds_timeline(s)->niv);
    assert_true(counters > 0);
    assert_int_equal(quoted, 1);
    cJSON_Delete(j);
    free(buf);
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
}

static void test_bad_input(void **state)
{
    (void)state;
    char err[256];
    plat_platform *p = factory(4, 2, 1, SWITCH);
    assert_null(net_create(p, 0, 9, err, sizeof err));
    assert_non_null(strstr(err, "has 8 GPUs"));
    assert_null(net_create(p, 0, 0, err, sizeof err));
    assert_null(net_create(p, 3, 4, err, sizeof err));
    net *n = net_create(p, 0, 8, err, sizeof err);
    ds *s = ds_create(n, 0);
    assert_int_equal(ds_collective(s, COLL_ALLREDUCE, COLL_RHD, NULL, 6, 1e6, "x", NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "power-of-two"));
    assert_int_equal(ds_collective(s, COLL_BROADCAST, COLL_TREE, NULL, 8, 1e6, "x", NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "ring"));
    assert_int_equal(ds_collective(s, COLL_P2P, COLL_DIRECT, NULL, 3, 1e6, "x", NULL, 0, err, sizeof err), -1);
    assert_int_equal(ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 8, 0, "x", NULL, 0, err, sizeof err), -1);
    assert_int_equal(ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 8, NAN, "x", NULL, 0, err, sizeof err), -1);
    assert_int_equal(ds_collective(s, COLL_ALLREDUCE, COLL_HIER, NULL, 7, 1e6, "x", NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "multiple"));
    int bad_gpus[2] = { 0, 99 };
    assert_int_equal(ds_collective(s, COLL_P2P, COLL_DIRECT, bad_gpus, 2, 1e6, "x", NULL, 0, err, sizeof err), -1);
    assert_int_equal(ds_compute(s, 0, -1, "x", NULL, 0, err, sizeof err), -1);
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
    assert_int_equal(coll_op_from_name("allreduce"), COLL_ALLREDUCE);
    assert_int_equal(coll_op_from_name("gossip"), -1);
    assert_int_equal(coll_algo_from_name("hier"), COLL_HIER);
    assert_rel(coll_busbw_factor(COLL_ALLREDUCE, 8), 1.75, 1e-12, "busbw factor");
}

/* Every rank of every algorithm sends exactly what its peers expect: over a whole program, the
 * messages sent to a rank equal the receives it counts. */
static void test_programs_are_consistent(void **state)
{
    (void)state;
    coll_cost cost = { 1e-6, 200e9, 2e-6, 12.5e9, 12.5e9, 4 };
    static const struct { coll_op op; coll_algo algo; int p; } cases[] = {
        { COLL_ALLREDUCE, COLL_RING, 7 }, { COLL_ALLREDUCE, COLL_TREE, 13 }, { COLL_ALLREDUCE, COLL_TREE, 16 },
        { COLL_ALLREDUCE, COLL_RHD, 16 }, { COLL_ALLREDUCE, COLL_HIER, 12 }, { COLL_BROADCAST, COLL_RING, 9 },
        { COLL_ALLTOALL, COLL_DIRECT, 5 }, { COLL_ALLGATHER, COLL_RHD, 8 }, { COLL_P2P, COLL_DIRECT, 2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        coll_plan c;
        char err[256];
        assert_int_equal(coll_plan_init(&c, cases[i].op, cases[i].algo, cases[i].p, 1e6, &cost, err, sizeof err), 0);
        coll_send out[64];
        for (int s = 0; s < c.steps; s++) {
            int got[64] = { 0 };
            for (int r = 0; r < c.p; r++) {
                int k = coll_sends(&c, r, s, out);
                assert_true(k <= coll_max_sends(&c));
                for (int m = 0; m < k; m++) {
                    assert_true(out[m].peer >= 0 && out[m].peer < c.p && out[m].peer != r && out[m].bytes > 0);
                    got[out[m].peer]++;
                }
            }
            for (int r = 0; r < c.p; r++)
                if (got[r] != coll_recvs(&c, r, s))
                    fail_msg("%s/%s p=%d step %d rank %d: %d sent to it, %d expected", coll_op_name(c.op),
                             coll_algo_name(c.algo), c.p, s, r, got[r], coll_recvs(&c, r, s));
        }
        coll_plan_free(&c);
    }
}

/* ------------------------------------------------------------------------------------------- */
/* Closed-form replay (ds_set_replay) against every message as a flow: the same runs, built twice. */

typedef struct replay_case {
    const char *platform, *partition;
    int gpus;                   /* of the network */
    const char *routing;        /* NULL: the file's */
    int detail;
    void (*build)(ds *s, const net *n);
} replay_case;

static void build_ring(ds *s, const net *n)
{
    char err[256];
    assert_true(ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, n->gpus, 1073741824.0, "ring", NULL, 0, err, sizeof err) >= 0);
}

static void build_hier(ds *s, const net *n)
{
    char err[256];
    assert_true(ds_collective(s, COLL_ALLREDUCE, COLL_HIER, NULL, n->gpus, 1073741824.0, "hier", NULL, 0, err, sizeof err) >= 0);
}

/* Every other GPU, then a reduce-scatter and an all-gather one after the other. */
static void build_strided(ds *s, const net *n)
{
    char err[256];
    int p = n->gpus / 2, *g = malloc((size_t)p * sizeof *g);
    for (int i = 0; i < p; i++) g[i] = 2 * i;
    int rs = ds_collective(s, COLL_REDUCESCATTER, COLL_RING, g, p, 256e6, "rs", NULL, 0, err, sizeof err);
    assert_true(rs >= 0);
    assert_true(ds_collective(s, COLL_ALLGATHER, COLL_RING, g, p, 256e6, "ag", &rs, 1, err, sizeof err) >= 0);
    free(g);
}

/* A ring that meets traffic on the way: GPU 3 computes for 3 ms, then sends 64 MB to GPU 9 through
 * its NIC, which carries the ring from node 0 to node 1; the ring is handed back to the flows with
 * messages in flight. */
/* (the ring, then 64 MB from GPU 3 to GPU 9 once GPU 3 has waited wait_s) */
static void ring_then_p2p_at(ds *s, const net *n, double wait_s)
{
    char err[256];
    build_ring(s, n);
    int c = ds_compute(s, 3, wait_s, "wait", NULL, 0, err, sizeof err);
    int pair[2] = { 3, 9 };
    assert_true(ds_collective(s, COLL_P2P, COLL_DIRECT, pair, 2, 64e6, "p2p", &c, 1, err, sizeof err) >= 0);
}

static void build_ring_then_p2p(ds *s, const net *n) { ring_then_p2p_at(s, n, 3e-3); }

/* The same, the transfer 30 ms in: over 1,024 GPUs the ring is then in its fifth chunk (its plan
 * goes 64, 128, 256, 512 steps ahead), and it is handed back there and planned in chunks again. */
static void build_ring_then_late_p2p(ds *s, const net *n) { ring_then_p2p_at(s, n, 30e-3); }

/* A ring that starts while two transfers from GPU 0 (sharing its NIC, of different sizes: flows)
 * cross the leaf uplinks it uses: with room to spare there, they limit nobody, and the ring runs
 * in closed form beside them. */
static void build_ring_beside_flows(ds *s, const net *n)
{
    char err[256];
    int pair[2] = { 0, 40 }, pair2[2] = { 0, 44 }, g[62], k = 0;
    assert_true(ds_collective(s, COLL_P2P, COLL_DIRECT, pair, 2, 1073741824.0, "p2p", NULL, 0, err, sizeof err) >= 0);
    assert_true(ds_collective(s, COLL_P2P, COLL_DIRECT, pair2, 2, 536870912.0, "p2p", NULL, 0, err, sizeof err) >= 0);
    int c = ds_compute(s, 1, 1e-3, "wait", NULL, 0, err, sizeof err);
    for (int i = 1; i < 64; i++)
        if (i != 40 && i != 44) g[k++] = i;
    assert_true(ds_collective(s, COLL_ALLREDUCE, COLL_RING, g, k, 256e6, "ring", &c, 1, err, sizeof err) >= 0);
    (void)n;
}

/* Two all-reduces over the even and the odd GPUs, started together: on Frontier two GCDs share
 * each NIC, so they share every NIC they cross, in lockstep (the data-parallel all-reduces of a
 * step with tp 2). */
static void build_even_odd(ds *s, const net *n, coll_algo algo)
{
    char err[256];
    int p = n->gpus / 2, *g = malloc((size_t)p * sizeof *g);
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < p; i++) g[i] = 2 * i + k;
        assert_true(ds_collective(s, COLL_ALLREDUCE, algo, g, p, 512e6, "dp", NULL, 0, err, sizeof err) >= 0);
    }
    free(g);
}

static void build_two_rings(ds *s, const net *n)
{
    build_even_odd(s, n, COLL_RING);
}

static void build_two_hier(ds *s, const net *n)
{
    build_even_odd(s, n, COLL_HIER);
}

static void build_alltoall(ds *s, const net *n)
{
    char err[256];
    assert_true(ds_collective(s, COLL_ALLTOALL, COLL_DIRECT, NULL, n->gpus, 1073741824.0, "a2a", NULL, 0, err, sizeof err) >= 0);
}

/* Four rings on the classroom's quarters, then an all-to-all over every other GPU from 2 ms on
 * (assets/scenarios/classroom-rings.txt). */
static void build_rings_and_alltoall(ds *s, const net *n)
{
    char err[256];
    int g[64];
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 32; i++) g[i] = 32 * k + i;
        assert_true(ds_collective(s, COLL_ALLREDUCE, COLL_RING, g, 32, 1073741824.0, "ring", NULL, 0, err, sizeof err) >= 0);
    }
    int waits[64];
    for (int i = 0; i < 64; i++) g[i] = 2 * i, waits[i] = ds_compute(s, g[i], 2e-3, "wait", NULL, 0, err, sizeof err);
    assert_true(ds_collective(s, COLL_ALLTOALL, COLL_DIRECT, g, 64, 64.0 * 1048576, "a2a", waits, 64, err, sizeof err) >= 0);
    (void)n;
}

static ds *replay_run(const replay_case *k, plat_platform *p, net **n_out, int replay, ds_stats *st)
{
    char err[256];
    int part = k->partition ? plat_find_partition(p, k->partition) : 0;
    int routing = k->routing ? plat_routing_parse(&p->networks[p->partitions[part].network], k->routing, err, sizeof err) : -1;
    net *n = net_create_routed(p, part, k->gpus, routing, err, sizeof err);
    if (!n) fail_msg("%s", err);
    ds *s = ds_create(n, k->detail);
    ds_set_replay(s, replay);
    k->build(s, n);
    assert_int_equal(ds_run(s, st), 0);
    *n_out = n;
    return s;
}

static int by_kind_task_step_start(const void *a, const void *b)
{
    const tl_interval *x = a, *y = b;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    if (x->task != y->task) return x->task < y->task ? -1 : 1;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    return (x->t0_s > y->t0_s) - (x->t0_s < y->t0_s);
}

/* rel 0: bit for bit. */
static void same_value(double got, double want, double rel, const char *what, const char *name)
{
    if (rel == 0 ? got != want : !(fabs(got - want) <= rel * fabs(want) + 1e-18))
        fail_msg("%s, %s: closed form %.17g, flows %.17g", name, what, got, want);
}

static void compare_timelines(const tl *a, const tl *b, const net *n, double rel, const char *name)
{
    for (int g = 0; g < n->gpus; g++) {
        const tl_interval *ia, *ib;
        int na = tl_gpu_intervals(a, g, &ia), nb = tl_gpu_intervals(b, g, &ib);
        if (na != nb) fail_msg("%s: GPU %d has %d intervals in closed form, %d as flows", name, g, na, nb);
        tl_interval *xa = malloc((size_t)(na + 1) * sizeof *xa), *xb = malloc((size_t)(nb + 1) * sizeof *xb);
        memcpy(xa, ia, (size_t)na * sizeof *xa);
        memcpy(xb, ib, (size_t)nb * sizeof *xb);
        qsort(xa, (size_t)na, sizeof *xa, by_kind_task_step_start);
        qsort(xb, (size_t)nb, sizeof *xb, by_kind_task_step_start);
        for (int i = 0; i < na; i++) {
            assert_int_equal(xa[i].kind, xb[i].kind);
            assert_int_equal(xa[i].task, xb[i].task);
            assert_int_equal(xa[i].step, xb[i].step);
            same_value(xa[i].t0_s, xb[i].t0_s, rel, "an interval's start", name);
            same_value(xa[i].t1_s, xb[i].t1_s, rel, "an interval's end", name);
        }
        free(xa);
        free(xb);
    }
    /* link loads, between every two changes of either */
    for (int l = 0; l < n->nlinks; l++) {
        size_t na = a->nsamples[l], nb = b->nsamples[l];
        for (size_t i = 0; i < na + nb; i++) {
            double t = i < na ? a->samples[l][i].t_s : b->samples[l][i - na].t_s;
            double la = tl_link_load_Bps(a, l, t * (1 + 1e-9) + 1e-15), lb = tl_link_load_Bps(b, l, t * (1 + 1e-9) + 1e-15);
            if (fabs(la - lb) > 1e-6 * n->links[l].cap_Bps) fail_msg("%s: link %d at %.9g s carries %g B/s in closed form, %g as flows", name, l, t, la, lb);
        }
    }
}

/* What a case expects of the closed form against every message as a flow. */
typedef enum replay_expect {
    ALONE,          /* nothing shares a link: bit for bit, operation for operation what the flows compute */
    MET,            /* handed back to the flows, and back in closed form once alone (not in detail) */
    BESIDE,         /* some handed back, and one in closed form to its end */
    LOCKSTEP,       /* links shared in lockstep, every replay planned with others */
    FLOWS,          /* nothing in closed form: the flows run it all */
} replay_expect;

/* Sharing rounds differently (the flows settle bytes at each rate change): within 1e-9 but ALONE. */
static void replay_check(const replay_case *k, replay_expect expect)
{
    double rel = expect == ALONE ? 0 : 1e-9;
    plat_error perr;
    char path[256];
    snprintf(path, sizeof path, "assets/platforms/%s.xml", k->platform);
    plat_platform *p = plat_load_file(path, &perr);
    if (!p) fail_msg("%s", perr.msg);
    net *na, *nb;
    ds_stats sa, sb;
    ds *a = replay_run(k, p, &na, 1, &sa), *b = replay_run(k, p, &nb, 0, &sb);
    char name[128];
    snprintf(name, sizeof name, "%s/%d GPUs%s", k->platform, k->gpus, k->detail ? ", detailed" : "");
    if (expect == FLOWS) assert_true(sa.replayed == 0 && sa.lockstep == 0);
    else if (!(sa.replayed + sa.handed_back > 0)) fail_msg("%s: no closed form taken", name);
    assert_true(sb.replayed + sb.handed_back == 0);
    if (expect == MET) assert_true(sa.handed_back > 0 && (k->detail || sa.resumed > 0));   /* and back in closed form once alone */
    else if (expect == BESIDE) assert_true(sa.replayed > 0);
    else if (expect != FLOWS) assert_true(sa.handed_back == 0);
    /* rings over 1,024 GPUs are planned in chunks; detailed timelines whole */
    if (!k->detail && k->gpus >= 1024 && (expect == ALONE || expect == MET) && sa.continued == 0) fail_msg("%s: planned whole, not in chunks", name);
    if (k->detail) assert_true(sa.continued == 0);
    if (expect == LOCKSTEP ? !(sa.lockstep > 0 && sa.replayed == sa.lockstep) : sa.lockstep != 0)
        fail_msg("%s: %llu collectives in closed form, %llu of them in lockstep", name, (unsigned long long)sa.replayed,
                 (unsigned long long)sa.lockstep);
    if (sa.flows != sb.flows)                                 /* every message counted, either way */
        fail_msg("%s: %llu messages in closed form, %llu as flows", name, (unsigned long long)sa.flows, (unsigned long long)sb.flows);
    if (expect != FLOWS) assert_true(sa.events < sb.events);
    same_value(sa.end_s, sb.end_s, rel, "the end", name);
    for (int t = 0; ds_task_end_s(a, t) == ds_task_end_s(a, t); t++) {   /* up to the first NaN: past the last task */
        same_value(ds_task_start_s(a, t), ds_task_start_s(b, t), rel, "a task's start", name);
        same_value(ds_task_end_s(a, t), ds_task_end_s(b, t), rel, "a task's end", name);
    }
    for (int l = 0; l < na->nlinks; l++)
        same_value(tl_link_bytes(ds_timeline(a), l), tl_link_bytes(ds_timeline(b), l), rel ? rel : 1e-12, "a link's bytes", name);
    if (k->detail) compare_timelines(ds_timeline(a), ds_timeline(b), na, rel, name);
    ds_destroy(a);
    ds_destroy(b);
    net_destroy(na);
    net_destroy(nb);
    plat_free(p);
}

static void test_closed_form_replay_is_the_flows(void **state)
{
    (void)state;
    /* alone on their links: bit for bit, 64 to 1,024 GPUs, on a fat tree, a dragonfly under its three
     * routings, a torus-less explicit tree (Selene), a hierarchical all-reduce and a strided pair */
    static const replay_case alone[] = {
        { "jean-zay", "h100", 64, NULL, 0, build_ring },
        { "jean-zay", "h100", 256, NULL, 0, build_ring },
        { "jean-zay", "h100", 1024, NULL, 0, build_ring },
        { "jean-zay", "h100", 1024, NULL, 0, build_hier },
        { "jean-zay", "h100", 512, NULL, 0, build_strided },
        { "classroom", NULL, 128, "ecmp", 0, build_ring },
        { "frontier", NULL, 512, "minimal", 0, build_ring },
        { "frontier", NULL, 512, "valiant", 0, build_ring },
        { "frontier", NULL, 512, "adaptive", 0, build_ring },
        { "selene", NULL, 256, NULL, 0, build_ring },
        { "jean-zay", "h100", 64, NULL, 1, build_ring },
        { "jean-zay", "h100", 64, NULL, 1, build_strided },
    };
    for (size_t i = 0; i < sizeof alone / sizeof *alone; i++) replay_check(&alone[i], ALONE);
    static const replay_case beside = { "jean-zay", "h100", 64, NULL, 0, build_ring_beside_flows };
    replay_check(&beside, BESIDE);   /* the transfers are handed back to the flows, the ring is not */
}

static void test_closed_form_hands_back_to_the_flows(void **state)
{
    (void)state;
    static const replay_case met[] = {
        { "jean-zay", "h100", 64, NULL, 0, build_ring_then_p2p },
        { "jean-zay", "h100", 64, NULL, 1, build_ring_then_p2p },
        { "classroom", NULL, 128, NULL, 0, build_rings_and_alltoall },
        { "classroom", NULL, 128, NULL, 1, build_rings_and_alltoall },
        { "jean-zay", "h100", 1024, NULL, 0, build_ring_then_p2p },        /* planned in chunks */
        { "jean-zay", "h100", 1024, NULL, 0, build_ring_then_late_p2p },
        { "frontier", NULL, 1024, NULL, 0, build_ring_then_late_p2p },     /* routed adaptively */
    };
    for (size_t i = 0; i < sizeof met / sizeof *met; i++) replay_check(&met[i], MET);
}

/* Two all-to-alls on the classroom, whose ECMP paths give pairs different shares: neither runs in
 * closed form, the second meets the first's flows on every NIC (the lockstep planner once looped
 * for ever there), and the run is the flows' to rounding. */
static void build_two_alltoalls(ds *s, const net *n)
{
    build_alltoall(s, n);
    build_alltoall(s, n);
}

static void test_closed_form_refused_beside_full_links(void **state)
{
    (void)state;
    static const replay_case k = { "classroom", NULL, 128, NULL, 0, build_two_alltoalls };
    replay_check(&k, FLOWS);
}

/* Sharing in lockstep: planned together, each pair of ranks at its max-min share. */
static void test_closed_form_in_lockstep(void **state)
{
    (void)state;
    static const replay_case shared[] = {
        { "frontier", NULL, 512, "minimal", 0, build_two_rings },
        { "frontier", NULL, 512, NULL, 0, build_two_rings },
        { "frontier", NULL, 1024, NULL, 0, build_two_hier },
        { "frontier", NULL, 2048, NULL, 0, build_two_rings },   /* across two groups: adaptive global links with room */
        { "jean-zay", "h100", 64, NULL, 0, build_alltoall },
    };
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++) replay_check(&shared[i], LOCKSTEP);
}

/* Four rings of 64 MiB, ring k over GPU k of each of 16 nodes that share one NIC: every NIC carries
 * four flows. The rings race (one a hair ahead has its NICs to itself until the others' messages
 * start, and gets further ahead); with every message a flow they never part. The closed form once
 * took a ring back in the middle of an instant, before the others' messages of that instant were
 * routed, handed it back at once, and its rounding grew to 4e-5 by the end (0.3 % over 64 nodes).
 * A ring's messages routed first at an instant move in closed form alone until the others' meet
 * them: those once became flows with the bytes left counted as their time left times their rate,
 * an ulp off what net_update counts, and the rings parted by 1.2e-4. */
static void test_racing_rings(void **state)
{
    (void)state;
    plat_error perr;
    char err[256];
    plat_platform *p = plat_load_file("tests/fixtures/platforms/good/shared-nic.xml", &perr);
    if (!p) fail_msg("%s", perr.msg);
    double end[2][4];
    for (int mode = 0; mode < 2; mode++) {
        net *n = net_create(p, 0, 64, err, sizeof err);
        if (!n) fail_msg("%s", err);
        ds *s = ds_create(n, 0);
        ds_set_replay(s, mode == 0);
        int g[16], t[4];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 16; i++) g[i] = 4 * i + k;
            t[k] = ds_collective(s, COLL_ALLREDUCE, COLL_RING, g, 16, 67108864.0, "ring", NULL, 0, err, sizeof err);
            assert_true(t[k] >= 0);
        }
        ds_stats st;
        assert_int_equal(ds_run(s, &st), 0);
        if (mode == 0) assert_true(st.parked > 0 && st.unparked > 0);
        for (int k = 0; k < 4; k++) end[mode][k] = ds_task_end_s(s, t[k]);
        ds_destroy(s);
        net_destroy(n);
    }
    double want = 30 * (1e-6 + 67108864.0 / 16 / (50e9 / 4));   /* 2 (P - 1) steps of S / P at a quarter of the NIC */
    for (int k = 0; k < 4; k++) {
        same_value(end[0][k], end[1][k], 1e-9, "a ring's end", "racing rings");
        same_value(end[1][k], want, 1e-12, "a ring's end against its formula", "racing rings, flows");
    }
    plat_free(p);
}

/* What a run will cost, asked before it starts. */
static void test_closed_form_sizing(void **state)
{
    (void)state;
    plat_error perr;
    char err[256];
    plat_platform *p = plat_load_file("assets/platforms/jean-zay.xml", &perr);
    assert_non_null(p);
    net *n = net_create(p, plat_find_partition(p, "h100"), 256, err, sizeof err);
    ds *s = ds_create(n, 0);
    int ring = ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 256, 1e9, "ring", NULL, 0, err, sizeof err);
    int a2a = ds_collective(s, COLL_ALLTOALL, COLL_DIRECT, NULL, 256, 1e9, "a2a", NULL, 0, err, sizeof err);
    assert_int_equal(ds_collective_closed_form(s, ring), 2LL * 255 * 256);
    assert_int_equal(ds_collective_closed_form(s, a2a), -1);          /* 255 messages leave each GPU at once */
    assert_int_equal(ds_collective_closed_form(s, 99), -1);
    ds_set_replay(s, 0);
    assert_int_equal(ds_collective_closed_form(s, ring), -1);
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_queue_orders_by_time_then_push_order),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_explicit_routes_spread_over_equal_paths),
        cmocka_unit_test(test_dragonfly_routing),
        cmocka_unit_test(test_fat_tree_routing),
        cmocka_unit_test(test_link_bytes),
        cmocka_unit_test(test_link_loads_kept_as_rates_change),
        cmocka_unit_test(test_max_min_by_hand),
        cmocka_unit_test(test_no_contention_matches_closed_forms),
        cmocka_unit_test(test_tree_against_its_closed_form),
        cmocka_unit_test(test_two_collectives_share_links_fairly),
        cmocka_unit_test(test_compute_and_collective_graph),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_work_limit),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_link_load_near),
        cmocka_unit_test(test_chrome_trace),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_programs_are_consistent),
        cmocka_unit_test(test_closed_form_replay_is_the_flows),
        cmocka_unit_test(test_closed_form_hands_back_to_the_flows),
        cmocka_unit_test(test_closed_form_in_lockstep),
        cmocka_unit_test(test_closed_form_refused_beside_full_links),
        cmocka_unit_test(test_racing_rings),
        cmocka_unit_test(test_closed_form_sizing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
