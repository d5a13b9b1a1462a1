/* coll.h: collectives as step programs, and their alpha-beta closed forms.
 *
 * A collective over p ranks is a program of `steps` steps that every rank runs: at step s a rank
 * sends coll_sends() messages and expects coll_recvs() messages; it moves to step s + 1 once its
 * sends have arrived and its receives are in. Ranks do not wait for each other otherwise, so the
 * simulator, not the program, decides how steps overlap. Ranks are 0..p-1 here; the simulator maps
 * them to GPUs. Reductions are communication only (the arithmetic is not timed).
 *
 * Algorithms:
 *   allreduce      ring (reduce-scatter then all-gather around a ring: 2(p-1) steps of S/p),
 *                  tree (NCCL's double binary tree: two trees carry S/2 each, pipelined in K chunks,
 *                  reduce up then broadcast down; every rank is inside at most one tree),
 *                  rhd (recursive halving then doubling, Rabenseifner; p a power of two; halving
 *                  starts with the nearest partner so that the largest messages stay in the node),
 *                  hier (reduce-scatter inside each node, ring all-reduce across nodes between GPUs of
 *                  the same local rank, all-gather inside each node; p a multiple of the node size)
 *   reducescatter  ring, rhd;  allgather: ring, rhd;  S is the whole (gathered) buffer
 *   alltoall       direct: every rank sends S/p to every other at once
 *   broadcast      ring: a pipelined chain from rank 0, K chunks
 *   p2p            direct: rank 0 sends S to rank 1
 *
 * Closed forms use alpha (latency of a message) and B (bandwidth of one flow) measured on the
 * network for messages inside a node and between nodes (coll_cost); each algorithm's formula is the
 * textbook one, with the intra- or inter-node pair of values its messages use. */
#ifndef USINE_COLL_H
#define USINE_COLL_H

#include <stddef.h>

typedef enum coll_op {
    COLL_ALLREDUCE, COLL_REDUCESCATTER, COLL_ALLGATHER, COLL_ALLTOALL, COLL_BROADCAST, COLL_P2P, COLL_OP_COUNT
} coll_op;

typedef enum coll_algo { COLL_RING, COLL_TREE, COLL_RHD, COLL_HIER, COLL_DIRECT, COLL_ALGO_COUNT } coll_algo;

/* Costs of one message, inside a node and between nodes. */
typedef struct coll_cost {
    double alpha_intra_s, bw_intra_Bps;
    double alpha_inter_s, bw_inter_Bps;     /* one flow between two nodes */
    double bw_inter_all_Bps;                /* per GPU when every GPU of a node sends off the node at once */
    int ranks_per_node;                     /* consecutive ranks share a node */
} coll_cost;

typedef struct coll_send {
    int peer;
    double bytes;
} coll_send;

typedef struct coll_plan {
    coll_op op;
    coll_algo algo;
    int p;
    double bytes;
    int ranks_per_node, nodes;
    int chunks;                 /* pipelining (tree, broadcast) */
    int steps;
    int log2p;
    int tree_phase;             /* tree: steps per phase */
    int *parent[2], *child[2][2], *depth[2];
    int max_depth[2];
} coll_plan;

const char *coll_op_name(coll_op op);                  /* "allreduce" */
const char *coll_algo_name(coll_algo algo);            /* "ring" */
int coll_op_from_name(const char *name);               /* coll_op, or -1 */
int coll_algo_from_name(const char *name);             /* coll_algo, or -1 */
coll_algo coll_default_algo(coll_op op);               /* ring, or direct for alltoall and p2p */
double coll_busbw_factor(coll_op op, int p);           /* NCCL-tests: busbw = algbw x factor */

/* Prepare the program. On a combination that does not exist (rhd on 12 ranks, tree for a
 * broadcast...) returns -1 with a message naming what would work. */
int coll_plan_init(coll_plan *c, coll_op op, coll_algo algo, int p, double bytes, const coll_cost *cost,
                   char *err, size_t err_size);
void coll_plan_free(coll_plan *c);                      /* releases the tree tables */
int coll_max_sends(const coll_plan *c);                 /* size of the buffer coll_sends needs */
int coll_sends(const coll_plan *c, int rank, int step, coll_send *out); /* sends of a rank at a step */
int coll_recvs(const coll_plan *c, int rank, int step); /* messages a rank expects at a step */
/* 1 when every rank sends at step s exactly what it sent at step s - 1 (the same peers, the same
 * bytes), so that a step program's messages can be listed once per phase: rings, and the phases of
 * the hierarchical all-reduce. */
int coll_sends_repeat(const coll_plan *c, int step);
double coll_closed_form_s(const coll_plan *c, const coll_cost *cost);  /* alpha-beta time */
const char *coll_formula(const coll_plan *c);           /* the formula, for people: "2(p-1)(a + S/(pB))" */

#endif
