/* test_lua_api.c: the `usine` Lua library (scripting/lb.h). Every figure a script gets is compared
 * with what the C API gives for the same input, computed here (plat_partition_totals, tm_predict,
 * tm_search, the simulator, coll_closed_form_s, kn_*), never with typed-in constants; every bad
 * argument (type, NaN, range, unknown id or field, oversize) must raise an error that names it.
 *
 * Each test gets a fresh state (fixture) with two instances of the library, as a grading state
 * has: `usine` (exercise: files and kernels) and `usine0` (submission: neither). Run from the
 * repository root (the Makefile does): platforms come from assets/platforms/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ds.h"
#include "kn.h"
#include "lb.h"
#include "plat.h"
#include "train.h"

#define PRESETS "assets/platforms"
#define GOOD "tests/fixtures/platforms/good"

/* ------------------------------------------------------------------------------------------- */
/* Fixture and helpers */

static int setup(void **state)
{
    lua_State *L = luaL_newstate();
    if (!L) return -1;
    luaL_openlibs(L);
    lb_set_platform_path(L, PRESETS ":" GOOD);
    lb_open_usine(L, LB_FILES | LB_KERNELS);
    lua_setglobal(L, "usine");
    lb_open_usine(L, 0);
    lua_setglobal(L, "usine0");
    *state = L;
    return 0;
}

static int teardown(void **state)
{
    lua_close(*state);
    return 0;
}

/* Run a chunk; on error, fail with its message. Leaves nothing on the stack. */
static void run(lua_State *L, const char *fmt, ...)
{
    char code[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(code, sizeof code, fmt, ap);
    va_end(ap);
    if (luaL_dostring(L, code) != LUA_OK) fail_msg("%s\n  in: %s", lua_tostring(L, -1), code);
    lua_settop(L, 0);
}

/* Evaluate an expression; returns the value's type and leaves the value on the stack. */
static int eval(lua_State *L, const char *fmt, va_list ap)
{
    char code[8192] = "return ";
    vsnprintf(code + 7, sizeof code - 7, fmt, ap);
    if (luaL_dostring(L, code) != LUA_OK) fail_msg("%s\n  in: %s", lua_tostring(L, -1), code);
    return lua_type(L, -1);
}

static double num(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (eval(L, fmt, ap) != LUA_TNUMBER) fail_msg("not a number: %s (%s)", fmt, luaL_typename(L, -1));
    va_end(ap);
    double v = lua_tonumber(L, -1);
    lua_settop(L, 0);
    return v;
}

static int boolean(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (eval(L, fmt, ap) != LUA_TBOOLEAN) fail_msg("not a boolean: %s (%s)", fmt, luaL_typename(L, -1));
    va_end(ap);
    int v = lua_toboolean(L, -1);
    lua_settop(L, 0);
    return v;
}

/* The string value of an expression, copied into buf. */
static const char *str(lua_State *L, char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (eval(L, fmt, ap) != LUA_TSTRING) fail_msg("not a string: %s (%s)", fmt, luaL_typename(L, -1));
    va_end(ap);
    snprintf(buf, size, "%s", lua_tostring(L, -1));
    lua_settop(L, 0);
    return buf;
}

/* The chunk must raise an error whose message contains every needle (a NULL-terminated list). */
static void fails(lua_State *L, const char *code, ...)
{
    if (luaL_dostring(L, code) == LUA_OK) fail_msg("no error from: %s", code);
    const char *msg = lua_tostring(L, -1);
    if (!msg) fail_msg("an error that is not a string from: %s", code);
    va_list ap;
    va_start(ap, code);
    for (const char *needle; (needle = va_arg(ap, const char *));)
        if (!strstr(msg, needle)) fail_msg("the error of: %s\n  is: %s\n  and lacks: %s", code, msg, needle);
    va_end(ap);
    lua_settop(L, 0);
}

static void near(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want) + 1e-300)) fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static plat_platform *load(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.xml", PRESETS, name);
    plat_error e;
    plat_platform *p = plat_load_file(path, &e);
    if (!p) fail_msg("%s", e.msg);
    return p;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The preset names of a folder, sorted: what usine.platforms() must find there. */
static int list_presets(const char *dir, char **names, int max)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < max;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".xml")) names[n++] = strndup(e->d_name, len - 4);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    return n;
}

/* ------------------------------------------------------------------------------------------- */
/* Helpers for checks */

static void test_version_and_helpers(void **state)
{
    lua_State *L = *state;
    char buf[64];
    assert_string_equal(str(L, buf, sizeof buf, "usine.version"), USINE_VERSION);
    assert_true(boolean(L, "usine.near(1, 1 + 1e-9)"));
    assert_false(boolean(L, "usine.near(1, 1 + 1e-5)"));
    assert_true(boolean(L, "usine.near(1, 1.05, 0.1)"));
    assert_true(boolean(L, "usine.near(0, 1e-9, 0, 1e-8)"));
    assert_false(boolean(L, "usine.near(0, 1e-9)"));
    /* never an error on the values judged */
    assert_false(boolean(L, "usine.near(0/0, 0/0)"));
    assert_false(boolean(L, "usine.near(1/0, 1/0)"));
    assert_false(boolean(L, "usine.near(nil, 1)"));
    assert_false(boolean(L, "usine.near('1', 1)"));
    assert_false(boolean(L, "usine.near({}, {})"));
    assert_true(boolean(L, "usine.finite(3)"));
    assert_true(boolean(L, "usine.finite(math.mininteger)"));
    assert_false(boolean(L, "usine.finite(0/0)"));
    assert_false(boolean(L, "usine.finite(-1/0)"));
    assert_false(boolean(L, "usine.finite('3')"));
    assert_false(boolean(L, "usine.finite()"));
    near(num(L, "usine.rel_error(1.1, 1)"), 0.1, 1e-12, "rel_error");
    near(num(L, "usine.rel_error(-3, 0)"), 3, 0, "rel_error at 0");
    /* tolerances and rel_error's arguments are checked */
    fails(L, "usine.near(1, 1, -1)", "#3", "negative", NULL);
    fails(L, "usine.near(1, 1, 1e-6, 0/0)", "#4", "finite", NULL);
    fails(L, "usine.near(1, 1, 'x')", "#3", NULL);
    fails(L, "usine.rel_error(0/0, 1)", "#1", "finite", NULL);
    fails(L, "usine.rel_error(1)", "#2", NULL);
}

/* usine.json reads a command's --json output: tables, sequences, integers where whole, null as a
 * hole; what is not one JSON value gives nil and where it stops, never an error. */
static void test_json(void **state)
{
    lua_State *L = *state;
    char b[256];
    run(L, "J = usine.json('{\"ranks\": 2, \"step_s\": 0.042, \"formula\": \"2(p-1)\", \"ok\": true, "
           "\"list\": [1, null, 3], \"inner\": {\"a\": []}}')");
    assert_true(boolean(L, "math.type(J.ranks) == 'integer' and J.ranks == 2"));
    near(num(L, "J.step_s"), 0.042, 0, "a float");
    assert_string_equal(str(L, b, sizeof b, "J.formula"), "2(p-1)");
    assert_true(boolean(L, "J.ok"));
    assert_true(boolean(L, "J.list[1] == 1 and J.list[2] == nil and J.list[3] == 3"));
    assert_true(boolean(L, "type(J.inner.a) == 'table' and next(J.inner.a) == nil"));
    assert_true(boolean(L, "math.type(usine.json('1e300')) == 'float' and usine.json('-0.5') == -0.5"));
    assert_true(boolean(L, "usine.json(' \\n [1] \\r\\n')[1] == 1"));
    /* not JSON: nil and where */
    assert_string_equal(str(L, b, sizeof b, "select(2, usine.json('{\"a\": 1,\\n  \"b\": x}'))"), "not JSON: line 2, column 8");
    assert_string_equal(str(L, b, sizeof b, "select(2, usine.json('{\"a\": [1, 2'))"), "not JSON: line 1, column 11");
    assert_string_equal(str(L, b, sizeof b, "select(2, usine.json(' \\n'))"), "not JSON: the text is empty");
    assert_string_equal(str(L, b, sizeof b, "select(2, usine.json('{} {}'))"), "not JSON: line 1, column 4: text after the value");
    assert_true(boolean(L, "usine.json('[1]]') == nil"));
    /* deeper than cJSON's limit: refused, not a crash */
    assert_true(boolean(L, "usine.json(string.rep('[', 5000) .. string.rep(']', 5000)) == nil"));
    assert_true(boolean(L, "#usine.json(string.rep('[', 900) .. string.rep(']', 900)) == 1"));
    fails(L, "usine.json({})", "#1", NULL);
}

/* usine.diagnose says what is wrong in kind, never the expected value: nil when near, the usual
 * slips by name (units, GiB and GB, bits and bytes, a factor 2), else a band. */
static void test_diagnose(void **state)
{
    lua_State *L = *state;
    char b[256];
    assert_true(boolean(L, "usine.diagnose(1 + 1e-9, 1) == nil"));
    assert_true(boolean(L, "usine.diagnose(1.005, 1, 0.01) == nil"));
    static const struct { const char *got, *en, *fr; } cases[] = {
        { "1000.5", "is too large by a factor of about 1,000: check the units", "dépasse la valeur attendue d'un facteur 1\u202f000" },
        { "1e-3", "is too small by a factor of about 1,000", "est en deçà de la valeur attendue d'un facteur 1\u202f000" },
        { "1.01e-6", "is too small by a factor of about a million", "un million" },
        { "2^30 / 1e9", "is too large by about 7 %: GiB (2^30) against GB (10^9)?", "Gio" },
        { "8", "by a factor of 8: bits against bytes?", "bits et octets" },
        { "0.5", "is too small by a factor of 2", "en deçà de la valeur attendue d'un facteur 2" },
        { "-1", "has the wrong sign", "a le mauvais signe" },
        { "0", "is zero", "vaut zéro" },
        { "0/0", "is not a finite number", "fini" },
        { "'1'", "is not a number (string)", "n'est pas un nombre (string)" },
        { "1.3", "is too large by 5 to 50 %", "de 5 à 50 %" },
        { "1.02", "is too large by 1 to 5 %", "de 1 à 5 %" },
        { "1.003", "by less than 1 %", "de moins de 1 %" },
        { "5", "by a factor of 1.5 to 10", "d'un facteur 1,5 à 10" },
        { "40", "by more than a factor of 10", "de plus d'un facteur 10" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (!strstr(str(L, b, sizeof b, "usine.diagnose(%s, 1).en", cases[i].got), cases[i].en))
            fail_msg("diagnose(%s, 1).en = %s", cases[i].got, b);
        if (!strstr(str(L, b, sizeof b, "usine.diagnose(%s, 1).fr", cases[i].got), cases[i].fr))
            fail_msg("diagnose(%s, 1).fr = %s", cases[i].got, b);
    }
    assert_string_equal(str(L, b, sizeof b, "usine.diagnose(1, 0).en"), "should be zero");
    /* The expected value is never in the message. */
    assert_null(strstr(str(L, b, sizeof b, "usine.diagnose(123456, 789).en"), "789"));
    fails(L, "usine.diagnose(1, 0/0)", "#2", "finite", NULL);
    fails(L, "usine.diagnose(1, 1, -1)", "#3", "negative", NULL);
}

/* usine.num writes numbers as the student reads them: the French mark and U+202F groups, no
 * exponent where ("%.6g"):format gave 1.2469e+06 (only for huge and tiny magnitudes), no "-0",
 * NaN and infinities spelt out. */
static void test_num(void **state)
{
    lua_State *L = *state;
    char b[128];
    assert_string_equal(str(L, b, sizeof b, "usine.num(21.02884)"), "21.0");
    assert_string_equal(str(L, b, sizeof b, "usine.num(21.02884, {lang = 'fr', sig = 6})"), "21,0288");
    assert_string_equal(str(L, b, sizeof b, "usine.num(1246913.2, {lang = 'fr'})"), "1\u202f246\u202f913");
    assert_string_equal(str(L, b, sizeof b, "usine.num(1246913.2, {lang = 'en'})"), "1,246,913");
    assert_string_equal(str(L, b, sizeof b, "usine.num(1246913.2, {lang = 'fr', group = false})"), "1246913");
    assert_string_equal(str(L, b, sizeof b, "usine.num(2.5, {lang = 'fr', decimals = 2})"), "2,50");
    assert_string_equal(str(L, b, sizeof b, "usine.num(2.5, {lang = 'fr', decimals = 2, trim = true})"), "2,5");
    assert_string_equal(str(L, b, sizeof b, "usine.num(-0.0004, {decimals = 2})"), "0.00");
    assert_string_equal(str(L, b, sizeof b, "usine.num(-3.14159, {lang = 'fr', sig = 2})"), "-3,1");
    assert_string_equal(str(L, b, sizeof b, "usine.num(0.000123)"), "0.000123");
    assert_string_equal(str(L, b, sizeof b, "usine.num(0/0)"), "NaN");
    assert_string_equal(str(L, b, sizeof b, "usine.num(-1/0, {lang = 'fr'})"), "-\u221e");
    assert_string_equal(str(L, b, sizeof b, "usine.num(7)"), "7.00");
    /* 24 digits would be noise past the sixth: an exponent from 1e15 up and below 1e-5 */
    assert_string_equal(str(L, b, sizeof b, "usine.num(3.142876668e23, {lang = 'fr', sig = 6, trim = true})"), "3,14288e+23");
    assert_string_equal(str(L, b, sizeof b, "usine.num(-7e-7, {lang = 'en', sig = 2})"), "-7.0e-07");
    assert_string_equal(str(L, b, sizeof b, "usine.num(9.9996e15, {sig = 3})"), "1.00e+16");
    assert_string_equal(str(L, b, sizeof b, "usine.num(1e15, {lang = 'fr', sig = 2, exp = false})"), "1\u202f000\u202f000\u202f000\u202f000\u202f000");
    fails(L, "usine.num('3')", "#1", "number", NULL);
    fails(L, "usine.num(1, {lang = 'de'})", "#2", "lang", NULL);
    fails(L, "usine.num(1, {sig = 2, decimals = 1})", "#2", "not both", NULL);
    fails(L, "usine.num(1, {sig = 0})", "#2", "sig", NULL);
    fails(L, "usine.num(1, {decimals = 18})", "#2", "decimals", NULL);
    fails(L, "usine.num(1, {digits = 3})", "#2", "digits", NULL);
}

static void test_amdahl_fit(void **state)
{
    lua_State *L = *state;
    int p[] = { 1, 2, 4, 8, 16 };
    double s[] = { 1, 1.9, 3.4, 5.6, 8.1 };
    near(num(L, "usine.amdahl_fit({1, 2, 4, 8, 16}, {1, 1.9, 3.4, 5.6, 8.1})"), kn_amdahl_fit(p, s, 5), 1e-15, "fit");
    fails(L, "usine.amdahl_fit({1}, {1})", "#1", "2 to 256", NULL);
    fails(L, "usine.amdahl_fit({1, 2}, {1})", "#2", NULL);
    fails(L, "usine.amdahl_fit({1, 2.5}, {1, 2})", "#1", "element 2", NULL);
    fails(L, "usine.amdahl_fit({1, 0}, {1, 2})", "#1", "element 2", NULL);
    fails(L, "usine.amdahl_fit({1, 2}, {1, 0/0})", "#2", "element 2", NULL);
    fails(L, "usine.amdahl_fit({1, 2}, {1, -2})", "#2", "element 2", NULL);
    fails(L, "usine.amdahl_fit({1, 2}, {1, '2'})", "#2", "element 2", NULL);
    fails(L, "local t = {} for i = 1, 257 do t[i] = i end usine.amdahl_fit(t, t)", "#1", NULL);
    fails(L, "usine.amdahl_fit(1, {1})", "#1", "table", NULL);
}

/* ------------------------------------------------------------------------------------------- */
/* Platforms */

static void test_platform_identity_and_fields(void **state)
{
    lua_State *L = *state;
    char buf[512];
    plat_platform *p = load("jean-zay");
    run(L, "p = usine.platform('jean-zay')");
    assert_true(boolean(L, "p == usine.platform('jean-zay')"));
    assert_true(boolean(L, "p == usine0.platform('jean-zay')"));         /* one cache for both */
    assert_true(boolean(L, "rawequal(p, usine.platform('jean-zay'))"));
    assert_string_equal(str(L, buf, sizeof buf, "tostring(p)"), "platform jean-zay");
    assert_string_equal(str(L, buf, sizeof buf, "p.id"), p->id);
    assert_string_equal(str(L, buf, sizeof buf, "p.name"), p->name);
    if (p->description_en) assert_string_equal(str(L, buf, sizeof buf, "p.description.en"), p->description_en);
    if (p->description_fr) assert_string_equal(str(L, buf, sizeof buf, "p.description.fr"), p->description_fr);
    assert_true(boolean(L, "p.nonexistent == nil"));
    /* the metatable is hidden: a submission cannot swap the exercise's methods */
    assert_string_equal(str(L, buf, sizeof buf, "getmetatable(p)"), "usine.platform");
    fails(L, "setmetatable(p, {})", NULL);
    assert_int_equal((int)num(L, "#p:partitions()"), p->npartitions);
    for (int i = 0; i < p->npartitions; i++)
        assert_string_equal(str(L, buf, sizeof buf, "p:partitions()[%d]", i + 1), p->partitions[i].id);
    assert_true(boolean(L, "usine.platform('minimal').description == nil"));
    plat_free(p);
}

/* Every partition of every preset, field by field, against the loaded structures. */
static void test_partition_tables_match_the_file(void **state)
{
    lua_State *L = *state;
    char *names[64], buf[512];
    int n = list_presets(PRESETS, names, 64);
    assert_true(n >= 8);
    for (int k = 0; k < n; k++) {
        plat_platform *p = load(names[k]);
        run(L, "p = usine.platform('%s')", names[k]);
        for (int i = 0; i < p->npartitions; i++) {
            const plat_partition *pt = &p->partitions[i];
            const plat_node *nd = &p->node_types[pt->node];
            const plat_network *nw = &p->networks[pt->network];
            run(L, "t = p:partition('%s')", pt->id);
            assert_string_equal(str(L, buf, sizeof buf, "t.id"), pt->id);
            assert_string_equal(str(L, buf, sizeof buf, "t.name"), pt->name);
            assert_int_equal((long)num(L, "t.nodes"), pt->nodes);
            assert_int_equal((long)num(L, "t.nodes_per_rack"), pt->nodes_per_rack);
            long gpn = nd->accel >= 0 ? nd->accels_per_node : 0;
            assert_int_equal((long)num(L, "t.gpus_per_node"), gpn);
            assert_int_equal((long)num(L, "t.gpus"), gpn * pt->nodes);
            assert_true(boolean(L, "math.type(t.gpus) == 'integer'"));
            assert_string_equal(str(L, buf, sizeof buf, "t.node.id"), nd->id);
            assert_int_equal((long)num(L, "t.node.cpus"), nd->cpus);
            assert_int_equal((long)num(L, "t.node.cores_per_cpu"), nd->cores_per_cpu);
            assert_int_equal((long)num(L, "t.node.nics"), nd->nics);
            near(num(L, "t.node.nic_gbit_s"), nd->nic_gbit_s, 0, "nic");
            near(num(L, "t.node.memory_gb"), nd->memory_gb, 0, "memory");
            near(num(L, "t.node.scaleup_bidir_gbs"), nd->scaleup_bidir_gbs, 0, "scale-up");
            near(num(L, "t.node.mtbf_h"), nd->mtbf_h, 0, "node mtbf");
            near(num(L, "t.node.power_w"), plat_node_power_w(p, pt->node), 0, "node power");
            if (nd->scaleup_kind) assert_string_equal(str(L, buf, sizeof buf, "t.node.scaleup_kind"), nd->scaleup_kind);
            if (nd->accel >= 0) {
                const plat_accel *a = &p->accels[nd->accel];
                assert_string_equal(str(L, buf, sizeof buf, "t.accelerator.id"), a->id);
                for (int k2 = 0; k2 < PLAT_PREC_COUNT; k2++) {
                    const char *prec = plat_prec_name((plat_prec)k2);
                    if (a->peak_tflops[k2] != 0) near(num(L, "t.accelerator.peak_tflops.%s", prec), a->peak_tflops[k2], 0, prec);
                    else assert_true(boolean(L, "t.accelerator.peak_tflops.%s == nil", prec));
                }
                near(num(L, "t.accelerator.memory_gb"), a->memory_gb, 0, "hbm");
                near(num(L, "t.accelerator.memory_tbs"), a->memory_tbs, 0, "hbm bw");
                near(num(L, "t.accelerator.eff_matmul"), a->eff_matmul, 0, "eff");
                near(num(L, "t.accelerator.tdp_w"), a->tdp_w, 0, "tdp");
            } else {
                assert_true(boolean(L, "t.accelerator == nil"));
            }
            assert_string_equal(str(L, buf, sizeof buf, "t.network.id"), nw->id);
            assert_string_equal(str(L, buf, sizeof buf, "t.network.topology"), plat_topology_name(nw->topology));
            near(num(L, "t.network.link_gbit_s"), nw->link_gbit_s, 0, "link");
            near(num(L, "t.network.eff_bandwidth"), nw->eff_bandwidth, 0, "net eff");
            if (nw->topology == PLAT_TOPO_FAT_TREE) {
                assert_int_equal((long)num(L, "t.network.levels"), nw->levels);
                assert_int_equal((long)num(L, "t.network.radix"), nw->radix);
                near(num(L, "t.network.oversubscription"), nw->oversubscription, 0, "oversubscription");
            } else if (nw->topology == PLAT_TOPO_DRAGONFLY) {
                assert_int_equal((long)num(L, "t.network.group_nodes"), nw->group_nodes);
                assert_int_equal((long)num(L, "t.network.global_links"), nw->global_links);
            } else if (nw->topology == PLAT_TOPO_TORUS) {
                assert_int_equal((long)num(L, "#t.network.dims"), nw->ndims);
                for (int d = 0; d < nw->ndims; d++) assert_int_equal((long)num(L, "t.network.dims[%d]", d + 1), nw->dims[d]);
            } else if (nw->topology == PLAT_TOPO_EXPLICIT) {
                assert_int_equal((long)num(L, "t.network.switches"), nw->nswitches);
            }
        }
        near(num(L, "p:facility().pue"), p->facility.pue, 0, "pue");
        near(num(L, "p:facility().carbon_g_per_kwh"), p->facility.carbon_g_per_kwh, 0, "carbon");
        near(num(L, "p:facility().price_eur_per_kwh"), p->facility.price_eur_per_kwh, 0, "price");
        plat_free(p);
        free(names[k]);
    }
    /* an unknown partition lists the known ones */
    plat_platform *p = load("jean-zay");
    run(L, "p = usine.platform('jean-zay')");
    if (luaL_dostring(L, "p:partition('h200')") == LUA_OK) fail_msg("no error for an unknown partition");
    for (int i = 0; i < p->npartitions; i++) assert_non_null(strstr(lua_tostring(L, -1), p->partitions[i].id));
    lua_settop(L, 0);
    fails(L, "p:partition(42)", "bad argument", NULL);
    fails(L, "p:partition()", "bad argument", NULL);
    fails(L, "p.partition({}, 'a100')", "usine.platform", NULL);
    plat_free(p);
}

static void check_totals(lua_State *L, const plat_totals *t, const char *what)
{
    assert_int_equal((long)num(L, "t.nodes"), t->nodes);
    assert_int_equal((long)num(L, "t.gpus"), t->accels);
    assert_int_equal((long)num(L, "t.cpu_cores"), t->cpu_cores);
    assert_int_equal((long)num(L, "t.switches"), t->switches);
    for (int k = 0; k < PLAT_PREC_COUNT; k++) {
        const char *prec = plat_prec_name((plat_prec)k);
        if (t->peak_pflops[k] != 0) near(num(L, "t.peak_pflops.%s", prec), t->peak_pflops[k], 0, what);
        else assert_true(boolean(L, "t.peak_pflops.%s == nil", prec));
    }
    near(num(L, "t.accel_memory_tb"), t->accel_memory_tb, 0, what);
    near(num(L, "t.host_memory_tb"), t->host_memory_tb, 0, what);
    near(num(L, "t.injection_tbs"), t->injection_tbs, 0, what);
    near(num(L, "t.bisection_tbs"), t->bisection_tbs, 0, what);
    near(num(L, "t.power_it_mw"), t->power_it_mw, 0, what);
    near(num(L, "t.power_facility_mw"), t->power_facility_mw, 0, what);
}

static void test_totals_match_the_c_api(void **state)
{
    lua_State *L = *state;
    char *names[64];
    int n = list_presets(PRESETS, names, 64);
    for (int k = 0; k < n; k++) {
        plat_platform *p = load(names[k]);
        plat_totals t;
        for (int i = 0; i < p->npartitions; i++) {
            plat_partition_totals(p, i, &t);
            run(L, "t = usine.platform('%s'):totals('%s')", names[k], p->partitions[i].id);
            check_totals(L, &t, names[k]);
        }
        plat_machine_totals(p, &t);
        run(L, "t = usine.platform('%s'):totals()", names[k]);
        check_totals(L, &t, names[k]);
        plat_free(p);
        free(names[k]);
    }
    fails(L, "usine.platform('classroom'):totals('cpu')", "bad argument #1 to 'totals'", "gpu", NULL);
}

static void test_platform_names_paths_and_errors(void **state)
{
    lua_State *L = *state;
    char buf[512];
    /* by path, with LB_FILES only; a path is its own cache key */
    assert_string_equal(str(L, buf, sizeof buf, "usine.platform('" GOOD "/minimal.xml').id"), "minimal");
    assert_true(boolean(L, "usine.platform('" GOOD "/minimal.xml') == usine.platform('" GOOD "/minimal.xml')"));
    fails(L, "usine0.platform('" GOOD "/minimal.xml')", "#1", "preset name", NULL);
    fails(L, "usine0.platform('minimal.xml')", "#1", "preset name", NULL);
    /* names */
    fails(L, "usine.platform('Jean-Zay')", "#1", "not a platform name", NULL);
    fails(L, "usine.platform('-x')", "#1", "not a platform name", NULL);
    fails(L, "usine.platform('')", "#1", "not a platform name", NULL);
    fails(L, "usine.platform(42)", "#1", "string expected", NULL);
    fails(L, "usine.platform()", "#1", NULL);
    fails(L, "usine.platform('summit')", "#1", "unknown platform 'summit'", "classroom", "jean-zay", NULL);
    /* a broken file: the loader's message, with the file and the line */
    plat_error e;
    assert_null(plat_load_file("tests/fixtures/platforms/bad/nan-peak.xml", &e));
    fails(L, "usine.platform('tests/fixtures/platforms/bad/nan-peak.xml')", e.msg, NULL);
    assert_non_null(strstr(e.msg, "nan-peak.xml:"));
    fails(L, "usine.platform('tests/fixtures/platforms/bad/no-such-file.xml')", "no-such-file.xml", NULL);
    /* a failed load is not cached: the next call fails the same way */
    fails(L, "usine.platform('tests/fixtures/platforms/bad/nan-peak.xml')", e.msg, NULL);
}

static void test_platforms_lists_the_path(void **state)
{
    lua_State *L = *state;
    char *a[64], *b[64], *all[128], buf[128];
    int na = list_presets(PRESETS, a, 64), nb = list_presets(GOOD, b, 64), n = 0;
    for (int i = 0; i < na; i++) all[n++] = a[i];
    for (int i = 0; i < nb; i++) {
        int dup = 0;
        for (int j = 0; j < na; j++) dup |= !strcmp(b[i], a[j]);
        if (dup) free(b[i]);
        else all[n++] = b[i];
    }
    qsort(all, (size_t)n, sizeof *all, cmp_str);
    assert_int_equal((int)num(L, "#usine0.platforms()"), n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(str(L, buf, sizeof buf, "usine0.platforms()[%d]", i + 1), all[i]);
        free(all[i]);
    }
    /* without a readable folder, what the cache holds under a name is still listed */
    run(L, "usine.platform('selene')");
    lb_set_platform_path(L, "/nonexistent");
    assert_int_equal((int)num(L, "#usine0.platforms()"), 1);
    assert_string_equal(str(L, buf, sizeof buf, "usine0.platforms()[1]"), "selene");
    assert_true(boolean(L, "usine0.platform('selene') ~= nil"));
    fails(L, "usine0.platform('classroom')", "unknown platform 'classroom'", "selene", NULL);
}

static void test_preload(void **state)
{
    lua_State *L = *state;
    char err[512];
    assert_int_equal(lb_preload_platform(L, GOOD "/explicit.xml", err, sizeof err), 0);
    assert_int_equal(lb_preload_platform(L, "eos", err, sizeof err), 0);
    assert_int_equal(lua_gettop(L), 0);
    lb_set_platform_path(L, "/nonexistent");             /* as after the filter: no file to read */
    assert_true(boolean(L, "usine0.platform('eos').id == 'eos'"));
    assert_true(boolean(L, "usine.platform('" GOOD "/explicit.xml'):partition('p').network.topology == 'explicit'"));
    fails(L, "usine0.platform('" GOOD "/explicit.xml')", "preset name", NULL);  /* cached, yet a path */
    assert_int_equal(lb_preload_platform(L, "tests/fixtures/platforms/bad/inf-memory.xml", err, sizeof err), -1);
    assert_non_null(strstr(err, "inf-memory.xml:"));
    assert_int_equal(lb_preload_platform(L, "nowhere", err, sizeof err), -1);
    assert_non_null(strstr(err, "nowhere"));
    assert_int_equal(lb_preload_platform(L, "Bad Name", err, sizeof err), -1);
    assert_int_equal(lua_gettop(L), 0);
    /* a state where lb_open_usine was never called */
    lua_State *L2 = luaL_newstate();
    lb_set_platform_path(L2, PRESETS);
    assert_int_equal(lb_preload_platform(L2, "classroom", err, sizeof err), 0);
    lua_close(L2);
}

/* ------------------------------------------------------------------------------------------- */
/* Models */

static void test_models(void **state)
{
    lua_State *L = *state;
    char buf[128];
    int n;
    const tm_model *m = tm_model_presets(&n);
    assert_int_equal((int)num(L, "#usine0.models()"), n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(str(L, buf, sizeof buf, "usine0.models()[%d]", i + 1), m[i].id);
        run(L, "m = usine0.model('%s')", m[i].id);
        assert_string_equal(str(L, buf, sizeof buf, "m.name"), m[i].name);
        assert_int_equal((int)num(L, "m.layers"), m[i].layers);
        assert_int_equal((int)num(L, "m.hidden"), m[i].hidden);
        assert_int_equal((int)num(L, "m.heads"), m[i].heads);
        assert_int_equal((int)num(L, "m.kv_heads"), m[i].kv_heads);
        assert_int_equal((int)num(L, "m.ffn"), m[i].ffn);
        assert_int_equal((int)num(L, "m.vocab"), m[i].vocab);
        assert_int_equal((int)num(L, "m.seq"), m[i].seq);
        assert_int_equal(boolean(L, "m.gated"), m[i].gated);
        assert_int_equal(boolean(L, "m.tied"), m[i].tied);
        assert_int_equal(boolean(L, "m.pos_emb"), m[i].pos_emb);
        near(num(L, "m.params"), tm_model_params(&m[i]), 0, "params");
        near(num(L, "usine0.params('%s')", m[i].id), tm_model_params(&m[i]), 0, "params");
        /* a preset's table is a valid model table and gives the same count */
        near(num(L, "usine0.params(m)"), tm_model_params(&m[i]), 0, "params of the table");
    }
    /* a table: defaults kv_heads = heads, ffn = 4 hidden, flags false */
    tm_model c = { .id = "custom", .name = "c", .layers = 12, .hidden = 768, .heads = 12, .kv_heads = 12, .ffn = 3072, .vocab = 50000, .seq = 1024 };
    near(num(L, "usine0.params{layers = 12, hidden = 768, heads = 12, vocab = 50000, seq = 1024}"), tm_model_params(&c), 0, "custom");
    c.gated = 1, c.tied = 1, c.kv_heads = 4, c.ffn = 2048;
    near(num(L, "usine0.params{layers = 12, hidden = 768, heads = 12, kv_heads = 4, ffn = 2048, vocab = 50000, "
                "seq = 1024, gated = true, tied = true}"), tm_model_params(&c), 0, "custom gated");
    fails(L, "usine0.model('gpt-5')", "#1", "gpt3-175b", NULL);
    fails(L, "usine0.model({})", "#1", "field 'layers' is missing", NULL);
    fails(L, "usine0.model(42)", "#1", "a model id or a table", NULL);
    fails(L, "usine0.params(42)", "#1", "a model id or a table", NULL);
    fails(L, "usine0.params{layers = 12, hidden = 768, heads = 12, vocab = 50000}", "#1", "field 'seq' is missing", NULL);
    fails(L, "usine0.params{layers = 12, hidden = 768, heads = 12, vocab = 50000, seq = 1024, layer = 3}", "unknown field 'layer'", NULL);
    fails(L, "usine0.params{layers = 0, hidden = 768, heads = 12, vocab = 50000, seq = 1024}", "field 'layers'", "from 1 to 10000", NULL);
    fails(L, "usine0.params{layers = 1.5, hidden = 768, heads = 12, vocab = 50000, seq = 1024}", "field 'layers'", "1.5", NULL);
    fails(L, "usine0.params{layers = 0/0, hidden = 768, heads = 12, vocab = 50000, seq = 1024}", "field 'layers'", NULL);
    fails(L, "usine0.params{layers = '12', hidden = 768, heads = 12, vocab = 50000, seq = 1024}", "field 'layers'", "'12'", NULL);
    fails(L, "usine0.params{layers = 12, hidden = 2^40, heads = 12, vocab = 50000, seq = 1024}", "field 'hidden'", NULL);
    fails(L, "usine0.params{layers = 12, hidden = 700, heads = 12, vocab = 50000, seq = 1024}", "not a multiple", NULL);
    fails(L, "usine0.params{layers = 12, hidden = 768, heads = 12, vocab = 50000, seq = 1024, gated = 1}", "field 'gated'", "boolean", NULL);
    fails(L, "usine0.params{layers = 12, hidden = 768, heads = 12, vocab = 50000, seq = 1024, id = string.rep('x', 40)}", "field 'id'", NULL);
}

/* Mixtures of experts and latent attention in usine.model: a preset's fields, a table completed
 * with its defaults and parameters, and bad fields named. */
static void test_models_moe(void **state)
{
    lua_State *L = *state;
    const tm_model *d = tm_model_preset("deepseek-v3");
    run(L, "m = usine0.model('deepseek-v3')");
    assert_int_equal((int)num(L, "m.experts"), 256);
    assert_int_equal((int)num(L, "m.top_k"), 8);
    assert_int_equal((int)num(L, "m.expert_ffn"), 2048);
    assert_int_equal((int)num(L, "m.shared_experts"), 1);
    assert_int_equal((int)num(L, "m.dense_first"), 3);
    assert_int_equal((int)num(L, "m.kv_lora_rank"), 512);
    assert_int_equal((int)num(L, "m.q_lora_rank"), 1536);
    near(num(L, "m.capacity"), 1, 0, "capacity");
    near(num(L, "m.imbalance"), 1, 0, "imbalance");
    near(num(L, "m.params"), tm_model_params(d), 0, "params");
    near(num(L, "m.active_params"), tm_model_active_params(d), 0, "active_params");
    near(num(L, "usine0.params(m)"), tm_model_params(d), 0, "a MoE preset's table");
    near(num(L, "usine0.model(m).active_params"), tm_model_active_params(d), 0, "the table again");
    /* a dense preset has none of the optional fields */
    run(L, "m = usine0.model('llama3-8b')");
    assert_int_equal(boolean(L, "m.experts == nil and m.capacity == nil and m.head_dim == nil"), 1);
    /* a table: capacity and imbalance 1 by default; Mixtral 8x7B's shape gives its count */
    const tm_model *x = tm_model_preset("mixtral-8x7b");
    run(L, "m = usine0.model{layers = 32, hidden = 4096, heads = 32, kv_heads = 8, ffn = 14336, vocab = 32000, seq = 32768, "
           "gated = true, experts = 8, top_k = 2, expert_ffn = 14336}");
    near(num(L, "m.params"), tm_model_params(x), 0, "mixtral as a table");
    near(num(L, "m.active_params"), tm_model_active_params(x), 0, "mixtral active");
    near(num(L, "m.capacity"), 1, 0, "default capacity");
    /* usine.predict gives the active parameters */
    run(L, "r = usine0.predict{platform = 'jean-zay', partition = 'h100', model = 'mixtral-8x7b', gpus = 64, gbs = 256, tp = 4, "
           "pp = 4, zero = 1, seq_parallel = true, recompute = 'selective'}");
    near(num(L, "r.active_params"), tm_model_active_params(x), 0, "prediction's active_params");
    near(num(L, "r.params"), tm_model_params(x), 0, "prediction's params");
    /* bad fields, named */
    const char *base = "usine0.model{layers = 32, hidden = 4096, heads = 32, vocab = 32000, seq = 4096, gated = true, ";
    char code[512];
    struct { const char *fields, *says; } bad[] = {
        { "experts = 8, top_k = 9, expert_ffn = 14336}", "top_k must be from 1 to the 8 experts (got 9)" },
        { "experts = 8, top_k = 2}", "8 experts need expert_ffn" },
        { "experts = 8, top_k = 2, expert_ffn = 14336, imbalance = 0.9}", "imbalance must be from 1" },
        { "experts = 8, top_k = 2, expert_ffn = 14336, capacity = 0}", "capacity must be more than 0" },
        { "experts = 8, top_k = 2, expert_ffn = 14336, dense_first = 32}", "dense_first 32 leaves no MoE layer" },
        { "top_k = 2}", "top_k is for a mixture of experts" },
        { "q_lora_rank = 512}", "give kv_lora_rank too" },
        { "experts = -1}", "field 'experts'" },
        { "experts = 8, top_k = 2, expert_ffn = 14336, capacity = 'big'}", "field 'capacity'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(code, sizeof code, "%s%s", base, bad[i].fields);
        fails(L, code, "bad argument #1 to 'model'", bad[i].says, NULL);
    }
}

/* ------------------------------------------------------------------------------------------- */
/* Training */

/* Every field of usine.predict's table against tm_result. */
static void check_result(lua_State *L, const tm_result *r)
{
    const struct { const char *k; double v; } f[] = {
        { "dp", r->dp }, { "micro_batches", r->micro_batches }, { "params", r->params }, { "active_params", r->active_params },
        { "params_per_gpu", r->params_per_gpu }, { "step_s", r->step_s }, { "tokens_per_step", r->tokens_per_step },
        { "tokens_per_s", r->tokens_per_s }, { "model_flops_step", r->model_flops_step }, { "hw_flops_step", r->hw_flops_step },
        { "model_tflops_per_gpu", r->model_tflops_per_gpu }, { "hardware_tflops_per_gpu", r->hardware_tflops_per_gpu },
        { "mfu", r->mfu }, { "hfu", r->hfu }, { "peak_tflops", r->peak_tflops }, { "tokens", r->tokens }, { "steps", r->steps },
        { "time_to_train_s", r->time_to_train_s }, { "wall_time_s", r->wall_time_s }, { "gpu_hours", r->gpu_hours },
        { "power_it_mw", r->power_it_mw }, { "energy_it_mwh", r->energy_it_mwh }, { "energy_mwh", r->energy_mwh },
        { "carbon_t", r->carbon_t }, { "cost_eur", r->cost_eur }, { "job_mtbf_s", r->job_mtbf_s },
        { "interruptions", r->interruptions }, { "checkpoint_bytes", r->checkpoint_B },
        { "checkpoint_write_s", r->checkpoint_write_s }, { "checkpoint_interval_s", r->checkpoint_interval_s },
        { "goodput", r->goodput }, { "data_Bps", r->data_Bps },
        { "breakdown.compute_s", r->b.compute_s }, { "breakdown.gemm_s", r->b.gemm_s }, { "breakdown.memops_s", r->b.memops_s },
        { "breakdown.recompute_s", r->b.recompute_s }, { "breakdown.tp_s", r->b.tp_s }, { "breakdown.cp_s", r->b.cp_s },
        { "breakdown.pp_s", r->b.pp_s }, { "breakdown.dp_s", r->b.dp_s }, { "breakdown.zero_s", r->b.zero_s },
        { "breakdown.dp_total_s", r->b.dp_total_s }, { "breakdown.zero_total_s", r->b.zero_total_s },
        { "breakdown.bubble_s", r->b.bubble_s }, { "breakdown.optimizer_s", r->b.optimizer_s },
        { "memory.weights_gib", r->mem.weights_gib }, { "memory.grads_gib", r->mem.grads_gib },
        { "memory.optimizer_gib", r->mem.optimizer_gib }, { "memory.activations_gib", r->mem.activations_gib },
        { "memory.buffers_gib", r->mem.buffers_gib }, { "memory.runtime_gib", r->mem.runtime_gib },
        { "memory.total_gib", r->mem.total_gib }, { "memory.capacity_gib", r->mem.capacity_gib },
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) near(num(L, "r.%s", f[i].k), f[i].v, 0, f[i].k);
    assert_int_equal(boolean(L, "r.memory.fits"), r->mem.fits);
    assert_int_equal(boolean(L, "r.memory.at_limit"), r->mem.at_limit);
    assert_int_equal(boolean(L, "r.at_memory_limit"), r->mem.at_limit);
    near(num(L, "r.memory.margin_gib"), r->mem.margin_gib, 0, "memory.margin_gib");
}

static void predict_c(const char *platform, int part, const tm_model *m, const tm_plan *pl_in, double tokens, tm_result *r)
{
    plat_platform *p = load(platform);
    char err[512];
    tm_ctx *c = tm_ctx_create(p, part, pl_in->gpus, err, sizeof err);
    if (!c) fail_msg("%s", err);
    tm_plan pl = *pl_in;
    if (tm_predict(c, m, &pl, tokens, r, err, sizeof err) != 0) fail_msg("%s", err);
    tm_ctx_destroy(c);
    plat_free(p);
}

static void test_predict_matches_tm_predict(void **state)
{
    lua_State *L = *state;
    /* defaults: every one from tm_plan_default() */
    tm_plan pl = tm_plan_default();
    pl.gpus = 64, pl.gbs = 256, pl.tp = 2;
    tm_result r;
    predict_c("classroom", 0, tm_model_preset("megatron-1.7b"), &pl, 0, &r);
    run(L, "r = usine0.predict{platform = 'classroom', model = 'megatron-1.7b', gpus = 64, gbs = 256, tp = 2}");
    check_result(L, &r);
    /* every option given, a run of tokens, a second partition, the platform as userdata */
    plat_platform *jz = load("jean-zay");
    int h100 = plat_find_partition(jz, "h100");
    plat_free(jz);
    assert_true(h100 > 0);
    pl = tm_plan_default();
    pl.gpus = 256, pl.gbs = 512, pl.tp = 4, pl.pp = 4, pl.vpp = 2, pl.cp = 1, pl.mbs = 2, pl.zero = 1;
    pl.seq_parallel = 1, pl.flash = 1, pl.dp_overlap = 0, pl.recompute = TM_RC_SELECTIVE, pl.prec = PLAT_FP16;
    predict_c("jean-zay", h100, tm_model_preset("megatron-18.4b"), &pl, 300e9, &r);
    run(L, "r = usine0.predict{platform = usine.platform('jean-zay'), partition = 'h100', model = 'megatron-18.4b', "
           "gpus = 256, gbs = 512, tp = 4, pp = 4, vpp = 2, cp = 1, mbs = 2, zero = 1, seq_parallel = true, flash = true, "
           "dp_overlap = false, recompute = 'selective', precision = 'fp16', tokens = 300e9}");
    check_result(L, &r);
    assert_true(r.wall_time_s > 0 && r.goodput > 0);
    /* at the memory limit: Llama 3 405B, tp 8 and pp 16 on 80 GB H100, a prediction that says so */
    pl = tm_plan_default();
    tm_stack_apply(tm_stack_find("llama3-2024"), &pl);
    pl.gpus = 4096, pl.gbs = 512, pl.tp = 8, pl.pp = 16, pl.zero = 2, pl.seq_parallel = 1, pl.flash = 1;
    predict_c("eos", 0, tm_model_preset("llama3-405b"), &pl, 0, &r);
    assert_true(r.mem.at_limit);
    run(L, "r = usine0.predict{platform = 'eos', model = 'llama3-405b', gpus = 4096, gbs = 512, tp = 8, pp = 16, zero = 2, "
           "seq_parallel = true, flash = true, stack = 'llama3-2024'}");
    check_result(L, &r);
    /* a model given as a table, integers given as floats */
    tm_model m = { .id = "mine", .name = "Mine", .layers = 24, .hidden = 2048, .heads = 16, .kv_heads = 4, .ffn = 5632, .vocab = 32000, .seq = 4096, .gated = 1 };
    pl = tm_plan_default();
    pl.gpus = 128, pl.gbs = 128, pl.tp = 8, pl.recompute = TM_RC_FULL;
    predict_c("classroom", 0, &m, &pl, 0, &r);
    run(L, "r = usine0.predict{platform = 'classroom', gpus = 128.0, gbs = 128, tp = 8, recompute = 'full', "
           "model = {id = 'mine', name = 'Mine', layers = 24, hidden = 2048, heads = 16, kv_heads = 4, ffn = 5632, "
           "vocab = 32000, seq = 4096, gated = true}}");
    check_result(L, &r);
    /* uneven stages, the ends given as fields */
    pl = tm_plan_default();
    pl.gpus = 32, pl.gbs = 32, pl.tp = 8, pl.pp = 4, pl.first_layers = 6, pl.last_layers = 8, pl.prec = PLAT_FP16;
    predict_c("selene", 0, tm_model_preset("megatron-7.5b"), &pl, 0, &r);
    run(L, "r = usine0.predict{platform = 'selene', model = 'megatron-7.5b', gpus = 32, gbs = 32, tp = 8, pp = 4, "
           "first_layers = 6, last_layers = 8, precision = 'fp16'}");
    check_result(L, &r);
    fails(L, "usine0.predict{platform = 'selene', model = 'megatron-7.5b', gpus = 32, gbs = 32, tp = 8, pp = 4, last_layers = 34}",
          "try last_layers", NULL);
}

static void test_predict_rejects_bad_input(void **state)
{
    lua_State *L = *state;
    run(L, "function P(extra) local o = {platform = 'classroom', model = 'megatron-1.7b', gpus = 64, gbs = 256} "
           "for k, v in pairs(extra) do o[k] = v end return usine0.predict(o) end");
    fails(L, "P{tpp = 2}", "bad argument #1 to 'predict'", "unknown field 'tpp'", "tp", NULL);
    fails(L, "P{[1] = 2}", "bad argument #1", "not a field name", NULL);
    fails(L, "P{gpus = 0/0}", "field 'gpus'", NULL);
    fails(L, "P{gpus = -8}", "field 'gpus'", "-8", NULL);
    fails(L, "P{gpus = 129}", "field 'gpus'", "from 1 to 128", NULL);
    fails(L, "P{gpus = 2^53}", "field 'gpus'", NULL);
    fails(L, "P{gpus = '64'}", "field 'gpus'", "'64'", NULL);
    fails(L, "P{gbs = 1/0}", "field 'gbs'", NULL);
    fails(L, "P{tp = 2.5}", "field 'tp'", "2.5", NULL);
    fails(L, "P{tp = 0}", "field 'tp'", NULL);
    fails(L, "P{zero = 4}", "field 'zero'", "from 0 to 3", NULL);
    fails(L, "P{flash = 1}", "field 'flash'", "boolean", NULL);
    fails(L, "P{recompute = 'some'}", "field 'recompute'", "selective", NULL);
    fails(L, "P{precision = 'fp64'}", "field 'precision'", "bf16", NULL);
    fails(L, "P{precision = 'int4'}", "field 'precision'", NULL);
    fails(L, "P{tokens = -1}", "field 'tokens'", NULL);
    fails(L, "P{tokens = 0/0}", "field 'tokens'", NULL);
    fails(L, "P{partition = 'cpu'}", "field 'partition'", "gpu", NULL);
    fails(L, "P{platform = 42}", "field 'platform'", NULL);
    fails(L, "P{platform = 'nowhere'}", "unknown platform 'nowhere'", NULL);
    fails(L, "P{platform = '" GOOD "/minimal.xml'}", "preset name", NULL);
    fails(L, "P{model = 'gpt-5'}", "field 'model'", "llama3-8b", NULL);
    fails(L, "P{model = {layers = 2}}", "field 'model.hidden' is missing", NULL);
    fails(L, "usine0.predict{platform = 'classroom', gpus = 64, gbs = 256}", "field 'model' is missing", NULL);
    fails(L, "usine0.predict{platform = 'classroom', model = 'megatron-1.7b', gbs = 256}", "field 'gpus' is missing", NULL);
    fails(L, "usine0.predict{model = 'megatron-1.7b', gpus = 64, gbs = 256}", "field 'platform' is missing", NULL);
    fails(L, "usine0.predict()", "bad argument #1 to 'predict'", "table expected", NULL);
    fails(L, "usine0.predict('classroom')", "bad argument #1 to 'predict'", NULL);
    /* an invalid plan raises tm_plan_check's message */
    plat_platform *p = load("classroom");
    char err[512];
    tm_ctx *c = tm_ctx_create(p, 0, 64, err, sizeof err);
    tm_plan pl = tm_plan_default();
    pl.gpus = 64, pl.gbs = 256, pl.tp = 3;
    assert_int_equal(tm_plan_check(c, tm_model_preset("megatron-1.7b"), &pl, err, sizeof err), -1);
    fails(L, "P{tp = 3}", err, NULL);
    pl.tp = 1, pl.gbs = 100;
    assert_int_equal(tm_plan_check(c, tm_model_preset("megatron-1.7b"), &pl, err, sizeof err), -1);
    fails(L, "P{gbs = 100}", err, NULL);
    tm_ctx_destroy(c);
    plat_free(p);
    /* tables are read raw: a metatable's __index supplies nothing and is never called */
    fails(L, "usine0.predict(setmetatable({platform = 'classroom', model = 'megatron-1.7b', gbs = 256}, "
             "{__index = function(t, k) error('metamethod called') end}))", "field 'gpus' is missing", NULL);
    fails(L, "usine0.predict(setmetatable({platform = 'classroom', model = 'megatron-1.7b', gbs = 256}, {__index = {gpus = 64}}))",
          "field 'gpus' is missing", NULL);
}

/* nodes: the same what-if machine as --nodes, for predict, plan, step and collective, on a private
 * copy: the shared platform keeps its size, and a refusal names the field. */
/* stack = NAME: the same stack as --stack, its defaults overridden by what is given. */
static void test_stack_field(void **state)
{
    lua_State *L = *state;
    run(L, "a = usine0.predict{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 64, tp = 8}");
    run(L, "b = usine0.predict{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 64, tp = 8, stack = 'megatron-lm-2021'}");
    run(L, "c = usine0.predict{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 64, tp = 8, stack = 'megatron-lm-2023', "
           "flash = true}");
    /* Megatron-LM 2021: no overlap of the gradient reduction, fused softmax instead of FlashAttention */
    near(num(L, "b.breakdown.dp_s"), num(L, "b.breakdown.dp_total_s"), 1e-12, "no overlap");
    assert_true(num(L, "a.breakdown.dp_s") < num(L, "a.breakdown.dp_total_s"));
    assert_true(num(L, "b.step_s") > num(L, "c.step_s"));   /* flash given to a stack that offers it: kept */
    fails(L, "usine0.predict{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 64, tp = 8, stack = 'megatron-lm-2021', "
             "flash = true}", "megatron-lm-2021 stack has no FlashAttention", NULL);
    fails(L, "usine0.predict{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 64, stack = 'tensorflow-2017'}",
          "field 'stack'", "usine stacks", NULL);
    fails(L, "usine0.plan{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 64, stack = 3}", "field 'stack'", NULL);
}

static void test_nodes_is_a_what_if_machine(void **state)
{
    lua_State *L = *state;
    plat_platform *p = load("jean-zay");
    int h100 = plat_find_partition(p, "h100");
    char err[512];
    assert_int_equal(plat_resize_partition(p, h100, 728, err, sizeof err), 0);
    tm_plan pl = tm_plan_default();
    pl.gpus = 2048, pl.gbs = 1024, pl.tp = 4, pl.zero = 1, pl.recompute = TM_RC_SELECTIVE;
    tm_ctx *c = tm_ctx_create(p, h100, pl.gpus, err, sizeof err);
    if (!c) fail_msg("%s", err);
    tm_result r;
    if (tm_predict(c, tm_model_preset("llama3-8b"), &pl, 0, &r, err, sizeof err) != 0) fail_msg("%s", err);
    tm_ranked best[3];
    long evaluated;
    tm_plan base = tm_plan_default();
    base.gpus = 2048, base.gbs = 1024;
    int found = tm_search_fixed(c, tm_model_preset("llama3-8b"), &base, 0, best, 3, &evaluated);   /* what usine.plan searches when nothing is fixed */
    tm_ctx_destroy(c);
    plat_free(p);
    run(L, "r = usine0.predict{platform = 'jean-zay', partition = 'h100', nodes = 728, model = 'llama3-8b', gpus = 2048, "
           "gbs = 1024, tp = 4, zero = 1, recompute = 'selective'}");
    check_result(L, &r);
    assert_int_equal((int)num(L, "usine.platform('jean-zay'):partition('h100').nodes"), 364);   /* the cache is untouched */
    fails(L, "usine0.predict{platform = 'jean-zay', partition = 'h100', model = 'llama3-8b', gpus = 2048, gbs = 1024, tp = 4}",
          "field 'gpus'", "1456", NULL);
    run(L, "r = usine0.plan{platform = usine.platform('jean-zay'), partition = 'h100', nodes = 728, model = 'llama3-8b', "
           "gpus = 2048, gbs = 1024, top = 3}");
    assert_int_equal((int)num(L, "r.count"), found);
    assert_true(found > 0);
    near(num(L, "r.plans[1].step_s"), best[0].r.step_s, 0, "best plan");
    /* the file's count is the file's platform; fewer nodes, fewer GPUs */
    run(L, "a = usine0.predict{platform = 'classroom', nodes = 16, model = 'megatron-1.7b', gpus = 64, gbs = 256} "
           "b = usine0.predict{platform = 'classroom', model = 'megatron-1.7b', gpus = 64, gbs = 256}");
    assert_true(boolean(L, "a.step_s == b.step_s"));
    fails(L, "usine0.predict{platform = 'classroom', nodes = 4, model = 'megatron-1.7b', gpus = 64, gbs = 256}",
          "field 'gpus'", "from 1 to 32", NULL);
    assert_true(num(L, "usine0.step{platform = 'classroom', nodes = 8, model = 'megatron-1.7b', gpus = 64, gbs = 64, tp = 8}.simulated_s") > 0);
    fails(L, "usine0.step{platform = 'classroom', nodes = 8, model = 'megatron-1.7b', gpus = 72, gbs = 72, tp = 8}", "field 'gpus'", NULL);
    /* a collective across the grown machine: more GPUs than the file has */
    assert_true(num(L, "usine0.collective{platform = 'jean-zay', partition = 'a100', nodes = 100, gpus = 512, bytes = 1e8}"
                       ".simulated_s") > 0);
    fails(L, "usine0.collective{platform = 'jean-zay', partition = 'a100', gpus = 512, bytes = 1e8}", "field 'gpus'", "416", NULL);
    fails(L, "usine0.collective{platform = 'classroom', nodes = 4, gpus = 64, bytes = 1e8}", "field 'gpus'", "32", NULL);
    /* bad values, each naming the field */
    static const char *const bad[][2] = {
        { "0", "from 1 to 100000" }, { "-2", "from 1 to 100000" }, { "1.5", "integer" }, { "'8'", "integer" },
        { "100001", "from 1 to 100000" }, { "17", "cannot grow" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char code[256];
        snprintf(code, sizeof code, "usine0.predict{platform = 'classroom', nodes = %s, model = 'megatron-1.7b', gpus = 8, gbs = 8}",
                 bad[i][0]);
        fails(L, code, "bad argument #1 to 'predict'", "field 'nodes'", bad[i][1], NULL);
    }
    fails(L, "usine0.plan{platform = 'jean-zay', partition = 'h100', nodes = 99999, model = 'llama3-8b', gpus = 8, gbs = 8}",
          "bad argument #1 to 'plan'", "field 'nodes'", "100000", NULL);
    fails(L, "usine0.collective{platform = 'classroom', nodes = 20, gpus = 8, bytes = 1}", "bad argument #1 to 'collective'",
          "field 'nodes'", "cannot grow", NULL);
    assert_int_equal((int)num(L, "usine.platform('classroom'):partition('gpu').nodes"), 16);
}

static void test_plan_matches_tm_search(void **state)
{
    lua_State *L = *state;
    char buf[64];
    plat_platform *p = load("classroom");
    char err[512];
    tm_ctx *c = tm_ctx_create(p, 0, 128, err, sizeof err);
    tm_plan base = tm_plan_default();
    base.gpus = 128, base.gbs = 512, base.flash = 1;
    tm_ranked best[5];
    long evaluated;
    int found = tm_search_fixed(c, tm_model_preset("megatron-7.5b"), &base, TM_FIX_FLASH, best, 5, &evaluated); /* flash given */
    tm_ctx_destroy(c);
    plat_free(p);
    assert_true(found > 5);
    run(L, "r = usine0.plan{platform = 'classroom', model = 'megatron-7.5b', gpus = 128, gbs = 512, flash = true, top = 5}");
    assert_int_equal((int)num(L, "r.count"), found);
    assert_int_equal((long)num(L, "r.evaluated"), evaluated);
    assert_int_equal((int)num(L, "#r.plans"), 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal((int)num(L, "r.plans[%d].tp", i + 1), best[i].plan.tp);
        assert_int_equal((int)num(L, "r.plans[%d].pp", i + 1), best[i].plan.pp);
        assert_int_equal((int)num(L, "r.plans[%d].vpp", i + 1), best[i].plan.vpp);
        assert_int_equal((int)num(L, "r.plans[%d].dp", i + 1), best[i].r.dp);
        assert_int_equal((int)num(L, "r.plans[%d].mbs", i + 1), best[i].plan.mbs);
        assert_int_equal((int)num(L, "r.plans[%d].zero", i + 1), best[i].plan.zero);
        assert_string_equal(str(L, buf, sizeof buf, "r.plans[%d].recompute", i + 1), tm_recompute_name(best[i].plan.recompute));
        assert_int_equal((int)num(L, "r.plans[%d].cp", i + 1), best[i].plan.cp);
        assert_int_equal(boolean(L, "r.plans[%d].seq_parallel", i + 1), best[i].plan.seq_parallel);
        assert_int_equal(boolean(L, "r.plans[%d].flash", i + 1), 1);
        assert_int_equal(boolean(L, "r.plans[%d].dp_overlap", i + 1), best[i].plan.dp_overlap);
        assert_int_equal(boolean(L, "r.plans[%d].fits", i + 1), best[i].r.mem.fits);
        assert_int_equal(boolean(L, "r.plans[%d].at_limit", i + 1), best[i].r.mem.at_limit);
        near(num(L, "r.plans[%d].step_s", i + 1), best[i].r.step_s, 0, "step");
        near(num(L, "r.plans[%d].mfu", i + 1), best[i].r.mfu, 0, "mfu");
        near(num(L, "r.plans[%d].tokens_per_s", i + 1), best[i].r.tokens_per_s, 0, "tokens/s");
        near(num(L, "r.plans[%d].memory_gib", i + 1), best[i].r.mem.total_gib, 0, "memory");
    }
    assert_true(boolean(L, "r.plans[1].step_s <= r.plans[2].step_s"));
    /* the default top is 10 */
    assert_int_equal((int)num(L, "#usine0.plan{platform = 'classroom', model = 'megatron-7.5b', gpus = 128, gbs = 512}.plans"), 10);
    /* nothing fits: an empty list */
    assert_int_equal((int)num(L, "usine0.plan{platform = 'classroom', model = 'megatron-1t', gpus = 8, gbs = 8}.count"), 0);
    fails(L, "usine0.plan{platform = 'classroom', model = 'megatron-7.5b', gpus = 128, gbs = 512, top = 101}", "field 'top'", NULL);
    fails(L, "usine0.plan{platform = 'classroom', model = 'megatron-7.5b', gpus = 128, gbs = 512, top = 0}", "field 'top'", NULL);
    /* tp is a knob the search obeys (below); dp is derived, never given */
    fails(L, "usine0.plan{platform = 'classroom', model = 'megatron-7.5b', gpus = 128, gbs = 512, dp = 2}", "unknown field 'dp'", NULL);
    fails(L, "usine0.plan{platform = 'el-capitan', model = 'megatron-7.5b', gpus = 128, gbs = 512, precision = 'tf32'}",
          "bad argument #1 to 'plan'", "tf32", NULL);
    /* the knobs given are fixed, the rest searched, as tm_search_fixed does */
    run(L, "r = usine0.plan{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 128, tp = 4, recompute = 'full'}");
    assert_true(num(L, "r.count") > 0);
    assert_true(boolean(L, "(function() for _, p in ipairs(r.plans) do if p.tp ~= 4 or p.recompute ~= 'full' then "
                           "return false end end return true end)()"));
    run(L, "r = usine0.plan{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 128, cp = 2, seq_parallel = false, "
           "flash = false, dp_overlap = false, top = 50}");
    assert_true(num(L, "r.count") > 0);
    assert_true(boolean(L, "(function() for _, p in ipairs(r.plans) do if p.cp ~= 2 or p.seq_parallel or p.flash or "
                           "p.dp_overlap then return false end end return true end)()"));
    /* not given: searched both ways */
    run(L, "r = usine0.plan{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 128, tp = 2, pp = 2, vpp = 1, mbs = 1, "
           "zero = 0, recompute = 'none', seq_parallel = true, dp_overlap = true, tp_overlap = false, top = 100}");
    assert_true(boolean(L, "(function() local on, off = false, false for _, p in ipairs(r.plans) do "
                           "if p.flash then on = true else off = true end end return on and off end)()"));
    /* a knob no plan can have: the plan check's reason */
    fails(L, "usine0.plan{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 128, cp = 3}", "cp = 3", NULL);
    fails(L, "usine0.plan{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 128, vpp = 5}", "vpp 5", NULL);
}

static void test_step_matches_the_simulator(void **state)
{
    lua_State *L = *state;
    plat_platform *p = load("selene");
    char err[512];
    const tm_model *m = tm_model_preset("megatron-7.5b");
    tm_ctx *c = tm_ctx_create(p, 0, 64, err, sizeof err);
    tm_plan pl = tm_plan_default();
    pl.gpus = 64, pl.tp = 4, pl.pp = 2, pl.gbs = 128, pl.recompute = TM_RC_FULL, pl.prec = PLAT_FP16;
    tm_result r;
    assert_int_equal(tm_predict(c, m, &pl, 0, &r, err, sizeof err), 0);
    tm_step *s = tm_step_simulate(c, m, &pl, NULL, err, sizeof err);
    if (!s) fail_msg("%s", err);
    ds_stats st = *tm_step_stats(s);
    tm_step_free(s);
    tm_ctx_destroy(c);
    plat_free(p);
    run(L, "r = usine0.step{platform = 'selene', model = 'megatron-7.5b', gpus = 64, tp = 4, pp = 2, gbs = 128, "
           "recompute = 'full', precision = 'fp16'}");
    near(num(L, "r.simulated_s"), st.end_s, 0, "simulated");
    near(num(L, "r.predicted_s"), r.step_s, 0, "predicted");
    near(num(L, "r.events"), (double)st.events, 0, "events");
    near(num(L, "r.messages"), (double)st.flows, 0, "messages");
    fails(L, "usine0.step{platform = 'selene', model = 'megatron-7.5b', gpus = 2048, gbs = 2048}", "field 'gpus'", "1024", NULL);
    /* the core's message names Lua's fields, not the command line's options */
    fails(L, "usine0.step{platform = 'selene', model = 'megatron-7.5b', gpus = 64, zero = 3, stack = 'deepspeed-zero3-2021', gbs = 128}",
          "zero 3 gathered tensor by tensor", NULL);
    if (luaL_dostring(L, "usine0.step{platform = 'selene', model = 'megatron-7.5b', gpus = 64, zero = 3, stack = 'deepspeed-zero3-2021', gbs = 128}") == LUA_OK
        || strstr(lua_tostring(L, -1), "--"))
        fail_msg("a Lua message speaks the command line: %s", lua_tostring(L, -1));
    lua_settop(L, 0);
    fails(L, "usine0.step{platform = 'selene', model = 'megatron-7.5b', gpus = 64, tp = 3, gbs = 128}", "tp x pp x cp", NULL);
    fails(L, "usine0.step{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 2^22}", "micro-batches", NULL);
    fails(L, "usine0.step{platform = 'selene', model = 'megatron-7.5b', gpus = 64, gbs = 2^41}", "field 'gbs'", NULL);
    /* jobs side by side: each job's step, the slowest the run's; a job alone is the one step */
    near(num(L, "#r.jobs_s"), 1, 0, "one job");
    near(num(L, "r.jobs_s[1]"), st.end_s, 0, "the job");
    run(L, "r = usine0.step{platform = 'jean-zay', partition = 'h100', model = 'llama2-7b', gpus = 256, tp = 2, pp = 4, "
           "gbs = 256, jobs = 4}");
    near(num(L, "#r.jobs_s"), 4, 0, "four jobs");
    assert_true(boolean(L, "math.max(table.unpack(r.jobs_s)) == r.simulated_s"));
    fails(L, "usine0.step{platform = 'classroom', model = 'llama2-7b', gpus = 64, gbs = 64, jobs = 3}", "field 'jobs'", NULL);
    fails(L, "usine0.predict{platform = 'classroom', model = 'llama2-7b', gpus = 64, gbs = 64, jobs = 2}", "unknown field 'jobs'", NULL);
}

/* A field's bad values: `call` and each value, closed, must fail with its needle. */
typedef struct bad_field { const char *value, *needle; } bad_field;

static void fails_each(lua_State *L, const char *call, const bad_field *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char code[512];
        snprintf(code, sizeof code, "%s%s}", call, bad[i].value);
        fails(L, code, bad[i].needle, NULL);
    }
}

/* The collectives of assets/scenarios/jean-zay-background.txt, as `simulate step --background`
 * adds them: a 16 GiB ring over the job's GPUs, and a 1 GiB all-to-all over the next 256 from 1 ms. */
static int bg_tasks[2];
static int add_jean_zay_background(struct ds *s, void *ctx, char *err, size_t n)
{
    (void)ctx;
    int ring[256], other[256], waits[256];
    for (int i = 0; i < 256; i++) ring[i] = i, other[i] = 256 + i;
    for (int i = 0; i < 256; i++)
        if ((waits[i] = ds_compute(s, other[i], 1e-3, "wait", NULL, 0, err, n)) < 0) return -1;
    if ((bg_tasks[0] = ds_collective(s, COLL_ALLREDUCE, COLL_RING, ring, 256, 16.0 * 1073741824, "#1", NULL, 0, err, n)) < 0) return -1;
    return (bg_tasks[1] = ds_collective(s, COLL_ALLTOALL, COLL_DIRECT, other, 256, 1073741824.0, "#2", waits, 256, err, n)) < 0 ? -1 : 0;
}

/* A background in usine.step: the same step and the same collectives' ends as the simulator's with
 * the same collectives added, and bad entries named by their place. */
static void test_step_background(void **state)
{
    lua_State *L = *state;
    plat_platform *p = load("jean-zay");
    char err[512];
    const tm_model *m = tm_model_preset("llama2-7b");
    tm_ctx *c = tm_ctx_create(p, plat_find_partition(p, "h100"), 512, err, sizeof err);
    if (!c) fail_msg("%s", err);
    tm_plan pl = tm_plan_default();
    pl.gpus = 256, pl.tp = 2, pl.pp = 4, pl.gbs = 256;
    tm_step *s = tm_steps_simulate(c, m, &pl, 1, &(tm_step_opts){ .extra = add_jean_zay_background }, err, sizeof err);
    if (!s) fail_msg("%s", err);
    double job = tm_step_job_end_s(s, 0), end = tm_step_stats(s)->end_s;
    double ring = ds_task_end_s(tm_step_sim(s), bg_tasks[0]), a2a = ds_task_end_s(tm_step_sim(s), bg_tasks[1]);
    tm_step_free(s);
    tm_ctx_destroy(c);
    plat_free(p);
    const char *call = "r = usine0.step{platform = 'jean-zay', partition = 'h100', model = 'llama2-7b', gpus = 256, tp = 2, "
                       "pp = 4, gbs = 256, background = ";
    run(L, "%s%s}", call, "{ { op = 'allreduce', algo = 'ring', bytes = 16 * 2^30, gpus = 256 }, "
                 "{ op = 'alltoall', bytes = 2^30, gpus = 256, first = 256, start = 0.001 } }");
    near(num(L, "r.simulated_s"), job, 0, "the job's step");
    near(num(L, "r.makespan_s"), end, 0, "everything done");
    near(num(L, "r.background[1].end_s"), ring, 0, "the ring's end");
    near(num(L, "r.background[2].end_s"), a2a, 0, "the all-to-all's end");
    near(num(L, "r.background[2].start_s"), 1e-3, 0, "the all-to-all's start");
    assert_true(job > num(L, "usine0.step{platform = 'jean-zay', partition = 'h100', model = 'llama2-7b', gpus = 256, tp = 2, "
                             "pp = 4, gbs = 256}.simulated_s"));   /* slowed by the ring on its NICs */
    /* the same GPUs as a list */
    run(L, "local g = {} for i = 1, 256 do g[i] = 255 + i end "
           "r = usine0.step{platform = 'jean-zay', partition = 'h100', model = 'llama2-7b', gpus = 256, tp = 2, pp = 4, gbs = 256, "
           "background = { { op = 'allreduce', algo = 'ring', bytes = 16 * 2^30, gpus = 256 }, "
           "{ op = 'alltoall', bytes = 2^30, ranks = g, start = 0.001 } } }");
    near(num(L, "r.background[2].end_s"), a2a, 0, "the all-to-all's end, its GPUs listed");
    static const bad_field bad[] = {
        { "{ { op = 'allreduse', bytes = 1, gpus = 4 } }", "background[1].op" },
        { "{ { op = 'allreduce', bytes = 1, gpus = 4 }, { op = 'allreduce', bytes = 1, ranks = { 1 } } }", "background[2].ranks" },
        { "{ { op = 'allreduce', bytes = 1, ranks = { 0, 5000 } } }", "GPUs from 0 to 1023 (element 2) (got 5000)" },
        { "{ { op = 'allreduce', bytes = -1, gpus = 4 } }", "background[1].bytes" },
        { "{ { op = 'allreduce', bytes = 1, gpus = 4, colour = 1 } }", "colour" },
        { "{ 'x' }", "background[1]" },
        { "{ { op = 'allreduce', bytes = 1, ranks = { 3, 3 } } }", "distinct GPUs (element 2) (got 3)" },
        { "{ }", "field 'background'" },
        { "5", "field 'background'" },
    };
    fails_each(L, call, bad, sizeof bad / sizeof *bad);
}

/* Other jobs beside the first in usine.step: the same jobs and times as tm_jobs_simulate gives,
 * each job's prediction alone, its first GPU; bad entries named by their place. */
static void test_step_beside(void **state)
{
    lua_State *L = *state;
    plat_platform *p = load("jean-zay");
    char err[512];
    const tm_model *small = tm_model_preset("llama2-7b"), *big = tm_model_preset("llama2-70b");
    tm_ctx *c = tm_ctx_create(p, plat_find_partition(p, "h100"), 768, err, sizeof err);
    if (!c) fail_msg("%s", err);
    tm_plan a = tm_plan_default(), b = tm_plan_default();
    a.gpus = 256, a.tp = 2, a.pp = 4, a.gbs = 256;
    b.gpus = 512, b.tp = 4, b.pp = 8, b.gbs = 512;
    tm_step *s = tm_jobs_simulate(c, (tm_job[]){ { small, &a }, { big, &b } }, 2, &(tm_step_opts){ 0 }, err, sizeof err);
    if (!s) fail_msg("%s", err);
    double job1 = tm_step_job_end_s(s, 0), job2 = tm_step_job_end_s(s, 1), alone2 = tm_step_job_predicted(s, 1)->step_s;
    double end = tm_step_stats(s)->end_s;
    tm_step_free(s);
    tm_ctx_destroy(c);
    plat_free(p);
    const char *call = "r = usine0.step{platform = 'jean-zay', partition = 'h100', model = 'llama2-7b', gpus = 256, tp = 2, "
                       "pp = 4, gbs = 256, beside = ";
    run(L, "%s%s}", call, "{ { model = 'llama2-70b', gpus = 512, tp = 4, pp = 8, gbs = 512 } }");
    near(num(L, "r.simulated_s"), job1, 0, "the first job's step");
    near(num(L, "r.beside[1].simulated_s"), job2, 0, "the job beside it");
    near(num(L, "r.beside[1].predicted_s"), alone2, 0, "its prediction alone");
    near(num(L, "r.beside[1].first_gpu"), 256, 0, "its first GPU");
    near(num(L, "r.makespan_s"), end, 0, "everything done");
    near(num(L, "#r.jobs_s"), 1, 0, "the copies of the first only");
    static const bad_field bad[] = {
        { "{ { model = 'llama2-70b', gpus = 512, tp = 4, pp = 8, gbs = 512, platform = 'eos' } }", "beside[1]" },
        { "{ { model = 'llama2-7b', gpus = 8, gbs = 8 }, { model = 'llama2-7c', gpus = 8, gbs = 8 } }", "beside[2].model" },
        { "{ { model = 'llama2-7b', gpus = 8 } }", "beside[1].gbs" },
        { "{ { model = 'llama2-7b', gpus = 1024, gbs = 1024 } }", "1280 GPUs" },
        { "{ }", "field 'beside'" },
        { "{ 'x' }", "beside[1]" },
    };
    fails_each(L, call, bad, sizeof bad / sizeof *bad);
}

/* ------------------------------------------------------------------------------------------- */
/* Simulation */

static void check_collective(lua_State *L, const char *platform, coll_op op, int algo, int gpus, double bytes)
{
    char buf[256];
    plat_platform *p = load(platform);
    char err[512];
    net *n = net_create(p, 0, gpus, err, sizeof err);
    ds *s = ds_create(n, 0);
    coll_algo a = algo >= 0 ? (coll_algo)algo : coll_default_algo(op);
    int task = ds_collective(s, op, a, NULL, gpus, bytes, "c", NULL, 0, err, sizeof err);
    if (task < 0) fail_msg("%s", err);
    ds_stats st;
    ds_run(s, &st);
    coll_cost cost;
    ds_collective_cost(n, NULL, gpus, &cost);
    const coll_plan *plan = ds_collective_plan(s, task);
    double closed = coll_closed_form_s(plan, &cost);
    char formula[256];
    snprintf(formula, sizeof formula, "%s", coll_formula(plan));
    run(L, "r = usine0.collective{platform = '%s', op = '%s', %s%s%sgpus = %d, bytes = %.17g}", platform, coll_op_name(op),
        algo >= 0 ? "algo = '" : "", algo >= 0 ? coll_algo_name(a) : "", algo >= 0 ? "', " : "", gpus, bytes);
    near(num(L, "r.simulated_s"), st.end_s, 0, "simulated");
    near(num(L, "r.closed_form_s"), closed, 0, "closed form");
    assert_string_equal(str(L, buf, sizeof buf, "r.formula"), formula);
    assert_string_equal(str(L, buf, sizeof buf, "r.algo"), coll_algo_name(a));
    assert_string_equal(str(L, buf, sizeof buf, "r.op"), coll_op_name(op));
    assert_int_equal((int)num(L, "r.gpus"), gpus);
    near(num(L, "r.bytes"), bytes, 0, "bytes");
    near(num(L, "r.algbw_gbs"), bytes / st.end_s / 1e9, 1e-15, "algbw");
    near(num(L, "r.busbw_gbs"), bytes / st.end_s / 1e9 * coll_busbw_factor(op, gpus), 1e-15, "busbw");
    near(num(L, "r.alpha_intra_s"), cost.alpha_intra_s, 0, "alpha intra");
    near(num(L, "r.bw_intra_Bps"), cost.bw_intra_Bps, 0, "bw intra");
    near(num(L, "r.alpha_inter_s"), cost.alpha_inter_s, 0, "alpha inter");
    near(num(L, "r.bw_inter_Bps"), cost.bw_inter_Bps, 0, "bw inter");
    near(num(L, "r.messages"), (double)st.flows, 0, "messages");
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
}

static void test_collective_matches_the_c_api(void **state)
{
    lua_State *L = *state;
    check_collective(L, "classroom", COLL_ALLREDUCE, -1, 128, 1e9);       /* default algorithm: ring */
    check_collective(L, "classroom", COLL_ALLREDUCE, COLL_TREE, 64, 256e6);
    check_collective(L, "classroom", COLL_ALLREDUCE, COLL_RHD, 32, 1e6);
    check_collective(L, "classroom", COLL_ALLREDUCE, COLL_HIER, 32, 1e8);
    check_collective(L, "selene", COLL_ALLGATHER, COLL_RING, 24, 3e8);
    check_collective(L, "selene", COLL_ALLTOALL, -1, 16, 1e7);
    check_collective(L, "classroom", COLL_BROADCAST, -1, 16, 1e7);
    check_collective(L, "classroom", COLL_P2P, -1, 2, 1e3);
    /* op defaults to allreduce */
    assert_true(boolean(L, "usine0.collective{platform = 'classroom', gpus = 8, bytes = 1e6}.op == 'allreduce'"));
    /* routing = POLICY replaces the network's for one run; a policy the topology has not is refused */
    run(L, "m = usine0.collective{platform = 'el-capitan', algo = 'rhd', gpus = 1024, bytes = 1e9, routing = 'minimal'}");
    run(L, "a = usine0.collective{platform = 'el-capitan', algo = 'rhd', gpus = 1024, bytes = 1e9}");
    assert_true(num(L, "a.simulated_s") < 0.9 * num(L, "m.simulated_s"));
    assert_true(boolean(L, "usine0.platform('frontier'):partition('mi250x').network.routing == 'adaptive'"));
    fails(L, "usine0.collective{platform = 'frontier', gpus = 16, bytes = 1e6, routing = 'spray'}", "field 'routing'", "dragonfly",
          NULL);
    fails(L, "usine0.schedule{platform = 'classroom', gpus = 2, steps = {}, routing = 'ecmp'}", "field 'routing'", NULL);
    run(L, "function C(extra) local o = {platform = 'classroom', gpus = 16, bytes = 1e6} "
           "for k, v in pairs(extra) do o[k] = v end return usine0.collective(o) end");
    fails(L, "C{op = 'allreduc'}", "field 'op'", "alltoall", NULL);
    fails(L, "C{algo = 'butterfly'}", "field 'algo'", "rhd", NULL);
    fails(L, "C{algo = 'rhd', gpus = 12}", "rhd", NULL);                        /* coll_plan_init's message */
    fails(L, "C{gpus = 129}", "field 'gpus'", "from 1 to 128", NULL);
    fails(L, "C{gpus = 0}", "field 'gpus'", NULL);
    fails(L, "C{bytes = 0}", "field 'bytes'", NULL);
    fails(L, "C{bytes = -1}", "field 'bytes'", NULL);
    fails(L, "C{bytes = 2e12}", "field 'bytes'", NULL);
    fails(L, "C{bytes = 0/0}", "field 'bytes'", NULL);
    fails(L, "C{bytes = '1e6'}", "field 'bytes'", NULL);
    fails(L, "C{size = 1e6}", "unknown field 'size'", NULL);
    fails(L, "C{partition = 'x'}", "field 'partition'", NULL);
    /* caps: at most 4096 GPUs, and a program that would run for minutes is refused */
    fails(L, "usine0.collective{platform = 'selene', gpus = 4097, bytes = 1e6}", "field 'gpus'", "4096", NULL);
    fails(L, "usine0.collective{platform = 'selene', gpus = 4096, bytes = 1e6}", "fewer GPUs", NULL);
    fails(L, "usine0.collective{platform = 'selene', op = 'alltoall', gpus = 1024, bytes = 1e6}", "fewer GPUs", NULL);
}

/* A meter as the sandbox installs one: `left` instructions, every charge recorded; charging past
 * the budget raises, as sbx_charge does. */
static long meter_left, meter_charged, meter_calls;
static long fake_remaining(lua_State *L)
{
    (void)L;
    return meter_left;
}
static void fake_charge(lua_State *L, long n)
{
    meter_charged += n;
    meter_calls++;
    meter_left -= n;
    if (meter_left <= 0) luaL_error(L, "budget spent");
}
static const lb_meter fake_meter = { fake_remaining, fake_charge, NULL };

/* The simulations charge their work (ds_stats.work, 8 instructions a unit) to the caller's budget
 * and run no further than it: a call cannot burn the processor beyond what its caller may spend. */
static void test_simulations_charge_their_work(void **state)
{
    lua_State *L = *state;
    lb_set_meter(L, &fake_meter);

    /* The charge is the work of the same collective run in C, 8 instructions a unit. */
    plat_platform *p = load("classroom");
    char err[256];
    net *n = net_create(p, 0, 64, err, sizeof err);
    ds *s = ds_create(n, 0);
    ds_collective(s, COLL_ALLREDUCE, COLL_RING, NULL, 64, 1e9, "x", NULL, 0, err, sizeof err);
    ds_stats st;
    assert_int_equal(ds_run(s, &st), 0);
    assert_true(st.work > st.events);
    meter_left = 1L << 40, meter_charged = 0, meter_calls = 0;
    double t = num(L, "usine0.collective{platform = 'classroom', gpus = 64, bytes = 1e9}.simulated_s");
    assert_true(t == st.end_s);
    assert_int_equal(meter_calls, 1);
    assert_int_equal(meter_charged, (long)st.work * 8);
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);

    /* A budget smaller than the work: the run stops about where the budget ends, and the charge
     * raises. A step of 1024 GPUs and 128 micro-batches is some 10^8 units of work. */
    meter_left = 1000000, meter_charged = 0, meter_calls = 0;
    fails(L, "usine0.step{platform = 'eos', model = 'llama2-70b', gpus = 1024, tp = 8, pp = 1, gbs = 16384}",
          "budget spent", NULL);
    assert_int_equal(meter_calls, 1);
    assert_true(meter_charged > 1000000 && meter_charged < 2000000);
    meter_left = 1000, meter_charged = 0;
    fails(L, "usine0.collective{platform = 'classroom', gpus = 64, bytes = 1e9}", "budget spent", NULL);
    assert_true(meter_charged < 1000000);
    meter_left = 1000, meter_charged = 0;
    fails(L, "local m = {} for i = 0, 62 do m[#m + 1] = {from = i, to = i + 1, bytes = 1e6 * (i + 1)} end "
             "usine0.schedule{platform = 'classroom', gpus = 64, steps = {m}}", "budget spent", NULL);
    assert_true(meter_charged < 100000);

    /* No budget (the exercise's own code): no charge, and the per-call cap still holds. */
    meter_left = -1, meter_charged = 0, meter_calls = 0;
    assert_true(num(L, "usine0.collective{platform = 'classroom', gpus = 8, bytes = 1e6}.messages") > 0);
    assert_int_equal(meter_calls, 0);
    lb_set_meter(L, NULL);
}

static void test_schedule_ring_matches_the_simulator(void **state)
{
    lua_State *L = *state;
    /* A ring all-gather written as a schedule: p - 1 steps, GPU i sends to i + 1. Built here with
     * the rule spelt out: a message waits for every message of the previous step of its two ends. */
    enum { P = 16 };
    const double bytes = 4e6;
    plat_platform *p = load("classroom");
    char err[512];
    net *n = net_create(p, 0, P, err, sizeof err);
    ds *s = ds_create(n, 0);
    int prev[P], cur[P];
    double step_end[P] = { 0 };
    int task_step[P * P], ntasks = 0;
    for (int k = 0; k < P - 1; k++) {
        for (int i = 0; i < P; i++) {
            int pair[2] = { i, (i + 1) % P }, deps[3], nd = 0;
            if (k > 0) /* what i sent and received, what i + 1 sent (it received prev[i]) */
                deps[nd++] = prev[i], deps[nd++] = prev[(i + P - 1) % P], deps[nd++] = prev[(i + 1) % P];
            cur[i] = ds_collective(s, COLL_P2P, COLL_DIRECT, pair, 2, bytes, "m", deps, nd, err, sizeof err);
            assert_true(cur[i] >= 0);
            task_step[ntasks++] = k;
        }
        memcpy(prev, cur, sizeof prev);
    }
    ds_stats st;
    ds_run(s, &st);
    for (int t = 0; t < ntasks; t++) {
        double e = ds_task_end_s(s, t);
        for (int k = task_step[t]; k < P; k++)
            if (e > step_end[k]) step_end[k] = e;
    }
    ds_destroy(s);
    net_destroy(n);
    plat_free(p);
    run(L, "steps = {} for k = 1, %d do steps[k] = {} for i = 0, %d do "
           "steps[k][i + 1] = {from = i, to = (i + 1) %% %d, bytes = %.17g} end end "
           "r = usine0.schedule{platform = 'classroom', gpus = %d, steps = steps}", P - 1, P - 1, P, bytes, P);
    near(num(L, "r.time_s"), st.end_s, 1e-12, "time");
    assert_int_equal((int)num(L, "r.messages"), P * (P - 1));
    assert_int_equal((int)num(L, "#r.step_end_s"), P - 1);
    for (int k = 0; k < P - 1; k++) near(num(L, "r.step_end_s[%d]", k + 1), step_end[k], 1e-12, "step end");
}

static void test_schedule_semantics_and_errors(void **state)
{
    lua_State *L = *state;
    run(L, "function S(steps, gpus) return usine0.schedule{platform = 'classroom', gpus = gpus or 16, steps = steps} end");
    /* nothing to do */
    assert_true(boolean(L, "S({}).time_s == 0 and S({}).messages == 0 and #S({}).step_end_s == 0"));
    assert_true(boolean(L, "S({{}, {}}).time_s == 0 and #S({{}, {}}).step_end_s == 2"));
    /* GPUs that share nothing do not wait for each other: 2 and 3 exchange three small messages
     * while 0 sends a large one to 1; the schedule ends with the large one */
    double big = num(L, "S({{{from = 0, to = 1, bytes = 1e9}}}).time_s");
    double small = num(L, "S({{{from = 2, to = 3, bytes = 1e3}}}).time_s");
    assert_true(big > 100 * small);
    near(num(L, "S({{{from = 0, to = 1, bytes = 1e9}, {from = 2, to = 3, bytes = 1e3}}, "
                "{{from = 2, to = 3, bytes = 1e3}}, {{from = 3, to = 2, bytes = 1e3}}}).time_s"), big, 1e-12, "independent");
    /* a GPU waits for its own earlier steps even when it skipped one: 0 -> 1 (big), then 2 -> 3,
     * then 0 -> 2 after the big message */
    double two = num(L, "S({{{from = 0, to = 1, bytes = 1e9}}, {{from = 2, to = 3, bytes = 1e3}}, "
                     "{{from = 0, to = 2, bytes = 1e3}}}).time_s");
    assert_true(two > big);
    near(two, big + small, 0.01, "after the big message");
    /* steps: cumulative ends */
    run(L, "r = S({{{from = 0, to = 1, bytes = 1e6}}, {{from = 1, to = 2, bytes = 1e6}}})");
    assert_true(boolean(L, "r.step_end_s[1] > 0 and r.step_end_s[2] > r.step_end_s[1] and r.step_end_s[2] == r.time_s"));
    /* errors name the message */
    fails(L, "S({{{from = 0, to = 0, bytes = 1}}})", "steps[1][1]", "itself", NULL);
    fails(L, "S({{{from = 0, to = 1, bytes = 1}, {from = 0, to = 16, bytes = 1}}})", "steps[1][2].to", "from 0 to 15", NULL);
    fails(L, "S({{}, {{from = -1, to = 1, bytes = 1}}})", "steps[2][1].from", NULL);
    fails(L, "S({{{from = 0, to = 1, bytes = 0}}})", "steps[1][1].bytes", NULL);
    fails(L, "S({{{from = 0, to = 1, bytes = 0/0}}})", "steps[1][1].bytes", NULL);
    fails(L, "S({{{from = 0, to = 1, bytes = 1/0}}})", "steps[1][1].bytes", NULL);
    fails(L, "S({{{from = 0, to = 1}}})", "steps[1][1].bytes' is missing", NULL);
    fails(L, "S({{{from = 0, to = 1, bytes = 1, tag = 3}}})", "unknown field 'steps[1][1].tag'", NULL);
    fails(L, "S({{42}})", "steps[1][1]", "table", NULL);
    fails(L, "S({42})", "steps[1]", "table", NULL);
    fails(L, "S(42)", "field 'steps'", "table", NULL);
    fails(L, "S({}, 129)", "field 'gpus'", NULL);
    fails(L, "usine0.schedule{platform = 'classroom', gpus = 2}", "field 'steps' is missing", NULL);
    fails(L, "usine0.schedule{platform = 'selene', gpus = 4097, steps = {}}", "field 'gpus'", "4096", NULL);
    fails(L, "local s = {} for i = 1, 100001 do s[i] = {from = 0, to = 1, bytes = 1} end S({s})", "100000 messages", NULL);
    fails(L, "local s = {} for i = 1, 100001 do s[i] = {} end S(s)", "100000 steps", NULL);
    /* many messages of different sizes on one link would take minutes: refused, naming the link */
    fails(L, "local s = {} for i = 1, 20000 do s[i] = {from = 0, to = 1, bytes = i} end S({s})", "too long", "node 0", NULL);
    /* as many of one size are cheap, and allowed */
    assert_int_equal((int)num(L, "(function() local s = {} for i = 1, 20000 do s[i] = {from = 0, to = 1, bytes = 1e3} end "
                                 "return S({s}).messages end)()"), 20000);
}

/* ------------------------------------------------------------------------------------------- */
/* Kernels */

static void test_kernels_are_gated(void **state)
{
    lua_State *L = *state;
    char buf[256];
    assert_true(boolean(L, "usine0.kernels == nil"));
    assert_true(boolean(L, "type(usine.kernels) == 'table'"));
    fails(L, "usine.kernels.cpu()", "kernels are not available here", NULL);
    fails(L, "usine.kernels.gemm('sgemm', 8)", "kernels are not available here", NULL);
    fails(L, "usine.kernels.stream(8)", "kernels are not available here", NULL);
    fails(L, "usine.kernels.rungs()", "kernels are not available here", NULL);
    lb_allow_kernels(L, 1);
    assert_int_equal((int)num(L, "#usine.kernels.rungs()"), KN_RUNGS);
    for (int r = 0; r < KN_RUNGS; r++)
        assert_string_equal(str(L, buf, sizeof buf, "usine.kernels.rungs()[%d]", r + 1), kn_rung_name((kn_rung)r));
    kn_cpu c;
    kn_cpu_detect(&c);
    run(L, "cpu = usine.kernels.cpu()");
    assert_string_equal(str(L, buf, sizeof buf, "cpu.model"), c.model);
    assert_string_equal(str(L, buf, sizeof buf, "cpu.isa"), c.isa);
    assert_int_equal((int)num(L, "cpu.cores"), c.cores);
    assert_int_equal((int)num(L, "cpu.logical"), c.logical);
    assert_int_equal((int)num(L, "cpu.flops_per_cycle"), c.flops_per_cycle);
    /* the clock may be read from /proc/cpuinfo's current figure: compare the peak with its parts */
    near(num(L, "cpu.peak_gflops"), num(L, "cpu.cores * cpu.ghz * cpu.flops_per_cycle"), 1e-12, "peak");
    assert_true(num(L, "cpu.ghz") > 0);
    near(num(L, "cpu.memory_bytes"), c.memory_bytes, 0, "memory");
    /* the ladder is checked against the naive product (small n) or sgemm (large n) */
    for (int r = 0; r < KN_RUNGS; r++) {
        run(L, "g = usine.kernels.gemm('%s', 67, 2)", kn_rung_name((kn_rung)r));
        assert_true(num(L, "g.max_rel_error") <= kn_gemm_tolerance(67));
        assert_true(num(L, "g.gflops") > 0 && num(L, "g.seconds") > 0);
        assert_int_equal((int)num(L, "g.threads"), 2);
    }
    run(L, "g = usine.kernels.gemm('blocked', 300)");
    assert_true(num(L, "g.max_rel_error") <= num(L, "g.tolerance"));
    near(num(L, "g.tolerance"), kn_gemm_tolerance(300), 0, "tolerance");
    assert_true(boolean(L, "g.cpu_share > 0 and g.cpu_share <= 1 and g.busy == (g.cpu_share < 0.75)"));
    /* A measurement that other programs starve says so: twice as many spinning processes as
     * processors leave a one-thread rung well under half of a core. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pid_t spin[64];
    int nspin = (int)(2 * cpus < 64 ? 2 * cpus : 64);
    for (int i = 0; i < nspin; i++)
        if ((spin[i] = fork()) == 0)
            for (;;) {}
    run(L, "g = usine.kernels.gemm('reorder', 400)");
    for (int i = 0; i < nspin; i++) kill(spin[i], SIGKILL), waitpid(spin[i], NULL, 0);
    if (!boolean(L, "g.busy")) fail_msg("a starved measurement is not busy: cpu_share %g", num(L, "g.cpu_share"));
    run(L, "s = usine.kernels.stream(24)");
    assert_int_equal((long)num(L, "s.elements"), 24L * 1048576 / 24);
    assert_true(boolean(L, "s.copy > 0 and s.scale > 0 and s.add > 0 and s.triad > 0 and s.max_error < 1e-12"));
    fails(L, "usine.kernels.gemm('fastest', 64)", "#1", "sgemm", NULL);
    fails(L, "usine.kernels.gemm('sgemm', 0)", "#2", "from 1 to 2048", NULL);
    fails(L, "usine.kernels.gemm('sgemm', 2049)", "#2", NULL);
    fails(L, "usine.kernels.gemm('naive', 2048)", "#2", "from 1 to 1024", NULL);
    fails(L, "usine.kernels.gemm('sgemm', 0/0)", "#2", NULL);
    fails(L, "usine.kernels.gemm('sgemm', 64, 0)", "#3", NULL);
    fails(L, "usine.kernels.stream(0)", "#1", NULL);
    fails(L, "usine.kernels.stream(1025)", "#1", "1024", NULL);
    lb_allow_kernels(L, 0);
    fails(L, "usine.kernels.cpu()", "kernels are not available here", NULL);
}

/* No call leaves anything behind when it fails: a thousand errors of each kind in a loop (under
 * AddressSanitizer, a leak fails the run), and the stack of the state is as it was. */
static void test_errors_leak_nothing(void **state)
{
    lua_State *L = *state;
    run(L, "for i = 1, 200 do "
           "pcall(usine0.predict, {platform = 'classroom', model = 'megatron-1.7b', gpus = 64, gbs = 256, tp = 3}) "
           "pcall(usine0.step, {platform = 'selene', model = 'megatron-7.5b', gpus = 64, zero = 3, stack = 'deepspeed-zero3-2021', gbs = 128}) "
           "pcall(usine0.collective, {platform = 'classroom', algo = 'rhd', gpus = 12, bytes = 1e6}) "
           "pcall(usine0.schedule, {platform = 'classroom', gpus = 4, steps = {{{from = 0, to = 1, bytes = 1}}, {{from = 2, to = 2, bytes = 1}}}}) "
           "pcall(usine.platform, 'tests/fixtures/platforms/bad/nan-peak.xml') "
           "pcall(usine0.platforms) end");
    assert_int_equal(lua_gettop(L), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_version_and_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_num, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diagnose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amdahl_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platform_identity_and_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partition_tables_match_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_totals_match_the_c_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platform_names_paths_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platforms_lists_the_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_models_moe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_predict_matches_tm_predict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_predict_rejects_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_matches_tm_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nodes_is_a_what_if_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_matches_the_simulator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_beside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_background, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collective_matches_the_c_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simulations_charge_their_work, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_ring_matches_the_simulator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_semantics_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernels_are_gated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_leak_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
