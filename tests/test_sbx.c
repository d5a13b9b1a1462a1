/* test_sbx.c: the Lua sandbox in one process: what a submission can reach, the limits that
 * pcall cannot swallow, plain copies, and the fixed order of pairs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "sbx.h"

static sbx *S;

static int setup(void **state)
{
    (void)state;
    sbx_limits l = sbx_default_limits();
    l.instructions = 5000000;
    l.memory_bytes = 16u << 20;
    l.string_bytes = 1u << 20;
    l.output_bytes = 1000;
    l.seconds = 5;
    S = sbx_create(&l);
    return S ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sbx_destroy(S);
    return 0;
}

/* Run code as a submission in a fresh environment; returns the status, the first result (if
 * any) left as a string in *out. */
static sbx_status run_sub(const char *code, char *out, size_t out_size)
{
    lua_State *L = sbx_lua(S);
    int top = lua_gettop(L);
    sbx_reset_budget(S);
    sbx_new_env(S);
    sbx_status st = sbx_load(S, code, strlen(code), "=sub", -1);
    if (st == SBX_OK) st = sbx_call(S, 0, 1);
    if (out) {
        out[0] = '\0';
        if (st == SBX_OK && lua_type(L, -1) == LUA_TSTRING) snprintf(out, out_size, "%s", lua_tostring(L, -1));
        else if (st == SBX_OK && lua_type(L, -1) == LUA_TNUMBER) snprintf(out, out_size, "%.17g", lua_tonumber(L, -1));
        else if (st == SBX_OK && lua_type(L, -1) == LUA_TBOOLEAN) snprintf(out, out_size, "%s", lua_toboolean(L, -1) ? "true" : "false");
        else if (st == SBX_OK) snprintf(out, out_size, "%s", luaL_typename(L, -1));
    }
    lua_settop(L, top);
    return st;
}

static void test_standard_library_is_there(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(run_sub("return ('%d-%s'):format(math.floor(2.5), table.concat({'a','b'}, ','))", out, sizeof out), SBX_OK);
    assert_string_equal(out, "2-a,b");
    assert_int_equal(run_sub("return utf8.len('été') + select('#', 1, 2)", out, sizeof out), SBX_OK);
    assert_string_equal(out, "5");
    assert_int_equal(run_sub("local co = coroutine.wrap(function() coroutine.yield(4) end) return co()", out, sizeof out), SBX_OK);
    assert_string_equal(out, "4");
    assert_int_equal(run_sub("return type(os.clock())", out, sizeof out), SBX_OK);
    assert_string_equal(out, "number");
}

static void test_denied_names(void **state)
{
    (void)state;
    static const char *const denied[] = {
        "io", "require", "package", "debug", "dofile", "loadfile", "os.execute", "os.getenv", "os.remove",
        "string.dump", "('').dump", "os.exit",
    };
    char code[128], out[64];
    for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
        snprintf(code, sizeof code, "return %s == nil", denied[i]);
        assert_int_equal(run_sub(code, out, sizeof out), SBX_OK);
        if (strcmp(out, "true") != 0) fail_msg("%s is reachable from a submission", denied[i]);
    }
}

static void test_load_text_only_into_own_env(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(run_sub("x = 5 return load('return x')()", out, sizeof out), SBX_OK);
    assert_string_equal(out, "5");
    assert_int_equal(run_sub("return select(2, load('\\27Lua'))", out, sizeof out), SBX_OK);
    assert_non_null(strstr(out, "binary"));
    assert_int_equal(run_sub("return select(2, load(function() return nil end))", out, sizeof out), SBX_OK);
    assert_non_null(strstr(out, "text chunks"));
    assert_int_equal(run_sub("return load('return 1', 'x', 't', {})", out, sizeof out), SBX_ERROR);
    assert_non_null(strstr(sbx_message(S), "environment"));
}

static void test_string_metatable_is_protected(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(run_sub("return getmetatable('')", out, sizeof out), SBX_OK);
    assert_string_equal(out, "protected");
    assert_int_equal(run_sub("string.upper = nil return ('a'):upper()", out, sizeof out), SBX_OK);
    assert_string_equal(out, "A");
    assert_int_equal(run_sub("return ('%p'):format({})", out, sizeof out), SBX_ERROR);
}

static void test_budget_cannot_be_swallowed(void **state)
{
    (void)state;
    static const char *const loops[] = {
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "local function spin() while true do end end while true do xpcall(spin, function() return 1 end) end",
        "local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do pcall(co) end",
        "while true do local ok = pcall(error, 'x') end",
        "local t <close> = setmetatable({}, {__close = function() while true do end end}) while true do end",
    };
    for (size_t i = 0; i < sizeof loops / sizeof *loops; i++) {
        sbx_status st = run_sub(loops[i], NULL, 0);
        if (st != SBX_INSTRUCTIONS) fail_msg("loop %zu: status %d, message %s", i, st, sbx_message(S));
        assert_non_null(strstr(sbx_message(S), "instruction"));
    }
    /* And the budget is spent for the rest of the submission until reset. */
    sbx_new_env(S);
    sbx_status st = sbx_load(S, "return 1", 8, "=x", -1);
    assert_int_equal(st, SBX_OK);
    lua_remove(sbx_lua(S), -2);
    assert_int_equal(sbx_call(S, 0, 0), SBX_INSTRUCTIONS);
}

static void test_memory_cap(void **state)
{
    (void)state;
    assert_int_equal(run_sub("local t = {} for i = 1, 1e8 do t[i] = {i} end", NULL, 0), SBX_MEMORY);
    assert_int_equal(run_sub("local k = {} while true do pcall(function() local s = 'x' for i = 1, 30 do s = s .. s end k[#k+1] = s end) end",
                             NULL, 0), SBX_MEMORY);
    /* After a memory kill the state is usable again. */
    char out[32];
    assert_int_equal(run_sub("return 1 + 1", out, sizeof out), SBX_OK);
    assert_string_equal(out, "2");
}

/* Garbage is not a memory bomb: Lua collects and tries again before the cap counts as crossed. */
static void test_garbage_is_collected_not_killed(void **state)
{
    (void)state;
    lua_State *L = sbx_lua(S);
    int top = lua_gettop(L);
    sbx_reset_budget(S);
    /* Trusted code, so that the collector can be stopped and garbage piles up against the cap. */
    const char *code = "collectgarbage('stop') for i = 1, 100 do local s = ('x'):rep(1 << 20) .. i end return 'ok'";
    lua_pushglobaltable(L);
    assert_int_equal(sbx_load(S, code, strlen(code), "=trusted", -1), SBX_OK);
    lua_remove(L, -2);
    sbx_status st = sbx_call(S, 0, 1);
    if (st != SBX_OK) fail_msg("status %d: %s", st, sbx_message(S));
    assert_string_equal(lua_tostring(L, -1), "ok");
    lua_settop(L, top);
    lua_gc(L, LUA_GCRESTART);
}

static void test_string_limits(void **state)
{
    (void)state;
    assert_int_equal(run_sub("return ('x'):rep(1 << 40)", NULL, 0), SBX_ERROR);
    assert_non_null(strstr(sbx_message(S), "string.rep"));
    assert_int_equal(run_sub("return string.rep('ab', 1e9, ',')", NULL, 0), SBX_ERROR);
    char out[32];
    assert_int_equal(run_sub("return #('ab'):rep(1000, ',')", out, sizeof out), SBX_OK);
    assert_string_equal(out, "2999");
}

static void test_finalisers_refused(void **state)
{
    (void)state;
    assert_int_equal(run_sub("setmetatable({}, {__gc = function() while true do end end})", NULL, 0), SBX_ERROR);
    assert_non_null(strstr(sbx_message(S), "__gc"));
    assert_int_equal(run_sub("local mt = {__gc = true} setmetatable({}, mt)", NULL, 0), SBX_ERROR);
    assert_int_equal(run_sub("return collectgarbage()", NULL, 0), SBX_ERROR);
    char out[32];
    assert_int_equal(run_sub("return collectgarbage('count') > 0", out, sizeof out), SBX_OK);
    assert_string_equal(out, "true");
}

static void test_error_values_never_run_metamethods(void **state)
{
    (void)state;
    assert_int_equal(run_sub("error(setmetatable({}, {__tostring = function() while true do end end}))", NULL, 0),
                     SBX_ERROR);
    assert_string_equal(sbx_message(S), "(error object is a table value)");
    assert_int_equal(run_sub("error(42)", NULL, 0), SBX_ERROR);
    assert_string_equal(sbx_message(S), "42");
}

static void test_output_is_captured_and_capped(void **state)
{
    (void)state;
    run_sub("print('a', 1, true, nil) print({})", NULL, 0);
    size_t len;
    const char *o = sbx_output(S, &len);
    assert_string_equal(o, "a\t1\ttrue\tnil\ntable\n");
    assert_int_equal(run_sub("for i = 1, 1000 do print(('x'):rep(100)) end", NULL, 0), SBX_OK);
    sbx_output(S, &len);
    assert_int_equal(len, 1000);
}

static void test_deterministic_pairs_tostring_random(void **state)
{
    (void)state;
    char a[256], b[256];
    const char *code = "local t = {zeta=1, alpha=2, [3]=3, [1]=4, mid=5, [true]=6, [2.5]=7} local s = ''"
                       " for k in pairs(t) do s = s .. tostring(k) .. ' ' end return s .. tostring(print) .. math.random(1000)";
    assert_int_equal(run_sub(code, a, sizeof a), SBX_OK);
    assert_string_equal(strstr(a, "1 2.5 3 alpha mid zeta true function") == a ? "ok" : a, "ok");
    assert_int_equal(run_sub(code, b, sizeof b), SBX_OK);
    assert_string_equal(a, b);
}

/* Trusted code sees a plain copy of what a submission hands it. */
static void test_plain_copy(void **state)
{
    (void)state;
    lua_State *L = sbx_lua(S);
    int top = lua_gettop(L);
    sbx_reset_budget(S);
    sbx_new_env(S);
    const char *code = "local liar = setmetatable({x = 1}, {__index = function() return 99 end, __eq = function() return true end})"
                       " liar.self = liar return liar, function(t) t.x = 5 return t, setmetatable({}, {__index = {y = 7}}) end";
    assert_int_equal(sbx_load(S, code, strlen(code), "=sub", -1), SBX_OK);
    assert_int_equal(sbx_call(S, 0, 2), SBX_OK);
    sbx_copy_plain(L, -2);
    int copy = lua_gettop(L);
    assert_null(lua_getmetatable(L, copy));
    lua_getfield(L, copy, "y");
    assert_true(lua_isnil(L, -1));                     /* no __index any more */
    lua_getfield(L, copy, "self");
    assert_true(lua_rawequal(L, -1, copy));            /* the cycle is kept */
    lua_pop(L, 2);
    /* A function: its argument is copied in (our table is not changed), its results copied out. */
    lua_newtable(L);
    lua_pushinteger(L, 1);
    lua_setfield(L, -2, "x");
    int mine = lua_gettop(L);
    sbx_copy_plain(L, copy - 1);
    lua_pushvalue(L, mine);
    assert_int_equal(sbx_call(S, 1, 2), SBX_OK);
    lua_getfield(L, mine, "x");
    assert_int_equal(lua_tointeger(L, -1), 1);
    lua_getfield(L, -2, "y");
    assert_true(lua_isnil(L, -1));
    lua_settop(L, top);
}

/* Issue 15, item 1: a million results are refused with a message, not pushed past the stack. */
static void test_many_results_refused(void **state)
{
    (void)state;
    lua_State *L = sbx_lua(S);
    int top = lua_gettop(L);
    sbx_reset_budget(S);
    sbx_new_env(S);
    const char *code = "return function(n) local t = {} for i = 1, n do t[i] = i end return table.unpack(t) end";
    assert_int_equal(sbx_load(S, code, strlen(code), "=sub", -1), SBX_OK);
    assert_int_equal(sbx_call(S, 0, 1), SBX_OK);
    sbx_copy_plain(L, -1);
    int f = lua_gettop(L);
    lua_pushvalue(L, f);
    lua_pushinteger(L, 1000);
    assert_int_equal(sbx_call(S, 1, 1), SBX_OK);
    assert_int_equal(lua_tointeger(L, -1), 1);
    lua_pop(L, 1);
    lua_pushvalue(L, f);
    lua_pushinteger(L, 200000);
    sbx_status st = sbx_call(S, 1, LUA_MULTRET);
    if (st != SBX_ERROR) fail_msg("status %d: %s", st, sbx_message(S));
    assert_non_null(strstr(sbx_message(S), "values"));
    lua_settop(L, top);
}

/* Issue 15, item 2: nested coroutine.close is refused long before Lua 5.4.4's C stack runs out. */
static void test_nested_coroutine_close_refused(void **state)
{
    (void)state;
    const char *code =
        "local cos = {} local mt = {__close = function(x) local nxt = cos[x.i + 1] if nxt then"
        "  local ok, e = coroutine.close(nxt) if not ok then error(e, 0) end end end}"
        " for i = 1, 3000 do cos[i] = coroutine.create(function()"
        "  local x <close> = setmetatable({i = i}, mt) coroutine.yield() end) coroutine.resume(cos[i]) end"
        " return tostring(select(2, coroutine.close(cos[1])))";
    char out[512];
    sbx_status st = run_sub(code, out, sizeof out);
    if (st != SBX_OK) fail_msg("status %d: %s", st, sbx_message(S));
    if (!strstr(out, "coroutines nested")) fail_msg("close returned: %s", out);
    assert_int_equal(run_sub("local function f(n) if n == 0 then return 0 end"
                             " return coroutine.wrap(function() return f(n - 1) + 1 end)() end return f(1000)", NULL, 0),
                     SBX_ERROR);
    assert_true(strstr(sbx_message(S), "coroutines nested") || strstr(sbx_message(S), "stack overflow"));
    assert_int_equal(run_sub("local function f(n) if n == 0 then return 0 end"
                             " return coroutine.wrap(function() return f(n - 1) + 1 end)() end return f(50)", out, sizeof out),
                     SBX_OK);
    assert_string_equal(out, "50");
}

/* Issue 15, item 3: what a submission computes does not depend on the locale, the hash seed, the
 * checks' random numbers or the clock. */
static void test_determinism(void **state)
{
    (void)state;
    char a[512], b[512];
    assert_int_equal(run_sub("return ('\xe9t\xe9 abc'):upper() .. ('\xc9T\xc9 ABC'):lower()", a, sizeof a), SBX_OK);
    assert_string_equal(a, "\xe9T\xe9 ABC\xc9t\xc9 abc");
    assert_int_equal(run_sub("local t = {'b', 'B', 'a', 'A', '\xe9', 'e'} table.sort(t) return table.concat(t, ' ')", a, sizeof a), SBX_OK);
    assert_string_equal(a, "A B a b e \xe9");
    /* next visits keys in the order of pairs */
    const char *code = "local t = {zeta=1, alpha=2, [3]=3, [1]=4, mid=5, [true]=6, [2.5]=7} local s = ''"
                       " local k = next(t) while k ~= nil do s = s .. tostring(k) .. ' ' k = next(t, k) end"
                       " local p = '' for k in pairs(t) do p = p .. tostring(k) .. ' ' end return s == p and s or s .. '|' .. p";
    assert_int_equal(run_sub(code, a, sizeof a), SBX_OK);
    assert_string_equal(a, "1 2.5 3 alpha mid zeta true ");
    /* randomseed() reseeds the same way every time, and the submission's generator is its own */
    assert_int_equal(run_sub("math.randomseed() local x = math.random(1 << 30) math.randomseed() return x == math.random(1 << 30)", a, sizeof a), SBX_OK);
    assert_string_equal(a, "true");
    assert_int_equal(run_sub("return math.random(1 << 30)", a, sizeof a), SBX_OK);
    lua_State *L = sbx_lua(S);
    assert_int_equal(luaL_dostring(L, "math.random() math.random()"), 0); /* the checks draw numbers */
    assert_int_equal(run_sub("return math.random(1 << 30)", b, sizeof b), SBX_OK);
    assert_string_equal(a, b);
    assert_int_equal(run_sub("return math.random(3, 3) + math.random(1) + (math.random() < 1 and 1 or 0)", a, sizeof a), SBX_OK);
    assert_string_equal(a, "5");
    /* os.clock counts instructions: the same loop reads the same clock */
    code = "local t0 = os.clock() for i = 1, 1e5 do end return os.clock() - t0";
    assert_int_equal(run_sub(code, a, sizeof a), SBX_OK);
    assert_int_equal(run_sub(code, b, sizeof b), SBX_OK);
    assert_string_equal(a, b);
    assert_true(atof(a) > 0);
}

/* Issue 15, item 4: honest files and globals are accepted. */
static void test_bom_shebang_and_deep_globals(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(run_sub("\xef\xbb\xbfreturn 1", out, sizeof out), SBX_OK);
    assert_string_equal(out, "1");
    assert_int_equal(run_sub("#!/usr/bin/env lua\nreturn 2", out, sizeof out), SBX_OK);
    assert_string_equal(out, "2");
    assert_int_equal(run_sub("\xef\xbb\xbf#!/usr/bin/lua\nerror('x')", out, sizeof out), SBX_ERROR);
    assert_string_equal(sbx_message(S), "sub:2: x");      /* lines keep their numbers */
    lua_State *L = sbx_lua(S);
    int top = lua_gettop(L);
    sbx_reset_budget(S);
    sbx_new_env(S);
    const char *code = "local l = nil for i = 1, 5000 do l = {next = l, v = i} end return l";
    assert_int_equal(sbx_load(S, code, strlen(code), "=sub", -1), SBX_OK);
    assert_int_equal(sbx_call(S, 0, 1), SBX_OK);
    sbx_copy_plain(L, -1);
    int n = 0;
    while (lua_type(L, -1) == LUA_TTABLE) {
        n++;
        lua_getfield(L, -1, "next");
        lua_remove(L, -2);
    }
    assert_int_equal(n, 5000);
    lua_settop(L, top);
}

/* Issue 15, item 5: C work and coroutines are charged. */
static void test_budget_leaks_closed(void **state)
{
    (void)state;
    static const char *const spend[] = {
        "return ('').rep('', math.maxinteger)",
        "return string.rep('', math.maxinteger, '')",
        "for i = 1, 1e9 do coroutine.wrap(function() for j = 1, 900 do end end)() end",
        "for i = 1, 1e9 do local co = coroutine.create(function() for j = 1, 900 do end end) coroutine.resume(co) end",
        "local t = {} table.move(t, 1, 1e15, 2)",
        "local t = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e6 do table.insert(t, 1, i) end",
        "local s = ('a'):rep(1 << 20) local p = ('a'):rep(1 << 19) .. 'b' for i = 1, 1e9 do s:find(p, 1, true) end",
    };
    for (size_t i = 0; i < sizeof spend / sizeof *spend; i++) {
        sbx_status st = run_sub(spend[i], NULL, 0);
        if (st == SBX_OK) continue;   /* rep('') is fine as long as it returns */
        if (st != SBX_INSTRUCTIONS) fail_msg("case %zu: status %d, message %s", i, st, sbx_message(S));
    }
    assert_int_equal(run_sub(spend[2], NULL, 0), SBX_INSTRUCTIONS);
    char out[32];
    assert_int_equal(run_sub("return #('').rep('', math.maxinteger)", out, sizeof out), SBX_OK);
    assert_string_equal(out, "0");
}

/* Issue 15, item 7: messages name the function, and NaN reads "nan". */
static void test_messages(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "string.rep('x', 2, {})", "('x'):rep({})", "string.format('%d', 'x')", "table.insert(nil, 1)",
        "string.find({}, 'x')", "table.sort(1)", "coroutine.close(1)", "next(1)", "string.upper({})",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(run_sub(bad[i], NULL, 0), SBX_ERROR);
        if (strstr(sbx_message(S), "'?'") || !strstr(sbx_message(S), "sub:1:"))
            fail_msg("case %zu: %s", i, sbx_message(S));
    }
    assert_int_equal(run_sub("error(0/0)", NULL, 0), SBX_ERROR);
    assert_string_equal(sbx_message(S), "nan");
    char out[32];
    assert_int_equal(run_sub("return tostring(0/0) .. tostring(-(0/0))", out, sizeof out), SBX_OK);
    assert_string_equal(out, "nannan");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_library_is_there),
        cmocka_unit_test(test_denied_names),
        cmocka_unit_test(test_load_text_only_into_own_env),
        cmocka_unit_test(test_string_metatable_is_protected),
        cmocka_unit_test(test_budget_cannot_be_swallowed),
        cmocka_unit_test(test_memory_cap),
        cmocka_unit_test(test_garbage_is_collected_not_killed),
        cmocka_unit_test(test_string_limits),
        cmocka_unit_test(test_finalisers_refused),
        cmocka_unit_test(test_error_values_never_run_metamethods),
        cmocka_unit_test(test_output_is_captured_and_capped),
        cmocka_unit_test(test_deterministic_pairs_tostring_random),
        cmocka_unit_test(test_plain_copy),
        cmocka_unit_test(test_many_results_refused),
        cmocka_unit_test(test_nested_coroutine_close_refused),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_bom_shebang_and_deep_globals),
        cmocka_unit_test(test_budget_leaks_closed),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
