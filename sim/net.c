/* net.c: links, routes and max-min fair sharing; see net.h for the model. */
#include "net.h"
#include "util.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RADIX 64   /* fat tree switch ports when the file does not say */

/* ---------------------------------------------------------------------------------------------
 * Building. */

static int add_pair(net *n, double Bps, double up_latency_s, double down_latency_s, net_link_kind kind,
                    int node, int index)
{
    ut_grow(&n->links, &n->cap_links, (size_t)n->nlinks + 2, sizeof *n->links);
    int id = n->nlinks;
    for (int dir = 0; dir < 2; dir++) {
        net_link *l = &n->links[n->nlinks++];
        memset(l, 0, sizeof *l);
        l->cap_Bps = Bps;
        l->latency_s = dir == 0 ? up_latency_s : down_latency_s;
        l->kind = kind;
        l->up = dir == 0;
        l->node = node;
        l->index = index;
    }
    return id;
}

/* Explicit networks: hop distances between switches by breadth-first search from every
 * destination, and the list of links leaving each switch; routes pick among the links that bring
 * them one switch closer (net_route). */
static void explicit_routes(net *n, const plat_network *pn)
{
    int S = pn->nswitches;
    n->nswitches = S;
    int nfabric = n->nlinks - n->fabric_base;
    n->out_first = ut_calloc((size_t)S + 1, sizeof *n->out_first);
    n->out_links = ut_malloc((size_t)(nfabric ? nfabric : 1) * sizeof *n->out_links);
    for (int k = 0; k < nfabric; k++) n->out_first[n->link_head[k ^ 1] + 1]++;   /* tail of k = head of its reverse */
    for (int u = 0; u < S; u++) n->out_first[u + 1] += n->out_first[u];
    int *fill = ut_calloc((size_t)S, sizeof *fill);
    for (int k = 0; k < nfabric; k++) {
        int u = n->link_head[k ^ 1];
        n->out_links[n->out_first[u] + fill[u]++] = n->fabric_base + k;
    }
    free(fill);
    n->dist = ut_malloc((size_t)S * S * sizeof *n->dist);
    int *queue = ut_malloc((size_t)S * sizeof *queue);
    for (int dst = 0; dst < S; dst++) {
        int *dist = &n->dist[(size_t)dst * S];
        for (int u = 0; u < S; u++) dist[u] = -1;
        dist[dst] = 0;
        int head = 0, tail = 0;
        queue[tail++] = dst;
        while (head < tail) {   /* links are symmetric: walk them backwards from dst */
            int v = queue[head++];
            for (int i = n->out_first[v]; i < n->out_first[v + 1]; i++) {
                int u = n->link_head[n->out_links[i] - n->fabric_base];
                if (dist[u] < 0) {
                    dist[u] = dist[v] + 1;
                    queue[tail++] = u;
                }
            }
        }
    }
    free(queue);
}

/* A 32-bit mix (from splitmix64's finaliser): spreads (source, destination, switch) over paths. */
static uint32_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (uint32_t)x;
}

net *net_create(const plat_platform *p, int partition, int gpus, char *err, size_t err_size)
{
    return net_create_routed(p, partition, gpus, -1, err, err_size);
}

net *net_create_routed(const plat_platform *p, int partition, int gpus, int routing, char *err, size_t err_size)
{
    if (!p || partition < 0 || partition >= p->npartitions) {
        snprintf(err, err_size, "%s", _("no such partition"));
        return NULL;
    }
    const plat_partition *pt = &p->partitions[partition];
    const plat_node *nd = &p->node_types[pt->node];
    const plat_network *pn = &p->networks[pt->network];
    if (nd->accel < 0 || nd->accels_per_node < 1) {
        snprintf(err, err_size, _("partition '%s' has no accelerators to simulate"), pt->id);
        return NULL;
    }
    long available = (long)pt->nodes * nd->accels_per_node;
    if (gpus < 1 || gpus > available) {
        snprintf(err, err_size, _("partition '%s' has %ld GPUs; asked for %d"), pt->id, available, gpus);
        return NULL;
    }
    /* The loader refuses platforms beyond these (plat.h); a platform built some other way gets
     * the same answer here rather than an allocation the machine cannot make. */
    long points = 1, net_nodes = plat_network_nodes(p, pt->network);
    for (int d = 0; pn->topology == PLAT_TOPO_TORUS && d < pn->ndims; d++) points *= pn->dims[d];
    long groups = pn->topology == PLAT_TOPO_DRAGONFLY && pn->group_nodes > 0
                      ? (net_nodes + pn->group_nodes - 1) / pn->group_nodes : 0;
    long nic_ports = (long)gpus / nd->accels_per_node * (nd->nics > 0 ? nd->nics : 1);
    if (points > PLAT_MAX_TORUS_POINTS || groups > PLAT_MAX_DRAGONFLY_GROUPS || gpus > PLAT_MAX_ACCELS_TOTAL ||
        nic_ports > PLAT_MAX_NIC_PORTS_TOTAL ||
        (pn->topology == PLAT_TOPO_EXPLICIT && pn->nswitches > PLAT_MAX_EXPLICIT_SWITCHES)) {
        snprintf(err, err_size, _("network '%s' of partition '%s' is too large to simulate (see the limits in 'usine platform check')"),
                 pn->id, pt->id);
        return NULL;
    }
    net *n = ut_calloc(1, sizeof *n);
    n->plat = p;
    n->partition = partition;
    n->network = pt->network;
    n->gpus = gpus;
    n->gpus_per_node = nd->accels_per_node;
    n->nodes = (gpus + nd->accels_per_node - 1) / nd->accels_per_node;
    double eff = pn->eff_bandwidth > 0 ? pn->eff_bandwidth : 1;
    double hop_s = pn->hop_latency_us * 1e-6;
    double link_Bps = pn->link_gbit_s * 1e9 / 8 * eff;

    /* scale-up: half of the bidirectional figure each way */
    n->scaleup_base = n->nlinks;
    double su_Bps = nd->scaleup_bidir_gbs > 0 ? nd->scaleup_bidir_gbs * 1e9 / 2 : link_Bps;
    for (int g = 0; g < gpus; g++)
        add_pair(n, su_Bps, nd->scaleup_latency_us * 1e-6, 0, NET_LINK_SCALEUP, g / n->gpus_per_node,
                 g % n->gpus_per_node);

    /* NICs, and for explicit networks where each node hangs */
    n->node_nics = ut_calloc((size_t)n->nodes, sizeof *n->node_nics);
    n->node_nic_base = ut_calloc((size_t)n->nodes, sizeof *n->node_nic_base);
    double *nic_Bps = ut_calloc((size_t)n->nodes, sizeof *nic_Bps), *nic_lat = ut_calloc((size_t)n->nodes, sizeof *nic_lat);
    for (int v = 0; v < n->nodes; v++) {
        n->node_nics[v] = nd->nics;
        nic_Bps[v] = nd->nic_gbit_s * 1e9 / 8 * eff;
        nic_lat[v] = hop_s;
    }
    if (pn->topology == PLAT_TOPO_EXPLICIT) {
        n->switch_of_node = ut_malloc((size_t)n->nodes * sizeof *n->switch_of_node);
        for (int k = 0; k < pn->nlinks; k++) {
            const plat_link *lk = &pn->links[k];
            if (lk->b_kind != PLAT_END_NODES || lk->b != partition) continue;
            for (int j = lk->first; j < lk->first + lk->count && j < n->nodes; j++) {
                n->switch_of_node[j] = lk->a;
                n->node_nics[j] = lk->parallel;
                nic_Bps[j] = lk->gbit_s * 1e9 / 8 * eff;
                nic_lat[j] = lk->latency_us * 1e-6;
            }
        }
    }
    for (int v = 0; v < n->nodes; v++) {
        n->node_nic_base[v] = n->nlinks;
        for (int k = 0; k < n->node_nics[v]; k++) add_pair(n, nic_Bps[v], nic_lat[v], 0, NET_LINK_NIC, v, k);
    }
    free(nic_Bps);
    free(nic_lat);
    /* a route finds its leaf from the NIC's port number: prefix sums keep that O(1) per route */
    n->node_port_first = ut_malloc(((size_t)n->nodes + 1) * sizeof *n->node_port_first);
    n->node_port_first[0] = 0;
    for (int v = 0; v < n->nodes; v++) n->node_port_first[v + 1] = n->node_port_first[v] + n->node_nics[v];

    /* the fabric */
    n->fabric_base = n->nlinks;
    switch (pn->topology) {
    case PLAT_TOPO_SWITCH:
        break;
    case PLAT_TOPO_FAT_TREE: {
        int radix = pn->radix ? pn->radix : DEFAULT_RADIX;
        int down = (int)floor(radix * pn->oversubscription / (1 + pn->oversubscription));
        if (down < 1) down = 1;
        if (down >= radix) down = radix - 1;
        n->leaf_down_ports = down;
        long ports = 0;
        for (int v = 0; v < n->nodes; v++) ports += n->node_nics[v];
        n->leaves = pn->levels > 1 ? (int)((ports + down - 1) / down) : 1;
        n->routing = routing >= 0 ? routing : pn->routing;
        if (n->leaves > 1 && n->routing == PLAT_ROUTING_SPRAY) {
            double up_Bps = (radix - down) * link_Bps;
            for (int leaf = 0; leaf < n->leaves; leaf++)
                add_pair(n, up_Bps, hop_s * (2 * pn->levels - 3), hop_s, NET_LINK_FABRIC, -1, leaf);
        } else if (n->leaves > 1) {
            /* uplink j of every leaf goes to spine j: a flow leaves by one and comes down the same
             * spine's link to the other leaf */
            n->leaf_uplinks = radix - down;
            for (int leaf = 0; leaf < n->leaves; leaf++)
                for (int j = 0; j < n->leaf_uplinks; j++)
                    add_pair(n, link_Bps, hop_s * (2 * pn->levels - 3), hop_s, NET_LINK_FABRIC, j, leaf);
        }
        break;
    }
    case PLAT_TOPO_DRAGONFLY: {
        /* every group's global links are spread evenly over the other groups of the machine; the
         * bundles that a route of the job can take join a group of the job to any group (a Valiant
         * detour may leave the job's groups), the others are never crossed and not built */
        n->group_nodes = pn->group_nodes;
        n->groups = (n->nodes + pn->group_nodes - 1) / pn->group_nodes;
        n->all_groups = (int)((net_nodes + pn->group_nodes - 1) / pn->group_nodes);
        n->routing = routing >= 0 ? routing : pn->routing;
        long total_groups = n->all_groups;
        double pair_Bps = total_groups > 1 ? (double)pn->global_links / (double)(total_groups - 1) * link_Bps : link_Bps;
        size_t cells = (size_t)n->all_groups * (size_t)n->all_groups;
        n->pair_link = ut_malloc(cells * sizeof *n->pair_link);
        for (size_t i = 0; i < cells; i++) n->pair_link[i] = -1;
        for (int a = 0; a < n->all_groups; a++)
            for (int b = a + 1; b < n->all_groups; b++)
                if (a < n->groups || b < n->groups)
                    n->pair_link[(size_t)a * n->all_groups + b] = add_pair(n, pair_Bps, hop_s, hop_s, NET_LINK_GLOBAL, a, b);
        break;
    }
    case PLAT_TOPO_TORUS: {
        n->torus_points = (int)points;
        n->torus_nodes_per_point = (int)((net_nodes + points - 1) / points);
        /* for each point and dimension: the pair (+ direction, - direction) towards the next point */
        for (long pt_i = 0; pt_i < points; pt_i++)
            for (int d = 0; d < pn->ndims; d++) add_pair(n, link_Bps, hop_s, hop_s, NET_LINK_TORUS, (int)pt_i, d);
        break;
    }
    case PLAT_TOPO_EXPLICIT: {
        /* each bundle of switch-to-switch links is one pair; link_head[k] is the switch link k enters */
        size_t cap_head = 0;
        for (int k = 0; k < pn->nlinks; k++) {
            const plat_link *lk = &pn->links[k];
            if (lk->b_kind != PLAT_END_SWITCH) continue;
            int id = add_pair(n, lk->gbit_s * lk->parallel * 1e9 / 8 * eff, lk->latency_us * 1e-6,
                              lk->latency_us * 1e-6, NET_LINK_FABRIC, -1, k);
            ut_grow(&n->link_head, &cap_head, (size_t)(id - n->fabric_base + 2), sizeof *n->link_head);
            n->link_head[id - n->fabric_base] = lk->b;      /* a -> b enters b */
            n->link_head[id - n->fabric_base + 1] = lk->a;  /* b -> a enters a */
        }
        explicit_routes(n, pn);
        break;
    }
    default:
        break;
    }
    return n;
}

void net_destroy(net *n)
{
    if (!n) return;
    for (int i = 0; i < n->nlinks; i++) free(n->links[i].flows);
    free(n->links);
    free(n->node_nics);
    free(n->node_nic_base);
    free(n->node_port_first);
    free(n->pair_link);
    free(n->switch_of_node);
    free(n->dist);
    free(n->out_first);
    free(n->out_links);
    free(n->link_head);
    free(n->flows);
    free(n->free_flows);
    free(n->dirty_links);
    free(n->changed_links);
    free(n->comp_links);
    free(n->comp_flows);
    free(n->heap);
    free(n);
}

/* ---------------------------------------------------------------------------------------------
 * Routes. */

static int nic_of(const net *n, int gpu)
{
    int v = gpu / n->gpus_per_node, l = gpu % n->gpus_per_node;
    return (int)((long)l * n->node_nics[v] / n->gpus_per_node);
}

static int torus_route(const net *n, int pa, int pb, int *hops, int count)
{
    const plat_network *pn = &n->plat->networks[n->network];
    int ca[4], cb[4];
    for (int d = 0, a = pa, b = pb; d < pn->ndims; d++) {
        ca[d] = a % pn->dims[d], a /= pn->dims[d];
        cb[d] = b % pn->dims[d], b /= pn->dims[d];
    }
    int stride[4];
    for (int d = 0, s = 1; d < pn->ndims; d++) stride[d] = s, s *= pn->dims[d];
    int here = pa;
    for (int d = 0; d < pn->ndims; d++) {
        int k = pn->dims[d];
        int fwd = ((cb[d] - ca[d]) % k + k) % k;          /* steps in the + direction */
        int plus = fwd <= k - fwd;                        /* shortest way, + on ties */
        int steps = plus ? fwd : k - fwd;
        for (int s = 0; s < steps && count < NET_MAX_HOPS - 1; s++) {
            int c = (here / stride[d]) % k;
            if (plus) {
                hops[count++] = n->fabric_base + 2 * (here * pn->ndims + d);        /* here -> here+1 */
                here += (c == k - 1 ? -(k - 1) : 1) * stride[d];
            } else {
                int prev = here + (c == 0 ? (k - 1) : -1) * stride[d];
                hops[count++] = n->fabric_base + 2 * (prev * pn->ndims + d) + 1;    /* prev+1 -> prev */
                here = prev;
            }
        }
    }
    return count;
}

/* The directed global bundle from group x to group y. */
static int global_link(const net *n, int x, int y)
{
    int lo = x < y ? x : y, hi = x < y ? y : x;
    return n->pair_link[(size_t)lo * n->all_groups + hi] + (x < y ? 0 : 1);
}

/* How far a flow that can move at b would take a link beyond its capacity, with the flows on it
 * at the most each can move (their narrowest capacities): 0 while it has room for them all
 * (NET_ROOM). In the fluid limit a link's queue grows only then, at that rate. */
static double excess_Bps(const net_link *l, double b)
{
    double q = l->flows_cap_Bps + b - l->cap_Bps;
    return q > NET_ROOM * l->cap_Bps ? q : 0;
}

/* Between groups ga and gb of GPUs a and b: the direct bundle (minimal), two bundles through an
 * intermediate group hashed from the pair (Valiant, Valiant 1982; Kim et al., ISCA 2008, for the
 * dragonfly), or, adaptively, UGAL (Kim et al. section 4.2): the direct one unless its queue is
 * more than twice the busier one of the Valiant path (queue x hops, two global hops against one),
 * with a link's queue taken as the excess above: direct while the bundle has room for every flow
 * on it at the rate the rest of its route allows ("minimal in the absence of contention", as
 * HPE's Slingshot documentation says), around when it is congested and the detour is not. */
/* Valiant's intermediate group for GPUs a and b, in groups ga and gb: any group but the two ends,
 * hashed from the pair. */
static int valiant_group(const net *n, int a, int b, int ga, int gb)
{
    int k = (int)(mix((uint64_t)(uint32_t)a << 32 | (uint32_t)b) % (uint32_t)(n->all_groups - 2));
    if (k >= (ga < gb ? ga : gb)) k++;
    if (k >= (ga < gb ? gb : ga)) k++;
    return k;
}

static int dragonfly_route(const net *n, int a, int b, int ga, int gb, int *hops, int count)
{
    int direct = global_link(n, ga, gb);
    if (n->routing == PLAT_ROUTING_MINIMAL || n->all_groups < 3) {
        hops[count++] = direct;
        return count;
    }
    int k = valiant_group(n, a, b, ga, gb);
    int first = global_link(n, ga, k), second = global_link(n, k, gb);
    if (n->routing == PLAT_ROUTING_ADAPTIVE) {
        const net_link *L = n->links;
        int down = n->node_nic_base[b / n->gpus_per_node] + 2 * nic_of(n, b) + 1;
        double nics = fmin(L[hops[0]].cap_Bps, L[down].cap_Bps);
        double b_min = fmin(nics, L[direct].cap_Bps), b_val = fmin(nics, fmin(L[first].cap_Bps, L[second].cap_Bps));
        double q_min = excess_Bps(&L[direct], b_min);
        double q_val = fmax(excess_Bps(&L[first], b_val), excess_Bps(&L[second], b_val));
        if (q_min <= 2 * q_val) {
            hops[count++] = direct;
            return count;
        }
    }
    hops[count++] = first;
    hops[count++] = second;
    return count;
}

/* Fat tree: the leaf that NIC k of node v hangs from (the NICs of the nodes before it counted). */
static int leaf_of_nic(const net *n, int v, int k)
{
    return (int)((n->node_port_first[v] + k) / n->leaf_down_ports);
}

int net_route(const net *n, int a, int b, int *hops, double *latency_s)
{
    int count = 0;
    int va = a / n->gpus_per_node, vb = b / n->gpus_per_node;
    if (a == b) {
        if (latency_s) *latency_s = 0;
        return 0;
    }
    if (va == vb) {
        hops[count++] = n->scaleup_base + 2 * a;
        hops[count++] = n->scaleup_base + 2 * b + 1;
    } else {
        int ka = nic_of(n, a), kb = nic_of(n, b);
        hops[count++] = n->node_nic_base[va] + 2 * ka;
        const plat_network *pn = &n->plat->networks[n->network];
        switch (pn->topology) {
        case PLAT_TOPO_FAT_TREE:
            if (n->leaves > 1) {
                int la = leaf_of_nic(n, va, ka), lb = leaf_of_nic(n, vb, kb);
                if (la != lb && !n->leaf_uplinks) {
                    hops[count++] = n->fabric_base + 2 * la;
                    hops[count++] = n->fabric_base + 2 * lb + 1;
                } else if (la != lb) {
                    int U = n->leaf_uplinks, j = (int)(mix((uint64_t)(uint32_t)a << 32 | (uint32_t)b) % (uint32_t)U);
                    if (n->routing == PLAT_ROUTING_ADAPTIVE) {
                        /* the least loaded spine, up and down, from the hashed one on (ties keep the hash) */
                        int best = j, load = INT_MAX;
                        for (int i = 0; i < U; i++) {
                            int c = (j + i) % U;
                            int q = n->links[n->fabric_base + 2 * (la * U + c)].nflows + n->links[n->fabric_base + 2 * (lb * U + c) + 1].nflows;
                            if (q < load) load = q, best = c;
                        }
                        j = best;
                    }
                    hops[count++] = n->fabric_base + 2 * (la * U + j);
                    hops[count++] = n->fabric_base + 2 * (lb * U + j) + 1;
                }
            }
            break;
        case PLAT_TOPO_DRAGONFLY: {
            int ga = va / n->group_nodes, gb = vb / n->group_nodes;
            if (ga != gb) count = dragonfly_route(n, a, b, ga, gb, hops, count);
            break;
        }
        case PLAT_TOPO_TORUS: {
            int pa = va / n->torus_nodes_per_point, pb = vb / n->torus_nodes_per_point;
            count = torus_route(n, pa, pb, hops, count);
            break;
        }
        case PLAT_TOPO_EXPLICIT: {
            int u = n->switch_of_node[va], t = n->switch_of_node[vb];
            const int *dist = &n->dist[(size_t)t * n->nswitches];
            while (u != t && count < NET_MAX_HOPS - 1) {
                int ncand = 0, chosen = -1;
                for (int i = n->out_first[u]; i < n->out_first[u + 1]; i++)
                    ncand += dist[n->link_head[n->out_links[i] - n->fabric_base]] == dist[u] - 1;
                if (!ncand) break;  /* cannot happen: the loader checked that the network is connected */
                int pick = (int)(mix(((uint64_t)(uint32_t)a << 32 | (uint32_t)b) ^ (uint64_t)u * 0x9e3779b97f4a7c15ULL) % (uint32_t)ncand);
                for (int i = n->out_first[u]; i < n->out_first[u + 1] && chosen < 0; i++)
                    if (dist[n->link_head[n->out_links[i] - n->fabric_base]] == dist[u] - 1 && pick-- == 0) chosen = n->out_links[i];
                hops[count++] = chosen;
                u = n->link_head[chosen - n->fabric_base];
            }
            break;
        }
        default:
            break;
        }
        hops[count++] = n->node_nic_base[vb] + 2 * kb + 1;
    }
    if (latency_s) {
        double lat = 0;
        for (int i = 0; i < count; i++) lat += n->links[hops[i]].latency_s;
        *latency_s = lat;
    }
    return count;
}

int net_route_reads(const net *n, int a, int b, int *links, int max)
{
    int va = a / n->gpus_per_node, vb = b / n->gpus_per_node, count = 0;
    if (va == vb || n->routing != PLAT_ROUTING_ADAPTIVE) return 0;
    switch (n->plat->networks[n->network].topology) {
    case PLAT_TOPO_FAT_TREE: {
        int U = n->leaf_uplinks;
        if (n->leaves < 2 || !U) return 0;
        int la = leaf_of_nic(n, va, nic_of(n, a)), lb = leaf_of_nic(n, vb, nic_of(n, b));
        if (la == lb) return 0;
        if (2 * U > max) return -1;
        for (int c = 0; c < U; c++) {
            links[count++] = n->fabric_base + 2 * (la * U + c);
            links[count++] = n->fabric_base + 2 * (lb * U + c) + 1;
        }
        return count;
    }
    case PLAT_TOPO_DRAGONFLY: {
        int ga = va / n->group_nodes, gb = vb / n->group_nodes;
        if (ga == gb || n->all_groups < 3) return 0;
        if (max < 3) return -1;
        int k = valiant_group(n, a, b, ga, gb);
        links[count++] = global_link(n, ga, gb);
        links[count++] = global_link(n, ga, k);
        links[count++] = global_link(n, k, gb);
        return count;
    }
    default:
        return 0;
    }
}

double net_route_bottleneck_Bps(const net *n, int a, int b)
{
    int hops[NET_MAX_HOPS];
    int count = net_route(n, a, b, hops, NULL);
    double bw = INFINITY;
    for (int i = 0; i < count; i++) bw = fmin(bw, n->links[hops[i]].cap_Bps);
    return bw;
}

int net_leaf_of(const net *n, int gpu)
{
    if (n->plat->networks[n->network].topology != PLAT_TOPO_FAT_TREE || n->leaves < 2 || gpu < 0 || gpu >= n->gpus) return -1;
    return leaf_of_nic(n, gpu / n->gpus_per_node, nic_of(n, gpu));
}

double net_leaf_up_Bps(const net *n, int leaf)
{
    if (leaf < 0 || leaf >= n->leaves || n->leaves < 2) return 0;
    if (!n->leaf_uplinks) return n->links[n->fabric_base + 2 * leaf].cap_Bps;
    double sum = 0;
    for (int j = 0; j < n->leaf_uplinks; j++) sum += n->links[n->fabric_base + 2 * (leaf * n->leaf_uplinks + j)].cap_Bps;
    return sum;
}

int net_group_of(const net *n, int gpu)
{
    if (n->plat->networks[n->network].topology != PLAT_TOPO_DRAGONFLY || gpu < 0 || gpu >= n->gpus) return -1;
    return gpu / n->gpus_per_node / n->group_nodes;
}

double net_group_pair_Bps(const net *n, int a, int b)
{
    if (!n->pair_link || a == b || a < 0 || b < 0 || a >= n->all_groups || b >= n->all_groups) return 0;
    int lo = a < b ? a : b, hi = a < b ? b : a, first = n->pair_link[(size_t)lo * n->all_groups + hi];
    return first < 0 ? 0 : n->links[first + (a < b ? 0 : 1)].cap_Bps;
}

void net_link_label(const net *n, int id, char *buf, size_t size)
{
    const net_link *l = &n->links[id];
    const char *dir = l->up ? _("up") : _("down");
    switch (l->kind) {
    case NET_LINK_SCALEUP: snprintf(buf, size, _("node %d gpu %d scale-up %s"), l->node, l->index, dir); break;
    case NET_LINK_NIC: snprintf(buf, size, _("node %d nic %d %s"), l->node, l->index, dir); break;
    case NET_LINK_FABRIC:
        if (l->node >= 0) snprintf(buf, size, _("leaf %d spine %d %s"), l->index, l->node, dir);   /* a fat tree's uplink */
        else snprintf(buf, size, _("fabric %d %s"), l->index, dir);
        break;
    case NET_LINK_GLOBAL: snprintf(buf, size, _("groups %d-%d %s"), l->node, l->index, l->up ? "->" : "<-"); break;
    case NET_LINK_TORUS: snprintf(buf, size, _("torus point %d dim %d %s"), l->node, l->index, l->up ? "+" : "-"); break;
    default: snprintf(buf, size, _("link %d"), id); break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Flows and max-min fairness. */

/* A link's load changed by delta: reported at the end of the update. */
static void load_change(net *n, int link, double delta)
{
    net_link *l = &n->links[link];
    l->load_Bps = l->nflows ? l->load_Bps + delta : 0;         /* (no drift left once it is empty) */
    if (l->changed) return;
    l->changed = 1;
    ut_grow(&n->changed_links, &n->cap_changed_links, n->nchanged + 1, sizeof *n->changed_links);
    n->changed_links[n->nchanged++] = link;
}

static void mark_dirty(net *n, int link)
{
    if (n->links[link].dirty) return;
    n->links[link].dirty = 1;
    ut_grow(&n->dirty_links, &n->cap_dirty, (size_t)n->ndirty + 1, sizeof *n->dirty_links);
    n->dirty_links[n->ndirty++] = link;
}

int net_flow_start(net *n, int a, int b, double bytes, double now_s, int user)
{
    assert(a != b && a >= 0 && b >= 0 && a < n->gpus && b < n->gpus);   /* the caller's to handle */
    int hops[NET_MAX_HOPS];
    double latency_s;
    int nhops = net_route(n, a, b, hops, &latency_s);
    return net_flow_start_on(n, hops, nhops, latency_s, bytes, now_s, user);
}

int net_flow_start_on(net *n, const int *hops, int nhops, double latency_s, double bytes, double now_s, int user)
{
    assert(bytes > 0 && nhops > 0 && nhops <= NET_MAX_HOPS);
    int id;
    if (n->nfree) id = n->free_flows[--n->nfree];
    else {
        ut_grow(&n->flows, &n->cap_flows, (size_t)n->nflows + 1, sizeof *n->flows);
        id = n->nflows++;
        n->flows[id].version = 0;
        n->flows[id].mark = 0;
    }
    net_flow *f = &n->flows[id];
    uint32_t version = f->version, mark = f->mark;
    memset(f, 0, sizeof *f);
    f->version = version + 1;
    f->mark = mark;
    f->nhops = nhops;
    memcpy(f->hops, hops, (size_t)nhops * sizeof *hops);
    f->latency_s = latency_s;
    f->bytes_left = bytes;
    f->t_upd = now_s;
    f->queued_s = -1;
    f->active = 1;
    f->user = user;
    f->bottleneck_Bps = INFINITY;
    for (int h = 0; h < f->nhops; h++) f->bottleneck_Bps = fmin(f->bottleneck_Bps, n->links[f->hops[h]].cap_Bps);
    for (int h = 0; h < f->nhops; h++) {
        net_link *l = &n->links[f->hops[h]];
        l->flows_cap_Bps += f->bottleneck_Bps;
        ut_grow(&l->flows, &l->cap_flows, (size_t)l->nflows + 1, sizeof *l->flows);
        f->pos[h] = l->nflows;
        l->flows[l->nflows++] = (net_link_flow){ id, h };
        mark_dirty(n, f->hops[h]);
    }
    n->flows_started++;
    return id;
}

void net_flow_end(net *n, int id)
{
    net_flow *f = &n->flows[id];
    if (!f->active) return;
    for (int h = 0; h < f->nhops; h++) {
        net_link *l = &n->links[f->hops[h]];
        int at = f->pos[h];
        net_link_flow last = l->flows[--l->nflows];
        l->flows_cap_Bps = l->nflows ? l->flows_cap_Bps - f->bottleneck_Bps : 0;
        if (at < l->nflows) {
            l->flows[at] = last;
            n->flows[last.flow].pos[last.hop] = at;
        }
        if (f->rate_Bps != 0) load_change(n, f->hops[h], -f->rate_Bps);
        mark_dirty(n, f->hops[h]);
    }
    f->active = 0;
    f->version++;
    ut_grow(&n->free_flows, &n->cap_free, (size_t)n->nfree + 1, sizeof *n->free_flows);
    n->free_flows[n->nfree++] = id;
}

int net_dirty(const net *n)
{
    return n->ndirty > 0;
}

/* A min-heap of (share, link) with lazy deletion: an entry is stale when the link's share has
 * changed since it was pushed. Shares only grow while filling, so a stale entry is never the true
 * minimum. Ties go to the lower link id, so results never depend on the heap's history. */
static int heap_before(const net_heap_item *x, const net_heap_item *y)
{
    return x->share < y->share || (x->share == y->share && x->link < y->link);
}

void net_heap_push(net_heap_item **heap, size_t *cap, size_t *count, double share, int link)
{
    ut_grow(heap, cap, *count + 1, sizeof **heap);
    net_heap_item it = { share, link }, *h = *heap;
    size_t i = (*count)++;
    while (i > 0 && heap_before(&it, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = it;
}

net_heap_item net_heap_pop(net_heap_item *heap, size_t *count)
{
    net_heap_item top = heap[0], last = heap[--(*count)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *count) break;
        if (c + 1 < *count && heap_before(&heap[c + 1], &heap[c])) c++;
        if (!heap_before(&heap[c], &last)) break;
        heap[i] = heap[c];
        i = c;
    }
    if (*count) heap[i] = last;
    return top;
}

/* A link binds when its flows, each at the most it can take (its narrowest capacity), would need
 * more than it carries (beyond half the network's margin, as the closed form counts room): only
 * then can it hold a flow below that. One that cannot takes no part in max-min fairness: its flows
 * are not coupled through it, and their rates are as if it were not there (each flow still at
 * most its narrowest capacity, which a link of its own may set). */
static int binds(const net_link *l)
{
    return l->nflows > 1 && l->flows_cap_Bps > l->cap_Bps * (1 + NET_ROOM / 2);
}

/* A flow's links not yet seen in this update: those that bind join the component (and will be
 * filled: heaped); the others are not followed. */
static void visit_links(net *n, const net_flow *f, uint32_t epoch, size_t *nl)
{
    for (int h = 0; h < f->nhops; h++) {
        net_link *m = &n->links[f->hops[h]];
        if (m->mark == epoch) continue;
        m->mark = epoch;
        if (binds(m)) {
            m->heaped = epoch;
            ut_grow(&n->comp_links, &n->cap_comp_links, *nl + 1, sizeof *n->comp_links);
            n->comp_links[(*nl)++] = f->hops[h];
        }
    }
}

void net_update(net *n, double now_s, net_rate_cb on_rate, net_link_cb on_link, void *ctx)
{
    if (!n->ndirty) return;
    n->updates++;
    uint32_t epoch = ++n->epoch;
    size_t nl = 0, nf = 0;

    /* 1. The component: the flows of the dirty links, the links of those flows that bind, their
     *    flows, and so on; links that do not bind are not followed. */
    for (int i = 0; i < n->ndirty; i++) {
        int id = n->dirty_links[i];
        n->links[id].dirty = 0;
        if (n->links[id].mark == epoch) continue;
        n->links[id].mark = epoch;
        if (binds(&n->links[id])) n->links[id].heaped = epoch;   /* (a dirty link that does not bind is followed, not filled) */
        ut_grow(&n->comp_links, &n->cap_comp_links, nl + 1, sizeof *n->comp_links);
        n->comp_links[nl++] = id;
    }
    n->ndirty = 0;
    for (size_t i = 0; i < nl; i++) {
        net_link *l = &n->links[n->comp_links[i]];
        n->work += (uint64_t)l->nflows;
        for (int k = 0; k < l->nflows; k++) {
            net_flow *f = &n->flows[l->flows[k].flow];
            if (f->mark == epoch) continue;
            n->work += (uint64_t)f->nhops;
            f->mark = epoch;
            ut_grow(&n->comp_flows, &n->cap_comp_flows, nf + 1, sizeof *n->comp_flows);
            n->comp_flows[nf++] = l->flows[k].flow;
            visit_links(n, f, epoch, &nl);
        }
    }

    /* 2. Settle what each flow moved at its old rate. */
    for (size_t i = 0; i < nf; i++) {
        net_flow *f = &n->flows[n->comp_flows[i]];
        f->bytes_left -= f->rate_Bps * (now_s - f->t_upd);
        if (f->bytes_left < 0) f->bytes_left = 0;
        f->t_upd = now_s;
        f->frozen = 0;
    }

    /* 3. Progressive filling over the links that bind: the one with the smallest fair share fixes
     *    the rate of its unfrozen flows; they leave every such link they cross; repeat. A flow
     *    whose narrowest capacity comes first is fixed at it (its own entry). A link's fair share
     *    only grows as flows freeze elsewhere (they take at most the smallest share: (rem - s) /
     *    (u - 1) >= rem / u when s <= rem / u), so its entry in the heap is a lower bound, renewed
     *    only when it comes out stale: the links come out in the same order as with an entry per
     *    change. */
    size_t heap_count = 0;
    for (size_t i = 0; i < nl; i++) {
        net_link *l = &n->links[n->comp_links[i]];
        if (l->heaped != epoch) continue;
        l->rem_Bps = l->cap_Bps;
        l->unfrozen = l->nflows;
        net_heap_push(&n->heap, &n->cap_heap, &heap_count, l->rem_Bps / l->unfrozen, n->comp_links[i]);
    }
    /* heap items past the links are flows, held at their narrowest capacity where no link that
     * binds is as narrow */
    for (size_t i = 0; i < nf; i++) {
        const net_flow *f = &n->flows[n->comp_flows[i]];
        double bound = INFINITY;
        for (int h = 0; h < f->nhops; h++)
            if (n->links[f->hops[h]].heaped == epoch) bound = fmin(bound, n->links[f->hops[h]].cap_Bps);
        if (f->bottleneck_Bps < bound) net_heap_push(&n->heap, &n->cap_heap, &heap_count, f->bottleneck_Bps, n->nlinks + n->comp_flows[i]);
    }
    n->work += (uint64_t)heap_count;
    while (heap_count) {
        net_heap_item it = net_heap_pop(n->heap, &heap_count);
        n->work++;                                                  /* a pop, and its push */
        int single = it.link >= n->nlinks;
        net_link *l = single ? NULL : &n->links[it.link];
        if (!single && !l->unfrozen) continue;                      /* done with */
        double share = single ? it.share : l->rem_Bps / l->unfrozen;
        if (!single && share > it.share) {                          /* grown since: back in at its share */
            net_heap_push(&n->heap, &n->cap_heap, &heap_count, share, it.link);
            continue;
        }
        int nk = single ? 1 : l->nflows;
        n->work += (uint64_t)nk;
        for (int k = 0; k < nk; k++) {
            int fid = single ? it.link - n->nlinks : l->flows[k].flow;
            net_flow *f = &n->flows[fid];
            if (f->frozen) continue;
            f->frozen = 1;
            n->work += (uint64_t)f->nhops;
            double old = f->rate_Bps;
            f->rate_Bps = share;
            for (int h = 0; h < f->nhops; h++) {
                net_link *m = &n->links[f->hops[h]];
                if (m->heaped != epoch) continue;
                m->rem_Bps -= share;
                if (m->rem_Bps < 0) m->rem_Bps = 0;
                m->unfrozen--;
            }
            if (old != share) {   /* unchanged rate: the completion already scheduled still holds */
                for (int h = 0; h < f->nhops; h++) load_change(n, f->hops[h], share - old);
                f->version++;
                f->done_s = now_s + f->bytes_left / share;
                if (on_rate) on_rate(ctx, fid, f->done_s, f->version);
            }
        }
    }

    /* 4. Link loads that changed, for the timeline. */
    n->work += (uint64_t)n->nchanged;
    for (size_t i = 0; i < n->nchanged; i++) {
        int id = n->changed_links[i];
        net_link *l = &n->links[id];
        l->changed = 0;
        double used = l->load_Bps > 0 ? l->load_Bps : 0;
        if (used != l->used_Bps) {
            l->used_Bps = used;
            if (on_link) on_link(ctx, id, now_s, used);
        }
    }
    n->nchanged = 0;
}
