/* ui_layout.c: where the factory's parts sit, in world units (one GPU is 1 x 1), computed once per
 * scene from the platform file and the simulated network. Racks of nodes stand in rows like a
 * machine room, each node shows its GPUs, the switches of the scale-out network sit above, and
 * cables join each rack to its switch and switches to each other. A cable lists the simulated
 * network's links it stands for, so the drawing can colour it by their load.
 *
 * The layout covers the whole partition; only the first GPUs are simulated (the network has links
 * for those nodes only), the rest are drawn as "not in the job". No SDL here. */
#include "ui.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GPU_GAP 0.25f
#define NODE_PAD 0.35f
#define NODE_GAP 0.3f
#define RACK_PAD 0.8f
#define RACK_GAP 2.5f
#define AISLE 6.0f
#define SWITCH_H 2.5f

static void add_switch(ui_layout *l, size_t *cap, ui_rect r, const char *label)
{
    if ((size_t)l->nsw + 1 > *cap) {
        *cap = *cap ? *cap * 2 : 16;
        l->sw = ut_realloc(l->sw, *cap * sizeof *l->sw);
        l->sw_label = ut_realloc(l->sw_label, *cap * sizeof *l->sw_label);
    }
    l->sw[l->nsw] = (ui_box){ r, 0, 0 };
    snprintf(l->sw_label[l->nsw], sizeof l->sw_label[0], "%s", label);
    l->nsw++;
}

static ui_cable *add_cable(ui_layout *l, size_t *cap, float x0, float y0, float x1, float y1, int kind)
{
    if ((size_t)l->ncables + 1 > *cap) {
        *cap = *cap ? *cap * 2 : 16;
        l->cables = ut_realloc(l->cables, *cap * sizeof *l->cables);
    }
    ui_cable *c = &l->cables[l->ncables++];
    *c = (ui_cable){ x0, y0, x1, y1, NULL, 0, kind };
    return c;
}

static void cable_add_pair(ui_cable *c, int first_link)
{
    c->links = ut_realloc(c->links, (size_t)(c->nlinks + 2) * sizeof *c->links);
    c->links[c->nlinks++] = first_link;
    c->links[c->nlinks++] = first_link + 1;
}

/* A row of n switch boxes centred over [x0, x1] at height y. Returns the index of the first. */
static int switch_row(ui_layout *l, size_t *cap, int n, float x0, float x1, float y, const char *prefix, float h)
{
    int first = l->nsw;
    float span = x1 - x0, w = fminf(3.2f * h, span / (float)n * 0.7f);
    if (w < 0.3f) w = 0.3f;
    for (int i = 0; i < n; i++) {
        float cx = x0 + span * ((float)i + 0.5f) / (float)n;
        char label[32];
        snprintf(label, sizeof label, "%s %d", prefix, i);
        add_switch(l, cap, (ui_rect){ cx - w / 2, y, w, h }, label);
    }
    return first;
}

static float cx(ui_rect r) { return r.x + r.w / 2; }

/* The cable from rack k up to the switch box s: it stands for the NIC links of the rack's nodes
 * that the network simulates (the first ones of the partition). */
static void rack_cable(ui_layout *l, size_t *cap, int k, ui_rect s, const net *nw)
{
    ui_cable *c = add_cable(l, cap, cx(l->rack[k].r), l->rack[k].r.y, cx(s), s.y + s.h, 0);
    for (int i = 0; i < l->rack[k].count && nw; i++) {
        int u = l->rack[k].first + i;
        if (u >= nw->nodes) break;
        for (int q = 0; q < nw->node_nics[u]; q++) cable_add_pair(c, nw->node_nic_base[u] + 2 * q);
    }
}

ui_layout *ui_layout_build(const plat_platform *p, int part, const net *nw, double aspect)
{
    if (!(aspect > 0.2 && aspect < 5)) aspect = 1.9;
    ui_layout *l = ut_calloc(1, sizeof *l);
    const plat_partition *pt = &p->partitions[part];
    const plat_node *nd = &p->node_types[pt->node];
    const plat_network *pn = &p->networks[pt->network];
    l->nodes = pt->nodes;
    l->gpn = nd->accel >= 0 ? nd->accels_per_node : 0;
    l->nodes_per_rack = pt->nodes_per_rack > 0 ? pt->nodes_per_rack : 1;
    l->racks = (l->nodes + l->nodes_per_rack - 1) / l->nodes_per_rack;

    /* a node: its GPUs in a grid of up to 4 columns */
    int gcols = l->gpn <= 4 ? (l->gpn > 0 ? l->gpn : 1) : (l->gpn + 1) / 2;
    if (gcols > 8) gcols = 8;
    int grows = l->gpn > 0 ? (l->gpn + gcols - 1) / gcols : 1;
    float node_w = gcols * (1 + GPU_GAP) - GPU_GAP + 2 * NODE_PAD;
    float node_h = grows * (1 + GPU_GAP) - GPU_GAP + 2 * NODE_PAD;
    /* a rack: its nodes in columns of at most about 16 */
    int ncol = (int)ceil(sqrt(l->nodes_per_rack / 8.0));
    if (ncol < 1) ncol = 1;
    int nrow = (l->nodes_per_rack + ncol - 1) / ncol;
    float rack_w = ncol * (node_w + NODE_GAP) - NODE_GAP + 2 * RACK_PAD;
    float rack_h = nrow * (node_h + NODE_GAP) - NODE_GAP + 2 * RACK_PAD;
    /* racks in rows, the room shaped like the view */
    int best = 1;
    double best_err = 1e300;
    for (int cols = 1; cols <= l->racks; cols++) {
        int rows = (l->racks + cols - 1) / cols;
        double w = cols * (rack_w + RACK_GAP), h = rows * (rack_h + AISLE) + 20;
        double err = fabs(log(w / h / aspect));
        if (err < best_err) best_err = err, best = cols;
    }
    l->rack_cols = best;

    /* the network above the room, its height a share of the room's so that it stays readable
     * over racks of a hundred nodes */
    int room_rows = (l->racks + best - 1) / best;
    float u = fmaxf(1.0f, (float)room_rows * (rack_h + AISLE) * 0.16f / (4 * SWITCH_H + 12));
    float sh = SWITCH_H * u;
    float top = (4 * SWITCH_H + 12) * u;   /* room for two rows of switches and the cables */
    l->gpu = ut_calloc((size_t)l->nodes * (size_t)(l->gpn > 0 ? l->gpn : 1), sizeof *l->gpu);
    l->node = ut_calloc((size_t)l->nodes, sizeof *l->node);
    l->rack = ut_calloc((size_t)l->racks, sizeof *l->rack);
    for (int k = 0; k < l->racks; k++) {
        float rx = (float)(k % best) * (rack_w + RACK_GAP), ry = top + (float)(k / best) * (rack_h + AISLE);
        l->rack[k].r = (ui_rect){ rx, ry, rack_w, rack_h };
        l->rack[k].first = k * l->nodes_per_rack;
        l->rack[k].count = l->nodes - l->rack[k].first < l->nodes_per_rack ? l->nodes - l->rack[k].first : l->nodes_per_rack;
        for (int i = 0; i < l->rack[k].count; i++) {
            int v = l->rack[k].first + i;
            float nx = rx + RACK_PAD + (float)(i / nrow) * (node_w + NODE_GAP);
            float ny = ry + RACK_PAD + (float)(i % nrow) * (node_h + NODE_GAP);
            l->node[v] = (ui_rect){ nx, ny, node_w, node_h };
            for (int g = 0; g < l->gpn; g++)
                l->gpu[(size_t)v * l->gpn + g] = (ui_rect){ nx + NODE_PAD + (float)(g % gcols) * (1 + GPU_GAP),
                                                            ny + NODE_PAD + (float)(g / gcols) * (1 + GPU_GAP), 1, 1 };
        }
    }
    float width = best * (rack_w + RACK_GAP) - RACK_GAP;
    float height = top + (float)((l->racks + best - 1) / best) * (rack_h + AISLE) - AISLE;

    /* the scale-out network */
    size_t cap_sw = 0, cap_c = 0;
    float y_leaf = (2 * SWITCH_H + 6) * u, y_core = u;
    switch (pn->topology) {
    case PLAT_TOPO_FAT_TREE: {
        int down = nw && nw->leaf_down_ports > 0 ? nw->leaf_down_ports : 32;
        int nics = nd->nics > 0 ? nd->nics : 1;
        int nleaf = (int)(((long)l->nodes * nics + down - 1) / down);
        if (pn->levels <= 1) nleaf = 1;
        int leaf0 = switch_row(l, &cap_sw, nleaf, 0, width, y_leaf, "leaf", sh);
        int core = -1;
        if (nleaf > 1) {
            core = l->nsw;
            add_switch(l, &cap_sw, (ui_rect){ width * 0.1f, y_core, width * 0.8f, sh }, "core");
        }
        for (int k = 0; k < l->racks; k++) {
            int v = l->rack[k].first;
            int leaf = (int)((long)v * nics / down);
            if (leaf >= nleaf) leaf = nleaf - 1;
            rack_cable(l, &cap_c, k, l->sw[leaf0 + leaf].r, nw);
        }
        if (core >= 0)
            for (int i = 0; i < nleaf; i++) {
                ui_rect s = l->sw[leaf0 + i].r;
                ui_cable *c = add_cable(l, &cap_c, cx(s), s.y, cx(s), y_core + sh, 1);
                if (nw && i < nw->leaves && !nw->leaf_uplinks) cable_add_pair(c, nw->fabric_base + 2 * i);
                for (int j = 0; nw && i < nw->leaves && j < nw->leaf_uplinks; j++)
                    cable_add_pair(c, nw->fabric_base + 2 * (i * nw->leaf_uplinks + j));
            }
        break;
    }
    case PLAT_TOPO_EXPLICIT: {
        /* switches with nodes attached form the lower row, the others the upper one */
        int S = pn->nswitches;
        char *low = ut_calloc((size_t)(S ? S : 1), 1);
        for (int k = 0; k < pn->nlinks; k++)
            if (pn->links[k].b_kind == PLAT_END_NODES) low[pn->links[k].a] = 1;
        int nlow = 0, nhigh = 0;
        for (int i = 0; i < S; i++) nlow += low[i], nhigh += !low[i];
        int *box = ut_malloc((size_t)(S ? S : 1) * sizeof *box);
        int il = 0, ih = 0;
        float sw_w = fminf(3.2f * sh, width / (float)(nlow > nhigh ? (nlow ? nlow : 1) : (nhigh ? nhigh : 1)) * 0.7f);
        for (int i = 0; i < S; i++) {
            int n = low[i] ? nlow : nhigh, j = low[i] ? il++ : ih++;
            float x = width * ((float)j + 0.5f) / (float)n;
            box[i] = l->nsw;
            add_switch(l, &cap_sw, (ui_rect){ x - sw_w / 2, low[i] ? y_leaf : y_core, sw_w, sh }, pn->switches[i].id);
        }
        for (int k = 0; k < l->racks; k++) {
            int v = l->rack[k].first;
            int sw = -1;
            for (int q = 0; q < pn->nlinks; q++) {
                const plat_link *lk = &pn->links[q];
                if (lk->b_kind == PLAT_END_NODES && lk->b == part && v >= lk->first && v < lk->first + lk->count) sw = lk->a;
            }
            if (sw >= 0) rack_cable(l, &cap_c, k, l->sw[box[sw]].r, nw);
        }
        /* switch-to-switch bundles, in the order net.c created them */
        int pair = 0;
        for (int q = 0; q < pn->nlinks; q++) {
            const plat_link *lk = &pn->links[q];
            if (lk->b_kind != PLAT_END_SWITCH) continue;
            ui_rect a = l->sw[box[lk->a]].r, b = l->sw[box[lk->b]].r;
            int a_low = a.y > b.y;
            ui_cable *c = add_cable(l, &cap_c, cx(a), a_low ? a.y : a.y + a.h, cx(b), a_low ? b.y + b.h : b.y, 1);
            if (nw) cable_add_pair(c, nw->fabric_base + 2 * pair);
            pair++;
        }
        free(low);
        free(box);
        break;
    }
    case PLAT_TOPO_DRAGONFLY:
        if (pn->group_nodes > 0) {
            /* one box per group (its routers), racks into their group, and the global links
             * between the simulated groups as arcs over the row, higher for farther groups */
            int groups = (l->nodes + pn->group_nodes - 1) / pn->group_nodes;
            int g0 = switch_row(l, &cap_sw, groups, 0, width, y_leaf, "group", sh);
            for (int k = 0; k < l->racks; k++) {
                int g = l->rack[k].first / pn->group_nodes;
                rack_cable(l, &cap_c, k, l->sw[g0 + (g < groups ? g : groups - 1)].r, nw);
            }
            for (int i = 0; nw && i < nw->nlinks; i++) {
                const net_link *lk = &nw->links[i];
                if (lk->kind != NET_LINK_GLOBAL || !lk->up || lk->node >= groups || lk->index >= groups) continue;
                ui_rect a = l->sw[g0 + lk->node].r, b = l->sw[g0 + lk->index].r;
                float mx = (cx(a) + cx(b)) / 2, rise = (y_leaf - y_core) * fminf(1.0f, fabsf(cx(b) - cx(a)) / width * 2 + 0.2f);
                ui_cable *c = add_cable(l, &cap_c, cx(a), a.y, mx, a.y - rise, 1);
                cable_add_pair(c, i);
                c = add_cable(l, &cap_c, mx, a.y - rise, cx(b), b.y, 1);
                cable_add_pair(c, i);
            }
            break;
        }
        /* a dragonfly without groups in its file: one fabric */
        __attribute__((fallthrough));
    default: {
        /* one switch, or the routers of a torus drawn as one fabric */
        const char *name = pn->topology == PLAT_TOPO_DRAGONFLY ? "dragonfly"
                         : pn->topology == PLAT_TOPO_TORUS ? "torus" : "switch";
        int s = l->nsw;
        add_switch(l, &cap_sw, (ui_rect){ width * 0.1f, y_leaf, width * 0.8f, sh }, name);
        for (int k = 0; k < l->racks; k++) {
            ui_rect r = l->sw[s].r;
            r.x = l->rack[k].r.x, r.w = l->rack[k].r.w;   /* straight up into the fabric */
            rack_cable(l, &cap_c, k, r, nw);
        }
        break;
    }
    }
    l->world = (ui_rect){ -2, -2, width + 4, height + 4 };
    return l;
}

void ui_layout_free(ui_layout *l)
{
    if (!l) return;
    for (int i = 0; i < l->ncables; i++) free(l->cables[i].links);
    free(l->cables);
    free(l->sw);
    free(l->sw_label);
    free(l->gpu);
    free(l->node);
    free(l->rack);
    free(l);
}
