/* plat_write.c: write a what-if platform file, a published machine with one partition grown or
 * shrunk (plat_resize_partition's rules), so that `usine platform resize` can hand users a file
 * that every command, the window and a course can load like any other.
 *
 * The file is the source document edited, not the platform printed again: every element,
 * comment, source and assumption of the original stays where its author put it, and only the
 * attributes the resize changed are rewritten (the partition's nodes, a fat tree's levels, a
 * torus's dims, the node links of an explicit network that shrank), with the platform's name and
 * one <assumption> on the partition saying what changed. The text is then loaded back and its
 * totals compared with the platform resized in memory, so a file this writes is one the loader
 * takes and that describes the same machine. */
#include "plat.h"
#include "util.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_el(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The element child of root of that kind whose id is `id`. */
static xmlNode *child_with_id(xmlNode *root, const char *kind, const char *id)
{
    for (xmlNode *c = root->children; c; c = c->next) {
        if (!is_el(c, kind)) continue;
        xmlChar *v = xmlGetNoNsProp(c, (const xmlChar *)"id");
        int same = v && !strcmp((const char *)v, id);
        xmlFree(v);
        if (same) return c;
    }
    return NULL;
}

static void set_int_prop(xmlNode *n, const char *name, long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)buf);
}

static long int_prop(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    long l = v ? strtol((const char *)v, NULL, 10) : 0;
    xmlFree(v);
    return l;
}

/* The indentation of an element: what follows the last newline of the text just before it. */
static void indent_of(const xmlNode *n, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!n->prev || n->prev->type != XML_TEXT_NODE || !n->prev->content) return;
    const char *t = (const char *)n->prev->content, *nl = strrchr(t, '\n');
    snprintf(buf, size, "%s", nl ? nl + 1 : "");
    for (char *c = buf; *c; c++)
        if (*c != ' ' && *c != '\t') { *c = '\0'; break; }
}

static int is_blank_text(const xmlNode *n)
{
    if (!n || n->type != XML_TEXT_NODE) return 0;
    for (const char *c = (const char *)n->content; c && *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r') return 0;
    return 1;
}

/* Add <assumption lang=...>text</assumption> as the last child of el, indented as its siblings. */
static void add_assumption(xmlDoc *doc, xmlNode *el, const char *lang, const char *text)
{
    char indent[64], line[80];
    indent_of(el, indent, sizeof indent);
    snprintf(line, sizeof line, "\n%s  ", indent);
    xmlNode *a = xmlNewDocNode(doc, NULL, (const xmlChar *)"assumption", NULL);
    if (lang) xmlSetProp(a, (const xmlChar *)"lang", (const xmlChar *)lang);
    xmlAddChild(a, xmlNewDocText(doc, (const xmlChar *)text));
    xmlNode *last = el->last;
    if (is_blank_text(last) && last != el->children) {        /* before the text that closes the element */
        xmlAddPrevSibling(last, a);                            /* a text added next to a text merges with it */
        xmlAddPrevSibling(a, xmlNewDocText(doc, (const xmlChar *)line));
        return;
    }
    if (is_blank_text(last)) {                                 /* only blanks inside: replace them */
        xmlUnlinkNode(last);
        xmlFreeNode(last);
    }
    xmlAddChild(el, xmlNewDocText(doc, (const xmlChar *)line));
    xmlAddChild(el, a);
    snprintf(line, sizeof line, "\n%s", indent);
    xmlAddChild(el, xmlNewDocText(doc, (const xmlChar *)line));
}

/* The node links of an explicit network to partition `pid`, cut to its first `nodes` nodes as
 * plat_resize_partition cuts them in memory; a link left with no node goes, with its line. */
static void cut_node_links(xmlNode *net, const char *pid, long nodes)
{
    xmlNode *next;
    for (xmlNode *c = net->children; c; c = next) {
        next = c->next;
        if (!is_el(c, "link")) continue;
        xmlChar *part = xmlGetNoNsProp(c, (const xmlChar *)"partition");
        int mine = part && !strcmp((const char *)part, pid);
        xmlFree(part);
        if (!mine) continue;
        long first = int_prop(c, "first"), count = int_prop(c, "count");
        if (first >= nodes) {
            if (is_blank_text(c->prev)) {
                xmlNode *blank = c->prev;
                xmlUnlinkNode(blank);
                xmlFreeNode(blank);
            }
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (first + count > nodes) set_int_prop(c, "count", nodes - first);
    }
}

static void dims_text(const plat_network *n, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int d = 0; d < n->ndims && o < size; d++) o += (size_t)snprintf(buf + o, size - o, "%s%d", d ? "x" : "", n->dims[d]);
}

/* What the resize did to the network, for the assumption: "" when nothing changed. */
static void network_change(const plat_platform *before, const plat_platform *after, int network, char *buf, size_t size)
{
    const plat_network *a = &before->networks[network], *b = &after->networks[network];
    buf[0] = '\0';
    switch (b->topology) {
    case PLAT_TOPO_FAT_TREE:
        if (a->levels != b->levels)
            snprintf(buf, size, P_("; network '%s' has %d level of switches instead of %d", "; network '%s' has %d levels of switches instead of %d", b->levels), b->id, b->levels, a->levels);
        break;
    case PLAT_TOPO_DRAGONFLY: {
        long ga = (plat_network_nodes(before, network) + a->group_nodes - 1) / a->group_nodes;
        long gb = (plat_network_nodes(after, network) + b->group_nodes - 1) / b->group_nodes;
        if (ga != gb) snprintf(buf, size, P_("; network '%s' has %ld group instead of %ld", "; network '%s' has %ld groups instead of %ld", gb), b->id, gb, ga);
        break;
    }
    case PLAT_TOPO_TORUS: {
        char da[64], db[64];
        dims_text(a, da, sizeof da);
        dims_text(b, db, sizeof db);
        if (strcmp(da, db)) snprintf(buf, size, _("; network '%s' is a %s torus instead of %s"), b->id, db, da);
        break;
    }
    case PLAT_TOPO_EXPLICIT:
        for (int k = 0; k < a->nlinks && !buf[0]; k++)
            if (a->nlinks != b->nlinks || a->links[k].count != b->links[k].count)
                snprintf(buf, size, _("; network '%s' keeps the links of the nodes that remain"), b->id);
        break;
    default:
        break;
    }
}

static int same_totals(const plat_totals *a, const plat_totals *b)
{
    if (a->nodes != b->nodes || a->accels != b->accels || a->cpu_cores != b->cpu_cores || a->switches != b->switches) return 0;
    for (int k = 0; k < PLAT_PREC_COUNT; k++)
        if (a->peak_pflops[k] != b->peak_pflops[k]) return 0;
    return a->accel_memory_tb == b->accel_memory_tb && a->host_memory_tb == b->host_memory_tb &&
           a->injection_tbs == b->injection_tbs && a->bisection_tbs == b->bisection_tbs &&
           a->power_it_mw == b->power_it_mw && a->power_facility_mw == b->power_facility_mw;
}

/* Edit the source document into the resized one and serialize it. 0, or -1 with err. */
static int edit_document(const char *xml, size_t len, const plat_platform *before, const plat_platform *after, int part,
                         const char *lang, char **out, size_t *out_len, char *err, size_t n)
{
    xmlDoc *doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    const plat_partition *pa = &before->partitions[part], *pb = &after->partitions[part];
    const plat_network *net = &after->networks[pb->network];
    xmlNode *pel = root ? child_with_id(root, "partition", pb->id) : NULL;
    xmlNode *nel = root ? child_with_id(root, "network", net->id) : NULL;
    if (!pel || !nel) {
        xmlFreeDoc(doc);
        snprintf(err, n, "%s", _("internal error: the platform file does not read again as it did"));
        return -1;
    }
    set_int_prop(pel, "nodes", pb->nodes);
    if (!xmlHasProp(pel, (const xmlChar *)"nodes_per_rack") && pb->nodes_per_rack != (pb->nodes < 8 ? pb->nodes : 8))
        set_int_prop(pel, "nodes_per_rack", pb->nodes_per_rack);   /* the default follows the count; the rack does not */
    if (net->topology == PLAT_TOPO_FAT_TREE) set_int_prop(nel, "levels", net->levels);
    if (net->topology == PLAT_TOPO_TORUS) {
        char dims[64];
        dims_text(net, dims, sizeof dims);
        xmlSetProp(nel, (const xmlChar *)"dims", (const xmlChar *)dims);
    }
    if (net->topology == PLAT_TOPO_EXPLICIT) cut_node_links(nel, pb->id, pb->nodes);

    char name[600], change[300], text[1200];
    char na[32], nb[32];
    snprintf(name, sizeof name, _("%s (what-if: partition %s with %s nodes)"), before->name, pb->id, ut_count(na, sizeof na, pb->nodes));
    xmlSetProp(root, (const xmlChar *)"name", (const xmlChar *)name);
    network_change(before, after, pb->network, change, sizeof change);
    snprintf(text, sizeof text,
             _("What-if machine written by 'usine platform resize': %s nodes instead of the %s of the source file, "
               "with the same node, network rules and facility%s."),
             na, ut_count(nb, sizeof nb, pa->nodes), change);
    add_assumption(doc, pel, lang, text);

    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    xmlFreeDoc(doc);
    if (!mem || size <= 0) {
        xmlFree(mem);
        snprintf(err, n, "%s", _("internal error: the platform file cannot be written"));
        return -1;
    }
    *out = ut_malloc((size_t)size + 1);
    memcpy(*out, mem, (size_t)size);
    (*out)[size] = '\0';
    *out_len = (size_t)size;
    xmlFree(mem);
    return 0;
}

int plat_resize_xml(const char *xml, size_t len, const char *name, const char *partition, long nodes, const char *lang,
                    char **out, size_t *out_len, char *err, size_t n)
{
    *out = NULL;
    *out_len = 0;
    plat_error perr;
    plat_platform *before = plat_load_memory(xml, len, name, &perr);
    if (!before) {
        snprintf(err, n, "%s", perr.msg);
        return -1;
    }
    int part = partition ? plat_find_partition(before, partition) : 0;
    if (part < 0) {
        size_t o = (size_t)snprintf(err, n, _("platform '%s' has no partition '%s'; its partitions are:"), before->id, partition);
        for (int i = 0; i < before->npartitions && o < n; i++) o += (size_t)snprintf(err + o, n - o, " %s", before->partitions[i].id);
        plat_free(before);
        return -1;
    }
    if (nodes == before->partitions[part].nodes && nodes >= 1) {   /* that machine is the file itself */
        plat_free(before);
        *out = ut_malloc(len + 1);
        memcpy(*out, xml, len);
        (*out)[len] = '\0';
        *out_len = len;
        return 0;
    }
    plat_platform *after = plat_clone(before);
    int rc = plat_resize_partition(after, part, nodes, err, n);
    if (rc == 0) rc = edit_document(xml, len, before, after, part, lang, out, out_len, err, n);
    if (rc == 0) {   /* the file must be the machine resized in memory */
        plat_platform *back = plat_load_memory(*out, *out_len, name, &perr);
        plat_totals ta, tb;
        int same = back != NULL;
        if (back) plat_machine_totals(after, &ta), plat_machine_totals(back, &tb), same = same_totals(&ta, &tb);
        for (int i = 0; same && i < after->npartitions; i++)
            plat_partition_totals(after, i, &ta), plat_partition_totals(back, i, &tb), same = same_totals(&ta, &tb);
        if (!same) {
            if (back) snprintf(err, n, "%s", _("internal error: the resized file loads as a different machine"));
            else snprintf(err, n, _("internal error: the resized file does not load: %s"), perr.msg);
            free(*out);
            *out = NULL;
            *out_len = 0;
            rc = -1;
        }
        plat_free(back);
    }
    plat_free(after);
    plat_free(before);
    return rc;
}
