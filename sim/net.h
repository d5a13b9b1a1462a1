/* net.h: the flow-level network of a platform partition, for the discrete-event simulator.
 *
 * The simulated GPUs are the first `gpus` of the partition, node by node. Every physical link is
 * two directed links (one per direction), each with a capacity in bytes/s and a latency:
 *   - scale-up: each GPU has an up and a down link to its node's scale-up switch (NVSwitch-like),
 *     at half the bidirectional figure each way;
 *   - NICs: each node has its NICs (rails); GPU l of a node uses NIC l * nics / gpus_per_node;
 *   - the fabric, by topology: switch (no fabric link), fat tree (the uplinks of each leaf to a
 *     non-blocking core, carrying the oversubscription: one bundle under ideal spraying, else one
 *     link per uplink, picked by a hash of the flow (ECMP) or as the least loaded (adaptive)), dragonfly (one global bundle per ordered
 *     pair of groups, from each group of the job to every group of the machine, routed minimally,
 *     through a Valiant intermediate group, or adaptively, as the network's routing says), torus (router-to-router links, dimension-order routing), explicit (the
 *     file's links; among equal shortest paths a flow takes the one a hash of its source and
 *     destination picks, as ECMP does, so the same pair always takes the same path).
 * Scale-out capacities are multiplied by the network's efficiency (1 unless the file says).
 * Latency: a link into a switch or router carries the network's hop latency, a link into a node
 * carries none, so a route's latency is the hop latency times the switches it crosses (scale-up:
 * the node's scale-up latency).
 *
 * Flows share links by max-min fairness. A start or an end marks its links dirty; net_update()
 * recomputes the rates of the flows connected to dirty links (and only those: a ring whose flows
 * never share a link costs O(hops) per event), settles the bytes each affected flow has moved, and
 * reports each new completion time. Flows never see SDL, Lua or a clock: time is passed in. */
#ifndef USINE_NET_H
#define USINE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "plat.h"

#define NET_MAX_HOPS 48

typedef enum net_link_kind {
    NET_LINK_SCALEUP,   /* GPU <-> its node's scale-up switch */
    NET_LINK_NIC,       /* node NIC <-> first switch or router */
    NET_LINK_FABRIC,    /* leaf <-> core, switch <-> switch */
    NET_LINK_GLOBAL,    /* dragonfly group <-> group */
    NET_LINK_TORUS,     /* torus router <-> router */
    NET_LINK_KIND_COUNT
} net_link_kind;

/* A link whose flows, each at its narrowest capacity, add up to at most its capacity times
 * (1 + NET_ROOM) has room for them: sums of capacities that equal a link's (four NIC-bound flows
 * on a bundle of four links) must not be decided by rounding. */
#define NET_ROOM 2e-9

typedef struct net_link_flow { int flow, hop; } net_link_flow;

/* Progressive filling's queue: a min-heap of (fair share, link), ties to the lower link, stale
 * entries dropped by the caller (net_update, and the simulator's lockstep planner). */
typedef struct net_heap_item { double share; int link; } net_heap_item;
void net_heap_push(net_heap_item **heap, size_t *cap, size_t *count, double share, int link);
net_heap_item net_heap_pop(net_heap_item *heap, size_t *count);

typedef struct net_link {
    double cap_Bps;             /* capacity in this direction, bytes/s */
    double latency_s;
    net_link_kind kind;
    int up;                     /* 1: away from the GPUs (towards the core), 0: towards them */
    int node, index;            /* scale-up: node, GPU; NIC: node, NIC; fabric: leaf or switch; ... */
    double used_Bps;            /* sum of the current rates of its flows, as last reported (net_update's on_link) */
    double load_Bps;            /* that sum kept as rates change (to rounding; 0 without flows) */
    int changed;                /* its load changed since the last report */
    net_link_flow *flows;       /* the active flows crossing it */
    int nflows;
    size_t cap_flows;
    /* max-min scratch */
    double rem_Bps;
    int unfrozen;
    uint32_t mark, heaped;      /* heaped: the update (epoch) in which it binds and is filled */
    int dirty;
    /* held by the simulator's closed-form replays (ds_replay.c): how many of their message routes
     * cross it, the sum of the rates those move at (their routes' narrowest capacities, or in
     * lockstep their shares), and of those narrowest capacities */
    int replay_users;
    double replay_Bps, replay_cap_Bps;
    double flows_cap_Bps;       /* the sum of its flows' narrowest capacities: above what they can take */
} net_link;

typedef struct net_flow {
    int hops[NET_MAX_HOPS], pos[NET_MAX_HOPS];
    int nhops;
    double bytes_left;          /* at t_upd */
    double rate_Bps;
    double t_upd;
    double latency_s;           /* of its route */
    double done_s;              /* its completion as last reported to net_update's caller */
    double bottleneck_Bps;      /* the narrowest capacity of its route */
    uint32_t version;           /* bumped whenever its rate changes */
    double queued_s;            /* the caller's: its completion event queued now (-1: none), and that */
    uint32_t queued_version;    /* event's version (net_flow_start clears both) */
    int active, user;
    uint32_t mark;
    int frozen;
} net_flow;

typedef struct net {
    const plat_platform *plat;
    int partition, network;
    int gpus, gpus_per_node, nodes;
    net_link *links;
    int nlinks;
    /* where each family of links starts in `links` */
    int scaleup_base;           /* GPU g: up = base + 2g, down = base + 2g + 1 */
    int *node_nics, *node_nic_base; /* per node: NIC count; NIC k up = base + 2k, down = + 1 */
    long *node_port_first;      /* per node: NICs of the nodes before it (nodes + 1 entries), for fat-tree leaves */
    int fabric_base;
    int leaf_down_ports;        /* fat tree: node ports per leaf */
    int leaves;
    int leaf_uplinks;           /* fat tree: 0, its uplinks one bundle per leaf (spray); else the uplinks
                                 * per leaf, each its own link to its spine (ECMP, adaptive) */
    int groups, group_nodes;    /* dragonfly (groups used) */
    int all_groups;             /* dragonfly: groups of the whole machine, each a possible Valiant detour */
    int *pair_link;             /* dragonfly: [lo * all_groups + hi] = first link of the bundle pair, -1 if none */
    int routing;                /* plat_routing of a dragonfly */
    int torus_points, torus_nodes_per_point;
    int *switch_of_node;        /* explicit: the switch each node hangs from */
    int *dist;                  /* explicit: [dst * nswitches + at] = switches from `at` to `dst` */
    int *out_first, *out_links; /* explicit: links leaving switch u: out_links[out_first[u] .. out_first[u+1]) */
    int *link_head;             /* explicit: head switch of each fabric link (index - fabric_base) */
    int nswitches;
    /* flows */
    net_flow *flows;
    int nflows;
    size_t cap_flows;
    int *free_flows;
    int nfree;
    size_t cap_free;
    int *dirty_links;
    int ndirty;
    size_t cap_dirty;
    size_t cap_links;
    uint32_t epoch;
    /* scratch of net_update */
    int *comp_links, *comp_flows, *changed_links;
    size_t cap_comp_links, cap_comp_flows, cap_changed_links, nchanged;
    net_heap_item *heap;
    size_t cap_heap;
    /* statistics */
    uint64_t updates, flows_started;
    uint64_t work;              /* flow-link visits of net_update: what the rates cost to compute */
} net;

/* Called by net_update for each flow whose rate changed: its new completion time and version. */
typedef void (*net_rate_cb)(void *ctx, int flow, double done_s, uint32_t version);
/* Called by net_update for each link whose total rate changed (for the timeline). */
typedef void (*net_link_cb)(void *ctx, int link, double t_s, double used_Bps);

/* Build the network of the first `gpus` GPUs of a partition. NULL and a message if it cannot be
 * done (no such partition, more GPUs than it has, a partition without accelerators). The platform
 * must outlive the network. */
net *net_create(const plat_platform *p, int partition, int gpus, char *err, size_t err_size);
/* The same with another routing than the file's (a plat_routing that the topology has, see
 * plat_routing_parse; -1: the file's): to compare policies on one machine. */
net *net_create_routed(const plat_platform *p, int partition, int gpus, int routing, char *err, size_t err_size);

void net_destroy(net *n);                                           /* NULL is fine */

int net_route(const net *n, int src_gpu, int dst_gpu, int *hops, double *latency_s); /* hop count (0: same GPU) */
/* The links whose load net_route reads to route from src_gpu to dst_gpu now (adaptive routing: a
 * dragonfly's direct and Valiant bundles, a fat tree's uplinks from the source leaf and downlinks
 * to the destination's), into links[0 .. max): how many; 0 when the route does not depend on load,
 * -1 when they are more than max. Every link the route may take for load is among them. */
int net_route_reads(const net *n, int src_gpu, int dst_gpu, int *links, int max);
double net_route_bottleneck_Bps(const net *n, int src_gpu, int dst_gpu);  /* smallest capacity on the route */
void net_link_label(const net *n, int link, char *buf, size_t size); /* "node 3 nic 1 up", for traces */
/* Fat tree: the leaf a GPU's NIC hangs from (-1 when the network has no leaves to cross), and the
 * capacity of a leaf's uplinks together, one direction. */
int net_leaf_of(const net *n, int gpu);
double net_leaf_up_Bps(const net *n, int leaf);
/* Dragonfly: a GPU's group (-1 for other topologies), and the capacity of the direct bundle from
 * group a to group b, one direction (0 when none is built). */
int net_group_of(const net *n, int gpu);
double net_group_pair_Bps(const net *n, int a, int b);

/* Flows. A flow's user value is the caller's. Starting or ending a flow changes no rate until
 * net_update(); a flow of 0 bytes or between a GPU and itself is the caller's to handle. */
int net_flow_start(net *n, int src_gpu, int dst_gpu, double bytes, double now_s, int user);
/* The same on a route net_route gave (and its latency), for a caller that needed it first. */
int net_flow_start_on(net *n, const int *hops, int nhops, double latency_s, double bytes, double now_s, int user);
void net_flow_end(net *n, int flow);
int net_dirty(const net *n);                                        /* 1 when net_update has work */
void net_update(net *n, double now_s, net_rate_cb on_rate, net_link_cb on_link, void *ctx);

#endif
