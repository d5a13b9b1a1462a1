/* fuzz_plat.c: the platform loader under a fuzzer (`make fuzz`; libFuzzer's entry point, so the
 * same file runs under libFuzzer with clang, or under tests/fuzz/standalone.c with gcc).
 *
 * Each input is a platform file. Whatever the bytes, the loader must return, without a sanitizer
 * report, in well under the fuzzer's time limit; when it refuses, the message names the file;
 * when it accepts, plat.h's invariants hold (every reference an index that exists, every count
 * positive) and every later stage that reads a platform (totals, bisection, the simulator's
 * network and routes over a few GPUs) runs on it. Any violation aborts, which the fuzzer reports
 * with the input that caused it. */
#include "net.h"
#include "plat.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "fuzz_plat: invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

static void check_platform(const plat_platform *p)
{
    CHECK(p->naccels > 0 && p->nnode_types > 0 && p->nnetworks > 0 && p->npartitions > 0);
    for (int i = 0; i < p->nnode_types; i++)
        CHECK(p->node_types[i].accel >= -1 && p->node_types[i].accel < p->naccels);
    for (int i = 0; i < p->npartitions; i++) {
        const plat_partition *pt = &p->partitions[i];
        CHECK(pt->node >= 0 && pt->node < p->nnode_types);
        CHECK(pt->network >= 0 && pt->network < p->nnetworks);
        CHECK(pt->nodes >= 1 && pt->nodes_per_rack >= 1);
        CHECK(plat_find_partition(p, pt->id) >= 0);
    }
    for (int n = 0; n < p->nnetworks; n++) {
        const plat_network *net = &p->networks[n];
        for (int k = 0; k < net->nlinks; k++) {
            const plat_link *lk = &net->links[k];
            CHECK(lk->a >= 0 && lk->a < net->nswitches);
            if (lk->b_kind == PLAT_END_SWITCH) CHECK(lk->b >= 0 && lk->b < net->nswitches);
            if (lk->b_kind == PLAT_END_NODES) CHECK(lk->b >= 0 && lk->b < p->npartitions);
            if (lk->b_kind == PLAT_END_STORAGE) CHECK(lk->b >= 0 && lk->b < p->nstorage);
        }
        double bisection = plat_network_bisection_tbs(p, n);
        CHECK(bisection >= 0);
    }
    plat_totals t;
    plat_machine_totals(p, &t);
    CHECK(t.nodes >= 1 && t.nodes <= PLAT_MAX_NODES_TOTAL && t.accels <= PLAT_MAX_ACCELS_TOTAL);
    for (int i = 0; i < p->npartitions; i++) {
        plat_partition_totals(p, i, &t);
        const plat_node *nd = &p->node_types[p->partitions[i].node];
        if (nd->accel < 0) continue;
        long all = (long)p->partitions[i].nodes * nd->accels_per_node;
        int gpus = all < 16 ? (int)all : 16;   /* a few GPUs: the network is still built end to end */
        char err[256];
        net *nw = net_create(p, i, gpus, err, sizeof err);
        if (!nw) continue;   /* refusing is allowed, with a message */
        int hops[NET_MAX_HOPS];
        double latency;
        for (int a = 0; a < gpus; a++) {
            int nh = net_route(nw, a, gpus - 1 - a, hops, &latency);
            CHECK(nh >= 0 && nh <= NET_MAX_HOPS);
            for (int h = 0; h < nh; h++) CHECK(hops[h] >= 0 && hops[h] < nw->nlinks);
        }
        net_destroy(nw);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    plat_error err;
    plat_platform *p = plat_load_memory((const char *)data, size, "fuzz.xml", &err);
    if (!p) {
        CHECK(!strncmp(err.msg, "fuzz.xml", 8));
        CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
        return 0;
    }
    check_platform(p);
    plat_free(p);
    return 0;
}
