/* test_plat.c: the platform loader and the derived totals.
 *
 * Totals are checked against closed forms worked out by hand in the comments; the loader against
 * the presets (each must load) and against tests/fixtures/platforms/bad/, whose EXPECTED file gives
 * for each broken or hostile file the line of the error and a text the message must contain.
 * Run from the repository root (the Makefile does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"
#include "plat.h"
#include "util.h"
#include "run_usine.h"

#define GOOD "tests/fixtures/platforms/good/"
#define BAD "tests/fixtures/platforms/bad/"

static void assert_near(double got, double want, double rel)
{
    if (fabs(got - want) > rel * fabs(want) + 1e-12) fail_msg("got %.9g, want %.9g (relative tolerance %g)", got, want, rel);
}

static plat_platform *load_ok(const char *path)
{
    plat_error err;
    plat_platform *p = plat_load_file(path, &err);
    if (!p) fail_msg("%s should load, but: %s", path, err.msg);
    return p;
}

/* A platform from a string, for the topology cases. */
static plat_platform *load_text(const char *xml, plat_error *err)
{
    return plat_load_memory(xml, strlen(xml), "case.xml", err);
}

/* ------------------------------------------------------------------------------------------- */

/* minimal.xml: 10 nodes of 4 GPUs (bf16 300, fp64 20 TFLOP/s, 80 GB, 400 W), 2 CPUs of 32 cores at
 * 200 W, 512 GB, other 1000 W, 2 NICs of 200 Gb/s; a 2-level fat tree of radix 40 oversubscribed 2:1. */
static void test_minimal_fields_and_totals(void **state)
{
    (void)state;
    plat_platform *p = load_ok(GOOD "minimal.xml");
    assert_string_equal(p->id, "minimal");
    assert_int_equal(p->naccels, 1);
    assert_int_equal(p->npartitions, 1);
    assert_int_equal(p->node_types[0].accel, 0);
    assert_int_equal(p->partitions[0].node, 0);
    assert_int_equal(p->partitions[0].network, 0);
    assert_int_equal(p->partitions[0].nodes_per_rack, 8);            /* default */
    assert_near(p->node_types[0].scaleup_bidir_gbs, 600, 0);           /* from the accelerator */
    assert_near(p->networks[0].link_gbit_s, 200, 0);                   /* from the NIC */
    assert_near(p->networks[0].eff_bandwidth, 1, 0);

    plat_totals t;
    plat_partition_totals(p, 0, &t);
    assert_int_equal(t.nodes, 10);
    assert_int_equal(t.accels, 40);
    assert_int_equal(t.cpu_cores, 640);
    assert_near(t.peak_pflops[PLAT_BF16], 12.0, 1e-12);                /* 40 x 300 / 1000 */
    assert_near(t.peak_pflops[PLAT_FP64], 0.8, 1e-12);
    assert_true(t.peak_pflops[PLAT_FP8] == 0);
    assert_near(t.accel_memory_tb, 3.2, 1e-12);
    assert_near(t.host_memory_tb, 5.12, 1e-12);
    assert_near(t.injection_tbs, 0.5, 1e-12);                         /* 10 x 2 x 200 Gb/s / 8 */
    assert_near(t.bisection_tbs, 0.125, 1e-12);                       /* half, over 2:1 */
    /* radix 40 at 2:1: 26 ports down, 14 up; 20 NIC ports -> 1 leaf, 14 uplinks -> 1 top switch */
    assert_int_equal(t.switches, 2);
    assert_near(plat_node_power_w(p, 0), 3000, 0);                     /* 4 x 400 + 2 x 200 + 1000 */
    assert_near(t.power_it_mw, 0.03, 1e-12);                          /* no switch_w given */
    assert_near(t.power_facility_mw, 0.045, 1e-12);                   /* PUE 1.5 */

    plat_totals m;
    plat_machine_totals(p, &m);
    assert_memory_equal(&m, &t, sizeof m);                            /* one partition: the same */
    plat_free(p);
}

/* explicit.xml: the same nodes, 5 on each of two leaves, each leaf joined to the spine by 4 links of
 * 200 Gb/s. Half the nodes inject 5 x 400 Gb/s, but only 800 Gb/s cross: bisection 0.1 TB/s. */
static void test_explicit_bisection_is_the_max_flow(void **state)
{
    (void)state;
    plat_platform *p = load_ok(GOOD "explicit.xml");
    const plat_network *pn = &p->networks[0];
    assert_int_equal(pn->topology, PLAT_TOPO_EXPLICIT);
    assert_int_equal(pn->nswitches, 3);
    assert_int_equal(pn->nlinks, 4);
    assert_int_equal(pn->links[0].b_kind, PLAT_END_NODES);
    assert_int_equal(pn->links[0].parallel, 2);                       /* one link per NIC */
    assert_int_equal(pn->links[2].b_kind, PLAT_END_SWITCH);
    assert_int_equal(pn->links[2].parallel, 4);
    assert_near(pn->links[2].latency_us, 1, 0);                       /* the network's hop latency */
    assert_near(plat_network_bisection_tbs(p, 0), 0.1, 1e-12);
    plat_free(p);
}

#define CASE_HEAD                                                                                  \
    "<platform version='1' id='c' name='c'>"                                                       \
    "<accelerator id='g' memory_gb='16' memory_tbs='1' tdp_w='300'><peak precision='fp32' tflops='10'/></accelerator>" \
    "<node id='n' accelerator='g'><cpu count='1' cores='8' tdp_w='100'/><nic count='1' gbit_s='100'/></node>"
#define CASE_TAIL "<facility pue='1' carbon_g_per_kwh='0'/></platform>"

/* Dragonfly: 100 nodes in groups of 10 -> 10 groups; 9 global links per group, one to each other
 * group; a cut into 5 + 5 groups crosses 25 links of 100 Gb/s = 0.3125 TB/s, under half the
 * injection (100 x 100 Gb/s / 2 = 0.625 TB/s). With 36 links per group, injection limits. */
static void test_dragonfly_bisection(void **state)
{
    (void)state;
    plat_error err;
    plat_platform *p = load_text(CASE_HEAD "<network id='d' topology='dragonfly' group_nodes='10' global_links='9' "
                                           "group_switches='2' hop_latency_us='1'/>"
                                           "<partition id='p' node='n' nodes='100' network='d'/>" CASE_TAIL, &err);
    assert_non_null(p);
    assert_near(plat_network_bisection_tbs(p, 0), 0.3125, 1e-12);
    plat_totals t;
    plat_machine_totals(p, &t);
    assert_int_equal(t.switches, 20);
    plat_free(p);
    p = load_text(CASE_HEAD "<network id='d' topology='dragonfly' group_nodes='10' global_links='36' hop_latency_us='1'/>"
                            "<partition id='p' node='n' nodes='100' network='d'/>" CASE_TAIL, &err);
    assert_non_null(p);
    assert_near(plat_network_bisection_tbs(p, 0), 0.625, 1e-12);
    plat_free(p);
}

/* Torus 4x4x8 of 100 Gb/s links: a plane across the 8-long dimension cuts 16 rings twice: 32 links,
 * 0.4 TB/s, under half the injection of 128 nodes (0.8 TB/s). */
static void test_torus_bisection(void **state)
{
    (void)state;
    plat_error err;
    plat_platform *p = load_text(CASE_HEAD "<network id='t' topology='torus' dims='4x4x8' hop_latency_us='0.1'/>"
                                           "<partition id='p' node='n' nodes='128' network='t'/>" CASE_TAIL, &err);
    assert_non_null(p);
    assert_int_equal(p->networks[0].ndims, 3);
    assert_int_equal(p->networks[0].dims[2], 8);
    assert_near(plat_network_bisection_tbs(p, 0), 0.4, 1e-12);
    plat_free(p);
}

/* Nodes of two kinds on one fat tree (Jean Zay's V100 and A100 on one Omni-Path): each partition
 * gets the share of the bisection its injection represents, so never more than half its own
 * injection; by node counts the thin nodes would get more than they can send. */
static void test_partition_bisection_follows_injection(void **state)
{
    (void)state;
    plat_error err;
    plat_platform *p = load_text(CASE_HEAD "<node id='wide' accelerator='g'><cpu count='1' cores='8' tdp_w='100'/><nic count='8' gbit_s='100'/></node>"
                                           "<network id='f' topology='fat-tree' levels='2' radix='64' oversubscription='2' hop_latency_us='1'/>"
                                           "<partition id='thin' node='n' nodes='30' network='f'/>"
                                           "<partition id='fat' node='wide' nodes='10' network='f'/>" CASE_TAIL, &err);
    if (!p) fail_msg("%s", err.msg);
    /* injection 30 x 100 + 10 x 800 = 11,000 Gb/s = 1.375 TB/s; bisection 1.375 / 2 / 2 */
    double whole = plat_network_bisection_tbs(p, 0);
    assert_near(whole, 1.375 / 4, 1e-12);
    plat_totals thin, fat;
    plat_partition_totals(p, plat_find_partition(p, "thin"), &thin);
    plat_partition_totals(p, plat_find_partition(p, "fat"), &fat);
    assert_near(thin.bisection_tbs, whole * 3000 / 11000, 1e-12);
    assert_near(fat.bisection_tbs, whole * 8000 / 11000, 1e-12);
    assert_true(thin.bisection_tbs <= 30 * 100 / 8.0 / 1000 / 2);     /* half its own injection */
    assert_near(thin.bisection_tbs + fat.bisection_tbs, whole, 1e-12);
    plat_free(p);
}

/* Two partitions on one single-switch network, a third alone: each partition gets its share of its
 * network; the machine counts each network once. */
static void test_partitions_share_networks(void **state)
{
    (void)state;
    plat_error err;
    plat_platform *p = load_text(CASE_HEAD "<network id='s' topology='switch' hop_latency_us='1' switch_w='500'/>"
                                           "<network id='f' topology='fat-tree' levels='1' radix='64' hop_latency_us='1'/>"
                                           "<partition id='a' node='n' nodes='30' network='s'/>"
                                           "<partition id='b' node='n' nodes='10' network='s'/>"
                                           "<partition id='c' node='n' nodes='4' network='f'/>" CASE_TAIL, &err);
    if (!p) fail_msg("%s", err.msg);
    assert_int_equal(plat_network_nodes(p, 0), 40);
    assert_near(plat_network_bisection_tbs(p, 0), 0.25, 1e-12);        /* 40 x 100 Gb/s / 2 */
    plat_totals a, m;
    plat_partition_totals(p, plat_find_partition(p, "a"), &a);
    assert_near(a.bisection_tbs, 0.25 * 30 / 40, 1e-12);
    assert_int_equal(a.switches, 1);
    plat_machine_totals(p, &m);
    assert_int_equal(m.nodes, 44);
    assert_int_equal(m.switches, 2);                                  /* one switch + one 64-port leaf */
    assert_near(m.bisection_tbs, 0.25 + 0.025, 1e-12);
    assert_near(m.power_it_mw, (44 * 400.0 + 500) / 1e6, 1e-12);       /* nodes + the powered switch */
    assert_int_equal(plat_find_partition(p, "zz"), -1);
    assert_int_equal(plat_find_accel(p, "g"), 0);
    plat_free(p);
}

/* many-kinds.xml: six accelerators, node types, networks, partitions and storage systems, so that
 * every array of the loader grows (and moves) while references into it are still pending. Node
 * type i uses accelerator 5 - i; partition i has 10 + i nodes of type i on network 5 - i. */
static void test_six_of_every_kind(void **state)
{
    (void)state;
    plat_platform *p = load_ok(GOOD "many-kinds.xml");
    assert_int_equal(p->naccels, 6);
    assert_int_equal(p->nnode_types, 6);
    assert_int_equal(p->nnetworks, 6);
    assert_int_equal(p->npartitions, 6);
    assert_int_equal(p->nstorage, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(p->node_types[i].accel, 5 - i);
        assert_near(p->node_types[i].scaleup_bidir_gbs, 600 + (5 - i), 1e-12);
        assert_int_equal(p->partitions[i].node, i);
        assert_int_equal(p->partitions[i].network, 5 - i);
        assert_int_equal(p->partitions[i].nodes, 10 + i);
    }
    plat_totals t;
    plat_machine_totals(p, &t);
    assert_int_equal(t.nodes, 10 + 11 + 12 + 13 + 14 + 15);
    assert_int_equal(t.accels, 4 * 75);
    plat_free(p);
}

/* A file that loads must be one the simulator can build: check refuses, naming the limit, what
 * predict, simulate and the app could not hold (a 4096^4 torus, a million-node dragonfly or fat
 * tree), and still admits every preset (test_every_preset_loads). */
static void expect_refused(const char *xml, const char *want)
{
    plat_error err;
    plat_platform *p = load_text(xml, &err);
    if (p) fail_msg("loaded, but must be refused with '%s'", want);
    if (!strstr(err.msg, want)) fail_msg("message lacks '%s': %s", want, err.msg);
}

#define BIG_NET(attrs, nodes)                                                                      \
    CASE_HEAD "<network id='x' hop_latency_us='1' " attrs "/>"                                     \
              "<partition id='p' node='n' nodes='" nodes "' network='x'/>" CASE_TAIL

static void test_limits_of_what_can_be_built(void **state)
{
    (void)state;
    expect_refused(BIG_NET("topology='torus' dims='4096x4096x4096x4096'", "1000"),
                   "torus of 281474976710656 points: at most 65536");
    expect_refused(BIG_NET("topology='dragonfly' group_nodes='1' global_links='10'", "1000000"),
                   "1000000 nodes: at most 100000");
    expect_refused(BIG_NET("topology='fat-tree' levels='3' radix='64'", "1000000"), "at most 100000");
    expect_refused(BIG_NET("topology='dragonfly' group_nodes='1' global_links='10'", "50000"),
                   "50000 groups: at most 1024");
    expect_refused(BIG_NET("topology='fat-tree' levels='3' radix='4'", "100000"), "switches: at most 100000");
    /* 80,000 nodes of 8 accelerators */
    expect_refused("<platform version='1' id='c' name='c'>"
                   "<accelerator id='g' memory_gb='16' memory_tbs='1' tdp_w='300' link_bidir_gbs='100'><peak precision='fp32' tflops='10'/></accelerator>"
                   "<node id='n' accelerator='g' accelerators='8'><cpu count='1' cores='8' tdp_w='100'/><nic count='1' gbit_s='100'/></node>"
                   "<network id='x' topology='fat-tree' levels='3' radix='64' hop_latency_us='1'/>"
                   "<partition id='p' node='n' nodes='80000' network='x'/>" CASE_TAIL,
                   "640000 accelerators: at most 500000");
    /* just inside the limits: loads, and the simulator builds all of it */
    plat_error err;
    plat_platform *p = load_text(BIG_NET("topology='torus' dims='16x16x16x16'", "65536"), &err);
    if (!p) fail_msg("%s", err.msg);
    char why[256];
    net *n = net_create(p, 0, 65536, why, sizeof why);
    if (!n) fail_msg("%s", why);
    net_destroy(n);
    /* a platform made some other way than by the loader gets the same answer from the simulator */
    p->networks[0].dims[0] = p->networks[0].dims[1] = p->networks[0].dims[2] = p->networks[0].dims[3] = 4096;
    assert_null(net_create(p, 0, 8, why, sizeof why));
    assert_non_null(strstr(why, "too large to simulate"));
    plat_free(p);
}

/* Files with many elements: the kinds the schema lets repeat without end are capped (validating a
 * long run of siblings is worse than linear in libxml2), and what the caps admit is checked in
 * n log n (sorted ids, a sparse max flow): a 4,095-switch star loads in a fraction of a second. */
typedef struct text_buf { char *s; size_t n, cap; } text_buf;

static void tb_add(text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_add(text_buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (b->s && (size_t)k < b->cap - b->n) { b->n += (size_t)k; return; }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
}

/* A star: one core switch, `leaves` leaf switches each with one node, core links of core_gbit. */
static char *star(int leaves, int core_gbit, int duplicate_leaf)
{
    text_buf b = { 0 };
    tb_add(&b, "%s<network id='e' topology='explicit' hop_latency_us='1'><switch id='core'/>", CASE_HEAD);
    for (int i = 0; i < leaves; i++) tb_add(&b, "<switch id='s%d'/>\n", i == duplicate_leaf ? 5 : i);
    for (int i = 0; i < leaves; i++)
        tb_add(&b, "<link from='core' to='s%d' gbit_s='%d'/><link from='s%d' partition='p' first='%d' count='1'/>\n", i,
               core_gbit, i, i);
    tb_add(&b, "</network><partition id='p' node='n' nodes='%d' network='e'/>%s", leaves, CASE_TAIL);
    return b.s;
}

static void test_many_elements(void **state)
{
    (void)state;
    plat_error err;
    /* 4,095 leaves of one 100 Gb/s node each, behind 50 Gb/s core links: half the nodes send
     * 2,047 x 50 Gb/s across (2,047 = 4,095 / 2), 12.79 TB/s. */
    char *xml = star(4095, 50, -1);
    plat_platform *p = load_text(xml, &err);
    if (!p) fail_msg("%s", err.msg);
    assert_near(plat_network_bisection_tbs(p, 0), 2047 * 50 / 8.0 / 1000, 1e-9);
    plat_free(p);
    free(xml);

    xml = star(3000, 50, 2999);
    assert_null(load_text(xml, &err));
    if (!strstr(err.msg, "switch 's5' is defined twice (first on line 6)")) fail_msg("%s", err.msg);
    assert_int_equal(err.line, 3000);
    free(xml);
    xml = star(PLAT_MAX_EXPLICIT_SWITCHES, 50, -1);   /* and the core */
    assert_null(load_text(xml, &err));
    assert_non_null(strstr(err.msg, "at most 4096 <switch> elements"));
    free(xml);

    text_buf b = { 0 };
    tb_add(&b, "%s<network id='e' topology='explicit' hop_latency_us='1' link_gbit_s='1'><switch id='a'/><switch id='b'/>", CASE_HEAD);
    for (int i = 0; i <= PLAT_MAX_EXPLICIT_LINKS; i++) tb_add(&b, "<link from='a' to='b'/>\n");
    tb_add(&b, "</network>%s", CASE_TAIL);
    assert_null(load_text(b.s, &err));
    assert_non_null(strstr(err.msg, "at most 16384 <link> elements"));
    assert_int_equal(err.line, PLAT_MAX_EXPLICIT_LINKS + 1);
    b.n = 0;

    tb_add(&b, "%s<network id='s' topology='switch' hop_latency_us='1'/>\n", CASE_HEAD);
    for (int i = 0; i <= PLAT_MAX_ELEMENTS_OF_A_KIND; i++) tb_add(&b, "<partition id='p%d' node='n' nodes='1' network='s'/>\n", i);
    tb_add(&b, "%s", CASE_TAIL);
    assert_null(load_text(b.s, &err));
    assert_non_null(strstr(err.msg, "at most 256 <partition> elements"));
    assert_int_equal(err.line, PLAT_MAX_ELEMENTS_OF_A_KIND + 2);
    b.n = 0;

    /* 200 partitions, p150 given twice: the second is the one reported, with the first's line */
    tb_add(&b, "%s<network id='s' topology='switch' hop_latency_us='1'/>\n", CASE_HEAD);
    for (int i = 0; i < 200; i++) tb_add(&b, "<partition id='p%d' node='n' nodes='1' network='s'/>\n", i == 190 ? 150 : i);
    tb_add(&b, "%s", CASE_TAIL);
    assert_null(load_text(b.s, &err));
    assert_non_null(strstr(err.msg, "partition id 'p150' is used twice (first on line 152)"));
    assert_int_equal(err.line, 192);
    b.n = 0;

    /* 100,000 attributes on one element: libxml2 alone would spend seconds on them */
    tb_add(&b, "<!-- a='1' --><?pi b='2'?>\n<platform version='1' id='c' name='c'\n");
    for (int i = 0; i < 100000; i++) tb_add(&b, " a%d='x'", i);
    tb_add(&b, "/>");
    assert_null(load_text(b.s, &err));
    if (!strstr(err.msg, "at most 64 attributes")) fail_msg("%s", err.msg);
    assert_int_equal(err.line, 2);
    b.n = 0;

    tb_add(&b, "%s<network id='s' topology='switch' hop_latency_us='1'/><partition id='p' node='n' nodes='1' network='s'/>\n", CASE_HEAD);
    for (int i = 0; i <= PLAT_MAX_NOTES; i++) tb_add(&b, "<source>s%d</source>\n", i);
    tb_add(&b, "%s", CASE_TAIL);
    assert_null(load_text(b.s, &err));
    assert_non_null(strstr(err.msg, "at most 10000 <assumption> and <source> elements"));
    free(b.s);
}

/* Messages. libxml2 reports a byte the declared encoding cannot read without a parser context, so
 * it printed "encoding error : input conversion failed" to stderr before our message: now nothing
 * is printed and the message says what happened, on its line. A denormal is refused for what it
 * is; a value echoed in a message is cut at 40 characters. */
static void load_quietly(const char *xml, size_t len, plat_error *err, char *printed, size_t size)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    plat_platform *p = plat_load_memory(xml, len, "case.xml", err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(printed, 1, size - 1, tmp);
    printed[n] = '\0';
    fclose(tmp);
    if (p) fail_msg("loaded, but must not");
}

static void test_messages(void **state)
{
    (void)state;
    plat_error err;
    char printed[1024];
    static const char shift_jis[] = "<?xml version='1.0' encoding='Shift_JIS'?>\n<platform version='1' id='x' name='\x81\xff\xa0'>\n</platform>\n";
    load_quietly(shift_jis, sizeof shift_jis - 1, &err, printed, sizeof printed);
    assert_string_equal(printed, "");
    assert_int_equal(err.line, 2);
    if (!strstr(err.msg, "bytes that the declared encoding cannot read")) fail_msg("%s", err.msg);
    /* the handlers are given back: a second load says the same, still quietly */
    load_quietly(shift_jis, sizeof shift_jis - 1, &err, printed, sizeof printed);
    assert_string_equal(printed, "");

    static const char *const tiny[][2] = {
        { "1e-320", "memory_gb on <accelerator> is too close to zero to be represented (got 1e-320)" },
        { "1e400", "memory_gb on <accelerator> is too large to be represented (got 1e400)" },
        { "inf", "memory_gb on <accelerator> must be a finite number, not 'inf'" },
    };
    for (size_t i = 0; i < sizeof tiny / sizeof *tiny; i++) {
        char xml[1024];
        snprintf(xml, sizeof xml, "<platform version='1' id='c' name='c'><accelerator id='g' memory_gb='%s' memory_tbs='1' "
                 "tdp_w='300'><peak precision='fp32' tflops='10'/></accelerator></platform>", tiny[i][0]);
        assert_null(load_text(xml, &err));
        if (!strstr(err.msg, tiny[i][1])) fail_msg("%s", err.msg);
    }

    char name[5001], xml[6000], want[64];
    memset(name, 'a', 5000);
    name[5000] = '\0';
    snprintf(want, sizeof want, "'%.40s\xe2\x80\xa6'", name);
    snprintf(xml, sizeof xml, CASE_HEAD "<network id='s' topology='switch' hop_latency_us='1'/>"
             "<partition id='%s' node='n' nodes='1' network='s'/>" CASE_TAIL, name);
    assert_null(load_text(xml, &err));
    if (!strstr(err.msg, want)) fail_msg("%s", err.msg);
    snprintf(xml, sizeof xml, CASE_HEAD "<network id='s' topology='switch' hop_latency_us='1'/>"
             "<partition id='p' node='%s' nodes='1' network='s'/>" CASE_TAIL, name);
    assert_null(load_text(xml, &err));
    if (!strstr(err.msg, "refers to node 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xe2\x80\xa6', which")) fail_msg("%s", err.msg);
    /* cut between UTF-8 sequences, never inside one */
    char accented[2 * 60 + 1] = "";
    for (int i = 0; i < 60; i++) strcat(accented, "\xc3\xa9");
    snprintf(xml, sizeof xml, "<platform version='1' id='%s' name='x'/>", accented);
    assert_null(load_text(xml, &err));
    snprintf(want, sizeof want, "'%.80s\xe2\x80\xa6'", accented);
    if (!strstr(err.msg, want)) fail_msg("%s", err.msg);
}

/* The command line on what the loader refuses: every stage says why and exits 2, in well under its
 * time limit (run_alarm_s), instead of aborting on memory; a long unknown name is cut. */
static void test_stages_fail_cleanly(void **state)
{
    (void)state;
    static const char *const files[] = { "tests/fixtures/platforms/limits/torus-4096-4.xml",
                                         "tests/fixtures/platforms/limits/dragonfly-million.xml",
                                         "tests/fixtures/platforms/limits/fat-tree-million.xml" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        run("en", "platform", "check", files[i], NULL);
        if (R.status != 2 || !strstr(R.err, "are supported")) fail_msg("check %s: %d %s", files[i], R.status, R.err);
        run("en", "predict", "--platform", files[i], "--model", "llama2-7b", "--gpus", "64", "--gbs", "64", NULL);
        if (R.status != 2 || !strstr(R.err, "are supported")) fail_msg("predict %s: %d %s", files[i], R.status, R.err);
        run("en", "simulate", "collective", "--platform", files[i], "--op", "allreduce", "--bytes", "1e6", NULL);
        if (R.status != 2 || !strstr(R.err, "are supported")) fail_msg("simulate %s: %d %s", files[i], R.status, R.err);
    }
    /* at the limits: loads, and simulate refuses all 500,000 GPUs at once rather than taking minutes
     * (routes were linear in the node index, so costing the ring was quadratic) */
    run("en", "platform", "check", "tests/fixtures/platforms/limits/edge-fat-tree.xml", NULL);
    if (R.status != 0) fail_msg("%d %s", R.status, R.err);
    run("en", "simulate", "collective", "--platform", "tests/fixtures/platforms/limits/edge-fat-tree.xml", "--op", "allreduce",
        "--bytes", "1e6", NULL);
    if (R.status != 2 || !strstr(R.err, "lower --gpus")) fail_msg("%d %s", R.status, R.err);
    /* all 44,544 GPUs of El Capitan in a ring: 4 billion messages, refused with what to lower */
    run("en", "simulate", "collective", "--platform", "el-capitan", "--op", "allreduce", "--bytes", "1e6", NULL);
    if (R.status != 2 || !strstr(R.err, "lower --gpus")) fail_msg("%d %s", R.status, R.err);
    run("en", "simulate", "collective", "--platform", "eos", "--op", "alltoall", "--bytes", "1e6", "--gpus", "1024", NULL);
    if (R.status != 2 || !strstr(R.err, "lower --gpus")) fail_msg("%d %s", R.status, R.err);
    run("en", "simulate", "collective", "--platform", "eos", "--op", "allreduce", "--bytes", "1e6", "--gpus", "256", NULL);
    if (R.status != 0) fail_msg("%d %s", R.status, R.err);
    char name[5001];
    memset(name, 'x', 5000);
    name[5000] = '\0';
    run("en", "platform", "show", name, NULL);
    assert_int_equal(R.status, 2);
    if (!strstr(R.err, "unknown platform 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xe2\x80\xa6'") || strlen(R.err) > 1000)
        fail_msg("%s", R.err);
}

/* ------------------------------------------------------------------------------------------- */

/* The figures the issue names: Jean Zay's H100 partition has 1,456 GPUs and 1,456 x 989 TFLOP/s BF16. */
/* What-if machines: a partition resized, its network grown by its own rules, the limits kept, and
 * the platform untouched when a resize is refused. */
static void test_resize_partition(void **state)
{
    (void)state;
    char err[512];
    /* Jean Zay's H100 fat tree: 2 levels of radix 64 (2,048 ports) hold 364 nodes of 4 NICs; twice
     * as many need a third level */
    plat_platform *jz = load_ok("assets/platforms/jean-zay.xml");
    int h100 = plat_find_partition(jz, "h100");
    const plat_network *ib = &jz->networks[jz->partitions[h100].network];
    assert_int_equal(ib->levels, 2);
    assert_int_equal(plat_resize_partition(jz, h100, 500, err, sizeof err), 0);
    assert_int_equal(ib->levels, 2);                                  /* 2,000 ports still fit */
    assert_int_equal(plat_resize_partition(jz, h100, 728, err, sizeof err), 0);
    assert_int_equal(jz->partitions[h100].nodes, 728);
    assert_int_equal(ib->levels, 3);
    plat_totals t;
    plat_partition_totals(jz, h100, &t);
    assert_int_equal(t.accels, 728 * 4);
    assert_int_equal(plat_resize_partition(jz, h100, 100, err, sizeof err), 0);
    assert_int_equal(ib->levels, 3);                                  /* never fewer than it had */
    assert_int_equal(plat_resize_partition(jz, h100, 200000, err, sizeof err), -1);
    assert_non_null(strstr(err, "100000"));
    assert_int_equal(jz->partitions[h100].nodes, 100);                /* left as it was */
    plat_free(jz);

    /* a dragonfly gains groups up to its limit; a torus stretches its last dimension */
    plat_platform *fr = load_ok("assets/platforms/frontier.xml");
    const plat_network *sl = &fr->networks[fr->partitions[0].network];
    long groups_before = (plat_network_nodes(fr, fr->partitions[0].network) + sl->group_nodes - 1) / sl->group_nodes;
    assert_int_equal(plat_resize_partition(fr, 0, 2 * fr->partitions[0].nodes, err, sizeof err), 0);
    long groups_after = (plat_network_nodes(fr, fr->partitions[0].network) + sl->group_nodes - 1) / sl->group_nodes;
    assert_true(groups_after >= 2 * groups_before - 1);
    assert_int_equal(plat_resize_partition(fr, 0, (long)sl->group_nodes * 2000, err, sizeof err), -1);
    assert_true(strstr(err, "groups") || strstr(err, "nodes"));
    plat_free(fr);
    plat_error perr;
    plat_platform *to = load_text(CASE_HEAD "<network id='t' topology='torus' dims='4x4x8' hop_latency_us='0.1'/>"
                                            "<partition id='p' node='n' nodes='128' network='t'/>" CASE_TAIL, &perr);
    assert_non_null(to);
    assert_int_equal(plat_resize_partition(to, 0, 512, err, sizeof err), 0);
    assert_int_equal(to->networks[0].dims[2], 32);                    /* one node per point, as before */
    assert_int_equal(to->networks[0].dims[0], 4);
    plat_free(to);

    /* listed switches and links cannot grow; shrinking is fine */
    plat_platform *cl = load_ok("assets/platforms/classroom.xml");
    long nodes = cl->partitions[0].nodes;
    assert_int_equal(plat_resize_partition(cl, 0, nodes + 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot grow"));
    assert_int_equal(cl->partitions[0].nodes, nodes);
    int links = cl->networks[0].nlinks;
    assert_int_equal(plat_resize_partition(cl, 0, nodes / 2, err, sizeof err), 0);
    assert_int_equal(cl->networks[0].nlinks, links - 2);             /* leaf2's and leaf3's nodes are gone */
    assert_int_equal(plat_resize_partition(cl, 0, 0, err, sizeof err), -1);
    assert_int_equal(plat_resize_partition(cl, 5, 10, err, sizeof err), -1);
    plat_free(cl);
}

/* A clone is a platform of its own: the same figures, no pointer shared (freeing the source
 * first is fine; make check runs it under ASan), and resizing it leaves the source as it was. */
static void test_clone_is_a_private_copy(void **state)
{
    (void)state;
    assert_null(plat_clone(NULL));
    static const char *const presets[] = { "assets/platforms/jean-zay.xml", "assets/platforms/classroom.xml",
                                           "assets/platforms/frontier.xml" };
    for (size_t k = 0; k < sizeof presets / sizeof *presets; k++) {
        plat_platform *src = load_ok(presets[k]);
        plat_totals ts, tc;
        plat_machine_totals(src, &ts);
        plat_platform *c = plat_clone(src);
        assert_ptr_not_equal(c->partitions, src->partitions);
        assert_ptr_not_equal(c->partitions[0].id, src->partitions[0].id);
        assert_int_equal(c->nsources, src->nsources);
        long nodes = src->partitions[0].nodes;
        char err[512];
        assert_int_equal(plat_resize_partition(c, 0, nodes / 2, err, sizeof err), 0);
        assert_int_equal(src->partitions[0].nodes, nodes);
        plat_totals again;
        plat_machine_totals(src, &again);
        assert_int_equal(again.switches, ts.switches);
        assert_true(again.bisection_tbs == ts.bisection_tbs);
        assert_int_equal(c->partitions[0].nodes, nodes / 2);
        plat_free(c);
        c = plat_clone(src);
        plat_free(src);                                           /* the clone lives on alone */
        plat_machine_totals(c, &tc);
        assert_int_equal(tc.nodes, ts.nodes);
        assert_int_equal(tc.accels, ts.accels);
        assert_true(tc.peak_pflops[PLAT_BF16] == ts.peak_pflops[PLAT_BF16]);
        assert_true(tc.power_facility_mw == ts.power_facility_mw);
        assert_non_null(c->sources[0].text);
        plat_free(c);
    }
}

/* Resize a file's text; fail with the message when it refuses. */
static char *resized_text(const char *path, const char *partition, long nodes, const char *lang, size_t *len)
{
    char *xml, why[256], err[1024], *out;
    size_t n;
    if (ut_read_file(path, PLAT_MAX_FILE_BYTES, &xml, &n, why, sizeof why) != 0) fail_msg("%s: %s", path, why);
    int rc = plat_resize_xml(xml, n, path, partition, nodes, lang, &out, len, err, sizeof err);
    free(xml);
    if (rc != 0) fail_msg("%s resized to %ld nodes: %s", path, nodes, err);
    assert_int_equal(strlen(out), *len);
    return out;
}

static void assert_same_totals(const plat_totals *a, const plat_totals *b)
{
    assert_int_equal(a->nodes, b->nodes);
    assert_int_equal(a->accels, b->accels);
    assert_int_equal(a->switches, b->switches);
    assert_near(a->bisection_tbs, b->bisection_tbs, 1e-12);
    assert_near(a->power_facility_mw, b->power_facility_mw, 1e-12);
    assert_near(a->peak_pflops[PLAT_BF16], b->peak_pflops[PLAT_BF16], 1e-12);
    assert_near(a->injection_tbs, b->injection_tbs, 1e-12);
}

/* A what-if file loads back to the machine resized in memory, for each way a network grows or
 * shrinks, and keeps every source and assumption of the original, plus one that says what changed. */
static void test_resized_file_is_the_resized_machine(void **state)
{
    (void)state;
    static const struct { const char *path, *partition; long nodes; } cases[] = {
        { "assets/platforms/jean-zay.xml", "h100", 728 },      /* fat tree: a third level */
        { "assets/platforms/jean-zay.xml", "a100", 3 },        /* shrinks, shares its network with v100 */
        { "assets/platforms/frontier.xml", NULL, 20000 },      /* dragonfly: more groups */
        { "assets/platforms/classroom.xml", "gpu", 6 },        /* explicit: links cut to the nodes left */
        { "assets/platforms/selene.xml", NULL, 1 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t len;
        char *text = resized_text(cases[k].path, cases[k].partition, cases[k].nodes, "en", &len);
        plat_platform *orig = load_ok(cases[k].path), *mem = load_ok(cases[k].path);
        int part = cases[k].partition ? plat_find_partition(mem, cases[k].partition) : 0;
        char err[512];
        assert_int_equal(plat_resize_partition(mem, part, cases[k].nodes, err, sizeof err), 0);
        plat_error perr;
        plat_platform *back = plat_load_memory(text, len, "resized.xml", &perr);
        if (!back) fail_msg("case %zu does not load: %s", k, perr.msg);
        plat_totals a, b;
        plat_machine_totals(mem, &a);
        plat_machine_totals(back, &b);
        assert_same_totals(&a, &b);
        for (int i = 0; i < mem->npartitions; i++) {
            plat_partition_totals(mem, i, &a);
            plat_partition_totals(back, i, &b);
            assert_same_totals(&a, &b);
            assert_int_equal(back->partitions[i].nodes_per_rack, mem->partitions[i].nodes_per_rack);
        }
        const plat_network *nm = &mem->networks[mem->partitions[part].network];
        const plat_network *nb = &back->networks[back->partitions[part].network];
        assert_int_equal(nb->levels, nm->levels);
        assert_int_equal(nb->nlinks, nm->nlinks);
        assert_int_equal(back->partitions[part].nodes, cases[k].nodes);
        assert_int_equal(back->nsources, orig->nsources);
        assert_int_equal(back->nassumptions, orig->nassumptions + 1);
        assert_string_equal(back->id, orig->id);
        assert_non_null(strstr(back->name, "what-if"));
        const plat_note *note = NULL;
        for (int i = 0; i < back->nassumptions; i++)
            if (strstr(back->assumptions[i].text, "usine platform resize")) note = &back->assumptions[i];
        assert_non_null(note);
        char about[200];
        snprintf(about, sizeof about, "partition %s", back->partitions[part].id);
        assert_string_equal(note->about, about);
        assert_string_equal(note->lang, "en");
        char count[64], c1[32], c2[32];   /* (grouped as the interface writes counts: English here) */
        snprintf(count, sizeof count, "%s nodes instead of the %s", ut_count(c1, sizeof c1, (double)cases[k].nodes),
                 ut_count(c2, sizeof c2, orig->partitions[part].nodes));
        if (!strstr(note->text, count)) fail_msg("case %zu: the note does not say '%s': %s", k, count, note->text);
        plat_free(back);
        plat_free(mem);
        plat_free(orig);
        free(text);
    }
    /* what changed in the network is named; a torus stretches, written as dims */
    size_t len;
    char *text = resized_text("assets/platforms/jean-zay.xml", "h100", 728, NULL, &len);
    assert_non_null(strstr(text, "levels=\"3\" radix=\"64\""));
    assert_non_null(strstr(text, "has 3 levels of switches instead of 2"));
    assert_non_null(strstr(text, "<!--"));                       /* the file's comments stay */
    free(text);
    const char *torus = CASE_HEAD "<network id='t' topology='torus' dims='4x4x8' hop_latency_us='0.1'/>"
                                  "<partition id='p' node='n' nodes='128' network='t'/>" CASE_TAIL;
    char *out, err[512];
    assert_int_equal(plat_resize_xml(torus, strlen(torus), "t.xml", "p", 512, NULL, &out, &len, err, sizeof err), 0);
    assert_non_null(strstr(out, "dims=\"4x4x32\""));
    assert_non_null(strstr(out, "4x4x32 torus instead of 4x4x8"));
    plat_error perr;
    plat_platform *t = plat_load_memory(out, len, "t.xml", &perr);
    assert_non_null(t);
    assert_null(t->assumptions[0].lang);                          /* NULL: a note for every language */
    assert_int_equal(t->partitions[0].nodes_per_rack, 8);
    plat_free(t);
    free(out);
}

/* Refusals: the resize's own, the loader's and an unknown partition, each with its message and
 * nothing written. */
static void test_resize_xml_refuses_with_a_message(void **state)
{
    (void)state;
    char *xml, why[256], err[1024], *out = (char *)"untouched";
    size_t n, len;
    assert_int_equal(ut_read_file("assets/platforms/classroom.xml", PLAT_MAX_FILE_BYTES, &xml, &n, why, sizeof why), 0);
    assert_int_equal(plat_resize_xml(xml, n, "classroom.xml", "gpu", 17, NULL, &out, &len, err, sizeof err), -1);
    assert_null(out);
    assert_non_null(strstr(err, "cannot grow"));
    assert_int_equal(plat_resize_xml(xml, n, "classroom.xml", "cpu", 4, NULL, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "no partition 'cpu'"));
    assert_non_null(strstr(err, "gpu"));
    assert_int_equal(plat_resize_xml(xml, n, "classroom.xml", NULL, 0, NULL, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "1 to 100000"));
    /* the file's own count: the file itself, no what-if note */
    assert_int_equal(plat_resize_xml(xml, n, "classroom.xml", "gpu", 16, NULL, &out, &len, err, sizeof err), 0);
    assert_int_equal(len, n);
    assert_memory_equal(out, xml, n);
    free(out);
    assert_int_equal(plat_resize_xml(xml, n / 2, "half.xml", NULL, 4, NULL, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "half.xml"));
    free(xml);
}

static void test_jean_zay_h100(void **state)
{
    (void)state;
    plat_platform *p = load_ok("assets/platforms/jean-zay.xml");
    int h100 = plat_find_partition(p, "h100");
    assert_true(h100 >= 0);
    plat_totals t;
    plat_partition_totals(p, h100, &t);
    assert_int_equal(t.accels, 1456);
    assert_int_equal(t.nodes, 364);
    assert_near(t.peak_pflops[PLAT_BF16], 1456 * 989 / 1000.0, 1e-12);
    int a100 = plat_find_partition(p, "a100");
    assert_true(a100 >= 0);
    plat_partition_totals(p, a100, &t);
    assert_int_equal(t.accels, 416);
    assert_true(plat_find_partition(p, "v100") >= 0);
    plat_free(p);
}

/* Every shipped preset loads, has both descriptions, and gives positive totals. */
static void test_every_preset_loads(void **state)
{
    (void)state;
    static const char *const required[] = { "classroom", "jean-zay", "alice-recoque", "selene", "eos",
                                            "frontier", "el-capitan", "jupiter" };
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        char path[256];
        snprintf(path, sizeof path, "assets/platforms/%s.xml", required[i]);
        plat_platform *p = load_ok(path);
        assert_string_equal(p->id, required[i]);
        if (!p->description_fr || !p->description_en) fail_msg("%s needs a description in French and in English", path);
        plat_totals t;
        plat_machine_totals(p, &t);
        assert_true(t.accels > 0 && t.peak_pflops[PLAT_BF16] + t.peak_pflops[PLAT_FP16] > 0);
        assert_true(t.power_it_mw > 0 && t.power_facility_mw >= t.power_it_mw);
        assert_true(t.injection_tbs > 0 && t.bisection_tbs > 0 && t.bisection_tbs <= t.injection_tbs / 2 * (1 + 1e-12));
        plat_free(p);
    }
    /* and nothing else in the folder is broken */
    DIR *d = opendir("assets/platforms");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml")) continue;
        char path[512];
        snprintf(path, sizeof path, "assets/platforms/%s", e->d_name);
        plat_free(load_ok(path));
    }
    closedir(d);
}

/* Alice Recoque's figures are announced, not measured: the file must say which are assumptions. */
static void test_alice_recoque_labels_assumptions(void **state)
{
    (void)state;
    plat_platform *p = load_ok("assets/platforms/alice-recoque.xml");
    int fr = 0, en = 0;
    for (int i = 0; i < p->nassumptions; i++) {
        fr += p->assumptions[i].lang && !strcmp(p->assumptions[i].lang, "fr");
        en += p->assumptions[i].lang && !strcmp(p->assumptions[i].lang, "en");
    }
    assert_true(fr >= 3 && en >= 3);
    int mi430x = plat_find_accel(p, "mi430x");
    assert_true(mi430x >= 0);
    assert_near(p->accels[mi430x].memory_gb, 432, 0);
    assert_near(p->accels[mi430x].memory_tbs, 19.6, 0);
    plat_free(p);
}

/* ------------------------------------------------------------------------------------------- */

/* Each broken or hostile file fails with its line and its message, and the message starts with
 * "file:line: " so that editors jump to it. */
static void test_bad_files(void **state)
{
    (void)state;
    FILE *f = fopen(BAD "EXPECTED", "r");
    assert_non_null(f);
    char row[1024];
    int cases = 0;
    while (fgets(row, sizeof row, f)) {
        if (row[0] == '#' || row[0] == '\n') continue;
        row[strcspn(row, "\n")] = '\0';
        char *name = strtok(row, "\t"), *line = strtok(NULL, "\t"), *expect = strtok(NULL, "");
        assert_non_null(expect);
        char path[512], prefix[600];
        snprintf(path, sizeof path, BAD "%s", name);
        plat_error err;
        plat_platform *p = plat_load_file(path, &err);
        if (p) fail_msg("%s loaded but must not", path);
        if (err.line != atoi(line)) fail_msg("%s: error on line %d, expected %s: %s", name, err.line, line, err.msg);
        snprintf(prefix, sizeof prefix, "%s:%s: ", path, line);
        if (strncmp(err.msg, prefix, strlen(prefix))) fail_msg("%s: message does not start with '%s': %s", name, prefix, err.msg);
        if (!strstr(err.msg, expect)) fail_msg("%s: message lacks '%s': %s", name, expect, err.msg);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 50);
}

/* Files that are not files: missing, a folder, a device, a FIFO (must not block), too large. */
static void test_not_regular_files(void **state)
{
    (void)state;
    plat_error err;
    assert_null(plat_load_file("tests/fixtures/platforms/does-not-exist.xml", &err));
    assert_non_null(strstr(err.msg, "does-not-exist.xml: "));
    assert_null(plat_load_file("tests/fixtures/platforms", &err));
    assert_non_null(strstr(err.msg, "directory"));
    assert_null(plat_load_file("/dev/zero", &err));
    assert_non_null(strstr(err.msg, "regular file"));
    char fifo[] = "/tmp/usine-test-fifo-XXXXXX";
    int fd = mkstemp(fifo);
    assert_true(fd >= 0);
    close(fd);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_null(plat_load_file(fifo, &err));                          /* returns at once, no writer needed */
    unlink(fifo);
    size_t big = PLAT_MAX_FILE_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    assert_null(plat_load_memory(huge, big, "huge.xml", &err));
    assert_non_null(strstr(err.msg, "huge.xml: "));
    free(huge);
}

/* Every prefix of a valid file is refused with a message and a line (or loads, once the closing
 * tag is complete); none crashes. Run under the sanitizers by 'make check'. */
static void test_every_truncation_fails_cleanly(void **state)
{
    (void)state;
    char *text, why[128];
    size_t len;
    assert_int_equal(ut_read_file("assets/platforms/classroom.xml", 1 << 20, &text, &len, why, sizeof why), 0);
    size_t complete = (size_t)(strstr(text, "</platform>") - text) + strlen("</platform>");
    for (size_t cut = 0; cut < len; cut++) {
        plat_error err;
        plat_platform *p = plat_load_memory(text, cut, "cut.xml", &err);
        if (cut >= complete) {
            if (!p) fail_msg("the complete file cut at %zu should load: %s", cut, err.msg);
            plat_free(p);
            continue;
        }
        if (p) fail_msg("classroom.xml cut at byte %zu loaded", cut);
        if (strncmp(err.msg, "cut.xml:", 8) || err.line <= 0) fail_msg("cut at %zu: no line in '%s'", cut, err.msg);
    }
    free(text);
}

/* Random single-byte changes, from a seeded generator so that a failure can be replayed. */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    char *text, why[128];
    size_t len;
    assert_int_equal(ut_read_file(GOOD "explicit.xml", 1 << 20, &text, &len, why, sizeof why), 0);
    uint64_t seed = 0x5eed;
    int refused = 0;
    for (int i = 0; i < 3000; i++) {
        char *copy = ut_strndup(text, len);
        for (int k = 0; k < 1 + i % 3; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            static const char bytes[] = " <>/=\"'&;x0-9.\n\xff";
            copy[(seed >> 33) % len] = bytes[(seed >> 20) % (sizeof bytes - 1)];
        }
        plat_error err;
        plat_platform *p = plat_load_memory(copy, len, "m.xml", &err);
        if (!p) {
            refused++;
            if (strncmp(err.msg, "m.xml:", 6)) fail_msg("mutation %d: message without the file name: %s", i, err.msg);
        }
        plat_free(p);
        free(copy);
    }
    assert_true(refused > 1000);
    free(text);
}

static void test_names_and_misc(void **state)
{
    (void)state;
    assert_int_equal(plat_prec_from_name("bf16"), PLAT_BF16);
    assert_int_equal(plat_prec_from_name("fp4"), -1);
    assert_int_equal(plat_prec_from_name(NULL), -1);
    assert_string_equal(plat_prec_name(PLAT_FP8), "fp8");
    assert_string_equal(plat_topology_name(PLAT_TOPO_FAT_TREE), "fat-tree");
    assert_non_null(strstr(plat_schema_text(), "<grammar"));
    plat_free(NULL);
    double d;
    assert_int_equal(ut_parse_double(" 1.5 ", &d), 0);
    assert_near(d, 1.5, 0);
    assert_int_equal(ut_parse_double("1,5", &d), -1);
    assert_int_equal(ut_parse_double("nan", &d), -1);
    assert_int_equal(ut_parse_double("1e999", &d), -1);
    long l;
    assert_int_equal(ut_parse_long("12", 0, 100, &l), 0);
    assert_int_equal(ut_parse_long("120", 0, 100, &l), -1);
    assert_int_equal(ut_parse_long("1.0", 0, 100, &l), -1);
}

/* A number of the presets' texts written as the program writes numbers (app_fmt.c): French groups
 * digits with U+202F, a narrow no-break space ("2 696 GPU", never "2696" nor a plain space that a
 * line may break at), English with commas ("2,696 GPUs"). `why` gets the first offence. Years and
 * part numbers (four digits: "2024", "EPYC 7742") are words, not figures, and stay as they are. */
static int after_name(const char *text, const char *space)   /* the word before `space` has a capital */
{
    const char *w = space;
    while (w > text && w[-1] != ' ') w--;
    for (; w < space; w++)
        if (isupper((unsigned char)*w)) return 1;
    return 0;
}

static int number_style_ok(const char *text, int french, char *why, size_t n)
{
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9' || (c > text && (isalnum((unsigned char)c[-1]) || c[-1] == '.' || c[-1] == ','))) continue;
        const char *e = c;
        while (*e >= '0' && *e <= '9') e++;
        size_t digits = (size_t)(e - c);
        int plain_group = e[0] == ' ' && e[1] >= '0' && e[1] <= '9' && e[2] >= '0' && e[2] <= '9' && e[3] >= '0' && e[3] <= '9' &&
                          !(e[4] >= '0' && e[4] <= '9') && !isalpha((unsigned char)e[4]) && digits <= 3;
        /* four digits: a year, a part of a name ("8480C", "405B") or a part number after a name
         * ("EPYC 7742", "ESS 3500"), else a figure */
        int word = digits == 4 && ((c[0] == '1' && c[1] == '9') || (c[0] == '2' && c[1] == '0') || isalpha((unsigned char)*e) ||
                                   (c - text >= 2 && c[-1] == ' ' && isupper((unsigned char)c[-2])) ||
                                   (c - text >= 2 && c[-1] == ' ' && after_name(text, c - 1)));
        int reference = (*e == '-' && e[1] >= '0' && e[1] <= '9') || (c > text && (c[-1] == '-' || c[-1] == '/'));   /* "DA-11333-001" */
        if (!reference && (digits >= 5 || plain_group || (digits == 4 && !word))) {
            snprintf(why, n, "'%.*s' in %s: write %s", (int)(e - c + (plain_group ? 4 : 0)), c, french ? "French" : "English",
                     french ? "its groups with U+202F" : "its groups with commas");
            return 0;
        }
        c = e - 1;
    }
    return 1;
}

static void test_preset_texts_write_numbers_as_the_program(void **state)
{
    (void)state;
    char why[256];
    assert_false(number_style_ok("2696 GPU", 1, why, sizeof why));
    assert_false(number_style_ok("12824 GPU", 1, why, sizeof why));
    assert_false(number_style_ok("364 nœuds (1 456 GPU)", 1, why, sizeof why));
    assert_true(number_style_ok("364 nœuds (1\u202f456 GPU), EPYC 7742, 2024, 1,5 MW", 1, why, sizeof why));
    assert_false(number_style_ok("on 16384 H100 GPUs", 0, why, sizeof why));
    assert_true(number_style_ok("on 16,384 H100 GPUs (2,048 servers), Llama 3 405B, 2024", 0, why, sizeof why));
    DIR *d = opendir("assets/platforms");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".xml")) continue;
        char path[512];
        snprintf(path, sizeof path, "assets/platforms/%s", e->d_name);
        plat_platform *p = load_ok(path);
        if (p->description_fr && !number_style_ok(p->description_fr, 1, why, sizeof why)) fail_msg("%s: description: %s", path, why);
        if (p->description_en && !number_style_ok(p->description_en, 0, why, sizeof why)) fail_msg("%s: description: %s", path, why);
        const plat_note *lists[2] = { p->assumptions, p->sources };
        int counts[2] = { p->nassumptions, p->nsources };
        for (int l = 0; l < 2; l++)
            for (int i = 0; i < counts[l]; i++) {
                const plat_note *nt = &lists[l][i];
                int fr = nt->lang && !strcmp(nt->lang, "fr");
                if (!number_style_ok(nt->text, fr, why, sizeof why)) fail_msg("%s: %s", path, why);
            }
        plat_free(p);
    }
    closedir(d);
}

/* The schema shipped for editors is the one built in, and accepts what the loader accepts. */
static void test_schema_file_matches_built_in(void **state)
{
    (void)state;
    char *text, why[128];
    size_t len;
    assert_int_equal(ut_read_file("assets/schema/platform.rng", 1 << 20, &text, &len, why, sizeof why), 0);
    assert_string_equal(text, plat_schema_text());
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_fields_and_totals),
        cmocka_unit_test(test_explicit_bisection_is_the_max_flow),
        cmocka_unit_test(test_dragonfly_bisection),
        cmocka_unit_test(test_torus_bisection),
        cmocka_unit_test(test_partitions_share_networks),
        cmocka_unit_test(test_partition_bisection_follows_injection),
        cmocka_unit_test(test_six_of_every_kind),
        cmocka_unit_test(test_limits_of_what_can_be_built),
        cmocka_unit_test(test_many_elements),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_stages_fail_cleanly),
        cmocka_unit_test(test_resize_partition),
        cmocka_unit_test(test_clone_is_a_private_copy),
        cmocka_unit_test(test_resized_file_is_the_resized_machine),
        cmocka_unit_test(test_resize_xml_refuses_with_a_message),
        cmocka_unit_test(test_jean_zay_h100),
        cmocka_unit_test(test_every_preset_loads),
        cmocka_unit_test(test_alice_recoque_labels_assumptions),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_not_regular_files),
        cmocka_unit_test(test_every_truncation_fails_cleanly),
        cmocka_unit_test(test_mutations_never_crash),
        cmocka_unit_test(test_names_and_misc),
        cmocka_unit_test(test_schema_file_matches_built_in),
        cmocka_unit_test(test_preset_texts_write_numbers_as_the_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
