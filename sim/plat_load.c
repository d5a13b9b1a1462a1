/* plat_load.c: read a platform file into a plat_platform, or say precisely what is wrong.
 *
 * Three passes, each stopping at the first error (its message carries the file and the line):
 *   1. XML parsing with libxml2, hardened: the file is read into memory with a size cap and a check
 *      that it is a regular file; no network; a DOCTYPE stops the parser at once, so no entity
 *      (internal, external or parameter) is ever declared, let alone expanded; XInclude is never
 *      processed. libxml2's own nesting-depth limit stays on (no XML_PARSE_HUGE).
 *   2. A table-driven walk that knows every element and attribute of the format and gives the
 *      messages users need ("memory_gb must be positive (got -3)", "unknown attribute tdp_W on
 *      <accelerator>"), then the checks a schema cannot express: references, duplicate ids,
 *      explicit networks where every node is attached exactly once and every switch is reachable.
 *   3. Validation against the RELAX NG schema built into the program, as the authority on the
 *      format: anything the walk let through is reported with the schema's own message.
 *
 * Nothing here prints or touches global state; every error goes into the caller's plat_error. */
#include "plat.h"
#include "util.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds that catch typos (a unit off by 1000) without refusing any real machine. */
#define MAX_NODES      1000000L
#define MAX_PER_NODE   1024L
#define MAX_TFLOPS     1.0e6
#define MAX_MEMORY_GB  1.0e6
#define MAX_POWER_W    1.0e6
#define MAX_GBIT_S     1.0e5
#define MAX_GBS        1.0e5
#define MAX_LATENCY_US 1.0e6
#define MAX_MTBF_H     1.0e9

/* A reference waits for the end of the walk, because the format lets elements come in any order.
 * It names the element that refers by its index, never by a pointer: the arrays of the platform
 * move when they grow (ut_grow), and a pointer kept across a later append would dangle. */
typedef struct pending_ref {
    char *name;          /* the id as written */
    int line;
    int owner;           /* REF_ACCEL: node type index; REF_NODE, REF_NETWORK: partition index */
    int kind;            /* REF_ACCEL, REF_NODE, REF_NETWORK */
    const char *what;    /* the element that refers, for messages */
} pending_ref;

enum { REF_ACCEL, REF_NODE, REF_NETWORK };

/* Explicit links name their ends by id; they are resolved once every switch, partition and storage
 * of the file is known (the format lets elements come in any order). */
typedef struct pending_link {
    int network, link;
    char *from, *to, *partition, *storage;
} pending_link;

#define SHOWN_CHARS 40   /* characters of a value echoed in a message, before "…" */

typedef struct loader {
    plat_platform *p;
    plat_error *err;
    int failed;
    size_t cap_accels, cap_nodes, cap_networks, cap_parts, cap_storage, cap_assume, cap_sources;
    pending_ref *refs;
    size_t nrefs, cap_refs;
    pending_link *plinks;
    size_t nplinks, cap_plinks;
    int have_facility;
    int nnotes;
    char detail[200];            /* the first error libxml2 raised outside the parser (encoding, I/O) */
    char shown[4][4 * SHOWN_CHARS + 8];  /* shown(): values echoed in messages, shortened */
    int nshown;
    /* ids sorted for lookups (built by resolve_refs, once the arrays are final) */
    struct id_entry *ix_accels, *ix_nodes, *ix_networks, *ix_parts, *ix_storage;
} loader;

/* ---------------------------------------------------------------------------------------------
 * Errors: the first one wins, later ones are ignored (they are usually consequences). */

static int vfail_at(loader *L, int line, const char *fmt, va_list ap)
{
    if (L->failed) return -1;
    L->failed = 1;
    char what[512];
    vsnprintf(what, sizeof what, fmt, ap);
    L->err->line = line;
    if (line > 0)
        snprintf(L->err->msg, sizeof L->err->msg, "%s:%d: %s", L->err->file, line, what);
    else
        snprintf(L->err->msg, sizeof L->err->msg, "%s: %s", L->err->file, what);
    return -1;
}

static int fail_at(loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(loader *L, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(L, line, fmt, ap);
    va_end(ap);
    return -1;
}

/* The line where an element's start tag begins. libxml2's own node->line is the line where the
 * start tag ends, and past line 65,535 it is borrowed from a neighbouring text node; so
 * on_start_element() records the exact line in the node's _private field. */
static int line_of(const loader *L, const xmlNode *n)
{
    (void)L;
    intptr_t l = n->type == XML_ELEMENT_NODE && n->_private ? (intptr_t)n->_private : xmlGetLineNo(n);
    return l > 0 && l < INT32_MAX ? (int)l : 0;
}

static int fail(loader *L, const xmlNode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(loader *L, const xmlNode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(L, line_of(L, n), fmt, ap);
    va_end(ap);
    return -1;
}

/* A value from the file as a message echoes it: at most SHOWN_CHARS characters (a name of 5,000
 * characters would bury the message), cut between UTF-8 sequences, then "…". Four buffers turn, so
 * one message can show four values. */
static const char *shown(loader *L, const char *s)
{
    char *buf = L->shown[L->nshown++ & 3];
    size_t o = 0;
    int chars = 0;
    if (!s) s = "";
    while (*s && chars < SHOWN_CHARS) {
        size_t len = 1;
        while (len < 4 && ((unsigned char)s[len] & 0xC0) == 0x80) len++;
        memcpy(buf + o, s, len);
        o += len, s += len, chars++;
    }
    if (*s) memcpy(buf + o, "\xe2\x80\xa6", 3), o += 3;   /* … */
    buf[o] = '\0';
    return buf;
}

/* Strip the trailing newline libxml2 puts on its messages. */
static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = '\0';
}

/* ---------------------------------------------------------------------------------------------
 * Attribute tables. Each element reader describes the attributes it accepts; read_attrs() refuses
 * unknown ones, reports missing required ones and parses and range-checks numbers into the struct.
 * Attributes of kind A_OTHER are accepted here and read by the element's own code. */

typedef enum { A_TEXT, A_ID, A_NUM, A_INT, A_OTHER } attr_kind;

typedef struct attr_spec {
    const char *name;
    attr_kind kind;
    int required;
    size_t offset;        /* into the destination struct (A_TEXT, A_ID: char *; A_NUM: double; A_INT: int) */
    double min, max;
    int min_exclusive;    /* 1: the value must be strictly greater than min */
} attr_spec;

#define NUM(name, req, type, field, lo, hi, excl) { name, A_NUM, req, offsetof(type, field), lo, hi, excl }
#define INT(name, req, type, field, lo, hi)       { name, A_INT, req, offsetof(type, field), lo, hi, 0 }
#define TXT(name, req, type, field)               { name, A_TEXT, req, offsetof(type, field), 0, 0, 0 }
#define IDA(type, field)                          { "id", A_ID, 1, offsetof(type, field), 0, 0, 0 }
#define OTHER(name, req)                          { name, A_OTHER, req, 0, 0, 0, 0 }

static char *prop(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v) return NULL;
    char *s = ut_strdup((const char *)v);
    xmlFree(v);
    return s;
}

static int valid_id(const char *s)
{
    if (!s || !*s || strlen(s) > 128) return 0;
    for (const char *c = s; *c; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 (c != s && (*c == '_' || *c == '-' || *c == '.'));
        if (!ok) return 0;
    }
    return 1;
}

static void known_list(const attr_spec *spec, int nspec, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < nspec; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? ", " : "", spec[i].name);
    }
}

static int read_attrs(loader *L, const xmlNode *n, const attr_spec *spec, int nspec, void *dst)
{
    const char *el = (const char *)n->name;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        int known = 0;
        for (int i = 0; i < nspec && !known; i++) known = !strcmp((const char *)a->name, spec[i].name);
        if (!known) {
            char list[512];
            known_list(spec, nspec, list, sizeof list);
            return fail(L, n, _("unknown attribute '%s' on <%s> (allowed: %s)"), shown(L, (const char *)a->name), el, list);
        }
    }
    for (int i = 0; i < nspec; i++) {
        const attr_spec *s = &spec[i];
        char *v = prop(n, s->name);
        if (!v) {
            if (s->required) return fail(L, n, _("<%s> needs the attribute '%s'"), el, s->name);
            continue;
        }
        int rc = 0;
        char *field = dst ? (char *)dst + s->offset : NULL;   /* NULL + 0 is undefined too: only A_OTHER specs pass no dst */
        switch (s->kind) {
        case A_OTHER:
            break;
        case A_ID:
            if (!valid_id(v))
                rc = fail(L, n, _("<%s> id '%s' is not a valid id (letters, digits, '_', '-', '.'; at most 128)"), el, shown(L, v));
            else { *(char **)field = v; v = NULL; }
            break;
        case A_TEXT:
            *(char **)field = v;
            v = NULL;
            break;
        case A_NUM: {
            double d;
            int range;
            if (ut_parse_double_range(v, &d, &range) != 0)
                rc = range < 0   ? fail(L, n, _("%s on <%s> is too close to zero to be represented (got %s): write 0 or a "
                                                "number above 1e-300"), s->name, el, shown(L, v))
                     : range > 0 ? fail(L, n, _("%s on <%s> is too large to be represented (got %s)"), s->name, el, shown(L, v))
                                 : fail(L, n, _("%s on <%s> must be a finite number, not '%s'"), s->name, el, shown(L, v));
            else if (s->min_exclusive && !(d > s->min))
                rc = s->min == 0 ? fail(L, n, _("%s on <%s> must be positive (got %s)"), s->name, el, shown(L, v))
                                 : fail(L, n, _("%s on <%s> must be greater than %g (got %s)"), s->name, el, s->min, shown(L, v));
            else if (d < s->min || d > s->max)
                rc = fail(L, n, _("%s on <%s> must be between %g and %g (got %s)"), s->name, el, s->min, s->max, shown(L, v));
            else
                *(double *)field = d;
            break;
        }
        case A_INT: {
            long l;
            double d;
            if (ut_parse_long(v, LONG_MIN, LONG_MAX, &l) != 0)
                rc = ut_parse_double(v, &d) == 0
                         ? fail(L, n, _("%s on <%s> must be a whole number (got %s)"), s->name, el, shown(L, v))
                         : fail(L, n, _("%s on <%s> must be a whole number, not '%s'"), s->name, el, shown(L, v));
            else if (l < (long)s->min || l > (long)s->max)
                rc = fail(L, n, _("%s on <%s> must be between %ld and %ld (got %s)"), s->name, el,
                          (long)s->min, (long)s->max, shown(L, v));
            else
                *(int *)field = (int)l;
            break;
        }
        }
        free(v);
        if (rc) return -1;
    }
    return 0;
}

/* Text content with whitespace runs collapsed to one space (files wrap long lines). */
static char *text_of(const xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    const char *s = c ? (const char *)c : "";
    char *out = ut_malloc(strlen(s) + 1), *o = out;
    int space = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') { space = o != out; continue; }
        if (space) *o++ = ' ';
        space = 0;
        *o++ = *s;
    }
    *o = '\0';
    xmlFree(c);
    return out;
}

static int is_element(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* Children must be elements from the allowed list (whitespace and comments aside). */
static int check_children(loader *L, const xmlNode *parent, const char *const *allowed)
{
    for (const xmlNode *c = parent->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            /* libxml2 gives a text node the line where it ends; point at its first word instead. */
            int newlines = 0, before = -1;
            for (const xmlChar *t = c->content; t && *t; t++) {
                if (*t == '\n') newlines++;
                else if (before < 0 && *t != ' ' && *t != '\t' && *t != '\r') before = newlines;
            }
            if (before >= 0)
                return fail_at(L, line_of(L, c) - newlines + before, _("unexpected text inside <%s>"),
                               (const char *)parent->name);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE) continue;
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp((const char *)c->name, *a);
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                size_t len = strlen(list);
                snprintf(list + len, sizeof list - len, "%s<%s>", a == allowed ? "" : ", ", *a);
            }
            return fail(L, c, _("unknown element <%s> inside <%s> (allowed: %s)"), shown(L, (const char *)c->name),
                        (const char *)parent->name, list);
        }
    }
    return 0;
}

/* Text elements (<description>, <assumption>, <source>) hold text and no elements. */
static int check_text_only(loader *L, const xmlNode *parent)
{
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return fail(L, c, _("<%s> holds text only, not <%s>"), (const char *)parent->name, shown(L, (const char *)c->name));
    return 0;
}

static void add_ref(loader *L, char *name, const xmlNode *n, int owner, int kind, const char *what)
{
    ut_grow(&L->refs, &L->cap_refs, L->nrefs + 1, sizeof *L->refs);
    L->refs[L->nrefs++] = (pending_ref){ name, line_of(L, n), owner, kind, what };
}

/* Where a resolved reference goes, looked up when it is resolved (the arrays are final then). */
static int *ref_target(plat_platform *p, const pending_ref *r)
{
    switch (r->kind) {
    case REF_ACCEL: return &p->node_types[r->owner].accel;
    case REF_NODE: return &p->partitions[r->owner].node;
    default: return &p->partitions[r->owner].network;
    }
}

/* <assumption> and <source> children of any element. */
static int read_notes(loader *L, const xmlNode *parent, const char *about)
{
    plat_platform *p = L->p;
    for (const xmlNode *c = parent->children; c; c = c->next) {
        int assumption = is_element(c, "assumption");
        if (!assumption && !is_element(c, "source")) continue;
        if (++L->nnotes > PLAT_MAX_NOTES)
            return fail(L, c, _("a platform has at most %d <assumption> and <source> elements; this is one more"), PLAT_MAX_NOTES);
        static const attr_spec spec[] = { OTHER("lang", 0) };
        if (read_attrs(L, c, spec, 1, NULL)) return -1;
        char *lang = prop(c, "lang");
        if (lang && strcmp(lang, "fr") && strcmp(lang, "en")) {
            fail(L, c, _("lang must be 'fr' or 'en' (got '%s')"), shown(L, lang));
            free(lang);
            return -1;
        }
        if (check_text_only(L, c)) { free(lang); return -1; }
        char *text = text_of(c);
        if (!*text) {
            free(text);
            free(lang);
            return fail(L, c, _("<%s> is empty"), (const char *)c->name);
        }
        plat_note note = { ut_strdup(about), lang, text, line_of(L, c) };
        if (assumption) {
            ut_grow(&p->assumptions, &L->cap_assume, (size_t)p->nassumptions + 1, sizeof note);
            p->assumptions[p->nassumptions++] = note;
        } else {
            ut_grow(&p->sources, &L->cap_sources, (size_t)p->nsources + 1, sizeof note);
            p->sources[p->nsources++] = note;
        }
    }
    return 0;
}

static int note_about(loader *L, const xmlNode *n, const char *kind, const char *id)
{
    char about[200];
    snprintf(about, sizeof about, "%s %s", kind, id);
    return read_notes(L, n, about);
}

/* ---------------------------------------------------------------------------------------------
 * Elements. */

typedef struct peak_attrs { double tflops; } peak_attrs;

static int read_accelerator(loader *L, const xmlNode *n)
{
    plat_platform *p = L->p;
    ut_grow(&p->accels, &L->cap_accels, (size_t)p->naccels + 1, sizeof *p->accels);
    plat_accel *a = &p->accels[p->naccels++];
    memset(a, 0, sizeof *a);
    a->line = line_of(L, n);
    static const attr_spec spec[] = {
        IDA(plat_accel, id),
        TXT("name", 0, plat_accel, name),
        TXT("vendor", 0, plat_accel, vendor),
        NUM("memory_gb", 1, plat_accel, memory_gb, 0, MAX_MEMORY_GB, 1),
        NUM("memory_tbs", 1, plat_accel, memory_tbs, 0, 1000, 1),
        NUM("link_bidir_gbs", 0, plat_accel, link_bidir_gbs, 0, MAX_GBS, 0),
        NUM("tdp_w", 1, plat_accel, tdp_w, 0, MAX_POWER_W, 1),
        NUM("idle_w", 0, plat_accel, idle_w, 0, MAX_POWER_W, 0),
        NUM("mtbf_h", 0, plat_accel, mtbf_h, 0, MAX_MTBF_H, 1),
        INT("compute_units", 0, plat_accel, compute_units, 1, 4096),
    };
    if (read_attrs(L, n, spec, (int)(sizeof spec / sizeof *spec), a)) return -1;
    if (a->idle_w > a->tdp_w)
        return fail(L, n, _("idle_w (%g) of accelerator '%s' is above its tdp_w (%g)"), a->idle_w, a->id, a->tdp_w);
    if (check_children(L, n, (const char *const[]){ "peak", "efficiency", "assumption", "source", NULL })) return -1;
    int npeaks = 0, neff = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (is_element(c, "peak")) {
            peak_attrs pk = { 0 };
            static const attr_spec pspec[] = {
                OTHER("precision", 1),
                NUM("tflops", 1, peak_attrs, tflops, 0, MAX_TFLOPS, 1),
            };
            if (read_attrs(L, c, pspec, 2, &pk)) return -1;
            char *prec = prop(c, "precision");
            int pi = plat_prec_from_name(prec);
            if (pi < 0) {
                fail(L, c, _("unknown precision '%s' (fp64, fp32, tf32, fp16, bf16 or fp8)"), shown(L, prec));
                free(prec);
                return -1;
            }
            free(prec);
            if (a->peak_tflops[pi] > 0)
                return fail(L, c, _("accelerator '%s' gives the %s peak twice"), a->id, plat_prec_name(pi));
            a->peak_tflops[pi] = pk.tflops;
            npeaks++;
        } else if (is_element(c, "efficiency")) {
            static const attr_spec espec[] = {
                NUM("matmul", 0, plat_accel, eff_matmul, 0, 1, 1),
                NUM("memory", 0, plat_accel, eff_memory, 0, 1, 1),
            };
            if (neff++) return fail(L, c, _("accelerator '%s' has more than one <efficiency>"), a->id);
            if (read_attrs(L, c, espec, 2, a)) return -1;
        }
    }
    if (!npeaks) return fail(L, n, _("accelerator '%s' needs at least one <peak precision=... tflops=...>"), a->id);
    return note_about(L, n, "accelerator", a->id);
}

static int read_node(loader *L, const xmlNode *n)
{
    plat_platform *p = L->p;
    ut_grow(&p->node_types, &L->cap_nodes, (size_t)p->nnode_types + 1, sizeof *p->node_types);
    plat_node *nd = &p->node_types[p->nnode_types++];
    memset(nd, 0, sizeof *nd);
    nd->line = line_of(L, n);
    nd->accel = -1;
    static const attr_spec spec[] = {
        IDA(plat_node, id),
        OTHER("accelerator", 0),
        INT("accelerators", 0, plat_node, accels_per_node, 1, MAX_PER_NODE),
        NUM("memory_gb", 0, plat_node, memory_gb, 0, MAX_MEMORY_GB, 0),
        NUM("other_w", 0, plat_node, other_w, 0, MAX_POWER_W, 0),
        NUM("idle_w", 0, plat_node, idle_w, 0, MAX_POWER_W, 0),
        NUM("mtbf_h", 0, plat_node, mtbf_h, 0, MAX_MTBF_H, 1),
    };
    if (read_attrs(L, n, spec, (int)(sizeof spec / sizeof *spec), nd)) return -1;
    char *accel = prop(n, "accelerator");
    if (accel) {
        if (!nd->accels_per_node) nd->accels_per_node = 1;
        add_ref(L, accel, n, p->nnode_types - 1, REF_ACCEL, "node");
    } else if (nd->accels_per_node) {
        return fail(L, n, _("node '%s' has accelerators=\"%d\" but no accelerator=\"...\" model"), nd->id, nd->accels_per_node);
    }
    if (check_children(L, n, (const char *const[]){ "cpu", "scaleup", "nic", "assumption", "source", NULL })) return -1;
    int ncpu = 0, nscale = 0, nnic = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (is_element(c, "cpu")) {
            static const attr_spec cspec[] = {
                TXT("model", 0, plat_node, cpu_model),
                INT("count", 1, plat_node, cpus, 1, 64),
                INT("cores", 1, plat_node, cores_per_cpu, 1, 4096),
                NUM("tdp_w", 1, plat_node, cpu_tdp_w, 0, MAX_POWER_W, 0), /* 0: inside the accelerator (APU, superchip) */
            };
            if (ncpu++) return fail(L, c, _("node '%s' has more than one <cpu>; use count=\"N\""), nd->id);
            if (read_attrs(L, c, cspec, 4, nd)) return -1;
        } else if (is_element(c, "scaleup")) {
            static const attr_spec sspec[] = {
                TXT("kind", 1, plat_node, scaleup_kind),
                NUM("bidir_gbs", 0, plat_node, scaleup_bidir_gbs, 0, MAX_GBS, 1),
                NUM("latency_us", 0, plat_node, scaleup_latency_us, 0, MAX_LATENCY_US, 0),
            };
            if (nscale++) return fail(L, c, _("node '%s' has more than one <scaleup>"), nd->id);
            if (read_attrs(L, c, sspec, 3, nd)) return -1;
        } else if (is_element(c, "nic")) {
            static const attr_spec nspec[] = {
                INT("count", 1, plat_node, nics, 1, 64),
                NUM("gbit_s", 1, plat_node, nic_gbit_s, 0, MAX_GBIT_S, 1),
            };
            if (nnic++) return fail(L, c, _("node '%s' has more than one <nic>; use count=\"N\""), nd->id);
            if (read_attrs(L, c, nspec, 2, nd)) return -1;
        }
    }
    if (!ncpu) return fail(L, n, _("node '%s' needs a <cpu count=... cores=... tdp_w=...>"), nd->id);
    if (!nnic) return fail(L, n, _("node '%s' needs a <nic count=... gbit_s=...> to reach the network"), nd->id);
    return note_about(L, n, "node", nd->id);
}

static int parse_dims(loader *L, const xmlNode *n, plat_network *net)
{
    char *dims = prop(n, "dims");
    char *s = dims;
    net->ndims = 0;
    while (s && *s) {
        char *end;
        long d = strtol(s, &end, 10);
        if (end == s || d < 2 || d > 4096 || net->ndims == 4 || (*end && *end != 'x')) {
            fail(L, n, _("dims must be 1 to 4 sizes of at least 2 joined by 'x', such as \"8x8x16\" (got '%s')"), shown(L, dims));
            free(dims);
            return -1;
        }
        net->dims[net->ndims++] = (int)d;
        s = *end ? end + 1 : end;
    }
    if (!net->ndims) {
        fail(L, n, _("a torus needs dims, such as dims=\"8x8x16\""));
        free(dims);
        return -1;
    }
    free(dims);
    return 0;
}

static int read_network(loader *L, const xmlNode *n)
{
    plat_platform *p = L->p;
    ut_grow(&p->networks, &L->cap_networks, (size_t)p->nnetworks + 1, sizeof *p->networks);
    int index = p->nnetworks++;
    plat_network *net = &p->networks[index];
    memset(net, 0, sizeof *net);
    net->line = line_of(L, n);
    static const attr_spec spec[] = {
        IDA(plat_network, id),
        TXT("name", 0, plat_network, name),
        TXT("technology", 0, plat_network, technology),
        OTHER("topology", 1),
        NUM("link_gbit_s", 0, plat_network, link_gbit_s, 0, MAX_GBIT_S, 1),
        NUM("hop_latency_us", 1, plat_network, hop_latency_us, 0, MAX_LATENCY_US, 0),
        NUM("efficiency", 0, plat_network, eff_bandwidth, 0, 1, 1),
        NUM("switch_w", 0, plat_network, switch_w, 0, MAX_POWER_W, 0),
        INT("levels", 0, plat_network, levels, 1, 5),
        INT("radix", 0, plat_network, radix, 4, 4096),
        NUM("oversubscription", 0, plat_network, oversubscription, 1, 100, 0),
        INT("group_nodes", 0, plat_network, group_nodes, 1, 100000),
        INT("group_switches", 0, plat_network, group_switches, 1, 100000),
        INT("global_links", 0, plat_network, global_links, 1, 1000000),
        OTHER("routing", 0),
        OTHER("dims", 0),
    };
    if (read_attrs(L, n, spec, (int)(sizeof spec / sizeof *spec), net)) return -1;
    char *topo = prop(n, "topology");
    int t;
    for (t = 0; t < PLAT_TOPO_COUNT && strcmp(topo, plat_topology_name((plat_topology)t)); t++) {}
    if (t == PLAT_TOPO_COUNT) {
        fail(L, n, _("unknown topology '%s' (switch, fat-tree, dragonfly, torus or explicit)"), shown(L, topo));
        free(topo);
        return -1;
    }
    free(topo);
    net->topology = (plat_topology)t;

    /* Each topology takes its own attributes and no other's. */
    static const char *const owned[PLAT_TOPO_COUNT][5] = {
        [PLAT_TOPO_SWITCH] = { NULL },
        [PLAT_TOPO_FAT_TREE] = { "levels", "radix", "oversubscription", "routing" },
        [PLAT_TOPO_DRAGONFLY] = { "group_nodes", "group_switches", "global_links", "routing" },
        [PLAT_TOPO_TORUS] = { "dims", NULL },
        [PLAT_TOPO_EXPLICIT] = { NULL },
    };
    static const char *const required[PLAT_TOPO_COUNT][3] = {
        [PLAT_TOPO_FAT_TREE] = { "levels", NULL },
        [PLAT_TOPO_DRAGONFLY] = { "group_nodes", "global_links", NULL },
        [PLAT_TOPO_TORUS] = { "dims", NULL },
    };
    for (int other = 0; other < PLAT_TOPO_COUNT; other++) {
        if (other == t) continue;
        for (int k = 0; owned[other][k]; k++) {
            int also_mine = 0;
            for (int j = 0; owned[t][j]; j++) also_mine |= !strcmp(owned[t][j], owned[other][k]);
            if (!also_mine && xmlHasProp(n, (const xmlChar *)owned[other][k]))
                return fail(L, n, _("%s belongs to %s networks, not to a %s network"), owned[other][k],
                            plat_topology_name((plat_topology)other), plat_topology_name(net->topology));
        }
    }
    for (int k = 0; required[t][k]; k++)
        if (!xmlHasProp(n, (const xmlChar *)required[t][k]))
            return fail(L, n, _("a %s network needs the attribute '%s'"), plat_topology_name(net->topology), required[t][k]);
    if (net->topology == PLAT_TOPO_FAT_TREE && !net->oversubscription) net->oversubscription = 1;
    if (net->topology == PLAT_TOPO_FAT_TREE) net->routing = PLAT_ROUTING_SPRAY;
    if (xmlHasProp(n, (const xmlChar *)"routing")) {
        char *r = prop(n, "routing"), why[256];
        int found = plat_routing_parse(net, shown(L, r), why, sizeof why);
        free(r);
        if (found < 0) return fail(L, n, "%s", why);
        net->routing = found;
    }
    if (net->topology == PLAT_TOPO_TORUS && parse_dims(L, n, net)) return -1;
    if (!net->eff_bandwidth) net->eff_bandwidth = 1;

    if (check_children(L, n, (const char *const[]){ "switch", "link", "assumption", "source", NULL })) return -1;
    size_t cap_sw = 0, cap_links = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        int sw = is_element(c, "switch");
        if (!sw && !is_element(c, "link")) continue;
        if (net->topology != PLAT_TOPO_EXPLICIT)
            return fail(L, c, _("<%s> is only for explicit networks; network '%s' is a %s"), (const char *)c->name,
                        net->id, plat_topology_name(net->topology));
        if (sw && net->nswitches >= PLAT_MAX_EXPLICIT_SWITCHES)
            return fail(L, c, _("an explicit network has at most %d <switch> elements; this is one more"),
                        PLAT_MAX_EXPLICIT_SWITCHES);
        if (!sw && net->nlinks >= PLAT_MAX_EXPLICIT_LINKS)
            return fail(L, c, _("an explicit network has at most %d <link> elements; this is one more"), PLAT_MAX_EXPLICIT_LINKS);
        if (sw) {
            ut_grow(&net->switches, &cap_sw, (size_t)net->nswitches + 1, sizeof *net->switches);
            plat_switch *s = &net->switches[net->nswitches++];
            memset(s, 0, sizeof *s);
            s->line = line_of(L, c);
            static const attr_spec sspec[] = { IDA(plat_switch, id) };
            if (read_attrs(L, c, sspec, 1, s)) return -1;
            continue;   /* ids are checked for duplicates in check_explicit(), in n log n */
        }
        ut_grow(&net->links, &cap_links, (size_t)net->nlinks + 1, sizeof *net->links);
        plat_link *lk = &net->links[net->nlinks++];
        memset(lk, 0, sizeof *lk);
        lk->line = line_of(L, c);
        static const attr_spec lspec[] = {
            OTHER("from", 1), OTHER("to", 0), OTHER("partition", 0), OTHER("storage", 0),
            INT("first", 0, plat_link, first, 0, MAX_NODES),
            INT("count", 0, plat_link, count, 1, MAX_NODES),
            INT("parallel", 0, plat_link, parallel, 1, 1024),
            NUM("gbit_s", 0, plat_link, gbit_s, 0, MAX_GBIT_S, 1),
            NUM("latency_us", 0, plat_link, latency_us, 0, MAX_LATENCY_US, 0),
        };
        if (read_attrs(L, c, lspec, (int)(sizeof lspec / sizeof *lspec), lk)) return -1;
        pending_link pl = { index, net->nlinks - 1, prop(c, "from"), prop(c, "to"), prop(c, "partition"), prop(c, "storage") };
        ut_grow(&L->plinks, &L->cap_plinks, L->nplinks + 1, sizeof *L->plinks);
        L->plinks[L->nplinks++] = pl;
        int ends = (pl.to != NULL) + (pl.partition != NULL) + (pl.storage != NULL);
        if (ends != 1)
            return fail(L, c, _("a <link> goes from a switch to exactly one of: to=\"switch\", partition=\"id\" (with first and count), storage=\"id\""));
        int has_range = xmlHasProp(c, (const xmlChar *)"first") && xmlHasProp(c, (const xmlChar *)"count");
        if (pl.partition && !has_range)
            return fail(L, c, _("a <link> to partition '%s' needs first=\"...\" and count=\"...\" (the nodes it attaches)"), shown(L, pl.partition));
        if (!pl.partition && (xmlHasProp(c, (const xmlChar *)"first") || xmlHasProp(c, (const xmlChar *)"count")))
            return fail(L, c, _("first and count are only for links to a partition's nodes"));
    }
    if (net->topology == PLAT_TOPO_EXPLICIT && !net->nswitches)
        return fail(L, n, _("explicit network '%s' needs at least one <switch>"), net->id);
    return note_about(L, n, "network", net->id);
}

static int read_partition(loader *L, const xmlNode *n)
{
    plat_platform *p = L->p;
    ut_grow(&p->partitions, &L->cap_parts, (size_t)p->npartitions + 1, sizeof *p->partitions);
    plat_partition *pt = &p->partitions[p->npartitions++];
    memset(pt, 0, sizeof *pt);
    pt->line = line_of(L, n);
    pt->node = pt->network = -1;
    static const attr_spec spec[] = {
        IDA(plat_partition, id),
        TXT("name", 0, plat_partition, name),
        OTHER("node", 1),
        INT("nodes", 1, plat_partition, nodes, 1, MAX_NODES),
        OTHER("network", 1),
        INT("nodes_per_rack", 0, plat_partition, nodes_per_rack, 1, 1024),
    };
    if (read_attrs(L, n, spec, (int)(sizeof spec / sizeof *spec), pt)) return -1;
    if (!pt->nodes_per_rack) pt->nodes_per_rack = pt->nodes < 8 ? pt->nodes : 8;
    add_ref(L, prop(n, "node"), n, p->npartitions - 1, REF_NODE, "partition");
    add_ref(L, prop(n, "network"), n, p->npartitions - 1, REF_NETWORK, "partition");
    if (check_children(L, n, (const char *const[]){ "assumption", "source", NULL })) return -1;
    return note_about(L, n, "partition", pt->id);
}

static int read_storage(loader *L, const xmlNode *n)
{
    plat_platform *p = L->p;
    ut_grow(&p->storage, &L->cap_storage, (size_t)p->nstorage + 1, sizeof *p->storage);
    plat_storage *s = &p->storage[p->nstorage++];
    memset(s, 0, sizeof *s);
    s->line = line_of(L, n);
    static const attr_spec spec[] = {
        IDA(plat_storage, id),
        TXT("name", 0, plat_storage, name),
        NUM("capacity_pb", 1, plat_storage, capacity_pb, 0, 1e6, 1),
        NUM("read_gbs", 1, plat_storage, read_gbs, 0, 1e7, 1),
        NUM("write_gbs", 1, plat_storage, write_gbs, 0, 1e7, 1),
    };
    if (read_attrs(L, n, spec, (int)(sizeof spec / sizeof *spec), s)) return -1;
    if (check_children(L, n, (const char *const[]){ "assumption", "source", NULL })) return -1;
    return note_about(L, n, "storage", s->id);
}

static int read_facility(loader *L, const xmlNode *n)
{
    if (L->have_facility++) return fail(L, n, _("a platform has one <facility>"));
    plat_facility *f = &L->p->facility;
    f->line = line_of(L, n);
    static const attr_spec spec[] = {
        NUM("pue", 1, plat_facility, pue, 1, 10, 0),
        NUM("carbon_g_per_kwh", 1, plat_facility, carbon_g_per_kwh, 0, 5000, 0),
        NUM("price_eur_per_kwh", 0, plat_facility, price_eur_per_kwh, 0, 100, 0),
    };
    if (read_attrs(L, n, spec, 3, f)) return -1;
    if (check_children(L, n, (const char *const[]){ "assumption", "source", NULL })) return -1;
    return read_notes(L, n, "facility");
}

static int read_platform(loader *L, const xmlNode *root)
{
    plat_platform *p = L->p;
    if (!is_element(root, "platform"))
        return fail(L, root, _("the root element must be <platform>, not <%s>"), shown(L, (const char *)root->name));
    if (root->ns)
        return fail(L, root, _("<platform> takes no XML namespace"));
    static const attr_spec spec[] = {
        OTHER("version", 1),
        IDA(plat_platform, id),
        TXT("name", 1, plat_platform, name),
    };
    if (read_attrs(L, root, spec, 3, p)) return -1;
    char *version = prop(root, "version");
    if (strcmp(version, "1")) {
        fail(L, root, _("this program reads platform format version 1; the file says version=\"%s\""), shown(L, version));
        free(version);
        return -1;
    }
    free(version);
    if (check_children(L, root, (const char *const[]){ "description", "assumption", "source", "accelerator", "node",
                                                       "network", "partition", "storage", "facility", NULL }))
        return -1;
    /* The schema lets every kind repeat without end, and validating a long run of siblings costs
     * libxml2 more than linear time: count them first, cheaply, and refuse absurd numbers. */
    static const char *const kinds[] = { "description", "accelerator", "node", "network", "partition", "storage" };
    int counts[sizeof kinds / sizeof *kinds] = { 0 };
    for (const xmlNode *c = root->children; c; c = c->next)
        for (size_t k = 0; c->type == XML_ELEMENT_NODE && k < sizeof kinds / sizeof *kinds; k++)
            if (!strcmp((const char *)c->name, kinds[k]) && ++counts[k] > PLAT_MAX_ELEMENTS_OF_A_KIND)
                return fail(L, c, _("a platform has at most %d <%s> elements; this is one more"), PLAT_MAX_ELEMENTS_OF_A_KIND,
                            kinds[k]);
    if (read_notes(L, root, "platform")) return -1;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || L->failed) continue;
        const char *name = (const char *)c->name;
        if (!strcmp(name, "description")) {
            static const attr_spec dspec[] = { OTHER("lang", 0) };
            if (read_attrs(L, c, dspec, 1, NULL) || check_text_only(L, c)) return -1;
            char *lang = prop(c, "lang");
            char **slot_fr = &p->description_fr, **slot_en = &p->description_en;
            int has_lang = lang != NULL;
            int fr = !lang || !strcmp(lang, "fr"), en = !lang || !strcmp(lang, "en");
            if (!fr && !en) {
                fail(L, c, _("lang must be 'fr' or 'en' (got '%s')"), shown(L, lang));
                free(lang);
                return -1;
            }
            free(lang);
            if (has_lang && ((fr && *slot_fr) || (en && *slot_en)))
                return fail(L, c, _("a second <description> in the same language"));
            if (fr) { free(*slot_fr); *slot_fr = text_of(c); }
            if (en) { free(*slot_en); *slot_en = text_of(c); }
        } else if (!strcmp(name, "accelerator")) read_accelerator(L, c);
        else if (!strcmp(name, "node")) read_node(L, c);
        else if (!strcmp(name, "network")) read_network(L, c);
        else if (!strcmp(name, "partition")) read_partition(L, c);
        else if (!strcmp(name, "storage")) read_storage(L, c);
        else if (!strcmp(name, "facility")) read_facility(L, c);
    }
    if (L->failed) return -1;
    if (!p->naccels) return fail(L, root, _("a platform needs at least one <accelerator>"));
    if (!p->nnode_types) return fail(L, root, _("a platform needs at least one <node>"));
    if (!p->nnetworks) return fail(L, root, _("a platform needs at least one <network>"));
    if (!p->npartitions) return fail(L, root, _("a platform needs at least one <partition>"));
    if (!L->have_facility) return fail(L, root, _("a platform needs a <facility pue=... carbon_g_per_kwh=...>"));
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Cross-checks: unique ids, references, explicit networks. */

/* Ids are checked and looked up through a sorted copy (id, then position in the file), so that a
 * file of many partitions or switches costs n log n, not n^2. */
typedef struct id_entry {
    const char *id;
    int index, line;
} id_entry;

static int id_entry_cmp(const void *a, const void *b)
{
    const id_entry *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* id is the first member of every element struct; line sits at line_offset. */
static id_entry *index_ids(const void *array, int count, size_t elem_size, size_t line_offset)
{
    id_entry *e = ut_malloc((size_t)(count ? count : 1) * sizeof *e);
    for (int i = 0; i < count; i++) {
        const char *el = (const char *)array + (size_t)i * elem_size;
        e[i].id = *(const char *const *)el;
        e[i].index = i;
        memcpy(&e[i].line, el + line_offset, sizeof e[i].line);
    }
    qsort(e, (size_t)count, sizeof *e, id_entry_cmp);
    return e;
}
#define INDEX_IDS(arr, count, type) index_ids((arr), (count), sizeof(type), offsetof(type, line))

/* The duplicate reported is the earliest in the file that repeats an id seen before it. */
static int check_unique(loader *L, const id_entry *e, int count, const char *kind)
{
    int worst = -1;
    for (int i = 1; i < count; i++)
        if (!strcmp(e[i].id, e[i - 1].id) && strcmp(e[i].id, i > 1 ? e[i - 2].id : "") &&
            (worst < 0 || e[i].index < e[worst].index))
            worst = i;  /* e[i] is the second of its group, e[i - 1] the first */
    if (worst < 0) return 0;
    return fail_at(L, e[worst].line, _("%s id '%s' is used twice (first on line %d)"), kind, e[worst].id, e[worst - 1].line);
}

static int find_id(const id_entry *e, int count, const char *id)
{
    int lo = 0, hi = count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(e[mid].id, id);
        if (c == 0) return e[mid].index;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static int resolve_refs(loader *L)
{
    plat_platform *p = L->p;
    L->ix_accels = INDEX_IDS(p->accels, p->naccels, plat_accel);
    L->ix_nodes = INDEX_IDS(p->node_types, p->nnode_types, plat_node);
    L->ix_networks = INDEX_IDS(p->networks, p->nnetworks, plat_network);
    L->ix_parts = INDEX_IDS(p->partitions, p->npartitions, plat_partition);
    L->ix_storage = INDEX_IDS(p->storage, p->nstorage, plat_storage);
    if (check_unique(L, L->ix_accels, p->naccels, "accelerator") || check_unique(L, L->ix_nodes, p->nnode_types, "node") ||
        check_unique(L, L->ix_networks, p->nnetworks, "network") ||
        check_unique(L, L->ix_parts, p->npartitions, "partition") || check_unique(L, L->ix_storage, p->nstorage, "storage"))
        return -1;
    for (size_t i = 0; i < L->nrefs; i++) {
        pending_ref *r = &L->refs[i];
        static const char *const kinds[] = { "accelerator", "node", "network" };
        int idx = r->kind == REF_ACCEL  ? find_id(L->ix_accels, p->naccels, r->name)
                  : r->kind == REF_NODE ? find_id(L->ix_nodes, p->nnode_types, r->name)
                                        : find_id(L->ix_networks, p->nnetworks, r->name);
        if (idx < 0)
            return fail_at(L, r->line, _("%s refers to %s '%s', which is not defined in this file"), r->what,
                           kinds[r->kind], shown(L, r->name));
        *ref_target(p, r) = idx;
    }
    /* Nodes with several accelerators need a scale-up path between them. */
    for (int i = 0; i < p->nnode_types; i++) {
        plat_node *nd = &p->node_types[i];
        if (nd->accel >= 0 && !nd->scaleup_bidir_gbs) nd->scaleup_bidir_gbs = p->accels[nd->accel].link_bidir_gbs;
        if (nd->accels_per_node > 1 && !nd->scaleup_bidir_gbs)
            return fail_at(L, nd->line, _("node '%s' has %d accelerators but no scale-up bandwidth between them: "
                                          "add <scaleup kind=\"pcie\" bidir_gbs=\"...\"/> or link_bidir_gbs on the accelerator"),
                           nd->id, nd->accels_per_node);
    }
    return 0;
}

/* What later stages build must fit in memory (plat.h's PLAT_MAX_*): refuse a bigger machine here,
 * naming the limit, rather than let predict or simulate abort on an allocation. Totals point at
 * the partition that crosses the limit. */
static int check_limits(loader *L)
{
    plat_platform *p = L->p;
    long nodes = 0, accels = 0, ports = 0;
    for (int i = 0; i < p->npartitions; i++) {
        const plat_partition *pt = &p->partitions[i];
        const plat_node *nd = &p->node_types[pt->node];
        nodes += pt->nodes;
        accels += (long)pt->nodes * nd->accels_per_node;
        ports += (long)pt->nodes * nd->nics;
        if (nodes > PLAT_MAX_NODES_TOTAL)
            return fail_at(L, pt->line, _("the platform has %ld nodes: at most %ld are supported"), nodes, PLAT_MAX_NODES_TOTAL);
        if (accels > PLAT_MAX_ACCELS_TOTAL)
            return fail_at(L, pt->line, _("the platform has %ld accelerators: at most %ld are supported"), accels,
                           PLAT_MAX_ACCELS_TOTAL);
        if (ports > PLAT_MAX_NIC_PORTS_TOTAL)
            return fail_at(L, pt->line, _("the platform has %ld NICs: at most %ld are supported"), ports,
                           PLAT_MAX_NIC_PORTS_TOTAL);
    }
    for (int ni = 0; ni < p->nnetworks; ni++) {
        const plat_network *net = &p->networks[ni];
        if (net->topology == PLAT_TOPO_TORUS) {
            long points = 1;
            for (int d = 0; d < net->ndims; d++) points *= net->dims[d];   /* at most 4096^4 = 2^48 */
            if (points > PLAT_MAX_TORUS_POINTS)
                return fail_at(L, net->line, _("network '%s' is a torus of %ld points: at most %ld are supported"),
                               net->id, points, PLAT_MAX_TORUS_POINTS);
        }
        long net_nodes = plat_network_nodes(p, ni);
        if (net->topology == PLAT_TOPO_DRAGONFLY) {
            long groups = (net_nodes + net->group_nodes - 1) / net->group_nodes;
            if (groups > PLAT_MAX_DRAGONFLY_GROUPS)
                return fail_at(L, net->line, _("network '%s' is a dragonfly of %ld groups: at most %ld are supported "
                                               "(put more nodes in a group with group_nodes)"),
                               net->id, groups, PLAT_MAX_DRAGONFLY_GROUPS);
        }
        long switches = net_nodes ? plat_network_switches(p, ni) : 0;
        if (switches > PLAT_MAX_SWITCHES)
            return fail_at(L, net->line, _("network '%s' needs about %ld switches: at most %ld are supported"), net->id,
                           switches, PLAT_MAX_SWITCHES);
    }
    return 0;
}

/* Union-find over switches, to check that an explicit network is in one piece. */
static int uf_find(int *parent, int x)
{
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

static int check_explicit(loader *L, int ni)
{
    plat_platform *p = L->p;
    plat_network *net = &p->networks[ni];
    id_entry *ix = INDEX_IDS(net->switches, net->nswitches, plat_switch);
    int rc = 0;
    for (int i = 1; i < net->nswitches && !rc; i++)
        if (!strcmp(ix[i].id, ix[i - 1].id))
            rc = fail_at(L, ix[i].line, _("switch '%s' is defined twice (first on line %d)"), ix[i].id, ix[i - 1].line);
    if (rc) {
        free(ix);
        return rc;
    }
    int *parent = ut_malloc((size_t)net->nswitches * sizeof *parent);
    int **attached = ut_calloc((size_t)p->npartitions, sizeof *attached);
    for (int s = 0; s < net->nswitches; s++) parent[s] = s;
    for (size_t k = 0; k < L->nplinks && !rc; k++) {
        pending_link *pl = &L->plinks[k];
        if (pl->network != ni) continue;
        plat_link *lk = &net->links[pl->link];
        lk->a = find_id(ix, net->nswitches, pl->from);
        if (lk->a < 0) {
            rc = fail_at(L, lk->line, _("link from '%s': no such switch in network '%s'"), shown(L, pl->from), net->id);
            break;
        }
        if (pl->to) {
            lk->b_kind = PLAT_END_SWITCH;
            lk->b = find_id(ix, net->nswitches, pl->to);
            if (lk->b < 0) rc = fail_at(L, lk->line, _("link to '%s': no such switch in network '%s'"), shown(L, pl->to), net->id);
            else if (lk->b == lk->a) rc = fail_at(L, lk->line, _("link from switch '%s' to itself"), pl->to);
            else parent[uf_find(parent, lk->a)] = uf_find(parent, lk->b);
            if (!rc && !lk->gbit_s) lk->gbit_s = net->link_gbit_s;
            if (!rc && !lk->gbit_s)
                rc = fail_at(L, lk->line, _("switch-to-switch link without gbit_s, and network '%s' has no link_gbit_s"), net->id);
        } else if (pl->storage) {
            lk->b_kind = PLAT_END_STORAGE;
            lk->b = find_id(L->ix_storage, p->nstorage, pl->storage);
            if (lk->b < 0) rc = fail_at(L, lk->line, _("link to storage '%s', which is not defined in this file"), shown(L, pl->storage));
            else if (!lk->gbit_s) rc = fail_at(L, lk->line, _("a link to storage needs gbit_s"));
        } else {
            lk->b_kind = PLAT_END_NODES;
            lk->b = find_id(L->ix_parts, p->npartitions, pl->partition);
            if (lk->b < 0) {
                rc = fail_at(L, lk->line, _("link to partition '%s', which is not defined in this file"), shown(L, pl->partition));
                break;
            }
            plat_partition *pt = &p->partitions[lk->b];
            if (pt->network != ni) {
                rc = fail_at(L, lk->line, _("partition '%s' is on network '%s', not on '%s'"), pt->id,
                             p->networks[pt->network].id, net->id);
                break;
            }
            if ((long)lk->first + lk->count > pt->nodes) {
                rc = fail_at(L, lk->line, _("nodes %d to %d of partition '%s' do not exist: it has %d nodes (0 to %d)"),
                             lk->first, lk->first + lk->count - 1, pt->id, pt->nodes, pt->nodes - 1);
                break;
            }
            /* By default a node's link is its NICs: one link per NIC, at the NIC's speed. */
            if (!lk->gbit_s) lk->gbit_s = p->node_types[pt->node].nic_gbit_s;
            if (!lk->parallel) lk->parallel = p->node_types[pt->node].nics;
            if (!attached[lk->b]) attached[lk->b] = ut_calloc((size_t)pt->nodes, sizeof **attached);
            for (int j = lk->first; j < lk->first + lk->count; j++) {
                if (attached[lk->b][j]) {
                    rc = fail_at(L, lk->line, _("node %d of partition '%s' is attached twice (first on line %d)"), j,
                                 pt->id, attached[lk->b][j]);
                    break;
                }
                attached[lk->b][j] = lk->line;
            }
        }
        if (!rc && !lk->parallel) lk->parallel = 1;
        if (!rc && !lk->latency_us) lk->latency_us = net->hop_latency_us;
    }
    for (int s = 1; s < net->nswitches && !rc; s++)
        if (uf_find(parent, s) != uf_find(parent, 0))
            rc = fail_at(L, net->switches[s].line, _("switch '%s' cannot reach switch '%s': network '%s' is in pieces"),
                         net->switches[s].id, net->switches[0].id, net->id);
    for (int i = 0; i < p->npartitions && !rc; i++) {
        plat_partition *pt = &p->partitions[i];
        if (pt->network != ni) continue;
        for (int j = 0; j < pt->nodes; j++)
            if (!attached[i] || !attached[i][j]) {
                rc = fail_at(L, net->line, _("node %d of partition '%s' is not attached to any switch of network '%s'"),
                             j, pt->id, net->id);
                break;
            }
    }
    for (int i = 0; i < p->npartitions; i++) free(attached[i]);
    free(attached);
    free(parent);
    free(ix);
    return rc;
}

static int check_networks(loader *L)
{
    plat_platform *p = L->p;
    for (int ni = 0; ni < p->nnetworks; ni++) {
        plat_network *net = &p->networks[ni];
        /* Switch-to-switch links run at the fastest NIC attached unless the file says otherwise. */
        if (!net->link_gbit_s)
            for (int i = 0; i < p->npartitions; i++)
                if (p->partitions[i].network == ni && p->node_types[p->partitions[i].node].nic_gbit_s > net->link_gbit_s)
                    net->link_gbit_s = p->node_types[p->partitions[i].node].nic_gbit_s;
        if (net->topology == PLAT_TOPO_EXPLICIT && check_explicit(L, ni)) return -1;
        if (!net->link_gbit_s)
            return fail_at(L, net->line, _("network '%s' has no partition attached and no link_gbit_s"), net->id);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * XML parsing and schema validation. */

static void on_xml_error(void *user, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = user;
    loader *L = ctxt->_private;
    if (!e || e->level < XML_ERR_ERROR) return;  /* warnings do not stop a load */
    char msg[400];
    ut_strlcpy(msg, e->message ? e->message : "?", sizeof msg);
    chomp(msg);
    if (L->detail[0])   /* the parser's own words ("AttValue: ' expected") follow from the bytes it could not decode */
        fail_at(L, e->line, _("not well-formed XML: bytes that the declared encoding cannot read (%s)"), L->detail);
    else
        fail_at(L, e->line, _("not well-formed XML: %s"), msg);
}

/* libxml2 reports encoding and I/O errors without a parser context, so they would go to its
 * process-wide handlers, which print to stderr. While a load runs, those handlers are ours
 * (libxml2 keeps them per thread): the first such error is kept for the message about its line,
 * and nothing is printed. */
static void on_global_error(void *user, xmlErrorPtr e)
{
    loader *L = user;
    if (!e || e->level < XML_ERR_ERROR || L->detail[0]) return;
    ut_strlcpy(L->detail, e->message ? e->message : "?", sizeof L->detail);
    chomp(L->detail);
}

static void on_generic_error(void *user, const char *fmt, ...)
{
    (void)user, (void)fmt;   /* libxml2's unstructured messages: the structured ones say the same */
}

typedef struct saved_handlers {
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
    xmlGenericErrorFunc generic;
    void *generic_ctx;
} saved_handlers;

static void take_error_handlers(loader *L, saved_handlers *h)
{
    h->structured = xmlStructuredError;
    h->structured_ctx = xmlStructuredErrorContext;
    h->generic = xmlGenericError;
    h->generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(L, on_global_error);
    xmlSetGenericErrorFunc(L, on_generic_error);
}

static void give_back_error_handlers(const saved_handlers *h)
{
    xmlSetStructuredErrorFunc(h->structured_ctx, h->structured);
    xmlSetGenericErrorFunc(h->generic_ctx, h->generic);
}

/* Build the element as libxml2 does, then note the line of its '<'. The parser stands just after
 * the start tag; a start tag cannot contain '<' (not even in attribute values), so the nearest '<'
 * before it opens this tag, and the newlines in between say how many lines the tag spans. */
static void on_start_element(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                             int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                             const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = user;
    xmlSAX2StartElementNs(user, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted, attributes);
    if (!ctxt->node || !ctxt->input) return;
    int line = ctxt->input->line;
    for (const xmlChar *c = ctxt->input->cur; c > ctxt->input->base && *c != '<'; c--)
        if (c[-1] == '\n') line--;
    ctxt->node->_private = (void *)(intptr_t)line;
}

static void on_doctype(void *user, const xmlChar *name, const xmlChar *public_id, const xmlChar *system_id)
{
    (void)name, (void)public_id, (void)system_id;
    xmlParserCtxtPtr ctxt = user;
    loader *L = ctxt->_private;
    fail_at(L, ctxt->input ? ctxt->input->line : 0,
            _("a platform file may not have a <!DOCTYPE> (no DTD, no entities): remove it"));
    xmlStopParser(ctxt);
}

static void on_schema_error(void *user, xmlErrorPtr e)
{
    loader *L = user;
    if (!e || e->level < XML_ERR_ERROR) return;
    char msg[400];
    ut_strlcpy(msg, e->message ? e->message : "?", sizeof msg);
    chomp(msg);
    const xmlNode *n = e->node;
    const char *el = n && n->type == XML_ELEMENT_NODE ? (const char *)n->name : NULL;
    if (el) fail_at(L, e->line, _("does not follow the platform schema at <%s>: %s"), el, msg);
    else fail_at(L, e->line, _("does not follow the platform schema: %s"), msg);
}

extern const char plat_schema_rng[];  /* plat_schema.S: assets/schema/platform.rng, NUL-terminated */

const char *plat_schema_text(void)
{
    return plat_schema_rng;
}

static int validate_schema(loader *L, xmlDocPtr doc)
{
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewMemParserCtxt(plat_schema_rng, (int)strlen(plat_schema_rng));
    if (!pctxt) return fail_at(L, 0, _("internal error: cannot read the built-in schema"));
    xmlRelaxNGSetParserStructuredErrors(pctxt, on_schema_error, L);
    xmlRelaxNGPtr schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!schema) return fail_at(L, 0, _("internal error: the built-in schema does not compile"));
    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(vctxt, on_schema_error, L);
    int rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlRelaxNGFree(schema);
    if (rc != 0 && !L->failed) fail_at(L, 0, _("does not follow the platform schema"));
    return rc == 0 ? 0 : -1;
}

/* libxml2 looks for a repeated attribute by comparing each with every one before it, so a start
 * tag of 300,000 attributes (3.5 MB) keeps it busy for minutes before any of our code sees the
 * element. A lexical pass first counts the '=' outside quotes in each tag (skipping comments,
 * CDATA sections, processing instructions and declarations) and refuses a tag with more than
 * PLAT_MAX_ATTRIBUTES. It only has to be right about well-formed files; the parser judges the
 * rest. Bytes are read as ASCII, which the markup characters are in UTF-8 and, interleaved with
 * zeros, in UTF-16. */
static int check_attribute_counts(loader *L, const char *xml, size_t len)
{
    int line = 1;
    for (size_t i = 0; i < len; i++) {
        if (xml[i] == '\n') line++;
        if (xml[i] != '<') continue;
        const char *end = NULL;
        size_t rest = len - i;
        if (rest >= 4 && !memcmp(xml + i, "<!--", 4)) end = "-->";
        else if (rest >= 9 && !memcmp(xml + i, "<![CDATA[", 9)) end = "]]>";
        else if (rest >= 2 && xml[i + 1] == '?') end = "?>";
        else if (rest >= 2 && xml[i + 1] == '!') end = ">";
        if (end) {   /* skip to the end of the construct, counting its lines */
            size_t n = strlen(end), j = i + 1;
            while (j + n <= len && memcmp(xml + j, end, n)) line += xml[j++] == '\n';
            i = j + n - 1;
            continue;
        }
        int attrs = 0, start = line;
        char quote = 0;
        size_t j = i + 1;
        for (; j < len && (quote || xml[j] != '>'); j++) {
            char c = xml[j];
            if (c == '\n') line++;
            if (quote) quote = c == quote ? 0 : quote;
            else if (c == '"' || c == '\'') quote = c;
            else if (c == '=' && ++attrs > PLAT_MAX_ATTRIBUTES)
                return fail_at(L, start, _("an element has at most %d attributes; this one has more"), PLAT_MAX_ATTRIBUTES);
            else if (c == '<') break;   /* not well-formed: the parser will say so */
        }
        i = j > i + 1 && j < len && xml[j] == '<' ? j - 1 : j;
    }
    return 0;
}

static void set_file(plat_error *err, const char *name)
{
    memset(err, 0, sizeof *err);
    ut_strlcpy(err->file, name ? name : "<memory>", sizeof err->file);
}

plat_platform *plat_load_memory(const char *xml, size_t len, const char *name, plat_error *err)
{
    plat_error scratch;
    if (!err) err = &scratch;
    set_file(err, name);
    loader L = { .err = err };
    if (len > PLAT_MAX_FILE_BYTES) {
        fail_at(&L, 0, _("is too large (%zu bytes, the limit is %u)"), len, PLAT_MAX_FILE_BYTES);
        return NULL;
    }
    if (len == 0) {
        fail_at(&L, 1, _("is empty"));
        return NULL;
    }
    if (check_attribute_counts(&L, xml, len)) return NULL;
    xmlInitParser();
    saved_handlers handlers;
    take_error_handlers(&L, &handlers);
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
    if (!ctxt) {
        give_back_error_handlers(&handlers);
        fail_at(&L, 0, _("cannot start the XML parser"));
        return NULL;
    }
    ctxt->_private = &L;
    ctxt->sax->serror = on_xml_error;
    ctxt->sax->internalSubset = on_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    ctxt->sax->startElementNs = on_start_element;
    xmlParseDocument(ctxt);
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (!L.failed && (!ctxt->wellFormed || !doc)) {
        if (L.detail[0]) fail_at(&L, 0, _("not well-formed XML: %s"), L.detail);
        else fail_at(&L, 0, _("not well-formed XML"));
    }
    xmlFreeParserCtxt(ctxt);
    if (L.failed) {
        xmlFreeDoc(doc);
        give_back_error_handlers(&handlers);
        return NULL;
    }

    L.p = ut_calloc(1, sizeof *L.p);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) fail_at(&L, 0, _("has no root element"));
    else if (read_platform(&L, root) == 0 && resolve_refs(&L) == 0 && check_limits(&L) == 0 && check_networks(&L) == 0)
        validate_schema(&L, doc);
    xmlFreeDoc(doc);
    give_back_error_handlers(&handlers);

    for (size_t i = 0; i < L.nrefs; i++) free(L.refs[i].name);
    free(L.refs);
    for (size_t i = 0; i < L.nplinks; i++) {
        free(L.plinks[i].from);
        free(L.plinks[i].to);
        free(L.plinks[i].partition);
        free(L.plinks[i].storage);
    }
    free(L.plinks);
    free(L.ix_accels);
    free(L.ix_nodes);
    free(L.ix_networks);
    free(L.ix_parts);
    free(L.ix_storage);
    if (L.failed) {
        plat_free(L.p);
        return NULL;
    }
    return L.p;
}

plat_platform *plat_load_file(const char *path, plat_error *err)
{
    plat_error scratch;
    if (!err) err = &scratch;
    set_file(err, path);
    char *buf, why[256];
    size_t len;
    if (ut_read_file(path, PLAT_MAX_FILE_BYTES, &buf, &len, why, sizeof why) != 0) {
        snprintf(err->msg, sizeof err->msg, "%s: %s", path, why);
        return NULL;
    }
    plat_platform *p = plat_load_memory(buf, len, path, err);
    free(buf);
    return p;
}

static void free_notes(plat_note *notes, int n)
{
    for (int i = 0; i < n; i++) {
        free(notes[i].about);
        free(notes[i].lang);
        free(notes[i].text);
    }
    free(notes);
}

void plat_free(plat_platform *p)
{
    if (!p) return;
    for (int i = 0; i < p->naccels; i++) {
        free(p->accels[i].id);
        free(p->accels[i].name);
        free(p->accels[i].vendor);
    }
    for (int i = 0; i < p->nnode_types; i++) {
        free(p->node_types[i].id);
        free(p->node_types[i].cpu_model);
        free(p->node_types[i].scaleup_kind);
    }
    for (int i = 0; i < p->nnetworks; i++) {
        plat_network *n = &p->networks[i];
        free(n->id);
        free(n->name);
        free(n->technology);
        for (int s = 0; s < n->nswitches; s++) free(n->switches[s].id);
        free(n->switches);
        free(n->links);
    }
    for (int i = 0; i < p->npartitions; i++) {
        free(p->partitions[i].id);
        free(p->partitions[i].name);
    }
    for (int i = 0; i < p->nstorage; i++) {
        free(p->storage[i].id);
        free(p->storage[i].name);
    }
    free(p->accels);
    free(p->node_types);
    free(p->networks);
    free(p->partitions);
    free(p->storage);
    free_notes(p->assumptions, p->nassumptions);
    free_notes(p->sources, p->nsources);
    free(p->id);
    free(p->name);
    free(p->description_fr);
    free(p->description_en);
    free(p);
}

/* A copy owns every string and array it points at, as a loaded platform does: the same fields as
 * plat_free releases, so that the two functions change together. */
static void *dup_array(const void *a, int n, size_t elem)
{
    if (!a || n <= 0) return NULL;
    void *d = ut_malloc((size_t)n * elem);
    memcpy(d, a, (size_t)n * elem);
    return d;
}

static plat_note *dup_notes(const plat_note *notes, int n)
{
    plat_note *d = dup_array(notes, n, sizeof *notes);
    for (int i = 0; i < n; i++) {
        d[i].about = ut_strdup(notes[i].about);
        d[i].lang = ut_strdup(notes[i].lang);
        d[i].text = ut_strdup(notes[i].text);
    }
    return d;
}

plat_platform *plat_clone(const plat_platform *src)
{
    if (!src) return NULL;
    plat_platform *p = ut_malloc(sizeof *p);
    *p = *src;
    p->id = ut_strdup(src->id);
    p->name = ut_strdup(src->name);
    p->description_fr = ut_strdup(src->description_fr);
    p->description_en = ut_strdup(src->description_en);
    p->accels = dup_array(src->accels, src->naccels, sizeof *src->accels);
    for (int i = 0; i < p->naccels; i++) {
        p->accels[i].id = ut_strdup(src->accels[i].id);
        p->accels[i].name = ut_strdup(src->accels[i].name);
        p->accels[i].vendor = ut_strdup(src->accels[i].vendor);
    }
    p->node_types = dup_array(src->node_types, src->nnode_types, sizeof *src->node_types);
    for (int i = 0; i < p->nnode_types; i++) {
        p->node_types[i].id = ut_strdup(src->node_types[i].id);
        p->node_types[i].cpu_model = ut_strdup(src->node_types[i].cpu_model);
        p->node_types[i].scaleup_kind = ut_strdup(src->node_types[i].scaleup_kind);
    }
    p->networks = dup_array(src->networks, src->nnetworks, sizeof *src->networks);
    for (int i = 0; i < p->nnetworks; i++) {
        plat_network *n = &p->networks[i];
        const plat_network *s = &src->networks[i];
        n->id = ut_strdup(s->id);
        n->name = ut_strdup(s->name);
        n->technology = ut_strdup(s->technology);
        n->switches = dup_array(s->switches, s->nswitches, sizeof *s->switches);
        for (int k = 0; k < n->nswitches; k++) n->switches[k].id = ut_strdup(s->switches[k].id);
        n->links = dup_array(s->links, s->nlinks, sizeof *s->links);
    }
    p->partitions = dup_array(src->partitions, src->npartitions, sizeof *src->partitions);
    for (int i = 0; i < p->npartitions; i++) {
        p->partitions[i].id = ut_strdup(src->partitions[i].id);
        p->partitions[i].name = ut_strdup(src->partitions[i].name);
    }
    p->storage = dup_array(src->storage, src->nstorage, sizeof *src->storage);
    for (int i = 0; i < p->nstorage; i++) {
        p->storage[i].id = ut_strdup(src->storage[i].id);
        p->storage[i].name = ut_strdup(src->storage[i].name);
    }
    p->assumptions = dup_notes(src->assumptions, src->nassumptions);
    p->sources = dup_notes(src->sources, src->nsources);
    return p;
}

int plat_find_file(const char *spec, const char *dirs, char *buf, size_t size)
{
    struct stat st;
    size_t n = strlen(spec);
    if (strchr(spec, '/') || (n >= 4 && !strcmp(spec + n - 4, ".xml"))) {
        if ((size_t)snprintf(buf, size, "%s", spec) >= size) return -1;
        return stat(buf, &st) == 0 ? 0 : -1;
    }
    for (const char *dir = dirs ? dirs : ""; *dir;) {
        size_t len = strcspn(dir, ":");
        int fit = len && (size_t)snprintf(buf, size, "%.*s/%s.xml", (int)len, dir, spec) < size;
        dir += len + (dir[len] == ':');
        if (fit && (stat(buf, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))) return 0;
    }
    return -1;
}
