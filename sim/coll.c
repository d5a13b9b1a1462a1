/* coll.c: step programs and closed forms of the collectives; see coll.h. */
#include "coll.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[COLL_OP_COUNT] = { "allreduce", "reducescatter", "allgather", "alltoall", "broadcast", "p2p" };
static const char *const algo_names[COLL_ALGO_COUNT] = { "ring", "tree", "rhd", "hier", "direct" };

const char *coll_op_name(coll_op op) { return op >= 0 && op < COLL_OP_COUNT ? op_names[op] : "?"; }
const char *coll_algo_name(coll_algo a) { return a >= 0 && a < COLL_ALGO_COUNT ? algo_names[a] : "?"; }

int coll_op_from_name(const char *name)
{
    for (int i = 0; name && i < COLL_OP_COUNT; i++)
        if (!strcmp(name, op_names[i])) return i;
    return -1;
}

int coll_algo_from_name(const char *name)
{
    for (int i = 0; name && i < COLL_ALGO_COUNT; i++)
        if (!strcmp(name, algo_names[i])) return i;
    return -1;
}

coll_algo coll_default_algo(coll_op op)
{
    return op == COLL_ALLTOALL || op == COLL_P2P ? COLL_DIRECT : COLL_RING;
}

double coll_busbw_factor(coll_op op, int p)
{
    switch (op) {
    case COLL_ALLREDUCE: return p > 1 ? 2.0 * (p - 1) / p : 0;
    case COLL_REDUCESCATTER:
    case COLL_ALLGATHER:
    case COLL_ALLTOALL: return p > 1 ? (double)(p - 1) / p : 0;
    default: return 1;
    }
}

/* ---------------------------------------------------------------------------------------------
 * NCCL's double binary tree. Tree 0: rank r's parent flips r's lowest set bit and sets the next
 * one up (or only flips it when that leaves the ranks); rank 0 is the root with one child. Odd
 * ranks are its leaves. Tree 1 is tree 0 shifted by one rank (even p) or mirrored (odd p), so that
 * its leaves are the other ranks and no rank is inside both trees. */

static int btree_parent(int p, int r)
{
    if (r == 0) return -1;
    int bit = r & -r;
    int up = (r ^ bit) | (bit << 1);
    return up >= p ? (r ^ bit) : up;
}

static void build_trees(coll_plan *c)
{
    int p = c->p;
    for (int t = 0; t < 2; t++) {
        c->parent[t] = ut_malloc((size_t)p * sizeof(int));
        c->child[t][0] = ut_malloc((size_t)p * sizeof(int));
        c->child[t][1] = ut_malloc((size_t)p * sizeof(int));
        c->depth[t] = ut_malloc((size_t)p * sizeof(int));
        for (int r = 0; r < p; r++) {
            int par;
            if (t == 0) par = btree_parent(p, r);
            else if (p % 2 == 0) {
                int q = btree_parent(p, (r - 1 + p) % p);
                par = q < 0 ? -1 : (q + 1) % p;
            } else {
                int q = btree_parent(p, p - 1 - r);
                par = q < 0 ? -1 : p - 1 - q;
            }
            c->parent[t][r] = par;
            c->child[t][0][r] = c->child[t][1][r] = -1;
        }
        for (int r = 0; r < p; r++) {
            int par = c->parent[t][r];
            if (par < 0) continue;
            if (c->child[t][0][par] < 0) c->child[t][0][par] = r;
            else c->child[t][1][par] = r;
        }
        c->max_depth[t] = 0;
        for (int r = 0; r < p; r++) {
            int d = 0;
            for (int x = r; c->parent[t][x] >= 0; x = c->parent[t][x]) d++;
            c->depth[t][r] = d;
            if (d > c->max_depth[t]) c->max_depth[t] = d;
        }
    }
}

/* Pipelining chunks: the K that minimises (K + fill) (alpha + S / (K B)), i.e. sqrt(fill S / (alpha B)). */
static int best_chunks(double fill_steps, double bytes, double alpha_s, double bw_Bps)
{
    if (fill_steps <= 0 || alpha_s <= 0 || bw_Bps <= 0) return 1;
    double k = sqrt(fill_steps * bytes / (alpha_s * bw_Bps));
    if (k > 1024) k = 1024;
    if (k > bytes) k = bytes;
    return k < 1 ? 1 : (int)llround(k);
}

static int is_power_of_two(int x)
{
    return x > 0 && (x & (x - 1)) == 0;
}

/* The pair of (alpha, B) that a flat algorithm's slowest message sees. */
static void flat_cost(const coll_plan *c, const coll_cost *k, double *alpha, double *bw)
{
    if (c->nodes > 1) *alpha = k->alpha_inter_s, *bw = k->bw_inter_Bps;
    else *alpha = k->alpha_intra_s, *bw = k->bw_intra_Bps;
}

int coll_plan_init(coll_plan *c, coll_op op, coll_algo algo, int p, double bytes, const coll_cost *cost,
                   char *err, size_t err_size)
{
    memset(c, 0, sizeof *c);
    c->op = op;
    c->algo = algo;
    c->p = p;
    c->bytes = bytes;
    c->ranks_per_node = cost->ranks_per_node > 0 ? cost->ranks_per_node : 1;
    c->nodes = (p + c->ranks_per_node - 1) / c->ranks_per_node;
    c->chunks = 1;
    while ((1 << c->log2p) < p) c->log2p++;
    if (p < 1 || !(bytes > 0) || !isfinite(bytes)) {
        snprintf(err, err_size, "%s", _("a collective needs at least one GPU and a positive size"));
        return -1;
    }
    static const unsigned valid[COLL_OP_COUNT] = {
        [COLL_ALLREDUCE] = 1u << COLL_RING | 1u << COLL_TREE | 1u << COLL_RHD | 1u << COLL_HIER,
        [COLL_REDUCESCATTER] = 1u << COLL_RING | 1u << COLL_RHD,
        [COLL_ALLGATHER] = 1u << COLL_RING | 1u << COLL_RHD,
        [COLL_ALLTOALL] = 1u << COLL_DIRECT,
        [COLL_BROADCAST] = 1u << COLL_RING,
        [COLL_P2P] = 1u << COLL_DIRECT,
    };
    if (op < 0 || op >= COLL_OP_COUNT || algo < 0 || algo >= COLL_ALGO_COUNT || !(valid[op] & (1u << algo))) {
        char list[64] = "";
        for (int a = 0; op >= 0 && op < COLL_OP_COUNT && a < COLL_ALGO_COUNT; a++)
            if (valid[op] & (1u << a)) {
                size_t len = strlen(list);
                snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", algo_names[a]);
            }
        snprintf(err, err_size, _("algorithm '%s' does not apply to %s; use one of: %s"), coll_algo_name(algo),
                 coll_op_name(op), list);
        return -1;
    }
    if (algo == COLL_RHD && !is_power_of_two(p)) {
        snprintf(err, err_size, _("rhd needs a power-of-two number of GPUs (got %d); use ring or tree"), p);
        return -1;
    }
    if (algo == COLL_HIER && p % c->ranks_per_node) {
        snprintf(err, err_size, _("hier needs whole nodes: %d GPUs is not a multiple of %d GPUs per node"), p,
                 c->ranks_per_node);
        return -1;
    }
    if (op == COLL_P2P && p != 2) {
        snprintf(err, err_size, _("p2p is between 2 GPUs (got %d)"), p);
        return -1;
    }
    double alpha, bw;
    flat_cost(c, cost, &alpha, &bw);
    int g = c->ranks_per_node, m = c->nodes;
    switch (algo) {
    case COLL_RING:
        if (op == COLL_ALLREDUCE) c->steps = 2 * (p - 1);
        else if (op == COLL_BROADCAST) {
            c->chunks = p > 2 ? best_chunks(p - 2, bytes, alpha, bw) : 1;
            c->steps = p > 1 ? c->chunks + p - 2 : 0;
        } else c->steps = p - 1;
        break;
    case COLL_RHD:
        c->steps = op == COLL_ALLREDUCE ? 2 * c->log2p : c->log2p;
        break;
    case COLL_HIER:
        c->steps = 2 * (g - 1) + 2 * (m - 1);
        break;
    case COLL_TREE:
        if (p > 1) {
            build_trees(c);
            int dmax = c->max_depth[0] > c->max_depth[1] ? c->max_depth[0] : c->max_depth[1];
            c->chunks = best_chunks(dmax - 1, bytes, alpha, bw);
            c->tree_phase = c->chunks + dmax - 1;
            c->steps = 2 * c->tree_phase;
        }
        break;
    case COLL_DIRECT:
        c->steps = p > 1 ? 1 : 0;
        break;
    default:
        break;
    }
    return 0;
}

void coll_plan_free(coll_plan *c)
{
    for (int t = 0; t < 2; t++) {
        free(c->parent[t]);
        free(c->child[t][0]);
        free(c->child[t][1]);
        free(c->depth[t]);
        c->parent[t] = c->child[t][0] = c->child[t][1] = c->depth[t] = NULL;
    }
}

int coll_max_sends(const coll_plan *c)
{
    return c->op == COLL_ALLTOALL ? (c->p > 1 ? c->p - 1 : 1) : 4;
}

/* Hierarchical: phase A (g-1 steps) ring inside the node, phase B (2(m-1) steps) ring across nodes
 * between equal local ranks, phase C (g-1 steps) ring inside the node. */
static int hier_send(const coll_plan *c, int r, int s, coll_send *out)
{
    int g = c->ranks_per_node, m = c->nodes, node = r / g, local = r % g;
    if (s < g - 1 || s >= g - 1 + 2 * (m - 1)) {
        out->peer = node * g + (local + 1) % g;
        out->bytes = c->bytes / g;
    } else {
        out->peer = ((node + 1) % m) * g + local;
        out->bytes = c->bytes / g / m;
    }
    return 1;
}

int coll_sends(const coll_plan *c, int r, int s, coll_send *out)
{
    int p = c->p;
    if (s < 0 || s >= c->steps || p < 2) return 0;
    switch (c->algo) {
    case COLL_RING:
        if (c->op == COLL_BROADCAST) {
            int chunk = s - r;
            if (r == p - 1 || chunk < 0 || chunk >= c->chunks) return 0;
            out[0] = (coll_send){ r + 1, c->bytes / c->chunks };
            return 1;
        }
        out[0] = (coll_send){ (r + 1) % p, c->bytes / p };
        return 1;
    case COLL_RHD: {
        int L = c->log2p;
        int halving = c->op == COLL_REDUCESCATTER || (c->op == COLL_ALLREDUCE && s < L);
        int k = c->op == COLL_ALLREDUCE && s >= L ? s - L : s;
        if (halving) {
            out[0] = (coll_send){ r ^ (1 << k), c->bytes / (double)(2 << k) };         /* S/2, S/4, ... */
        } else {
            int d = L - 1 - k;                                                       /* distances p/2 .. 1 */
            out[0] = (coll_send){ r ^ (1 << d), c->bytes * (double)(1 << k) / p };   /* S/p, 2S/p, ... */
        }
        return 1;
    }
    case COLL_HIER:
        return hier_send(c, r, s, out);
    case COLL_TREE: {
        int n = 0;
        double chunk = c->bytes / 2 / c->chunks;
        int reduce = s < c->tree_phase, j = reduce ? s : s - c->tree_phase;
        for (int t = 0; t < 2; t++) {
            int d = c->depth[t][r], D = c->max_depth[t];
            if (reduce) {
                int k = j - (D - d);
                if (c->parent[t][r] >= 0 && k >= 0 && k < c->chunks) out[n++] = (coll_send){ c->parent[t][r], chunk };
            } else {
                int k = j - d;
                if (k >= 0 && k < c->chunks)
                    for (int x = 0; x < 2; x++)
                        if (c->child[t][x][r] >= 0) out[n++] = (coll_send){ c->child[t][x][r], chunk };
            }
        }
        return n;
    }
    case COLL_DIRECT:
        if (c->op == COLL_P2P) {
            if (r != 0) return 0;
            out[0] = (coll_send){ 1, c->bytes };
            return 1;
        }
        for (int k = 1; k < p; k++) out[k - 1] = (coll_send){ (r + k) % p, c->bytes / p };
        return p - 1;
    default:
        return 0;
    }
}

int coll_sends_repeat(const coll_plan *c, int s)
{
    if (s < 1 || s >= c->steps || c->p < 2) return 0;
    if (c->algo == COLL_RING) return c->op != COLL_BROADCAST;
    if (c->algo == COLL_HIER) {
        int g = c->ranks_per_node, m = c->nodes;
        int across = s >= g - 1 && s < g - 1 + 2 * (m - 1), before = s - 1 >= g - 1 && s - 1 < g - 1 + 2 * (m - 1);
        return across == before;   /* inside the node in phases A and C alike, across it in phase B */
    }
    return 0;
}

int coll_recvs(const coll_plan *c, int r, int s)
{
    int p = c->p;
    if (s < 0 || s >= c->steps || p < 2) return 0;
    switch (c->algo) {
    case COLL_RING:
        if (c->op == COLL_BROADCAST) {
            int chunk = s - r + 1;
            return r > 0 && chunk >= 0 && chunk < c->chunks;
        }
        return 1;
    case COLL_RHD:
    case COLL_HIER:
        return 1;
    case COLL_TREE: {
        int n = 0;
        int reduce = s < c->tree_phase, j = reduce ? s : s - c->tree_phase;
        for (int t = 0; t < 2; t++) {
            int d = c->depth[t][r], D = c->max_depth[t];
            if (reduce) {
                int k = j - (D - d - 1);
                if (k >= 0 && k < c->chunks) n += (c->child[t][0][r] >= 0) + (c->child[t][1][r] >= 0);
            } else {
                int k = j - d + 1;
                if (c->parent[t][r] >= 0 && k >= 0 && k < c->chunks) n++;
            }
        }
        return n;
    }
    case COLL_DIRECT:
        return c->op == COLL_P2P ? r == 1 : p - 1;
    default:
        return 0;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Closed forms. */

double coll_closed_form_s(const coll_plan *c, const coll_cost *k)
{
    int p = c->p;
    double S = c->bytes, a, B;
    if (p < 2) return 0;
    flat_cost(c, k, &a, &B);
    switch (c->algo) {
    case COLL_RING:
        if (c->op == COLL_ALLREDUCE) return 2.0 * (p - 1) * (a + S / p / B);
        if (c->op == COLL_BROADCAST) {
            /* a pipeline: every stage once, then the slowest stage K - 1 more times */
            int m = c->nodes, K = c->chunks;
            double inside = k->alpha_intra_s + S / K / k->bw_intra_Bps, across = k->alpha_inter_s + S / K / k->bw_inter_Bps;
            double slowest = m > 1 ? fmax(across, p - m > 0 ? inside : 0) : inside;
            return (p - m) * inside + (m - 1) * across + (K - 1) * slowest;
        }
        return (p - 1) * (a + S / p / B);
    case COLL_RHD: {
        /* per step: the partner at distance d is in the node when d < ranks per node */
        double t = 0;
        for (int s = 0; s < c->steps; s++) {
            coll_send m;
            coll_sends(c, 0, s, &m);
            int inside = m.peer / c->ranks_per_node == 0;
            t += inside ? k->alpha_intra_s + m.bytes / k->bw_intra_Bps : k->alpha_inter_s + m.bytes / k->bw_inter_Bps;
        }
        return t;
    }
    case COLL_HIER: {
        int g = c->ranks_per_node, m = c->nodes;
        double t = 2.0 * (g - 1) * (k->alpha_intra_s + S / g / k->bw_intra_Bps);
        double bw_e = m > 1 ? fmin(k->bw_inter_Bps, k->bw_inter_all_Bps) : 1;
        return t + 2.0 * (m - 1) * (k->alpha_inter_s + S / g / m / bw_e);
    }
    case COLL_TREE:
        /* two flows share each link in steady state: a chunk of S/(2K) moves at B/2 */
        return 2.0 * c->tree_phase * (a + S / c->chunks / B);
    case COLL_DIRECT:
        if (c->op == COLL_P2P) return a + S / B;
        {
            int g = c->ranks_per_node < p ? c->ranks_per_node : p;
            double inside = g > 1 ? k->alpha_intra_s + (double)(g - 1) / p * S / k->bw_intra_Bps : 0;
            double outside = p > g ? k->alpha_inter_s + (double)(p - g) / p * S / fmin(k->bw_inter_Bps, k->bw_inter_all_Bps) : 0;
            return fmax(inside, outside);
        }
    default:
        return 0;
    }
}

const char *coll_formula(const coll_plan *c)
{
    switch (c->algo) {
    case COLL_RING:
        return c->op == COLL_ALLREDUCE ? "2(p-1)(a + S/(pB))"
               : c->op == COLL_BROADCAST ? "sum_hops(a + S/(KB)) + (K-1) max_hop(a + S/(KB))"
                                         : "(p-1)(a + S/(pB))";
    case COLL_RHD:
        return c->op == COLL_ALLREDUCE ? "2 log2(p) a + 2 (p-1)/p S/B" : "log2(p) a + (p-1)/p S/B";
    case COLL_HIER:
        return "2(g-1)(a_in + S/(g B_in)) + 2(m-1)(a_out + S/(g m B_out))";
    case COLL_TREE:
        return "2(K+D-1)(a + S/(KB))";
    case COLL_DIRECT:
        return c->op == COLL_P2P ? "a + S/B" : "a + (p-1)/p S/B";
    default:
        return "?";
    }
}
