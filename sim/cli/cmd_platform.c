/* cmd_platform.c: `usine platform show|check|list|resize`. Reads platforms through the core loader
 * and prints what the core derives; it computes nothing of its own (resize writes what
 * plat_resize_xml makes). */
#include "cli.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Three significant figures: 989, 3.35, 0.0421, 1230. */
static const char *num(char *buf, double v)
{
    return app_sig(buf, 48, v, 3);
}

/* A line's unit, scaled to its largest value so that a laptop does not read as zeros: the unit
 * whose value is at least 1 among those given from the largest (a factor 1,000 apart). */
typedef struct unit_scale { const char *unit; double factor; } unit_scale;

static unit_scale pick(double largest, const unit_scale *units, int n)
{
    for (int i = 0; i < n - 1; i++)
        if (largest >= units[i].factor) return units[i];
    return units[n - 1];
}

static void print_totals(const plat_platform *p, const plat_totals *t, const char *indent)
{
    char a[48], b[48], c[48];
    printf(_("%snodes %s, accelerators %s, CPU cores %s\n"), indent, app_num(a, sizeof a, (double)t->nodes, 0),
           app_num(b, sizeof b, (double)t->accels, 0), app_num(c, sizeof c, (double)t->cpu_cores, 0));
    static const unit_scale flops[] = { { "PFLOP/s", 1 }, { "TFLOP/s", 1e-3 }, { "GFLOP/s", 1e-6 } };   /* from PFLOP/s */
    double most = 0;
    for (int k = 0; k < PLAT_PREC_COUNT; k++) most = fmax(most, t->peak_pflops[k]);
    unit_scale f = pick(most, flops, 3);
    printf(_("%speak %s:"), indent, f.unit);
    for (int k = PLAT_PREC_COUNT - 1; k >= 0; k--)
        if (t->peak_pflops[k] > 0) printf("  %s %s", plat_prec_name((plat_prec)k), num(a, t->peak_pflops[k] / f.factor));
    printf("\n");
    static const unit_scale tb[] = { { N_("TB"), 1 }, { N_("GB"), 1e-3 } },
                            tbs[] = { { N_("TB/s"), 1 }, { N_("GB/s"), 1e-3 }, { N_("MB/s"), 1e-6 } };
    unit_scale m = pick(fmax(t->accel_memory_tb, t->host_memory_tb), tb, 2), n = pick(t->injection_tbs, tbs, 3);
    printf(_("%smemory: accelerators %s %s, hosts %s %s\n"), indent, num(a, t->accel_memory_tb / m.factor), _(m.unit),
           num(b, t->host_memory_tb / m.factor), _(m.unit));
    printf(_("%snetwork: injection %s %s, bisection %s %s (per direction)\n"), indent, num(a, t->injection_tbs / n.factor), _(n.unit),
           num(b, t->bisection_tbs / n.factor), _(n.unit));
    static const unit_scale mw[] = { { "MW", 1 }, { "kW", 1e-3 }, { "W", 1e-6 } };
    unit_scale w = pick(fmax(t->power_it_mw, t->power_facility_mw), mw, 3);
    printf(_("%spower at full load: %s %s IT, %s %s with the facility (PUE %s)\n"), indent, num(a, t->power_it_mw / w.factor), w.unit,
           num(b, t->power_facility_mw / w.factor), w.unit, app_num(c, sizeof c, p->facility.pue, 2));
}

static const char *text_in_lang(const char *fr, const char *en)
{
    return !strcmp(app_lang(), "fr") ? (fr ? fr : en) : (en ? en : fr);
}

/* Notes in the interface language, or for every language; a note in the other language only when
 * its subject has no note in the interface language (so that nothing is hidden). */
static int note_shown(const plat_note *n, const plat_note *all, int count)
{
    if (!n->lang || !strcmp(n->lang, app_lang())) return 1;
    for (int i = 0; i < count; i++)
        if (all[i].lang && !strcmp(all[i].lang, app_lang()) && !strcmp(all[i].about, n->about)) return 0;
    return 1;
}

static void print_notes(const char *title, const plat_note *notes, int count)
{
    int shown = 0;
    for (int i = 0; i < count; i++) shown += note_shown(&notes[i], notes, count);
    if (!shown) return;
    printf("\n%s\n", title);
    for (int i = 0; i < count; i++)
        if (note_shown(&notes[i], notes, count)) printf("  - [%s] %s\n", notes[i].about, notes[i].text);
}

static void show_text(const plat_platform *p, const char *path, int only_partition)
{
    plat_totals t;
    printf("%s  [%s]\n", p->name, p->id);
    const char *desc = text_in_lang(p->description_fr, p->description_en);
    if (desc) printf("  %s\n", desc);
    printf(_("  file: %s\n"), path);
    if (only_partition < 0) {
        plat_machine_totals(p, &t);
        printf(P_("\nWhole machine (%d partition)\n", "\nWhole machine (%d partitions)\n", p->npartitions), p->npartitions);
        print_totals(p, &t, "  ");
    }
    for (int i = 0; i < p->npartitions; i++) {
        if (only_partition >= 0 && i != only_partition) continue;
        const plat_partition *pt = &p->partitions[i];
        const plat_node *nd = &p->node_types[pt->node];
        const plat_network *net = &p->networks[pt->network];
        char count[48];
        printf(P_("\nPartition %s%s%s%s: %s node '%s'", "\nPartition %s%s%s%s: %s nodes '%s'", pt->nodes), pt->id, pt->name ? " (" : "",
               pt->name ? pt->name : "", pt->name ? ")" : "", app_num(count, sizeof count, pt->nodes, 0), nd->id);
        if (nd->accel >= 0) printf(_(" with %d x %s"), nd->accels_per_node, p->accels[nd->accel].id);
        char routing[64] = "";
        if (net->topology == PLAT_TOPO_DRAGONFLY || net->topology == PLAT_TOPO_FAT_TREE)
            snprintf(routing, sizeof routing, _(", %s routing"), plat_routing_name((plat_routing)net->routing));
        printf(_(", network '%s' (%s%s%s%s)\n"), net->id, plat_topology_name(net->topology), routing,
               net->technology ? ", " : "", net->technology ? net->technology : "");
        plat_partition_totals(p, i, &t);
        print_totals(p, &t, "  ");
    }
    for (int i = 0; i < p->nstorage; i++) {
        char a[48], b[48], c[48];
        const plat_storage *s = &p->storage[i];
        printf(_("\nStorage %s%s%s%s: %s PB, read %s GB/s, write %s GB/s\n"), s->id, s->name ? " (" : "",
               s->name ? s->name : "", s->name ? ")" : "", num(a, s->capacity_pb), num(b, s->read_gbs), num(c, s->write_gbs));
    }
    char a[48], b[48];
    printf(_("\nFacility: PUE %s, %s gCO2e/kWh"), app_num(a, sizeof a, p->facility.pue, 2),
           app_num(b, sizeof b, p->facility.carbon_g_per_kwh, 0));
    if (p->facility.price_eur_per_kwh > 0) printf(_(", %s EUR/kWh"), app_num(a, sizeof a, p->facility.price_eur_per_kwh, 3));
    printf("\n");
    print_notes(_("Assumptions (figures that are not published facts):"), p->assumptions, p->nassumptions);
    print_notes(_("Sources:"), p->sources, p->nsources);
}

/* JSON numbers are rounded to 6 significant figures: sums of decimal figures print without noise. */
static double r6(double v)
{
    if (v == 0 || !isfinite(v)) return v;
    double scale = pow(10, 5 - (int)floor(log10(fabs(v))));
    return round(v * scale) / scale;
}

static cJSON *totals_json(cJSON *o, const plat_platform *p, const plat_totals *t)
{
    cJSON_AddNumberToObject(o, "nodes", (double)t->nodes);
    cJSON_AddNumberToObject(o, "gpus", (double)t->accels);
    cJSON_AddNumberToObject(o, "cpu_cores", (double)t->cpu_cores);
    cJSON *peak = cJSON_AddObjectToObject(o, "peak_pflops");
    for (int k = 0; k < PLAT_PREC_COUNT; k++)
        if (t->peak_pflops[k] > 0) cJSON_AddNumberToObject(peak, plat_prec_name((plat_prec)k), r6(t->peak_pflops[k]));
    cJSON_AddNumberToObject(o, "accelerator_memory_tb", r6(t->accel_memory_tb));
    cJSON_AddNumberToObject(o, "host_memory_tb", r6(t->host_memory_tb));
    cJSON_AddNumberToObject(o, "injection_tbs", r6(t->injection_tbs));
    cJSON_AddNumberToObject(o, "bisection_tbs", r6(t->bisection_tbs));
    cJSON_AddNumberToObject(o, "switches", (double)t->switches);
    cJSON_AddNumberToObject(o, "power_mw", r6(t->power_it_mw));
    cJSON_AddNumberToObject(o, "power_facility_mw", r6(t->power_facility_mw));
    (void)p;
    return o;
}

static void notes_json(cJSON *o, const char *key, const plat_note *notes, int count)
{
    cJSON *arr = cJSON_AddArrayToObject(o, key);
    for (int i = 0; i < count; i++) {
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "about", notes[i].about);
        if (notes[i].lang) cJSON_AddStringToObject(n, "lang", notes[i].lang);
        cJSON_AddStringToObject(n, "text", notes[i].text);
        cJSON_AddItemToArray(arr, n);
    }
}

static void show_json(const plat_platform *p, const char *path, int only_partition)
{
    plat_totals t;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", p->id);
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddStringToObject(o, "file", path);
    if (p->description_fr) cJSON_AddStringToObject(o, "description_fr", p->description_fr);
    if (p->description_en) cJSON_AddStringToObject(o, "description_en", p->description_en);
    plat_machine_totals(p, &t);
    totals_json(o, p, &t);
    cJSON_AddNumberToObject(o, "pue", p->facility.pue);
    cJSON_AddNumberToObject(o, "carbon_g_per_kwh", p->facility.carbon_g_per_kwh);
    if (p->facility.price_eur_per_kwh > 0) cJSON_AddNumberToObject(o, "price_eur_per_kwh", p->facility.price_eur_per_kwh);
    cJSON *parts = cJSON_AddArrayToObject(o, "partitions");
    for (int i = 0; i < p->npartitions; i++) {
        if (only_partition >= 0 && i != only_partition) continue;
        const plat_partition *pt = &p->partitions[i];
        const plat_node *nd = &p->node_types[pt->node];
        const plat_network *net = &p->networks[pt->network];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", pt->id);
        if (pt->name) cJSON_AddStringToObject(j, "name", pt->name);
        plat_partition_totals(p, i, &t);
        totals_json(j, p, &t);
        if (nd->accel >= 0) cJSON_AddStringToObject(j, "gpu_model", p->accels[nd->accel].id);
        else cJSON_AddNullToObject(j, "gpu_model");
        cJSON_AddNumberToObject(j, "gpus_per_node", nd->accels_per_node);
        cJSON_AddStringToObject(j, "node_type", nd->id);
        cJSON_AddStringToObject(j, "network", net->id);
        cJSON_AddStringToObject(j, "topology", plat_topology_name(net->topology));
        if (net->topology == PLAT_TOPO_DRAGONFLY || net->topology == PLAT_TOPO_FAT_TREE)
            cJSON_AddStringToObject(j, "routing", plat_routing_name((plat_routing)net->routing));
        cJSON_AddItemToArray(parts, j);
    }
    cJSON *st = cJSON_AddArrayToObject(o, "storage");
    for (int i = 0; i < p->nstorage; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", p->storage[i].id);
        cJSON_AddNumberToObject(j, "capacity_pb", p->storage[i].capacity_pb);
        cJSON_AddNumberToObject(j, "read_gbs", p->storage[i].read_gbs);
        cJSON_AddNumberToObject(j, "write_gbs", p->storage[i].write_gbs);
        cJSON_AddItemToArray(st, j);
    }
    notes_json(o, "assumptions", p->assumptions, p->nassumptions);
    notes_json(o, "sources", p->sources, p->nsources);
    cli_print_json(o, "usine.platform.show/1");
}

static void platform_usage(FILE *out)
{
    fprintf(out, _("Usage:\n"
                   "  usine platform show FILE|NAME [--partition ID] [--json]   totals of a platform\n"
                   "  usine platform check FILE|NAME...                         validate platform files\n"
                   "  usine platform list [--json]                              the shipped presets\n"
                   "  usine platform resize FILE|NAME [--partition ID] --nodes N [--out FILE]\n"
                   "                                   write the platform with that partition at N nodes (a what-if machine)\n"
                   "A NAME is a preset (see 'usine platform list') or 'local' (this computer, after 'usine calibrate').\n"
                   "The file format: assets/schema/README.md. Exit status 2 when a file is not valid.\n"));
}

static int platform_list(int json)
{
    char dir[4096];
    if (app_platform_dir(dir, sizeof dir) != 0) {
        cli_error(_("cannot find the platform presets next to the program; set USINE_DATADIR to the folder holding platforms/"));
        return CLI_BAD_INPUT;
    }
    char *names = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&names, &len);
    cli_list_presets(mem, "\n");
    fclose(mem);
    cJSON *doc = json ? cJSON_CreateObject() : NULL, *arr = json ? cJSON_AddArrayToObject(doc, "platforms") : NULL;
    int rc = CLI_OK;
    for (char *save = NULL, *name = strtok_r(names, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
        plat_platform *p = cli_load_platform(name, NULL, 0);
        if (!p) { rc = CLI_BAD_INPUT; continue; }
        plat_totals t;
        plat_machine_totals(p, &t);
        if (json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "id", name);
            cJSON_AddStringToObject(j, "name", p->name);
            cJSON_AddNumberToObject(j, "gpus", (double)t.accels);
            cJSON_AddNumberToObject(j, "partitions", p->npartitions);
            cJSON_AddItemToArray(arr, j);
        } else {
            char a[48];
            printf(P_("%-15s %-40s %9s accelerators, %d partition\n", "%-15s %-40s %9s accelerators, %d partitions\n",
                      p->npartitions),
                   name, p->name, app_num(a, sizeof a, (double)t.accels, 0), p->npartitions);
        }
        plat_free(p);
    }
    free(names);
    if (json) {
        cli_print_json(doc, "usine.platform.list/1");
    }
    return rc;
}

/* usine platform resize: the file on stdout, or in `out` with one line saying what it holds. */
static int platform_resize(int nfiles, const char *const *files, const char *partition, const char *nodes_arg,
                           const char *out, int json)
{
    if (nfiles != 1) { cli_error(_("'platform resize' needs exactly one FILE or NAME")); return CLI_BAD_INPUT; }
    if (json) { cli_error(_("'platform resize' writes a platform file, not JSON")); return CLI_BAD_INPUT; }
    long nodes;
    if (!nodes_arg) { cli_error(_("'platform resize' needs --nodes N, the partition's new number of nodes")); return CLI_BAD_INPUT; }
    if (ut_parse_long(nodes_arg, 1, PLAT_MAX_NODES_TOTAL, &nodes) != 0) {
        cli_error(_("--nodes takes a whole number of nodes from 1 to %ld, not '%s'"), PLAT_MAX_NODES_TOTAL, nodes_arg);
        return CLI_BAD_INPUT;
    }
    char path[4096], why[2048];
    if (app_find_platform(files[0], path, sizeof path, why, sizeof why) != 0) {
        cli_error("%s", why);
        return CLI_BAD_INPUT;
    }
    char *xml, *text;
    size_t len, text_len;
    if (ut_read_file(path, PLAT_MAX_FILE_BYTES, &xml, &len, why, sizeof why) != 0) {
        cli_error("%s: %s", path, why);
        return CLI_BAD_INPUT;
    }
    char err[1024];
    int rc = plat_resize_xml(xml, len, path, partition, nodes, app_lang(), &text, &text_len, err, sizeof err);
    free(xml);
    if (rc != 0) {
        cli_error("%s", err);
        return CLI_BAD_INPUT;
    }
    if (!out) {
        fwrite(text, 1, text_len, stdout);
        free(text);
        return CLI_OK;
    }
    FILE *f = fopen(out, "w");
    int bad = !f || fwrite(text, 1, text_len, f) != text_len;
    if (f && fclose(f) != 0) bad = 1;
    if (bad) {
        cli_error(_("cannot write '%s': %s"), out, strerror(errno));
        free(text);
        return CLI_BAD_INPUT;
    }
    plat_platform *p = plat_load_memory(text, text_len, out, NULL);
    free(text);
    int part = p ? (partition ? plat_find_partition(p, partition) : 0) : -1;
    if (part < 0) {   /* plat_resize_xml loaded it already: cannot happen */
        plat_free(p);
        cli_error(_("internal error: '%s' does not load"), out);
        return CLI_FAILED;
    }
    plat_totals t;
    plat_partition_totals(p, part, &t);
    char a[48], b[48];
    printf(_("%s: partition %s with %s nodes, %s accelerators (%s)\n"), out, p->partitions[part].id,
           app_num(a, sizeof a, (double)t.nodes, 0), app_num(b, sizeof b, (double)t.accels, 0), p->name);
    plat_free(p);
    return CLI_OK;
}

int cmd_platform(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        platform_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_BAD_INPUT : CLI_OK;
    }
    const char *verb = argv[1];
    int json = 0;
    const char *partition = NULL, *out = NULL, *nodes_arg = NULL;
    const char *files[64];
    int nfiles = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { platform_usage(stdout); return CLI_OK; }
        else if (!strcmp(argv[i], "--partition")) {
            if (++i >= argc) { cli_error(_("--partition needs a partition id")); return CLI_BAD_INPUT; }
            partition = argv[i];
        } else if (!strncmp(argv[i], "--partition=", 12)) partition = argv[i] + 12;
        else if (!strcmp(argv[i], "--nodes") || !strcmp(argv[i], "--out")) {
            if (i + 1 >= argc) { cli_error(_("%s needs a value; see 'usine platform --help'"), argv[i]); return CLI_BAD_INPUT; }
            if (!strcmp(argv[i], "--nodes")) nodes_arg = argv[i + 1];
            else out = argv[i + 1];
            i++;
        } else if (!strncmp(argv[i], "--nodes=", 8)) nodes_arg = argv[i] + 8;
        else if (!strncmp(argv[i], "--out=", 6)) out = argv[i] + 6;
        else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error(_("unknown option '%s' for 'platform %s'; see 'usine platform --help'"), argv[i], verb);
            return CLI_BAD_INPUT;
        } else if (nfiles < 64) files[nfiles++] = argv[i];
        else { cli_error(_("too many files (at most 64 at once)")); return CLI_BAD_INPUT; }
    }

    if (!strcmp(verb, "resize")) return platform_resize(nfiles, files, partition, nodes_arg, out, json);
    if (nodes_arg || out) {
        cli_error(_("--nodes and --out are for 'platform resize'; see 'usine platform --help'"));
        return CLI_BAD_INPUT;
    }
    if (!strcmp(verb, "list")) {
        if (nfiles || partition) { cli_error(_("'platform list' takes no file; see 'usine platform --help'")); return CLI_BAD_INPUT; }
        return platform_list(json);
    }
    if (!strcmp(verb, "check")) {
        if (!nfiles) { cli_error(_("'platform check' needs at least one FILE or NAME")); return CLI_BAD_INPUT; }
        if (partition || json) { cli_error(_("'platform check' takes only files")); return CLI_BAD_INPUT; }
        int rc = CLI_OK;
        for (int i = 0; i < nfiles; i++) {
            plat_platform *p = cli_load_platform(files[i], NULL, 0);
            if (!p) { rc = CLI_BAD_INPUT; continue; }
            plat_totals t;
            plat_machine_totals(p, &t);
            char a[48], b[48];
            printf(P_("%s: valid (%s: %d partition, %s nodes, %s accelerators)\n",
                      "%s: valid (%s: %d partitions, %s nodes, %s accelerators)\n", p->npartitions),
                   files[i], p->name, p->npartitions, app_num(a, sizeof a, (double)t.nodes, 0),
                   app_num(b, sizeof b, (double)t.accels, 0));
            plat_free(p);
        }
        return rc;
    }
    if (!strcmp(verb, "show")) {
        if (nfiles != 1) { cli_error(_("'platform show' needs exactly one FILE or NAME")); return CLI_BAD_INPUT; }
        char path[4096];
        plat_platform *p = cli_load_platform(files[0], path, sizeof path);
        if (!p) return CLI_BAD_INPUT;
        int only = -1;
        if (partition) {
            only = plat_find_partition(p, partition);
            if (only < 0) {
                fprintf(stderr, "usine: ");
                fprintf(stderr, _("platform '%s' has no partition '%s'; its partitions are:"), p->id, partition);
                for (int i = 0; i < p->npartitions; i++) fprintf(stderr, " %s", p->partitions[i].id);
                fputc('\n', stderr);
                plat_free(p);
                return CLI_BAD_INPUT;
            }
        }
        if (json) show_json(p, path, only);
        else show_text(p, path, only);
        plat_free(p);
        return CLI_OK;
    }
    cli_error(_("unknown 'platform' action '%s' (show, check, list or resize); see 'usine platform --help'"), verb);
    return CLI_BAD_INPUT;
}
