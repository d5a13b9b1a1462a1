/* lb_plat.c: platforms in Lua. A platform is a full userdata (metatable "usine.platform") that
 * owns a plat_platform; its fields and methods hand out plain tables, so a script can read a
 * factory but never change it.
 *
 * Every platform a state loads goes into one cache in the registry, keyed by the preset name or
 * the path it was asked by: the same name gives the same userdata, for the exercise and for the
 * submission alike, and a platform loaded before the grader's system-call filter went up is still
 * there after it. The cache holds its platforms until the state closes. */
#include "lb.h"
#include "lb_int.h"

#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

enum { MAX_NAME = 64, MAX_LISTED = 1000 };

static lb_platform *check_platform(lua_State *L, int i)
{
    lb_platform *u = luaL_checkudata(L, i, LB_PLATFORM_MT);
    luaL_argcheck(L, u->p != NULL, i, _("a platform that was not loaded"));
    return u;
}

/* ^[a-z0-9][a-z0-9_-]*$, as preset file names are. */
static int is_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > MAX_NAME || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-')) return 0;
    return 1;
}

static int is_path(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n >= 4 && !strcmp(s + n - 4, ".xml"));
}

/* ------------------------------------------------------------------------------------------ */
/* The preset list: the folders of the path, plus what the cache holds under a name (after the
 * system-call filter no folder can be read, yet those platforms can still be had). */

/* Insert s into the sorted array of strings at idx (n elements) unless it is there. */
static int insert_sorted(lua_State *L, int idx, int n, const char *s)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        lua_rawgeti(L, idx, mid + 1);
        int c = strcmp(lua_tostring(L, -1), s);
        lua_pop(L, 1);
        if (c == 0) return n;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    for (int i = n; i > lo; i--) {
        lua_rawgeti(L, idx, i);
        lua_rawseti(L, idx, i + 1);
    }
    lua_pushstring(L, s);
    lua_rawseti(L, idx, lo + 1);
    return n + 1;
}

static void close_dir(void *d) { closedir(d); }

/* Push the sorted array of preset names. */
static void push_presets(lua_State *L)
{
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, LB_PATH_KEY);
    const char *path = lua_tostring(L, -1);
    lb_box *box = lb_box_new(L);
    for (const char *dir = path; dir && *dir && n < MAX_LISTED;) {
        size_t len = strcspn(dir, ":");
        const char *d = lua_pushlstring(L, dir, len);
        dir += len + (dir[len] == ':');
        if (!len || !(box->p = opendir(d))) {
            lua_pop(L, 1);
            continue;
        }
        box->free = close_dir;
        struct dirent *e;
        while ((e = readdir(box->p)) && n < MAX_LISTED) {
            size_t el = strlen(e->d_name);
            if (el <= 4 || el - 4 > MAX_NAME || strcmp(e->d_name + el - 4, ".xml")) continue;
            char name[MAX_NAME + 1];
            memcpy(name, e->d_name, el - 4);
            name[el - 4] = '\0';
            if (is_name(name)) n = insert_sorted(L, out, n, name);
        }
        lb_box_close(box);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    lua_getfield(L, LUA_REGISTRYINDEX, LB_CACHE_KEY);
    lua_pushnil(L);
    while (lua_next(L, -2) && n < MAX_LISTED) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && is_name(lua_tostring(L, -1))) n = insert_sorted(L, out, n, lua_tostring(L, -1));
    }
    lua_settop(L, out);
}

static const char *joined(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, idx); i++) {
        if (i > 1) luaL_addstring(&b, ", ");
        lua_rawgeti(L, idx, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

int lb_usine_platforms(lua_State *L)
{
    push_presets(L);
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading into the cache */

/* Load a preset: the first <dir>/<name>.xml of the path that exists. */
static plat_platform *load_preset(lua_State *L, int arg, const char *name, plat_error *err)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LB_PATH_KEY);
    char file[4096];
    if (plat_find_file(name, lua_tostring(L, -1), file, sizeof file) == 0) {
        lua_pop(L, 1);
        return plat_load_file(file, err);
    }
    lua_pop(L, 1);
    push_presets(L);
    return luaL_argerror(L, arg, lua_pushfstring(L, _("unknown platform '%s' (known: %s)"), name, joined(L, -1))), NULL;
}

const plat_platform *lb_push_platform(lua_State *L, int flags, int arg, const char *spec)
{
    int path = is_path(spec);
    if (path && !(flags & LB_FILES))
        luaL_argerror(L, arg, _("platform files cannot be opened here: give a preset name such as 'classroom'"));
    if (!path && !is_name(spec))
        luaL_argerror(L, arg, lua_pushfstring(L, _("'%s' is not a platform name (lower-case letters, digits, '-' and '_')"), spec));
    lua_getfield(L, LUA_REGISTRYINDEX, LB_CACHE_KEY);
    if (lua_getfield(L, -1, spec) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return ((lb_platform *)lua_touserdata(L, -1))->p;
    }
    lua_pop(L, 1);
    lb_platform *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->p = NULL;
    luaL_setmetatable(L, LB_PLATFORM_MT);
    plat_error err;
    u->p = path ? plat_load_file(spec, &err) : load_preset(L, arg, spec, &err);
    /* A preset that cannot even be opened was not loaded before the grader's filter went up; say
     * so without the grading machine's path, which would make the message differ by machine. */
    if (!u->p && !path && err.line == 0)
        return lb_raise(L, lua_pushfstring(L, _("platform '%s' cannot be read now: an exercise loads its platforms "
                                                 "at the top level of its file, before grading starts"), spec)), NULL;
    if (!u->p) return lb_raise(L, err.msg), NULL;
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, spec);
    lua_remove(L, -2);
    return u->p;
}

int lb_preload(lua_State *L)
{
    lb_open_platform(L);
    lb_push_platform(L, LB_FILES, 1, luaL_checkstring(L, 1));
    return 1;
}

int lb_usine_platform(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TSTRING);
    lb_push_platform(L, lb_flags(L), 1, lua_tostring(L, 1));
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading a platform */

static long partition_gpus(const plat_platform *p, int part)
{
    const plat_partition *pt = &p->partitions[part];
    const plat_node *nd = &p->node_types[pt->node];
    return nd->accel >= 0 ? (long)pt->nodes * nd->accels_per_node : 0;
}

static void push_partition_ids(lua_State *L, const plat_platform *p)
{
    lua_createtable(L, p->npartitions, 0);
    for (int i = 0; i < p->npartitions; i++) {
        lua_pushstring(L, p->partitions[i].id);
        lua_rawseti(L, -2, i + 1);
    }
}

/* The partition named by the string at idx; raises listing the known ids. */
static int find_partition(lua_State *L, const plat_platform *p, int idx, int arg, const lb_tab *t)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TSTRING) {
        int part = plat_find_partition(p, lua_tostring(L, idx));
        if (part >= 0) return part;
    }
    push_partition_ids(L, p);
    const char *what = lua_pushfstring(L, _("a partition of '%s' (%s)"), p->id, joined(L, -1));
    if (t) lb_field_error(L, t, "partition", what, idx);
    return luaL_argerror(L, arg, lua_pushfstring(L, _("%s expected, got %s"), what, lb_describe(L, idx)));
}

static void push_peaks(lua_State *L, const char *key, const double *v, double scale)
{
    lua_newtable(L);
    for (int k = 0; k < PLAT_PREC_COUNT; k++)
        if (v[k] != 0) lb_setnum(L, plat_prec_name((plat_prec)k), v[k] * scale);
    lua_setfield(L, -2, key);
}

static void push_node(lua_State *L, const plat_platform *p, int i)
{
    const plat_node *n = &p->node_types[i];
    lua_createtable(L, 0, 16);
    lb_setstr(L, "id", n->id);
    lb_setstr(L, "cpu_model", n->cpu_model);
    lb_setint(L, "cpus", n->cpus);
    lb_setint(L, "cores_per_cpu", n->cores_per_cpu);
    lb_setnum(L, "cpu_tdp_w", n->cpu_tdp_w);
    lb_setnum(L, "memory_gb", n->memory_gb);
    lb_setnum(L, "other_w", n->other_w);
    lb_setnum(L, "idle_w", n->idle_w);
    lb_setstr(L, "scaleup_kind", n->scaleup_kind);
    lb_setnum(L, "scaleup_bidir_gbs", n->scaleup_bidir_gbs);
    lb_setnum(L, "scaleup_latency_us", n->scaleup_latency_us);
    lb_setint(L, "nics", n->nics);
    lb_setnum(L, "nic_gbit_s", n->nic_gbit_s);
    lb_setnum(L, "mtbf_h", n->mtbf_h);
    lb_setnum(L, "power_w", plat_node_power_w(p, i));
}

static void push_accel(lua_State *L, const plat_accel *a)
{
    lua_createtable(L, 0, 13);
    lb_setstr(L, "id", a->id);
    lb_setstr(L, "name", a->name);
    lb_setstr(L, "vendor", a->vendor);
    push_peaks(L, "peak_tflops", a->peak_tflops, 1);
    lb_setnum(L, "memory_gb", a->memory_gb);
    lb_setnum(L, "memory_tbs", a->memory_tbs);
    lb_setnum(L, "link_bidir_gbs", a->link_bidir_gbs);
    lb_setnum(L, "tdp_w", a->tdp_w);
    lb_setnum(L, "idle_w", a->idle_w);
    lb_setnum(L, "eff_matmul", a->eff_matmul);
    lb_setnum(L, "eff_memory", a->eff_memory);
    lb_setnum(L, "mtbf_h", a->mtbf_h);
}

static void push_network(lua_State *L, const plat_network *n)
{
    lua_createtable(L, 0, 12);
    lb_setstr(L, "id", n->id);
    lb_setstr(L, "name", n->name);
    lb_setstr(L, "technology", n->technology);
    lb_setstr(L, "topology", plat_topology_name(n->topology));
    if (n->topology == PLAT_TOPO_DRAGONFLY || n->topology == PLAT_TOPO_FAT_TREE) lb_setstr(L, "routing", plat_routing_name((plat_routing)n->routing));
    lb_setnum(L, "link_gbit_s", n->link_gbit_s);
    lb_setnum(L, "hop_latency_us", n->hop_latency_us);
    lb_setnum(L, "eff_bandwidth", n->eff_bandwidth);
    lb_setnum(L, "switch_w", n->switch_w);
    switch (n->topology) {
    case PLAT_TOPO_FAT_TREE:
        lb_setint(L, "levels", n->levels);
        lb_setint(L, "radix", n->radix);
        lb_setnum(L, "oversubscription", n->oversubscription);
        break;
    case PLAT_TOPO_DRAGONFLY:
        lb_setint(L, "group_nodes", n->group_nodes);
        lb_setint(L, "group_switches", n->group_switches);
        lb_setint(L, "global_links", n->global_links);
        break;
    case PLAT_TOPO_TORUS:
        lua_createtable(L, n->ndims, 0);
        for (int d = 0; d < n->ndims; d++) {
            lua_pushinteger(L, n->dims[d]);
            lua_rawseti(L, -2, d + 1);
        }
        lua_setfield(L, -2, "dims");
        break;
    case PLAT_TOPO_EXPLICIT:
        lb_setint(L, "switches", n->nswitches);
        lb_setint(L, "links", n->nlinks);
        break;
    default:
        break;
    }
}

static int m_partition(lua_State *L)
{
    lb_use(L, "platform:partition");
    const plat_platform *p = check_platform(L, 1)->p;
    int part = find_partition(L, p, 2, 2, NULL);
    const plat_partition *pt = &p->partitions[part];
    const plat_node *nd = &p->node_types[pt->node];
    lua_createtable(L, 0, 10);
    lb_setstr(L, "id", pt->id);
    lb_setstr(L, "name", pt->name);
    lb_setint(L, "nodes", pt->nodes);
    lb_setint(L, "nodes_per_rack", pt->nodes_per_rack);
    lb_setint(L, "gpus_per_node", nd->accel >= 0 ? nd->accels_per_node : 0);
    lb_setint(L, "gpus", partition_gpus(p, part));
    push_node(L, p, pt->node);
    lua_setfield(L, -2, "node");
    if (nd->accel >= 0) {
        push_accel(L, &p->accels[nd->accel]);
        lua_setfield(L, -2, "accelerator");
    }
    push_network(L, &p->networks[pt->network]);
    lua_setfield(L, -2, "network");
    return 1;
}

static int m_partitions(lua_State *L)
{
    lb_use(L, "platform:partitions");
    push_partition_ids(L, check_platform(L, 1)->p);
    return 1;
}

static int m_totals(lua_State *L)
{
    lb_use(L, "platform:totals");
    const plat_platform *p = check_platform(L, 1)->p;
    plat_totals t;
    if (lua_isnoneornil(L, 2)) plat_machine_totals(p, &t);
    else plat_partition_totals(p, find_partition(L, p, 2, 2, NULL), &t);
    lua_createtable(L, 0, 11);
    lb_setint(L, "nodes", t.nodes);
    lb_setint(L, "gpus", t.accels);
    lb_setint(L, "cpu_cores", t.cpu_cores);
    push_peaks(L, "peak_pflops", t.peak_pflops, 1);
    lb_setnum(L, "accel_memory_tb", t.accel_memory_tb);
    lb_setnum(L, "host_memory_tb", t.host_memory_tb);
    lb_setnum(L, "injection_tbs", t.injection_tbs);
    lb_setnum(L, "bisection_tbs", t.bisection_tbs);
    lb_setnum(L, "power_it_mw", t.power_it_mw);
    lb_setnum(L, "power_facility_mw", t.power_facility_mw);
    lb_setint(L, "switches", t.switches);
    return 1;
}

static int m_facility(lua_State *L)
{
    lb_use(L, "platform:facility");
    const plat_platform *p = check_platform(L, 1)->p;
    lua_createtable(L, 0, 3);
    lb_setnum(L, "pue", p->facility.pue);
    lb_setnum(L, "carbon_g_per_kwh", p->facility.carbon_g_per_kwh);
    lb_setnum(L, "price_eur_per_kwh", p->facility.price_eur_per_kwh);
    return 1;
}

/* p.id, p.name, p.description, then the methods (upvalue 1); nil for anything else. */
static int plat_index(lua_State *L)
{
    const plat_platform *p = check_platform(L, 1)->p;
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "";
    if (!strcmp(k, "id")) lua_pushstring(L, p->id);
    else if (!strcmp(k, "name")) lua_pushstring(L, p->name);
    else if (!strcmp(k, "description")) {
        if (!p->description_fr && !p->description_en) lua_pushnil(L);
        else {
            lua_createtable(L, 0, 2);
            lb_setstr(L, "fr", p->description_fr);
            lb_setstr(L, "en", p->description_en);
        }
    } else {
        lua_pushvalue(L, 2);
        lua_rawget(L, lua_upvalueindex(1));
    }
    return 1;
}

static int plat_tostring(lua_State *L)
{
    lb_platform *u = luaL_checkudata(L, 1, LB_PLATFORM_MT);
    lua_pushfstring(L, "platform %s", u->p ? u->p->id : "(not loaded)");
    return 1;
}

static int plat_gc(lua_State *L)
{
    lb_platform *u = luaL_checkudata(L, 1, LB_PLATFORM_MT);
    plat_free(u->p);
    u->p = NULL;
    return 0;
}

static const luaL_Reg plat_methods[] = {
    { "partitions", m_partitions }, { "partition", m_partition },
    { "totals", m_totals },             { "facility", m_facility },
    { NULL, NULL },
};

/* __metatable hides the metatable from getmetatable: the cache is shared with the exercise, so a
 * submission must not be able to swap the methods of the exercise's platforms. */
void lb_open_platform(lua_State *L)
{
    if (luaL_newmetatable(L, LB_PLATFORM_MT)) {
        luaL_newlib(L, plat_methods);
        lua_pushcclosure(L, plat_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, plat_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, plat_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, LB_PLATFORM_MT);
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LB_CACHE_KEY) != LUA_TTABLE) {
        lua_newtable(L);
        lua_setfield(L, LUA_REGISTRYINDEX, LB_CACHE_KEY);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* The platform and partition of an option table */

const plat_platform *lb_platform_field(lua_State *L, const lb_tab *t, int flags, int *partition, long *gpus)
{
    lua_pushliteral(L, "platform");
    int ty = lua_rawget(L, t->idx);
    const plat_platform *p = NULL;
    if (ty == LUA_TSTRING) {
        p = lb_push_platform(L, flags, t->arg, lua_tostring(L, -1));
    } else if (ty == LUA_TUSERDATA && luaL_testudata(L, -1, LB_PLATFORM_MT)) {
        p = ((lb_platform *)lua_touserdata(L, -1))->p;
        lua_pushvalue(L, -1);
    }
    if (!p) lb_field_error(L, t, "platform", _("a platform or a preset name"), -1);
    lua_remove(L, -2);
    lua_pushliteral(L, "partition");
    int part = lua_rawget(L, t->idx) == LUA_TNIL ? 0 : find_partition(L, p, -1, t->arg, t);
    lua_pop(L, 1);
    /* nodes: a what-if machine, as --nodes. The cached platform is shared, so the resize is done
     * on a private copy, owned by a platform userdata that replaces it on the stack (and frees it
     * if the resize raises). */
    long nodes = lb_int(L, t, "nodes", 0, 0, 1, PLAT_MAX_NODES_TOTAL);
    if (nodes && nodes != p->partitions[part].nodes) {
        lb_platform *u = lua_newuserdatauv(L, sizeof *u, 0);
        u->p = NULL;
        luaL_setmetatable(L, LB_PLATFORM_MT);
        u->p = plat_clone(p);
        char err[512];
        if (plat_resize_partition(u->p, part, nodes, err, sizeof err) != 0)
            luaL_argerror(L, t->arg, lua_pushfstring(L, _("field 'nodes': %s"), err));
        lua_remove(L, -2);
        p = u->p;
    }
    *partition = part;
    *gpus = partition_gpus(p, part);
    if (*gpus < 1)
        luaL_argerror(L, t->arg, lua_pushfstring(L, _("partition '%s' of '%s' has no accelerators"), p->partitions[part].id, p->id));
    return p;
}
