/* plat_totals.c: figures derived from a platform (totals, power, bandwidth), and names.
 *
 * Conventions: decimal units throughout (1 PFLOP/s = 1000 TFLOP/s, 1 TB = 1000 GB); network
 * bandwidths are per direction, as link speeds are quoted (a 400 Gb/s NIC moves 50 GB/s each way).
 *
 * Bisection bandwidth is the bandwidth across the worst cut of the network into two halves of
 * nodes, per direction, never more than half the nodes' injection bandwidth:
 *   - switch: a non-blocking switch: half the injection bandwidth;
 *   - fat tree: half the injection bandwidth divided by the oversubscription;
 *   - dragonfly: the global links that cross between two halves of the groups, with the global
 *     links of a group spread evenly over the other groups;
 *   - torus: the links cut by a plane across the longest dimension (twice as many with wrap-around);
 *   - explicit: a maximum flow from the first half of the nodes to the second half (nodes in the
 *     order the links attach them), which for the trees of small factories is the bisection. */
#include "plat.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prec_names[PLAT_PREC_COUNT] = { "fp64", "fp32", "tf32", "fp16", "bf16", "fp8" };
static const char *const topo_names[PLAT_TOPO_COUNT] = { "switch", "fat-tree", "dragonfly", "torus", "explicit" };

const char *plat_prec_name(plat_prec prec)
{
    return prec >= 0 && prec < PLAT_PREC_COUNT ? prec_names[prec] : "?";
}

void plat_prec_offer(const plat_platform *p, int partition, plat_prec prec, char *has, size_t has_size, char *others,
                     size_t others_size)
{
    has[0] = others[0] = '\0';
    int a = p->node_types[p->partitions[partition].node].accel;
    for (int k = 0; a >= 0 && k < PLAT_PREC_COUNT; k++)
        if (k != PLAT_FP64 && p->accels[a].peak_tflops[k] > 0)
            snprintf(has + strlen(has), has_size - strlen(has), "%s%s", has[0] ? "|" : "", plat_prec_name((plat_prec)k));
    for (int i = 0; i < p->npartitions; i++) {
        int b = p->node_types[p->partitions[i].node].accel;
        if (i != partition && b >= 0 && p->accels[b].peak_tflops[prec] > 0)
            snprintf(others + strlen(others), others_size - strlen(others), "%s%s", others[0] ? "|" : "", p->partitions[i].id);
    }
}

int plat_prec_from_name(const char *name)
{
    for (int i = 0; name && i < PLAT_PREC_COUNT; i++)
        if (!strcmp(name, prec_names[i])) return i;
    return -1;
}

const char *plat_topology_name(plat_topology t)
{
    return t >= 0 && t < PLAT_TOPO_COUNT ? topo_names[t] : "?";
}

const char *plat_routing_name(plat_routing r)
{
    static const char *const names[PLAT_ROUTING_COUNT] = { "adaptive", "minimal", "valiant", "spray", "ecmp" };
    return r >= 0 && r < PLAT_ROUTING_COUNT ? names[r] : "?";
}

int plat_routing_parse(const plat_network *nw, const char *name, char *err, size_t err_size)
{
    static const int df[] = { PLAT_ROUTING_ADAPTIVE, PLAT_ROUTING_MINIMAL, PLAT_ROUTING_VALIANT, -1 };
    static const int ft[] = { PLAT_ROUTING_SPRAY, PLAT_ROUTING_ECMP, PLAT_ROUTING_ADAPTIVE, -1 };
    const int *k = nw->topology == PLAT_TOPO_DRAGONFLY ? df : nw->topology == PLAT_TOPO_FAT_TREE ? ft : NULL;
    for (; k && *k >= 0; k++)
        if (!strcmp(name, plat_routing_name((plat_routing)*k))) return *k;
    if (nw->topology == PLAT_TOPO_DRAGONFLY)
        snprintf(err, err_size, _("unknown routing '%s' for a dragonfly (adaptive, minimal or valiant)"), name);
    else if (nw->topology == PLAT_TOPO_FAT_TREE)
        snprintf(err, err_size, _("unknown routing '%s' for a fat tree (spray, ecmp or adaptive)"), name);
    else
        snprintf(err, err_size, _("network '%s' (%s) has one way to route: no routing to choose"), nw->id,
                 plat_topology_name(nw->topology));
    return -1;
}

int plat_find_partition(const plat_platform *p, const char *id)
{
    for (int i = 0; p && id && i < p->npartitions; i++)
        if (!strcmp(p->partitions[i].id, id)) return i;
    return -1;
}

int plat_find_accel(const plat_platform *p, const char *id)
{
    for (int i = 0; p && id && i < p->naccels; i++)
        if (!strcmp(p->accels[i].id, id)) return i;
    return -1;
}

double plat_node_power_w(const plat_platform *p, int node_type)
{
    const plat_node *n = &p->node_types[node_type];
    double accel_w = n->accel >= 0 ? n->accels_per_node * p->accels[n->accel].tdp_w : 0;
    return accel_w + n->cpus * n->cpu_tdp_w + n->other_w;
}

long plat_network_nodes(const plat_platform *p, int network)
{
    long nodes = 0;
    for (int i = 0; i < p->npartitions; i++)
        if (p->partitions[i].network == network) nodes += p->partitions[i].nodes;
    return nodes;
}

/* Injection bandwidth of the nodes on a network, TB/s per direction. */
static double network_injection_tbs(const plat_platform *p, int network)
{
    double tbs = 0;
    for (int i = 0; i < p->npartitions; i++) {
        const plat_partition *pt = &p->partitions[i];
        if (pt->network != network) continue;
        const plat_node *n = &p->node_types[pt->node];
        tbs += (double)pt->nodes * n->nics * n->nic_gbit_s / 8 / 1000;
    }
    return tbs;
}

/* ---------------------------------------------------------------------------------------------
 * Maximum flow (Dinic) on the explicit network's switch graph, capacities in Gb/s. Vertex 0 is the
 * source (first half of the nodes), 1 the sink (second half), 2 + s the switches. The graph is kept
 * as lists of arcs (arc e and its reverse e ^ 1), so memory and each phase are linear in the links:
 * a dense matrix would ask 28.8 GB for 60,000 switches, and its scans made a 2,000-switch star
 * take seconds. */

typedef struct flow_graph {
    int nv, narcs;
    int *head, *next, *to;      /* arcs leaving v: head[v], next[head[v]], ... (-1 ends) */
    double *cap;                /* residual capacity */
    int *level, *iter, *queue;
} flow_graph;

static void fg_init(flow_graph *g, int nv, int max_arcs)
{
    g->nv = nv;
    g->narcs = 0;
    g->head = ut_malloc((size_t)nv * sizeof *g->head);
    for (int v = 0; v < nv; v++) g->head[v] = -1;
    g->next = ut_malloc((size_t)max_arcs * sizeof *g->next);
    g->to = ut_malloc((size_t)max_arcs * sizeof *g->to);
    g->cap = ut_malloc((size_t)max_arcs * sizeof *g->cap);
    g->level = ut_malloc((size_t)nv * sizeof *g->level);
    g->iter = ut_malloc((size_t)nv * sizeof *g->iter);
    g->queue = ut_malloc((size_t)nv * sizeof *g->queue);
}

static void fg_free(flow_graph *g)
{
    free(g->head);
    free(g->next);
    free(g->to);
    free(g->cap);
    free(g->level);
    free(g->iter);
    free(g->queue);
}

/* An arc u -> v of capacity c and its reverse of capacity back (c for an undirected link, 0 else). */
static void fg_add(flow_graph *g, int u, int v, double c, double back)
{
    int e = g->narcs;
    g->to[e] = v, g->cap[e] = c, g->next[e] = g->head[u], g->head[u] = e;
    g->to[e + 1] = u, g->cap[e + 1] = back, g->next[e + 1] = g->head[v], g->head[v] = e + 1;
    g->narcs += 2;
}

#define FLOW_EPS 1e-9

static int fg_levels(flow_graph *g, int source, int sink)
{
    for (int v = 0; v < g->nv; v++) g->level[v] = -1;
    int head = 0, tail = 0;
    g->level[source] = 0;
    g->queue[tail++] = source;
    while (head < tail) {
        int u = g->queue[head++];
        for (int e = g->head[u]; e >= 0; e = g->next[e])
            if (g->cap[e] > FLOW_EPS && g->level[g->to[e]] < 0) {
                g->level[g->to[e]] = g->level[u] + 1;
                g->queue[tail++] = g->to[e];
            }
    }
    return g->level[sink] >= 0;
}

/* One augmenting path along the level graph, by an explicit stack (queue holds the arcs taken),
 * so a long path cannot exhaust the C stack. Returns the flow pushed, 0 when none is left. */
static double fg_augment(flow_graph *g, int source, int sink)
{
    int depth = 0, u = source;
    for (;;) {
        if (u == sink) {
            double push = INFINITY;
            for (int i = 0; i < depth; i++) push = fmin(push, g->cap[g->queue[i]]);
            for (int i = 0; i < depth; i++) {
                g->cap[g->queue[i]] -= push;
                g->cap[g->queue[i] ^ 1] += push;
            }
            return push;
        }
        int e = g->iter[u];
        while (e >= 0 && !(g->cap[e] > FLOW_EPS && g->level[g->to[e]] == g->level[u] + 1)) e = g->next[e];
        g->iter[u] = e;
        if (e >= 0) {
            g->queue[depth++] = e;
            u = g->to[e];
            continue;
        }
        if (depth == 0) return 0;
        g->level[u] = -1;                      /* a dead end: never enter it again this phase */
        u = g->to[g->queue[--depth] ^ 1];
        g->iter[u] = g->next[g->iter[u]];
    }
}

static double max_flow(flow_graph *g, int source, int sink)
{
    double flow = 0;
    while (fg_levels(g, source, sink)) {
        for (int v = 0; v < g->nv; v++) g->iter[v] = g->head[v];
        double push;
        while ((push = fg_augment(g, source, sink)) > 0) flow += push;
    }
    return flow;
}

static double explicit_bisection_tbs(const plat_platform *p, const plat_network *net, long nodes)
{
    int nv = net->nswitches + 2;
    double *from_source = ut_calloc((size_t)nv, sizeof *from_source), *to_sink = ut_calloc((size_t)nv, sizeof *to_sink);
    long half = nodes / 2, seen = 0;
    int switch_links = 0;
    for (int k = 0; k < net->nlinks; k++) {
        const plat_link *lk = &net->links[k];
        if (lk->b_kind == PLAT_END_SWITCH) switch_links++;
        else if (lk->b_kind == PLAT_END_NODES) {
            const plat_node *n = &p->node_types[p->partitions[lk->b].node];
            double per_node = fmin(lk->gbit_s * lk->parallel, n->nics * n->nic_gbit_s);
            /* nodes [seen, seen + count): the part below half feeds the source, the next half the sink */
            long lo = seen, hi = seen + lk->count;
            long to_src = (hi < half ? hi : half) - lo;
            long to_snk = (hi < 2 * half ? hi : 2 * half) - (lo > half ? lo : half);
            if (to_src > 0) from_source[2 + lk->a] += (double)to_src * per_node;
            if (to_snk > 0) to_sink[2 + lk->a] += (double)to_snk * per_node;
            seen = hi;
        }
    }
    flow_graph g;
    fg_init(&g, nv, 2 * (switch_links + 2 * net->nswitches) + 2);
    for (int k = 0; k < net->nlinks; k++) {
        const plat_link *lk = &net->links[k];
        if (lk->b_kind == PLAT_END_SWITCH)
            fg_add(&g, 2 + lk->a, 2 + lk->b, lk->gbit_s * lk->parallel, lk->gbit_s * lk->parallel);
    }
    for (int v = 2; v < nv; v++) {
        if (from_source[v] > 0) fg_add(&g, 0, v, from_source[v], 0);
        if (to_sink[v] > 0) fg_add(&g, v, 1, to_sink[v], 0);
    }
    double gbit = half ? max_flow(&g, 0, 1) : 0;
    fg_free(&g);
    free(from_source);
    free(to_sink);
    return gbit / 8 / 1000;
}

double plat_network_bisection_tbs(const plat_platform *p, int network)
{
    const plat_network *net = &p->networks[network];
    long nodes = plat_network_nodes(p, network);
    double half_injection = network_injection_tbs(p, network) / 2;
    double link_tbs = net->link_gbit_s / 8 / 1000;
    if (nodes < 2) return 0;
    switch (net->topology) {
    case PLAT_TOPO_SWITCH:
        return half_injection;
    case PLAT_TOPO_FAT_TREE:
        return net->levels > 1 ? half_injection / net->oversubscription : half_injection;
    case PLAT_TOPO_DRAGONFLY: {
        long groups = (nodes + net->group_nodes - 1) / net->group_nodes;
        if (groups < 2) return half_injection;
        double per_pair = (double)net->global_links / (double)(groups - 1);
        double crossing = (double)(groups / 2) * (double)(groups - groups / 2) * per_pair;
        return fmin(half_injection, crossing * link_tbs);
    }
    case PLAT_TOPO_TORUS: {
        long points = 1;
        int longest = 0;
        for (int d = 0; d < net->ndims; d++) {
            points *= net->dims[d];
            if (net->dims[d] > longest) longest = net->dims[d];
        }
        double cut_links = (double)points / longest * (longest > 2 ? 2 : 1);
        return fmin(half_injection, cut_links * link_tbs);
    }
    case PLAT_TOPO_EXPLICIT:
        return fmin(half_injection, explicit_bisection_tbs(p, net, nodes));
    default:
        return 0;
    }
}

/* Switches of a regular topology, from the number of NIC ports attached (0 when the file does not
 * say enough to count them). A fat tree of radix k: leaves split their ports between nodes and
 * uplinks by the oversubscription; middle levels use half their ports each way; the top level
 * points all its ports down. */
long plat_network_switches(const plat_platform *p, int network)
{
    const plat_network *net = &p->networks[network];
    long ports = 0;
    for (int i = 0; i < p->npartitions; i++)
        if (p->partitions[i].network == network)
            ports += (long)p->partitions[i].nodes * p->node_types[p->partitions[i].node].nics;
    switch (net->topology) {
    case PLAT_TOPO_SWITCH:
        return 1;
    case PLAT_TOPO_FAT_TREE: {
        long k = net->radix;
        if (!k || !ports) return 0;
        if (net->levels == 1) return (ports + k - 1) / k;
        long down = (long)floor(k * net->oversubscription / (1 + net->oversubscription));
        if (down < 1) down = 1;
        if (down >= k) down = k - 1;
        long leaves = (ports + down - 1) / down;
        long uplinks = leaves * (k - down);
        long total = leaves;
        for (int level = 2; level < net->levels; level++) total += (uplinks + k / 2 - 1) / (k / 2);
        return total + (uplinks + k - 1) / k;
    }
    case PLAT_TOPO_DRAGONFLY: {
        long nodes = plat_network_nodes(p, network);
        long groups = (nodes + net->group_nodes - 1) / net->group_nodes;
        return groups * net->group_switches;
    }
    case PLAT_TOPO_TORUS: {
        long points = 1;
        for (int d = 0; d < net->ndims; d++) points *= net->dims[d];
        return points;
    }
    case PLAT_TOPO_EXPLICIT:
        return net->nswitches;
    default:
        return 0;
    }
}

static void add_nodes(const plat_platform *p, int partition, plat_totals *t)
{
    const plat_partition *pt = &p->partitions[partition];
    const plat_node *n = &p->node_types[pt->node];
    long accels = (long)pt->nodes * n->accels_per_node;
    t->nodes += pt->nodes;
    t->accels += accels;
    t->cpu_cores += (long)pt->nodes * n->cpus * n->cores_per_cpu;
    if (n->accel >= 0) {
        const plat_accel *a = &p->accels[n->accel];
        for (int k = 0; k < PLAT_PREC_COUNT; k++) t->peak_pflops[k] += accels * a->peak_tflops[k] / 1000;
        t->accel_memory_tb += accels * a->memory_gb / 1000;
    }
    t->host_memory_tb += pt->nodes * n->memory_gb / 1000;
    t->injection_tbs += (double)pt->nodes * n->nics * n->nic_gbit_s / 8 / 1000;
    t->power_it_mw += pt->nodes * plat_node_power_w(p, pt->node) / 1e6;
}

/* A partition gets the share of its network's bisection that its injection represents (so never
 * more than half its own injection, whatever nodes of other kinds share the network), and the
 * share of its switches that its nodes represent. */
void plat_partition_totals(const plat_platform *p, int partition, plat_totals *t)
{
    memset(t, 0, sizeof *t);
    if (!p || partition < 0 || partition >= p->npartitions) return;
    add_nodes(p, partition, t);
    int net = p->partitions[partition].network;
    const plat_partition *pt = &p->partitions[partition];
    const plat_node *n = &p->node_types[pt->node];
    double share = (double)pt->nodes / (double)plat_network_nodes(p, net);
    double injection = network_injection_tbs(p, net);
    double own = (double)pt->nodes * n->nics * n->nic_gbit_s / 8 / 1000;
    long switches = plat_network_switches(p, net);
    t->bisection_tbs = plat_network_bisection_tbs(p, net) * (injection > 0 ? own / injection : share);
    t->switches = (long)ceil(switches * share);
    t->power_it_mw += t->switches * p->networks[net].switch_w / 1e6;
    t->power_facility_mw = t->power_it_mw * p->facility.pue;
}

void plat_machine_totals(const plat_platform *p, plat_totals *t)
{
    memset(t, 0, sizeof *t);
    if (!p) return;
    for (int i = 0; i < p->npartitions; i++) add_nodes(p, i, t);
    for (int n = 0; n < p->nnetworks; n++) {
        if (!plat_network_nodes(p, n)) continue;
        long switches = plat_network_switches(p, n);
        t->bisection_tbs += plat_network_bisection_tbs(p, n);
        t->switches += switches;
        t->power_it_mw += switches * p->networks[n].switch_w / 1e6;
    }
    t->power_facility_mw = t->power_it_mw * p->facility.pue;
}

/* Ports a fat tree of `levels` levels of radix-k switches connects, with the leaves' split of
 * down and up ports: k at one level; below the top, each level halves its ports between down and up. */
static double fat_tree_capacity(const plat_network *net, int levels)
{
    double k = net->radix, down = floor(k * net->oversubscription / (1 + net->oversubscription));
    if (down < 1) down = 1;
    if (down >= k) down = k - 1;
    if (levels <= 1) return k;
    return down * k * pow(k / 2, levels - 2);
}

/* An explicit network that shrinks keeps the links of the nodes that remain, cut to them, in their
 * order (explicit_bisection_tbs counts nodes in link order): what loading its file would give. */
static void drop_links_past(plat_network *net, int partition, long nodes)
{
    int kept = 0;
    for (int k = 0; k < net->nlinks; k++) {
        plat_link lk = net->links[k];
        if (lk.b_kind == PLAT_END_NODES && lk.b == partition) {
            if (lk.first >= nodes) continue;
            if ((long)lk.first + lk.count > nodes) lk.count = (int)(nodes - lk.first);
        }
        net->links[kept++] = lk;
    }
    net->nlinks = kept;
}

int plat_resize_partition(plat_platform *p, int partition, long nodes, char *err, size_t n)
{
    if (partition < 0 || partition >= p->npartitions) {
        snprintf(err, n, "%s", _("no such partition"));
        return -1;
    }
    plat_partition *pt = &p->partitions[partition];
    plat_network *net = &p->networks[pt->network];
    if (nodes < 1 || nodes > PLAT_MAX_NODES_TOTAL) {
        snprintf(err, n, _("a partition has 1 to %ld nodes (asked: %ld)"), PLAT_MAX_NODES_TOTAL, nodes);
        return -1;
    }
    if (nodes == pt->nodes) return 0;
    plat_partition saved_pt = *pt;
    plat_network saved_net = *net;
    long before = plat_network_nodes(p, pt->network);
    pt->nodes = (int)nodes;
    long after = plat_network_nodes(p, pt->network);
    int rc = 0;
    switch (net->topology) {
    case PLAT_TOPO_SWITCH:
    case PLAT_TOPO_EXPLICIT:
        if (after > before) {
            snprintf(err, n, _("network '%s' is %s: it cannot grow to %ld nodes; write a platform file with a larger one"),
                     net->id, net->topology == PLAT_TOPO_SWITCH ? _("one switch") : _("a list of switches and links"), after);
            rc = -1;
        }
        break;
    case PLAT_TOPO_FAT_TREE: {
        long ports = 0;
        for (int i = 0; i < p->npartitions; i++)
            if (p->partitions[i].network == pt->network)
                ports += (long)p->partitions[i].nodes * p->node_types[p->partitions[i].node].nics;
        int levels = net->levels;
        while (levels <= 5 && fat_tree_capacity(net, levels) < ports) levels++;
        if (levels > 5) {
            snprintf(err, n, _("network '%s': %ld ports need more than 5 levels of radix-%d switches"), net->id, ports,
                     net->radix);
            rc = -1;
        } else net->levels = levels;
        break;
    }
    case PLAT_TOPO_DRAGONFLY:
        break;                   /* groups follow the nodes; check_limits below bounds them */
    case PLAT_TOPO_TORUS: {
        long points = 1, others = 1;
        for (int d = 0; d < net->ndims; d++) points *= net->dims[d];
        for (int d = 0; d + 1 < net->ndims; d++) others *= net->dims[d];
        long per_point = (before + points - 1) / points;
        long need = (after + per_point - 1) / per_point;
        long last = (need + others - 1) / others;
        if (after <= before || last <= net->dims[net->ndims - 1]) break;     /* it holds them as it is */
        if (others * last <= PLAT_MAX_TORUS_POINTS && last <= 4096) net->dims[net->ndims - 1] = (int)last;
        else {
            snprintf(err, n, _("network '%s': a torus of %ld points would be needed; at most %ld are supported"), net->id,
                     others * last, PLAT_MAX_TORUS_POINTS);
            rc = -1;
        }
        break;
    }
    default:
        break;
    }
    /* the same limits as a file's */
    long all_nodes = 0, accels = 0;
    for (int i = 0; rc == 0 && i < p->npartitions; i++) {
        all_nodes += p->partitions[i].nodes;
        accels += (long)p->partitions[i].nodes * p->node_types[p->partitions[i].node].accels_per_node;
    }
    if (rc == 0 && (all_nodes > PLAT_MAX_NODES_TOTAL || accels > PLAT_MAX_ACCELS_TOTAL)) {
        snprintf(err, n, _("the machine would have %ld nodes and %ld accelerators: at most %ld and %ld are supported"),
                 all_nodes, accels, PLAT_MAX_NODES_TOTAL, PLAT_MAX_ACCELS_TOTAL);
        rc = -1;
    }
    if (rc == 0 && net->topology == PLAT_TOPO_DRAGONFLY && (after + net->group_nodes - 1) / net->group_nodes > PLAT_MAX_DRAGONFLY_GROUPS) {
        snprintf(err, n, _("network '%s' would be a dragonfly of %ld groups: at most %ld are supported"), net->id,
                 (after + net->group_nodes - 1) / net->group_nodes, PLAT_MAX_DRAGONFLY_GROUPS);
        rc = -1;
    }
    if (rc == 0 && plat_network_switches(p, pt->network) > PLAT_MAX_SWITCHES) {
        snprintf(err, n, _("network '%s' would need about %ld switches: at most %ld are supported"), net->id,
                 plat_network_switches(p, pt->network), PLAT_MAX_SWITCHES);
        rc = -1;
    }
    if (rc != 0) *pt = saved_pt, *net = saved_net;
    else if (net->topology == PLAT_TOPO_EXPLICIT && nodes < saved_pt.nodes) drop_links_past(net, partition, nodes);
    return rc;
}
