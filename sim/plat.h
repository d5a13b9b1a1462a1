/* plat.h: a platform is an AI factory read from an XML file (see assets/schema/platform.rng and
 * assets/schema/README.md for the format): accelerator models, node types, partitions of nodes,
 * scale-out networks, storage, reliability and the facility around it.
 *
 * Usage:
 *     plat_error err;
 *     plat_platform *p = plat_load_file("jean-zay.xml", &err);
 *     if (!p) { fprintf(stderr, "%s\n", err.msg); return 2; }   // "jean-zay.xml:42: ..."
 *     plat_totals t; plat_partition_totals(p, plat_find_partition(p, "h100"), &t);
 *     plat_free(p);
 *
 * Invariants once plat_load_* returns a platform: every id is unique within its kind; every
 * reference (a partition's node type and network, a node type's accelerator, an explicit link's
 * ends) is an index that exists; every number is finite and inside the range its field documents;
 * there is at least one partition. A platform is immutable after loading: readers may share it.
 *
 * Units are in the field names. Vendor figures are kept as vendors quote them (decimal GB, TB/s,
 * bidirectional scale-up bandwidth); functions below turn them into what models need. */
#ifndef USINE_PLAT_H
#define USINE_PLAT_H

#include <stddef.h>

/* Numeric precisions of the peak table, fastest last. */
typedef enum plat_prec {
    PLAT_FP64, PLAT_FP32, PLAT_TF32, PLAT_FP16, PLAT_BF16, PLAT_FP8, PLAT_PREC_COUNT
} plat_prec;

typedef enum plat_topology {
    PLAT_TOPO_SWITCH,     /* every node on one non-blocking switch */
    PLAT_TOPO_FAT_TREE,   /* folded Clos with `levels` levels, optional oversubscription above the leaves */
    PLAT_TOPO_DRAGONFLY,  /* groups of routers, all-to-all global links between groups */
    PLAT_TOPO_TORUS,      /* k-ary n-cube with wrap-around links */
    PLAT_TOPO_EXPLICIT,   /* switches and links listed one by one (small factories) */
    PLAT_TOPO_COUNT
} plat_topology;

/* A labelled assumption or a source, attached to the part of the file it is about. */
typedef struct plat_note {
    char *about;        /* "platform", "accelerator mi430x", "partition gpu", ... */
    char *lang;         /* "fr", "en", or NULL when the text is for every language */
    char *text;
    int line;
} plat_note;

typedef struct plat_accel {
    char *id, *name, *vendor;
    double peak_tflops[PLAT_PREC_COUNT]; /* dense peak; 0 = not supported or not published */
    double memory_gb;           /* HBM capacity, decimal GB */
    double memory_tbs;          /* HBM bandwidth, TB/s */
    double link_bidir_gbs;      /* scale-up bandwidth per accelerator, both directions summed; 0 = none */
    double tdp_w, idle_w;       /* board power at full load and when idle */
    double eff_matmul;          /* fraction of peak the best-shaped matrix multiply reaches in a micro-benchmark
                                 * (MAMF), (0, 1]; what training gets of it is the software stack's (tm_stack) */
    int compute_units;          /* SMs or CUs that run matrix-multiply tiles (one device as software sees it);
                                 * 0 = unknown: no wave quantisation */
    double eff_memory;          /* fraction of memory bandwidth that streaming kernels reach, (0, 1] */
    double mtbf_h;              /* mean time between failures of one accelerator, hours; 0 = unknown */
    int line;
} plat_accel;

typedef struct plat_node {
    char *id;
    int accel;                  /* index into accels; -1 for a node without accelerators */
    int accels_per_node;
    char *cpu_model;
    int cpus, cores_per_cpu;
    double cpu_tdp_w;           /* per CPU */
    double memory_gb;           /* host memory */
    double other_w;             /* rest of the node at full load (memory, NICs, fans, conversion) */
    double idle_w;              /* whole node idle, accelerators excluded; 0 = unknown */
    char *scaleup_kind;         /* "nvlink", "infinity-fabric", "pcie", ... (NULL with one accelerator) */
    double scaleup_bidir_gbs;   /* per accelerator inside the node; defaults to the accelerator's link */
    double scaleup_latency_us;
    int nics;
    double nic_gbit_s;          /* per NIC */
    double mtbf_h;              /* mean time between failures of one node, hours; 0 = unknown */
    int line;
} plat_node;

typedef struct plat_switch {
    char *id;
    int line;
} plat_switch;

/* An explicit link joins two switches, or a switch and a range of nodes of a partition (each of
 * those nodes gets its own link of this bandwidth: its NICs), or a switch and a storage system. */
typedef enum plat_end_kind { PLAT_END_SWITCH, PLAT_END_NODES, PLAT_END_STORAGE } plat_end_kind;

typedef struct plat_link {
    int a;                      /* switch index */
    plat_end_kind b_kind;
    int b;                      /* switch, partition or storage index */
    int first, count;           /* for PLAT_END_NODES: nodes [first, first + count) of partition b */
    int parallel;               /* identical links bundled (>= 1); for nodes, default: one per NIC */
    double gbit_s, latency_us;  /* per link, each direction */
    int line;
} plat_link;

typedef struct plat_network {
    char *id, *name, *technology;
    plat_topology topology;
    double link_gbit_s;         /* switch-to-switch links, each direction; defaults to the NIC speed */
    double hop_latency_us;      /* one link and switch traversed */
    double eff_bandwidth;       /* fraction of link bandwidth that large transfers reach, (0, 1] */
    double switch_w;            /* power per switch; 0 = unknown */
    /* fat tree */
    int levels, radix;
    double oversubscription;    /* >= 1; applied once, between the leaves and the level above */
    /* dragonfly */
    int group_nodes;            /* nodes per group */
    int group_switches;         /* routers per group; 0 = unknown */
    int global_links;           /* global links leaving each group */
    int routing;                /* plat_routing (dragonfly: adaptive by default; fat tree: spray) */
    /* torus */
    int ndims, dims[4];
    /* explicit */
    plat_switch *switches;
    int nswitches;
    plat_link *links;
    int nlinks;
    int line;
} plat_network;

typedef struct plat_partition {
    char *id, *name;
    int node;                   /* node type index */
    int nodes;
    int network;                /* index into networks */
    int nodes_per_rack;         /* for drawing and for rack-level failures; >= 1 */
    int line;
} plat_partition;

typedef struct plat_storage {
    char *id, *name;
    double capacity_pb;
    double read_gbs, write_gbs; /* aggregate, GB/s */
    int line;
} plat_storage;

typedef struct plat_facility {
    double pue;                 /* >= 1 */
    double carbon_g_per_kwh;
    double price_eur_per_kwh;
    int line;
} plat_facility;

typedef struct plat_platform {
    char *id, *name;
    char *description_fr, *description_en; /* NULL when absent */
    plat_accel *accels;         int naccels;
    plat_node *node_types;      int nnode_types;
    plat_network *networks;     int nnetworks;
    plat_partition *partitions; int npartitions;
    plat_storage *storage;      int nstorage;
    plat_facility facility;
    plat_note *assumptions;     int nassumptions;
    plat_note *sources;         int nsources;
} plat_platform;

typedef struct plat_error {
    char file[256];
    int line;                   /* 0 when the error is not about a line (file missing, ...) */
    char msg[768];              /* ready to print: "file.xml:42: what is wrong" */
} plat_error;

/* Figures derived from a platform, for one partition or the whole machine. */
typedef struct plat_totals {
    long nodes, accels, cpu_cores;
    double peak_pflops[PLAT_PREC_COUNT];
    double accel_memory_tb;     /* decimal TB */
    double host_memory_tb;
    double injection_tbs;       /* sum of every node's NIC bandwidth, TB/s */
    double bisection_tbs;       /* scale-out bisection bandwidth, TB/s (see plat_network_bisection_tbs) */
    double power_it_mw;         /* at full load: accelerators, CPUs, rest of nodes, switches */
    double power_facility_mw;   /* with the PUE */
    long switches;              /* switches of the scale-out network (estimated for regular topologies) */
} plat_totals;

/* Loading. On failure return NULL and fill *err; never print. Bad files never crash or hang:
 * no network access, no DTD at all (so no entities, external or not), no XInclude, a size cap. */
#define PLAT_MAX_FILE_BYTES (16u << 20)

/* What a platform may hold. A file that loads is one every later stage (predict, simulate, the
 * app) can build in memory: the simulator makes about two links per accelerator, per NIC and per
 * fabric link, so these caps keep its network under a few hundred MB, and every count the loader
 * walks or sorts small. They admit the largest machines of the TOP500 with room to spare (El
 * Capitan: 11,136 nodes, 44,544 accelerators, about 90 dragonfly groups). plat_load_* refuses a
 * file beyond one of them with a message that names the limit. */
#define PLAT_MAX_ELEMENTS_OF_A_KIND 256   /* accelerators, node types, networks, partitions, storage: each */
#define PLAT_MAX_NOTES           10000    /* <assumption> and <source> elements together */
#define PLAT_MAX_ATTRIBUTES      64       /* on one element (libxml2 checks duplicates in n^2) */
#define PLAT_MAX_NODES_TOTAL     100000L  /* nodes of all partitions */
#define PLAT_MAX_ACCELS_TOTAL    500000L  /* accelerators of all partitions */
#define PLAT_MAX_NIC_PORTS_TOTAL 500000L  /* NICs of all nodes */
#define PLAT_MAX_SWITCHES        100000L  /* switches of one network, listed or estimated (plat_network_switches) */
#define PLAT_MAX_TORUS_POINTS    65536L   /* routers of a torus (the product of its dims) */
#define PLAT_MAX_DRAGONFLY_GROUPS 1024L   /* the simulator links every pair of groups */
#define PLAT_MAX_EXPLICIT_SWITCHES 4096   /* listed switches of an explicit network (routes keep S^2 distances) */
#define PLAT_MAX_EXPLICIT_LINKS  16384    /* listed links of an explicit network (schema validation is quadratic in them) */
plat_platform *plat_load_file(const char *path, plat_error *err);                  /* load and check a platform file */
plat_platform *plat_load_memory(const char *xml, size_t len, const char *name, plat_error *err); /* same, from memory; name appears in messages */
void plat_free(plat_platform *p);                                                   /* NULL is fine */
plat_platform *plat_clone(const plat_platform *p);                                  /* a private copy (free it with plat_free); NULL gives NULL */
const char *plat_schema_text(void);                                                 /* the RELAX NG schema built into the program */
/* Where a platform is: spec itself when it is a path (holds '/' or ends in ".xml") that exists,
 * else the first <dir>/<spec>.xml along dirs (':'-separated) that exists or cannot be checked
 * (then plat_load_file says why). 0 and the path in buf, or -1. */
int plat_find_file(const char *spec, const char *dirs, char *buf, size_t size);

/* Lookup. Return the index, or -1. */
int plat_find_partition(const plat_platform *p, const char *id);
int plat_find_accel(const plat_platform *p, const char *id);

/* Names and totals. */
const char *plat_prec_name(plat_prec prec);                       /* "bf16" */
/* Where a training precision is to be had, for a message about a partition whose accelerator has
 * no peak in it: the precisions that accelerator trains in ("fp32|fp16"; fp64 is not one) and the
 * other partitions whose accelerators have `prec` ("a100|h100"); either may be "". */
void plat_prec_offer(const plat_platform *p, int partition, plat_prec prec, char *has, size_t has_size, char *others,
                     size_t others_size);
int plat_prec_from_name(const char *name);                        /* plat_prec, or -1 */
const char *plat_topology_name(plat_topology t);                  /* "fat-tree" */
/* Routing of a network's switch-to-switch traffic. Dragonfly: minimal (the direct global bundle of
 * the two groups), Valiant (through an intermediate group hashed from the pair of GPUs: two global
 * hops, load spread over the machine) or adaptive (UGAL-style, per flow at its start: minimal
 * unless the direct bundle holds more than twice the flows of the Valiant path's busier bundle).
 * Fat tree: spray (a leaf's uplinks as one bundle: ideal packet spraying), ECMP (a hash of the pair
 * of GPUs picks one uplink and its spine for the whole flow) or adaptive (the least loaded uplink at
 * the flow's start). */
typedef enum {
    PLAT_ROUTING_ADAPTIVE, PLAT_ROUTING_MINIMAL, PLAT_ROUTING_VALIANT, PLAT_ROUTING_SPRAY, PLAT_ROUTING_ECMP,
    PLAT_ROUTING_COUNT
} plat_routing;
const char *plat_routing_name(plat_routing r);                    /* "adaptive" */
/* The plat_routing of `name` among the policies of the network's topology, or -1 with what they
 * are in err (the loader and every front end's --routing say the same). */
int plat_routing_parse(const plat_network *nw, const char *name, char *err, size_t err_size);
void plat_partition_totals(const plat_platform *p, int partition, plat_totals *t); /* one partition */
void plat_machine_totals(const plat_platform *p, plat_totals *t); /* every partition, networks counted once */
double plat_node_power_w(const plat_platform *p, int node_type);  /* one node at full load, W */
double plat_network_bisection_tbs(const plat_platform *p, int network); /* with all the nodes attached to it */
long plat_network_nodes(const plat_platform *p, int network);     /* nodes attached to a network */
long plat_network_switches(const plat_platform *p, int network);  /* switches: listed, or estimated for regular topologies (0: unknown) */

/* What-if machines: give a partition `nodes` nodes of the same type, on the same network and
 * facility. The network grows (or shrinks) by its own rules: a fat tree gains levels when its radix
 * cannot connect the ports on the levels it has (never fewer than the file's); a dragonfly gains
 * groups of group_nodes nodes (its global links per group stay, so each pair of groups gets fewer);
 * a torus stretches its last dimension to keep as many nodes per point; a single switch and an
 * explicit network (listed switches and links) cannot grow, and an explicit network that shrinks
 * loses the links of the nodes that are gone (a link cut to the nodes that remain). Every limit of plat.h holds. 0, or -1
 * with the limit or the rule that refuses it in err, and the platform left as it was. */
int plat_resize_partition(plat_platform *p, int partition, long nodes, char *err, size_t err_size);

/* The platform file `xml` (len bytes; `name` in messages) with partition `partition` (NULL: the
 * first) resized to `nodes` as plat_resize_partition does it, written as a platform file: the same
 * document, every element, comment, source and assumption kept, with the partition's nodes, the
 * network attributes the resize changed (fat-tree levels, torus dims, an explicit network's node
 * links), the platform's name saying it is a what-if, and an <assumption lang="lang"> (lang NULL:
 * for every language) on the partition saying what changed. The text is checked by loading it
 * back: it has the totals of the platform resized in memory (with the file's own count, the text is
 * the file's, unchanged). 0 and the text, NUL-terminated, in
 * *out (free it), or -1 with what is wrong in err and *out NULL. */
int plat_resize_xml(const char *xml, size_t len, const char *name, const char *partition, long nodes, const char *lang,
                    char **out, size_t *out_len, char *err, size_t err_size);

#endif
